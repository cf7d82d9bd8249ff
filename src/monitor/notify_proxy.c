/* SPDX-License-Identifier: Apache-2.0 */
/* notify_proxy.c - relay of the container's sd_notify messages (see notify_proxy.h). */
#include "monitor/notify_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/sd_notify.h"

static char *host_socket; /* the $NOTIFY_SOCKET systemd gave us */

int notify_proxy_open(const char *rundir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[4096];
	const char *env = getenv("NOTIFY_SOCKET");
	int fd, dirfd, n, r;

	if (env && !(host_socket = strdup(env)))
		return -1;
	unsetenv("NOTIFY_SOCKET");
	n = snprintf(dir, sizeof(dir), "%s/%s", rundir, NOTIFY_PROXY_DIR);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	/* The container's processes may run as any of its users. */
	if (chmod(dir, 0755) < 0 || (dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	/* Run directories are longer than sun_path allows: bind through the directory's fd. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/notify.sock", dirfd);
	unlinkat(dirfd, "notify.sock", 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r == 0)
		r = fchmodat(dirfd, "notify.sock", 0777, 0);
	if (r < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		close(dirfd);
		errno = e;
		return -1;
	}
	close(dirfd);
	return fd;
}

void notify_proxy_relay(int fd, int mainpid)
{
	char buf[4096], out[4096 + 64];
	size_t o = 0;
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_TRUNC);
	char *save = NULL;
	int ready = 0;

	if (n <= 0 || (size_t)n >= sizeof(buf))
		return;
	buf[n] = '\0';
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int w;
		if (strncmp(l, "MAINPID=", 8) == 0)
			continue; /* the container's pid means nothing to systemd: ours is sent */
		if (strcmp(l, "READY=1") == 0)
			ready = 1;
		w = snprintf(out + o, sizeof(out) - o, "%s%s", o ? "\n" : "", l);
		if (w < 0 || (size_t)w >= sizeof(out) - o)
			return;
		o += (size_t)w;
	}
	if (ready)
		snprintf(out + o, sizeof(out) - o, "%sMAINPID=%d", o ? "\n" : "", mainpid);
	if (o && host_socket)
		sd_notify_send(host_socket, out);
}
