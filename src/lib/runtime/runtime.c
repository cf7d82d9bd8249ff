/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.c - create and start a container, and exec into a running one.
 *
 * Theory of operation (create). The caller (the monitor: single-threaded) prepares the cgroup,
 * opens the namespace files to join, and clones the child with CLONE_PIDFD and the namespaces to
 * create. Parent and child talk over a SOCK_SEQPACKET socketpair whose child end is O_CLOEXEC:
 *   parent: cgroup.procs ← pid; uid_map/gid_map (util/userns); "go" →
 *   child:  join namespaces by path; become root of its user namespace; build the rootfs and
 *           pivot (mounts.c, with the sysctls); hostname; the terminal (master fd ← SCM_RIGHTS) or the
 *           given stdio; setsid; chdir(process.cwd) inside the new root; close every other fd;
 *           rlimits, user, caps, no_new_privs, seccomp (security.c); look args[0] up in the
 *           container's PATH and execve.
 * Any failure in the child is sent as a message {code, exit status, text} and the child exits;
 * a successful execve closes the socket, so the parent reads EOF and knows the process runs.
 * 127 means the command was not found, 126 that it could not be executed, 125 anything else.
 *
 * Exec. A helper child joins the container's cgroup, becomes non-dumpable (so the container
 * cannot ptrace or read /proc/<pid>/ of a process still holding host fds: CVE-2016-9962), joins
 * every namespace of the container at once with setns(pidfd), then clones the real process with
 * CLONE_PARENT (so it is the caller's child) and CLONE_PIDFD, passes the pidfd up and exits. The
 * process itself runs the same security setup and exec as a container's init.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/runtime-internal.h"
#include "util/log.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum sync_type { SYNC_GO = 1, SYNC_ERROR, SYNC_PTY, SYNC_PIDFD, SYNC_READY };

/** struct sync_msg - one message on the parent/child socket */
struct sync_msg {
	int type;
	int code;
	int exit_code;
	char msg[BERTH_ERROR_MAX];
};

/* Everything the child needs, prepared by the parent before clone (the child has a copy). */
struct child_args {
	const struct runtime_config *cfg;
	struct runtime_config eff; /* cfg with clamped rlimits (and exec's own user) */
	const struct runtime_stdio *io;
	int sock;
	int devnull;
	int ns_fds[8];
	char **args;
	char **env;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	bool terminal;
	bool sync_before_exec; /* SYNC_READY once the rootfs is built, then wait for a "go" */
};

static pid_t do_clone3(uint64_t flags, int *pidfd)
{
	struct clone_args a = {
	    .flags = flags | CLONE_PIDFD,
	    .pidfd = (uint64_t)(uintptr_t)pidfd,
	    /* clone3 refuses an exit signal with CLONE_PARENT: the child inherits ours (SIGCHLD).
	     */
	    .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
	};

	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

static int send_fd(int sock, int type, int fd)
{
	struct sync_msg m = {.type = type};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&m, sizeof(m)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Receives one message; *ret_fd gets a passed fd or -1. 0 on EOF, 1 on a message. */
static int recv_msg(int sock, struct sync_msg *m, int *ret_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	*ret_fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(*m)) {
		if (*ret_fd >= 0)
			close(*ret_fd);
		*ret_fd = -1;
		return -EBADMSG;
	}
	return 1;
}

/* child_error() - the child's SYNC_ERROR @m as our error, with its exit code. */
static int child_error(struct sync_msg *m, berth_error *err)
{
	int r;

	m->msg[sizeof(m->msg) - 1] = '\0';
	r = berr(err, m->code, "%s", m->msg);
	if (err)
		err->exit_code = m->exit_code;
	return r;
}

static _Noreturn void child_fail(int sock, const berth_error *e, int exit_code)
{
	struct sync_msg m = {
	    .type = SYNC_ERROR, .code = e->code ? e->code : -EIO, .exit_code = exit_code};

	memcpy(m.msg, e->msg, sizeof(m.msg));
	(void)!send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(exit_code);
}

/* The value of NAME in an environment vector. */
static const char *env_get(char **env, const char *name)
{
	size_t l = strlen(name);

	for (char **e = env; e && *e; e++)
		if (strncmp(*e, name, l) == 0 && (*e)[l] == '=')
			return *e + l + 1;
	return NULL;
}

/*
 * exec_in_path() - execve @args with execvp's lookup in the container's PATH. Returns only on
 * failure: 127 when nothing was found, 126 when something was found but could not be run.
 */
static int exec_in_path(char **args, char **env, berth_error *err)
{
	const char *path = env_get(env, "PATH");
	const char *cmd = args[0];
	int seen_eacces = 0, last = ENOENT;
	char buf[PATH_MAX];

	if (strchr(cmd, '/')) {
		execve(cmd, args, env);
		last = errno;
		berr_errno(err, last, "%s", cmd);
		return last == ENOENT || last == ENOTDIR ? 127 : 126;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (const char *p = path;; p++) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l + strlen(cmd) + 2 < sizeof(buf)) {
			if (l == 0)
				snprintf(buf, sizeof(buf), "%s", cmd);
			else
				snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, p, cmd);
			execve(buf, args, env);
			if (errno == EACCES || errno == EPERM) {
				seen_eacces = errno;
			} else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP &&
				   errno != ENAMETOOLONG) {
				berr_errno(err, errno, "%s", buf);
				return 126;
			}
		}
		if (!e)
			break;
		p = e;
	}
	if (seen_eacces) {
		berr_errno(err, seen_eacces, "%s", cmd);
		return 126;
	}
	berr(err, ENOENT, "%s: executable file not found in $PATH", cmd);
	return 127;
}

/* /dev/console is the container's terminal, as runc and crun make it (best effort: /dev may be
 * read-only or absent in a bundle without a /dev tmpfs). */
static void bind_console(int master)
{
	char pts[32];
	int n, fd;

	if (ioctl(master, TIOCGPTN, &n) < 0)
		return;
	snprintf(pts, sizeof(pts), "/dev/pts/%d", n);
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(fd);
	if (mount(pts, "/dev/console", NULL, MS_BIND, NULL) < 0)
		log_debug("bind %s on /dev/console: %s", pts, strerror(errno));
}

static int setup_terminal(struct child_args *a, berth_error *err)
{
	_cleanup_close_ int master = -1, slave = -1;
	int unlock = 0, r;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return berr_errno(err, errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return berr_errno(err, errno, "unlock the pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return berr_errno(err, errno, "open the pty's terminal side");
	(void)!fchown(slave, a->uid, a->gid);
	bind_console(master);
	if ((r = send_fd(a->sock, SYNC_PTY, master)) < 0)
		return berr_errno(err, -r, "send the pty to the monitor");
	if (setsid() < 0 && errno != EPERM)
		return berr_errno(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return berr_errno(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return berr_errno(err, errno, "dup2 the pty");
	return 0;
}

static int setup_stdio(struct child_args *a, berth_error *err)
{
	int tmp[3];

	/* Move every source above 2 first, so that a later dup2 cannot clobber an earlier one. */
	for (int i = 0; i < 3; i++) {
		int src = a->io && a->io->fds[i] >= 0 ? a->io->fds[i] : a->devnull;
		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, 3);
		if (tmp[i] < 0)
			return berr_errno(err, errno, "stdio fd %d", src);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			return berr_errno(err, errno, "dup2 stdio");
	if (setsid() < 0 && errno != EPERM)
		return berr_errno(err, errno, "setsid");
	return 0;
}

/* The monitor may block or ignore signals (signalfd, SIGPIPE): none of that reaches the container.
 */
static void reset_signals(void)
{
	sigset_t all;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
}

/* The last steps shared by a container's init and an exec'd process. Never returns. */
static _Noreturn void finish_and_exec(struct child_args *a)
{
	berth_error e = {0};
	int r, code;

	r = a->terminal ? setup_terminal(a, &e) : setup_stdio(a, &e);
	if (r < 0)
		child_fail(a->sock, &e, 125);
	/* Keep only stdio and the sync socket (as fd 3, close-on-exec); nothing of the host leaks.
	 * This comes before chdir: a cwd of /proc/self/fd/N must not reach a host directory
	 * through an inherited fd (CVE-2024-21626 class). */
	if (a->sock != 3) {
		if (dup3(a->sock, 3, O_CLOEXEC) < 0) {
			berr_errno(&e, errno, "dup3 the sync socket");
			child_fail(a->sock, &e, 125);
		}
		a->sock = 3;
	}
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0) {
		berr_errno(&e, errno, "close inherited fds");
		child_fail(a->sock, &e, 125);
	}
	if (chdir(a->cwd) < 0) {
		berr_errno(&e, errno, "process.cwd %s in the container", a->cwd);
		child_fail(a->sock, &e, 125);
	}
	/* getcwd() fails (or answers "(unreachable)") for a directory outside our root. */
	char here[PATH_MAX];
	if (!getcwd(here, sizeof(here)) || here[0] != '/') {
		berr(&e, EPERM, "process.cwd %s is outside the container's root", a->cwd);
		child_fail(a->sock, &e, 125);
	}
	umask(a->cfg->umask);
	reset_signals();
	if (rt_apply_process_security(&a->eff, a->uid, a->gid, &e) < 0)
		child_fail(a->sock, &e, 125);
	code = exec_in_path(a->args, a->env, &e);
	child_fail(a->sock, &e, code);
}

static bool maps_root(const struct userns_idmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->ranges[i].inside == 0)
			return true;
	return false;
}

/* Joins every namespace opened by path except the user namespace (see join_userns_and_clone). */
static void join_namespaces(struct child_args *a)
{
	int ui = rt_ns_index(CLONE_NEWUSER);
	berth_error e = {0};

	for (int i = 0; i < 8; i++) {
		if (i == ui || a->ns_fds[i] < 0)
			continue;
		if (setns(a->ns_fds[i], 0) < 0) {
			berr_errno(&e, errno, "join namespace %s", a->cfg->ns_path[i]);
			child_fail(a->sock, &e, 125);
		}
		close(a->ns_fds[i]);
		a->ns_fds[i] = -1;
	}
}

/*
 * join_userns_and_clone() - a member of a rootless pod (or --network container:) joins the
 * infra's user namespace, then its net/uts/ipc namespaces (which that user namespace owns, so
 * only now may we enter them), and clones the container's process with the namespaces to create:
 * they are owned by the joined user namespace, and the new pid namespace gets the process as its
 * pid 1 (unshare(CLONE_NEWPID) would only move our children there). The clone is the caller's
 * child (CLONE_PARENT); this joiner passes its pidfd up and exits. The process waits for a
 * second "go" so that the caller can set up its network before anything runs in it.
 */
static void join_userns_and_clone(struct child_args *a)
{
	int ui = rt_ns_index(CLONE_NEWUSER), pidfd = -1;
	struct sync_msg go;
	berth_error e = {0};
	pid_t pid;

	if (setns(a->ns_fds[ui], CLONE_NEWUSER) < 0) {
		berr_errno(&e, errno, "join user namespace %s", a->cfg->ns_path[ui]);
		child_fail(a->sock, &e, 125);
	}
	close(a->ns_fds[ui]);
	a->ns_fds[ui] = -1;
	join_namespaces(a);
	pid = do_clone3(CLONE_PARENT | (uint64_t)(a->cfg->ns_new & ~CLONE_NEWCGROUP), &pidfd);
	if (pid < 0) {
		berr_errno(&e, errno, "create the container's namespaces in the joined user namespace");
		child_fail(a->sock, &e, 125);
	}
	if (pid > 0) {
		if (send_fd(a->sock, SYNC_PIDFD, pidfd) < 0)
			kill(pid, SIGKILL);
		_exit(0);
	}
	if (recv_msg(a->sock, &go, &pidfd) != 1 || go.type != SYNC_GO)
		_exit(125);
}

static _Noreturn void container_child(struct child_args *a)
{
	const struct runtime_config *cfg = a->cfg;
	bool in_userns = (cfg->ns_new | cfg->ns_join) & CLONE_NEWUSER;
	struct sync_msg go;
	berth_error e = {0};
	int fd, r;

	if (recv_msg(a->sock, &go, &fd) != 1 || go.type != SYNC_GO)
		_exit(125);
	/* Until execve resets it, nothing in the container may ptrace or open /proc/1/exe of this
	 * copy of the monitor (CVE-2019-5736 class). Not earlier: the parent (rootless: as the
	 * owner) must still be able to write our uid_map. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (a->ns_fds[rt_ns_index(CLONE_NEWUSER)] >= 0)
		join_userns_and_clone(a); /* returns in the container's process only */
	else
		join_namespaces(a);
	if ((cfg->ns_new & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		berr_errno(&e, errno, "create the cgroup namespace");
		child_fail(a->sock, &e, 125);
	}
	if (cfg->has_idmap && maps_root(&cfg->idmap.uid) && maps_root(&cfg->idmap.gid)) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			berr_errno(&e, errno, "become root in the user namespace");
			child_fail(a->sock, &e, 125);
		}
		(void)setgroups(0, NULL);
	}
	if ((r = rt_mounts_setup(cfg, in_userns, &e)) < 0)
		child_fail(a->sock, &e, 125);
	if (cfg->hostname && cfg->hostname[0] &&
	    sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
		berr_errno(&e, errno, "set hostname %s", cfg->hostname);
		child_fail(a->sock, &e, 125);
	}
	if ((cfg->ns_new & CLONE_NEWNET) && (r = rt_loopback_up(&e)) < 0)
		child_fail(a->sock, &e, 125);
	if (a->sync_before_exec) {
		struct sync_msg ready = {.type = SYNC_READY};

		if (send(a->sock, &ready, sizeof(ready), MSG_NOSIGNAL) < 0 ||
		    recv_msg(a->sock, &go, &fd) != 1 || go.type != SYNC_GO)
			_exit(125);
	}
	finish_and_exec(a);
}

static void close_ns_fds(int fds[8])
{
	for (int i = 0; i < 8; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/*
 * Collects the messages until EOF (every copy of the child end closed: exec'd or exited);
 * fills @ret_pty/@ret_pidfd; the first error reported becomes the return value and @err.
 */
static int parent_collect(int sock, int *ret_pty, int *ret_pidfd, berth_error *err)
{
	struct sync_msg m;
	int fd, r, result = 0;

	for (;;) {
		r = recv_msg(sock, &m, &fd);
		if (r == 0)
			return result;
		if (r < 0)
			return result < 0
				   ? result
				   : berr_errno(err, -r, "read the container's setup status");
		if (m.type == SYNC_PTY && fd >= 0 && ret_pty && *ret_pty < 0) {
			*ret_pty = fd;
		} else if (m.type == SYNC_PIDFD && fd >= 0 && ret_pidfd && *ret_pidfd < 0) {
			*ret_pidfd = fd;
		} else if (m.type == SYNC_ERROR) {
			if (fd >= 0)
				close(fd);
			if (result == 0)
				result = child_error(&m, err);
		} else if (fd >= 0) {
			close(fd);
		}
	}
}

static pid_t pidfd_to_pid(int pidfd)
{
	char path[64], buf[4096];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:");
	return p ? (pid_t)atoi(p + 5) : -1;
}

static void reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

/*
 * take_joined_process() - the joiner (join_userns_and_clone) reports the container's process:
 * it replaces the joiner in @pid/@pidfd, and the exited joiner is reaped.
 */
static int take_joined_process(int sock, pid_t *pid, int *pidfd, berth_error *err)
{
	struct sync_msg m;
	int fd, r;

	r = recv_msg(sock, &m, &fd);
	if (r == 1 && m.type == SYNC_PIDFD && fd >= 0) {
		pid_t real = pidfd_to_pid(fd);
		reap(*pid);
		close(*pidfd);
		*pid = real;
		*pidfd = fd;
		return real > 0 ? 0 : berr(err, ESRCH, "the container's process is gone");
	}
	if (fd >= 0)
		close(fd);
	if (r == 1 && m.type == SYNC_ERROR)
		return child_error(&m, err);
	return berr(err, r < 0 ? -r : EIO, "the container's process was not created");
}

/* await_ready() - the child built its rootfs and waits to exec (child_args.sync_before_exec). */
static int await_ready(int sock, berth_error *err)
{
	struct sync_msg m;
	int fd, r;

	r = recv_msg(sock, &m, &fd);
	if (fd >= 0)
		close(fd);
	if (r == 1 && m.type == SYNC_READY)
		return 0;
	if (r == 1 && m.type == SYNC_ERROR)
		return child_error(&m, err);
	return berr(err, r < 0 ? -r : EIO, "the container's process failed before it ran");
}

/* release() - "go" to the child: it has its cgroup, id maps and network; let it run. */
static int release(int sock, berth_error *err)
{
	struct sync_msg go = {.type = SYNC_GO};

	if (send(sock, &go, sizeof(go), MSG_NOSIGNAL) < 0)
		return berr_errno(err, errno, "start the container process");
	return 0;
}

int runtime_create_and_start(const struct runtime_config *cfg, const struct runtime_stdio *io,
			     struct runtime_process *ret, berth_error *err)
{
	return runtime_create_and_start_hooked(cfg, io, NULL, ret, err);
}

int runtime_create_and_start_hooked(const struct runtime_config *cfg,
				    const struct runtime_stdio *io,
				    const struct runtime_hooks *hooks, struct runtime_process *ret,
				    berth_error *err)
{
	struct child_args a = {.cfg = cfg, .io = io, .devnull = -1};
	_cleanup_strv_free_ char **cgroups = NULL;
	_cleanup_free_ struct rt_rlimit *rl = NULL;
	_cleanup_close_ int parent_sock = -1, devnull = -1;
	int sp[2], pidfd = -1, pty = -1, r;
	uint64_t flags;
	bool joined;
	pid_t pid;

	for (int i = 0; i < 8; i++)
		a.ns_fds[i] = -1;
	if (!(cfg->ns_new & CLONE_NEWNS)) {
		r = berr(err, EINVAL,
			 "config.json: berth's runtime needs a new mount namespace; add {\"type\": "
			 "\"mount\"} to linux.namespaces");
		goto fail_early;
	}
	if (cfg->ns_join & CLONE_NEWPID) {
		r = berr(err, ENOTSUP,
			 "config.json: joining a pid namespace by path is not supported");
		goto fail_early;
	}
	/* Limits above our own hard limits cannot be set (no CAP_SYS_RESOURCE): clamp and warn. */
	a.eff = *cfg;
	if (cfg->n_rlimits) {
		rl = malloc(cfg->n_rlimits * sizeof(*rl));
		if (!rl) {
			r = berr(err, ENOMEM, "out of memory");
			goto fail_early;
		}
		memcpy(rl, cfg->rlimits, cfg->n_rlimits * sizeof(*rl));
		rt_rlimits_clamp(rl, cfg->n_rlimits);
		a.eff.rlimits = rl;
	}
	a.args = cfg->args;
	a.env = cfg->env;
	a.cwd = cfg->cwd;
	a.uid = cfg->uid;
	a.gid = cfg->gid;
	a.terminal = cfg->terminal;

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		r = berr_errno(err, errno, "open /dev/null");
		goto fail_early;
	}
	a.devnull = devnull;
	for (int i = 0; i < 8; i++) {
		if (!cfg->ns_path[i])
			continue;
		a.ns_fds[i] = open(cfg->ns_path[i], O_RDONLY | O_CLOEXEC);
		if (a.ns_fds[i] < 0) {
			r = berr_errno(err, errno, "namespace %s", cfg->ns_path[i]);
			goto fail_early;
		}
	}
	rt_seccomp_prepare(cfg->seccomp); /* compiled (or cached) once, not in the child */
	if ((r = rt_cgroup_prepare(cfg, &cgroups, err)) < 0)
		goto fail_early;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = berr_errno(err, errno, "socketpair");
		goto fail_early;
	}
	parent_sock = sp[0];
	a.sock = sp[1];
	a.sync_before_exec = hooks && hooks->before_exec;

	/* The cgroup namespace is made by the child once it is in its cgroup, so that the
	 * container sees its own cgroup as "/". */
	flags = (uint64_t)(cfg->ns_new & ~CLONE_NEWCGROUP);
	if (cfg->ns_join & CLONE_NEWUSER)
		flags = 0; /* the child clones after joining the user namespace */
	pid = do_clone3(flags, &pidfd);
	if (pid < 0) {
		r = berr_errno(err, errno, "create the container's namespaces (clone3)");
		close(sp[1]);
		goto fail_early;
	}
	if (pid == 0) {
		close(parent_sock);
		container_child(&a);
	}
	close(sp[1]);
	close_ns_fds(a.ns_fds);

	if ((r = rt_cgroup_enter(cgroups, pid, err)) < 0)
		goto fail;
	if ((cfg->ns_new & CLONE_NEWUSER) && !(cfg->ns_join & CLONE_NEWUSER) &&
	    (r = userns_write_maps(pid, &cfg->idmap, err)) < 0) {
		berr_prefix(err, "container user namespace");
		goto fail;
	}
	/* Joining a user namespace: the joiner goes first, and its clone gets the second "go". */
	joined = cfg->ns_join & CLONE_NEWUSER;
	if (joined && ((r = release(parent_sock, err)) < 0 ||
		       (r = take_joined_process(parent_sock, &pid, &pidfd, err)) < 0))
		goto fail;
	if (hooks && hooks->namespaces_ready &&
	    (r = hooks->namespaces_ready(pid, hooks->data, err)) < 0)
		goto fail;
	if ((r = release(parent_sock, err)) < 0)
		goto fail;
	/* The hook's helpers (pasta) came up while the child built its rootfs: wait for them. */
	if (a.sync_before_exec &&
	    ((r = await_ready(parent_sock, err)) < 0 || (r = hooks->before_exec(hooks->data, err)) < 0 ||
	     (r = release(parent_sock, err)) < 0))
		goto fail;
	r = parent_collect(parent_sock, &pty, NULL, err);
	if (r < 0) {
		if (err && !err->exit_code)
			err->exit_code = 125;
		goto fail;
	}
	if (cfg->terminal && pty < 0) {
		r = berr(err, EIO, "the container did not send its terminal");
		goto fail;
	}
	ret->pid = pid;
	ret->pidfd = pidfd;
	ret->pty_master = pty;
	return 0;

fail:
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	reap(pid);
	close(pidfd);
	if (pty >= 0)
		close(pty);
	if (cgroups) {
		berth_error ignore;
		runtime_cgroup_remove(cfg, &ignore);
	}
	if (err && !err->exit_code)
		err->exit_code = 125;
	return r;
fail_early:
	close_ns_fds(a.ns_fds);
	if (err)
		err->exit_code = 125;
	return r;
}

static _Noreturn void exec_helper(struct child_args *a, int container_pidfd)
{
	const struct runtime_config *cfg = a->cfg;
	berth_error e = {0};
	_cleanup_strv_free_ char **cgroups = NULL;
	int pidfd = -1;
	pid_t pid;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		berr_errno(&e, errno, "make the exec helper non-dumpable");
		child_fail(a->sock, &e, 125);
	}
	if (rt_cgroup_lookup(cfg, &cgroups) < 0 || rt_cgroup_enter(cgroups, 0, &e) < 0)
		child_fail(a->sock, &e, 125);
	if (setns(container_pidfd, (cfg->ns_new | cfg->ns_join) & ~CLONE_NEWCGROUP) < 0) {
		berr_errno(&e, errno, "join the container's namespaces (is it still running?)");
		child_fail(a->sock, &e, 125);
	}
	if ((cfg->ns_new | cfg->ns_join) & CLONE_NEWCGROUP)
		(void)setns(container_pidfd, CLONE_NEWCGROUP);
	pid = do_clone3(CLONE_PARENT, &pidfd);
	if (pid < 0) {
		berr_errno(&e, errno, "start the exec process");
		child_fail(a->sock, &e, 125);
	}
	if (pid == 0)
		finish_and_exec(a);
	if (send_fd(a->sock, SYNC_PIDFD, pidfd) < 0)
		kill(pid, SIGKILL);
	_exit(0);
}

int runtime_exec(const struct runtime_config *cfg, int container_pidfd,
		 const struct runtime_exec_opts *opts, const struct runtime_stdio *io,
		 struct runtime_process *ret, berth_error *err)
{
	struct child_args a = {.cfg = cfg, .io = io, .devnull = -1};
	_cleanup_free_ struct rt_rlimit *rl = NULL;
	_cleanup_close_ int parent_sock = -1, devnull = -1;
	int sp[2], pidfd = -1, pty = -1, r;
	pid_t helper, pid;

	if (!opts->args || !opts->args[0]) {
		r = berr(err, EINVAL, "exec: no command given");
		goto out_err;
	}
	a.eff = *cfg;
	rt_seccomp_prepare(cfg->seccomp); /* compiled (or cached) once, not in the child */
	if (cfg->n_rlimits) {
		rl = malloc(cfg->n_rlimits * sizeof(*rl));
		if (!rl) {
			r = berr(err, ENOMEM, "out of memory");
			goto out_err;
		}
		memcpy(rl, cfg->rlimits, cfg->n_rlimits * sizeof(*rl));
		rt_rlimits_clamp(rl, cfg->n_rlimits);
		a.eff.rlimits = rl;
	}
	/* Another user than the container's does not inherit its supplementary groups. */
	if (opts->uid != cfg->uid) {
		a.eff.additional_gids = NULL;
		a.eff.n_additional_gids = 0;
	}
	a.args = opts->args;
	a.env = opts->env ? opts->env : cfg->env;
	a.cwd = opts->cwd ? opts->cwd : cfg->cwd;
	a.uid = opts->uid;
	a.gid = opts->gid;
	a.terminal = opts->terminal;
	for (int i = 0; i < 8; i++)
		a.ns_fds[i] = -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		r = berr_errno(err, errno, "open /dev/null");
		goto out_err;
	}
	a.devnull = devnull;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = berr_errno(err, errno, "socketpair");
		goto out_err;
	}
	parent_sock = sp[0];
	a.sock = sp[1];
	helper = fork();
	if (helper < 0) {
		r = berr_errno(err, errno, "fork the exec helper");
		close(sp[1]);
		goto out_err;
	}
	if (helper == 0) {
		close(parent_sock);
		exec_helper(&a, container_pidfd);
	}
	close(sp[1]);
	r = parent_collect(parent_sock, &pty, &pidfd, err);
	reap(helper);
	if (r < 0) {
		if (pidfd >= 0) {
			reap(pidfd_to_pid(pidfd));
			close(pidfd);
		}
		if (pty >= 0)
			close(pty);
		goto out_err;
	}
	if (pidfd < 0 || (pid = pidfd_to_pid(pidfd)) <= 0) {
		if (pidfd >= 0)
			close(pidfd);
		if (pty >= 0)
			close(pty);
		r = berr(err, EIO, "exec: the helper did not report the new process");
		goto out_err;
	}
	ret->pid = pid;
	ret->pidfd = pidfd;
	ret->pty_master = pty;
	return 0;
out_err:
	if (err && !err->exit_code)
		err->exit_code = 125;
	return r;
}
