/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_recompress.c - a source filter that hands out an image's layers as zstd (podman push
 * --compression-format zstd, skopeo copy --dest-compress-format zstd).
 *
 * The new digests must be in the manifest before any blob moves, so every layer that is not
 * zstd already is fetched (verified by the inner source), decompressed and recompressed with
 * libzstd (multithreaded) into an unlinked temp file when the filter opens; the config is
 * unchanged (diff_ids name uncompressed content). get_blob hands out a fresh open of the temp
 * file, everything else goes to the inner source.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "oci/digest.h"
#include "oci/mediatype.h"
#include "transport/copy.h"
#include "transport/image.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

#define RC_CHUNK   (256u << 10)
#define ZSTD_LEVEL 3 /* containers/image's default */

struct rc_layer {
	char digest[OCI_DIGEST_SHA256_LEN + 1];
	int fd;
};

struct rc_img {
	struct img_src src;
	struct img_src *in;
	char *manifest;
	size_t manifest_len;
	struct rc_layer *layers;
	size_t n;
};

#define SRC_RC(s) ((struct rc_img *)((char *)(s)-offsetof(struct rc_img, src)))

static void rc_free(struct img_src *s)
{
	struct rc_img *c = SRC_RC(s);

	img_src_free(c->in);
	for (size_t i = 0; i < c->n; i++)
		if (c->layers[i].fd >= 0)
			close(c->layers[i].fd);
	free(c->layers);
	free(c->manifest);
	free(c->src.name);
	free(c);
}

static int rc_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			   char **ret_media_type, berth_error *err)
{
	struct rc_img *c = SRC_RC(s);

	if (digest)
		return c->in->ops->get_manifest(c->in, digest, ret, ret_len, ret_media_type, err);
	if (!(*ret = strdup(c->manifest)) || !(*ret_media_type = strdup(OCI_MT_MANIFEST))) {
		free(*ret);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret_len = c->manifest_len;
	return 0;
}

static int rc_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
		       img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	struct rc_img *c = SRC_RC(s);
	char proc[64];

	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->layers[i].digest, digest) != 0)
			continue;
		/* a fresh open file description: its own offset, whoever else reads it */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->layers[i].fd);
		int fd = open(proc, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berr_errno(err, errno, "%s: recompressed layer %s", s->name, digest);
		if (progress)
			progress(ud, digest, size, size);
		*ret_fd = fd;
		return 0;
	}
	c->in->consumer_verifies = s->consumer_verifies;
	return c->in->ops->get_blob(c->in, digest, size, tmpdir_fd, progress, ud, ret_fd, err);
}

static const struct img_src_ops rc_ops = {
    .get_manifest = rc_get_manifest,
    .get_blob = rc_get_blob,
    .free = rc_free,
};

/* zstd_out() - compress @len bytes of @in (end the frame when @end), writing to @fd. */
static int zstd_out(ZSTD_CCtx *z, const void *in, size_t len, bool end, int fd, char *buf,
		    struct sha256 *h, uint64_t *total, berth_error *err)
{
	ZSTD_inBuffer ib = {in, len, 0};

	for (;;) {
		ZSTD_outBuffer ob = {buf, RC_CHUNK, 0};
		size_t left = ZSTD_compressStream2(z, &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return berr(err, EIO, "zstd: %s", ZSTD_getErrorName(left));
		if (ob.pos) {
			sha256_update(h, buf, ob.pos);
			*total += ob.pos;
			int r = write_all(fd, buf, ob.pos);
			if (r < 0)
				return berr_errno(err, -r, "write a recompressed layer");
		}
		if (end ? left == 0 : ib.pos == ib.size)
			return 0;
	}
}

/* recompress() - layer @d of the inner source as zstd into a temp file. */
static int recompress(struct rc_img *c, const struct img_desc *d, struct rc_layer *out,
		      uint64_t *ret_size, berth_error *err)
{
	_cleanup_close_ int in = -1, fd = -1;
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	_cleanup_free_ char *ibuf = malloc(RC_CHUNK), *obuf = malloc(RC_CHUNK);
	ZSTD_CCtx *z = ZSTD_createCCtx();
	struct archive *rd = NULL;
	char hex[SHA256_HEX_LEN + 1], what[160];
	uint64_t total = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int r;

	if (!h || !ibuf || !obuf || !z) {
		ZSTD_freeCCtx(z);
		return berr(err, ENOMEM, "out of memory");
	}
	ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	/* fails harmlessly on a libzstd built without threads */
	ZSTD_CCtx_setParameter(z, ZSTD_c_nbWorkers, cpus > 1 ? (int)(cpus < 8 ? cpus : 8) : 0);
	snprintf(what, sizeof(what), "%s: layer %s", c->src.name, d->digest);
	r = c->in->ops->get_blob(c->in, d->digest, d->size, -1, NULL, NULL, &in, err);
	if (r == 0)
		r = img_tmpfile(-1, &fd, err);
	if (r == 0)
		r = img_decompressor(in, what, &rd, err);
	while (r == 0) {
		la_ssize_t n = archive_read_data(rd, ibuf, RC_CHUNK);
		if (n < 0)
			r = berr(err, EBADMSG, "%s: %s", what, archive_error_string(rd) ?: "corrupt");
		else
			r = zstd_out(z, ibuf, (size_t)n, n == 0, fd, obuf, h, &total, err);
		if (n == 0)
			break;
	}
	if (rd)
		archive_read_free(rd);
	ZSTD_freeCCtx(z);
	if (r < 0)
		return r;
	sha256_final_hex(h, hex);
	snprintf(out->digest, sizeof(out->digest), "sha256:%s", hex);
	out->fd = TAKE_FD(fd);
	*ret_size = total;
	return 0;
}

/* rewrite() - the top manifest as OCI, with the recompressed layers' descriptors. */
static int rewrite(struct rc_img *c, berth_error *err)
{
	_cleanup_free_ char *body = NULL, *mt = NULL, *conv = NULL;
	struct img_manifest m = {0};
	json_t *root = NULL, *layers;
	size_t len;
	int r;

	r = c->in->ops->get_manifest(c->in, NULL, &body, &len, &mt, err);
	if (r == 0)
		r = img_manifest_parse(body, len, mt, c->src.name, &m, err);
	if (r == 0 && m.is_index)
		r = berr(err, ENOTSUP, "%s: cannot recompress a manifest list; pick one image",
			 c->src.name);
	if (r == 0 && strcmp(mt, OCI_MT_MANIFEST) != 0)
		r = img_manifest_convert(body, len, OCI_MT_MANIFEST, c->src.name, &conv, &len, err);
	if (r == 0 && !(root = json_loadb(conv ? conv : body, len, 0, NULL)))
		r = berr(err, EBADMSG, "%s: the manifest is not JSON", c->src.name);
	if (r == 0 && !(c->layers = calloc(m.n ? m.n : 1, sizeof(*c->layers))))
		r = berr(err, ENOMEM, "out of memory");
	layers = json_object_get(root, "layers");
	for (size_t i = 0; r == 0 && i < m.n; i++) {
		const char *lt = m.descs[i].media_type ? m.descs[i].media_type : "";
		json_t *e = json_array_get(layers, i);
		uint64_t size = 0;

		if (strstr(lt, "zstd"))
			continue;
		c->layers[c->n].fd = -1;
		r = recompress(c, &m.descs[i], &c->layers[c->n], &size, err);
		if (r < 0)
			break;
		json_object_set_new(e, "mediaType", json_string(OCI_MT_LAYER_ZSTD));
		json_object_set_new(e, "digest", json_string(c->layers[c->n].digest));
		json_object_set_new(e, "size", json_integer((json_int_t)size));
		c->n++;
	}
	if (r == 0 && !(c->manifest = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		r = berr(err, ENOMEM, "out of memory");
	if (r == 0)
		c->manifest_len = strlen(c->manifest);
	json_decref(root);
	img_manifest_done(&m);
	return r;
}

int img_recompress_src_open(struct img_src *inner, struct img_src **ret, berth_error *err)
{
	struct rc_img *c = calloc(1, sizeof(*c));
	int r;

	if (!c || !(c->src.name = strdup(inner->name))) {
		free(c);
		img_src_free(inner);
		return berr(err, ENOMEM, "out of memory");
	}
	c->in = inner;
	c->src.ops = &rc_ops;
	c->src.transport = inner->transport;
	c->src.repo = inner->repo;
	r = rewrite(c, err);
	if (r < 0) {
		rc_free(&c->src);
		return r;
	}
	*ret = &c->src;
	return 0;
}
