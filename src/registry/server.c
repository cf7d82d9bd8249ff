/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - the HTTP side of berth-registry (libmicrohttpd).
 *
 * Theory of operation: libmicrohttpd runs one epoll loop per core (a thread pool on one listen
 * socket we bind ourselves, so ":0" works and the chosen port can be reported). It calls
 * handle() several times per request: first with the headers (we route, authenticate and check
 * everything that can be checked before the body, answering errors at once), then once per piece
 * of body (streamed to an upload file while hashed, or collected in memory for manifests, capped
 * at 4 MiB), and finally with no data, when the answer is queued. request_done() writes the
 * access log line and releases what the request held.
 *
 * Chunked uploads keep their SHA-256 state in memory between PATCH requests (struct upload_state,
 * looked up by uuid); a state that is missing (server restarted, or the upload was started by
 * another registry on the same storage) is rebuilt by hashing the data already on disk. A blob is
 * renamed to its digest path only after the digest matched.
 *
 * A finished upload or manifest is made durable (fsync) before it becomes visible under its
 * digest. That takes milliseconds on a disk, and libmicrohttpd has one thread per core: done
 * there, it stalled every other client of that thread. So the request is suspended and handed
 * to a commit thread (commit_submit()), which stores it and resumes the connection; handle() is
 * then called once more and answers. Several commits in flight share the journal's commits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/registry.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/sha256.h"

#define UPLOAD_STATES_MAX 4096
#define URL_MAX 2048
#define ACCEPT_MAX 4096
#define COMMIT_THREADS 8
/* Start writing an upload back every this many bytes, so the fsync that makes it durable finds
 * little left to write (a 1 GB blob otherwise waited seconds for its whole write-back at the
 * end, as its client waited for the answer). */
#define UPLOAD_WRITEBACK_STEP (8 << 20)
/* libmicrohttpd hands an upload's body over in pieces of about 16 KiB (its per-connection
 * memory; a larger pool is zeroed on every request, which small requests pay for). The pieces
 * are gathered up to this much before they are written and hashed: one write() per 256 KiB
 * instead of one per piece. */
#define UPLOAD_BUF_MAX (256 * 1024)

/* An upload's running hash, kept between its PATCH requests. */
struct upload_state {
	struct upload_state *next;
	char uuid[65];
	struct sha256 *hash;
	off_t offset;
	bool busy;
};

/* Manifests and blobs are immutable under their digest: the small ones are kept as finished
 * answers (headers included) that every request shares, manifests verified once when read from
 * disk. A blob's answer is used only while its data file is still the one it was read from
 * (garbage collection may remove it). Direct-mapped by the digest's first bytes. */
#define RCACHE_SLOTS 1024
#define RCACHE_ENTRY_MAX (16 * 1024)
#define RCACHE_BYTES_MAX (4 * 1024 * 1024) /* memory is a goal too: at most this much */

struct rcache_entry {
	char hex[65];
	bool blob;
	char *type;		    /* manifests: the media type, for Accept */
	struct stat st;		    /* blobs: the data file */
	struct MHD_Response *resp; /* NULL: slot empty */
	size_t len;
};

struct server {
	pthread_mutex_t rcache_lock;
	struct rcache_entry rcache[RCACHE_SLOTS];
	size_t rcache_bytes;
	struct reg_store store;
	const struct reg_config *cfg;
	struct reg_auth *auth;
	pthread_mutex_t lock;
	struct upload_state *uploads;
	size_t n_uploads;
	/* the commit threads and their queue of suspended requests */
	pthread_mutex_t commit_lock;
	pthread_cond_t commit_cond;
	struct req *commit_head, **commit_tail;
	bool commit_stop;
	pthread_t commit_threads[COMMIT_THREADS];
	unsigned n_commit_threads;
};

enum route_kind {
	R_NONE,
	R_PING,
	R_CATALOG,
	R_SEARCH,
	R_TAGS,
	R_MANIFEST,
	R_BLOB,
	R_UPLOAD_START,
	R_UPLOAD,
	R_REFERRERS,
};

enum body_mode { BODY_NONE, BODY_MEM, BODY_FILE };

/* Per-request state, from the first call of handle() to request_done(). */
struct req {
	enum route_kind kind;
	bool deferred;
	char name[REG_NAME_MAX + 1];
	char ref[URL_MAX];
	char method[16];
	char url[URL_MAX];
	enum body_mode body;
	/* BODY_MEM */
	char *mem;
	size_t mem_len;
	/* BODY_FILE */
	int fd;
	struct upload_state *up;
	bool up_broken;
	char *wbuf; /* received, not yet written nor hashed */
	size_t wlen, wcap;
	char uuid[65];
	char want_digest[REG_DIGEST_LEN + 1];
	bool is_new_upload;
	/* an error found while the body streamed in, answered at the end */
	unsigned err_status;
	const char *err_code;
	char err_detail[512];
	/* the storage work done on a commit thread (see commit_submit()) */
	enum { COMMIT_NONE, COMMIT_QUEUED, COMMIT_DONE } commit;
	int (*commit_fn)(struct server *srv, struct req *rq);
	struct req *commit_next;
	struct MHD_Connection *conn;
	int commit_r;
	char hex[65];	  /* the digest stored */
	char subject[65]; /* manifests: their subject's digest, or "" */
	/* access log */
	unsigned status;
	uint64_t bytes;
};

/* ---- responses ---- */

static const char *code_message(const char *code)
{
	static const struct {
		const char *code, *msg;
	} table[] = {
		{ "BLOB_UNKNOWN", "blob unknown to registry" },
		{ "BLOB_UPLOAD_INVALID", "blob upload invalid" },
		{ "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry" },
		{ "DIGEST_INVALID", "provided digest did not match uploaded content" },
		{ "MANIFEST_BLOB_UNKNOWN", "manifest references a manifest or blob unknown to registry" },
		{ "MANIFEST_INVALID", "manifest invalid" },
		{ "MANIFEST_UNKNOWN", "manifest unknown" },
		{ "NAME_INVALID", "invalid repository name" },
		{ "NAME_UNKNOWN", "repository name not known to registry" },
		{ "SIZE_INVALID", "provided length did not match content length" },
		{ "TAG_INVALID", "manifest tag did not match URI" },
		{ "UNAUTHORIZED", "authentication required" },
		{ "DENIED", "requested access to the resource is denied" },
		{ "UNSUPPORTED", "the operation is unsupported" },
		{ "RANGE_INVALID", "invalid content range" },
		{ "PAGINATION_NUMBER_INVALID", "invalid number of results requested" },
		{ "UNKNOWN", "unknown error" },
	};
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (strcmp(table[i].code, code) == 0)
			return table[i].msg;
	return "error";
}

static void add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Docker-Distribution-API-Version", "registry/2.0");
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct req *rq, unsigned status,
			     struct MHD_Response *resp, uint64_t bytes)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	add_common_headers(resp);
	rq->status = status;
	rq->bytes = bytes;
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static struct MHD_Response *buffer_response(const char *data, size_t len)
{
	return MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
}

/* Takes ownership of @j. */
static enum MHD_Result respond_json(struct MHD_Connection *conn, struct req *rq, unsigned status,
				    json_t *j, const char *content_type, struct MHD_Response **keep)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	size_t len;

	json_decref(j);
	if (!s)
		return MHD_NO;
	len = strlen(s);
	resp = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", content_type);
	if (keep) {
		*keep = resp;
		return MHD_YES;
	}
	return queue(conn, rq, status, resp, len);
}

static struct MHD_Response *error_response(const char *code, const char *detail, size_t *ret_len)
{
	json_t *e = json_pack("{s:[{s:s,s:s,s:s}]}", "errors", "code", code, "message",
			      code_message(code), "detail", detail ? detail : "");
	char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;

	json_decref(e);
	if (!s)
		return NULL;
	*ret_len = strlen(s);
	resp = MHD_create_response_from_buffer(*ret_len, s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	return resp;
}

static enum MHD_Result respond_error(struct MHD_Connection *conn, struct req *rq,
				     unsigned status, const char *code, const char *fmt, ...)
	_printf_(5, 6);
static enum MHD_Result respond_error(struct MHD_Connection *conn, struct req *rq,
				     unsigned status, const char *code, const char *fmt, ...)
{
	char detail[1024];
	size_t len = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	struct MHD_Response *resp = error_response(code, detail, &len);
	return queue(conn, rq, status, resp, len);
}

/* Remember an error found mid-body; it is answered once the body has been read. */
static void defer_error(struct req *rq, unsigned status, const char *code, const char *fmt, ...)
	_printf_(4, 5);
static void defer_error(struct req *rq, unsigned status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (rq->err_status)
		return;
	rq->err_status = status;
	rq->err_code = code;
	va_start(ap, fmt);
	vsnprintf(rq->err_detail, sizeof(rq->err_detail), fmt, ap);
	va_end(ap);
}

static enum MHD_Result respond_empty(struct MHD_Connection *conn, struct req *rq, unsigned status,
				     struct MHD_Response **ret)
{
	struct MHD_Response *resp = buffer_response("", 0);

	if (!resp)
		return MHD_NO;
	*ret = resp;
	(void)conn;
	(void)rq;
	(void)status;
	return MHD_YES;
}

/* ---- routing ---- */

/* Splits the path after /v2/ into name + endpoint; see the ambiguity note in DESIGN: the
 * endpoint keywords are matched from the end, as distribution's router does. */
static void route(const char *url, struct req *rq)
{
	char buf[URL_MAX];
	const char *comp[URL_MAX / 2];
	size_t n = 0, k = 0;

	rq->kind = R_NONE;
	if (strcmp(url, "/v2/") == 0 || strcmp(url, "/v2") == 0) {
		rq->kind = R_PING;
		return;
	}
	if (strcmp(url, "/v2/_catalog") == 0) {
		rq->kind = R_CATALOG;
		return;
	}
	if (strcmp(url, "/v1/search") == 0) {
		rq->kind = R_SEARCH;
		return;
	}
	if (strncmp(url, "/v2/", 4) != 0 || strlen(url + 4) >= sizeof(buf))
		return;
	strcpy(buf, url + 4);
	comp[n++] = buf;
	for (char *p = buf; *p; p++)
		if (*p == '/') {
			*p = '\0';
			comp[n++] = p + 1;
		}
	if (n >= 3 && strcmp(comp[n - 2], "tags") == 0 && strcmp(comp[n - 1], "list") == 0) {
		rq->kind = R_TAGS;
		k = n - 2;
	} else if (n >= 4 && strcmp(comp[n - 3], "blobs") == 0 &&
		   strcmp(comp[n - 2], "uploads") == 0) {
		rq->kind = *comp[n - 1] ? R_UPLOAD : R_UPLOAD_START;
		k = n - 3;
	} else if (n >= 3 && strcmp(comp[n - 2], "blobs") == 0 &&
		   strcmp(comp[n - 1], "uploads") == 0) {
		rq->kind = R_UPLOAD_START;
		k = n - 2;
	} else if (n >= 2 && strcmp(comp[n - 2], "manifests") == 0) {
		rq->kind = R_MANIFEST;
		k = n - 2;
	} else if (n >= 2 && strcmp(comp[n - 2], "blobs") == 0) {
		rq->kind = R_BLOB;
		k = n - 2;
	} else if (n >= 2 && strcmp(comp[n - 2], "referrers") == 0) {
		rq->kind = R_REFERRERS;
		k = n - 2;
	} else {
		return;
	}
	if (rq->kind != R_TAGS && rq->kind != R_UPLOAD_START)
		snprintf(rq->ref, sizeof(rq->ref), "%s", comp[n - 1]);
	/* the name: components 0..k-1 joined by '/'; too long or empty fails reg_name_valid() */
	size_t len = k > 0 ? (size_t)(comp[k] - buf) - 1 : 0;
	if (k == 0 || len > REG_NAME_MAX) {
		rq->name[0] = '\0';
		return;
	}
	for (size_t i = 0; i < len; i++)
		rq->name[i] = buf[i] ? buf[i] : '/';
	rq->name[len] = '\0';
}

static const char *arg(struct MHD_Connection *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *header(struct MHD_Connection *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, key);
}

static bool is_write(const char *method)
{
	return strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ||
	       strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

/* ---- upload states ---- */

static void upload_state_free(struct upload_state *st)
{
	if (!st)
		return;
	sha256_free(st->hash);
	free(st);
}

/* Take an upload's state for the duration of one request; NULL when unknown, *busy when another
 * request holds it. */
static struct upload_state *upload_take(struct server *srv, const char *uuid, bool *busy)
{
	struct upload_state *st;

	*busy = false;
	pthread_mutex_lock(&srv->lock);
	for (st = srv->uploads; st; st = st->next)
		if (strcmp(st->uuid, uuid) == 0)
			break;
	if (st) {
		if (st->busy)
			*busy = true;
		else
			st->busy = true;
	}
	pthread_mutex_unlock(&srv->lock);
	return *busy ? NULL : st;
}

static void upload_release(struct server *srv, struct upload_state *st)
{
	pthread_mutex_lock(&srv->lock);
	st->busy = false;
	pthread_mutex_unlock(&srv->lock);
}

/* Insert a new, busy state; when the table is full, forget the oldest idle state (it can be
 * rebuilt from disk). */
static void upload_insert(struct server *srv, struct upload_state *st)
{
	pthread_mutex_lock(&srv->lock);
	st->busy = true;
	if (srv->n_uploads >= UPLOAD_STATES_MAX) {
		struct upload_state **pp, **victim = NULL;
		for (pp = &srv->uploads; *pp; pp = &(*pp)->next)
			if (!(*pp)->busy)
				victim = pp;
		if (victim) {
			struct upload_state *v = *victim;
			*victim = v->next;
			upload_state_free(v);
			srv->n_uploads--;
		}
	}
	st->next = srv->uploads;
	srv->uploads = st;
	srv->n_uploads++;
	pthread_mutex_unlock(&srv->lock);
}

static void upload_remove(struct server *srv, struct upload_state *st)
{
	pthread_mutex_lock(&srv->lock);
	for (struct upload_state **pp = &srv->uploads; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			srv->n_uploads--;
			break;
		}
	pthread_mutex_unlock(&srv->lock);
	upload_state_free(st);
}

static int hash_existing(struct sha256 *h, int fd, off_t size)
{
	char buf[65536];
	off_t off = 0;

	while (off < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		sha256_update(h, buf, (size_t)n);
		off += n;
	}
	return 0;
}

/* Open an upload for appending and attach its hash state to @rq. */
static int upload_attach(struct server *srv, struct req *rq, const char *uuid, bool fresh)
{
	off_t size = 0;
	bool busy;
	int r;

	if (uuid != rq->uuid)
		snprintf(rq->uuid, sizeof(rq->uuid), "%s", uuid);
	rq->fd = reg_upload_open(&srv->store, rq->name, uuid, &size);
	if (rq->fd < 0)
		return rq->fd;
	rq->up = fresh ? NULL : upload_take(srv, uuid, &busy);
	if (!fresh && busy)
		return -EBUSY;
	if (rq->up && rq->up->offset != size) {
		/* The file changed behind our back (another process): start over from disk. */
		sha256_free(rq->up->hash);
		rq->up->hash = NULL;
	}
	if (!rq->up) {
		rq->up = calloc(1, sizeof(*rq->up));
		if (!rq->up)
			return -ENOMEM;
		snprintf(rq->up->uuid, sizeof(rq->up->uuid), "%s", uuid);
		upload_insert(srv, rq->up);
	}
	if (!rq->up->hash) {
		rq->up->hash = sha256_new();
		if (!rq->up->hash)
			return -ENOMEM;
		r = hash_existing(rq->up->hash, rq->fd, size);
		if (r < 0)
			return r;
		rq->up->offset = size;
	}
	rq->body = BODY_FILE;
	return 0;
}

/* ---- handlers ---- */

static enum MHD_Result upload_location(struct MHD_Connection *conn, struct req *rq,
				       unsigned status, off_t size)
{
	char loc[URL_MAX], range[64];
	struct MHD_Response *resp = buffer_response("", 0);

	if (!resp)
		return MHD_NO;
	snprintf(loc, sizeof(loc), "/v2/%s/blobs/uploads/%s", rq->name, rq->uuid);
	snprintf(range, sizeof(range), "0-%lld", (long long)(size > 0 ? size - 1 : 0));
	MHD_add_response_header(resp, "Location", loc);
	MHD_add_response_header(resp, "Range", range);
	MHD_add_response_header(resp, "Docker-Upload-UUID", rq->uuid);
	MHD_add_response_header(resp, "Content-Length", "0");
	return queue(conn, rq, status, resp, 0);
}

static enum MHD_Result blob_created(struct MHD_Connection *conn, struct req *rq, const char *hex)
{
	char loc[URL_MAX], digest[REG_DIGEST_LEN + 1];
	struct MHD_Response *resp = buffer_response("", 0);

	if (!resp)
		return MHD_NO;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	snprintf(loc, sizeof(loc), "/v2/%s/blobs/%s", rq->name, digest);
	MHD_add_response_header(resp, "Location", loc);
	MHD_add_response_header(resp, "Docker-Content-Digest", digest);
	return queue(conn, rq, 201, resp, 0);
}

/* ---- the commit threads ---- */

static enum MHD_Result commit_answer(struct MHD_Connection *conn, struct req *rq);

/* Run the queued requests' storage work; resume each one's connection when it is done. */
static void *commit_thread(void *arg)
{
	struct server *srv = arg;

	pthread_mutex_lock(&srv->commit_lock);
	for (;;) {
		struct req *rq;

		while (!srv->commit_head && !srv->commit_stop)
			pthread_cond_wait(&srv->commit_cond, &srv->commit_lock);
		rq = srv->commit_head;
		if (!rq)
			break; /* stopping, and nothing left to do */
		srv->commit_head = rq->commit_next;
		if (!srv->commit_head)
			srv->commit_tail = &srv->commit_head;
		pthread_mutex_unlock(&srv->commit_lock);
		rq->commit_r = rq->commit_fn(srv, rq);
		rq->commit = COMMIT_DONE;
		/* libmicrohttpd takes a lock here: what we wrote is seen by its thread after */
		MHD_resume_connection(rq->conn);
		pthread_mutex_lock(&srv->commit_lock);
	}
	pthread_mutex_unlock(&srv->commit_lock);
	return NULL;
}

/**
 * commit_submit() - store a finished request away from libmicrohttpd's threads
 * @fn: the storage work (fsync, rename, links); its result goes to @rq->commit_r
 *
 * Suspends @conn and queues @rq for a commit thread, which resumes @conn when @fn is done;
 * handle() then answers through commit_answer(). With no commit thread (none could be
 * started, or the server is stopping) @fn runs here and the answer is queued at once.
 */
static enum MHD_Result commit_submit(struct server *srv, struct MHD_Connection *conn,
				     struct req *rq, int (*fn)(struct server *, struct req *))
{
	pthread_mutex_lock(&srv->commit_lock);
	if (srv->n_commit_threads == 0 || srv->commit_stop) {
		pthread_mutex_unlock(&srv->commit_lock);
		rq->commit_r = fn(srv, rq);
		rq->commit = COMMIT_DONE;
		return commit_answer(conn, rq);
	}
	rq->commit_fn = fn;
	rq->conn = conn;
	rq->commit = COMMIT_QUEUED;
	rq->commit_next = NULL;
	MHD_suspend_connection(conn); /* before a commit thread can resume it */
	*srv->commit_tail = rq;
	srv->commit_tail = &rq->commit_next;
	pthread_cond_signal(&srv->commit_cond);
	pthread_mutex_unlock(&srv->commit_lock);
	return MHD_YES;
}

static void commit_threads_start(struct server *srv)
{
	pthread_mutex_init(&srv->commit_lock, NULL);
	pthread_cond_init(&srv->commit_cond, NULL);
	srv->commit_tail = &srv->commit_head;
	for (unsigned i = 0; i < COMMIT_THREADS; i++) {
		if (pthread_create(&srv->commit_threads[i], NULL, commit_thread, srv) != 0)
			break; /* fewer threads; with none, commits run inline */
		srv->n_commit_threads++;
	}
}

/* Finish what is queued (resuming those connections), then end the threads. Later commits
 * run inline. */
static void commit_threads_stop(struct server *srv)
{
	pthread_mutex_lock(&srv->commit_lock);
	srv->commit_stop = true;
	pthread_cond_broadcast(&srv->commit_cond);
	pthread_mutex_unlock(&srv->commit_lock);
	for (unsigned i = 0; i < srv->n_commit_threads; i++)
		pthread_join(srv->commit_threads[i], NULL);
}

/* Parse "bytes=a-b", "bytes=a-", "bytes=-n" against @size. */
static bool parse_range(const char *h, off_t size, off_t *ret_start, off_t *ret_end)
{
	long long a = -1, b = -1;
	char *end;

	if (strncmp(h, "bytes=", 6) != 0)
		return false;
	h += 6;
	if (*h == '-') {
		b = strtoll(h + 1, &end, 10);
		if (end == h + 1 || *end || b <= 0)
			return false;
		if (b > size)
			b = size;
		*ret_start = size - b;
		*ret_end = size - 1;
		return size > 0;
	}
	a = strtoll(h, &end, 10);
	if (end == h || *end != '-' || a < 0)
		return false;
	h = end + 1;
	if (*h) {
		b = strtoll(h, &end, 10);
		if (*end || b < a)
			return false;
	}
	if (a >= size)
		return false;
	if (b < 0 || b >= size)
		b = size - 1;
	*ret_start = a;
	*ret_end = b;
	return true;
}

static enum MHD_Result blob_delete(struct server *srv, struct MHD_Connection *conn,
				   struct req *rq, const char *hex)
{
	struct MHD_Response *resp;

	if (!srv->cfg->delete_enabled)
		return respond_error(conn, rq, 405, "UNSUPPORTED",
				     "deletion is disabled; set storage.delete.enabled");
	if (!reg_repo_has_layer(&srv->store, rq->name, hex))
		return respond_error(conn, rq, 404, "BLOB_UNKNOWN", "blob %s is not in repository %s",
				     rq->ref, rq->name);
	if (reg_repo_unlink_layer(&srv->store, rq->name, hex) < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "could not delete blob %s", rq->ref);
	if (respond_empty(conn, rq, 202, &resp) != MHD_YES)
		return MHD_NO;
	MHD_add_response_header(resp, "Docker-Content-Digest", rq->ref);
	return queue(conn, rq, 202, resp, 0);
}

/* Concatenate every Accept header (Go clients send one per media type). */
struct accept_acc {
	char buf[ACCEPT_MAX];
	size_t len;
	bool any;
};

static enum MHD_Result accept_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct accept_acc *a = cls;

	(void)kind;
	if (strcasecmp(key, "Accept") != 0 || !value)
		return MHD_YES;
	a->any = true;
	int n = snprintf(a->buf + a->len, sizeof(a->buf) - a->len, "%s,", value);
	if (n > 0 && a->len + (size_t)n < sizeof(a->buf))
		a->len += (size_t)n;
	return MHD_YES;
}

static bool accepts(struct MHD_Connection *conn, const char *type)
{
	struct accept_acc a = { .len = 0 };
	char *save = NULL;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, accept_cb, &a);
	if (!a.any)
		return true;
	for (char *tok = strtok_r(a.buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t n = strcspn(tok, "; \t");
		if ((n == strlen(type) && strncmp(tok, type, n) == 0) ||
		    (n == 3 && strncmp(tok, "*/*", 3) == 0) ||
		    (n == 13 && strncmp(tok, "application/*", 13) == 0))
			return true;
	}
	return false;
}

/* The media type of a stored manifest: its mediaType field, else guessed as on PUT. */
static char *manifest_media_type(const char *data, size_t len)
{
	json_t *root = json_loadb(data, len, 0, NULL);
	json_t *mt = json_object_get(root, "mediaType");
	char *ret;

	if (json_is_string(mt))
		ret = strdup(json_string_value(mt));
	else if (json_object_get(root, "manifests"))
		ret = strdup(REG_MT_OCI_INDEX);
	else if (json_object_get(root, "signatures"))
		ret = strdup("application/vnd.docker.distribution.manifest.v1+prettyjws");
	else
		ret = strdup(REG_MT_OCI_MANIFEST);
	json_decref(root);
	return ret;
}

static int resolve_ref(struct server *srv, struct req *rq, char hex[65])
{
	if (strchr(rq->ref, ':')) {
		if (!reg_digest_parse(rq->ref, hex))
			return -EINVAL;
		return reg_repo_has_revision(&srv->store, rq->name, hex) ? 0 : -ENOENT;
	}
	/* A tag whose revision is gone is unknown, as in distribution. */
	if (reg_repo_tag_resolve(&srv->store, rq->name, rq->ref, hex) < 0 ||
	    !reg_repo_has_revision(&srv->store, rq->name, hex))
		return -ENOENT;
	return 0;
}

static struct rcache_entry *rcache_slot(struct server *srv, const char *hex, bool blob)
{
	unsigned h = (unsigned)strtoul((char[]){ hex[0], hex[1], hex[2], hex[3], 0 }, NULL, 16);

	return &srv->rcache[(h * 2 + blob) % RCACHE_SLOTS];
}

/* Queue the cached answer for @hex (@st: the blob's data file; NULL for a manifest). False on a
 * miss, and for a manifest the Accept header refuses (answered the long way). */
static bool rcache_queue(struct server *srv, struct MHD_Connection *conn, struct req *rq,
			 const char *hex, const struct stat *st, bool head, enum MHD_Result *ret)
{
	struct rcache_entry *e = rcache_slot(srv, hex, st != NULL);
	bool hit;

	pthread_mutex_lock(&srv->rcache_lock);
	hit = e->resp && strcmp(e->hex, hex) == 0 && (st ? reg_stat_same(&e->st, st) : true) &&
	      (!e->type || accepts(conn, e->type));
	if (hit) {
		/* under the lock: queueing takes libmicrohttpd's reference before any eviction */
		rq->status = 200;
		rq->bytes = head ? 0 : e->len;
		*ret = MHD_queue_response(conn, 200, e->resp);
	}
	pthread_mutex_unlock(&srv->rcache_lock);
	return hit;
}

/* Keep @resp as the answer for @hex: true when the cache took the caller's reference (queue the
 * response before, so that an eviction cannot free it under the request). */
static bool rcache_put(struct server *srv, const char *hex, const struct stat *st,
		       const char *type, struct MHD_Response *resp, size_t len)
{
	struct rcache_entry *e = rcache_slot(srv, hex, st != NULL);
	struct MHD_Response *old = NULL;
	char *t = NULL;

	if (len > RCACHE_ENTRY_MAX || (type && !(t = strdup(type))))
		return false;
	pthread_mutex_lock(&srv->rcache_lock);
	if (srv->rcache_bytes - (e->resp ? e->len : 0) + len > RCACHE_BYTES_MAX) {
		pthread_mutex_unlock(&srv->rcache_lock);
		free(t);
		return false;
	}
	old = e->resp;
	if (old)
		srv->rcache_bytes -= e->len;
	free(e->type);
	memcpy(e->hex, hex, 65);
	e->blob = st != NULL;
	if (st)
		e->st = *st;
	e->type = t;
	e->resp = resp;
	e->len = len;
	srv->rcache_bytes += len;
	pthread_mutex_unlock(&srv->rcache_lock);
	if (old)
		MHD_destroy_response(old);
	return true;
}

/* Queue the complete 200 answer @resp, and offer it to the cache. */
static enum MHD_Result queue_cached(struct server *srv, struct MHD_Connection *conn,
				    struct req *rq, struct MHD_Response *resp, const char *hex,
				    const struct stat *st, const char *type, size_t len, bool head)
{
	enum MHD_Result ret;

	add_common_headers(resp);
	rq->status = 200;
	rq->bytes = head ? 0 : len;
	ret = MHD_queue_response(conn, 200, resp);
	if (ret != MHD_YES || !rcache_put(srv, hex, st, type, resp, len))
		MHD_destroy_response(resp);
	return ret;
}

static void rcache_clear(struct server *srv)
{
	for (size_t i = 0; i < RCACHE_SLOTS; i++) {
		if (srv->rcache[i].resp)
			MHD_destroy_response(srv->rcache[i].resp);
		free(srv->rcache[i].type);
	}
}

static void blob_headers(struct MHD_Response *resp, const char *digest)
{
	MHD_add_response_header(resp, "Docker-Content-Digest", digest);
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	MHD_add_response_header(resp, "Cache-Control", "max-age=31536000");
	MHD_add_response_header(resp, "ETag", digest);
}

/* A whole small blob from memory: one send for headers and body, and cached. Closes @fd. */
static enum MHD_Result small_blob_get(struct server *srv, struct MHD_Connection *conn,
				      struct req *rq, const char *hex, int fd, bool head)
{
	_cleanup_close_ int cfd = fd;
	_cleanup_free_ char *data = NULL;
	char digest[REG_DIGEST_LEN + 1];
	struct MHD_Response *resp;
	struct stat st;
	size_t len;

	if (read_fd_all(fd, RCACHE_ENTRY_MAX, &data, &len, NULL) < 0 || fstat(fd, &st) < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "reading blob %s failed", rq->ref);
	resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	data = NULL;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	blob_headers(resp, digest);
	return queue_cached(srv, conn, rq, resp, hex, &st, NULL, len, head);
}

static enum MHD_Result blob_get(struct server *srv, struct MHD_Connection *conn, struct req *rq,
				const char *hex, bool head)
{
	char digest[REG_DIGEST_LEN + 1], cr[96];
	const char *range = header(conn, "Range");
	struct MHD_Response *resp;
	off_t size, start = 0, end;
	unsigned status = 200;
	enum MHD_Result ret;
	struct stat st;
	int fd;

	if (!reg_repo_links_blob(&srv->store, rq->name, hex))
		return respond_error(conn, rq, 404, "BLOB_UNKNOWN", "blob %s is not in repository %s",
				     rq->ref, rq->name);
	if ((!range || head) && reg_blob_stat(&srv->store, hex, &st) == 0 &&
	    rcache_queue(srv, conn, rq, hex, &st, head, &ret))
		return ret;
	fd = reg_blob_open(&srv->store, hex, &size);
	if (fd < 0)
		return respond_error(conn, rq, 404, "BLOB_UNKNOWN", "blob %s has no data", rq->ref);
	if ((!range || head) && size <= RCACHE_ENTRY_MAX)
		return small_blob_get(srv, conn, rq, hex, fd, head);
	end = size - 1;
	if (range && !head) {
		if (!parse_range(range, size, &start, &end)) {
			close(fd);
			snprintf(cr, sizeof(cr), "bytes */%lld", (long long)size);
			size_t len = 0;
			resp = error_response("RANGE_INVALID", "the Range header does not fit the blob",
					      &len);
			if (resp)
				MHD_add_response_header(resp, "Content-Range", cr);
			return queue(conn, rq, 416, resp, len);
		}
		status = 206;
		snprintf(cr, sizeof(cr), "bytes %lld-%lld/%lld", (long long)start, (long long)end,
			 (long long)size);
	}
	if (size == 0) {
		close(fd);
		resp = buffer_response("", 0);
	} else {
		resp = MHD_create_response_from_fd_at_offset64((uint64_t)(end - start + 1), fd,
							       (uint64_t)start);
		if (!resp)
			close(fd);
	}
	if (!resp)
		return MHD_NO;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	blob_headers(resp, digest);
	if (status == 206)
		MHD_add_response_header(resp, "Content-Range", cr);
	return queue(conn, rq, status, resp, head ? 0 : (uint64_t)(end - start + 1));
}

static enum MHD_Result manifest_get(struct server *srv, struct MHD_Connection *conn,
				    struct req *rq, bool head)
{
	_cleanup_free_ char *data = NULL, *type = NULL;
	char hex[65], got[65], digest[REG_DIGEST_LEN + 1], etag[REG_DIGEST_LEN + 3];
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	int r;

	r = resolve_ref(srv, rq, hex);
	if (r == -EINVAL)
		return respond_error(conn, rq, 400, "DIGEST_INVALID", "%s is not a sha256 digest",
				     rq->ref);
	if (r < 0)
		return respond_error(conn, rq, 404, "MANIFEST_UNKNOWN",
				     "manifest %s is not in repository %s", rq->ref, rq->name);
	if (rcache_queue(srv, conn, rq, hex, NULL, head, &ret))
		return ret;
	if (reg_blob_read(&srv->store, hex, REG_MANIFEST_MAX, &data, &len) < 0)
		return respond_error(conn, rq, 404, "MANIFEST_UNKNOWN",
				     "manifest %s of %s has no data in the storage", rq->ref,
				     rq->name);
	sha256_hex_of(data, len, got);
	if (strcmp(got, hex) != 0) {
		log_error("storage: blob sha256:%s holds content with digest sha256:%s", hex, got);
		return respond_error(conn, rq, 500, "UNKNOWN", "the stored manifest %s is corrupted",
				     rq->ref);
	}
	type = manifest_media_type(data, len);
	if (!type)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	data = NULL;
	if (!accepts(conn, type)) {
		MHD_destroy_response(resp);
		return respond_error(conn, rq, 404, "MANIFEST_UNKNOWN",
				     "manifest %s is a %s, which the Accept header does not allow",
				     rq->ref, type);
	}
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	snprintf(etag, sizeof(etag), "\"%s\"", digest);
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Docker-Content-Digest", digest);
	MHD_add_response_header(resp, "ETag", etag);
	return queue_cached(srv, conn, rq, resp, hex, NULL, type, len, head);
}

/* On a commit thread: the manifest's blob (made durable), its revision link and its tag. */
static int manifest_store(struct server *srv, struct req *rq)
{
	int r = reg_blob_put(&srv->store, rq->hex, rq->mem ? rq->mem : "", rq->mem_len);

	if (r == 0)
		r = reg_repo_link_revision(&srv->store, rq->name, rq->hex);
	if (r == 0 && !strchr(rq->ref, ':'))
		r = reg_repo_tag_set(&srv->store, rq->name, rq->ref, rq->hex);
	return r;
}

static enum MHD_Result manifest_stored(struct MHD_Connection *conn, struct req *rq)
{
	char digest[REG_DIGEST_LEN + 1], loc[URL_MAX];
	struct MHD_Response *resp;

	if (rq->commit_r < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "storing the manifest failed: %s",
				     strerror(-rq->commit_r));
	resp = buffer_response("", 0);
	if (!resp)
		return MHD_NO;
	snprintf(digest, sizeof(digest), "sha256:%s", rq->hex);
	snprintf(loc, sizeof(loc), "/v2/%s/manifests/%s", rq->name, digest);
	MHD_add_response_header(resp, "Location", loc);
	MHD_add_response_header(resp, "Docker-Content-Digest", digest);
	if (rq->subject[0]) {
		char subj[REG_DIGEST_LEN + 1];
		snprintf(subj, sizeof(subj), "sha256:%s", rq->subject);
		MHD_add_response_header(resp, "OCI-Subject", subj);
	}
	return queue(conn, rq, 201, resp, 0);
}

static enum MHD_Result manifest_put(struct server *srv, struct MHD_Connection *conn,
				    struct req *rq)
{
	char hex[65], want[65];
	struct reg_manifest m;
	berth_error err = { 0 };
	bool by_digest = strchr(rq->ref, ':') != NULL;
	int r;

	sha256_hex_of(rq->mem ? rq->mem : "", rq->mem_len, hex);
	if (by_digest && (!reg_digest_parse(rq->ref, want) || strcmp(want, hex) != 0))
		return respond_error(conn, rq, 400, "DIGEST_INVALID",
				     "the manifest's digest is sha256:%s, not %s", hex, rq->ref);
	r = reg_manifest_parse(rq->mem ? rq->mem : "", rq->mem_len,
			       header(conn, "Content-Type"), &m, &err);
	if (r < 0)
		return respond_error(conn, rq, 400, "MANIFEST_INVALID", "%s", err.msg);
	for (size_t i = 0; i < m.n_refs; i++) {
		bool ok = m.is_index ? reg_repo_has_revision(&srv->store, rq->name, m.refs[i]) &&
					       reg_blob_exists(&srv->store, m.refs[i], NULL)
				     : reg_repo_has_layer(&srv->store, rq->name, m.refs[i]);
		if (!ok) {
			enum MHD_Result ret = respond_error(
				conn, rq, 400, "MANIFEST_BLOB_UNKNOWN",
				"the manifest references sha256:%s, which is not in repository %s; "
				"push it first",
				m.refs[i], rq->name);
			reg_manifest_done(&m);
			return ret;
		}
	}
	snprintf(rq->hex, sizeof(rq->hex), "%s", hex);
	snprintf(rq->subject, sizeof(rq->subject), "%s", m.subject);
	reg_manifest_done(&m);
	return commit_submit(srv, conn, rq, manifest_store);
}

static enum MHD_Result manifest_delete(struct server *srv, struct MHD_Connection *conn,
				       struct req *rq)
{
	struct MHD_Response *resp;
	char hex[65];
	int r;

	if (!srv->cfg->delete_enabled)
		return respond_error(conn, rq, 405, "UNSUPPORTED",
				     "deletion is disabled; set storage.delete.enabled");
	r = resolve_ref(srv, rq, hex);
	if (r == -EINVAL)
		return respond_error(conn, rq, 400, "DIGEST_INVALID", "%s is not a sha256 digest",
				     rq->ref);
	if (r < 0)
		return respond_error(conn, rq, 404, "MANIFEST_UNKNOWN",
				     "manifest %s is not in repository %s", rq->ref, rq->name);
	if (strchr(rq->ref, ':'))
		r = reg_repo_delete_revision(&srv->store, rq->name, hex);
	else
		r = reg_repo_tag_delete(&srv->store, rq->name, rq->ref);
	if (r < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "deleting %s failed: %s", rq->ref,
				     strerror(-r));
	if (respond_empty(conn, rq, 202, &resp) != MHD_YES)
		return MHD_NO;
	return queue(conn, rq, 202, resp, 0);
}

/* Parse ?n= (absent: @dflt); false when it is not a number. */
static bool parse_n(struct MHD_Connection *conn, long *ret, long dflt)
{
	const char *s = arg(conn, "n");
	char *end;
	long n;

	if (!s || !*s) {
		*ret = dflt;
		return true;
	}
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 0)
		return false;
	*ret = n > REG_LIST_MAX ? REG_LIST_MAX : n;
	return true;
}

/* One page of a sorted list: entries after @last, at most @n; sets *more. */
static json_t *page(char **list, const char *last, long n, bool *more, const char **ret_last)
{
	json_t *a = json_array();
	long count = 0;

	*more = false;
	*ret_last = NULL;
	for (char **p = list; *p && a; p++) {
		if (last && strcmp(*p, last) <= 0)
			continue;
		if (count == n) {
			*more = true;
			break;
		}
		json_array_append_new(a, json_string(*p));
		*ret_last = *p;
		count++;
	}
	return a;
}

static enum MHD_Result list_response(struct MHD_Connection *conn, struct req *rq, json_t *body,
				     bool more, const char *base, long n, const char *last)
{
	struct MHD_Response *resp = NULL;
	char link[URL_MAX + 300];

	if (respond_json(conn, rq, 200, body, "application/json; charset=utf-8", &resp) != MHD_YES)
		return MHD_NO;
	if (more && last) {
		snprintf(link, sizeof(link), "<%s?last=%s&n=%ld>; rel=\"next\"", base, last, n);
		MHD_add_response_header(resp, "Link", link);
	}
	return queue(conn, rq, 200, resp, 0);
}

static enum MHD_Result tags_list(struct server *srv, struct MHD_Connection *conn, struct req *rq)
{
	_cleanup_strv_free_ char **tags = NULL;
	const char *last = arg(conn, "last"), *page_last;
	char base[URL_MAX];
	bool more;
	long n;

	if (!parse_n(conn, &n, REG_LIST_MAX))
		return respond_error(conn, rq, 400, "PAGINATION_NUMBER_INVALID",
				     "n must be a non-negative number");
	if (reg_repo_tags(&srv->store, rq->name, &tags) < 0)
		return respond_error(conn, rq, 404, "NAME_UNKNOWN", "repository %s is not known",
				     rq->name);
	json_t *a = page(tags, last, n, &more, &page_last);
	json_t *body = json_pack("{s:s,s:o}", "name", rq->name, "tags", a);
	snprintf(base, sizeof(base), "/v2/%s/tags/list", rq->name);
	return list_response(conn, rq, body, more, base, n, page_last);
}

static enum MHD_Result catalog(struct server *srv, struct MHD_Connection *conn, struct req *rq)
{
	_cleanup_strv_free_ char **repos = NULL;
	const char *last = arg(conn, "last"), *page_last;
	bool more;
	long n;

	if (!parse_n(conn, &n, 1000))
		return respond_error(conn, rq, 400, "PAGINATION_NUMBER_INVALID",
				     "n must be a non-negative number");
	if (reg_catalog(&srv->store, &repos) < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "listing repositories failed");
	json_t *a = page(repos, last, n, &more, &page_last);
	return list_response(conn, rq, json_pack("{s:o}", "repositories", a), more, "/v2/_catalog",
			     n, page_last);
}

/* Docker's v1 search, answered from the repositories on disk. */
static enum MHD_Result search(struct server *srv, struct MHD_Connection *conn, struct req *rq)
{
	_cleanup_strv_free_ char **repos = NULL;
	const char *q = arg(conn, "q");
	long n;
	size_t count = 0;

	if (!parse_n(conn, &n, 25))
		return respond_error(conn, rq, 400, "PAGINATION_NUMBER_INVALID",
				     "n must be a non-negative number");
	if (!q)
		q = "";
	if (reg_catalog(&srv->store, &repos) < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "listing repositories failed");
	json_t *results = json_array();
	for (char **p = repos; *p && results && (long)count < n; p++) {
		if (*q && !strcasestr(*p, q))
			continue;
		/* Docker Hub's convention: the official images are the library/ ones */
		bool official = strncmp(*p, "library/", 8) == 0;
		json_array_append_new(results,
				      json_pack("{s:s,s:s,s:i,s:b,s:b}", "name", *p, "description",
						"", "star_count", 0, "is_official", official,
						"is_automated", 0));
		count++;
	}
	json_t *body = json_pack("{s:i,s:s,s:o}", "num_results", (json_int_t)count, "query", q,
				 "results", results);
	return respond_json(conn, rq, 200, body, "application/json", NULL);
}

static enum MHD_Result referrers(struct server *srv, struct MHD_Connection *conn, struct req *rq)
{
	_cleanup_strv_free_ char **revs = NULL;
	const char *filter = arg(conn, "artifactType");
	struct MHD_Response *resp = NULL;
	char subject[65];

	if (!reg_digest_parse(rq->ref, subject))
		return respond_error(conn, rq, 400, "DIGEST_INVALID", "%s is not a sha256 digest",
				     rq->ref);
	json_t *list = json_array();
	if (reg_repo_revisions(&srv->store, rq->name, &revs) == 0) {
		for (char **p = revs; *p && list; p++) {
			_cleanup_free_ char *data = NULL;
			struct reg_manifest m;
			size_t len;
			if (reg_blob_read(&srv->store, *p, REG_MANIFEST_MAX, &data, &len) < 0 ||
			    reg_manifest_parse(data, len, NULL, &m, NULL) < 0)
				continue;
			if (strcmp(m.subject, subject) == 0 &&
			    (!filter || (m.artifact_type && strcmp(m.artifact_type, filter) == 0))) {
				char digest[REG_DIGEST_LEN + 1];
				snprintf(digest, sizeof(digest), "sha256:%s", *p);
				json_t *d = json_pack("{s:s,s:s,s:I}", "mediaType", m.media_type,
						      "digest", digest, "size", (json_int_t)len);
				if (d && m.artifact_type)
					json_object_set_new(d, "artifactType",
							    json_string(m.artifact_type));
				if (d && m.annotations)
					json_object_set_new(d, "annotations",
							    json_loads(m.annotations, 0, NULL));
				json_array_append_new(list, d);
			}
			reg_manifest_done(&m);
		}
	}
	json_t *body = json_pack("{s:i,s:s,s:o}", "schemaVersion", 2, "mediaType", REG_MT_OCI_INDEX,
				 "manifests", list);
	if (respond_json(conn, rq, 200, body, REG_MT_OCI_INDEX, &resp) != MHD_YES)
		return MHD_NO;
	if (filter)
		MHD_add_response_header(resp, "OCI-Filters-Applied", "artifactType");
	return queue(conn, rq, 200, resp, 0);
}

/* POST /v2/<name>/blobs/uploads/: mount, monolithic (?digest=) or a new session. */
static enum MHD_Result upload_start_headers(struct server *srv, struct MHD_Connection *conn,
					    struct req *rq)
{
	const char *mount = arg(conn, "mount"), *from = arg(conn, "from"), *digest = arg(conn, "digest");
	char hex[65];
	int r;

	if (mount && from) {
		if (!reg_digest_parse(mount, hex))
			return respond_error(conn, rq, 400, "DIGEST_INVALID",
					     "mount=%s is not a sha256 digest", mount);
		if (reg_name_valid(from) && reg_repo_has_layer(&srv->store, from, hex)) {
			if (reg_repo_link_layer(&srv->store, rq->name, hex) < 0)
				return respond_error(conn, rq, 500, "UNKNOWN", "linking the blob failed");
			return blob_created(conn, rq, hex);
		}
		/* Not mountable: fall back to a regular upload, as the spec says. */
	}
	if (digest) {
		if (!reg_digest_valid(digest))
			return respond_error(conn, rq, 400, "DIGEST_INVALID",
					     "digest=%s is not a sha256 digest", digest);
		snprintf(rq->want_digest, sizeof(rq->want_digest), "%s", digest);
	}
	r = reg_upload_create(&srv->store, rq->name, rq->uuid);
	if (r < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "creating the upload failed: %s",
				     strerror(-r));
	rq->is_new_upload = true;
	r = upload_attach(srv, rq, rq->uuid, true);
	if (r < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "opening the upload failed: %s",
				     strerror(-r));
	return MHD_YES;
}

/* Content-Range "a-b" (optionally "bytes a-b" / "bytes=a-b"). */
static bool parse_content_range(const char *h, long long *a, long long *b)
{
	char *end;

	if (strncmp(h, "bytes", 5) == 0)
		h += 5;
	while (*h == ' ' || *h == '=')
		h++;
	*a = strtoll(h, &end, 10);
	if (end == h || *end != '-' || *a < 0)
		return false;
	h = end + 1;
	*b = strtoll(h, &end, 10);
	if (end == h || (*end && *end != '/') || *b < *a)
		return false;
	return true;
}

static enum MHD_Result upload_headers(struct server *srv, struct MHD_Connection *conn,
				      struct req *rq, const char *method)
{
	const char *cr = header(conn, "Content-Range"), *digest = arg(conn, "digest");
	off_t size = 0;
	int r;

	if (!reg_uuid_valid(rq->ref))
		return respond_error(conn, rq, 404, "BLOB_UPLOAD_UNKNOWN", "upload %s is not known",
				     rq->ref);
	memcpy(rq->uuid, rq->ref, strlen(rq->ref) + 1); /* reg_uuid_valid(): at most 64 */
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		int fd = reg_upload_open(&srv->store, rq->name, rq->uuid, &size);
		if (fd < 0)
			return respond_error(conn, rq, 404, "BLOB_UPLOAD_UNKNOWN",
					     "upload %s is not known", rq->ref);
		close(fd);
		return upload_location(conn, rq, 204, size);
	}
	if (strcmp(method, "DELETE") == 0) {
		bool busy;
		int fd = reg_upload_open(&srv->store, rq->name, rq->uuid, &size);
		if (fd < 0)
			return respond_error(conn, rq, 404, "BLOB_UPLOAD_UNKNOWN",
					     "upload %s is not known", rq->ref);
		close(fd);
		struct upload_state *st = upload_take(srv, rq->uuid, &busy);
		if (st)
			upload_remove(srv, st);
		reg_upload_delete(&srv->store, rq->name, rq->uuid);
		struct MHD_Response *resp = buffer_response("", 0);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Length", "0");
		return queue(conn, rq, 204, resp, 0);
	}
	if (strcmp(method, "PUT") == 0) {
		if (!digest || !reg_digest_valid(digest))
			return respond_error(conn, rq, 400, "DIGEST_INVALID",
					     "finishing an upload needs ?digest=sha256:<hex>");
		snprintf(rq->want_digest, sizeof(rq->want_digest), "%s", digest);
	}
	r = upload_attach(srv, rq, rq->uuid, false);
	if (r == -EBUSY)
		return respond_error(conn, rq, 416, "BLOB_UPLOAD_INVALID",
				     "upload %s is being written by another request", rq->ref);
	if (r < 0)
		return respond_error(conn, rq, 404, "BLOB_UPLOAD_UNKNOWN", "upload %s is not known",
				     rq->ref);
	if (cr) {
		long long a, b;
		const char *cl = header(conn, "Content-Length");
		if (!parse_content_range(cr, &a, &b) || a != (long long)rq->up->offset ||
		    (cl && strtoll(cl, NULL, 10) != b - a + 1)) {
			off_t off = rq->up->offset;
			return upload_location(conn, rq, 416, off);
		}
	}
	return MHD_YES;
}

/* The end of a body-carrying upload request. */
/* Write a piece of an upload to its file and hash it. */
static void upload_append(struct req *rq, const char *data, size_t size)
{
	off_t before = rq->up->offset;
	int r;

	if (rq->up_broken)
		return;
	r = write_all(rq->fd, data, size);
	if (r < 0) {
		/* The file may hold part of this piece: its hash state is no longer known. */
		rq->up_broken = true;
		defer_error(rq, 500, "UNKNOWN", "writing the upload failed: %s", strerror(-r));
		return;
	}
	sha256_update(rq->up->hash, data, size);
	rq->up->offset += (off_t)size;
	if (rq->up->offset / UPLOAD_WRITEBACK_STEP != before / UPLOAD_WRITEBACK_STEP) {
		off_t end = rq->up->offset / UPLOAD_WRITEBACK_STEP * UPLOAD_WRITEBACK_STEP;
		/* only starts the write-back: the digest is not known yet */
		(void)sync_file_range(rq->fd, end - UPLOAD_WRITEBACK_STEP, UPLOAD_WRITEBACK_STEP,
				      SYNC_FILE_RANGE_WRITE);
	}
}

/* Write out what upload pieces are gathered (before the upload is answered or left). */
static void upload_flush(struct req *rq)
{
	if (rq->wlen > 0 && rq->up)
		upload_append(rq, rq->wbuf, rq->wlen);
	rq->wlen = 0;
}

/* Room for @need gathered bytes, up to UPLOAD_BUF_MAX; false: write out first. */
static bool upload_buf_grow(struct req *rq, size_t need)
{
	size_t cap = rq->wcap ? rq->wcap : 16 * 1024;
	char *n;

	if (need > UPLOAD_BUF_MAX)
		return false;
	while (cap < need)
		cap *= 2;
	if (cap > UPLOAD_BUF_MAX)
		cap = UPLOAD_BUF_MAX;
	n = realloc(rq->wbuf, cap);
	if (!n)
		return false;
	rq->wbuf = n;
	rq->wcap = cap;
	return true;
}

/* On a commit thread: fsync the upload, rename it to its digest path, link it. */
static int upload_store(struct server *srv, struct req *rq)
{
	int r = reg_upload_commit(&srv->store, rq->name, rq->uuid, rq->fd, rq->hex);

	upload_remove(srv, rq->up);
	rq->up = NULL;
	return r;
}

static enum MHD_Result upload_stored(struct MHD_Connection *conn, struct req *rq)
{
	if (rq->commit_r < 0)
		return respond_error(conn, rq, 500, "UNKNOWN", "storing blob sha256:%s failed: %s",
				     rq->hex, strerror(-rq->commit_r));
	return blob_created(conn, rq, rq->hex);
}

static enum MHD_Result commit_answer(struct MHD_Connection *conn, struct req *rq)
{
	return rq->body == BODY_MEM ? manifest_stored(conn, rq) : upload_stored(conn, rq);
}

static enum MHD_Result upload_finish(struct server *srv, struct MHD_Connection *conn,
				     struct req *rq, const char *method)
{
	char hex[65], want[65];

	upload_flush(rq);
	if (rq->err_status)
		return respond_error(conn, rq, rq->err_status, rq->err_code, "%s", rq->err_detail);
	if (!rq->want_digest[0]) { /* PATCH, or POST opening a session */
		off_t off = rq->up->offset;
		/* Release before answering: the client's next request may come on another
		 * connection before this one's completion callback runs. */
		upload_release(srv, rq->up);
		rq->up = NULL;
		return upload_location(conn, rq, 202, off);
	}
	/* PUT or POST ?digest=: verify, then move into place. */
	sha256_final_hex(rq->up->hash, hex);
	sha256_free(rq->up->hash);
	rq->up->hash = NULL; /* consumed: a retry re-hashes from disk */
	reg_digest_parse(rq->want_digest, want);
	if (strcmp(hex, want) != 0) {
		(void)method;
		upload_remove(srv, rq->up);
		rq->up = NULL;
		reg_upload_delete(&srv->store, rq->name, rq->uuid);
		return respond_error(conn, rq, 400, "DIGEST_INVALID",
				     "the uploaded content has digest sha256:%s, not %s", hex,
				     rq->want_digest);
	}
	snprintf(rq->hex, sizeof(rq->hex), "%s", hex);
	return commit_submit(srv, conn, rq, upload_store);
}

static void body_data(struct req *rq, const char *data, size_t size)
{
	if (rq->err_status)
		return;
	if (rq->body == BODY_MEM) {
		if (rq->mem_len + size > REG_MANIFEST_MAX) {
			defer_error(rq, 413, "MANIFEST_INVALID", "manifest is larger than %u bytes",
				    REG_MANIFEST_MAX);
			free(rq->mem);
			rq->mem = NULL;
			rq->mem_len = 0;
			return;
		}
		char *n = realloc(rq->mem, rq->mem_len + size + 1);
		if (!n) {
			defer_error(rq, 500, "UNKNOWN", "out of memory");
			return;
		}
		rq->mem = n;
		memcpy(rq->mem + rq->mem_len, data, size);
		rq->mem_len += size;
		rq->mem[rq->mem_len] = '\0';
	} else if (rq->body == BODY_FILE) {
		if (rq->wlen + size > rq->wcap && !upload_buf_grow(rq, rq->wlen + size))
			upload_flush(rq);
		if (rq->wlen + size > rq->wcap) {
			upload_append(rq, data, size);
			return;
		}
		memcpy(rq->wbuf + rq->wlen, data, size);
		rq->wlen += size;
	} else {
		defer_error(rq, 400, "UNSUPPORTED", "this request takes no body");
	}
}

static bool check_auth(struct server *srv, struct MHD_Connection *conn)
{
	char *pass = NULL;
	char *user;
	bool ok;

	if (!srv->auth)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	ok = user && pass && reg_auth_check(srv->auth, user, pass);
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return ok;
}

static enum MHD_Result first_call(struct server *srv, struct MHD_Connection *conn, struct req *rq,
				  const char *method)
{
	bool get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
	bool put = strcmp(method, "PUT") == 0, del = strcmp(method, "DELETE") == 0;
	char hex[65];

	if (!check_auth(srv, conn)) {
		size_t len = 0;
		char www[512];
		struct MHD_Response *resp = error_response("UNAUTHORIZED", "authentication required",
							   &len);
		if (!resp)
			return MHD_NO;
		snprintf(www, sizeof(www), "Basic realm=\"%s\"", reg_auth_realm(srv->auth));
		MHD_add_response_header(resp, "WWW-Authenticate", www);
		return queue(conn, rq, 401, resp, len);
	}
	if (rq->kind == R_NONE)
		return respond_error(conn, rq, 404, "UNSUPPORTED", "no such endpoint: %s", rq->url);
	if (rq->kind == R_PING) {
		struct MHD_Response *resp = buffer_response("{}", 2);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
		return queue(conn, rq, 200, resp, head ? 0 : 2);
	}
	if (rq->kind == R_CATALOG || rq->kind == R_SEARCH) {
		if (!get && !head)
			return respond_error(conn, rq, 405, "UNSUPPORTED", "%s is not allowed here",
					     method);
		return rq->kind == R_CATALOG ? catalog(srv, conn, rq) : search(srv, conn, rq);
	}
	if (!reg_name_valid(rq->name))
		return respond_error(conn, rq, 400, "NAME_INVALID",
				     "repository names are lowercase [a-z0-9] components joined by "
				     "'.', '_', '__' or '-', separated by '/', at most %d characters",
				     REG_NAME_MAX);
	if (is_write(method) && srv->cfg->readonly)
		return respond_error(conn, rq, 405, "UNSUPPORTED",
				     "the registry is in read-only mode");

	switch (rq->kind) {
	case R_TAGS:
		if (!get && !head)
			break;
		return tags_list(srv, conn, rq);
	case R_REFERRERS:
		if (!get && !head)
			break;
		return referrers(srv, conn, rq);
	case R_BLOB:
		if (!get && !head && !del)
			break;
		if (!reg_digest_parse(rq->ref, hex))
			return respond_error(conn, rq, 400, "DIGEST_INVALID",
					     "%s is not a sha256 digest", rq->ref);
		return del ? blob_delete(srv, conn, rq, hex) : blob_get(srv, conn, rq, hex, head);
	case R_MANIFEST:
		if (strchr(rq->ref, ':') ? !reg_digest_valid(rq->ref) : !reg_tag_valid(rq->ref))
			return respond_error(conn, rq, 400,
					     strchr(rq->ref, ':') ? "DIGEST_INVALID" : "TAG_INVALID",
					     "%s is neither a valid tag nor a sha256 digest", rq->ref);
		if (get || head)
			return manifest_get(srv, conn, rq, head);
		if (del)
			return manifest_delete(srv, conn, rq);
		if (put) {
			const char *cl = header(conn, "Content-Length");
			if (cl && strtoull(cl, NULL, 10) > REG_MANIFEST_MAX)
				return respond_error(conn, rq, 413, "MANIFEST_INVALID",
						     "manifest is larger than %u bytes",
						     REG_MANIFEST_MAX);
			rq->body = BODY_MEM;
			return MHD_YES;
		}
		break;
	case R_UPLOAD_START:
		if (strcmp(method, "POST") != 0)
			break;
		return upload_start_headers(srv, conn, rq);
	case R_UPLOAD:
		if (strcmp(method, "POST") == 0)
			break;
		return upload_headers(srv, conn, rq, method);
	default:
		break;
	}
	return respond_error(conn, rq, 405, "UNSUPPORTED", "%s is not allowed on %s", method,
			     rq->url);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct req *rq = *con_cls;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->fd = -1;
		*con_cls = rq;
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		snprintf(rq->url, sizeof(rq->url), "%s", url);
		route(url, rq);
		/* Answering during this first call makes libmicrohttpd close the connection, which
		 * costs keep-alive: requests without a body are answered on the next call. Requests
		 * with one are checked now, so a bad one is refused before its body is sent. */
		if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 &&
		    strcmp(method, "PATCH") != 0) {
			rq->deferred = true;
			return MHD_YES;
		}
		return first_call(srv, conn, rq, method);
	}
	if (rq->deferred) {
		rq->deferred = false;
		*upload_data_size = 0;
		enum MHD_Result ret = first_call(srv, conn, rq, method);
		if (ret == MHD_YES && !rq->status)
			return respond_error(conn, rq, 500, "UNKNOWN", "unhandled request");
		return ret;
	}
	if (rq->status) { /* answered already: drop the rest of the body */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		body_data(rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* the whole body has arrived */
	if (rq->commit == COMMIT_DONE) /* resumed by a commit thread */
		return commit_answer(conn, rq);
	if (rq->body == BODY_MEM) {
		if (rq->err_status)
			return respond_error(conn, rq, rq->err_status, rq->err_code, "%s",
					     rq->err_detail);
		return manifest_put(srv, conn, rq);
	}
	if (rq->body == BODY_FILE)
		return upload_finish(srv, conn, rq, method);
	return respond_error(conn, rq, 500, "UNKNOWN", "unhandled request");
}

static void client_ip(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(buf, len, "-");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
			  (socklen_t)len);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf,
			  (socklen_t)len);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct req *rq = *con_cls;

	if (!rq)
		return;
	if (srv->cfg->accesslog) {
		char ip[INET6_ADDRSTRLEN + 1], when[64];
		const char *ua = header(conn, "User-Agent");
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		char agent[256];
		client_ip(conn, ip, sizeof(ip));
		snprintf(agent, sizeof(agent), "%s", ua ? ua : "");
		/* The path arrives %-decoded: a client must not be able to forge log lines. */
		for (char *p = rq->url; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"')
				*p = '?';
		for (char *p = agent; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"')
				*p = '?';
		fprintf(stderr, "%s - - [%s] \"%s %s\" %u %llu \"%s\"%s\n", ip, when, rq->method,
			rq->url, rq->status, (unsigned long long)rq->bytes, agent,
			toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	}
	if (rq->up) {
		/* The request ended without finishing the upload: keep its state (and what it
		 * received) for the next PATCH, unless the file and the hash may disagree. */
		upload_flush(rq);
		if (rq->up_broken)
			upload_remove(srv, rq->up);
		else
			upload_release(srv, rq->up);
	}
	if (rq->fd >= 0)
		close(rq->fd);
	free(rq->mem);
	free(rq->wbuf);
	free(rq);
	*con_cls = NULL;
}

/* Bind "host:port", ":port" or "[v6]:port"; reports the address actually bound. */
static int listen_on(const char *addr, char *bound, size_t bound_len, berth_error *err)
{
	char host[256] = "", port[16] = "5000";
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai = NULL;
	const char *colon = strrchr(addr, ':');
	int fd = -1, r, one = 1;

	if (addr[0] == '[') {
		const char *close_br = strchr(addr, ']');
		if (!close_br || close_br[1] != ':')
			return berr(err, EINVAL, "listen address %s: use [ADDRESS]:PORT", addr);
		snprintf(host, sizeof(host), "%.*s", (int)(close_br - addr - 1), addr + 1);
		snprintf(port, sizeof(port), "%s", close_br + 2);
	} else if (colon) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else {
		return berr(err, EINVAL, "listen address %s: use HOST:PORT or :PORT", addr);
	}
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (r != 0)
		return berr(err, EINVAL, "listen address %s: %s", addr, gai_strerror(r));
	for (struct addrinfo *p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 1024) == 0)
			break;
		r = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return berr_errno(err, r ? -r : EADDRNOTAVAIL,
				  "listen on %s (is another registry using the port?)", addr);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[INET6_ADDRSTRLEN] = "?";
	int p = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, h, sizeof(h));
			p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			snprintf(bound, bound_len, "%s:%d", h, p);
		} else {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, h, sizeof(h));
			p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			snprintf(bound, bound_len, "[%s]:%d", h, p);
		}
	}
	return fd;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("microhttpd: %s", buf);
}

int reg_serve(const struct reg_config *cfg, berth_error *err)
{
	struct server srv = { .cfg = cfg, .store = { .v2 = -1 } };
	_cleanup_free_ char *cert = NULL, *key = NULL;
	struct MHD_Daemon *d;
	char bound[128] = "";
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
	unsigned int threads;
	sigset_t set;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int r, fd, sig;

	r = reg_store_open(&srv.store, cfg->rootdir, !cfg->readonly, err);
	if (r < 0)
		return r;
	srv.store.links = reg_linkcache_new(); /* NULL (no memory): links are read from disk */
	if (cfg->htpasswd_path) {
		r = reg_auth_new(cfg->htpasswd_path, cfg->htpasswd_realm, &srv.auth, err);
		if (r < 0)
			goto out_store;
	}
	if (cfg->tls_cert || cfg->tls_key) {
		if (!cfg->tls_cert || !cfg->tls_key) {
			r = berr(err, EINVAL, "TLS needs both http.tls.certificate and http.tls.key");
			goto out_auth;
		}
		r = read_file_at(AT_FDCWD, cfg->tls_cert, 1 << 20, &cert, NULL, err);
		if (r == 0)
			r = read_file_at(AT_FDCWD, cfg->tls_key, 1 << 20, &key, NULL, err);
		if (r < 0) {
			berr_prefix(err, "TLS");
			goto out_auth;
		}
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			r = berr(err, ENOTSUP, "this libmicrohttpd has no TLS support");
			goto out_auth;
		}
		flags |= MHD_USE_TLS;
	}
	if (!cfg->readonly) {
		size_t purged = reg_purge_uploads(&srv.store, REG_UPLOAD_MAX_AGE);
		if (purged > 0)
			log_info("removed %zu uploads older than a week", purged);
	}
	fd = listen_on(cfg->addr, bound, sizeof(bound), err);
	if (fd < 0) {
		r = fd;
		goto out_auth;
	}
	pthread_mutex_init(&srv.lock, NULL);
	pthread_mutex_init(&srv.rcache_lock, NULL);
	/* One fd per client plus one per blob being sent: use the soft limit up to the hard one
	 * (never above it), and keep some fds for the storage. */
	struct rlimit rl;
	unsigned conn_limit = 16000;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < conn_limit)
			conn_limit = rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur / 2) : 32;
	}
	threads = ncpu > 0 ? (unsigned)ncpu : 1;
	/* The pool's threads inherit this mask: only the main thread takes the signals. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	commit_threads_start(&srv);

	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, key },
		{ MHD_OPTION_END, 0, NULL },
	};
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, &srv, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
			     request_done, &srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
			     MHD_OPTION_CONNECTION_LIMIT, conn_limit,
			     MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_EXTERNAL_LOGGER,
			     mhd_log, NULL, MHD_OPTION_ARRAY, cert ? tls_opts : tls_opts + 2,
			     MHD_OPTION_END);
	if (!d) {
		commit_threads_stop(&srv);
		close(fd);
		r = berr(err, EIO, "starting the HTTP server on %s failed (TLS key or certificate "
				   "unreadable?)",
			 cfg->addr);
		goto out_lock;
	}
	fprintf(stderr, "berth-registry: listening on %s%s, storage %s\n", bound,
		cert ? " (TLS)" : "", cfg->rootdir);
	fflush(stderr);
	do {
		r = sigwait(&set, &sig);
	} while (r != 0);
	commit_threads_stop(&srv); /* resumes the connections it suspended */
	MHD_stop_daemon(d);
	close(fd);
	r = 0;
out_lock:
	while (srv.uploads) {
		struct upload_state *st = srv.uploads;
		srv.uploads = st->next;
		upload_state_free(st);
	}
	pthread_mutex_destroy(&srv.lock);
	pthread_mutex_destroy(&srv.commit_lock);
	pthread_cond_destroy(&srv.commit_cond);
	rcache_clear(&srv);
	pthread_mutex_destroy(&srv.rcache_lock);
out_auth:
	reg_auth_free(srv.auth);
out_store:
	reg_store_close(&srv.store);
	return r;
}
