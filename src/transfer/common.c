/* SPDX-License-Identifier: Apache-2.0 */
/* common.c - registry options from flags and config files, auth.json lookups, progress lines. */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/paths.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"

#define MAX_AUTH_FILE (1u << 20)

static struct reg_client *client;

static void free_client(void)
{
	reg_client_free(client);
	client = NULL;
}

struct reg_client *xfer_client(void)
{
	if (!client) {
		client = reg_client_new();
		if (client)
			atexit(free_client);
	}
	return client;
}

void xfer_side_done(struct xfer_side *s)
{
	free(s->username);
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	free(s->cert_dir);
	memset(s, 0, sizeof(*s));
}

int xfer_parse_creds(const char *creds, char **ret_user, char **ret_pass, berth_error *err)
{
	const char *colon = strchr(creds, ':');
	_cleanup_free_ char *u = NULL, *p = NULL;

	if (!*creds || creds[0] == ':')
		return berr(err, EINVAL, "--creds: give USERNAME[:PASSWORD]");
	u = colon ? strndup(creds, (size_t)(colon - creds)) : strdup(creds);
	p = strdup(colon ? colon + 1 : "");
	if (!u || !p)
		return berr(err, ENOMEM, "out of memory");
	*ret_user = TAKE_PTR(u);
	*ret_pass = TAKE_PTR(p);
	return 0;
}

char *xfer_auth_file(const struct cli_args *args, bool for_write)
{
	const char *v = args ? cli_str(args, "authfile") : NULL;
	char *p = NULL;

	if (v && *v)
		return strdup(v);
	v = getenv("REGISTRY_AUTH_FILE");
	if (v && *v)
		return strdup(v);
	if (geteuid() == 0) {
		if (asprintf(&p, "/run/containers/0/auth.json") < 0)
			return NULL;
		return p;
	}
	_cleanup_free_ char *rt = NULL;
	if (paths_runtime_dir(&rt, NULL) == 0 && asprintf(&p, "%s/containers/auth.json", rt) >= 0)
		return p;
	return NULL;
}

/* lookup_in() - "auths"[host].auth of one file: 1 found, 0 not, <0 broken file. */
static int lookup_in(const char *path, const char *host, char **ret_user, char **ret_pass,
		     berth_error *err)
{
	_cleanup_free_ char *data = NULL, *https = NULL;
	json_t *root, *auths, *e;
	size_t len;
	int r;

	r = read_file_at(AT_FDCWD, path, MAX_AUTH_FILE, &data, &len, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berr_errno(err, -r, "%s: cannot read the credentials file", path);
	root = json_loadb(data, len, 0, NULL);
	if (!root)
		return berr(err, EINVAL, "%s: not valid JSON; fix or remove it", path);
	auths = json_object_get(root, "auths");
	if (asprintf(&https, "https://%s", host) < 0) {
		json_decref(root);
		return berr(err, ENOMEM, "out of memory");
	}
	e = json_object_get(auths, host);
	if (!e)
		e = json_object_get(auths, https);
	if (!e && strcmp(host, "docker.io") == 0)
		e = json_object_get(auths, "https://index.docker.io/v1/");
	const char *b64 = json_string_value(json_object_get(e, "auth"));
	r = 0;
	if (b64 && *b64) {
		size_t bl = strlen(b64);
		_cleanup_free_ unsigned char *dec = malloc(bl + 1);
		int n = dec ? EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)bl) : -1;
		if (n < 0) {
			json_decref(root);
			return berr(err, EINVAL, "%s: the entry for %s is not valid base64", path, host);
		}
		/* EVP_DecodeBlock counts the '=' padding as zero bytes */
		while (bl > 0 && b64[bl - 1] == '=' && n > 0)
			bl--, n--;
		dec[n] = 0;
		char *colon = strchr((char *)dec, ':');
		if (!colon) {
			json_decref(root);
			return berr(err, EINVAL, "%s: the entry for %s is not USER:PASSWORD", path, host);
		}
		*colon = 0;
		*ret_user = strdup((char *)dec);
		*ret_pass = strdup(colon + 1);
		explicit_bzero(dec, (size_t)n);
		r = (*ret_user && *ret_pass) ? 1 : berr(err, ENOMEM, "out of memory");
	}
	json_decref(root);
	return r;
}

int xfer_auth_lookup(const char *path, const char *host, char **ret_user, char **ret_pass,
		     berth_error *err)
{
	int r;

	if (path) {
		r = lookup_in(path, host, ret_user, ret_pass, err);
		if (r != 0 || getenv("REGISTRY_AUTH_FILE"))
			return r;
	}
	/* podman also reads these, never writes them */
	_cleanup_free_ char *cfg = paths_config_home(), *a = NULL, *b = NULL;
	const char *home = paths_home();
	if (cfg && asprintf(&a, "%s/containers/auth.json", cfg) >= 0 && (!path || strcmp(a, path))) {
		r = lookup_in(a, host, ret_user, ret_pass, err);
		if (r != 0)
			return r;
	}
	if (home && asprintf(&b, "%s/.docker/config.json", home) >= 0)
		return lookup_in(b, host, ret_user, ret_pass, err);
	return 0;
}

int xfer_side_init(struct xfer_side *s, struct reg_client *c, const struct cli_args *args,
		   const char *tls_flag, const char *creds_flag, const char *cert_flag,
		   const char *host, const char *op, berth_error *err)
{
	const char *creds = creds_flag ? cli_str(args, creds_flag) : NULL;
	const char *cert = cert_flag ? cli_str(args, cert_flag) : NULL;
	int r;

	memset(s, 0, sizeof(*s));
	s->img.client = c;
	s->img.reg.op = op;
	s->img.reg.tls_verify = !(tls_flag && cli_is_set(args, tls_flag) && !cli_flag(args, tls_flag));
	if (cert && !(s->cert_dir = strdup(cert)))
		return berr(err, ENOMEM, "out of memory");
	s->img.reg.cert_dir = s->cert_dir;
	if (creds) {
		r = xfer_parse_creds(creds, &s->username, &s->password, err);
		if (r < 0)
			return r;
	} else if (host) {
		_cleanup_free_ char *path = xfer_auth_file(args, false);
		r = xfer_auth_lookup(path, host, &s->username, &s->password, err);
		if (r < 0)
			return r;
	}
	s->img.reg.username = s->username;
	s->img.reg.password = s->password;
	return 0;
}

void xfer_print_event(void *ud, enum img_copy_event ev, const char *digest, int64_t size)
{
	struct xfer_printer *p = ud;

	if (p->quiet)
		return;
	switch (ev) {
	case IMG_COPY_BLOB:
		fprintf(p->out, "Copying blob %s\n", digest);
		break;
	case IMG_COPY_BLOB_SKIPPED:
		fprintf(p->out, "Copying blob %s skipped: already exists\n", digest);
		break;
	case IMG_COPY_BLOB_MOUNTED:
		fprintf(p->out, "Copying blob %s skipped: mounted from the source repository\n",
			digest);
		break;
	case IMG_COPY_CONFIG:
		fprintf(p->out, "Copying config %s\n", digest);
		break;
	case IMG_COPY_MANIFEST:
		fprintf(p->out, "Writing manifest to image destination\n");
		break;
	case IMG_COPY_BLOB_DONE:
		break;
	}
	fflush(p->out);
}
