/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sd-notify-send - `sd-notify-send MESSAGE...`: send the arguments, one per line, as one
 * datagram to $NOTIFY_SOCKET, as systemd-notify does. Built static (tests/meson.build) so that
 * a test can bind-mount it into a busybox container (tests/system/systemd.bats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	char msg[4096];
	size_t n = 0;
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sd-notify-send: no usable $NOTIFY_SOCKET\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int w = snprintf(msg + n, sizeof(msg) - n, "%s%s", n ? "\n" : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(msg) - n)
			return 1;
		n += (size_t)w;
	}
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("sd-notify-send");
		return 1;
	}
	return 0;
}
