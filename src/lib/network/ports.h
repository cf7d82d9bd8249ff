/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ports.h - published ports as podman spells them: -p [IP:][HOSTPORT:]CTRPORT[/tcp|/udp],
 * with ranges (-p 8000-8002:80-82) and IPv6 host addresses in brackets.
 */
#ifndef BERTH_NETWORK_PORTS_H
#define BERTH_NETWORK_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/error.h"

/**
 * struct port_mapping - one published range
 * @host_ip:		"" for all addresses, else a literal IPv4/IPv6 address
 * @host_port:		first host port (0: the same as @container_port)
 * @container_port:	first container port
 * @range:		number of consecutive ports (>= 1)
 * @protocol:		"tcp" or "udp"
 */
struct port_mapping {
	char host_ip[64];
	uint16_t host_port;
	uint16_t container_port;
	uint16_t range;
	char protocol[4];
};

/** port_mapping_parse() - parse one -p value. */
int port_mapping_parse(const char *spec, struct port_mapping *ret, berth_error *err);

/** port_mapping_format() - "127.0.0.1:5000->5000/tcp" (ranges as "8000-8002->80-82/tcp"). */
void port_mapping_format(const struct port_mapping *m, char *buf, size_t len);

/**
 * port_mapping_check_privileged() - refuse host ports below the unprivileged port start for a
 * rootless user, with the explanation podman users expect.
 */
int port_mapping_check_privileged(const struct port_mapping *m, bool rootless, berth_error *err);

/** port_mappings_to_json()/port_mappings_from_json() - the form kept in container records. */
json_t *port_mappings_to_json(const struct port_mapping *m, size_t n);
int port_mappings_from_json(json_t *arr, struct port_mapping **ret, size_t *ret_n, berth_error *err);

/**
 * port_mappings_add_exposed() - -P: publish each port of @exposed (an image's ExposedPorts
 * object, keys "80/tcp") that @ports (port_mappings_to_json() form) does not publish yet, on a
 * free host port the kernel picks, by appending to @ports. sctp ports are skipped.
 */
int port_mappings_add_exposed(json_t *ports, json_t *exposed, berth_error *err);

#endif
