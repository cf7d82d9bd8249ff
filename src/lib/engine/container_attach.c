/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/container_attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

static int socket_addr(int dirfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd,
		 CTR_ATTACH_SOCKET);
	return 0;
}

int ctr_attach_listen(const char *rundir, berth_error *err)
{
	_cleanup_close_ int dirfd = open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;

	if (dirfd < 0)
		return berr_errno(err, errno, "open %s", rundir);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_errno(err, errno, "create attach socket");
	socket_addr(dirfd, &sa);
	unlinkat(dirfd, CTR_ATTACH_SOCKET, 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berr_errno(err, errno, "bind attach socket in %s", rundir);
	if (listen(fd, 16) < 0)
		return berr_errno(err, errno, "listen on attach socket in %s", rundir);
	return TAKE_FD(fd);
}

int ctr_attach_connect(const char *rundir, berth_error *err)
{
	_cleanup_close_ int dirfd = open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;

	if (dirfd < 0)
		return berr_errno(err, errno, "open %s", rundir);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_errno(err, errno, "create attach socket");
	socket_addr(dirfd, &sa);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berr_errno(err, errno, "connect to the container's monitor in %s", rundir);
	return TAKE_FD(fd);
}

static int send_packet(int sock, int type, const char *data, size_t len)
{
	char buf[CTR_ATTACH_PACKET_MAX];

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = (char)type;
	if (len)
		memcpy(buf + 1, data, len);
	for (;;) {
		ssize_t n = send(sock, buf, len + 1, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int ctr_attach_pump(int sock, int in_fd, int out_fd, int err_fd, int *ret_exit,
		    berth_error *err)
{
	_cleanup_free_ char *buf = malloc(CTR_ATTACH_PACKET_MAX + 1);
	struct pollfd p[2];
	bool stdin_open = in_fd >= 0;

	if (!buf)
		return berr(err, ENOMEM, "out of memory");
	for (;;) {
		int n = 0;
		p[n++] = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (stdin_open)
			p[n++] = (struct pollfd){ .fd = in_fd, .events = POLLIN };
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berr_errno(err, errno, "poll");
		}
		if (p[0].revents) {
			ssize_t len = recv(sock, buf, CTR_ATTACH_PACKET_MAX, 0);
			if (len < 0 && errno == EINTR)
				continue;
			if (len <= 0)
				return berr(err, EPIPE,
					    "the container's monitor went away without reporting an exit code");
			if (buf[0] == CTR_ATTACH_STDOUT && out_fd >= 0)
				write_all(out_fd, buf + 1, (size_t)len - 1);
			else if (buf[0] == CTR_ATTACH_STDERR && err_fd >= 0)
				write_all(err_fd, buf + 1, (size_t)len - 1);
			else if (buf[0] == CTR_ATTACH_EXIT) {
				buf[len] = '\0';
				*ret_exit = atoi(buf + 1);
				return 0;
			}
		}
		if (stdin_open && n > 1 && p[1].revents) {
			ssize_t len = read(in_fd, buf, CTR_ATTACH_PACKET_MAX - 1);
			if (len < 0 && errno == EINTR)
				continue;
			if (len <= 0) {
				send_packet(sock, CTR_ATTACH_STDIN_EOF, NULL, 0);
				stdin_open = false;
			} else if (send_packet(sock, CTR_ATTACH_STDIN, buf, (size_t)len) < 0) {
				stdin_open = false;
			}
		}
	}
}

int ctr_attach_done(int sock, bool removed)
{
	return removed ? send_packet(sock, CTR_ATTACH_DONE, "removed", 7)
		       : send_packet(sock, CTR_ATTACH_DONE, NULL, 0);
}

int ctr_attach_resize(int sock, unsigned rows, unsigned cols)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%u %u", rows, cols);

	return send_packet(sock, CTR_ATTACH_RESIZE, buf, (size_t)n);
}
