/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - berth's image store: blobs, unpacked layers, images and their names, the metadata
 * database every other record (containers, pods, volumes, exec sessions) lives in, the
 * containers' writable-layer directories and the events log.
 *
 * Layout under the store root (--root):
 *   berth.db                      SQLite, WAL mode, numbered migrations (PRAGMA user_version);
 *                                 berth.db-wal/-shm stay between commands (see open_db())
 *   blobs/sha256/<hex>            blobs exactly as received (compressed layers, configs, manifests)
 *   overlay/<chain-id>/diff       unpacked layers, keyed by OCI chain id (hex, no "sha256:")
 *   overlay-containers/<id>/      a container's upper/, work/, merged/
 *   tmp/                          temp files and dirs of operations in flight (each flock'ed)
 *   store.lock                    the store lock (see store_lock())
 * and under the run root (--runroot):
 *   events/events.log             one JSON object per line (podman's event fields)
 *   locks/<id>.lock               per-container locks
 *   seccomp/<hash>.bpf            compiled seccomp filters (linux.seccomp's text + program +
 *                                 its hash; a cache)
 *   seccomp/<hash>.oci            containers-common profiles converted to linux.seccomp (the
 *                                 file's identity, contents hash, caps, arch, kernel + the
 *                                 OCI text + its hash; a cache)
 *
 * The database is the truth. Writers put files in place first (blob renamed in after its digest
 * matched, layer dir renamed in after it was unpacked) and reference them from the database in one
 * BEGIN IMMEDIATE transaction afterwards, so a kill -9 at any point leaves at worst unreferenced
 * files, which store_gc() (system check, prune) removes. Operations that add or remove images hold
 * the store lock shared; gc/check/reset hold it exclusive, so they never see half-done work.
 *
 * Functions marked [heavy] hash data and live in store_heavy_sources (berth-transfer only).
 * Digests are written "sha256:<64 hex>"; image and layer ids are the bare 64 hex digits.
 */
#ifndef BERTH_STORE_STORE_H
#define BERTH_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define STORE_DIGEST_LEN 71 /* "sha256:" + 64 hex */
#define STORE_ID_LEN 64
/** Hard limits on metadata blobs read into memory. */
#define STORE_MAX_MANIFEST_SIZE (4u << 20)
#define STORE_MAX_CONFIG_SIZE (8u << 20)
#define STORE_MAX_LAYERS 500
#define STORE_MAX_NAME_LEN 4096

struct store;

/* ---- opening ---------------------------------------------------------------------------- */

/**
 * store_open() - open (creating when missing) the store at @root / @runroot
 * @root:	store root directory (absolute)
 * @runroot:	run root directory (absolute)
 * @ret:	receives the store
 * Runs pending migrations. Never share the result across fork(): open a new one in the child.
 */
int store_open(const char *root, const char *runroot, struct store **ret, berth_error *err);

/** store_close() - release; NULL is fine. */
void store_close(struct store *s);
static inline void store_closep(struct store **s)
{
	store_close(*s);
}
#define _cleanup_store_ _cleanup_(store_closep)

/**
 * store_recycle() - make @s fit to serve another request of a long-lived process (berth-api
 * keeps its handles open): drops the store lock, rolls back an unfinished transaction. Every
 * read still sees what other processes committed (SQLite checks the WAL at each one).
 * Return: false when @s must be closed instead: a statement left open (it would pin an old
 * snapshot), another process (fork), or a database that is no longer the one at root/berth.db
 * (system reset removed it).
 */
bool store_recycle(struct store *s);

/** store_root()/store_runroot() - the paths given to store_open(). */
const char *store_root(const struct store *s);
const char *store_runroot(const struct store *s);
/** store_root_fd() - O_DIRECTORY fd of the store root (owned by the store). */
int store_root_fd(const struct store *s);

/**
 * store_lock() - take the store lock: @exclusive for gc/check/reset/prune, shared for
 * operations that add or remove images, layers or blobs. Waits. Released by store_unlock() or
 * store_close().
 */
int store_lock(struct store *s, bool exclusive, berth_error *err);
/** store_unlock() - drop the store lock taken by store_lock(). */
void store_unlock(struct store *s);

/* ---- names ------------------------------------------------------------------------------ */

/**
 * store_name_normalize() - podman's normalization of a name for tag/import: "busybox" →
 * "localhost/busybox:latest", "foo/bar" → "localhost/foo/bar:latest", "quay.io/a/b" →
 * "quay.io/a/b:latest", "docker.io/x" → "docker.io/library/x:latest"; a digest ("@sha256:..")
 * is kept as is. Refuses invalid names (-EINVAL, message names @name).
 */
int store_name_normalize(const char *name, char **ret, berth_error *err);

/**
 * store_name_split() - split a normalized name into repository and tag ("<none>" when absent,
 * or when the name is repo@digest). Both malloc'd.
 */
int store_name_split(const char *name, char **ret_repo, char **ret_tag);

/* ---- blobs ------------------------------------------------------------------------------ */

/** store_digest_valid() - "sha256:" followed by exactly 64 lowercase hex digits. */
bool store_digest_valid(const char *digest);

/** store_blob_path() - malloc'd absolute path of blob @digest (whether it exists or not). */
int store_blob_path(const struct store *s, const char *digest, char **ret, berth_error *err);

/** store_blob_exists() - whether the blob file is present (not re-verified). */
bool store_blob_exists(const struct store *s, const char *digest);

/** store_blob_open() - open blob @digest read-only (O_CLOEXEC); -ENOENT when missing. */
int store_blob_open(const struct store *s, const char *digest, int *ret_fd, berth_error *err);

/** store_blob_read() - read a whole blob (at most @max bytes) into a NUL-terminated buffer. */
int store_blob_read(const struct store *s, const char *digest, size_t max, char **ret,
		    size_t *ret_len, berth_error *err);

/** struct store_blob_writer - a blob being received; see store_blob_writer_new(). */
struct store_blob_writer;

/**
 * store_blob_writer_new() - [heavy] start receiving a blob into <root>/tmp (flock'ed so gc
 * leaves it alone). Feed it with store_blob_writer_write(), then store_blob_writer_commit().
 * @max_size:	refuse more bytes than this (-EFBIG); 0 = no limit
 */
int store_blob_writer_new(struct store *s, uint64_t max_size, struct store_blob_writer **ret,
			  berth_error *err);
/** store_blob_writer_write() - [heavy] append and hash @len bytes. */
int store_blob_writer_write(struct store_blob_writer *w, const void *data, size_t len,
			    berth_error *err);
/**
 * store_blob_writer_commit() - [heavy] fsync, compare with @expect_digest (NULL = accept
 * whatever was received; -EBADMSG on mismatch, nothing kept) and rename into blobs/.
 * @ret_digest:	receives "sha256:<hex>" (STORE_DIGEST_LEN + 1 bytes), may be NULL
 * @ret_size:	receives the size, may be NULL
 * The writer is freed in every case.
 */
int store_blob_writer_commit(struct store_blob_writer *w, const char *expect_digest,
			     char ret_digest[STORE_DIGEST_LEN + 1], uint64_t *ret_size,
			     berth_error *err);
/** store_blob_writer_abort() - [heavy] drop a blob being received; NULL is fine. */
void store_blob_writer_abort(struct store_blob_writer *w);

/** store_blob_ingest_fd() - [heavy] a writer fed from @fd to EOF, then committed. */
int store_blob_ingest_fd(struct store *s, int fd, const char *expect_digest, uint64_t max_size,
			 char ret_digest[STORE_DIGEST_LEN + 1], uint64_t *ret_size,
			 berth_error *err);
/**
 * store_blob_adopt_fd() - [heavy] take @fd, an unnamed temp file (O_TMPFILE) in <root>/tmp
 * whose content the caller has already hashed to @digest, as blob @digest without copying or
 * hashing it again: fsync'ed, named under <root>/tmp (flock'ed, as a writer's file is) and
 * renamed into blobs/. -EXDEV when @fd is not such a file (the caller then ingests it).
 */
int store_blob_adopt_fd(struct store *s, int fd, const char *digest, berth_error *err);
/** store_blob_ingest_buf() - [heavy] a writer fed from memory, then committed. */
int store_blob_ingest_buf(struct store *s, const void *data, size_t len,
			  const char *expect_digest, char ret_digest[STORE_DIGEST_LEN + 1],
			  berth_error *err);

/** store_blob_verify() - [heavy] re-hash blob @digest; -EBADMSG when its content changed. */
int store_blob_verify(const struct store *s, const char *digest, berth_error *err);

/* ---- layers ----------------------------------------------------------------------------- */

/**
 * struct store_layer - one unpacked layer
 * @id:			chain id hex (the layer's key)
 * @parent:		parent chain id hex, or NULL for a base layer
 * @diff_id:		"sha256:..." of the uncompressed tar
 * @compressed_digest:	"sha256:..." of the blob it was unpacked from
 * @media_type:		that blob's media type
 * @compressed_size:	blob size
 * @size:		uncompressed tar size
 * @content_size:	sum of regular files' sizes
 * @created:		unix ns
 */
struct store_layer {
	char *id;
	char *parent;
	char *diff_id;
	char *compressed_digest;
	char *media_type;
	int64_t compressed_size;
	int64_t size;
	int64_t content_size;
	int64_t created;
};

/** store_layer_free() - release; NULL is fine. */
void store_layer_free(struct store_layer *l);
static inline void store_layer_freep(struct store_layer **l)
{
	store_layer_free(*l);
}

/** store_layer_get() - the layer with chain id @id; -ENOENT when unknown. */
int store_layer_get(struct store *s, const char *id, struct store_layer **ret, berth_error *err);

/**
 * store_layer_chain_id() - [heavy] OCI chain id: @parent_id NULL → hex of @diff_id; else
 * sha256("sha256:<parent> sha256:<diffhex>"). @ret gets 64 hex + NUL.
 */
int store_layer_chain_id(const char *parent_id, const char *diff_id,
			 char ret[STORE_ID_LEN + 1], berth_error *err);

/**
 * store_layer_create_from_blob() - [heavy] unpack blob @blob_digest (already in the store) on
 * top of layer @parent_id (NULL for a base layer) and record it; when a layer with the resulting
 * chain id exists already, nothing is unpacked again. Hold the store lock (shared).
 * @media_type:		the blob's media type (recorded; compression is detected anyway)
 * @expect_diff_id:	"sha256:..." the uncompressed content must hash to, or NULL
 * @ret_id:		receives the chain id (64 hex + NUL)
 */
int store_layer_create_from_blob(struct store *s, const char *parent_id, const char *blob_digest,
				 const char *media_type, const char *expect_diff_id,
				 char ret_id[STORE_ID_LEN + 1], berth_error *err);

/** store_layer_diff_path() - malloc'd absolute path of <root>/overlay/<id>/diff. */
int store_layer_diff_path(const struct store *s, const char *id, char **ret, berth_error *err);

/**
 * store_image_lower_dirs() - the diff dirs of image @image_id's layers, top layer first (the
 * order overlayfs lowerdir wants), NULL-terminated, malloc'd.
 */
int store_image_lower_dirs(struct store *s, const char *image_id, char ***ret, berth_error *err);

/* ---- images ----------------------------------------------------------------------------- */

/**
 * struct store_image - one image record
 * @id:			config digest hex
 * @names:		NULL-terminated "repo:tag" / "repo@digest" names, maybe empty
 * @digest:		"sha256:..." manifest digest
 * @manifest_media_type: the manifest's media type
 * @config_digest:	"sha256:<id>"
 * @layers:		chain ids, base layer first, NULL-terminated
 * @n_layers:		number of @layers
 * @created:		unix ns, from the config's "created" (0 when absent)
 * @added:		unix ns when the record was made
 * @size:		sum of the layers' uncompressed tar sizes (podman's SIZE)
 * @dangling:		no names
 */
struct store_image {
	char *id;
	char **names;
	char *digest;
	char *manifest_media_type;
	char *config_digest;
	char **layers;
	size_t n_layers;
	int64_t created;
	int64_t added;
	int64_t size;
	bool dangling;
};

/** store_image_free() - release; NULL is fine. */
void store_image_free(struct store_image *img);
static inline void store_image_freep(struct store_image **img)
{
	store_image_free(*img);
}
/** store_image_list_free() - release an array from store_image_list(). */
void store_image_list_free(struct store_image **imgs, size_t n);

/** store_image_list() - every image, newest first. */
int store_image_list(struct store *s, struct store_image ***ret, size_t *ret_n, berth_error *err);

/**
 * store_image_lookup() - find an image as podman does: full id or "sha256:<id>", a unique id
 * prefix (≥ 3 hex digits), an exact name ("repo:tag", "repo@digest"; no tag means :latest), a
 * short name as "localhost/NAME", then any repository ending in "/NAME".
 * Return: 0; -ENOENT with "NAME: image not known"; -EINVAL on an ambiguous prefix or short name.
 */
int store_image_lookup(struct store *s, const char *ref, struct store_image **ret,
		       berth_error *err);

/**
 * store_image_resolved_name() - the name of @img that @ref (found by store_image_lookup())
 * stands for, as podman records it for a container: "registry" → "myhost:5000/registry:latest"
 * when that is the name that matched; the image's first name for an id or a digest reference.
 * Return: a string owned by @img, or NULL when it has no name.
 */
const char *store_image_resolved_name(const struct store_image *img, const char *ref);

/**
 * struct store_image_spec - what store_image_create() records
 * @config_digest:	"sha256:..." of the config blob (already in the store)
 * @manifest_digest:	"sha256:..." of the manifest blob (already in the store)
 * @manifest_media_type: its media type
 * @layers:		chain ids, base first (layers already created)
 * @blob_digests:	for each layer, the blob digest this image's manifest names (may be NULL:
 *			the layer's own compressed digest is used)
 * @n_layers:		count
 * @names:		names to give the image (normalized; moved from other images), NULL-terminated
 *			or NULL
 */
struct store_image_spec {
	const char *config_digest;
	const char *manifest_digest;
	const char *manifest_media_type;
	char *const *layers;
	char *const *blob_digests;
	size_t n_layers;
	char *const *names;
};

/**
 * store_image_create() - record an image (or, if its id exists already, give it @spec->names);
 * reads the config blob for its created time. Hold the store lock (shared).
 * @ret_id:	receives the id (64 hex + NUL), may be NULL
 */
int store_image_create(struct store *s, const struct store_image_spec *spec,
		       char ret_id[STORE_ID_LEN + 1], berth_error *err);

/** store_image_add_name() - tag: give image @id the normalized @name, taking it from any other. */
int store_image_add_name(struct store *s, const char *id, const char *name, berth_error *err);

/** store_image_remove_name() - untag; -ENOENT "NAME: tag not known" when @id lacks it. */
int store_image_remove_name(struct store *s, const char *id, const char *name, berth_error *err);

/**
 * store_image_in_use() - number of containers using image @id (0 = none); when non-zero and
 * @ret_container is not NULL it receives one such container's id (malloc'd).
 */
int store_image_in_use(struct store *s, const char *id, char **ret_container, berth_error *err);

/**
 * store_image_delete() - remove image @id, then the layers and blobs nothing else references.
 * Refuses (-EBUSY, "image is in use by a container: ID; remove it first with berth rm") while a
 * container uses it. Hold the store lock (shared).
 */
int store_image_delete(struct store *s, const char *id, berth_error *err);

/** store_image_config() - the config blob of @img as text (NUL-terminated, malloc'd). */
int store_image_config(struct store *s, const struct store_image *img, char **ret,
		       berth_error *err);
/** store_image_manifest() - the manifest blob of @img as text (NUL-terminated, malloc'd). */
int store_image_manifest(struct store *s, const struct store_image *img, char **ret,
			 berth_error *err);

/* ---- garbage, checks -------------------------------------------------------------------- */

/**
 * struct store_check_report - what store_check() found
 * @errors:	problems found, one line each, NULL-terminated (malloc'd)
 * @n_errors:	count
 * @repaired:	problems fixed (with @repair)
 * @leftovers:	unreferenced files of interrupted operations removed (not errors)
 */
struct store_check_report {
	char **errors;
	size_t n_errors;
	size_t repaired;
	size_t leftovers;
};
void store_check_report_done(struct store_check_report *r);

/**
 * store_gc() - remove what nothing references: temp files of dead operations, layer dirs and
 * blobs without records, layers no image uses. Takes the store lock exclusive.
 * @ret_removed: count of removed items (may be NULL)
 */
int store_gc(struct store *s, size_t *ret_removed, berth_error *err);

/**
 * store_check() - [heavy] store_gc(), then verify every blob's digest, every record's
 * references (image → layers, blobs; layer → parent, diff dir; container → image, layer dir).
 * With @repair, images whose data is damaged are removed (and containers using them, if
 * @repair_containers), and unused damaged blobs deleted.
 */
int store_check(struct store *s, bool repair, bool repair_containers,
		struct store_check_report *ret, berth_error *err);

/**
 * store_reset() - remove everything in the store (images, containers, pods, volumes' records,
 * events) and the database itself; the caller has stopped containers first.
 */
int store_reset(const char *root, const char *runroot, berth_error *err);

/* ---- disk usage ------------------------------------------------------------------------- */

/** struct store_df - sizes for `system df` */
struct store_df {
	size_t images, images_active;
	int64_t images_size, images_reclaimable;
	size_t containers, containers_active;
	int64_t containers_size;
	size_t volumes;
};
/** store_df() - fill @ret. */
int store_df(struct store *s, struct store_df *ret, berth_error *err);

/** STORE_LAYER_SIZE_UNKNOWN - a size store_content_sizes() could not read to the end. */
#define STORE_LAYER_SIZE_UNKNOWN UINT64_MAX

/**
 * store_content_sizes() - for each of @names, the directory @fmt % name (relative to the store
 * root, e.g. "overlay/%s/diff", "volumes/%s/_data"): the sum of its regular files' sizes, each
 * inode once, into @ret[i], or STORE_LAYER_SIZE_UNKNOWN. A rootless store is walked inside its
 * user namespace, where the subordinate owners' files are readable.
 */
int store_content_sizes(struct store *s, const char *fmt, char *const *names, size_t n,
			uint64_t *ret, berth_error *err);

/* ---- containers' writable layers ---------------------------------------------------------- */

/**
 * store_container_dirs_create() - make <root>/overlay-containers/<id>/{upper,work,merged}
 * (mode 0700 for the top dir). Existing dirs are fine.
 * @ret_path:	receives the malloc'd <root>/overlay-containers/<id> (may be NULL)
 */
int store_container_dirs_create(struct store *s, const char *id, char **ret_path,
				berth_error *err);
/** store_container_dirs_remove() - remove <root>/overlay-containers/<id> recursively. */
int store_container_dirs_remove(struct store *s, const char *id, berth_error *err);
/** store_container_dir_path() - malloc'd <root>/overlay-containers/<id>[/@sub]. */
int store_container_dir_path(const struct store *s, const char *id, const char *sub, char **ret,
			     berth_error *err);

/**
 * store_container_lock() - flock <runroot>/locks/<id>.lock exclusively (waits); the fd is the
 * lock (close it to release).
 */
int store_container_lock(struct store *s, const char *id, int *ret_fd, berth_error *err);

/* ---- metadata key/values (id mapping, boot id, ...) --------------------------------------- */

/** store_meta_get() - the value of @key in the store's meta table (malloc'd); -ENOENT if unset. */
int store_meta_get(struct store *s, const char *key, char **ret, berth_error *err);
/** store_meta_set() - set @key to @value (NULL deletes). */
int store_meta_set(struct store *s, const char *key, const char *value, berth_error *err);

#endif
