/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive_load.c - `berth load [-i FILE] [-q]`: images from a docker-archive (docker save,
 * podman save) or an oci-archive (an OCI image layout in a tar), plain or compressed.
 *
 * Theory of operation: the archive (a file or stdin) is unpacked with layer_extract() into a
 * flock'ed temp dir under <root>/tmp, so a hostile archive gets the same protections as a layer
 * (nothing written outside that dir, no device nodes, no chown, limits). Every name the
 * archive's own JSON mentions is opened with openat2(RESOLVE_IN_ROOT) below that dir, so
 * "../../etc/shadow" in a manifest.json is just a missing file. Blobs are then ingested into the
 * store as they are (digests verified: OCI blobs against their descriptors, docker layers against
 * the config's diff_ids when they are unpacked), layers created base first, a manifest written
 * for docker archives (which have none), and the image recorded with its names. The store lock
 * is held shared throughout, so a kill -9 leaves only garbage that gc removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "store/events.h"
#include "store/layer_extract.h"
#include "store/store.h"
#include "transfer/transfer.h"
#include "transport/image_archive.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/macro.h"

#define LOAD_MAX_IMAGES	    256
#define LOAD_MAX_INDEX_SIZE (4u << 20)
#define OCI_MANIFEST	    "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX	    "application/vnd.oci.image.index.v1+json"
#define OCI_CONFIG	    "application/vnd.oci.image.config.v1+json"
#define DOCKER_MANIFEST	    "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST	    "application/vnd.docker.distribution.manifest.list.v2+json"

struct load_ctx {
	struct store *s;
	const char *what; /* the archive, for messages */
	int dir;	  /* the unpacked archive */
	bool quiet;
	char **loaded;	   /* "Loaded image: X" values, NULL-terminated */
	char **loaded_ids; /* the image id of each line */
	size_t n_loaded;
};

/* jansson's own json_decrefp() (behind json_auto_t) */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Open @name (from the archive's JSON: untrusted) as a regular file inside the archive dir. */
static int open_in_archive(struct load_ctx *l, const char *name, int *ret_fd, berth_error *err)
{
	return img_archive_open_in(l->dir, name, l->what, ret_fd, err);
}

static int read_in_archive(struct load_ctx *l, const char *name, size_t max, char **ret,
			   size_t *ret_len, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	int r = open_in_archive(l, name, &fd, err);

	if (r < 0)
		return r;
	r = read_fd_all(fd, max, ret, ret_len, err);
	return r < 0 ? berr_prefix(err, "%s: %s", l->what, name) : 0;
}

static json_t *parse_json(struct load_ctx *l, const char *name, const char *text, size_t len,
			  berth_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		berr(err, EBADMSG, "%s: %s is not valid JSON (line %d: %s)", l->what, name, je.line,
		     je.text);
	return j;
}

/*
 * A name from an archive, as docker and podman read it: "busybox" → docker.io/library/busybox,
 * "me/app:1" → docker.io/me/app:1; names with a registry host (a "." or ":" in the first
 * component, or "localhost") are kept. Then store_name_normalize() (adds :latest).
 */
static int archive_name(const char *in, char **ret, berth_error *err)
{
	const char *slash = strchr(in, '/');
	_cleanup_free_ char *full = NULL;
	bool has_host = false;

	if (slash) {
		size_t n = (size_t)(slash - in);
		has_host = memchr(in, '.', n) || memchr(in, ':', n) ||
			   (n == 9 && strncmp(in, "localhost", 9) == 0);
	}
	if (has_host)
		full = strdup(in);
	else if (asprintf(&full, "docker.io/%s%s", slash ? "" : "library/", in) < 0)
		full = NULL;
	if (!full)
		return berr(err, ENOMEM, "out of memory");
	return store_name_normalize(full, ret, err);
}

static const char *media_type_of_blob(struct store *s, const char *digest)
{
	_cleanup_close_ int fd = -1;
	unsigned char m[4] = {0};

	if (store_blob_open(s, digest, &fd, NULL) < 0 || read(fd, m, sizeof(m)) < 2)
		return "application/vnd.oci.image.layer.v1.tar";
	if (m[0] == 0x1f && m[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

static int add_loaded(struct load_ctx *l, const char *what, const char *id)
{
	char **n = realloc(l->loaded, (l->n_loaded + 2) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	l->loaded = n;
	n = realloc(l->loaded_ids, (l->n_loaded + 2) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->loaded_ids = n;
	l->loaded[l->n_loaded] = strdup(what);
	l->loaded_ids[l->n_loaded] = strdup(id);
	l->loaded[l->n_loaded + 1] = l->loaded_ids[l->n_loaded + 1] = NULL;
	if (!l->loaded[l->n_loaded] || !l->loaded_ids[l->n_loaded]) {
		free(l->loaded[l->n_loaded]);
		free(l->loaded_ids[l->n_loaded]);
		l->loaded[l->n_loaded] = l->loaded_ids[l->n_loaded] = NULL;
		return -ENOMEM;
	}
	l->n_loaded++;
	return 0;
}

/* The config's rootfs.diff_ids, checked against the number of layers. */
static json_t *config_diff_ids(struct load_ctx *l, json_t *config, size_t n_layers,
			       berth_error *err)
{
	json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");

	if (!json_is_array(ids) || json_array_size(ids) != n_layers) {
		berr(err, EBADMSG,
		     "%s: the image config lists %zu diff_ids for %zu layers; the archive is "
		     "corrupt",
		     l->what, json_is_array(ids) ? json_array_size(ids) : 0, n_layers);
		return NULL;
	}
	for (size_t i = 0; i < n_layers; i++)
		if (!store_digest_valid(json_string_value(json_array_get(ids, i)))) {
			berr(err, EBADMSG, "%s: the image config has an invalid diff_id", l->what);
			return NULL;
		}
	return ids;
}

/* Record the image: names normalized, and the "Loaded image" lines. */
static int record_image(struct load_ctx *l, const char *cfg_digest, const char *man_digest,
			const char *man_type, char **layer_ids, char **blobs, size_t n,
			json_t *names, berth_error *err)
{
	_cleanup_strv_free_ char **norm = calloc(json_array_size(names) + 1, sizeof(char *));
	char id[STORE_ID_LEN + 1];
	size_t k = 0;
	int r;

	if (!norm)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(names); i++) {
		const char *nm = json_string_value(json_array_get(names, i));
		if (!nm)
			continue;
		r = archive_name(nm, &norm[k], err);
		if (r < 0)
			return berr_prefix(err, "%s", l->what);
		k++;
	}
	struct store_image_spec spec = {
	    .config_digest = cfg_digest,
	    .manifest_digest = man_digest,
	    .manifest_media_type = man_type,
	    .layers = layer_ids,
	    .blob_digests = blobs,
	    .n_layers = n,
	    .names = k ? norm : NULL,
	};
	r = store_image_create(l->s, &spec, id, err);
	if (r < 0)
		return r;
	if (k == 0) {
		char line[STORE_ID_LEN + 8];
		snprintf(line, sizeof(line), "sha256:%s", id);
		return add_loaded(l, line, id) < 0 ? berr(err, ENOMEM, "out of memory") : 0;
	}
	for (size_t i = 0; i < k; i++)
		if (add_loaded(l, norm[i], id) < 0)
			return berr(err, ENOMEM, "out of memory");
	return 0;
}

static void progress(struct load_ctx *l, const char *kind, const char *digest)
{
	if (!l->quiet)
		fprintf(stderr, "Copying %s %.19s done\n", kind, digest);
}

/*
 * When the layer this blob claims to be is in the store already, the store reuses it without
 * unpacking the blob: make sure the blob really is that layer first, or a tampered archive would
 * pair a foreign blob with a trusted layer (and `save`/`push` would hand the foreign blob on).
 */
static int verify_known_layer(struct load_ctx *l, const char *parent, const char *blob,
			      const char *diff_id, berth_error *err)
{
	_cleanup_(store_layer_freep) struct store_layer *known = NULL;
	_cleanup_close_ int fd = -1;
	char id[STORE_ID_LEN + 1];
	struct layer_extract_opts o = {.expect_diff_id = diff_id, .what = "layer"};
	int r;

	if (!diff_id || store_layer_chain_id(parent, diff_id, id, NULL) < 0 ||
	    store_layer_get(l->s, id, &known, NULL) < 0)
		return 0; /* unknown: the store unpacks it and checks the diff_id itself */
	if (known->compressed_digest && strcmp(known->compressed_digest, blob) == 0)
		return 0; /* the very blob it was unpacked from */
	r = store_blob_open(l->s, blob, &fd, err);
	if (r < 0)
		return r;
	return layer_extract(-1, fd, &o, NULL, err);
}

/* Ingest the layer blobs (files in the archive) and create the layers, base first. */
static int load_layers(struct load_ctx *l, char *const *files, char *const *expect_digests,
		       char *const *media_types, json_t *diff_ids, size_t n, char **layer_ids,
		       char **blobs, berth_error *err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = -1;
		char digest[STORE_DIGEST_LEN + 1];
		char id[STORE_ID_LEN + 1];
		const char *mt;
		int r;

		r = open_in_archive(l, files[i], &fd, err);
		if (r < 0)
			return r;
		r = store_blob_ingest_fd(l->s, fd, expect_digests ? expect_digests[i] : NULL, 0,
					 digest, NULL, err);
		if (r < 0)
			return berr_prefix(err, "%s: layer %s", l->what, files[i]);
		mt = media_types && media_types[i] ? media_types[i]
						   : media_type_of_blob(l->s, digest);
		r = verify_known_layer(l, i ? layer_ids[i - 1] : NULL, digest,
				       json_string_value(json_array_get(diff_ids, i)), err);
		if (r < 0)
			return berr_prefix(err, "%s: layer %s", l->what, files[i]);
		r = store_layer_create_from_blob(l->s, i ? layer_ids[i - 1] : NULL, digest, mt,
						 json_string_value(json_array_get(diff_ids, i)), id,
						 err);
		if (r < 0)
			return berr_prefix(err, "%s: layer %s", l->what, files[i]);
		progress(l, "blob", digest);
		layer_ids[i] = strdup(id);
		blobs[i] = strdup(digest);
		if (!layer_ids[i] || !blobs[i])
			return berr(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* One entry of a docker-archive manifest.json. */
static int load_docker_image(struct load_ctx *l, json_t *entry, berth_error *err)
{
	const char *cfg_name = json_string_value(json_object_get(entry, "Config"));
	json_t *layers = json_object_get(entry, "Layers");
	json_t *tags = json_object_get(entry, "RepoTags");
	_cleanup_free_ char *cfg_text = NULL, *man_text = NULL;
	_cleanup_json_ json_t *config = NULL, *manifest = NULL;
	_cleanup_strv_free_ char **files = NULL, **layer_ids = NULL, **blobs = NULL;
	char cfg_digest[STORE_DIGEST_LEN + 1], man_digest[STORE_DIGEST_LEN + 1];
	size_t cfg_len, n;
	json_t *diff_ids, *descs;
	int r;

	if (!cfg_name || !json_is_array(layers))
		return berr(err, EBADMSG,
			    "%s: manifest.json: an entry lacks \"Config\" or \"Layers\"; the "
			    "archive is not a docker-archive",
			    l->what);
	n = json_array_size(layers);
	if (n == 0 || n > STORE_MAX_LAYERS)
		return berr(err, E2BIG, "%s: an image with %zu layers (the limit is %d)", l->what,
			    n, STORE_MAX_LAYERS);
	r = read_in_archive(l, cfg_name, STORE_MAX_CONFIG_SIZE, &cfg_text, &cfg_len, err);
	if (r < 0)
		return r;
	config = parse_json(l, cfg_name, cfg_text, cfg_len, err);
	if (!config)
		return -EBADMSG;
	diff_ids = config_diff_ids(l, config, n, err);
	if (!diff_ids)
		return -EBADMSG;

	files = calloc(n + 1, sizeof(char *));
	layer_ids = calloc(n + 1, sizeof(char *));
	blobs = calloc(n + 1, sizeof(char *));
	if (!files || !layer_ids || !blobs)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *f = json_string_value(json_array_get(layers, i));
		if (!f || !(files[i] = strdup(f)))
			return berr(err, EBADMSG, "%s: manifest.json: layer %zu is not a file name",
				    l->what, i);
	}
	r = load_layers(l, files, NULL, NULL, diff_ids, n, layer_ids, blobs, err);
	if (r < 0)
		return r;
	r = store_blob_ingest_buf(l->s, cfg_text, cfg_len, NULL, cfg_digest, err);
	if (r < 0)
		return r;
	progress(l, "config", cfg_digest);

	/* A docker archive carries no manifest: write the OCI manifest of what was stored. */
	manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}}", "schemaVersion", 2, "mediaType",
			     OCI_MANIFEST, "config", "mediaType", OCI_CONFIG, "digest", cfg_digest,
			     "size", (json_int_t)cfg_len);
	descs = json_array();
	if (!manifest || !descs) {
		json_decref(descs);
		return berr(err, ENOMEM, "out of memory");
	}
	json_object_set_new(manifest, "layers", descs);
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = -1;
		struct stat st;
		r = store_blob_open(l->s, blobs[i], &fd, err);
		if (r < 0)
			return r;
		if (fstat(fd, &st) < 0)
			return berr_errno(err, errno, "%s: stat blob %s", l->what, blobs[i]);
		json_array_append_new(descs, json_pack("{s:s, s:s, s:I}", "mediaType",
						       media_type_of_blob(l->s, blobs[i]), "digest",
						       blobs[i], "size", (json_int_t)st.st_size));
	}
	man_text = json_dumps(manifest, JSON_COMPACT);
	if (!man_text)
		return berr(err, ENOMEM, "out of memory");
	r = store_blob_ingest_buf(l->s, man_text, strlen(man_text), NULL, man_digest, err);
	if (r < 0)
		return r;
	return record_image(l, cfg_digest, man_digest, OCI_MANIFEST, layer_ids, blobs, n,
			    json_is_array(tags) ? tags : NULL, err);
}

static int load_docker(struct load_ctx *l, berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *m = NULL;
	size_t len, i;
	json_t *entry;
	int r;

	r = read_in_archive(l, "manifest.json", LOAD_MAX_INDEX_SIZE, &text, &len, err);
	if (r < 0)
		return r;
	m = parse_json(l, "manifest.json", text, len, err);
	if (!m)
		return -EBADMSG;
	if (!json_is_array(m) || json_array_size(m) == 0)
		return berr(err, EBADMSG, "%s: manifest.json lists no images", l->what);
	if (json_array_size(m) > LOAD_MAX_IMAGES)
		return berr(err, E2BIG, "%s: more than %d images in one archive", l->what,
			    LOAD_MAX_IMAGES);
	json_array_foreach(m, i, entry)
	{
		r = load_docker_image(l, entry, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "blobs/sha256/<hex>" of a descriptor's digest, which must be valid. */
static int blob_file(struct load_ctx *l, json_t *desc, char name[96], const char **ret_digest,
		     berth_error *err)
{
	const char *digest = json_string_value(json_object_get(desc, "digest"));

	if (!store_digest_valid(digest))
		return berr(err, EBADMSG, "%s: a descriptor has an invalid or unsupported digest",
			    l->what);
	snprintf(name, 96, "blobs/sha256/%s", digest + 7);
	*ret_digest = digest;
	return 0;
}

/* Read a JSON blob of the layout, verifying it against its descriptor, and keep it. */
static int oci_json_blob(struct load_ctx *l, json_t *desc, size_t max, char **ret_text,
			 json_t **ret_json, berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	char name[96];
	const char *digest;
	size_t len;
	int r;

	r = blob_file(l, desc, name, &digest, err);
	if (r < 0)
		return r;
	r = read_in_archive(l, name, max, &text, &len, err);
	if (r < 0)
		return r;
	r = store_blob_ingest_buf(l->s, text, len, digest, NULL, err);
	if (r < 0)
		return berr_prefix(err, "%s: %s", l->what, name);
	*ret_json = parse_json(l, name, text, len, err);
	if (!*ret_json)
		return -EBADMSG;
	*ret_text = TAKE_PTR(text);
	return 0;
}

static const char *machine_arch(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

static int load_oci_manifest(struct load_ctx *l, json_t *desc, json_t *names, unsigned depth,
			     berth_error *err);

/* An index inside the layout: pick this machine's platform, else the first entry. */
static int load_oci_index(struct load_ctx *l, json_t *index, json_t *names, unsigned depth,
			  berth_error *err)
{
	json_t *ms = json_object_get(index, "manifests"), *pick = NULL, *d;
	size_t i;

	if (!json_is_array(ms) || json_array_size(ms) == 0)
		return berr(err, EBADMSG, "%s: an image index lists no manifests", l->what);
	json_array_foreach(ms, i, d)
	{
		json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		if (os && arch && strcmp(os, "linux") == 0 && strcmp(arch, machine_arch()) == 0) {
			pick = d;
			break;
		}
	}
	return load_oci_manifest(l, pick ?: json_array_get(ms, 0), names, depth + 1, err);
}

static int load_oci_manifest(struct load_ctx *l, json_t *desc, json_t *names, unsigned depth,
			     berth_error *err)
{
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	_cleanup_free_ char *man_text = NULL, *cfg_text = NULL;
	_cleanup_json_ json_t *man = NULL, *config = NULL;
	_cleanup_strv_free_ char **files = NULL, **digests = NULL, **types = NULL,
				 **layer_ids = NULL, **blobs = NULL;
	const char *cfg_digest;
	char cfg_name[96], man_digest[STORE_DIGEST_LEN + 1];
	json_t *layers, *diff_ids;
	size_t n;
	int r;

	if (depth > 2)
		return berr(err, EBADMSG, "%s: image indexes nested too deep", l->what);
	r = oci_json_blob(l, desc, STORE_MAX_MANIFEST_SIZE, &man_text, &man, err);
	if (r < 0)
		return r;
	if (!mt)
		mt = json_string_value(json_object_get(man, "mediaType"));
	if ((mt && (strcmp(mt, OCI_INDEX) == 0 || strcmp(mt, DOCKER_LIST) == 0)) ||
	    (!mt && json_is_array(json_object_get(man, "manifests"))))
		return load_oci_index(l, man, names, depth, err);
	if (mt && strcmp(mt, OCI_MANIFEST) != 0 && strcmp(mt, DOCKER_MANIFEST) != 0)
		return berr(err, ENOTSUP, "%s: manifest type %s is not supported", l->what, mt);
	snprintf(man_digest, sizeof(man_digest), "%s",
		 json_string_value(json_object_get(desc, "digest")));

	layers = json_object_get(man, "layers");
	n = json_array_size(layers);
	if (!json_is_array(layers) || n == 0 || n > STORE_MAX_LAYERS)
		return berr(err, EBADMSG, "%s: manifest %.19s has %zu layers (1 to %d allowed)",
			    l->what, man_digest, n, STORE_MAX_LAYERS);
	r = oci_json_blob(l, json_object_get(man, "config"), STORE_MAX_CONFIG_SIZE, &cfg_text,
			  &config, err);
	if (r < 0)
		return r;
	r = blob_file(l, json_object_get(man, "config"), cfg_name, &cfg_digest, err);
	if (r < 0)
		return r;
	progress(l, "config", cfg_digest);
	diff_ids = config_diff_ids(l, config, n, err);
	if (!diff_ids)
		return -EBADMSG;

	files = calloc(n + 1, sizeof(char *));
	digests = calloc(n + 1, sizeof(char *));
	types = calloc(n + 1, sizeof(char *));
	layer_ids = calloc(n + 1, sizeof(char *));
	blobs = calloc(n + 1, sizeof(char *));
	if (!files || !digests || !types || !layer_ids || !blobs)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *ld = json_array_get(layers, i);
		const char *d, *t = json_string_value(json_object_get(ld, "mediaType"));
		char name[96];
		r = blob_file(l, ld, name, &d, err);
		if (r < 0)
			return r;
		files[i] = strdup(name);
		digests[i] = strdup(d);
		types[i] = strdup(t ?: "application/vnd.oci.image.layer.v1.tar");
		if (!files[i] || !digests[i] || !types[i])
			return berr(err, ENOMEM, "out of memory");
	}
	r = load_layers(l, files, digests, types, diff_ids, n, layer_ids, blobs, err);
	if (r < 0)
		return r;
	return record_image(l, cfg_digest, man_digest, mt ?: OCI_MANIFEST, layer_ids, blobs, n,
			    names, err);
}

static int load_oci(struct load_ctx *l, berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *index = NULL;
	json_t *ms, *d;
	size_t len, i;
	int r;

	r = read_in_archive(l, "index.json", LOAD_MAX_INDEX_SIZE, &text, &len, err);
	if (r < 0)
		return r;
	index = parse_json(l, "index.json", text, len, err);
	if (!index)
		return -EBADMSG;
	ms = json_object_get(index, "manifests");
	if (!json_is_array(ms) || json_array_size(ms) == 0)
		return berr(err, EBADMSG, "%s: index.json lists no images", l->what);
	if (json_array_size(ms) > LOAD_MAX_IMAGES)
		return berr(err, E2BIG, "%s: more than %d images in one archive", l->what,
			    LOAD_MAX_IMAGES);
	json_array_foreach(ms, i, d)
	{
		json_t *ann = json_object_get(d, "annotations");
		const char *ref =
		    json_string_value(json_object_get(ann, "io.containerd.image.name"));
		_cleanup_json_ json_t *names = json_array();

		if (!ref)
			ref = json_string_value(
			    json_object_get(ann, "org.opencontainers.image.ref.name"));
		/* a bare tag ("latest", as skopeo writes) names no repository: no name then */
		if (ref && (strchr(ref, '/') || strchr(ref, ':')))
			json_array_append_new(names, json_string(ref));
		r = load_oci_manifest(l, d, names, 0, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A flock'ed work dir in <root>/tmp, which gc leaves alone while we hold it. */
static int work_dir(struct store *s, char name[64], int *ret_tmp, int *ret_fd, berth_error *err)
{
	_cleanup_close_ int tmp =
	    openat(store_root_fd(s), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_close_ int fd = -1;

	if (tmp < 0)
		return berr_errno(err, errno, "open %s/tmp", store_root(s));
	for (int i = 0;; i++) {
		snprintf(name, 64, "load-%d-%08lx", (int)getpid(), random());
		if (mkdirat(tmp, name, 0700) == 0)
			break;
		if (errno != EEXIST || i > 100)
			return berr_errno(err, errno, "create a temp dir in %s/tmp", store_root(s));
	}
	fd = openat(tmp, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || lock_fd(fd, true, false) < 0) {
		int e = errno;
		unlinkat(tmp, name, AT_REMOVEDIR);
		return berr_errno(err, e, "open temp dir %s/tmp/%s", store_root(s), name);
	}
	*ret_tmp = TAKE_FD(tmp);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int load_archive(struct load_ctx *l, int in_fd, berth_error *err)
{
	struct layer_extract_opts xo = {
	    /* an archive is a container of plain files: no owners, devices or whiteouts */
	    .rootless = true,
	    .no_chown = true,
	    .whiteouts = LAYER_WHITEOUT_KEEP,
	    .what = l->what,
	};
	int r;

	r = layer_extract(l->dir, in_fd, &xo, NULL, err);
	if (r < 0) {
		if (r == -EBADMSG)
			berr_prefix(err, "load");
		return r;
	}
	if (!l->quiet)
		fprintf(stderr, "Getting image source signatures\n");
	if (faccessat(l->dir, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return load_docker(l, err);
	if (faccessat(l->dir, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return load_oci(l, err);
	return berr(err, EINVAL,
		    "%s: neither a docker-archive (manifest.json) nor an oci-archive (index.json); "
		    "make it with berth save or podman save",
		    l->what);
}

TRANSFER_HANDLER int cmd_load(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_close_ int in = -1, tmp = -1, dir = -1;
	const char *input = cli_str(args, "input");
	berth_error err = {0};
	char tmpname[64], what[300];
	struct load_ctx l = {.quiet = cli_flag(args, "quiet")};
	struct stat st;
	int r;

	if (!input) {
		if (isatty(STDIN_FILENO))
			return cli_error(
			    "cannot read from terminal, use command-line redirection or "
			    "the --input flag");
		input = "-";
	}
	if (strcmp(input, "-") == 0 || strcmp(input, "/dev/stdin") == 0) {
		in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		snprintf(what, sizeof(what), "load from stdin");
	} else {
		in = open(input, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		snprintf(what, sizeof(what), "load %.280s", input);
	}
	if (in < 0)
		return cli_error("%s: %s", what, strerror(errno));
	l.what = what;
	/* a directory: an OCI layout (podman's oci-dir) is read in place, a dir: layout copied */
	bool is_dir = fstat(in, &st) == 0 && S_ISDIR(st.st_mode);
	if (is_dir && faccessat(in, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
		if (faccessat(in, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			return cli_error("%s: neither an OCI layout (index.json) nor a dir: layout "
					 "(manifest.json); make it with berth save or podman save",
					 what);
		return load_dir_layout(ctx, input, l.quiet);
	}

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	l.s = s;
	if (store_lock(s, false, &err) < 0)
		return cli_fail(&err);
	if (is_dir) {
		l.dir = in;
		if (!l.quiet)
			fprintf(stderr, "Getting image source signatures\n");
		r = load_oci(&l, &err);
	} else if ((r = work_dir(s, tmpname, &tmp, &dir, &err)) >= 0) {
		l.dir = dir;
		r = load_archive(&l, in, &err);
		/* the archive's copy is no longer needed, whatever happened */
		(void)rm_rf_at(tmp, tmpname, NULL);
	}
	store_unlock(s);
	if (r < 0) {
		strv_free(l.loaded);
		strv_free(l.loaded_ids);
		return cli_fail(&err);
	}
	if (!l.quiet)
		fprintf(stderr, "Writing manifest to image destination\nStoring signatures\n");
	for (size_t i = 0; i < l.n_loaded; i++) {
		struct store_event ev = {
		    .type = "image",
		    .action = "loadfromarchive",
		    .id = l.loaded_ids[i],
		    .name = l.loaded[i],
		};
		(void)store_event_emit(ctx->runroot, &ev, NULL);
		printf("Loaded image: %s\n", l.loaded[i]);
	}
	strv_free(l.loaded);
	strv_free(l.loaded_ids);
	return 0;
}
