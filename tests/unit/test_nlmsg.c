/* SPDX-License-Identifier: Apache-2.0 */
/* test_nlmsg.c - netlink requests: lengths, nesting and alignment, and answers from the real
 * kernel (an ack after a data message, an error for a link that does not exist). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>

#include "network/nlmsg.h"

static void test_lengths_nests_and_alignment(void **state)
{
	struct nlbuf b = { 0 };
	struct nlmsghdr *h;
	struct nlattr *outer, *inner;
	size_t nest;

	(void)state;
	nl_msg_begin(&b, RTM_NEWLINK, NLM_F_ACK);
	nl_put(&b, NULL, sizeof(struct ifinfomsg));
	nest = nl_nest_begin(&b, IFLA_LINKINFO);
	nl_attr_str(&b, IFLA_INFO_KIND, "veth"); /* 5 bytes: padded to 8 */
	nl_nest_end(&b, nest);
	nl_msg_end(&b);
	nl_msg_begin(&b, RTM_GETLINK, 0);
	nl_msg_end(&b);
	assert_false(b.oom);

	h = (struct nlmsghdr *)b.data;
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(h->nlmsg_seq, 1);
	assert_int_equal(h->nlmsg_len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)) + 4 + 4 + 8);
	outer = (struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	assert_int_equal(outer->nla_type, IFLA_LINKINFO | NLA_F_NESTED);
	assert_int_equal(outer->nla_len, 4 + 4 + 8);
	inner = outer + 1;
	assert_int_equal(inner->nla_len, 4 + 5);
	assert_string_equal((char *)(inner + 1), "veth");
	/* the second message follows the first, and only the first asked for an ack */
	assert_int_equal(((struct nlmsghdr *)(b.data + h->nlmsg_len))->nlmsg_seq, 2);
	assert_int_equal(b.ack_seq, 1);
	assert_int_equal(b.len, h->nlmsg_len + NLMSG_HDRLEN);
	nl_free(&b);
}

static void test_kernel_answers(void **state)
{
	struct nlbuf b = { 0 };
	berth_error err = { 0 };
	int fd = nl_socket(NETLINK_ROUTE, &err);

	(void)state;
	assert_true(fd >= 0);
	/* a data message (lo's description) comes before the ack: passed over */
	nl_msg_begin(&b, RTM_GETLINK, NLM_F_ACK);
	nl_put(&b, NULL, sizeof(struct ifinfomsg));
	nl_attr_str(&b, IFLA_IFNAME, "lo");
	nl_msg_end(&b);
	assert_int_equal(nl_send(fd, &b, "describe lo", &err), 0);
	nl_free(&b);
	/* the kernel's error is returned, named after the request */
	nl_msg_begin(&b, RTM_DELLINK, NLM_F_ACK);
	nl_put(&b, NULL, sizeof(struct ifinfomsg));
	nl_attr_str(&b, IFLA_IFNAME, "berth-absent0");
	nl_msg_end(&b);
	/* (a user without CAP_NET_ADMIN is refused before the lookup) */
	assert_int_equal(nl_send(fd, &b, "delete berth-absent0", &err),
			 geteuid() == 0 ? -ENODEV : -EPERM);
	assert_non_null(strstr(err.msg, "delete berth-absent0: "));
	nl_free(&b);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths_nests_and_alignment),
		cmocka_unit_test(test_kernel_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
