/* SPDX-License-Identifier: Apache-2.0 */
/*
 * local_forward.c - root's kernel path for the host's own connections to published ports
 * (see local_forward.h for why and how nothing is left behind).
 *
 * 1. A veth pair "berthfwN" (host) / "berth-host" (container) is made in one request, its peer
 *    created straight in the container's namespace. N is the slot: the pair's /31 out of
 *    198.18.0.0/15. The kernel refuses a second link of the same name, which makes taking a
 *    slot atomic between concurrent monitors with no state of our own.
 * 2. Addresses and "up" on both ends; the container's end is configured through a netlink
 *    socket opened inside its namespace (setns there and back: the monitor has one thread).
 * 3. One nf_tables batch: an owner table "berthfwN" with a nat chain on the output hook that
 *    DNATs each published port to the container's address, and one on postrouting that
 *    masquerades what leaves through our veth, so that the container answers an address it
 *    can reach (the client's 127.0.0.1 cannot be). route_localnet on our veth lets 127.0.0.1
 *    traffic be routed there at all, as podman's CNI portmap does on its bridge; a filter
 *    chain on prerouting lets in from the veth only the answers to those connections.
 */
#include "network/local_forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "network/nlmsg.h"
#include "util/fileio.h"
#include "util/macro.h"

#define FORWARD_MTU 65520 /* pasta's: a loopback-sized MTU moves bulk data in fewer packets */
#define PEER_NAME "berth-host"

/* ---- rtnetlink: the veth pair ---- */

static int create_veth(int rt, const char *name, int netns_fd, berth_error *err)
{
	struct nlbuf b = { 0 };
	size_t linkinfo, data, peer;
	int r;

	nl_msg_begin(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	nl_put(&b, &(struct ifinfomsg){ .ifi_family = AF_UNSPEC }, sizeof(struct ifinfomsg));
	nl_attr_str(&b, IFLA_IFNAME, name);
	nl_attr(&b, IFLA_MTU, &(uint32_t){ FORWARD_MTU }, sizeof(uint32_t));
	linkinfo = nl_nest_begin(&b, IFLA_LINKINFO);
	nl_attr_str(&b, IFLA_INFO_KIND, "veth");
	data = nl_nest_begin(&b, IFLA_INFO_DATA);
	peer = nl_nest_begin(&b, VETH_INFO_PEER);
	nl_put(&b, &(struct ifinfomsg){ .ifi_family = AF_UNSPEC }, sizeof(struct ifinfomsg));
	nl_attr_str(&b, IFLA_IFNAME, PEER_NAME);
	nl_attr(&b, IFLA_MTU, &(uint32_t){ FORWARD_MTU }, sizeof(uint32_t));
	nl_attr(&b, IFLA_NET_NS_FD, &(uint32_t){ (uint32_t)netns_fd }, sizeof(uint32_t));
	nl_nest_end(&b, peer);
	nl_nest_end(&b, data);
	nl_nest_end(&b, linkinfo);
	nl_msg_end(&b);
	r = nl_send(rt, &b, "create a veth pair for the published ports", err);
	nl_free(&b);
	return r;
}

static void delete_link(int rt, const char *name)
{
	struct nlbuf b = { 0 };

	nl_msg_begin(&b, RTM_DELLINK, NLM_F_ACK);
	nl_put(&b, &(struct ifinfomsg){ .ifi_family = AF_UNSPEC }, sizeof(struct ifinfomsg));
	nl_attr_str(&b, IFLA_IFNAME, name);
	nl_msg_end(&b);
	(void)nl_send(rt, &b, "delete the veth pair", NULL);
	nl_free(&b);
}

/* Give link @name (in @rt's namespace) address @addr/31 and bring it up. */
static int link_configure(int rt, const char *name, uint32_t addr, berth_error *err)
{
	struct nlbuf b = { 0 };
	unsigned int index = if_nametoindex(name);
	uint32_t be = htonl(addr);
	int r;

	if (index == 0)
		return berr_errno(err, errno, "find network interface %s", name);
	nl_msg_begin(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	nl_put(&b, &(struct ifaddrmsg){ .ifa_family = AF_INET, .ifa_prefixlen = 31,
					 .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = index },
	       sizeof(struct ifaddrmsg));
	nl_attr(&b, IFA_LOCAL, &be, sizeof(be));
	nl_attr(&b, IFA_ADDRESS, &be, sizeof(be));
	nl_msg_end(&b);
	nl_msg_begin(&b, RTM_NEWLINK, NLM_F_ACK);
	nl_put(&b, &(struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_index = (int)index,
					 .ifi_flags = IFF_UP, .ifi_change = IFF_UP },
	       sizeof(struct ifinfomsg));
	nl_msg_end(&b);
	r = nl_send(rt, &b, "configure the published ports' veth pair", err);
	nl_free(&b);
	return r;
}

/* The container's end, from a netlink socket opened inside its namespace. */
static int configure_peer(int netns_fd, uint32_t addr, berth_error *err)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int rt = -1;
	int r;

	if (self < 0)
		return berr_errno(err, errno, "open our network namespace");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return berr_errno(err, errno, "enter the container's network namespace");
	rt = nl_socket(NETLINK_ROUTE, err);
	r = rt < 0 ? rt : link_configure(rt, PEER_NAME, addr, err);
	if (setns(self, CLONE_NEWNET) < 0)
		return berr_errno(err, errno, "return to the host's network namespace");
	return r;
}

/* ---- nf_tables: the DNAT ---- */

static void batch_marker(struct nlbuf *b, uint16_t type)
{
	nl_msg_begin(b, type, 0);
	nl_put(b, &(struct nfgenmsg){ .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0,
				      .res_id = htons(NFNL_SUBSYS_NFTABLES) },
	       sizeof(struct nfgenmsg));
	nl_msg_end(b);
}

static void nft_begin(struct nlbuf *b, uint16_t type, uint16_t flags)
{
	nl_msg_begin(b, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), flags | NLM_F_ACK);
	nl_put(b, &(struct nfgenmsg){ .nfgen_family = NFPROTO_IPV4, .version = NFNETLINK_V0 },
	       sizeof(struct nfgenmsg));
}

static void base_chain(struct nlbuf *b, const char *table, const char *chain, const char *type,
		       uint32_t hook, int32_t priority)
{
	size_t nest;

	nft_begin(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nl_attr_str(b, NFTA_CHAIN_TABLE, table);
	nl_attr_str(b, NFTA_CHAIN_NAME, chain);
	nest = nl_nest_begin(b, NFTA_CHAIN_HOOK);
	nl_attr_be32(b, NFTA_HOOK_HOOKNUM, hook);
	nl_attr_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)priority);
	nl_nest_end(b, nest);
	nl_attr_str(b, NFTA_CHAIN_TYPE, type);
	nl_msg_end(b);
}

/* An expression: returns the offset of its NFTA_EXPR_DATA nest (expr_end() closes both). */
static size_t expr_begin(struct nlbuf *b, const char *name, size_t *elem)
{
	*elem = nl_nest_begin(b, NFTA_LIST_ELEM);
	nl_attr_str(b, NFTA_EXPR_NAME, name);
	return nl_nest_begin(b, NFTA_EXPR_DATA);
}

static void expr_end(struct nlbuf *b, size_t data, size_t elem)
{
	nl_nest_end(b, data);
	nl_nest_end(b, elem);
}

static void expr_data(struct nlbuf *b, uint16_t type, const void *value, size_t len)
{
	size_t nest = nl_nest_begin(b, type);

	nl_attr(b, NFTA_DATA_VALUE, value, len);
	nl_nest_end(b, nest);
}

static void expr_payload(struct nlbuf *b, uint32_t base, uint32_t offset, uint32_t len)
{
	size_t elem, d = expr_begin(b, "payload", &elem);

	nl_attr_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_PAYLOAD_BASE, base);
	nl_attr_be32(b, NFTA_PAYLOAD_OFFSET, offset);
	nl_attr_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b, d, elem);
}

static void expr_meta(struct nlbuf *b, uint32_t key)
{
	size_t elem, d = expr_begin(b, "meta", &elem);

	nl_attr_be32(b, NFTA_META_DREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_META_KEY, key);
	expr_end(b, d, elem);
}

static void expr_cmp_eq(struct nlbuf *b, const void *value, size_t len)
{
	size_t elem, d = expr_begin(b, "cmp", &elem);

	nl_attr_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	expr_data(b, NFTA_CMP_DATA, value, len);
	expr_end(b, d, elem);
}

static void expr_immediate(struct nlbuf *b, uint32_t reg, const void *value, size_t len)
{
	size_t elem, d = expr_begin(b, "immediate", &elem);

	nl_attr_be32(b, NFTA_IMMEDIATE_DREG, reg);
	expr_data(b, NFTA_IMMEDIATE_DATA, value, len);
	expr_end(b, d, elem);
}

/* "fib daddr type local": any address of the host, for a port published on all of them */
static void expr_daddr_local(struct nlbuf *b)
{
	size_t elem, d = expr_begin(b, "fib", &elem);
	uint32_t local = RTN_LOCAL;

	nl_attr_be32(b, NFTA_FIB_DREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nl_attr_be32(b, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	expr_end(b, d, elem);
	expr_cmp_eq(b, &local, sizeof(local));
}

/* A rule appended to @chain: returns the offset of its expression list (rule_end() closes). */
static size_t rule_begin(struct nlbuf *b, const char *table, const char *chain)
{
	nft_begin(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nl_attr_str(b, NFTA_RULE_TABLE, table);
	nl_attr_str(b, NFTA_RULE_CHAIN, chain);
	return nl_nest_begin(b, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct nlbuf *b, size_t exprs)
{
	nl_nest_end(b, exprs);
	nl_msg_end(b);
}

/* "iifname VETH" or "oifname VETH" (@key) */
static void expr_ifname(struct nlbuf *b, uint32_t key, const char *veth)
{
	char name[IFNAMSIZ] = { 0 };

	snprintf(name, sizeof(name), "%s", veth);
	expr_meta(b, key);
	expr_cmp_eq(b, name, sizeof(name));
}

/* [daddr] l4proto dport HOSTPORT dnat to TARGET:CTRPORT */
static void dnat_rule(struct nlbuf *b, const char *table, const struct in_addr *host_ip,
		      uint8_t proto, uint16_t host_port, uint32_t target, uint16_t ctr_port)
{
	size_t exprs = rule_begin(b, table, "output"), elem, d;
	uint16_t hp = htons(host_port), cp = htons(ctr_port);
	uint32_t be_target = htonl(target);

	if (host_ip) {
		expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4); /* ip daddr */
		expr_cmp_eq(b, host_ip, sizeof(*host_ip));
	} else {
		expr_daddr_local(b);
	}
	expr_meta(b, NFT_META_L4PROTO);
	expr_cmp_eq(b, &proto, sizeof(proto));
	expr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2); /* th dport */
	expr_cmp_eq(b, &hp, sizeof(hp));
	expr_immediate(b, NFT_REG_1, &be_target, sizeof(be_target));
	expr_immediate(b, NFT_REG_2, &cp, sizeof(cp));
	d = expr_begin(b, "nat", &elem);
	nl_attr_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	nl_attr_be32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	nl_attr_be32(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	nl_attr_be32(b, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	nl_attr_be32(b, NFTA_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	expr_end(b, d, elem);
	rule_end(b, exprs);
}

/* oifname VETH masquerade */
static void masquerade_rule(struct nlbuf *b, const char *table, const char *veth)
{
	size_t exprs = rule_begin(b, table, "postrouting"), elem, d;

	expr_ifname(b, NFT_META_OIFNAME, veth);
	d = expr_begin(b, "masq", &elem);
	expr_end(b, d, elem);
	rule_end(b, exprs);
}

/*
 * iifname VETH ct state != established,related drop: route_localnet makes the host accept
 * 127.0.0.0/8 from our veth, so without this a container with CAP_NET_RAW (podman's default
 * set) could reach the host's loopback services, as in CVE-2020-8558. Only the answers of the
 * connections we redirected may come back.
 */
static void ingress_rule(struct nlbuf *b, const char *table, const char *veth)
{
	uint32_t mask = 1u << (IP_CT_ESTABLISHED + 1) | 1u << (IP_CT_RELATED + 1), zero = 0;
	size_t exprs = rule_begin(b, table, "prerouting"), elem, d, verdict, code;

	expr_ifname(b, NFT_META_IIFNAME, veth);
	d = expr_begin(b, "ct", &elem);
	nl_attr_be32(b, NFTA_CT_DREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_CT_KEY, NFT_CT_STATE);
	expr_end(b, d, elem);
	d = expr_begin(b, "bitwise", &elem);
	nl_attr_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
	nl_attr_be32(b, NFTA_BITWISE_LEN, sizeof(mask));
	expr_data(b, NFTA_BITWISE_MASK, &mask, sizeof(mask));
	expr_data(b, NFTA_BITWISE_XOR, &zero, sizeof(zero));
	expr_end(b, d, elem);
	expr_cmp_eq(b, &zero, sizeof(zero));
	d = expr_begin(b, "immediate", &elem);
	nl_attr_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	verdict = nl_nest_begin(b, NFTA_IMMEDIATE_DATA);
	code = nl_nest_begin(b, NFTA_DATA_VERDICT);
	nl_attr_be32(b, NFTA_VERDICT_CODE, NF_DROP);
	nl_nest_end(b, code);
	nl_nest_end(b, verdict);
	expr_end(b, d, elem);
	rule_end(b, exprs);
}

/* Whether @m takes this path; @ret_ip is NULL for "all of the host's addresses". */
static bool ipv4_mapping(const struct port_mapping *m, struct in_addr *ip, struct in_addr **ret_ip)
{
	if (m->host_ip[0] == '\0' || strcmp(m->host_ip, "0.0.0.0") == 0) {
		*ret_ip = NULL;
		return true;
	}
	*ret_ip = ip;
	return inet_pton(AF_INET, m->host_ip, ip) == 1;
}

static int install_rules(const char *veth, uint32_t target, const struct port_mapping *ports,
			 size_t n, berth_error *err)
{
	struct nlbuf b = { 0 };
	int fd, r;

	fd = nl_socket(NETLINK_NETFILTER, err);
	if (fd < 0)
		return fd;
	batch_marker(&b, NFNL_MSG_BATCH_BEGIN);
	nft_begin(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr_str(&b, NFTA_TABLE_NAME, veth);
	nl_attr_be32(&b, NFTA_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nl_msg_end(&b);
	base_chain(&b, veth, "output", "nat", NF_INET_LOCAL_OUT, -100 /* dstnat */);
	base_chain(&b, veth, "postrouting", "nat", NF_INET_POST_ROUTING, 100 /* srcnat */);
	base_chain(&b, veth, "prerouting", "filter", NF_INET_PRE_ROUTING, 0 /* filter */);
	masquerade_rule(&b, veth, veth);
	ingress_rule(&b, veth, veth);
	for (size_t i = 0; i < n; i++) {
		const struct port_mapping *m = &ports[i];
		struct in_addr ip, *host_ip;
		uint16_t host = m->host_port ? m->host_port : m->container_port;
		uint8_t proto = strcmp(m->protocol, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;

		if (!ipv4_mapping(m, &ip, &host_ip))
			continue;
		for (unsigned int k = 0; k < m->range; k++)
			dnat_rule(&b, veth, host_ip, proto, (uint16_t)(host + k), target,
				  (uint16_t)(m->container_port + k));
	}
	batch_marker(&b, NFNL_MSG_BATCH_END);
	r = nl_send(fd, &b, "redirect the host's connections to the published ports", err);
	nl_free(&b);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int set_link_sysctl(const char *family, const char *veth, const char *key, bool needed,
			   berth_error *err)
{
	char path[128];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, veth, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !needed)
		return 0;
	if (fd < 0 || write_all(fd, "1", 1) < 0)
		return berr_errno(err, errno, "%s", path);
	return 0;
}

int local_forward_start(int netns_fd, const struct port_mapping *ports, size_t n,
			berth_error *err)
{
	_cleanup_close_ int rt = -1;
	char veth[IFNAMSIZ];
	uint32_t slot = 0, host_addr, ctr_addr;
	struct in_addr ip, *host_ip;
	size_t rules = 0;
	int r = -EEXIST;

	for (size_t i = 0; i < n; i++)
		if (ipv4_mapping(&ports[i], &ip, &host_ip))
			rules += ports[i].range;
	if (rules == 0)
		return -ENOENT;
	/* a rule per port: a wide range would not fit one netlink batch (pasta serves it) */
	if (rules > LOCAL_FORWARD_MAX_RULES)
		return berr(err, E2BIG, "%zu published ports are more than the kernel path takes (%u)",
			    rules, LOCAL_FORWARD_MAX_RULES);
	rt = nl_socket(NETLINK_ROUTE, err);
	if (rt < 0)
		return rt;
	/* Start at a slot of our own (pid-spread), so that concurrent monitors rarely collide. */
	for (uint32_t tries = 0, start = (uint32_t)getpid() * 2654435761u; tries < 64 && r == -EEXIST;
	     tries++) {
		slot = (start + tries) % LOCAL_FORWARD_SLOTS;
		snprintf(veth, sizeof(veth), "berthfw%u", slot);
		r = create_veth(rt, veth, netns_fd, err);
	}
	if (r < 0)
		return r;
	ctr_addr = LOCAL_FORWARD_NET + 2 * slot;
	host_addr = ctr_addr + 1;
	/* No IPv6 on our end (not even link-local): the veth carries redirected IPv4 only. */
	r = set_link_sysctl("ipv6", veth, "disable_ipv6", false, err);
	if (r >= 0)
		r = set_link_sysctl("ipv4", veth, "route_localnet", true, err);
	if (r >= 0)
		r = link_configure(rt, veth, host_addr, err);
	if (r >= 0)
		r = configure_peer(netns_fd, ctr_addr, err);
	if (r >= 0)
		r = install_rules(veth, ctr_addr, ports, n, err);
	if (r < 0)
		delete_link(rt, veth);
	return r;
}
