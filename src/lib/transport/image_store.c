/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_store.c - containers-storage:NAME, berth's own store (store/store.h) as an image source
 * (push, copy from the store) and destination (pull, copy into the store).
 *
 * As a destination, blobs are ingested as they arrive (the store verifies them again on ingest);
 * only on commit are the layers unpacked in order, each checked against the config's diff_id,
 * and the image recorded with its name. A failure before that leaves no image, only unreferenced
 * blobs that store_gc() removes. The store lock is held shared from open to free.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/digest.h"
#include "store/store.h"
#include "transport/copy.h"
#include "transport/image.h"
#include "util/macro.h"

struct store_img {
	struct img_src src;
	struct img_dst dst;
	struct store *store;
	bool locked;
	/* source */
	struct store_image *image;
	/* destination */
	char *name;
	char *manifest;
	size_t manifest_len;
	char *manifest_mt;
	char *manifest_digest;
	char image_id[STORE_ID_LEN + 1];
	int tmpfd; /* <root>/tmp: where sources stage blobs, on the store's own file system */
};

#define SRC_ST(s) ((struct store_img *)((char *)(s)-offsetof(struct store_img, src)))
#define DST_ST(t) ((struct store_img *)((char *)(t)-offsetof(struct store_img, dst)))

static void st_free(struct store_img *d)
{
	if (d->locked)
		store_unlock(d->store);
	if (d->tmpfd >= 0)
		close(d->tmpfd);
	store_image_free(d->image);
	free(d->src.name);
	free(d->dst.name);
	free(d->name);
	free(d->manifest);
	free(d->manifest_mt);
	free(d->manifest_digest);
	free(d);
}

static void st_src_free(struct img_src *s)
{
	st_free(SRC_ST(s));
}

static void st_dst_free(struct img_dst *t)
{
	st_free(DST_ST(t));
}

/* ---- source ------------------------------------------------------------------------------ */

static int st_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			   char **ret_media_type, berth_error *err)
{
	struct store_img *d = SRC_ST(s);
	_cleanup_free_ char *data = NULL;
	char got[OCI_DIGEST_SHA256_LEN + 1];
	size_t len;
	int r;

	if (digest)
		r = store_blob_read(d->store, digest, REG_MAX_MANIFEST, &data, &len, err);
	else {
		r = store_image_manifest(d->store, d->image, &data, err);
		len = data ? strlen(data) : 0;
	}
	if (r < 0)
		return berr_prefix(err, "%s", s->name);
	oci_digest_of_buffer(data, len, got);
	if (strcmp(got, digest ? digest : d->image->digest) != 0)
		return berr(err, EBADMSG,
			    "%s: the stored manifest is damaged; run berth system check", s->name);
	const char *mt = digest ? img_guess_media_type(data, len) : d->image->manifest_media_type;
	if (!mt)
		mt = img_guess_media_type(data, len);
	if (!mt || !(*ret_media_type = strdup(mt)))
		return berr(err, EBADMSG, "%s: the stored manifest has no known media type",
			    s->name);
	*ret = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}

static int st_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
		       img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	int fd, r;

	/* Blobs were verified when they entered the store; `system check` re-verifies them. */
	r = store_blob_open(SRC_ST(s)->store, digest, &fd, err);
	if (r < 0)
		return berr_prefix(err, "%s", s->name);
	if (progress)
		progress(ud, digest, size, size);
	*ret_fd = fd;
	return 0;
}

static const struct img_src_ops st_src_ops = {
    .get_manifest = st_get_manifest,
    .get_blob = st_get_blob,
    .free = st_src_free,
};

int img_store_src_open(struct store *s, const char *ref, struct img_src **ret, berth_error *err)
{
	struct store_img *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return berr(err, ENOMEM, "out of memory");
	d->tmpfd = -1;
	d->store = s;
	d->src.ops = &st_src_ops;
	d->src.transport = OCI_TRANSPORT_CONTAINERS_STORAGE;
	if (!(d->src.name = strdup(ref))) {
		st_free(d);
		return berr(err, ENOMEM, "out of memory");
	}
	r = store_image_lookup(s, ref, &d->image, err);
	if (r < 0) {
		st_free(d);
		return r;
	}
	*ret = &d->src;
	return 0;
}

/* ---- destination ------------------------------------------------------------------------- */

static int st_has_blob(struct img_dst *t, const char *digest, int64_t size, berth_error *err)
{
	return store_blob_exists(DST_ST(t)->store, digest);
}

static int st_put_blob(struct img_dst *t, const char *digest, int64_t size, int fd,
		       img_progress_fn progress, void *ud, berth_error *err)
{
	char got[STORE_DIGEST_LEN + 1];
	int r = store_blob_ingest_fd(DST_ST(t)->store, fd, digest, 0, got, NULL, err);
	return r < 0 ? berr_prefix(err, "%s", t->name) : 0;
}

/* st_put_verified_blob() - a blob fetched into the store's tmp dir is linked in, not copied. */
static int st_put_verified_blob(struct img_dst *t, const char *digest, int64_t size, int fd,
				berth_error *err)
{
	int r = store_blob_adopt_fd(DST_ST(t)->store, fd, digest, err);

	if (r == -EXDEV)
		return st_put_blob(t, digest, size, fd, NULL, NULL, err);
	return r < 0 ? berr_prefix(err, "%s", t->name) : 0;
}

static int st_put_manifest(struct img_dst *t, const void *body, size_t len, const char *media_type,
			   const char *digest, bool top, berth_error *err)
{
	struct store_img *d = DST_ST(t);
	char got[STORE_DIGEST_LEN + 1];
	int r = store_blob_ingest_buf(d->store, body, len, digest, got, err);

	if (r < 0)
		return berr_prefix(err, "%s", t->name);
	if (!top)
		return 0;
	free(d->manifest), free(d->manifest_mt), free(d->manifest_digest);
	d->manifest = malloc(len + 1);
	d->manifest_mt = strdup(media_type);
	d->manifest_digest = strdup(digest);
	if (!d->manifest || !d->manifest_mt || !d->manifest_digest)
		return berr(err, ENOMEM, "out of memory");
	memcpy(d->manifest, body, len);
	d->manifest[len] = 0;
	d->manifest_len = len;
	return 0;
}

/* diff_ids() - rootfs.diff_ids of the config blob, which must match the layer count. */
static int diff_ids(struct store_img *d, const char *config_digest, size_t n, char ***ret,
		    berth_error *err)
{
	_cleanup_free_ char *cfg = NULL;
	_cleanup_strv_free_ char **v = NULL;
	json_t *root, *ids, *e;
	size_t len, i;
	int r = store_blob_read(d->store, config_digest, STORE_MAX_CONFIG_SIZE, &cfg, &len, err);

	if (r < 0)
		return r;
	root = json_loadb(cfg, len, 0, NULL);
	ids = json_object_get(json_object_get(root, "rootfs"), "diff_ids");
	if (!json_is_array(ids) || json_array_size(ids) != n) {
		json_decref(root);
		return berr(
		    err, EBADMSG,
		    "%s: the image config lists %zu diff_ids for %zu layers; refusing the image",
		    d->dst.name, json_array_size(ids), n);
	}
	v = calloc(n + 1, sizeof(char *));
	json_array_foreach(ids, i, e)
	{
		const char *s = json_string_value(e);
		if (!v || !oci_digest_is_sha256(s) || !(v[i] = strdup(s))) {
			json_decref(root);
			return berr(err, EBADMSG, "%s: the image config has an invalid diff_id",
				    d->dst.name);
		}
	}
	json_decref(root);
	*ret = TAKE_PTR(v);
	return 0;
}

static int st_commit(struct img_dst *t, berth_error *err)
{
	struct store_img *d = DST_ST(t);
	struct img_manifest m = {0};
	_cleanup_strv_free_ char **diffs = NULL, **chain = NULL, **blobs = NULL;
	char *names[2] = {d->name, NULL};
	int r;

	if (!d->manifest)
		return berr(err, EINVAL, "%s: no manifest was written", t->name);
	r = img_manifest_parse(d->manifest, d->manifest_len, d->manifest_mt, t->name, &m, err);
	if (r == 0 && m.is_index)
		r = berr(err, ENOTSUP,
			 "%s: the local store keeps single images, not manifest lists", t->name);
	if (r == 0)
		r = diff_ids(d, m.config.digest, m.n, &diffs, err);
	if (r == 0 && (!(chain = calloc(m.n + 1, sizeof(char *))) ||
		       !(blobs = calloc(m.n + 1, sizeof(char *)))))
		r = berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < m.n; i++) {
		char id[STORE_ID_LEN + 1];
		r = store_layer_create_from_blob(d->store, i ? chain[i - 1] : NULL,
						 m.descs[i].digest, m.descs[i].media_type, diffs[i],
						 id, err);
		if (r < 0)
			r = berr_prefix(err, "%s: layer %s", t->name, m.descs[i].digest);
		else if (!(chain[i] = strdup(id)) || !(blobs[i] = strdup(m.descs[i].digest)))
			r = berr(err, ENOMEM, "out of memory");
	}
	if (r == 0) {
		struct store_image_spec spec = {
		    .config_digest = m.config.digest,
		    .manifest_digest = d->manifest_digest,
		    .manifest_media_type = d->manifest_mt,
		    .layers = chain,
		    .blob_digests = blobs,
		    .n_layers = m.n,
		    .names = d->name ? names : NULL,
		};
		r = store_image_create(d->store, &spec, d->image_id, err);
	}
	img_manifest_done(&m);
	return r;
}

/*
 * st_lock_blob() - flock <root>/tmp/fetch-HEX.lock: concurrent pulls fetch a blob once. The
 * holder unlinks the file before it unlocks (st_unlock_blob()), so tmp/ keeps no lock files; a
 * waiter that then gets the lock of the unlinked file sees it is no longer at that name and
 * starts again on the new one.
 */
static int st_lock_blob(struct img_dst *t, const char *digest, int *ret_fd, berth_error *err)
{
	_cleanup_close_ int tmp = -1;
	char name[128];

	if (!oci_digest_is_sha256(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", t->name, digest);
	tmp = openat(store_root_fd(DST_ST(t)->store), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmp < 0)
		return berr_errno(err, errno, "%s: cannot open the store's tmp/", t->name);
	snprintf(name, sizeof(name), "fetch-%s.lock", digest + 7);
	for (;;) {
		struct stat held, now;
		int fd = openat(tmp, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return berr_errno(err, errno, "%s: cannot create a lock for blob %s",
					  t->name, digest);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				int e = errno;
				close(fd);
				return berr_errno(err, e, "%s: cannot lock blob %s", t->name,
						  digest);
			}
		}
		if (fstat(fd, &held) == 0 && fstatat(tmp, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
			*ret_fd = fd;
			return 0;
		}
		close(fd); /* its holder unlinked it: lock the new one */
	}
}

/* st_unlock_blob() - unlink the lock file while still holding it, then release it. */
static void st_unlock_blob(struct img_dst *t, const char *digest, int fd)
{
	char name[128];

	snprintf(name, sizeof(name), "fetch-%s.lock", digest + 7);
	if (DST_ST(t)->tmpfd >= 0)
		(void)unlinkat(DST_ST(t)->tmpfd, name, 0);
	close(fd);
}

static int st_tmpdir_fd(struct img_dst *t)
{
	/* unnamed O_TMPFILEs: nothing there for gc to find, and no $TMPDIR space used */
	return DST_ST(t)->tmpfd;
}

static const struct img_dst_ops st_dst_ops = {
    .has_blob = st_has_blob,
    .put_blob = st_put_blob,
    .put_verified_blob = st_put_verified_blob,
    .put_manifest = st_put_manifest,
    .commit = st_commit,
    .lock_blob = st_lock_blob,
    .unlock_blob = st_unlock_blob,
    .tmpdir_fd = st_tmpdir_fd,
    .free = st_dst_free,
};

int img_store_dst_open(struct store *s, const char *name, struct img_dst **ret, berth_error *err)
{
	struct store_img *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return berr(err, ENOMEM, "out of memory");
	d->tmpfd = -1;
	d->store = s;
	d->dst.ops = &st_dst_ops;
	d->dst.transport = OCI_TRANSPORT_CONTAINERS_STORAGE;
	d->dst.verifies = true; /* store_blob_ingest_fd() hashes on ingest */
	if ((name && !(d->name = strdup(name))) ||
	    asprintf(&d->dst.name, "containers-storage:%s", name ? name : "") < 0) {
		d->dst.name = NULL;
		st_free(d);
		return berr(err, ENOMEM, "out of memory");
	}
	r = store_lock(s, false, err);
	if (r < 0) {
		st_free(d);
		return r;
	}
	d->locked = true;
	d->tmpfd = openat(store_root_fd(s), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	*ret = &d->dst;
	return 0;
}

const char *img_store_dst_image_id(const struct img_dst *t)
{
	return DST_ST(t)->image_id;
}
