/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive_save.c - `berth save [-o FILE] [--format docker-archive|oci-archive] IMAGE...`.
 *
 * Theory of operation: one tar stream (libarchive writer, pax) to the output file (a temp file
 * renamed into place on success) or to stdout.
 *   docker-archive: what `docker save` and `podman save` write: every layer uncompressed as
 *     "<diff_id hex>.tar" (decompressed on the fly from the stored blob, re-hashed and checked
 *     against the layer's diff_id and size), the config as "<image id>.json", then
 *     manifest.json ([{Config, RepoTags, Layers}]) and repositories.
 *   oci-archive: an OCI image layout: oci-layout, blobs/sha256/<hex> (layers exactly as stored,
 *     so their digests hold), the manifest (converted to OCI media types when the stored one is
 *     Docker's), and index.json naming each image with org.opencontainers.image.ref.name.
 * Blobs shared between the images of one archive are written once.
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

#include "cli/cli.h"
#include "cli/commands.h"
#include "store/events.h"
#include "store/store.h"
#include "transfer/transfer.h"
#include "transport/image.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

#define SAVE_CHUNK	(128u << 10)
#define SAVE_MAX_IMAGES 256
#define OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG	"application/vnd.oci.image.config.v1+json"
#define OCI_LAYER	"application/vnd.oci.image.layer.v1.tar"

struct save_ctx {
	struct store *s;
	struct archive *tw;
	bool quiet;
	char *buf;
	json_t *written; /* names already in the archive (object used as a set) */
	int out_errno;
	int out_fd;
};

/* jansson's own json_decrefp() (behind json_auto_t) */
#define _cleanup_json_ _cleanup_(json_decrefp)

static la_ssize_t save_write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct save_ctx *c = data;
	int r = write_all(c->out_fd, buf, len);

	(void)a;
	if (r < 0) {
		c->out_errno = -r;
		return -1;
	}
	return (la_ssize_t)len;
}

static int tar_fail(struct save_ctx *c, const char *name, berth_error *err)
{
	if (c->out_errno)
		return berr_errno(err, c->out_errno, "save: write the archive");
	return berr(err, EIO, "save: %s: %s", name,
		    archive_error_string(c->tw) ?: "cannot write to the archive");
}

static int tar_header(struct save_ctx *c, const char *name, mode_t type, mode_t perm, int64_t size,
		      berth_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return berr(err, ENOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, type == AE_IFREG ? size : 0);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(c->tw, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? tar_fail(c, name, err) : 0;
}

static int tar_data(struct save_ctx *c, const char *name, const void *data, size_t len,
		    berth_error *err)
{
	if (len && archive_write_data(c->tw, data, len) != (la_ssize_t)len)
		return tar_fail(c, name, err);
	return 0;
}

static int tar_buf(struct save_ctx *c, const char *name, const char *data, size_t len,
		   berth_error *err)
{
	int r = tar_header(c, name, AE_IFREG, 0444, (int64_t)len, err);

	return r < 0 ? r : tar_data(c, name, data, len, err);
}

/* Whether @name went into the archive already; marks it as written. */
static bool once(struct save_ctx *c, const char *name)
{
	if (json_object_get(c->written, name))
		return false;
	json_object_set_new(c->written, name, json_true());
	return true;
}

/* Copy @fd (a stored blob) into the archive as @name. */
static int tar_blob(struct save_ctx *c, const char *name, const char *digest, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	uint64_t left;
	int r;

	r = store_blob_open(c->s, digest, &fd, err);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return berr_errno(err, errno, "save: blob %s", digest);
	r = tar_header(c, name, AE_IFREG, 0444, st.st_size, err);
	if (r < 0)
		return r;
	for (left = (uint64_t)st.st_size; left > 0;) {
		ssize_t n = read(fd, c->buf, left < SAVE_CHUNK ? left : SAVE_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return berr_errno(err, n < 0 ? errno : EIO,
					  "save: blob %s changed while it was saved", digest);
		r = tar_data(c, name, c->buf, (size_t)n, err);
		if (r < 0)
			return r;
		left -= (uint64_t)n;
	}
	return 0;
}

/*
 * A layer as its uncompressed tar, "<diff hex>.tar": the stored blob is decompressed on the fly
 * and must hash to the layer's diff_id and have the recorded size (the tar header came first).
 */
static int tar_layer_uncompressed(struct save_ctx *c, const struct store_layer *layer,
				  const char *name, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	struct archive *rd = NULL;
	char hex[SHA256_HEX_LEN + 1], what[120];
	int64_t total = 0;
	int r;

	if (!h)
		return berr(err, ENOMEM, "out of memory");
	snprintf(what, sizeof(what), "save: layer blob %s", layer->compressed_digest);
	r = store_blob_open(c->s, layer->compressed_digest, &fd, err);
	if (r == 0)
		r = img_decompressor(fd, what, &rd, err);
	if (r < 0)
		return r;
	r = tar_header(c, name, AE_IFREG, 0444, layer->size, err);
	if (r < 0)
		goto out;
	for (;;) {
		la_ssize_t n = archive_read_data(rd, c->buf, SAVE_CHUNK);
		if (n < 0) {
			r = berr(err, EBADMSG, "save: layer blob %s: %s; run berth system check",
				 layer->compressed_digest, archive_error_string(rd) ?: "corrupt");
			goto out;
		}
		if (n == 0)
			break;
		if (total + n > layer->size) {
			r = berr(
			    err, EBADMSG,
			    "save: layer %.19s is larger than recorded; run berth system check",
			    layer->diff_id);
			goto out;
		}
		sha256_update(h, c->buf, (size_t)n);
		total += n;
		r = tar_data(c, name, c->buf, (size_t)n, err);
		if (r < 0)
			goto out;
	}
	sha256_final_hex(h, hex);
	if (total != layer->size || strcmp(hex, layer->diff_id + 7) != 0) {
		r = berr(err, EBADMSG,
			 "save: layer %.19s does not match its diff_id; run berth system check",
			 layer->diff_id);
		goto out;
	}
	r = 0;
out:
	archive_read_free(rd);
	return r;
}

static void progress(struct save_ctx *c, const char *kind, const char *digest)
{
	if (!c->quiet)
		fprintf(stderr, "Copying %s %.19s done\n", kind, digest);
}

/* The names the archive gives @img, as @ref asked for it (transfer.h). */
json_t *save_image_names(struct store_image *img, const char *ref)
{
	json_t *a = json_array();
	_cleanup_free_ char *norm = NULL;
	size_t rl = strlen(ref);

	if (!a)
		return NULL;
	if (store_name_normalize(ref, &norm, NULL) < 0)
		norm = NULL;
	for (char **n = img->names; n && *n; n++) {
		size_t nl = strlen(*n);
		bool match = (norm && strcmp(*n, norm) == 0) || strcmp(*n, ref) == 0;
		/* short names: "busybox" matches ".../busybox:latest", "busybox:1" ".../busybox:1"
		 */
		if (!match && nl > rl + 1 && (*n)[nl - rl - 1] == '/' &&
		    strcmp(*n + nl - rl, ref) == 0)
			match = true;
		if (!match && !strchr(ref, ':') && nl > rl + 8 &&
		    strcmp(*n + nl - 7, ":latest") == 0 && (*n)[nl - rl - 8] == '/' &&
		    strncmp(*n + nl - rl - 7, ref, rl) == 0)
			match = true;
		if (match) {
			json_array_append_new(a, json_string(*n));
			break;
		}
	}
	return a;
}

static int save_docker_image(struct save_ctx *c, struct store_image *img, const char *ref,
			     json_t *manifest, json_t *repos, berth_error *err)
{
	_cleanup_free_ char *config = NULL;
	json_t *layers = json_array(), *entry, *tags;
	char name[STORE_ID_LEN + 8];
	const char *top = NULL;
	int r;

	if (!layers)
		return berr(err, ENOMEM, "out of memory");
	entry = json_object();
	json_object_set_new(entry, "Layers", layers);
	json_array_append_new(manifest, entry);
	for (size_t i = 0; i < img->n_layers; i++) {
		_cleanup_(store_layer_freep) struct store_layer *l = NULL;

		r = store_layer_get(c->s, img->layers[i], &l, err);
		if (r < 0)
			return r;
		snprintf(name, sizeof(name), "%s.tar", l->diff_id + 7);
		json_array_append_new(layers, json_string(name));
		if (once(c, name)) {
			r = tar_layer_uncompressed(c, l, name, err);
			if (r < 0)
				return r;
			progress(c, "blob", l->diff_id);
		}
		top = json_string_value(json_array_get(layers, i));
	}
	r = store_image_config(c->s, img, &config, err);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s.json", img->id);
	json_object_set_new(entry, "Config", json_string(name));
	if (once(c, name)) {
		r = tar_buf(c, name, config, strlen(config), err);
		if (r < 0)
			return r;
		progress(c, "config", img->id);
	}
	tags = save_image_names(img, ref);
	if (!tags)
		return berr(err, ENOMEM, "out of memory");
	json_object_set_new(entry, "RepoTags", tags);
	for (size_t i = 0; i < json_array_size(tags) && top; i++) {
		_cleanup_free_ char *repo = NULL, *tag = NULL;
		if (store_name_split(json_string_value(json_array_get(tags, i)), &repo, &tag) < 0)
			return berr(err, ENOMEM, "out of memory");
		json_t *r_obj = json_object_get(repos, repo);
		if (!r_obj) {
			r_obj = json_object();
			json_object_set_new(repos, repo, r_obj);
		}
		char id[STORE_ID_LEN + 1];
		snprintf(id, sizeof(id), "%.64s", top);
		json_object_set_new(r_obj, tag, json_string(id));
	}
	return 0;
}

static const char *oci_layer_type(const char *mt)
{
	if (!mt)
		return OCI_LAYER;
	if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.gzip") == 0)
		return OCI_LAYER "+gzip";
	if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.zstd") == 0)
		return OCI_LAYER "+zstd";
	if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0)
		return OCI_LAYER;
	return mt;
}

static int save_oci_image(struct save_ctx *c, struct store_image *img, const char *ref,
			  json_t *index, berth_error *err)
{
	_cleanup_free_ char *man_text = NULL, *out_text = NULL, *config = NULL;
	_cleanup_json_ json_t *man = NULL, *names = NULL, *orig = NULL;
	json_t *layers, *d, *desc;
	char name[96], digest[STORE_DIGEST_LEN + 1];
	size_t i;
	int r;

	r = store_image_manifest(c->s, img, &man_text, err);
	if (r < 0)
		return r;
	man = json_loads(man_text, 0, NULL);
	layers = json_object_get(man, "layers");
	if (!json_is_object(man) || !json_is_array(layers))
		return berr(err, EBADMSG,
			    "save: image %.12s: its stored manifest is unreadable; run "
			    "berth system check",
			    img->id);
	orig = json_deep_copy(man);
	if (!orig)
		return berr(err, ENOMEM, "out of memory");
	r = store_image_config(c->s, img, &config, err);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "blobs/sha256/%s", img->id);
	if (once(c, name)) {
		r = tar_buf(c, name, config, strlen(config), err);
		if (r < 0)
			return r;
		progress(c, "config", img->id);
	}
	json_array_foreach(layers, i, d)
	{
		const char *ld = json_string_value(json_object_get(d, "digest"));
		if (!store_digest_valid(ld))
			return berr(err, EBADMSG, "save: image %.12s: invalid layer digest",
				    img->id);
		snprintf(name, sizeof(name), "blobs/sha256/%s", ld + 7);
		if (once(c, name)) {
			r = tar_blob(c, name, ld, err);
			if (r < 0)
				return r;
			progress(c, "blob", ld);
		}
		json_object_set_new(d, "mediaType",
				    json_string(oci_layer_type(
					json_string_value(json_object_get(d, "mediaType")))));
	}
	/* OCI media types throughout: a stored Docker manifest is rewritten (same blobs). */
	json_object_set_new(man, "mediaType", json_string(OCI_MANIFEST));
	json_object_set_new(json_object_get(man, "config"), "mediaType", json_string(OCI_CONFIG));
	if (json_equal(man, orig) && img->digest) {
		out_text = TAKE_PTR(man_text);
		snprintf(digest, sizeof(digest), "%s", img->digest);
	} else {
		char hex[SHA256_HEX_LEN + 1];
		out_text = json_dumps(man, JSON_COMPACT);
		if (!out_text)
			return berr(err, ENOMEM, "out of memory");
		sha256_hex_of(out_text, strlen(out_text), hex);
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
	}
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	if (once(c, name)) {
		r = tar_buf(c, name, out_text, strlen(out_text), err);
		if (r < 0)
			return r;
	}
	names = save_image_names(img, ref);
	if (!names)
		return berr(err, ENOMEM, "out of memory");
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", OCI_MANIFEST, "digest", digest, "size",
			 (json_int_t)strlen(out_text));
	if (!desc)
		return berr(err, ENOMEM, "out of memory");
	if (json_array_size(names))
		json_object_set_new(desc, "annotations",
				    json_pack("{s:O}", "org.opencontainers.image.ref.name",
					      json_array_get(names, 0)));
	json_array_append_new(json_object_get(index, "manifests"), desc);
	return 0;
}

static int json_entry(struct save_ctx *c, const char *name, json_t *j, berth_error *err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);

	if (!text)
		return berr(err, ENOMEM, "out of memory");
	return tar_buf(c, name, text, strlen(text), err);
}

static int save_all(struct save_ctx *c, bool oci, char *const *refs, int n, berth_error *err)
{
	_cleanup_json_ json_t *manifest = json_array(), *repos = json_object();
	_cleanup_json_ json_t *index = json_pack("{s:i, s:[]}", "schemaVersion", 2, "manifests");
	int r;

	if (!manifest || !repos || !index)
		return berr(err, ENOMEM, "out of memory");
	if (oci) {
		r = tar_header(c, "blobs/", AE_IFDIR, 0755, 0, err);
		if (r >= 0)
			r = tar_header(c, "blobs/sha256/", AE_IFDIR, 0755, 0, err);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_(store_image_freep) struct store_image *img = NULL;

		r = store_image_lookup(c->s, refs[i], &img, err);
		if (r < 0)
			return berr_prefix(err, "save");
		r = oci ? save_oci_image(c, img, refs[i], index, err)
			: save_docker_image(c, img, refs[i], manifest, repos, err);
		if (r < 0)
			return r;
	}
	if (oci) {
		r = json_entry(c, "index.json", index, err);
		if (r >= 0)
			r = tar_buf(c, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err);
		return r;
	}
	r = json_entry(c, "manifest.json", manifest, err);
	if (r >= 0)
		r = json_entry(c, "repositories", repos, err);
	return r;
}

/* Where the archive goes: a temp file next to @output (renamed on success), or the path itself
 * when it is not a regular file (/dev/stdout, a fifo). */
static int open_output(const char *output, char **ret_tmp, int *ret_fd, berth_error *err)
{
	struct stat st;
	_cleanup_free_ char *tmp = NULL;
	int fd;

	if (stat(output, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(output, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return berr_errno(err, errno, "save: open %s", output);
		*ret_tmp = NULL;
		*ret_fd = fd;
		return 0;
	}
	if (asprintf(&tmp, "%s.berth-tmp-XXXXXX", output) < 0)
		return berr(err, ENOMEM, "out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return berr_errno(err, errno, "save: create %s", output);
	if (fchmod(fd, 0644) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return berr_errno(err, e, "save: create %s", output);
	}
	*ret_tmp = TAKE_PTR(tmp);
	*ret_fd = fd;
	return 0;
}

TRANSFER_HANDLER int cmd_save(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *tmp = NULL, *buf = malloc(SAVE_CHUNK);
	_cleanup_json_ json_t *written = json_object();
	const char *output = cli_str(args, "output");
	const char *format = cli_str(args, "format") ?: "docker-archive";
	berth_error err = {0};
	bool oci;
	int fd = -1, r;

	if (strcmp(format, "docker-archive") == 0)
		oci = false;
	else if (strcmp(format, "oci-archive") == 0)
		oci = true;
	else if (strcmp(format, "oci-dir") == 0 || strcmp(format, "docker-dir") == 0)
		return save_dir(ctx, args, format[0] == 'o');
	else
		return cli_error("save: unknown format \"%s\": use docker-archive, oci-archive, "
				 "oci-dir or docker-dir",
				 format);
	if (cli_argc(args) > SAVE_MAX_IMAGES)
		return cli_error("save: more than %d images in one archive", SAVE_MAX_IMAGES);
	if (!buf || !written)
		return cli_error("out of memory");
	if (!output && isatty(STDOUT_FILENO))
		return cli_error(
		    "failed to save image(s): refusing to save to terminal. Use -o flag "
		    "or redirect");
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (output) {
		if (open_output(output, &tmp, &fd, &err) < 0)
			return cli_fail(&err);
	} else {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return cli_error("save: stdout: %s", strerror(errno));
	}

	struct save_ctx c = {
	    .s = s,
	    .tw = archive_write_new(),
	    .quiet = cli_flag(args, "quiet"),
	    .buf = buf,
	    .written = written,
	    .out_fd = fd,
	};
	if (!c.tw) {
		r = berr(&err, ENOMEM, "out of memory");
		goto out;
	}
	archive_write_set_format_pax_restricted(c.tw);
	if (archive_write_open2(c.tw, &c, NULL, save_write_cb, NULL, NULL) != ARCHIVE_OK) {
		r = tar_fail(&c, "archive", &err);
		goto out;
	}
	/* a shared lock: rmi and gc wait until every blob is out */
	r = store_lock(s, false, &err);
	if (r < 0)
		goto out;
	if (!c.quiet)
		fprintf(stderr, "Getting image source signatures\n");
	r = save_all(&c, oci, cli_argv(args), cli_argc(args), &err);
	store_unlock(s);
	if (r >= 0 && archive_write_close(c.tw) != ARCHIVE_OK)
		r = tar_fail(&c, "archive", &err);
	if (r >= 0 && tmp && (fsync(fd) < 0 || rename(tmp, output) < 0))
		r = berr_errno(&err, errno, "save: write %s", output);
out:
	if (c.tw)
		archive_write_free(c.tw);
	close(fd);
	if (r < 0) {
		if (tmp)
			unlink(tmp);
		return cli_fail(&err);
	}
	if (!c.quiet)
		fprintf(stderr, "Writing manifest to image destination\nStoring signatures\n");
	for (int i = 0; i < cli_argc(args); i++) {
		struct store_event ev = {
		    .type = "image", .action = "save", .name = cli_argv(args)[i]};
		(void)store_event_emit(ctx->runroot, &ev, NULL);
	}
	return 0;
}
