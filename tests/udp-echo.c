/* SPDX-License-Identifier: Apache-2.0 */
/*
 * udp-echo - a UDP responder for the publishing tests (Debian's busybox-static has no `nc -u`).
 * Statically linked, so it runs inside the busybox test image.
 *   udp-echo PORT                 answer every datagram on PORT with "echo: " + its text
 *   udp-echo HOST PORT MESSAGE    send MESSAGE, print the answer (2 s timeout, exit 1 without)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int serve(const char *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	int sk = socket(AF_INET, SOCK_DGRAM, 0);
	char in[1024], out[1100];

	if (sk < 0 || bind(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udp-echo: bind");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(sk, in, sizeof(in) - 1, 0, (struct sockaddr *)&from, &len);
		if (n < 0)
			continue;
		in[n] = '\0';
		int m = snprintf(out, sizeof(out), "echo: %s", in);
		(void)sendto(sk, out, (size_t)m, 0, (struct sockaddr *)&from, len);
	}
}

static int ask(const char *host, const char *port, const char *msg)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	struct timeval tv = {.tv_sec = 2};
	int sk = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[1100];
	ssize_t n;

	if (sk < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(sk, msg, strlen(msg), 0) < 0)
		return 1;
	n = recv(sk, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return 1;
	buf[n] = '\0';
	puts(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return serve(argv[1]);
	if (argc == 4)
		return ask(argv[1], argv[2], argv[3]);
	fprintf(stderr, "usage: udp-echo PORT | udp-echo HOST PORT MESSAGE\n");
	return 2;
}
