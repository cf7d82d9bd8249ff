/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nlmsg.h - building netlink requests (rtnetlink, nf_tables batches) in one growing buffer,
 * and sending them with their acknowledgements read back. Just what local_forward.c needs:
 * berth links no libmnl or libnftables, so that the static monitor stays small.
 */
#ifndef BERTH_NETWORK_NLMSG_H
#define BERTH_NETWORK_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/**
 * struct nlbuf - one or more netlink messages being built
 * @data/@len/@cap:	the bytes so far
 * @msg:		offset of the message being built (nl_msg_end() closes it)
 * @seq:		sequence number of the last message begun
 * @ack_seq:		that of the last message that asked for an acknowledgement
 * @oom:		an allocation failed: nl_send() refuses the buffer
 */
struct nlbuf {
	char *data;
	size_t len, cap;
	size_t msg;
	uint32_t seq, ack_seq;
	bool oom;
};

/** nl_msg_begin() - start a message of @type with @flags (NLM_F_REQUEST is added). */
void nl_msg_begin(struct nlbuf *b, uint16_t type, uint16_t flags);
/** nl_msg_end() - set the length of the message nl_msg_begin() started. */
void nl_msg_end(struct nlbuf *b);
/** nl_put() - append @len bytes of fixed header (ifinfomsg, nfgenmsg...), zeroed when @data is NULL. */
void nl_put(struct nlbuf *b, const void *data, size_t len);
/** nl_attr() - append attribute @type holding @len bytes of @data. */
void nl_attr(struct nlbuf *b, uint16_t type, const void *data, size_t len);
void nl_attr_str(struct nlbuf *b, uint16_t type, const char *s);
void nl_attr_be32(struct nlbuf *b, uint16_t type, uint32_t host_value);
/** nl_nest_begin() - open a nested attribute; returns the offset nl_nest_end() closes. */
size_t nl_nest_begin(struct nlbuf *b, uint16_t type);
void nl_nest_end(struct nlbuf *b, size_t nest);
void nl_free(struct nlbuf *b);

/**
 * nl_send() - send everything in @b on @fd and wait for the acknowledgement of the last
 * message that asked for one (NLM_F_ACK); the first error the kernel reports ends the wait. @what names the request in the error message.
 * Return: 0 or a negative errno (the kernel's).
 */
int nl_send(int fd, struct nlbuf *b, const char *what, berth_error *err);

/**
 * nl_socket() - a netlink socket of @protocol in the caller's network namespace, bound, with
 * a receive timeout so that a lost answer cannot hang the caller.
 */
int nl_socket(int protocol, berth_error *err);

#endif
