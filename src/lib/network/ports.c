/* SPDX-License-Identifier: Apache-2.0 */
#include "network/ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fileio.h"
#include "util/macro.h"

/* "8000" or "8000-8002" → first port and count. */
static int parse_range(const char *s, size_t len, uint16_t *first, uint16_t *count)
{
	char buf[32];
	char *dash, *end;
	long a, b;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	errno = 0;
	a = strtol(buf, &end, 10);
	if (errno || end == buf || *end || a < 1 || a > 65535)
		return -EINVAL;
	b = a;
	if (dash) {
		b = strtol(dash + 1, &end, 10);
		if (errno || end == dash + 1 || *end || b < a || b > 65535)
			return -EINVAL;
	}
	*first = (uint16_t)a;
	*count = (uint16_t)(b - a + 1);
	return 0;
}

int port_mapping_parse(const char *spec, struct port_mapping *ret, berth_error *err)
{
	struct port_mapping m = { .protocol = "tcp" };
	const char *p = spec, *slash, *colon;
	uint16_t n_host = 0, n_ctr = 0;
	size_t len;

	slash = strchr(spec, '/');
	len = slash ? (size_t)(slash - spec) : strlen(spec);
	if (slash) {
		if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0)
			return berr(err, EINVAL, "invalid port mapping %s: the protocol must be tcp or udp",
				    spec);
		strcpy(m.protocol, slash + 1);
	}
	/* An IPv6 host address comes in brackets: [::1]:8080:80 */
	if (*p == '[') {
		const char *close = memchr(p, ']', len);
		if (!close || close[1] != ':' || (size_t)(close - p - 1) >= sizeof(m.host_ip))
			return berr(err, EINVAL, "invalid port mapping %s: bad [IPv6] host address", spec);
		memcpy(m.host_ip, p + 1, (size_t)(close - p - 1));
		len -= (size_t)(close + 2 - p);
		p = close + 2;
	} else {
		/* Three fields: IP:HOST:CTR (HOST may be empty). */
		const char *c1 = memchr(p, ':', len), *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
		if (c2) {
			if ((size_t)(c1 - p) >= sizeof(m.host_ip))
				return berr(err, EINVAL, "invalid port mapping %s: bad host address", spec);
			memcpy(m.host_ip, p, (size_t)(c1 - p));
			len -= (size_t)(c1 + 1 - p);
			p = c1 + 1;
		}
	}
	if (m.host_ip[0]) {
		unsigned char buf[16];
		if (inet_pton(AF_INET, m.host_ip, buf) != 1 && inet_pton(AF_INET6, m.host_ip, buf) != 1)
			return berr(err, EINVAL, "invalid port mapping %s: %s is not an IP address", spec,
				    m.host_ip);
	}
	colon = memchr(p, ':', len);
	if (colon) {
		if (colon > p && parse_range(p, (size_t)(colon - p), &m.host_port, &n_host) < 0)
			return berr(err, EINVAL, "invalid port mapping %s: bad host port", spec);
		len -= (size_t)(colon + 1 - p);
		p = colon + 1;
	}
	if (parse_range(p, len, &m.container_port, &n_ctr) < 0)
		return berr(err, EINVAL,
			    "invalid port mapping %s: use [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp] with ports 1-65535",
			    spec);
	if (n_host && n_host != n_ctr)
		return berr(err, EINVAL, "invalid port mapping %s: the host and container ranges differ in length",
			    spec);
	m.range = n_ctr;
	if (!m.host_port)
		m.host_port = m.container_port;
	*ret = m;
	return 0;
}

void port_mapping_format(const struct port_mapping *m, char *buf, size_t len)
{
	if (m->range > 1)
		snprintf(buf, len, "%s:%u-%u->%u-%u/%s", m->host_ip[0] ? m->host_ip : "0.0.0.0",
			 m->host_port, m->host_port + m->range - 1, m->container_port,
			 m->container_port + m->range - 1, m->protocol);
	else
		snprintf(buf, len, "%s:%u->%u/%s", m->host_ip[0] ? m->host_ip : "0.0.0.0", m->host_port,
			 m->container_port, m->protocol);
}

static long unprivileged_port_start(void)
{
	_cleanup_free_ char *s = NULL;

	if (read_file_at(-100, "/proc/sys/net/ipv4/ip_unprivileged_port_start", 64, &s, NULL, NULL) < 0)
		return 1024;
	return strtol(s, NULL, 10);
}

int port_mapping_check_privileged(const struct port_mapping *m, bool rootless, berth_error *err)
{
	long start;

	if (!rootless)
		return 0;
	start = unprivileged_port_start();
	if (m->host_port < start)
		return berr(err, EACCES,
			    "rootless containers cannot publish host port %u: ports below %ld are privileged; "
			    "publish a higher port (-p %u:%u) and redirect to it, e.g. "
			    "firewall-cmd --add-forward-port=port=%u:proto=%s:toport=%u",
			    m->host_port, start, m->host_port + 8000 > 65535 ? 8080 : m->host_port + 8000,
			    m->container_port, m->host_port, m->protocol,
			    m->host_port + 8000 > 65535 ? 8080 : m->host_port + 8000);
	return 0;
}

json_t *port_mappings_to_json(const struct port_mapping *m, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:i, s:s}", "host_ip", m[i].host_ip,
						     "host_port", m[i].host_port, "container_port",
						     m[i].container_port, "range", m[i].range,
						     "protocol", m[i].protocol));
	return arr;
}

int port_mappings_from_json(json_t *arr, struct port_mapping **ret, size_t *ret_n, berth_error *err)
{
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	struct port_mapping *m = calloc(n ? n : 1, sizeof(*m));

	if (!m)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *ip = NULL, *proto = NULL;
		int hp = 0, cp = 0, range = 1;
		if (json_unpack(json_array_get(arr, i), "{s:s, s:i, s:i, s?i, s:s}", "host_ip", &ip,
				"host_port", &hp, "container_port", &cp, "range", &range, "protocol",
				&proto) < 0 ||
		    hp < 1 || hp > 65535 || cp < 1 || cp > 65535 || range < 1 || strlen(ip) >= sizeof(m[i].host_ip) ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)) {
			free(m);
			return berr(err, EINVAL, "corrupt port mapping in the container record");
		}
		strcpy(m[i].host_ip, ip);
		strcpy(m[i].protocol, proto);
		m[i].host_port = (uint16_t)hp;
		m[i].container_port = (uint16_t)cp;
		m[i].range = (uint16_t)range;
	}
	*ret = m;
	*ret_n = n;
	return 0;
}
