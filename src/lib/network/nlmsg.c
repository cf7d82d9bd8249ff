/* SPDX-License-Identifier: Apache-2.0 */
/* nlmsg.c - netlink requests built in a growing buffer (see nlmsg.h). */
#include "network/nlmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>

static void *grow(struct nlbuf *b, size_t len)
{
	size_t need = b->len + NLMSG_ALIGN(len);
	char *p;

	if (b->oom)
		return NULL;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap < need)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, NLMSG_ALIGN(len));
	b->len = need;
	return p;
}

void nl_msg_begin(struct nlbuf *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h;

	b->msg = b->len;
	h = grow(b, sizeof(*h));
	if (!h)
		return;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = ++b->seq;
	if (flags & NLM_F_ACK)
		b->ack_seq = b->seq;
}

void nl_msg_end(struct nlbuf *b)
{
	if (!b->oom)
		((struct nlmsghdr *)(b->data + b->msg))->nlmsg_len = (uint32_t)(b->len - b->msg);
}

void nl_put(struct nlbuf *b, const void *data, size_t len)
{
	void *p = grow(b, len);

	if (p && data)
		memcpy(p, data, len);
}

void nl_attr(struct nlbuf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = grow(b, NLA_HDRLEN + len);

	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
}

void nl_attr_str(struct nlbuf *b, uint16_t type, const char *s)
{
	nl_attr(b, type, s, strlen(s) + 1);
}

void nl_attr_be32(struct nlbuf *b, uint16_t type, uint32_t host_value)
{
	uint32_t v = htonl(host_value);

	nl_attr(b, type, &v, sizeof(v));
}

size_t nl_nest_begin(struct nlbuf *b, uint16_t type)
{
	size_t at = b->len;

	nl_attr(b, type | NLA_F_NESTED, NULL, 0);
	return at;
}

void nl_nest_end(struct nlbuf *b, size_t nest)
{
	if (!b->oom)
		((struct nlattr *)(b->data + nest))->nla_len = (uint16_t)(b->len - nest);
}

void nl_free(struct nlbuf *b)
{
	free(b->data);
	*b = (struct nlbuf){ 0 };
}

int nl_socket(int protocol, berth_error *err)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	struct timeval timeout = { .tv_sec = 5 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return berr_errno(err, errno, "open a netlink socket");
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
		int e = errno;
		close(fd);
		return berr_errno(err, e, "set up a netlink socket");
	}
	return fd;
}

int nl_send(int fd, struct nlbuf *b, const char *what, berth_error *err)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t got;

	if (b->oom)
		return berr(err, ENOMEM, "%s: out of memory", what);
	if (sendto(fd, b->data, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return berr_errno(err, errno, "%s", what);
	for (;;) {
		got = recv(fd, reply, sizeof(reply), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return berr_errno(err, errno, "%s: no answer from the kernel", what);
		}
		int n = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error)
				return berr_errno(err, -e->error, "%s", what);
			if (h->nlmsg_seq == b->ack_seq)
				return 0;
		}
	}
}
