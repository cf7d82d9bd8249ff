/* SPDX-License-Identifier: Apache-2.0 */
/*
 * copy.c - the copy engine behind copy, push, pull and inspect (see copy.h).
 *
 * Blob transfers of one manifest run on up to o->jobs threads that take the next blob from a
 * shared counter. Each checks the destination (HEAD on a registry), tries a cross-repository
 * mount, and otherwise fetches the blob (verified) and hands the fd to the destination. The
 * first failure stops the others from starting new blobs; the manifest is only written once
 * every blob is in place, so a failed copy never leaves a manifest pointing at missing data.
 */
#include "transport/copy.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/mediatype.h"
#include "util/macro.h"

void img_manifest_done(struct img_manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->descs[i].media_type);
		free(m->descs[i].digest);
		free(m->descs[i].os);
		free(m->descs[i].arch);
		free(m->descs[i].variant);
	}
	free(m->descs);
	free(m->config.media_type);
	free(m->config.digest);
	memset(m, 0, sizeof(*m));
}

/* take_desc() - what copying needs of one oci/manifest.h descriptor. */
static int take_desc(const oci_descriptor *o, struct img_desc *d)
{
	d->size = o->size;
	if (!(d->digest = strdup(o->digest)) ||
	    (o->media_type && !(d->media_type = strdup(o->media_type))))
		return -ENOMEM;
	if (o->platform &&
	    ((o->platform->os && !(d->os = strdup(o->platform->os))) ||
	     (o->platform->architecture && !(d->arch = strdup(o->platform->architecture))) ||
	     (o->platform->variant && !(d->variant = strdup(o->platform->variant)))))
		return -ENOMEM;
	return 0;
}

/*
 * img_manifest_parse() - oci/manifest.h validates the document (shape, media types, digests,
 * sizes, limits); copying also refuses non-sha256 digests, which it could not verify.
 */
int img_manifest_parse(const char *body, size_t len, const char *media_type, const char *what,
		       struct img_manifest *ret, berth_error *err)
{
	_cleanup_(oci_manifest_freep) oci_manifest *om = NULL;
	struct img_manifest m = {0};
	const oci_descriptor *descs;
	size_t n;
	int r;

	if (media_type && (strcmp(media_type, DOCKER_MT_MANIFEST_V1) == 0 ||
			   strcmp(media_type, DOCKER_MT_MANIFEST_V1_SIGNED) == 0))
		return berr(err, ENOTSUP,
			    "%s: Docker schema 1 manifests are not supported; push the image again "
			    "with a current client",
			    what);
	r = oci_manifest_parse(body, len, media_type, &om, err);
	if (r < 0) {
		if (r == -ENOTSUP)
			return berr_prefix(err, "%s", what);
		berr_prefix(err, "%s", what);
		return r == -EFBIG ? r : (err ? (err->code = -EBADMSG) : -EBADMSG);
	}
	m.is_index = oci_manifest_kind_is_index(om->kind);
	descs = m.is_index ? om->manifests : om->layers;
	n = m.is_index ? om->n_manifests : om->n_layers;
	if (n > (m.is_index ? IMG_MAX_INSTANCES : IMG_MAX_LAYERS))
		return berr(err, E2BIG,
			    "%s: the manifest lists %zu %s, more than berth accepts (%d)", what, n,
			    m.is_index ? "images" : "layers",
			    m.is_index ? IMG_MAX_INSTANCES : IMG_MAX_LAYERS);
	if (!(m.descs = calloc(n + 1, sizeof(*m.descs))))
		return berr(err, ENOMEM, "out of memory");
	r = m.is_index ? 0 : take_desc(&om->config, &m.config);
	for (size_t i = 0; r == 0 && i < n; i++, m.n++)
		r = take_desc(&descs[i], &m.descs[i]);
	if (r < 0) {
		img_manifest_done(&m);
		return berr(err, ENOMEM, "out of memory");
	}
	if (!m.is_index && !oci_digest_is_sha256(m.config.digest))
		r = berr(err, ENOTSUP, "%s: config %s is not a sha256 digest", what,
			 m.config.digest);
	for (size_t i = 0; r == 0 && i < m.n; i++)
		if (!oci_digest_is_sha256(m.descs[i].digest))
			r = berr(err, ENOTSUP,
				 "%s: %s is not a sha256 digest; berth verifies sha256 only", what,
				 m.descs[i].digest);
	if (r < 0) {
		img_manifest_done(&m);
		return r;
	}
	*ret = m;
	return 0;
}

const char *img_host_arch(void)
{
	static const struct {
		const char *uname, *oci;
	} map[] = {{"x86_64", "amd64"},	  {"aarch64", "arm64"},	  {"armv7l", "arm"},
		   {"i686", "386"},	  {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
		   {"riscv64", "riscv64"}};
	static char machine[65];
	struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strcmp(u.machine, map[i].uname) == 0)
			return map[i].oci;
	snprintf(machine, sizeof(machine), "%s", u.machine);
	return machine;
}

int img_pick_platform(const struct img_manifest *index, const char *os, const char *arch,
		      const char *variant, const char *what, berth_error *err)
{
	char offers[512] = "";
	size_t used = 0;

	if (!os)
		os = "linux";
	if (!arch)
		arch = img_host_arch();
	for (size_t i = 0; i < index->n; i++) {
		const struct img_desc *d = &index->descs[i];
		if (d->os && d->arch && strcmp(d->os, os) == 0 && strcmp(d->arch, arch) == 0 &&
		    (!variant || (d->variant && strcmp(d->variant, variant) == 0)))
			return (int)i;
	}
	for (size_t i = 0; i < index->n && used < sizeof(offers) - 64; i++) {
		const struct img_desc *d = &index->descs[i];
		if (!d->os || !d->arch)
			continue;
		used += (size_t)snprintf(offers + used, sizeof(offers) - used, "%s%s/%s%s%s",
					 used ? ", " : "", d->os, d->arch, d->variant ? "/" : "",
					 d->variant ? d->variant : "");
	}
	return berr(err, ENOENT, "%s: no image for %s/%s%s%s in the manifest list (it has: %s)",
		    what, os, arch, variant ? "/" : "", variant ? variant : "",
		    used ? offers : "no platforms");
}

static const struct {
	const char *oci, *docker;
} layer_types[] = {
    {OCI_MT_LAYER_GZIP, DOCKER_MT_LAYER_GZIP},
    {OCI_MT_LAYER, DOCKER_MT_LAYER},
    {OCI_MT_LAYER_ND_GZIP, DOCKER_MT_LAYER_FOREIGN_GZIP},
    {OCI_MT_CONFIG, DOCKER_MT_CONFIG},
};

static const char *convert_type(const char *mt, bool to_oci)
{
	for (size_t i = 0; mt && i < ELEMENTSOF(layer_types); i++) {
		if (strcmp(mt, to_oci ? layer_types[i].docker : layer_types[i].oci) == 0)
			return to_oci ? layer_types[i].oci : layer_types[i].docker;
		if (strcmp(mt, to_oci ? layer_types[i].oci : layer_types[i].docker) == 0)
			return mt;
	}
	return NULL;
}

int img_manifest_convert(const char *body, size_t len, const char *to, const char *what, char **ret,
			 size_t *ret_len, berth_error *err)
{
	bool to_oci = strcmp(to, OCI_MT_MANIFEST) == 0;
	json_t *root = json_loadb(body, len, 0, NULL), *e;
	const char *mt;
	char *out;
	size_t i;

	if (!to_oci && strcmp(to, DOCKER_MT_MANIFEST) != 0) {
		json_decref(root);
		return berr(err, EINVAL, "%s: unknown manifest type %s", what, to);
	}
	if (!json_is_object(root) || !json_is_object(json_object_get(root, "config"))) {
		json_decref(root);
		return berr(err, EBADMSG, "%s: not an image manifest", what);
	}
	json_object_set_new(root, "mediaType", json_string(to));
	e = json_object_get(root, "config");
	mt = convert_type(json_string_value(json_object_get(e, "mediaType")), to_oci);
	if (!mt) {
		json_decref(root);
		return berr(err, ENOTSUP, "%s: its config type cannot be converted to %s", what,
			    to);
	}
	json_object_set_new(e, "mediaType", json_string(mt));
	json_array_foreach(json_object_get(root, "layers"), i, e)
	{
		const char *lt = json_string_value(json_object_get(e, "mediaType"));
		mt = convert_type(lt, to_oci);
		if (!mt) {
			int r = berr(
			    err, ENOTSUP,
			    "%s: layer type %s has no equivalent in %s; push with --format oci",
			    what, lt ? lt : "(none)", to);
			json_decref(root);
			return r;
		}
		json_object_set_new(e, "mediaType", json_string(mt));
	}
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!out)
		return berr(err, ENOMEM, "out of memory");
	*ret = out;
	*ret_len = strlen(out);
	return 0;
}

/* ---- parallel blob copies --------------------------------------------------------------- */

struct blob_job {
	const struct img_desc *desc;
	bool is_config;
};

struct copy_run {
	struct img_src *src;
	struct img_dst *dst;
	const struct img_copy_opts *o;
	struct blob_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
	bool failed;
	berth_error err;
};

static void emit(struct copy_run *c, enum img_copy_event ev, const struct img_desc *d)
{
	if (!c->o->event)
		return;
	pthread_mutex_lock(&c->lock);
	c->o->event(c->o->ud, ev, d->digest, d->size);
	pthread_mutex_unlock(&c->lock);
}

static void locked_progress(void *ud, const char *digest, int64_t done, int64_t total)
{
	struct copy_run *c = ud;
	pthread_mutex_lock(&c->lock);
	c->o->progress(c->o->ud, digest, done, total);
	pthread_mutex_unlock(&c->lock);
}

/* copy_blob_locked() - copy_blob(), with the destination's blob lock (if taken) in *@lock. */
static int copy_blob_locked(struct copy_run *c, const struct blob_job *j, int *lock,
			    berth_error *err)
{
	const struct img_desc *d = j->desc;
	_cleanup_close_ int fd = -1;
	int r;

	r = c->dst->ops->has_blob(c->dst, d->digest, d->size, err);
	if (r == 0 && c->dst->ops->lock_blob) {
		/* another copy may be fetching it right now: wait for it, then look again */
		r = c->dst->ops->lock_blob(c->dst, d->digest, lock, err);
		if (r == 0)
			r = c->dst->ops->has_blob(c->dst, d->digest, d->size, err);
	}
	if (r < 0)
		return r;
	if (r > 0 && j->is_config) {
		/* podman prints "Copying config" (then "done") whether or not it was sent */
		emit(c, IMG_COPY_CONFIG, d);
		emit(c, IMG_COPY_BLOB_DONE, d);
		return 0;
	}
	if (r > 0) {
		emit(c, IMG_COPY_BLOB_SKIPPED, d);
		return 0;
	}
	r = c->dst->ops->mount_blob ? c->dst->ops->mount_blob(c->dst, c->src, d->digest, err) : 0;
	if (r < 0)
		return r;
	if (r > 0) {
		emit(c, j->is_config ? IMG_COPY_CONFIG : IMG_COPY_BLOB_MOUNTED, d);
		if (j->is_config)
			emit(c, IMG_COPY_BLOB_DONE, d);
		return 0;
	}
	emit(c, j->is_config ? IMG_COPY_CONFIG : IMG_COPY_BLOB, d);
	img_progress_fn p = c->o->progress ? locked_progress : NULL;
	r = c->src->ops->get_blob(c->src, d->digest, d->size, c->dst->ops->tmpdir_fd(c->dst), p, c,
				  &fd, err);
	if (r < 0)
		return r;
	if (c->src->blobs_verified && c->dst->ops->put_verified_blob)
		r = c->dst->ops->put_verified_blob(c->dst, d->digest, d->size, fd, err);
	else
		r = c->dst->ops->put_blob(c->dst, d->digest, d->size, fd, NULL, NULL, err);
	if (r < 0)
		return r;
	emit(c, IMG_COPY_BLOB_DONE, d);
	return 0;
}

static int copy_blob(struct copy_run *c, const struct blob_job *j, berth_error *err)
{
	int lock = -1;
	int r = copy_blob_locked(c, j, &lock, err);

	if (lock >= 0 && c->dst->ops->unlock_blob)
		c->dst->ops->unlock_blob(c->dst, j->desc->digest, lock);
	else if (lock >= 0)
		close(lock);
	return r;
}

static void *worker(void *arg)
{
	struct copy_run *c = arg;

	for (;;) {
		berth_error err = {0};
		size_t i;

		pthread_mutex_lock(&c->lock);
		if (c->failed || c->next >= c->n) {
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		i = c->next++;
		pthread_mutex_unlock(&c->lock);
		if (copy_blob(c, &c->jobs[i], &err) < 0) {
			pthread_mutex_lock(&c->lock);
			if (!c->failed) {
				c->failed = true;
				c->err = err;
				if (!c->err.code)
					c->err.code = -EIO;
			}
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
	}
}

/* copy_blobs() - every layer, then the config, of @m. */
static int copy_blobs(struct img_src *src, struct img_dst *dst, const struct img_copy_opts *o,
		      const struct img_manifest *m, berth_error *err)
{
	struct copy_run c = {.src = src, .dst = dst, .o = o};
	pthread_t threads[32];
	size_t nthreads;
	int r = 0;

	c.jobs = calloc(m->n + 1, sizeof(*c.jobs));
	if (!c.jobs)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < m->n; i++) {
		/* the same layer twice in one image is copied once */
		bool dup = false;
		for (size_t k = 0; k < c.n && !dup; k++)
			dup = strcmp(c.jobs[k].desc->digest, m->descs[i].digest) == 0;
		if (!dup)
			c.jobs[c.n++] = (struct blob_job){&m->descs[i], false};
	}
	pthread_mutex_init(&c.lock, NULL);
	nthreads = (size_t)(o->jobs > 0 ? o->jobs : IMG_DEFAULT_JOBS);
	if (nthreads > ELEMENTSOF(threads))
		nthreads = ELEMENTSOF(threads);
	if (nthreads > c.n)
		nthreads = c.n;
	size_t started = 0;
	/* The calling thread works too, so a failed pthread_create costs only speed. */
	for (; started + 1 < nthreads; started++)
		if (pthread_create(&threads[started], NULL, worker, &c) != 0)
			break;
	worker(&c);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	/* the config last, as podman does, so its line follows the layers' */
	struct blob_job cj = {&m->config, true};
	if (!c.failed && copy_blob(&c, &cj, &c.err) < 0) {
		c.failed = true;
		if (!c.err.code)
			c.err.code = -EIO;
	}
	if (c.failed) {
		if (err)
			*err = c.err;
		r = c.err.code;
	}
	pthread_mutex_destroy(&c.lock);
	free(c.jobs);
	return r;
}

/* copy_single() - the blobs of one image manifest, then the manifest itself. */
static int copy_single(struct img_src *src, struct img_dst *dst, const struct img_copy_opts *o,
		       const char *body, size_t len, const char *mt, const char *digest, bool top,
		       char *written, berth_error *err)
{
	struct img_manifest m = {0};
	int r;

	r = img_manifest_parse(body, len, mt, src->name, &m, err);
	if (r < 0)
		return r;
	if (m.is_index) {
		img_manifest_done(&m);
		return berr(err, EBADMSG,
			    "%s: a manifest list inside a manifest list is not supported",
			    src->name);
	}
	r = copy_blobs(src, dst, o, &m, err);
	if (r == 0 && o->manifest_type && strcmp(o->manifest_type, mt) != 0) {
		_cleanup_free_ char *conv = NULL;
		size_t clen;
		r = img_manifest_convert(body, len, o->manifest_type, src->name, &conv, &clen, err);
		if (r == 0) {
			char cd[OCI_DIGEST_SHA256_LEN + 1];
			oci_digest_of_buffer(conv, clen, cd);
			if (o->event)
				o->event(o->ud, IMG_COPY_MANIFEST, cd, (int64_t)clen);
			r = dst->ops->put_manifest(dst, conv, clen, o->manifest_type, cd, top, err);
			if (r == 0 && top && written)
				snprintf(written, OCI_DIGEST_SHA256_LEN + 1, "%s", cd);
		}
	} else if (r == 0) {
		if (o->event)
			o->event(o->ud, IMG_COPY_MANIFEST, digest, (int64_t)len);
		r = dst->ops->put_manifest(dst, body, len, mt, digest, top, err);
	}
	img_manifest_done(&m);
	return r;
}

int img_copy(struct img_src *src, struct img_dst *dst, const struct img_copy_opts *o,
	     char **ret_digest, berth_error *err)
{
	_cleanup_free_ char *body = NULL, *mt = NULL;
	char digest[OCI_DIGEST_SHA256_LEN + 1];
	struct img_manifest idx = {0};
	size_t len;
	int r;

	src->consumer_verifies = dst->verifies;
	r = src->ops->get_manifest(src, NULL, &body, &len, &mt, err);
	if (r < 0)
		return r;
	oci_digest_of_buffer(body, len, digest);
	r = img_manifest_parse(body, len, mt, src->name, &idx, err);
	if (r < 0)
		return r;
	if (!idx.is_index) {
		img_manifest_done(&idx);
		r = copy_single(src, dst, o, body, len, mt, digest, true, digest, err);
		goto commit;
	}
	if (o->all) {
		for (size_t i = 0; i < idx.n && r == 0; i++) {
			_cleanup_free_ char *cb = NULL, *cmt = NULL;
			size_t clen;
			r = src->ops->get_manifest(src, idx.descs[i].digest, &cb, &clen, &cmt, err);
			if (r == 0)
				r = copy_single(src, dst, o, cb, clen, cmt, idx.descs[i].digest,
						false, NULL, err);
		}
		if (r == 0) {
			if (o->event)
				o->event(o->ud, IMG_COPY_MANIFEST, digest, (int64_t)len);
			r = dst->ops->put_manifest(dst, body, len, mt, digest, true, err);
		}
		img_manifest_done(&idx);
		goto commit;
	}
	r = img_pick_platform(&idx, o->os, o->arch, o->variant, src->name, err);
	if (r >= 0) {
		_cleanup_free_ char *cb = NULL, *cmt = NULL;
		size_t clen;
		snprintf(digest, sizeof(digest), "%s", idx.descs[r].digest);
		r = src->ops->get_manifest(src, digest, &cb, &clen, &cmt, err);
		if (r == 0)
			r = copy_single(src, dst, o, cb, clen, cmt, digest, true, digest, err);
	}
	img_manifest_done(&idx);
commit:
	if (r == 0)
		r = dst->ops->commit(dst, err);
	if (r == 0 && ret_digest && !(*ret_digest = strdup(digest)))
		r = berr(err, ENOMEM, "out of memory");
	return r;
}
