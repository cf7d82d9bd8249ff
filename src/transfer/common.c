/* SPDX-License-Identifier: Apache-2.0 */
/* common.c - registry options from flags and config files, auth.json lookups, progress lines. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/auth.h"
#include "config/registries_conf.h"
#include "oci/reference.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"

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

	(void)for_write;
	/* NULL: config/auth.h's search ($REGISTRY_AUTH_FILE, then podman's default files) */
	return v && *v ? strdup(v) : NULL;
}

int xfer_auth_lookup(const char *path, const char *key, char **ret_user, char **ret_pass,
		     berth_error *err)
{
	int r = auth_lookup(path, key, ret_user, ret_pass, err);
	if (r == -ENOENT) {
		berr_clear(err);
		return 0;
	}
	return r < 0 ? r : 1;
}

/* registry_policy() - registries.conf's word on @ref: insecure, or blocked for pulls. */
static int registry_policy(struct xfer_side *s, const char *ref, bool tls_flag_set, bool pulling,
			   berth_error *err)
{
	_cleanup_(registries_conf_freep) struct registries_conf *conf = NULL;
	const struct registry_entry *e;
	int r = registries_conf_load(&conf, err);

	if (r < 0)
		return r;
	e = registries_conf_find(conf, ref);
	if (!e)
		return 0;
	if (e->blocked && pulling)
		return berr(err, EACCES, "%s %s: the registry is blocked in registries.conf",
			    s->img.reg.op ? s->img.reg.op : "pull", ref);
	if (e->insecure && !tls_flag_set)
		s->img.reg.insecure = true;
	return 0;
}

int xfer_side_init(struct xfer_side *s, struct reg_client *c, const struct cli_args *args,
		   const struct xfer_flags *f, const char *ref, const char *op, bool pulling,
		   berth_error *err)
{
	const char *creds = f->creds ? cli_str(args, f->creds) : NULL;
	const char *cert = f->cert_dir ? cli_str(args, f->cert_dir) : NULL;
	const char *af = f->authfile ? cli_str(args, f->authfile) : NULL;
	bool tls_set = f->tls_verify && cli_is_set(args, f->tls_verify);
	int r;

	memset(s, 0, sizeof(*s));
	s->img.client = c;
	s->img.reg.op = op;
	s->img.reg.tls_verify = !(tls_set && !cli_flag(args, f->tls_verify));
	if (cert && !(s->cert_dir = strdup(cert)))
		return berr(err, ENOMEM, "out of memory");
	s->img.reg.cert_dir = s->cert_dir;
	if (ref) {
		r = registry_policy(s, ref, tls_set, pulling, err);
		if (r < 0)
			return r;
	}
	if (creds) {
		r = xfer_parse_creds(creds, &s->username, &s->password, err);
		if (r < 0)
			return r;
	} else if (ref) {
		_cleanup_free_ char *path = af ? strdup(af) : xfer_auth_file(args, false);
		r = xfer_auth_lookup(path, ref, &s->username, &s->password, err);
		if (r < 0)
			return r;
	}
	s->img.reg.username = s->username;
	s->img.reg.password = s->password;
	return 0;
}

void xfer_printer_init(struct xfer_printer *p, FILE *out, bool quiet, struct img_copy_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->quiet = quiet;
	p->tty = !quiet && isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
	o->event = xfer_print_event;
	o->progress = p->tty ? xfer_print_progress : NULL;
	o->ud = p;
}

void xfer_printer_done(struct xfer_printer *p)
{
	free(p->lines);
	p->lines = NULL;
	p->n = p->cap = 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void human(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "?");
	else if (v < 1024)
		snprintf(buf, size, "%lld B", (long long)v);
	else if (v < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)v / 1024);
	else
		snprintf(buf, size, "%.1f MiB", (double)v / (1024 * 1024));
}

/* redraw() - the live display: every blob's line, rewritten in place. */
static void redraw(struct xfer_printer *p)
{
	if (p->drawn)
		fprintf(p->out, "\033[%zuA", p->drawn);
	for (size_t i = 0; i < p->n; i++) {
		const struct xfer_line *l = &p->lines[i];
		const char *what = l->is_config ? "config" : "blob";
		char a[32], b[32], bar[31];
		fprintf(p->out, "\r\033[K");
		switch (l->state) {
		case IMG_COPY_BLOB_SKIPPED:
			fprintf(p->out, "Copying %s %.19s skipped: already exists\n", what,
				l->digest);
			continue;
		case IMG_COPY_BLOB_MOUNTED:
			fprintf(p->out, "Copying %s %.19s skipped: mounted\n", what, l->digest);
			continue;
		case IMG_COPY_BLOB_DONE:
			human(l->total >= 0 ? l->total : l->done, a, sizeof(a));
			fprintf(p->out, "Copying %s %.19s done   %s\n", what, l->digest, a);
			continue;
		default:
			break;
		}
		int fill = l->total > 0 ? (int)(l->done * 30 / l->total) : 0;
		if (fill > 30)
			fill = 30;
		memset(bar, '=', (size_t)fill);
		memset(bar + fill, ' ', (size_t)(30 - fill));
		bar[30] = 0;
		if (fill > 0 && fill < 30)
			bar[fill - 1] = '>';
		human(l->done, a, sizeof(a));
		human(l->total, b, sizeof(b));
		fprintf(p->out, "Copying %s %.19s [%s] %s / %s\n", what, l->digest, bar, a, b);
	}
	p->drawn = p->n;
	fflush(p->out);
	p->last_draw_ms = now_ms();
}

static struct xfer_line *line_of(struct xfer_printer *p, const char *digest, bool add)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->lines[i].digest, digest) == 0)
			return &p->lines[i];
	if (!add)
		return NULL;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct xfer_line *nl = realloc(p->lines, cap * sizeof(*nl));
		if (!nl)
			return NULL;
		p->lines = nl;
		p->cap = cap;
	}
	struct xfer_line *l = &p->lines[p->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->digest, sizeof(l->digest), "%s", digest);
	l->total = -1;
	return l;
}

void xfer_print_progress(void *ud, const char *digest, int64_t done, int64_t total)
{
	struct xfer_printer *p = ud;
	struct xfer_line *l = line_of(p, digest, false);

	if (!l)
		return;
	l->done = done;
	l->total = total;
	if (now_ms() - p->last_draw_ms >= 100)
		redraw(p);
}

void xfer_print_event(void *ud, enum img_copy_event ev, const char *digest, int64_t size)
{
	struct xfer_printer *p = ud;

	if (p->quiet)
		return;
	if (p->tty && ev != IMG_COPY_MANIFEST) {
		struct xfer_line *l = line_of(p, digest, true);
		if (!l)
			return;
		if (ev == IMG_COPY_CONFIG)
			l->is_config = true;
		if (ev == IMG_COPY_BLOB_DONE)
			l->done = size;
		l->total = size;
		l->state = ev;
		redraw(p);
		return;
	}
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
		if (p->tty)
			redraw(p);
		fprintf(p->out, "Writing manifest to image destination\n");
		break;
	case IMG_COPY_BLOB_DONE:
		break;
	}
	fflush(p->out);
}

/* field_text() - a JSON value as a Go template prints it. */
static char *field_text(json_t *v, bool as_json)
{
	char buf[64];

	if (as_json || json_is_object(v) || json_is_array(v))
		return json_dumps(v ? v : json_null(), JSON_ENCODE_ANY | JSON_COMPACT);
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_boolean(v))
		return strdup(json_is_true(v) ? "true" : "false");
	return strdup(json_is_null(v) || !v ? "<no value>" : "");
}

char *xfer_render(const char *tmpl, json_t *obj)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (const char *p = tmpl; *p;) {
		if (p[0] == '\\' && p[1] == 't') {
			fputc('\t', f);
			p += 2;
			continue;
		}
		if (p[0] == '\\' && p[1] == 'n') {
			fputc('\n', f);
			p += 2;
			continue;
		}
		if (strncmp(p, "{{", 2) != 0) {
			fputc(*p++, f);
			continue;
		}
		const char *end = strstr(p, "}}");
		if (!end)
			goto bad;
		_cleanup_free_ char *expr = strndup(p + 2, (size_t)(end - p - 2));
		char *e = expr;
		bool as_json = false;
		while (e && *e == ' ')
			e++;
		if (e && strncmp(e, "json ", 5) == 0) {
			as_json = true;
			e += 5;
			while (*e == ' ')
				e++;
		}
		if (!e || *e != '.')
			goto bad;
		e[strcspn(e, " ")] = 0;
		json_t *v = obj;
		for (char *tok = strtok(e + 1, "."); tok && v; tok = strtok(NULL, "."))
			v = json_object_get(v, tok);
		if (strcmp(e, ".") == 0)
			v = obj;
		_cleanup_free_ char *t = field_text(v, as_json);
		if (t)
			fputs(t, f);
		p = end + 2;
	}
	fclose(f);
	return out;
bad:
	fclose(f);
	free(out);
	return NULL;
}

/*
 * xfer_pull_sources() - where @ref is really fetched from: registries.conf's mirrors and its
 * location for the [[registry]] whose prefix @ref falls under (prefix = "docker.io",
 * location = "127.0.0.1:5001"), else @ref itself; each with its own insecure setting.
 */
int xfer_pull_sources(const char *ref, const char *op, struct registry_pull_source **ret,
		      size_t *ret_n, berth_error *err)
{
	_cleanup_(registries_conf_freep) struct registries_conf *conf = NULL;
	struct registry_pull_source *src = NULL;
	const struct registry_entry *e;
	size_t n = 0;
	int r = registries_conf_load(&conf, err);

	if (r < 0)
		return r;
	e = registries_conf_find(conf, ref);
	/* as containers/image: a blocked registry is refused before its mirrors are tried */
	if (e && e->blocked)
		return berr(err, EACCES, "%s %s: the registry is blocked in registries.conf", op,
			    ref);
	if (e && registries_conf_pull_sources(e, ref, strchr(ref, '@') != NULL, &src, &n) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (n == 0) {
		if (!(src = calloc(1, sizeof(*src))) || !(src->ref = strdup(ref))) {
			free(src);
			return berr(err, ENOMEM, "out of memory");
		}
		n = 1;
	}
	*ret = src;
	*ret_n = n;
	return 0;
}

/* has_manifest() - whether @src serves its image's manifest (a mirror may lack the image) */
static int has_manifest(struct img_src *src, berth_error *err)
{
	_cleanup_free_ char *body = NULL, *mt = NULL;
	size_t len = 0;

	return src->ops->get_manifest(src, NULL, &body, &len, &mt, err);
}

int xfer_open_remote_src(const struct cli_args *args, const struct xfer_flags *f, const char *op,
			 oci_image_name **n, struct xfer_side *side, struct img_src **ret,
			 berth_error *err)
{
	struct registry_pull_source *sources = NULL;
	_cleanup_free_ char *ref = oci_ref_string((*n)->ref);
	size_t n_sources = 0;
	int r;

	if (!ref)
		return berr(err, ENOMEM, "out of memory");
	r = xfer_pull_sources(ref, op, &sources, &n_sources, err);
	for (size_t i = 0; r == 0 && i < n_sources; i++) {
		bool last = i + 1 == n_sources;
		berth_error mine = {0}, *e = last ? err : &mine;
		_cleanup_free_ char *name = NULL, *repo = NULL;
		oci_image_name *cand = NULL;
		struct img_src *src = NULL;

		if (asprintf(&name, "docker://%s", sources[i].ref) < 0)
			name = NULL;
		r = name ? oci_image_name_parse(name, &cand, e) : berr(e, ENOMEM, "out of memory");
		if (r == 0 && !(repo = img_docker_repo_string(cand)))
			r = berr(e, ENOMEM, "out of memory");
		if (r == 0)
			r = xfer_side_init(side, xfer_client(), args, f, repo, op, true, e);
		if (r == 0)
			xfer_side_source(side, args, f, &sources[i]);
		if (r == 0)
			r = img_src_open(cand, &side->img, &src, e);
		if (r == 0 && !last) /* the location's own errors are reported as they come */
			r = has_manifest(src, e);
		if (r == 0) {
			oci_image_name_free(*n);
			*n = cand;
			*ret = src;
			break;
		}
		img_src_free(src);
		oci_image_name_free(cand);
		if (!last) {
			xfer_side_done(side);
			*side = (struct xfer_side){0};
			berr_clear(&mine);
			r = 0;
		}
	}
	registry_pull_sources_free(sources, n_sources);
	return r;
}


void xfer_side_source(struct xfer_side *s, const struct cli_args *args,
		      const struct xfer_flags *f, const struct registry_pull_source *src)
{
	if (src->insecure && !(f->tls_verify && cli_is_set(args, f->tls_verify)))
		s->img.reg.insecure = true;
}
