/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_docker_archive.c - docker save's layout (manifest.json [{Config, RepoTags, Layers}],
 * layers as tars, the config as JSON) to and from an OCI layout, so the docker-archive:
 * transport can ride on oci:'s reader and writer.
 *
 * Reading: the archive has no manifest; one is synthesized (Docker schema2) from the files'
 * digests, as containers/image does. An uncompressed layer must hash to its diff_id.
 * Writing: docker-archive layers are uncompressed (what docker load and podman load expect):
 * each blob is decompressed into a staging file while hashed, refused unless it matches the
 * config's diff_id, then written into the tar as "<diff_id hex>.tar".
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/digest.h"
#include "oci/mediatype.h"
#include "store/layer_extract.h"
#include "transport/copy.h"
#include "transport/image.h"
#include "transport/image_archive.h"
#include "transport/tar_writer.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

#define _cleanup_json_ _cleanup_(json_decrefp)
#define DECOMP_CHUNK   (256u << 10)

static int read_json_in(const struct tar_index *idx, int arc, const char *name, const char *what,
			char **ret_text, size_t *ret_len, json_t **ret, berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	json_error_t je;
	size_t len;
	int r = img_archive_read_member(idx, arc, name, ARC_MAX_JSON, what, &text, &len, err);

	if (r < 0)
		return r;
	*ret = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!*ret)
		return berr(err, EBADMSG, "%s: %s is not valid JSON (line %d: %s)", what, name,
			    je.line, je.text);
	if (ret_text) {
		*ret_text = TAKE_PTR(text);
		*ret_len = len;
	}
	return 0;
}

/* same_name() - whether RepoTags entry @tag names @want (both normalized). */
static bool same_name(const char *tag, const char *want)
{
	_cleanup_(oci_ref_freep) oci_ref *r = NULL;
	_cleanup_free_ char *s = NULL;

	if (!tag || oci_ref_parse(tag, OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG, &r, NULL) < 0)
		return false;
	s = oci_ref_string(r);
	return s && strcmp(s, want) == 0;
}

static int pick_entry(json_t *man, const oci_image_name *n, const char *what, json_t **ret,
		      berth_error *err)
{
	_cleanup_free_ char *want = n->ref ? oci_ref_string(n->ref) : NULL;
	size_t count = json_array_size(man), i, k;
	json_t *e, *t;

	if (!json_is_array(man) || count == 0)
		return berr(err, EBADMSG, "%s: manifest.json lists no image", what);
	if (count > ARC_MAX_IMAGES)
		return berr(err, E2BIG, "%s: manifest.json lists more than %d images", what,
			    ARC_MAX_IMAGES);
	if (n->source_index >= 0) {
		if ((size_t)n->source_index >= count)
			return berr(err, ENOENT, "%s: the archive holds %zu images, no @%d", what,
				    count, n->source_index);
		*ret = json_array_get(man, (size_t)n->source_index);
		return 0;
	}
	if (n->ref && !want)
		return berr(err, ENOMEM, "out of memory");
	if (!want) {
		if (count > 1)
			return berr(err, EINVAL,
				    "%s: the archive holds %zu images; name one with "
				    "docker-archive:PATH:NAME or docker-archive:PATH:@N",
				    what, count);
		*ret = json_array_get(man, 0);
		return 0;
	}
	json_array_foreach(man, i, e)
	{
		json_array_foreach(json_object_get(e, "RepoTags"), k, t)
		{
			if (same_name(json_string_value(t), want)) {
				*ret = e;
				return 0;
			}
		}
	}
	return berr(err, ENOENT, "%s: no image named %s in the archive", what, want);
}

/* layer_media_type() - from the member's first bytes, as containers/image guesses. */
static const char *layer_media_type(int arc, const struct tar_member *m)
{
	unsigned char b[4] = {0};

	if (m->size < 2 || pread(arc, b, sizeof(b), m->off) < 2)
		return DOCKER_MT_LAYER;
	if (b[0] == 0x1f && b[1] == 0x8b)
		return DOCKER_MT_LAYER_GZIP;
	if (m->size >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return OCI_MT_LAYER_ZSTD;
	return DOCKER_MT_LAYER;
}

/* digest_of_member() - "sha256:<hex>" of the member's data. */
static int digest_of_member(int arc, const struct tar_member *m, const char *what,
			    char ret[OCI_DIGEST_SHA256_LEN + 1], berth_error *err)
{
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	_cleanup_free_ char *buf = malloc(DECOMP_CHUNK);
	char hex[SHA256_HEX_LEN + 1];

	if (!h || !buf)
		return berr(err, ENOMEM, "out of memory");
	for (int64_t done = 0; done < m->size;) {
		size_t want = m->size - done < (int64_t)DECOMP_CHUNK ? (size_t)(m->size - done)
							       : DECOMP_CHUNK;
		ssize_t n = pread(arc, buf, want, m->off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return berr_errno(err, n < 0 ? errno : EIO, "%s: reading %s", what, m->name);
		sha256_update(h, buf, (size_t)n);
		done += n;
	}
	sha256_final_hex(h, hex);
	snprintf(ret, OCI_DIGEST_SHA256_LEN + 1, "sha256:%s", hex);
	return 0;
}

static int import_layers(const struct tar_index *idx, int arc, json_t *files, json_t *diff_ids,
			 const char *what, json_t *descs, struct arc_blobs *blobs, berth_error *err)
{
	size_t i;
	json_t *f;

	if (json_array_size(files) > IMG_MAX_LAYERS)
		return berr(err, E2BIG, "%s: more than %d layers", what, IMG_MAX_LAYERS);
	if (json_array_size(files) != json_array_size(diff_ids))
		return berr(err, EBADMSG,
			    "%s: manifest.json lists %zu layers but the config has %zu diff_ids",
			    what, json_array_size(files), json_array_size(diff_ids));
	if (json_array_size(files) &&
	    !(blobs->v = calloc(json_array_size(files), sizeof(*blobs->v))))
		return berr(err, ENOMEM, "out of memory");
	json_array_foreach(files, i, f)
	{
		struct arc_blob *b = &blobs->v[blobs->n];
		const struct tar_member *m;
		const char *name = json_string_value(f), *mt;
		const char *diff = json_string_value(json_array_get(diff_ids, i));
		int r = img_archive_member(idx, name, what, &m, err);

		if (r == 0)
			r = digest_of_member(arc, m, what, b->digest, err);
		if (r < 0)
			return r;
		mt = layer_media_type(arc, m);
		if (strcmp(mt, DOCKER_MT_LAYER) == 0 && (!diff || strcmp(diff, b->digest) != 0))
			return berr(err, EBADMSG,
				    "%s: layer %s hashes to %s, not to the config's diff_id %s", what,
				    name, b->digest, diff ? diff : "(none)");
		b->off = m->off;
		b->size = m->size;
		blobs->n++;
		json_array_append_new(descs, json_pack("{s:s,s:I,s:s}", "mediaType", mt, "size",
						       (json_int_t)m->size, "digest", b->digest));
	}
	return 0;
}

static int mkdirs(int dirfd, const char *what, int *ret_blobs, berth_error *err)
{
	int fd;

	if ((mkdirat(dirfd, "blobs", 0755) < 0 && errno != EEXIST) ||
	    (mkdirat(dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST) ||
	    (fd = openat(dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return berr_errno(err, errno, "%s: cannot create the work layout", what);
	*ret_blobs = fd;
	return 0;
}

/* write_json_blob() - @j as a blob; its digest and size into @ret_dg/@ret_size. */
static int write_json_blob(int blobs, json_t *j, char ret_dg[OCI_DIGEST_SHA256_LEN + 1],
			   size_t *ret_size, berth_error *err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);

	if (!text)
		return berr(err, ENOMEM, "out of memory");
	*ret_size = strlen(text);
	oci_digest_of_buffer(text, *ret_size, ret_dg);
	return write_file_atomic_at(blobs, ret_dg + 7, text, *ret_size, 0644, err);
}

int img_docker_archive_import(const struct tar_index *idx, int arc, int layout,
			      const oci_image_name *n, const char *what, struct arc_blobs *ret_blobs,
			      berth_error *err)
{
	_cleanup_json_ json_t *man = NULL, *config = NULL, *manifest = NULL, *index = NULL;
	_cleanup_free_ char *cfg_text = NULL;
	_cleanup_close_ int blobs = -1;
	char cfg_dg[OCI_DIGEST_SHA256_LEN + 1], man_dg[OCI_DIGEST_SHA256_LEN + 1];
	json_t *entry = NULL, *descs;
	size_t cfg_len, man_len = 0;
	int r;

	r = read_json_in(idx, arc, "manifest.json", what, NULL, NULL, &man, err);
	if (r == -ENOENT)
		return berr(err, EINVAL,
			    "%s: not a docker-archive (no manifest.json); make it with berth save "
			    "or skopeo copy",
			    what);
	if (r == 0)
		r = pick_entry(man, n, what, &entry, err);
	if (r == 0)
		r = read_json_in(idx, arc, json_string_value(json_object_get(entry, "Config")),
				 what, &cfg_text, &cfg_len, &config, err);
	if (r == 0)
		r = mkdirs(layout, what, &blobs, err);
	if (r < 0)
		return r;
	oci_digest_of_buffer(cfg_text, cfg_len, cfg_dg);
	r = write_file_atomic_at(blobs, cfg_dg + 7, cfg_text, cfg_len, 0644, err);
	manifest = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:[]}", "schemaVersion", 2, "mediaType",
			     DOCKER_MT_MANIFEST, "config", "mediaType", DOCKER_MT_CONFIG, "size",
			     (json_int_t)cfg_len, "digest", cfg_dg, "layers");
	if (!manifest)
		return berr(err, ENOMEM, "out of memory");
	descs = json_object_get(manifest, "layers");
	if (r == 0)
		r = import_layers(idx, arc, json_object_get(entry, "Layers"),
				  json_object_get(json_object_get(config, "rootfs"), "diff_ids"),
				  what, descs, ret_blobs, err);
	if (r == 0)
		r = write_json_blob(blobs, manifest, man_dg, &man_len, err);
	if (r < 0)
		return r;
	index = json_pack("{s:i,s:[{s:s,s:s,s:I}]}", "schemaVersion", 2, "manifests", "mediaType",
			  DOCKER_MT_MANIFEST, "digest", man_dg, "size", (json_int_t)man_len);
	_cleanup_free_ char *text = index ? json_dumps(index, JSON_COMPACT) : NULL;
	if (!text)
		return berr(err, ENOMEM, "out of memory");
	return write_file_atomic_at(layout, "index.json", text, strlen(text), 0644, err);
}

/* ---- writing ----------------------------------------------------------------------------- */

/*
 * decompress() - blob @digest, decompressed into a staging file in @stage while hashed; it must
 * hash to @diff_id.
 */
static int decompress(int blobs, const char *digest, const char *diff_id, int stage,
		      const char *what, int *ret_fd, berth_error *err)
{
	_cleanup_close_ int in = -1, out = -1;
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	_cleanup_free_ char *buf = malloc(DECOMP_CHUNK);
	struct archive *rd = NULL;
	char hex[SHA256_HEX_LEN + 1], name[120];
	uint64_t total = 0;
	int r = 0;

	if (!h || !buf)
		return berr(err, ENOMEM, "out of memory");
	in = openat(blobs, digest + 7, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		r = berr_errno(err, errno, "%s: blob %s", what, digest);
	if (r == 0)
		r = img_tmpfile(stage, &out, err);
	snprintf(name, sizeof(name), "%s: layer %s", what, digest);
	if (r == 0)
		r = img_decompressor(in, name, &rd, err);
	if (r < 0)
		return r;
	for (;;) {
		la_ssize_t n = archive_read_data(rd, buf, DECOMP_CHUNK);
		if (n < 0) {
			r = berr(err, EBADMSG, "%s: layer %s: %s", what, digest,
				 archive_error_string(rd) ?: "corrupt");
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > LAYER_MAX_UNPACKED_BYTES) {
			r = berr(err, EFBIG, "%s: layer %s decompresses to more than %llu bytes",
				 what, digest, (unsigned long long)LAYER_MAX_UNPACKED_BYTES);
			goto out;
		}
		sha256_update(h, buf, (size_t)n);
		r = write_all(out, buf, (size_t)n);
		if (r < 0) {
			r = berr_errno(err, -r, "%s: stage layer %s", what, digest);
			goto out;
		}
	}
	sha256_final_hex(h, hex);
	if (!diff_id || !oci_digest_is_sha256(diff_id) || strcmp(hex, diff_id + 7) != 0) {
		r = berr(err, EBADMSG,
			 "%s: layer %s decompresses to sha256:%s, not to the config's diff_id %s",
			 what, digest, hex, diff_id ? diff_id : "(none)");
		goto out;
	}
	*ret_fd = TAKE_FD(out);
out:
	archive_read_free(rd);
	return r;
}

/* repositories() - the legacy "repositories" file: {repo: {tag: top layer hex}}. */
static json_t *repositories(const char *ref, const char *top_hex)
{
	_cleanup_(oci_ref_freep) oci_ref *r = NULL;
	_cleanup_free_ char *name = NULL;

	if (oci_ref_parse(ref, OCI_REF_NORMALIZE, &r, NULL) < 0 || !r->tag ||
	    !(name = oci_ref_name(r)))
		return NULL;
	return json_pack("{s:{s:s}}", name, r->tag, top_hex);
}

static int write_layers(struct tar_writer *w, int blobs, const struct img_manifest *m,
			json_t *diff_ids, int stage, const char *what, json_t *names,
			berth_error *err)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *diff = json_string_value(json_array_get(diff_ids, i));
		_cleanup_close_ int fd = -1;
		char name[80];
		int r;

		if (!diff || !oci_digest_is_sha256(diff))
			return berr(err, EBADMSG, "%s: the config has no diff_id for layer %zu",
				    what, i + 1);
		snprintf(name, sizeof(name), "%s.tar", diff + 7);
		json_array_append_new(names, json_string(name));
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= strcmp(json_string_value(json_array_get(diff_ids, k)), diff) == 0;
		if (seen)
			continue;
		r = decompress(blobs, m->descs[i].digest, diff, stage, what, &fd, err);
		if (r == 0)
			r = tar_writer_fd(w, name, fd, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int img_docker_archive_export(int blobs, const char *manifest, size_t len,
			      const char *media_type, const char *ref, int stage, const char *path,
			      const char *what, berth_error *err)
{
	_cleanup_(tar_writer_freep) struct tar_writer *w = NULL;
	_cleanup_json_ json_t *config = NULL, *out = NULL, *repos = NULL;
	_cleanup_free_ char *cfg_text = NULL, *out_text = NULL, *repos_text = NULL;
	struct img_manifest m = {0};
	json_t *diff_ids, *layers = json_array();
	char cfg_name[80];
	size_t cfg_len;
	int r;

	r = img_manifest_parse(manifest, len, media_type, what, &m, err);
	if (r == 0 && m.is_index)
		r = berr(err, ENOTSUP,
			 "%s: a docker-archive holds single images, not a list; copy without "
			 "--all",
			 what);
	if (r == 0)
		r = read_file_at(blobs, m.config.digest + 7, ARC_MAX_JSON, &cfg_text, &cfg_len,
				 err);
	if (r == 0 && !(config = json_loadb(cfg_text, cfg_len, 0, NULL)))
		r = berr(err, EBADMSG, "%s: the image config is not valid JSON", what);
	diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	if (r == 0 && json_array_size(diff_ids) != m.n)
		r = berr(err, EBADMSG, "%s: the manifest has %zu layers, the config %zu diff_ids",
			 what, m.n, json_array_size(diff_ids));
	out = json_pack("[{s:s,s:[],s:o}]", "Config", "", "RepoTags", "Layers", layers);
	if (r == 0 && !out)
		r = berr(err, ENOMEM, "out of memory");
	if (r == 0)
		r = tar_writer_open(path, what, &w, err);
	if (r == 0)
		r = write_layers(w, blobs, &m, diff_ids, stage, what, layers, err);
	if (r == 0) {
		snprintf(cfg_name, sizeof(cfg_name), "%s.json", m.config.digest + 7);
		r = tar_writer_buf(w, cfg_name, cfg_text, cfg_len, err);
	}
	if (r == 0) {
		json_t *e = json_array_get(out, 0);
		json_object_set_new(e, "Config", json_string(cfg_name));
		if (ref)
			json_array_append_new(json_object_get(e, "RepoTags"), json_string(ref));
		if (!(out_text = json_dumps(out, JSON_COMPACT)))
			r = berr(err, ENOMEM, "out of memory");
	}
	if (r == 0)
		r = tar_writer_buf(w, "manifest.json", out_text, strlen(out_text), err);
	if (r == 0 && ref && m.n > 0 &&
	    (repos = repositories(ref, json_string_value(json_array_get(diff_ids, m.n - 1)) + 7)) &&
	    (repos_text = json_dumps(repos, JSON_COMPACT)))
		r = tar_writer_buf(w, "repositories", repos_text, strlen(repos_text), err);
	if (r == 0)
		r = tar_writer_commit(w, err);
	img_manifest_done(&m);
	return r;
}
