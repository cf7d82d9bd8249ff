/* SPDX-License-Identifier: Apache-2.0 */
/*
 * certs.h - per-registry TLS material in certs.d directories (containers-certs.d(5)).
 *
 * For HOST[:PORT] the first existing directory of
 *   $XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT]
 *   /etc/containers/certs.d/HOST[:PORT]
 *   /etc/docker/certs.d/HOST[:PORT]
 * is used; --cert-dir (@cert_dir) replaces the search and names the directory itself.
 * In it: every *.crt is a CA certificate; every NAME.cert is a client certificate whose key
 * must be NAME.key (and every NAME.key needs its NAME.cert), as containers/image requires.
 */
#ifndef BERTH_CONFIG_CERTS_H
#define BERTH_CONFIG_CERTS_H

#include "util/error.h"

/**
 * struct certs_info - what a certs.d directory provides
 * @dir:	the directory used, or NULL when none exists
 * @ca_files:	*.crt paths, sorted (never NULL, may be empty)
 * @client_cert: the first NAME.cert by name, or NULL
 * @client_key:	its NAME.key, or NULL
 */
struct certs_info {
	char *dir;
	char **ca_files;
	char *client_cert;
	char *client_key;
};

/**
 * certs_lookup() - find the TLS files for a registry
 * @sysroot:	prefix for the /etc paths, NULL for "/"; for tests
 * @cert_dir:	--cert-dir, or NULL to search as above
 * @host_port:	"host" or "host:port" exactly as in the image reference
 * Return: 0 and *@ret (free with certs_info_free), -EINVAL for a bad @host_port or an
 * unpaired client certificate or key, other negative errno.
 */
int certs_lookup(const char *sysroot, const char *cert_dir, const char *host_port,
		 struct certs_info **ret, berth_error *err);

/** certs_info_free() - free @c (NULL is fine); returns NULL. */
struct certs_info *certs_info_free(struct certs_info *c);
static inline void certs_info_freep(struct certs_info **c)
{
	certs_info_free(*c);
}

#endif
