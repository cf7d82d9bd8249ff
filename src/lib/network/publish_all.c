/* SPDX-License-Identifier: Apache-2.0 */
/* publish_all.c - -P/--publish-all: the image's EXPOSE ports on random free host ports. */
#include "network/ports.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/macro.h"

/* A free host port for @proto: the kernel's choice for a bind to port 0 on every address. */
static int free_port(const char *proto, uint16_t *ret, berth_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	socklen_t len = sizeof(sa);
	_cleanup_close_ int sk =
	    socket(AF_INET, (strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

	if (sk < 0 || bind(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(sk, (struct sockaddr *)&sa, &len) < 0)
		return berr_errno(err, errno, "find a free host port for -P");
	*ret = ntohs(sa.sin_port);
	return 0;
}

/* Whether @ports already publishes container port @port/@proto (an explicit -p wins). */
static bool published(json_t *ports, unsigned int port, const char *proto)
{
	json_t *e;
	size_t i;

	json_array_foreach (ports, i, e) {
		json_int_t cp = json_integer_value(json_object_get(e, "container_port"));
		json_int_t range = json_integer_value(json_object_get(e, "range")) ?: 1;
		if (strcmp(json_string_value(json_object_get(e, "protocol")) ?: "", proto) == 0 &&
		    port >= cp && port < cp + range)
			return true;
	}
	return false;
}

int port_mappings_add_exposed(json_t *ports, json_t *exposed, berth_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach (exposed, key, v) {
		struct port_mapping m = {.range = 1};
		char proto[8] = "tcp";
		unsigned int port;
		int r;

		if (sscanf(key, "%u/%7s", &port, proto) < 1 || port < 1 || port > 65535)
			return berr(err, EINVAL, "the image exposes \"%s\", which is not PORT[/PROTO]",
				    key);
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			continue; /* sctp: neither pasta nor slirp4netns forwards it */
		if (published(ports, port, proto))
			continue;
		m.container_port = (uint16_t)port;
		snprintf(m.protocol, sizeof(m.protocol), "%s", proto);
		if ((r = free_port(proto, &m.host_port, err)) < 0)
			return r;
		json_t *one = port_mappings_to_json(&m, 1);
		json_array_extend(ports, one);
		json_decref(one);
	}
	return 0;
}
