/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry_client.c - the registry protocol over libcurl. See registry_client.h for the theory
 * of operation. Every request goes through perform(): it builds one easy handle on the shared
 * connection cache, adds the credentials for the request's scope, buffers small bodies with a
 * cap (or streams blob bodies to an fd while hashing them), and on a 401 learns the challenge,
 * gets a token and tries once more. Uploads read their body with pread(), so a retry restarts
 * from the first byte without seeking anything the caller owns.
 */
#include "transport/registry_client.h"
#include "transport/plain_http_memo.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/certs.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/sha256.h"

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define MAX_CA_FILE	 (1u << 20)

struct reg_client {
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

struct token {
	char *scope;
	char *header; /* "Authorization: Bearer ..." */
	struct token *next;
};

struct reg_repo {
	struct reg_client *c;
	char *host;	/* as the user wrote it: messages, certs.d, auth.json */
	char *api_host; /* where requests go */
	char *repo;
	char *name; /* "push 127.0.0.1:5000/app": the prefix of every error */
	char *base; /* "https://127.0.0.1:5000" */
	bool tls_verify;
	bool may_http;
	char *username, *password;
	char *ca_blob;
	size_t ca_len;
	char *client_cert, *client_key;
	pthread_mutex_t lock; /* guards chal and tokens: layer threads share one repo */
	struct reg_challenge chal;
	struct token *tokens;
	bool auth_failed;
};

/* ---- small helpers ---------------------------------------------------------------------- */

void reg_response_done(struct reg_response *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->content_type);
	free(r->digest);
	free(r->location);
	free(r->link);
	free(r->www_authenticate);
	free(r->chunk_min);
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
}

void reg_challenge_done(struct reg_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

bool reg_is_digest(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + SHA256_HEX_LEN)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return false;
	return true;
}

const char *reg_api_host(const char *host)
{
	if (strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0)
		return "registry-1.docker.io";
	return host;
}

static char *xstrndup_trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

/*
 * parse_auth_param() - one `key=value` or `key="quoted value"` pair at *p; advances *p past it
 * and a following comma. Return: 1 parsed, 0 end, -EINVAL malformed.
 */
static int parse_auth_param(const char **p, char **ret_key, char **ret_val)
{
	const char *s = *p, *k;
	_cleanup_free_ char *key = NULL, *val = NULL;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return 0;
	k = s;
	while (*s && *s != '=' && *s != ' ' && *s != ',')
		s++;
	if (*s != '=' || s == k)
		return -EINVAL;
	key = strndup(k, (size_t)(s - k));
	s++;
	if (*s == '"') {
		size_t cap = strlen(s) + 1, n = 0;
		val = malloc(cap);
		if (!val)
			return -ENOMEM;
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			val[n++] = *s;
		}
		if (*s != '"')
			return -EINVAL;
		val[n] = 0;
		s++;
	} else {
		const char *v = s;
		while (*s && *s != ',' && *s != ' ')
			s++;
		val = strndup(v, (size_t)(s - v));
	}
	if (!key || !val)
		return -ENOMEM;
	*p = s;
	*ret_key = TAKE_PTR(key);
	*ret_val = TAKE_PTR(val);
	return 1;
}

int reg_parse_challenge(const char *header, struct reg_challenge *ret)
{
	struct reg_challenge c = {0};
	const char *p = header;
	size_t n;
	int r;

	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n == 0)
		return -EINVAL;
	if (!(c.scheme = strndup(p, n)))
		return -ENOMEM;
	for (char *q = c.scheme; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	p += n;
	for (;;) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		r = parse_auth_param(&p, &k, &v);
		if (r == 0)
			break;
		if (r < 0) {
			reg_challenge_done(&c);
			return r;
		}
		char **slot = strcasecmp(k, "realm") == 0     ? &c.realm
			      : strcasecmp(k, "service") == 0 ? &c.service
			      : strcasecmp(k, "scope") == 0   ? &c.scope
							      : NULL;
		if (slot) {
			free(*slot);
			*slot = TAKE_PTR(v);
		}
	}
	if (strcmp(c.scheme, "bearer") == 0 && !c.realm) {
		reg_challenge_done(&c);
		return -EINVAL;
	}
	*ret = c;
	return 0;
}

char *reg_parse_link_next(const char *link)
{
	/* Link: <url>; rel="next"[, <url2>; rel="prev"] */
	for (const char *p = link; p && *p;) {
		const char *lt = strchr(p, '<'), *gt;
		if (!lt || !(gt = strchr(lt, '>')))
			return NULL;
		const char *end = strchr(gt, ',');
		size_t plen = end ? (size_t)(end - gt) : strlen(gt);
		_cleanup_free_ char *params = strndup(gt + 1, plen - 1);
		if (params && (strstr(params, "rel=\"next\"") || strstr(params, "rel=next")))
			return strndup(lt + 1, (size_t)(gt - lt - 1));
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

char *reg_error_summary(const char *body, size_t len, char **ret_code)
{
	json_t *root, *errors, *e;
	char *out = NULL;

	if (!body || !len)
		return NULL;
	root = json_loadb(body, len, 0, NULL);
	if (!root)
		return NULL;
	errors = json_object_get(root, "errors");
	e = json_is_array(errors) ? json_array_get(errors, 0) : NULL;
	if (json_is_object(e)) {
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		if (msg && *msg)
			out = strdup(msg);
		else if (code)
			out = strdup(code);
		if (out) {
			/* One line: a server must not be able to forge extra output lines. */
			for (char *q = out; *q; q++)
				if ((unsigned char)*q < 0x20)
					*q = ' ';
			if (strlen(out) > 300)
				out[300] = 0;
		}
		if (ret_code && code)
			*ret_code = strdup(code);
	}
	json_decref(root);
	return out;
}

/* ---- client ----------------------------------------------------------------------------- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	struct reg_client *c = ud;
	(void)h;
	(void)access;
	pthread_mutex_lock(&c->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	struct reg_client *c = ud;
	(void)h;
	pthread_mutex_unlock(&c->locks[data]);
}

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reg_client *reg_client_new(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct reg_client *c;

	pthread_once(&once, global_init);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(c->locks); i++)
		pthread_mutex_init(&c->locks[i], NULL);
	c->share = curl_share_init();
	if (!c->share) {
		free(c);
		return NULL;
	}
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	return c;
}

void reg_client_free(struct reg_client *c)
{
	if (!c)
		return;
	curl_share_cleanup(c->share);
	for (size_t i = 0; i < ELEMENTSOF(c->locks); i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- certs.d ---------------------------------------------------------------------------- */

static int append_file(char **buf, size_t *len, const char *path, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t n;
	int r = read_file_at(AT_FDCWD, path, MAX_CA_FILE, &data, &n, err);
	if (r < 0)
		return r;
	char *nb = realloc(*buf, *len + n + 2);
	if (!nb)
		return berr(err, ENOMEM, "out of memory");
	memcpy(nb + *len, data, n);
	*len += n;
	nb[(*len)++] = '\n';
	nb[*len] = 0;
	*buf = nb;
	return 0;
}

/*
 * load_certs() - the registry's certs.d directory (config/certs.h): its *.crt CAs are trusted
 * in addition to the system ones, its client certificate is presented.
 */
static int load_certs(struct reg_repo *r, const char *cert_dir, berth_error *err)
{
	_cleanup_(certs_info_freep) struct certs_info *ci = NULL;
	int rc = certs_lookup(NULL, cert_dir, r->host, &ci, err);

	if (rc < 0)
		return berr_prefix(err, "%s", r->name);
	if (ci->ca_files[0] && access(SYSTEM_CA_BUNDLE, R_OK) == 0 &&
	    (rc = append_file(&r->ca_blob, &r->ca_len, SYSTEM_CA_BUNDLE, err)) < 0)
		return rc;
	for (char **f = ci->ca_files; *f; f++)
		if ((rc = append_file(&r->ca_blob, &r->ca_len, *f, err)) < 0)
			return berr_prefix(err, "%s", r->name);
	if (ci->client_cert) {
		r->client_cert = TAKE_PTR(ci->client_cert);
		r->client_key = TAKE_PTR(ci->client_key);
	}
	return 0;
}

/* ---- one request ------------------------------------------------------------------------ */

/**
 * struct req - one HTTP request
 * @url:	absolute URL, or a path ("/v2/...") relative to the repo's base
 * @body/@body_len: an in-memory body, or @body_fd/@body_off/@body_size: a body read by pread()
 * @sink_fd:	where a 2xx body goes (blobs), hashed into @hash and counted against @expect_size
 * @max_body:	cap for a buffered body
 * @actions:	the scope actions the request needs ("pull", "pull,push"), NULL for none
 * @scope:	a full scope instead ("registry:catalog:*")
 */
struct req {
	const char *method;
	const char *url;
	const char *accept;
	const char *content_type;
	const char *content_range;
	const void *body;
	size_t body_len;
	int body_fd;
	off_t body_off;
	int64_t body_size;
	int sink_fd;
	struct sha256 *hash;
	int64_t expect_size;
	const char *upload_digest;
	size_t max_body;
	bool follow;
	const char *actions;
	const char *scope;
	void (*progress)(void *ud, int64_t done, int64_t total);
	void *ud;
};

struct xfer {
	const struct req *q;
	struct reg_response *resp;
	CURL *h;
	size_t header_bytes;
	int64_t sent, received;
	bool too_big, header_overflow, too_long, io_error;
	struct sha256 *up_hash; /* what a file body sent, when q->upload_digest asks for it */
	char *wbuf;		/* a blob body gathered for one large write (see sink_write()) */
	size_t wlen;
};

/*
 * REG_SINK_BUFFER - libcurl hands the write callback at most 16 KiB at a time; gathering a blob
 * body into large writes saves a 100 MB pull some 6000 write() calls.
 */
#define REG_SINK_BUFFER (1024 * 1024)

/* sink_flush() - write what sink_write() gathered; false on an I/O error. */
static bool sink_flush(struct xfer *x)
{
	if (x->wlen && write_all(x->q->sink_fd, x->wbuf, x->wlen) < 0)
		return false;
	x->wlen = 0;
	return true;
}

/* sink_write() - @buf to the sink through the gathering buffer (written straight without one). */
static bool sink_write(struct xfer *x, const char *buf, size_t len)
{
	if (!x->wbuf)
		x->wbuf = malloc(REG_SINK_BUFFER);
	if (!x->wbuf)
		return write_all(x->q->sink_fd, buf, len) == 0;
	if (x->wlen + len > REG_SINK_BUFFER && !sink_flush(x))
		return false;
	if (len >= REG_SINK_BUFFER)
		return write_all(x->q->sink_fd, buf, len) == 0;
	memcpy(x->wbuf + x->wlen, buf, len);
	x->wlen += len;
	return true;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	char **slot = NULL;
	size_t klen;

	x->header_bytes += len;
	if (x->header_bytes > REG_MAX_HEADERS) {
		x->header_overflow = true;
		return 0;
	}
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100-continue): forget the old headers. */
		struct reg_response *r = x->resp;
		free(r->content_type), free(r->digest), free(r->location), free(r->link);
		free(r->www_authenticate), free(r->chunk_min);
		r->content_type = r->digest = r->location = r->link = NULL;
		r->www_authenticate = r->chunk_min = NULL;
		r->content_length = -1;
		return len;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return len;
	klen = (size_t)(colon - buf);
#define HDR(name) (klen == strlen(name) && strncasecmp(buf, name, klen) == 0)
	if (HDR("content-type"))
		slot = &x->resp->content_type;
	else if (HDR("docker-content-digest"))
		slot = &x->resp->digest;
	else if (HDR("location"))
		slot = &x->resp->location;
	else if (HDR("link"))
		slot = &x->resp->link;
	else if (HDR("www-authenticate"))
		slot = &x->resp->www_authenticate;
	else if (HDR("oci-chunk-min-length"))
		slot = &x->resp->chunk_min;
	else if (HDR("content-length")) {
		_cleanup_free_ char *v = xstrndup_trim(colon + 1, len - klen - 1);
		char *end;
		long long cl = v ? strtoll(v, &end, 10) : -1;
		x->resp->content_length = (v && *v && !*end && cl >= 0) ? cl : -1;
	}
#undef HDR
	if (slot) {
		free(*slot);
		*slot = xstrndup_trim(colon + 1, len - klen - 1);
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (x->q->sink_fd >= 0 && status >= 200 && status < 300) {
		if (x->q->expect_size >= 0 && x->received + (int64_t)len > x->q->expect_size) {
			x->too_long = true;
			return 0;
		}
		if (!sink_write(x, buf, len)) {
			x->io_error = true;
			return 0;
		}
		if (x->q->hash)
			sha256_update(x->q->hash, buf, len);
		x->received += (int64_t)len;
		if (x->q->progress)
			x->q->progress(x->q->ud, x->received, x->q->expect_size);
		return len;
	}
	size_t cap = (status >= 200 && status < 300) ? x->q->max_body : REG_MAX_SMALL_BODY;
	struct reg_response *r = x->resp;
	if (r->len + len > cap) {
		x->too_big = true;
		return 0;
	}
	char *nb = realloc(r->body, r->len + len + 1);
	if (!nb) {
		x->io_error = true;
		return 0;
	}
	memcpy(nb + r->len, buf, len);
	r->len += len;
	nb[r->len] = 0;
	r->body = nb;
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	const struct req *q = x->q;
	size_t want = size * n;
	int64_t total = q->body ? (int64_t)q->body_len : q->body_size;

	if (x->sent >= total)
		return 0;
	if ((int64_t)want > total - x->sent)
		want = (size_t)(total - x->sent);
	if (q->body) {
		memcpy(buf, (const char *)q->body + x->sent, want);
	} else {
		ssize_t got;
		do
			got = pread(q->body_fd, buf, want, q->body_off + x->sent);
		while (got < 0 && errno == EINTR);
		if (got <= 0) {
			x->io_error = true;
			return CURL_READFUNC_ABORT;
		}
		want = (size_t)got;
		if (x->up_hash)
			sha256_update(x->up_hash, buf, want);
	}
	x->sent += (int64_t)want;
	if (q->progress && !q->body)
		q->progress(q->ud, x->sent, total);
	return want;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct xfer *x = ud;
	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	x->sent = 0;
	if (x->up_hash) {
		sha256_free(x->up_hash);
		if (!(x->up_hash = sha256_new()))
			return CURL_SEEKFUNC_FAIL;
	}
	return CURL_SEEKFUNC_OK;
}

static bool is_http_answer(const char *errbuf)
{
	/* OpenSSL's words for a plain-HTTP reply to a ClientHello. */
	return strstr(errbuf, "wrong version number") || strstr(errbuf, "packet length too long") ||
	       strstr(errbuf, "record layer failure") || strstr(errbuf, "http request") ||
	       strstr(errbuf, "unexpected eof");
}

static int http_answer(struct reg_repo *r, berth_error *err)
{
	return berr(
	    err, EPROTO,
	    "%s: the registry answered HTTP to an HTTPS request; mark it insecure = true in "
	    "registries.conf or pass --tls-verify=false",
	    r->name);
}

/*
 * is_https_refusal() - @probe is a plain-HTTP request's answer from an HTTPS server (Go's
 * "Client sent an HTTP request to an HTTPS server.", nginx's "The plain HTTP request was sent
 * to HTTPS port"): the server speaks TLS, so the handshake failed for another reason.
 */
static bool is_https_refusal(const struct reg_response *probe)
{
	return probe->status == 400 && probe->body && strcasestr(probe->body, "HTTPS");
}

/*
 * tls_refused() - the server speaks HTTPS but broke off the handshake (@err holds curl's
 * words): most often it asks for a client certificate berth did not send.
 */
static int tls_refused(struct reg_repo *r, berth_error *err)
{
	char was[BERTH_ERROR_MAX];

	snprintf(was, sizeof(was), "%s", err && *err->msg ? err->msg : r->name);
	return berr(err, ECONNABORTED,
		    "%s; %s refused the TLS handshake: if it asks for a client certificate, put "
		    "client.cert and client.key in /etc/containers/certs.d/%s/ or pass --cert-dir",
		    was, r->api_host, r->host);
}

static int curl_failure(struct reg_repo *r, CURLcode cc, const char *errbuf, berth_error *err)
{
	const char *detail = *errbuf ? errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return berr(err, EHOSTUNREACH,
			    "%s: unknown host %s: check the registry name, or your DNS", r->name,
			    r->api_host);
	case CURLE_COULDNT_CONNECT:
		return berr(err, ECONNREFUSED,
			    "%s: cannot connect to %s: %s; is the registry running there?", r->name,
			    r->api_host, detail);
	case CURLE_PEER_FAILED_VERIFICATION:
		return berr(err, EPERM,
			    "%s: the TLS certificate of %s is not trusted (%s); put its CA in "
			    "/etc/containers/certs.d/%s/ca.crt or pass --tls-verify=false",
			    r->name, r->api_host, detail, r->host);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		if (is_http_answer(detail))
			return http_answer(r, err);
		/* a plain-HTTP server may also just reset the handshake: ping() probes for that */
		return berr(err, ECONNABORTED, "%s: talking to %s: %s", r->name, r->api_host,
			    detail);
	case CURLE_OPERATION_TIMEDOUT:
		return berr(err, ETIMEDOUT, "%s: %s timed out: %s", r->name, r->api_host, detail);
	default:
		break;
	}
	return berr(err, EIO, "%s: talking to %s: %s", r->name, r->api_host, detail);
}

/* perform_once() - one HTTP exchange with the given extra header; no auth logic. */
static int perform_once(struct reg_repo *r, const struct req *q, const char *auth_header,
			const char *userpwd, struct reg_response *resp, berth_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	_cleanup_free_ char *url = NULL, *accept = NULL, *ctype = NULL, *crange = NULL;
	struct curl_slist *hdrs = NULL;
	struct xfer x = {.q = q, .resp = resp};
	CURL *h;
	CURLcode cc;
	int rc = 0;

	reg_response_done(resp);
	if (q->url[0] == '/') {
		if (asprintf(&url, "%s%s", r->base, q->url) < 0)
			return berr(err, ENOMEM, "out of memory");
	} else if (!(url = strdup(q->url)))
		return berr(err, ENOMEM, "out of memory");
	h = curl_easy_init();
	if (!h)
		return berr(err, ENOMEM, "%s: cannot start a libcurl request", r->name);
	x.h = h;
	curl_easy_setopt(h, CURLOPT_SHARE, r->c->share);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
	if (!r->tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->ca_blob) {
		struct curl_blob b = {r->ca_blob, r->ca_len, CURL_BLOB_NOCOPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	}
	if (r->client_cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, r->client_cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, r->client_key);
	}
	if (q->follow) {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)REG_MAX_REDIRECTS);
	}
	if (userpwd) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
	}
	if (auth_header)
		hdrs = curl_slist_append(hdrs, auth_header);
	if (q->accept && asprintf(&accept, "Accept: %s", q->accept) >= 0)
		hdrs = curl_slist_append(hdrs, accept);
	if (q->content_type && asprintf(&ctype, "Content-Type: %s", q->content_type) >= 0)
		hdrs = curl_slist_append(hdrs, ctype);
	if (q->content_range && asprintf(&crange, "Content-Range: %s", q->content_range) >= 0)
		hdrs = curl_slist_append(hdrs, crange);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	bool has_body = q->body || q->body_fd >= 0;
	if (strcmp(q->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(q->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &x);
		curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)(!has_body ? 0
					      : q->body ? (int64_t)q->body_len
							: q->body_size));
		if (strcmp(q->method, "PUT") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
	if (q->upload_digest && q->body_fd >= 0 && !(x.up_hash = sha256_new())) {
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(h);
		return berr(err, ENOMEM, "out of memory");
	}
	log_debug("%s %s", q->method, url);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (x.wbuf && !x.io_error && !sink_flush(&x))
		x.io_error = true;
	if (x.header_overflow)
		rc = berr(err, EBADMSG, "%s: %s sent more than %u KiB of headers; refusing it",
			  r->name, r->api_host, REG_MAX_HEADERS >> 10);
	else if (x.too_big)
		rc = berr(err, EFBIG, "%s: %s sent a response larger than %zu bytes; refusing it",
			  r->name, r->api_host,
			  resp->status < 300 ? q->max_body : REG_MAX_SMALL_BODY);
	else if (x.too_long)
		rc = berr(err, EBADMSG,
			  "%s: the registry sent more than the %lld bytes declared for %s", r->name,
			  (long long)q->expect_size, q->url);
	else if (x.io_error)
		rc = berr(err, EIO, "%s: reading or writing local data failed during %s %s",
			  r->name, q->method, q->url);
	else if (cc != CURLE_OK)
		rc = curl_failure(r, cc, errbuf, err);
	if (rc == 0 && x.up_hash) {
		char hex[SHA256_HEX_LEN + 1];
		sha256_final_hex(x.up_hash, hex);
		if (x.sent != q->body_size || strcmp(hex, q->upload_digest + 7) != 0)
			rc = berr(err, EBADMSG,
				  "%s: the local copy of blob %s is damaged (its content hashes to "
				  "sha256:%s); run berth system check",
				  r->name, q->upload_digest, hex);
	}
	sha256_free(x.up_hash);
	free(x.wbuf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

/* ---- authentication --------------------------------------------------------------------- */

static char *scope_for(const struct reg_repo *r, const struct req *q)
{
	char *s = NULL;
	if (q->scope)
		return strdup(q->scope);
	if (!q->actions)
		return NULL;
	if (asprintf(&s, "repository:%s:%s", r->repo, q->actions) < 0)
		return NULL;
	return s;
}

/* auth_header_for() - the Authorization header for @scope from what we know (malloc'd or NULL). */
static char *auth_header_for(struct reg_repo *r, const char *scope)
{
	char *h = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->chal.scheme && strcmp(r->chal.scheme, "bearer") == 0) {
		for (struct token *t = r->tokens; t; t = t->next)
			if (scope && strcmp(t->scope, scope) == 0) {
				h = strdup(t->header);
				break;
			}
		/* A push token also allows pulling. */
		if (!h && scope && has_suffix(scope, ":pull")) {
			size_t n = strlen(scope);
			for (struct token *t = r->tokens; t && !h; t = t->next)
				if (strncmp(t->scope, scope, n) == 0 &&
				    strcmp(t->scope + n, ",push") == 0)
					h = strdup(t->header);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return h;
}

static bool basic_auth(struct reg_repo *r)
{
	bool b;
	pthread_mutex_lock(&r->lock);
	b = r->chal.scheme && strcmp(r->chal.scheme, "basic") == 0;
	pthread_mutex_unlock(&r->lock);
	return b && r->username;
}

static char *userpwd_of(const struct reg_repo *r)
{
	char *s = NULL;
	if (!r->username)
		return NULL;
	if (asprintf(&s, "%s:%s", r->username, r->password ? r->password : "") < 0)
		return NULL;
	return s;
}

static int auth_required(struct reg_repo *r, berth_error *err)
{
	if (r->username)
		return berr(
		    err, EACCES,
		    "%s: %s rejected the credentials for %s: check them with berth login %s",
		    r->name, r->host, r->username, r->host);
	return berr(err, EACCES, "%s: authentication required: run berth login %s", r->name,
		    r->host);
}

/* fetch_token() - GET the realm for @scope and cache the bearer token. */
static int fetch_token(struct reg_repo *r, const char *scope, berth_error *err)
{
	_cleanup_free_ char *url = NULL, *userpwd = userpwd_of(r), *header = NULL;
	char *es = NULL, *esc = NULL;
	struct reg_response resp = {0};
	json_t *root = NULL;
	struct token *t;
	const char *tok;
	CURL *h;
	int rc;

	pthread_mutex_lock(&r->lock);
	h = curl_easy_init();
	if (h) {
		es = r->chal.service ? curl_easy_escape(h, r->chal.service, 0) : NULL;
		esc = scope ? curl_easy_escape(h, scope, 0) : NULL;
		curl_easy_cleanup(h);
	}
	rc = asprintf(&url, "%s%sservice=%s%s%s", r->chal.realm,
		      strchr(r->chal.realm, '?') ? "&" : "?", es ? es : "", esc ? "&scope=" : "",
		      esc ? esc : "");
	pthread_mutex_unlock(&r->lock);
	curl_free(es);
	curl_free(esc);
	if (rc < 0)
		return berr(err, ENOMEM, "out of memory");
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return berr(err, EPROTO, "%s: the registry's token realm is not an http(s) URL",
			    r->name);

	struct req q = {.method = "GET",
			.url = url,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY,
			.follow = true};
	rc = perform_once(r, &q, NULL, userpwd, &resp, err);
	if (rc < 0)
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		rc = auth_required(r, err);
		goto out;
	}
	if (resp.status != 200) {
		rc = berr(err, EPROTO, "%s: the token server answered HTTP %ld", r->name,
			  resp.status);
		goto out;
	}
	root = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	tok = json_string_value(json_object_get(root, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(root, "access_token"));
	if (!tok || !*tok || strpbrk(tok, "\r\n")) {
		rc = berr(err, EPROTO, "%s: the token server sent no usable token", r->name);
		goto out;
	}
	if (asprintf(&header, "Authorization: Bearer %s", tok) < 0) {
		rc = berr(err, ENOMEM, "out of memory");
		goto out;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->scope = strdup(scope ? scope : ""))) {
		free(t);
		rc = berr(err, ENOMEM, "out of memory");
		goto out;
	}
	t->header = TAKE_PTR(header);
	pthread_mutex_lock(&r->lock);
	t->next = r->tokens;
	r->tokens = t;
	pthread_mutex_unlock(&r->lock);
	rc = 0;
out:
	json_decref(root);
	reg_response_done(&resp);
	return rc;
}

/* learn_challenge() - remember the WWW-Authenticate of a 401. */
static int learn_challenge(struct reg_repo *r, const struct reg_response *resp, berth_error *err)
{
	struct reg_challenge c = {0};

	if (!resp->www_authenticate || reg_parse_challenge(resp->www_authenticate, &c) < 0)
		return berr(err, EPROTO,
			    "%s: %s answered 401 without a usable WWW-Authenticate header", r->name,
			    r->host);
	if (strcmp(c.scheme, "bearer") != 0 && strcmp(c.scheme, "basic") != 0) {
		int rc = berr(err, ENOTSUP,
			      "%s: %s asks for %s authentication, which berth does not speak",
			      r->name, r->host, c.scheme);
		reg_challenge_done(&c);
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	reg_challenge_done(&r->chal);
	r->chal = c;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/*
 * perform() - a request with authentication: credentials for its scope, and on a 401 one retry
 * after learning the challenge. HTTP errors are left to the caller (resp->status).
 */
static int perform(struct reg_repo *r, const struct req *q, struct reg_response *resp,
		   berth_error *err)
{
	_cleanup_free_ char *scope = scope_for(r, q);

	for (int attempt = 0;; attempt++) {
		_cleanup_free_ char *hdr = auth_header_for(r, scope);
		_cleanup_free_ char *userpwd = basic_auth(r) ? userpwd_of(r) : NULL;
		int rc;

		if (q->sink_fd >= 0 && attempt > 0) {
			/* Start the blob over: truncate what a failed attempt wrote. */
			if (ftruncate(q->sink_fd, 0) < 0 || lseek(q->sink_fd, 0, SEEK_SET) < 0)
				return berr_errno(err, errno, "%s: cannot rewind a temporary file",
						  r->name);
		}
		rc = perform_once(r, q, hdr, userpwd, resp, err);
		if (rc < 0)
			return rc;
		if (resp->status != 401)
			return 0;
		if (attempt > 0)
			return auth_required(r, err);
		rc = learn_challenge(r, resp, err);
		if (rc < 0)
			return rc;
		if (basic_auth(r))
			continue;
		pthread_mutex_lock(&r->lock);
		bool bearer = strcmp(r->chal.scheme, "bearer") == 0;
		pthread_mutex_unlock(&r->lock);
		if (!bearer)
			return auth_required(r, err);
		rc = fetch_token(r, scope, err);
		if (rc < 0)
			return rc;
	}
}

/* http_failure() - one line for an unexpected HTTP status. */
static int http_failure(struct reg_repo *r, const struct reg_response *resp, const char *what,
			berth_error *err)
{
	_cleanup_free_ char *code = NULL;
	_cleanup_free_ char *msg = reg_error_summary(resp->body, resp->len, &code);

	if (resp->status == 401)
		return auth_required(r, err);
	if (resp->status == 403)
		return berr(err, EACCES, "%s: %s denied access%s%s", r->name, r->host,
			    msg ? ": " : "", msg ? msg : "");
	if (resp->status == 404 && code && strcmp(code, "NAME_UNKNOWN") == 0)
		return berr(err, ENOENT, "%s: repository %s not known to the registry", r->name,
			    r->repo);
	if (resp->status == 404 && what && strcmp(what, "manifest") == 0)
		return berr(err, ENOENT, "%s: manifest unknown", r->name);
	if (resp->status == 404 && what && strcmp(what, "blob") == 0)
		return berr(err, ENOENT, "%s: blob unknown to the registry", r->name);
	if (resp->status == 429)
		return berr(err, EAGAIN, "%s: %s says too many requests; try again later", r->name,
			    r->host);
	return berr(err, resp->status == 404 ? ENOENT : EPROTO, "%s: %s%s%s (HTTP %ld from %s)",
		    r->name, what ? what : "request", msg ? ": " : " failed", msg ? msg : "",
		    resp->status, r->host);
}

/* perform_expect() - perform(), then any status but @want is a failure described for @what. */
static int perform_expect(struct reg_repo *r, const struct req *q, struct reg_response *resp,
			  long want, const char *what, berth_error *err)
{
	int rc = perform(r, q, resp, err);

	if (rc == 0 && resp->status != want)
		rc = http_failure(r, resp, what, err);
	return rc;
}

/* ---- repositories ----------------------------------------------------------------------- */

void reg_repo_free(struct reg_repo *r)
{
	if (!r)
		return;
	for (struct token *t = r->tokens, *n; t; t = n) {
		n = t->next;
		free(t->scope);
		free(t->header);
		free(t);
	}
	reg_challenge_done(&r->chal);
	pthread_mutex_destroy(&r->lock);
	free(r->host);
	free(r->api_host);
	free(r->repo);
	free(r->name);
	free(r->base);
	free(r->username);
	if (r->password)
		explicit_bzero(r->password, strlen(r->password));
	free(r->password);
	free(r->ca_blob);
	free(r->client_cert);
	free(r->client_key);
	free(r);
}

const char *reg_repo_host(const struct reg_repo *r)
{
	return r->host;
}

const char *reg_repo_name(const struct reg_repo *r)
{
	return r->repo;
}

/* set_base() - @r's requests go to SCHEME://api_host from now on */
static int set_base(struct reg_repo *r, const char *scheme, berth_error *err)
{
	free(r->base);
	if (asprintf(&r->base, "%s://%s", scheme, r->api_host) < 0) {
		r->base = NULL;
		return berr(err, ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * ping_plain_first() - for a registry that answered only plain HTTP last time (and may be
 * spoken to so): ask over HTTP first. Return: 1 with @resp when it answered as a registry; 0
 * with the base back on HTTPS (and the memo dropped) when it did not.
 */
static int ping_plain_first(struct reg_repo *r, const struct req *q, struct reg_response *resp,
			    berth_error *err)
{
	int rc = set_base(r, "http", err);

	if (rc < 0)
		return rc;
	if (perform_once(r, q, NULL, NULL, resp, NULL) == 0 &&
	    (resp->status == 200 || resp->status == 401))
		return 1;
	reg_response_done(resp);
	*resp = (struct reg_response){0};
	plain_http_forget(r->api_host);
	return set_base(r, "https", err);
}

static int ping(struct reg_repo *r, berth_error *err)
{
	struct req q = {.method = "GET",
			.url = "/v2/",
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY};
	struct reg_response resp = {0};
	int rc = 0;

	if (r->may_http && strncmp(r->base, "https://", 8) == 0 && plain_http_known(r->api_host))
		rc = ping_plain_first(r, &q, &resp, err);
	if (rc < 0)
		return rc;
	if (rc == 1)
		rc = 0;
	else
		rc = perform_once(r, &q, NULL, NULL, &resp, err);
	if (rc < 0 && r->may_http && rc != -EHOSTUNREACH && strncmp(r->base, "https://", 8) == 0) {
		if (set_base(r, "http", err) < 0)
			return -ENOMEM;
		berr_clear(err);
		rc = perform_once(r, &q, NULL, NULL, &resp, err);
		if (rc == 0 && (resp.status == 200 || resp.status == 401))
			plain_http_remember(r->api_host);
	} else if (rc == -ECONNABORTED && strncmp(r->base, "https://", 8) == 0) {
		/* The TLS handshake broke off: if plain HTTP gets an answer, say so. */
		_cleanup_free_ char *url = NULL;
		struct reg_response probe = {0};
		if (asprintf(&url, "http://%s/v2/", r->api_host) >= 0) {
			struct req pq = q;
			pq.url = url;
			if (perform_once(r, &pq, NULL, NULL, &probe, NULL) == 0 && probe.status > 0)
				rc = is_https_refusal(&probe) ? tls_refused(r, err)
							      : http_answer(r, err);
		}
		reg_response_done(&probe);
	}
	if (rc < 0)
		goto out;
	if (resp.status == 401)
		rc = learn_challenge(r, &resp, err);
	else if (resp.status != 200)
		rc = berr(err, EPROTO,
			  "%s: %s is not a container registry (GET /v2/ answered HTTP %ld)",
			  r->name, r->host, resp.status);
out:
	reg_response_done(&resp);
	return rc;
}

int reg_repo_open(struct reg_client *c, const char *host, const char *repo,
		  const struct reg_opts *opts, const char *name_for_errors, struct reg_repo **ret,
		  berth_error *err)
{
	_cleanup_(reg_repo_freep) struct reg_repo *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return berr(err, ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	r->c = c;
	r->tls_verify = opts->tls_verify && !opts->insecure;
	r->may_http = !r->tls_verify;
	if (!(r->host = strdup(host)) || !(r->api_host = strdup(reg_api_host(host))) ||
	    !(r->repo = strdup(repo ? repo : "")) ||
	    asprintf(&r->base, "https://%s", r->api_host) < 0 ||
	    asprintf(&r->name, "%s%s%s", opts->op ? opts->op : "", opts->op ? " " : "",
		     name_for_errors ? name_for_errors : host) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (opts->username && (!(r->username = strdup(opts->username)) ||
			       !(r->password = strdup(opts->password ? opts->password : ""))))
		return berr(err, ENOMEM, "out of memory");
	if (strpbrk(host, "/@ \t\r\n") || !*host)
		return berr(err, EINVAL, "%s: invalid registry host \"%s\"", r->name, host);
	rc = load_certs(r, opts->cert_dir, err);
	if (rc < 0)
		return rc;
	rc = ping(r, err);
	if (rc < 0)
		return rc;
	*ret = TAKE_PTR(r);
	return 0;
}

int reg_repo_authenticate(struct reg_repo *r, const char *actions, berth_error *err)
{
	_cleanup_free_ char *scope = NULL, *hdr = NULL;

	pthread_mutex_lock(&r->lock);
	bool bearer = r->chal.scheme && strcmp(r->chal.scheme, "bearer") == 0;
	pthread_mutex_unlock(&r->lock);
	if (!bearer)
		return 0;
	if (asprintf(&scope, "repository:%s:%s", r->repo, actions) < 0)
		return berr(err, ENOMEM, "out of memory");
	hdr = auth_header_for(r, scope);
	if (hdr)
		return 0;
	return fetch_token(r, scope, err);
}

int reg_check_login(struct reg_client *c, const char *host, const struct reg_opts *opts,
		    berth_error *err)
{
	_cleanup_(reg_repo_freep) struct reg_repo *r = NULL;
	struct reg_response resp = {0};
	int rc;

	rc = reg_repo_open(c, host, "", opts, host, &r, err);
	if (rc < 0)
		return rc;
	if (!r->chal.scheme)
		return 0; /* the registry needs no credentials at all */
	if (strcmp(r->chal.scheme, "bearer") == 0)
		return fetch_token(r, NULL, err);
	/* Basic: ask /v2/ again with the credentials. */
	_cleanup_free_ char *userpwd = userpwd_of(r);
	struct req q = {.method = "GET",
			.url = "/v2/",
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY};
	rc = perform_once(r, &q, NULL, userpwd, &resp, err);
	if (rc == 0 && resp.status != 200)
		rc = resp.status == 401 ? auth_required(r, err)
					: http_failure(r, &resp, "login", err);
	reg_response_done(&resp);
	return rc;
}

/* ---- manifests -------------------------------------------------------------------------- */

static bool valid_ref(const char *ref)
{
	if (reg_is_digest(ref))
		return true;
	size_t n = strlen(ref);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)ref[0]) || ref[0] == '_'))
		return false;
	return strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       n;
}

int reg_manifest_get(struct reg_repo *r, const char *ref, bool head, struct reg_response *ret,
		     berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_response resp = {0};
	char hex[SHA256_HEX_LEN + 1];
	int rc;

	if (!valid_ref(ref))
		return berr(err, EINVAL, "%s: invalid tag or digest \"%s\"", r->name, ref);
	if (asprintf(&path, "/v2/%s/manifests/%s", r->repo, ref) < 0)
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = head ? "HEAD" : "GET",
			.url = path,
			.accept = REG_MANIFEST_ACCEPT,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_MANIFEST,
			.actions = "pull"};
	rc = perform(r, &q, &resp, err);
	if (rc < 0)
		goto fail;
	if (resp.status != 200) {
		rc = http_failure(r, &resp, "manifest", err);
		goto fail;
	}
	if (!head) {
		if (!resp.body) {
			rc = berr(err, EBADMSG, "%s: the registry sent an empty manifest", r->name);
			goto fail;
		}
		sha256_hex_of(resp.body, resp.len, hex);
		_cleanup_free_ char *computed = NULL;
		if (asprintf(&computed, "sha256:%s", hex) < 0) {
			rc = berr(err, ENOMEM, "out of memory");
			goto fail;
		}
		if (reg_is_digest(ref) && strcmp(ref, computed) != 0) {
			rc = berr(err, EBADMSG,
				  "%s: the registry sent a manifest whose digest is %s, not %s; "
				  "refusing it",
				  r->name, computed, ref);
			goto fail;
		}
		if (resp.digest && reg_is_digest(resp.digest) &&
		    strcmp(resp.digest, computed) != 0) {
			rc = berr(err, EBADMSG,
				  "%s: the manifest's digest %s does not match the registry's %s; "
				  "refusing it",
				  r->name, computed, resp.digest);
			goto fail;
		}
		free(resp.digest);
		resp.digest = TAKE_PTR(computed);
	} else if (reg_is_digest(ref) && !resp.digest) {
		resp.digest = strdup(ref);
	}
	*ret = resp;
	return 0;
fail:
	reg_response_done(&resp);
	return rc;
}

int reg_manifest_put(struct reg_repo *r, const char *ref, const char *media_type, const void *body,
		     size_t len, char **ret_digest, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_response resp = {0};
	int rc;

	if (!valid_ref(ref))
		return berr(err, EINVAL, "%s: invalid tag or digest \"%s\"", r->name, ref);
	if (len > REG_MAX_MANIFEST)
		return berr(err, EFBIG, "%s: manifest larger than %u bytes", r->name,
			    REG_MAX_MANIFEST);
	if (asprintf(&path, "/v2/%s/manifests/%s", r->repo, ref) < 0)
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = "PUT",
			.url = path,
			.content_type = media_type,
			.body = body,
			.body_len = len,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY,
			.actions = "pull,push"};
	rc = perform(r, &q, &resp, err);
	if (rc == 0 && resp.status != 201 && resp.status != 200 && resp.status != 202)
		rc = http_failure(r, &resp, "manifest upload", err);
	if (rc == 0 && ret_digest) {
		char hex[SHA256_HEX_LEN + 1];
		sha256_hex_of(body, len, hex);
		if (asprintf(ret_digest, "sha256:%s", hex) < 0)
			rc = berr(err, ENOMEM, "out of memory");
	}
	reg_response_done(&resp);
	return rc;
}

/* ---- blobs ------------------------------------------------------------------------------ */

int reg_blob_exists(struct reg_repo *r, const char *digest, int64_t *ret_size, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_response resp = {0};
	int rc;

	if (!reg_is_digest(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", r->name, digest);
	if (asprintf(&path, "/v2/%s/blobs/%s", r->repo, digest) < 0)
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = "HEAD",
			.url = path,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY,
			.follow = true,
			.actions = "pull"};
	rc = perform(r, &q, &resp, err);
	if (rc == 0) {
		if (resp.status == 200) {
			if (ret_size)
				*ret_size = resp.content_length;
			rc = 1;
		} else if (resp.status == 404)
			rc = 0;
		else
			rc = http_failure(r, &resp, "blob check", err);
	}
	reg_response_done(&resp);
	return rc;
}

int reg_blob_fetch(struct reg_repo *r, const char *digest, int64_t size, int fd,
		   void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		   berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_(sha256_freep) struct sha256 *h = NULL;
	struct reg_response resp = {0};
	char hex[SHA256_HEX_LEN + 1];
	int rc;

	if (!reg_is_digest(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", r->name, digest);
	if (asprintf(&path, "/v2/%s/blobs/%s", r->repo, digest) < 0 || !(h = sha256_new()))
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = "GET",
			.url = path,
			.body_fd = -1,
			.sink_fd = fd,
			.hash = h,
			.expect_size = size,
			.max_body = REG_MAX_SMALL_BODY,
			.follow = true,
			.actions = "pull",
			.progress = progress,
			.ud = ud};
	rc = perform_expect(r, &q, &resp, 200, "blob", err);
	if (rc == 0) {
		off_t got = lseek(fd, 0, SEEK_CUR);
		sha256_final_hex(h, hex);
		if (size >= 0 && got != size)
			rc = berr(err, EBADMSG,
				  "%s: blob %s is %lld bytes, not the %lld the manifest declares; "
				  "refusing it",
				  r->name, digest, (long long)got, (long long)size);
		else if (strcmp(hex, digest + 7) != 0)
			rc = berr(err, EBADMSG,
				  "%s: blob %s arrived with digest sha256:%s (corrupted on the "
				  "registry or in "
				  "transit); refusing it",
				  r->name, digest, hex);
	}
	reg_response_done(&resp);
	return rc;
}

int reg_blob_fetch_mem(struct reg_repo *r, const char *digest, int64_t size, size_t max, char **ret,
		       size_t *ret_len, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_response resp = {0};
	char hex[SHA256_HEX_LEN + 1];
	int rc;

	if (!reg_is_digest(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", r->name, digest);
	if (size > (int64_t)max)
		return berr(err, EFBIG, "%s: blob %s is larger than %zu bytes", r->name, digest,
			    max);
	if (asprintf(&path, "/v2/%s/blobs/%s", r->repo, digest) < 0)
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = "GET",
			.url = path,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = max,
			.follow = true,
			.actions = "pull"};
	rc = perform_expect(r, &q, &resp, 200, "blob", err);
	if (rc == 0) {
		sha256_hex_of(resp.body ? resp.body : "", resp.len, hex);
		if ((size >= 0 && (int64_t)resp.len != size) || strcmp(hex, digest + 7) != 0)
			rc = berr(err, EBADMSG,
				  "%s: blob %s does not match its digest or size (corrupted on the "
				  "registry "
				  "or in transit); refusing it",
				  r->name, digest);
	}
	if (rc == 0) {
		if (!resp.body && !(resp.body = strdup("")))
			rc = berr(err, ENOMEM, "out of memory");
		else {
			*ret = TAKE_PTR(resp.body);
			if (ret_len)
				*ret_len = resp.len;
		}
	}
	reg_response_done(&resp);
	return rc;
}

/* absolute_url() - a Location header made absolute against the repo's base. */
static char *absolute_url(const struct reg_repo *r, const char *loc)
{
	char *u = NULL;
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		return strdup(loc);
	if (loc[0] != '/')
		return NULL;
	if (asprintf(&u, "%s%s", r->base, loc) < 0)
		return NULL;
	return u;
}

/* start_upload() - POST an upload session (with @mount_query); 201 → *ret_url NULL (mounted). */
static int start_upload(struct reg_repo *r, const char *mount_query, char **ret_url,
			bool *ret_chunked, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_response resp = {0};
	int rc;

	if (asprintf(&path, "/v2/%s/blobs/uploads/%s", r->repo, mount_query ? mount_query : "") < 0)
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = "POST",
			.url = path,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY,
			.actions = "pull,push"};
	rc = perform(r, &q, &resp, err);
	if (rc < 0)
		goto out;
	if (resp.status == 201 && mount_query) {
		*ret_url = NULL;
		goto out;
	}
	if (resp.status != 202) {
		rc = http_failure(r, &resp, "blob upload", err);
		goto out;
	}
	if (!resp.location || !(*ret_url = absolute_url(r, resp.location))) {
		rc = berr(err, EPROTO,
			  "%s: the registry started an upload without a usable Location", r->name);
		goto out;
	}
	if (ret_chunked)
		*ret_chunked = resp.chunk_min != NULL;
out:
	reg_response_done(&resp);
	return rc;
}

static char *with_digest(const char *url, const char *digest)
{
	char *u = NULL;
	if (asprintf(&u, "%s%cdigest=%s", url, strchr(url, '?') ? '&' : '?', digest) < 0)
		return NULL;
	return u;
}

int reg_blob_mount(struct reg_repo *r, const char *digest, const char *from_repo, berth_error *err)
{
	_cleanup_free_ char *query = NULL, *url = NULL;
	int rc;

	if (!reg_is_digest(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", r->name, digest);
	if (asprintf(&query, "?mount=%s&from=%s", digest, from_repo) < 0)
		return berr(err, ENOMEM, "out of memory");
	rc = start_upload(r, query, &url, NULL, err);
	if (rc < 0)
		return rc;
	if (!url)
		return 1;
	/* The registry opened an ordinary upload instead: cancel it, the caller uploads. */
	struct reg_response resp = {0};
	struct req q = {.method = "DELETE",
			.url = url,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY,
			.actions = "pull,push"};
	berth_error ignored = {0};
	(void)perform(r, &q, &resp, &ignored);
	reg_response_done(&resp);
	return 0;
}

/* upload_req() - a request sending @size bytes of @fd from @off, hashed as blob @digest. */
static struct req upload_req(const char *method, const char *url, const char *digest,
			     int64_t size, int fd, off_t off,
			     void (*progress)(void *, int64_t, int64_t), void *ud)
{
	struct req q = {.method = method,
			.url = url,
			.content_type = "application/octet-stream",
			.body_fd = fd,
			.body_off = off,
			.body_size = size,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY,
			.actions = "pull,push",
			.progress = progress,
			.ud = ud,
			.upload_digest = digest};
	return q;
}

static int put_blob(struct reg_repo *r, const char *url, const char *digest, int64_t size, int fd,
		    off_t off, void (*progress)(void *, int64_t, int64_t), void *ud,
		    berth_error *err)
{
	_cleanup_free_ char *put_url = with_digest(url, digest);
	struct reg_response resp = {0};
	int rc;

	if (!put_url)
		return berr(err, ENOMEM, "out of memory");
	struct req q = upload_req("PUT", put_url, digest, size, fd, off, progress, ud);
	if (size == 0) {
		q.body_fd = -1;
		q.content_type = NULL;
	}
	rc = perform(r, &q, &resp, err);
	if (rc == 0 && resp.status != 201) {
		rc = http_failure(r, &resp, "blob upload", err);
		/* These say "not like that": the caller retries in chunks. */
		if (resp.status == 405 || resp.status == 416 || resp.status == 501) {
			rc = -EOPNOTSUPP;
			if (err)
				err->code = rc;
		}
	}
	reg_response_done(&resp);
	return rc;
}

static int upload_chunked(struct reg_repo *r, const char *url, const char *digest, int64_t size,
			  int fd, off_t off, void (*progress)(void *, int64_t, int64_t), void *ud,
			  berth_error *err)
{
	_cleanup_free_ char *range = NULL, *next = NULL;
	struct reg_response resp = {0};
	int rc;

	if (size > 0) {
		if (asprintf(&range, "0-%lld", (long long)size - 1) < 0)
			return berr(err, ENOMEM, "out of memory");
		struct req q = upload_req("PATCH", url, digest, size, fd, off, progress, ud);
		q.content_range = range;
		rc = perform_expect(r, &q, &resp, 202, "blob upload", err);
		if (rc == 0 && (!resp.location || !(next = absolute_url(r, resp.location))))
			rc = berr(err, EPROTO,
				  "%s: the registry accepted a chunk without a Location", r->name);
		reg_response_done(&resp);
		if (rc < 0)
			return rc;
	}
	return put_blob(r, next ? next : url, digest, 0, -1, 0, NULL, NULL, err);
}

int reg_blob_upload(struct reg_repo *r, const char *digest, int64_t size, int fd,
		    void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		    berth_error *err)
{
	_cleanup_free_ char *url = NULL;
	bool chunked = false;
	off_t off;
	int rc;

	if (!reg_is_digest(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", r->name, digest);
	off = lseek(fd, 0, SEEK_CUR);
	if (off < 0)
		return berr_errno(err, errno, "%s: blob %s is not in a seekable file", r->name,
				  digest);
	rc = start_upload(r, NULL, &url, &chunked, err);
	if (rc < 0)
		return rc;
	if (chunked)
		return upload_chunked(r, url, digest, size, fd, off, progress, ud, err);
	rc = put_blob(r, url, digest, size, fd, off, progress, ud, err);
	if (rc != -EOPNOTSUPP)
		return rc;
	berr_clear(err);
	/* The registry refused a monolithic PUT: a fresh session, one PATCH, then PUT. */
	free(url);
	url = NULL;
	rc = start_upload(r, NULL, &url, NULL, err);
	if (rc < 0)
		return rc;
	return upload_chunked(r, url, digest, size, fd, off, progress, ud, err);
}

/* ---- listings --------------------------------------------------------------------------- */

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

/*
 * list_paginated() - GET @first and every rel="next" page, collecting the strings of array
 * @field; stops after @max entries or 10000 pages (a server must not keep us forever).
 */
static int list_paginated(struct reg_repo *r, const char *first, const char *field,
			  const char *actions, const char *scope, size_t max, char ***ret,
			  berth_error *err)
{
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_free_ char *url = strdup(first);
	size_t n = 0;
	int rc = 0;

	if (!url || !(v = calloc(1, sizeof(char *))))
		return berr(err, ENOMEM, "out of memory");
	for (int page = 0; url && page < 10000 && n < max; page++) {
		struct reg_response resp = {0};
		struct req q = {.method = "GET",
				.url = url,
				.body_fd = -1,
				.sink_fd = -1,
				.max_body = REG_MAX_SMALL_BODY,
				.actions = actions,
				.scope = scope};
		rc = perform_expect(r, &q, &resp, 200, field, err);
		if (rc < 0) {
			reg_response_done(&resp);
			return rc;
		}
		json_t *root = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
		json_t *arr = json_object_get(root, field), *e;
		size_t i;
		if (!json_is_array(arr) && !json_is_null(arr) && arr) {
			json_decref(root);
			reg_response_done(&resp);
			return berr(err, EBADMSG, "%s: the registry sent a malformed %s list",
				    r->name, field);
		}
		json_array_foreach(arr, i, e)
		{
			if (json_is_string(e) && n < max &&
			    strv_push(&v, &n, json_string_value(e)) < 0) {
				json_decref(root);
				reg_response_done(&resp);
				return berr(err, ENOMEM, "out of memory");
			}
		}
		json_decref(root);
		free(url);
		url = NULL;
		if (resp.link) {
			_cleanup_free_ char *next = reg_parse_link_next(resp.link);
			if (next)
				url = absolute_url(r, next);
		}
		reg_response_done(&resp);
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int reg_tags_list(struct reg_repo *r, char ***ret_tags, berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "/v2/%s/tags/list", r->repo) < 0)
		return berr(err, ENOMEM, "out of memory");
	return list_paginated(r, path, "tags", "pull", NULL, SIZE_MAX, ret_tags, err);
}

int reg_catalog(struct reg_repo *r, size_t max, char ***ret_repos, berth_error *err)
{
	return list_paginated(r, "/v2/_catalog?n=1000", "repositories", NULL, "registry:catalog:*",
			      max, ret_repos, err);
}

void reg_search_results_free(struct reg_search_result *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
	}
	free(v);
}

int reg_search_v1(struct reg_repo *r, const char *term, long limit, struct reg_search_result **ret,
		  berth_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_response resp = {0};
	struct reg_search_result *v = NULL;
	json_t *root = NULL, *arr, *e;
	size_t n = 0, i;
	char *esc;
	int rc;

	CURL *h = curl_easy_init();
	esc = h ? curl_easy_escape(h, term, 0) : NULL;
	if (h)
		curl_easy_cleanup(h);
	if (!esc)
		return berr(err, ENOMEM, "out of memory");
	rc = asprintf(&path, "/v1/search?q=%s&n=%ld", esc, limit > 0 ? limit : 25);
	curl_free(esc);
	if (rc < 0)
		return berr(err, ENOMEM, "out of memory");
	struct req q = {.method = "GET",
			.url = path,
			.body_fd = -1,
			.sink_fd = -1,
			.max_body = REG_MAX_SMALL_BODY};
	rc = perform(r, &q, &resp, err);
	if (rc < 0)
		goto out;
	if (resp.status == 404 || resp.status == 405 || resp.status == 401) {
		rc = -ENOENT;
		goto out;
	}
	if (resp.status != 200) {
		rc = http_failure(r, &resp, "search", err);
		goto out;
	}
	root = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	arr = json_object_get(root, "results");
	if (!json_is_array(arr)) {
		rc = -ENOENT; /* something else answers /v1/: treat it as "no search here" */
		goto out;
	}
	v = calloc(json_array_size(arr) + 1, sizeof(*v));
	if (!v) {
		rc = berr(err, ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *desc = json_string_value(json_object_get(e, "description"));
		if (!name)
			continue;
		v[n].name = strdup(name);
		v[n].description = strdup(desc ? desc : "");
		v[n].stars = (long)json_integer_value(json_object_get(e, "star_count"));
		v[n].official = json_is_true(json_object_get(e, "is_official"));
		v[n].automated = json_is_true(json_object_get(e, "is_automated"));
		n++;
		if (!v[n - 1].name || !v[n - 1].description) {
			rc = berr(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	*ret = TAKE_PTR(v);
	rc = (int)n;
out:
	reg_search_results_free(v, n);
	json_decref(root);
	reg_response_done(&resp);
	return rc;
}
