/* SPDX-License-Identifier: Apache-2.0 */
/*
 * local_forward.h - root's fast path for published ports: the host's own connections to a
 * published IPv4 port go through the kernel (a veth pair and an nftables DNAT) instead of
 * being spliced by pasta.
 *
 * Why: pasta splices a loopback client between two TCP sockets, one more hop than podman's
 * bridge; through the kernel a 1 GiB download runs ~1.5x faster here. pasta still binds every
 * port (a taken port is still an error), and still serves clients from other hosts, IPv6 and
 * the container's outbound traffic: only the output hook, which sees nothing but the host's
 * own packets, is redirected, so no forwarding sysctl changes.
 *
 * Nothing outlives the container: the veth pair lives in the container's network namespace
 * and goes with it, the table is an nftables "owner" table that the kernel deletes when the
 * socket that made it closes (also on kill -9 of the process holding it), and route_localnet
 * is set on our own veth only.
 */
#ifndef BERTH_NETWORK_LOCAL_FORWARD_H
#define BERTH_NETWORK_LOCAL_FORWARD_H

#include <stddef.h>

#include "network/ports.h"
#include "util/error.h"

/* Point-to-point /31 links come from 198.18.0.0/15 (RFC 2544, benchmarking; never routed). */
#define LOCAL_FORWARD_NET 0xc6120000u
#define LOCAL_FORWARD_SLOTS 65536u
#define LOCAL_FORWARD_MAX_RULES 1024u

/**
 * local_forward_start() - as root, link the network namespace behind @netns_fd to the host and
 * redirect the host's connections to the IPv4 ports in @ports (n of them) into it.
 * Return: the nf_tables socket that owns the redirection (close it to end it), -ENOENT when no
 * port can take this path (IPv6 only), or another negative errno: pasta then carries those
 * connections as before.
 */
int local_forward_start(int netns_fd, const struct port_mapping *ports, size_t n,
			berth_error *err);

#endif
