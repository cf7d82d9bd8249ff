/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_create.c - [heavy] turning a layer blob into an unpacked layer.
 *
 * Theory of operation: the blob (already verified in blobs/) is unpacked by layer_extract()
 * into a fresh dir tmp/layer-*, flock'ed for the whole time, so store_gc() leaves it alone;
 * the chain id follows from the diff_id layer_extract() computed. Then, in one BEGIN IMMEDIATE
 * transaction, the dir is renamed to overlay/<chain-id> and the row inserted. If another process
 * recorded the same chain id meanwhile, our copy is thrown away. A kill -9 before the rename
 * leaves an unlocked temp dir; between rename and commit an overlay/ dir without a row: both are
 * garbage to store_gc() (which runs under the exclusive store lock, never during an import).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/layer_extract.h"
#include "store/store-internal.h"
#include "store/store-names.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/macro.h"
#include "util/sha256.h"
#include "util/userns.h"

int store_layer_chain_id(const char *parent_id, const char *diff_id,
			 char ret[STORE_ID_LEN + 1], berth_error *err)
{
	char buf[2 * STORE_DIGEST_LEN + 8];

	if (!store_digest_valid(diff_id))
		return berr(err, EINVAL, "invalid diff id \"%s\"", diff_id ? diff_id : "");
	if (!parent_id) {
		memcpy(ret, diff_id + 7, STORE_ID_LEN + 1);
		return 0;
	}
	if (!store_hex_prefix(parent_id, STORE_ID_LEN))
		return berr(err, EINVAL, "invalid layer id \"%s\"", parent_id);
	snprintf(buf, sizeof(buf), "sha256:%s %s", parent_id, diff_id);
	sha256_hex_of(buf, strlen(buf), ret);
	return 0;
}

/* A new dir under <root>/tmp, flock'ed through the returned fd. */
static int tmp_dir(struct store *s, char name[64], int *ret_tmpfd, int *ret_fd, berth_error *err)
{
	_cleanup_close_ int tmp = openat(store_root_fd(s), "tmp",
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_close_ int fd = -1;

	if (tmp < 0)
		return berr_errno(err, errno, "open %s/tmp", store_root(s));
	for (int i = 0;; i++) {
		snprintf(name, 64, "layer-%d-%08lx", (int)getpid(), random());
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
	*ret_tmpfd = TAKE_FD(tmp);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int layer_exists(struct store *s, const char *id, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(s, "SELECT 1 FROM layers WHERE id = ?", &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	return store_sql_error(s, err, "look up layer");
}

static int record_layer(struct store *s, int tmpfd, const char *tmpname, const char *id,
			const char *parent_id, const char *blob_digest, const char *media_type,
			const struct layer_extract_stats *st, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *ins = NULL;
	_cleanup_close_ int ov = -1;
	char diff_id[STORE_DIGEST_LEN + 1];
	int r;

	ov = openat(store_root_fd(s), "overlay", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ov < 0)
		return berr_errno(err, errno, "open %s/overlay", store_root(s));
	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	r = layer_exists(s, id, err);
	if (r != 0) {
		store_tx_rollback(s);
		return r < 0 ? r : 1;
	}
	/* A dir left by a killed process under this name has no row: replace it. */
	if (faccessat(ov, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		r = store_layer_dir_remove(s, id, err);
		if (r < 0)
			goto fail;
	}
	store_crash_point("layer-before-rename");
	if (renameat(tmpfd, tmpname, ov, id) < 0) {
		r = berr_errno(err, errno, "move layer %s into %s/overlay", id, store_root(s));
		goto fail;
	}
	snprintf(diff_id, sizeof(diff_id), "sha256:%s", st->diff_id);
	r = store_prepare(s,
			  "INSERT INTO layers(id, parent, diff_id, compressed_digest, media_type,"
			  " compressed_size, size, content_size, created) VALUES (?,?,?,?,?,?,?,?,?)",
			  &ins, err);
	if (r < 0)
		goto undo;
	sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
	if (parent_id)
		sqlite3_bind_text(ins, 2, parent_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, 2);
	sqlite3_bind_text(ins, 3, diff_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, blob_digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, media_type ? media_type : "application/vnd.oci.image.layer.v1.tar",
			  -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 6, (int64_t)st->compressed_size);
	sqlite3_bind_int64(ins, 7, (int64_t)st->size);
	sqlite3_bind_int64(ins, 8, (int64_t)st->content_size);
	sqlite3_bind_int64(ins, 9, store_now_ns());
	if (sqlite3_step(ins) != SQLITE_DONE) {
		r = store_sql_error(s, err, "record layer");
		goto undo;
	}
	store_crash_point("layer-before-commit");
	r = store_tx_commit(s, err);
	if (r < 0) {
		(void)renameat(ov, id, tmpfd, tmpname);
		return r;
	}
	(void)fsync_dir_at(ov);
	return 0;
undo:
	(void)renameat(ov, id, tmpfd, tmpname);
fail:
	store_tx_rollback(s);
	return r;
}

struct extract_job {
	int diff;
	int blob;
	const struct layer_extract_opts *opts;
	struct layer_extract_stats *st; /* MAP_SHARED: the child's results reach the parent */
};

static int extract_in_ns(void *data, berth_error *err)
{
	struct extract_job *j = data;

	return layer_extract(j->diff, j->blob, j->opts, j->st, err);
}

/*
 * Unpacks directly as root; rootless, inside the store's user namespace so that files get the
 * mapped owners (and chown to subordinate ids works).
 */
static int extract(struct store *s, int diff, int blob, const struct layer_extract_opts *opts,
		   struct layer_extract_stats *ret, berth_error *err)
{
	struct userns_mapping m;
	struct extract_job j = { diff, blob, opts, NULL };
	int r;

	if (!store_is_rootless(s))
		return layer_extract(diff, blob, opts, ret, err);
	r = store_idmap(s, &m, err);
	if (r < 0)
		return r;
	j.st = mmap(NULL, sizeof(*j.st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.st == MAP_FAILED)
		return berr_errno(err, errno, "map shared memory");
	r = userns_run(&m, extract_in_ns, &j, err);
	if (r >= 0)
		*ret = *j.st;
	munmap(j.st, sizeof(*j.st));
	return r;
}

/*
 * verify_foreign_blob() - before a layer already here is reused for @blob_digest, make sure
 * that blob really unpacks to the layer's diff_id: otherwise a registry or archive could pair
 * any blob with a trusted layer, and the blob would be what later gets pushed or saved.
 */
static int verify_foreign_blob(struct store *s, const char *id, const char *blob_digest,
			       const char *media_type, const char *expect_diff_id, berth_error *err)
{
	_cleanup_(store_layer_freep) struct store_layer *l = NULL;
	_cleanup_close_ int blob = -1;
	struct layer_extract_opts opts = { 0 };
	struct layer_extract_stats st = { 0 };
	char what[96];
	int r;

	(void)media_type;
	r = store_layer_get(s, id, &l, err);
	if (r < 0)
		return r;
	if (l->compressed_digest && strcmp(l->compressed_digest, blob_digest) == 0)
		return 0;
	r = store_blob_open(s, blob_digest, &blob, err);
	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "layer %.19s", blob_digest);
	opts.expect_digest = blob_digest;
	opts.expect_diff_id = expect_diff_id;
	opts.what = what;
	return layer_extract(-1, blob, &opts, &st, err);
}

int store_layer_create_from_blob(struct store *s, const char *parent_id, const char *blob_digest,
				 const char *media_type, const char *expect_diff_id,
				 char ret_id[STORE_ID_LEN + 1], berth_error *err)
{
	_cleanup_close_ int tmpfd = -1, dirfd = -1, diff = -1, blob = -1;
	struct layer_extract_opts opts = { 0 };
	struct layer_extract_stats st = { 0 };
	char name[64], id[STORE_ID_LEN + 1], what[96];
	int r;

	if (!store_digest_valid(blob_digest))
		return berr(err, EINVAL, "invalid layer digest \"%s\"", blob_digest ? blob_digest : "");
	if (parent_id) {
		r = layer_exists(s, parent_id, err);
		if (r < 0)
			return r;
		if (r == 0)
			return berr(err, ENOENT, "parent layer %s is not in the store", parent_id);
	}
	if (expect_diff_id) {
		/* Known chain id: skip unpacking when the layer is here already. */
		r = store_layer_chain_id(parent_id, expect_diff_id, id, err);
		if (r < 0)
			return r;
		r = layer_exists(s, id, err);
		if (r < 0)
			return r;
		if (r > 0) {
			r = verify_foreign_blob(s, id, blob_digest, media_type, expect_diff_id, err);
			if (r < 0)
				return r;
			memcpy(ret_id, id, sizeof(id));
			return 0;
		}
	}
	r = store_blob_open(s, blob_digest, &blob, err);
	if (r < 0)
		return r;
	r = tmp_dir(s, name, &tmpfd, &dirfd, err);
	if (r < 0)
		return r;
	if (mkdirat(dirfd, "diff", 0755) < 0 ||
	    (diff = openat(dirfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		r = berr_errno(err, errno, "create %s/tmp/%s/diff", store_root(s), name);
		goto fail;
	}
	snprintf(what, sizeof(what), "layer %.19s", blob_digest);
	opts.expect_digest = blob_digest;
	opts.expect_diff_id = expect_diff_id;
	opts.what = what;
	opts.rootless = store_is_rootless(s);
	r = extract(s, diff, blob, &opts, &st, err);
	if (r < 0)
		goto fail;
	store_crash_point("layer-after-extract");
	{
		char diff_id[STORE_DIGEST_LEN + 1];
		snprintf(diff_id, sizeof(diff_id), "sha256:%s", st.diff_id);
		r = store_layer_chain_id(parent_id, diff_id, id, err);
		if (r < 0)
			goto fail;
	}
	r = record_layer(s, tmpfd, name, id, parent_id, blob_digest, media_type, &st, err);
	if (r < 0)
		goto fail;
	if (r > 0) {
		/* Someone else recorded the same layer meanwhile: keep theirs. */
		(void)store_rm_rf_at(s, tmpfd, name, NULL);
	}
	memcpy(ret_id, id, sizeof(id));
	return 0;
fail:
	(void)store_rm_rf_at(s, tmpfd, name, NULL);
	return r;
}
