/* SPDX-License-Identifier: Apache-2.0 */
#include "network/helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

const char *net_helper_find(const char *const *names)
{
	for (; *names; names++)
		if (access(*names, X_OK) == 0)
			return *names;
	return NULL;
}

/* Puts @fd (already above every target) at @target in the child. */
static int move_fd(int fd, int target)
{
	return fd < 0 || dup2(fd, target) == target ? 0 : -1;
}

int net_helper_spawn(const char *path, const char *const *argv, const char *cwd, int netns_fd,
		     int userns_fd, int extra_fd, int logfd, pid_t *ret_pid, berth_error *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return berr_errno(err, errno, "fork to start %s", path);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int fds[3] = {netns_fd, userns_fd, extra_fd}, tmp[3];
		sigset_t none;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* above 10 first, so that no fd lands on another before it moved */
		for (int i = 0; i < 3; i++)
			tmp[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD_CLOEXEC, 10) : -1;
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 ||
		    dup2(logfd, 2) < 0 || move_fd(tmp[0], NET_HELPER_NETNS_FD) < 0 ||
		    move_fd(tmp[1], NET_HELPER_USERNS_FD) < 0 ||
		    move_fd(tmp[2], NET_HELPER_EXTRA_FD) < 0 || (cwd && chdir(cwd) < 0))
			_exit(127);
		close_range(NET_HELPER_EXTRA_FD + 1, ~0U, 0);
		/* Callers (the monitor) block SIGCHLD for signalfd; the helper needs a clean slate. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	*ret_pid = pid;
	return 0;
}
