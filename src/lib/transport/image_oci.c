/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_oci.c - oci:DIR[:REF]: an OCI image layout (oci-layout, index.json, blobs/sha256/HEX).
 * A source picks its image from index.json by org.opencontainers.image.ref.name (or the only
 * one); a destination adds blobs, then on commit rewrites index.json atomically with the new
 * image replacing any older one of the same name.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/digest.h"
#include "oci/mediatype.h"
#include "transport/image.h"
#include "util/fileio.h"
#include "util/macro.h"

#define REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"
#define MAX_INDEX_JSON	    (4u << 20)
#define LAYOUT_FILE	    "{\"imageLayoutVersion\":\"1.0.0\"}"

struct oci_img {
	struct img_src src;
	struct img_dst dst;
	char *path;
	char *ref_name;
	int source_index;
	int dirfd;
	int blobsfd;
	/* source: the chosen image's descriptor; destination: the top manifest written */
	char *top_digest;
	char *top_media_type;
	int64_t top_size;
};

#define SRC_OCI(s) ((struct oci_img *)((char *)(s)-offsetof(struct oci_img, src)))
#define DST_OCI(t) ((struct oci_img *)((char *)(t)-offsetof(struct oci_img, dst)))

static void oci_free(struct oci_img *o)
{
	free(o->src.name);
	free(o->dst.name);
	free(o->path);
	free(o->ref_name);
	free(o->top_digest);
	free(o->top_media_type);
	if (o->dirfd >= 0)
		close(o->dirfd);
	if (o->blobsfd >= 0)
		close(o->blobsfd);
	free(o);
}

static void oci_src_free(struct img_src *s)
{
	oci_free(SRC_OCI(s));
}

static void oci_dst_free(struct img_dst *t)
{
	oci_free(DST_OCI(t));
}

static int oci_new(const oci_image_name *n, struct oci_img **ret, berth_error *err)
{
	struct oci_img *o = calloc(1, sizeof(*o));
	if (!o)
		return berr(err, ENOMEM, "out of memory");
	o->dirfd = o->blobsfd = -1;
	o->source_index = n->source_index;
	if (!(o->path = strdup(n->path)) ||
	    (n->layout_ref && !(o->ref_name = strdup(n->layout_ref))) ||
	    asprintf(&o->src.name, "oci:%s%s%s", n->path, n->layout_ref ? ":" : "",
		     n->layout_ref ? n->layout_ref : "") < 0) {
		oci_free(o);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret = o;
	return 0;
}

/* read_blob_mem() - a verified metadata blob (manifest, index) from blobs/sha256. */
static int read_blob_mem(struct oci_img *o, const char *name, const char *digest, char **ret,
			 size_t *ret_len, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	char got[OCI_DIGEST_SHA256_LEN + 1];
	size_t len;
	int r;

	if (!oci_digest_is_sha256(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", name, digest);
	r = read_file_at(o->blobsfd, digest + 7, REG_MAX_MANIFEST, &data, &len, err);
	if (r < 0)
		return berr_prefix(err, "%s: manifest %s", name, digest);
	oci_digest_of_buffer(data, len, got);
	if (strcmp(got, digest) != 0)
		return berr(err, EBADMSG, "%s: manifest %s is corrupted (its content hashes to %s)",
			    name, digest, got);
	*ret = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}

/* pick_image() - the descriptor of the image the name asks for in index.json. */
static int pick_image(struct oci_img *o, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	json_t *root, *mans, *e, *pick = NULL;
	size_t len, i, count = 0;
	int r;

	r = read_file_at(o->dirfd, "index.json", MAX_INDEX_JSON, &data, &len, err);
	if (r < 0)
		return berr_prefix(err, "%s: not an OCI image layout (index.json)", o->src.name);
	root = json_loadb(data, len, 0, NULL);
	mans = json_object_get(root, "manifests");
	if (!json_is_array(mans)) {
		json_decref(root);
		return berr(err, EBADMSG, "%s: index.json has no manifests array", o->src.name);
	}
	json_array_foreach(mans, i, e)
	{
		const char *nm = json_string_value(
		    json_object_get(json_object_get(e, "annotations"), REF_NAME_ANNOTATION));
		if (o->ref_name		   ? (nm && strcmp(nm, o->ref_name) == 0)
		    : o->source_index >= 0 ? (int)i == o->source_index
					   : true) {
			pick = e;
			count++;
		}
	}
	if (!pick || (count > 1 && !o->ref_name)) {
		r = !pick ? (o->ref_name
				 ? berr(err, ENOENT, "%s: no image named %s in the layout",
					o->src.name, o->ref_name)
				 : berr(err, ENOENT, "%s: the layout holds no image", o->src.name))
			  : berr(err, EINVAL,
				 "%s: the layout holds %zu images; name one with oci:%s:NAME",
				 o->src.name, count, o->path);
		json_decref(root);
		return r;
	}
	const char *dg = json_string_value(json_object_get(pick, "digest"));
	const char *mt = json_string_value(json_object_get(pick, "mediaType"));
	if (!oci_digest_is_sha256(dg)) {
		json_decref(root);
		return berr(err, EBADMSG, "%s: index.json names an invalid digest", o->src.name);
	}
	o->top_digest = strdup(dg);
	o->top_media_type = mt ? strdup(mt) : NULL;
	json_decref(root);
	if (!o->top_digest)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

static int oci_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_media_type, berth_error *err)
{
	struct oci_img *o = SRC_OCI(s);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	r = read_blob_mem(o, s->name, digest ? digest : o->top_digest, &data, &len, err);
	if (r < 0)
		return r;
	const char *mt = img_guess_media_type(data, len);
	if (!digest && !mt && o->top_media_type)
		mt = o->top_media_type;
	if (!mt)
		return berr(err, EBADMSG, "%s: manifest %s is not an OCI or Docker manifest",
			    s->name, digest ? digest : o->top_digest);
	if (!(*ret_media_type = strdup(mt)))
		return berr(err, ENOMEM, "out of memory");
	*ret = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}

static int oci_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
			img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	return img_file_get_blob(s, SRC_OCI(s)->blobsfd, digest, size, progress, ud, ret_fd, err);
}

static const struct img_src_ops oci_src_ops = {
    .get_manifest = oci_get_manifest,
    .get_blob = oci_get_blob,
    .free = oci_src_free,
};

int img_oci_src_open(const oci_image_name *n, struct img_src **ret, berth_error *err)
{
	struct oci_img *o = NULL;
	int r = oci_new(n, &o, err);

	if (r < 0)
		return r;
	o->src.ops = &oci_src_ops;
	o->src.transport = OCI_TRANSPORT_OCI;
	o->dirfd = open(o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0)
		r = berr_errno(err, errno, "%s: cannot open the layout directory", o->src.name);
	else if ((o->blobsfd = openat(o->dirfd, "blobs/sha256",
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		r = berr_errno(err, errno, "%s: not an OCI image layout (blobs/sha256)",
			       o->src.name);
	else
		r = pick_image(o, err);
	if (r < 0) {
		oci_free(o);
		return r;
	}
	*ret = &o->src;
	return 0;
}

/* ---- destination ------------------------------------------------------------------------- */

static int oci_has_blob(struct img_dst *t, const char *digest, int64_t size, berth_error *err)
{
	return img_file_has_blob(t, DST_OCI(t)->blobsfd, digest, size, err);
}

static int oci_put_blob(struct img_dst *t, const char *digest, int64_t size, int fd,
			img_progress_fn progress, void *ud, berth_error *err)
{
	return img_file_put_digest(t, DST_OCI(t)->blobsfd, digest, fd, err);
}

static int oci_put_manifest(struct img_dst *t, const void *body, size_t len, const char *media_type,
			    const char *digest, bool top, berth_error *err)
{
	struct oci_img *o = DST_OCI(t);
	int r;

	if (!oci_digest_is_sha256(digest))
		return berr(err, EINVAL, "%s: invalid digest \"%s\"", t->name, digest);
	/* not synced, as no blob is (img_file_put_digest()): index.json is the durable commit */
	r = write_file_replace_at(o->blobsfd, digest + 7, body, len, 0644, err);
	if (r < 0)
		return berr_prefix(err, "%s", t->name);
	if (top) {
		free(o->top_digest);
		free(o->top_media_type);
		o->top_digest = strdup(digest);
		o->top_media_type = strdup(media_type);
		o->top_size = (int64_t)len;
		if (!o->top_digest || !o->top_media_type)
			return berr(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int oci_commit(struct img_dst *t, berth_error *err)
{
	struct oci_img *o = DST_OCI(t);
	_cleanup_free_ char *data = NULL, *out = NULL;
	json_t *root = NULL, *mans, *desc;
	size_t len;
	int r;

	if (!o->top_digest)
		return berr(err, EINVAL, "%s: no manifest was written", t->name);
	r = read_file_at(o->dirfd, "index.json", MAX_INDEX_JSON, &data, &len, NULL);
	if (r == 0)
		root = json_loadb(data, len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		root = json_pack("{s:i,s:[]}", "schemaVersion", 2, "manifests");
	}
	if (!json_object_get(root, "mediaType"))
		json_object_set_new(root, "mediaType", json_string(OCI_MT_INDEX));
	mans = json_object_get(root, "manifests");
	if (!json_is_array(mans)) {
		mans = json_array();
		json_object_set_new(root, "manifests", mans);
	}
	/* Drop the image this one replaces: the same name, or unnamed with the same digest. */
	for (size_t i = json_array_size(mans); i-- > 0;) {
		json_t *e = json_array_get(mans, i);
		const char *nm = json_string_value(
		    json_object_get(json_object_get(e, "annotations"), REF_NAME_ANNOTATION));
		const char *dg = json_string_value(json_object_get(e, "digest"));
		if ((o->ref_name && nm && strcmp(nm, o->ref_name) == 0) ||
		    (!o->ref_name && !nm && dg && strcmp(dg, o->top_digest) == 0))
			json_array_remove(mans, i);
	}
	desc = json_pack("{s:s,s:s,s:I}", "mediaType", o->top_media_type, "digest", o->top_digest,
			 "size", (json_int_t)o->top_size);
	if (desc && o->ref_name)
		json_object_set_new(desc, "annotations",
				    json_pack("{s:s}", REF_NAME_ANNOTATION, o->ref_name));
	if (!desc || json_array_append_new(mans, desc) < 0 ||
	    !(out = json_dumps(root, JSON_COMPACT))) {
		json_decref(root);
		return berr(err, ENOMEM, "out of memory");
	}
	json_decref(root);
	r = write_file_atomic_at(o->dirfd, "index.json", out, strlen(out), 0644, err);
	return r < 0 ? berr_prefix(err, "%s", t->name) : 0;
}

static int oci_tmpdir_fd(struct img_dst *t)
{
	return DST_OCI(t)->blobsfd;
}

static const struct img_dst_ops oci_dst_ops = {
    .has_blob = oci_has_blob,
    .put_blob = oci_put_blob,
    .put_manifest = oci_put_manifest,
    .commit = oci_commit,
    .tmpdir_fd = oci_tmpdir_fd,
    .free = oci_dst_free,
};

static bool layout_file_ok(int dirfd)
{
	struct stat st;

	return fstatat(dirfd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size >= (off_t)strlen(LAYOUT_FILE);
}

int img_oci_dst_open(const oci_image_name *n, struct img_dst **ret, berth_error *err)
{
	struct oci_img *o = NULL;
	int r = oci_new(n, &o, err);

	if (r < 0)
		return r;
	o->dst.ops = &oci_dst_ops;
	o->dst.transport = OCI_TRANSPORT_OCI;
	o->dst.name = TAKE_PTR(o->src.name);
	r = mkdir_p(o->path, 0755, err);
	if (r == 0 && (o->dirfd = open(o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = berr_errno(err, errno, "%s: cannot open the layout directory", o->dst.name);
	if (r == 0 && (mkdirat(o->dirfd, "blobs", 0755) < 0 && errno != EEXIST))
		r = berr_errno(err, errno, "%s: cannot create blobs/", o->dst.name);
	if (r == 0 && (mkdirat(o->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST))
		r = berr_errno(err, errno, "%s: cannot create blobs/sha256/", o->dst.name);
	if (r == 0 && (o->blobsfd = openat(o->dirfd, "blobs/sha256",
					   O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		r = berr_errno(err, errno, "%s: cannot open blobs/sha256/", o->dst.name);
	/* not synced (the syncs would hold up the first blob): one a crash left empty or short
	 * is written again by the next copy */
	if (r == 0 && !layout_file_ok(o->dirfd))
		r = write_file_replace_at(o->dirfd, "oci-layout", LAYOUT_FILE, strlen(LAYOUT_FILE),
					  0644, err);
	if (r < 0) {
		oci_free(o);
		return r;
	}
	*ret = &o->dst;
	return 0;
}
