/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime-driver - test driver for berth's built-in runtime (src/lib/runtime), built only for
 * the test suites. It does what the monitor will do, minus detaching and logging:
 *
 *   runtime-driver BUNDLE                 run BUNDLE/config.json in the foreground, stdio
 *                                         inherited (a terminal is copied to stdout); exit with
 *                                         the container's code (128+N for signal N)
 *   runtime-driver --exec BUNDLE CMD...   start the container, exec CMD in it (as uid 0, or
 *                                         $RT_EXEC_USER "UID:GID"; cwd $RT_EXEC_CWD; a pty when
 *                                         $RT_EXEC_TTY is set), wait for CMD, kill the
 *                                         container; exit with CMD's code
 *   runtime-driver --seccomp FILE [CAPS]  print the OCI linux.seccomp object converted from the
 *                                         containers-common profile FILE (CAPS: hex bitmask)
 * Setup errors print "runtime-driver: MESSAGE" and exit with 125, 126 or 127 as berth run does.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "util/log.h"

static int fail(const berth_error *err)
{
	fprintf(stderr, "runtime-driver: %s\n", err->msg);
	return err->exit_code ? err->exit_code : 125;
}

static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Copy the terminal's output to stdout until the container side closes. */
static void copy_pty(int master)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(1, buf, (size_t)n) < 0)
			break;
}

static int cmd_seccomp(const char *path, const char *caps)
{
	berth_error err = {0};
	json_t *obj = NULL;
	unsigned long long c = caps ? strtoull(caps, NULL, 16) : 0;

	if (runtime_seccomp_from_containers_json(path, c, (void **)&obj, &err) < 0)
		return fail(&err);
	json_dumpf(obj, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(obj);
	return 0;
}

int main(int argc, char **argv)
{
	struct runtime_stdio io = {{0, 1, 2}};
	struct runtime_process proc, ex;
	struct runtime_config *cfg = NULL;
	berth_error err = {0};
	bool exec_mode = false;
	int code;

	if (getenv("BERTH_LOG_LEVEL"))
		log_set_level_name(getenv("BERTH_LOG_LEVEL"));
	if (argc >= 3 && strcmp(argv[1], "--seccomp") == 0)
		return cmd_seccomp(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 4 && strcmp(argv[1], "--exec") == 0) {
		exec_mode = true;
		argv++;
		argc--;
	}
	if (argc < 2 || (exec_mode && argc < 3) || (!exec_mode && argc != 2)) {
		fprintf(stderr,
			"usage: runtime-driver [--exec] BUNDLE [CMD...] | --seccomp FILE [CAPS]\n");
		return 125;
	}
	if (runtime_config_load(argv[1], &cfg, &err) < 0)
		return fail(&err);
	if (runtime_create_and_start(cfg, &io, &proc, &err) < 0) {
		runtime_config_free(cfg);
		return fail(&err);
	}
	if (exec_mode) {
		struct runtime_exec_opts opts = {.args = argv + 2, .uid = 0, .gid = 0};
		const char *user = getenv("RT_EXEC_USER"); /* "UID:GID" */
		unsigned u, g;
		berth_error cgerr;

		if (user && sscanf(user, "%u:%u", &u, &g) == 2) {
			opts.uid = u;
			opts.gid = g;
		}
		opts.cwd = getenv("RT_EXEC_CWD");
		opts.terminal = getenv("RT_EXEC_TTY") != NULL;

		if (runtime_exec(cfg, proc.pidfd, &opts, &io, &ex, &err) < 0) {
			code = fail(&err);
		} else {
			if (ex.pty_master >= 0) {
				copy_pty(ex.pty_master);
				close(ex.pty_master);
			}
			code = wait_exit(ex.pid);
			close(ex.pidfd);
		}
		syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
		wait_exit(proc.pid);
		runtime_cgroup_remove(cfg, &cgerr);
	} else {
		if (proc.pty_master >= 0) {
			copy_pty(proc.pty_master);
			close(proc.pty_master);
		}
		code = wait_exit(proc.pid);
		if (runtime_cgroup_remove(cfg, &err) < 0)
			fprintf(stderr, "runtime-driver: warning: %s\n", err.msg);
	}
	close(proc.pidfd);
	runtime_config_free(cfg);
	return code;
}
