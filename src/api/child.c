/* SPDX-License-Identifier: Apache-2.0 */
/*
 * child.c - run `berth ARGS...` as a child process for the requests whose work lives in the
 * heavy programs (pull, push, search through berth-transfer) or in other CLI commands (commit,
 * image prune): berth-api links neither libcurl nor libcrypto (../shared/DESIGN.md), and a
 * fresh single-threaded process is also what container work needs. The child gets the
 * server's global options (--root, --runroot, --storage-driver) and no inherited fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "api/api.h"
#include "util/macro.h"

extern char **environ;

int api_child_spawn(const char *const *args, int out_fd, int err_fd, pid_t *ret_pid)
{
	_cleanup_free_ char *berth = berth_ctx_helper_path(&api_ctx, "berth");
	_cleanup_free_ const char **argv = NULL;
	posix_spawn_file_actions_t fa;
	size_t n = 0, na = 0, ng = 0;
	pid_t pid;
	int r;

	if (!berth)
		return -ENOMEM;
	while (args[na])
		na++;
	while (api_ctx.global_argv && api_ctx.global_argv[ng])
		ng++;
	argv = calloc(ng + na + 2, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[n++] = berth;
	for (size_t i = 0; i < ng; i++)
		argv[n++] = api_ctx.global_argv[i];
	for (size_t i = 0; i < na; i++)
		argv[n++] = args[i];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	r = posix_spawn(&pid, berth, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	*ret_pid = pid;
	return 0;
}

int api_child_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Everything @fd held from its start, NUL-terminated (a memfd the child wrote). */
static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t r;

	if (!buf || lseek(fd, 0, SEEK_SET) < 0) {
		free(buf);
		return NULL;
	}
	while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (len + 1 == cap) {
			char *nb = cap < API_CHILD_OUTPUT_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

int api_child_run(const char *const *args, char **ret_out, char **ret_err)
{
	_cleanup_close_ int out = memfd_create("berth-api-out", MFD_CLOEXEC);
	_cleanup_close_ int err = memfd_create("berth-api-err", MFD_CLOEXEC);
	pid_t pid;
	int r;

	if (out < 0 || err < 0)
		return -errno;
	if ((r = api_child_spawn(args, out, err, &pid)) < 0)
		return r;
	r = api_child_wait(pid);
	*ret_out = read_all(out);
	*ret_err = read_all(err);
	if (!*ret_out || !*ret_err) {
		free(*ret_out);
		free(*ret_err);
		return -ENOMEM;
	}
	/* the last line of stderr is the child's "Error: ..." */
	size_t l = strlen(*ret_err);
	while (l && ((*ret_err)[l - 1] == '\n'))
		(*ret_err)[--l] = '\0';
	char *last = strrchr(*ret_err, '\n');
	if (last)
		memmove(*ret_err, last + 1, strlen(last + 1) + 1);
	if (strncmp(*ret_err, "Error: ", 7) == 0)
		memmove(*ret_err, *ret_err + 7, strlen(*ret_err + 7) + 1);
	return r;
}
