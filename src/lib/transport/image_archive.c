/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_archive.c - oci-archive:PATH[:REF] and docker-archive:PATH[:REF | :@N], as skopeo reads
 * and writes them.
 *
 * Theory of operation: both ride on an OCI layout (oci:) in a private work dir under $TMPDIR
 * (/var/tmp), removed when the image is freed.
 *   source: the tar is not unpacked. One pass over its headers (tar_index.c) records where each
 *     member's data lies; members whose name climbs out with ".." are refused, and every name
 *     from the archive's JSON is resolved inside the index (symlinks followed there, ".."
 *     stopped at the top, as RESOLVE_IN_ROOT does). Only metadata goes to the work dir: an
 *     oci-archive's index.json and manifests, a docker-archive's config and synthesized
 *     manifest (image_docker_archive.c), each size-capped; the oci: reader then serves them.
 *     Blobs are read in place: get_blob copies the member's bytes (copy_file_range) into a
 *     temp file in the destination's own temp dir, hashing them unless the destination does,
 *     so a copy needs no $TMPDIR space for layers unless the destination has no directory (a
 *     registry: one temp file per blob in flight). A compressed archive (gzip, zstd, xz,
 *     bzip2) has no offsets to read at: it is decompressed once into a temp file in $TMPDIR
 *     and indexed there.
 *   destination: blobs and manifests go to an oci: layout; commit packs it into the tar
 *     (oci-archive) or writes docker save's layout from it (docker-archive). The tar is written
 *     to a temp file renamed over PATH, so a failed copy leaves no half archive.
 */
#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/digest.h"
#include "store/layer_extract.h"
#include "transport/copy.h"
#include "transport/image.h"
#include "transport/image_archive.h"
#include "transport/tar_writer.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

struct arc_img {
	struct img_src src;
	struct img_dst dst;
	struct img_src *in_src; /* the oci: layout behind a source */
	struct img_dst *in_dst; /* and behind a destination */
	oci_transport kind;
	char *path; /* the archive */
	char *ref;  /* docker-archive destination: its RepoTags name, or NULL */
	char *work; /* the work dir: "in" (an oci-archive's metadata), "layout" */
	int workfd;
	int arcfd;		/* source: the tar (decompressed when it was not plain) */
	struct tar_index idx;	/* where its members lie */
	struct arc_blobs blobs; /* docker-archive: its layers */
	int in_blobs;		/* oci-archive: "in/blobs/sha256" */
	char *top; /* destination: the top manifest written */
	size_t top_len;
	char *top_mt;
};

#define SRC_ARC(s) ((struct arc_img *)((char *)(s)-offsetof(struct arc_img, src)))
#define DST_ARC(t) ((struct arc_img *)((char *)(t)-offsetof(struct arc_img, dst)))

static void arc_free(struct arc_img *a)
{
	img_src_free(a->in_src);
	img_dst_free(a->in_dst);
	if (a->workfd >= 0)
		close(a->workfd);
	if (a->arcfd >= 0)
		close(a->arcfd);
	if (a->in_blobs >= 0)
		close(a->in_blobs);
	tar_index_done(&a->idx);
	free(a->blobs.v);
	if (a->work)
		(void)rm_rf_at(AT_FDCWD, a->work, NULL);
	free(a->work);
	free(a->src.name);
	free(a->dst.name);
	free(a->path);
	free(a->ref);
	free(a->top);
	free(a->top_mt);
	free(a);
}

static int arc_new(const oci_image_name *n, struct arc_img **ret, berth_error *err)
{
	_cleanup_free_ char *name = oci_image_name_string(n);
	const char *base = getenv("TMPDIR");
	struct arc_img *a = calloc(1, sizeof(*a));

	if (!a || !name || !(a->path = strdup(n->path))) {
		free(a);
		return berr(err, ENOMEM, "out of memory");
	}
	a->workfd = a->arcfd = a->in_blobs = -1;
	a->kind = n->transport;
	a->src.name = TAKE_PTR(name);
	if (asprintf(&a->work, "%s/berth-archive-XXXXXX", base && *base ? base : "/var/tmp") < 0) {
		a->work = NULL;
		arc_free(a);
		return berr(err, ENOMEM, "out of memory");
	}
	if (!mkdtemp(a->work) ||
	    (a->workfd = open(a->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		int e = errno;
		berr_errno(err, e, "%s: cannot create a work directory %s", a->src.name, a->work);
		free(a->work);
		a->work = NULL;
		arc_free(a);
		return -e;
	}
	*ret = a;
	return 0;
}

/* subdir() - create @name in the work dir and open it. */
static int subdir(struct arc_img *a, const char *name, int *ret_fd, berth_error *err)
{
	int fd;

	if (mkdirat(a->workfd, name, 0700) < 0 ||
	    (fd = openat(a->workfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return berr_errno(err, errno, "%s: cannot create %s/%s", a->src.name, a->work,
				  name);
	*ret_fd = fd;
	return 0;
}

int img_archive_open_in(int dirfd, const char *name, const char *what, int *ret_fd,
			berth_error *err)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	long fd;

	if (!name || !*name || strlen(name) > LAYER_MAX_PATH)
		return berr(err, EBADMSG, "%s: the archive names an invalid file", what);
	fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (fd < 0)
		return berr_errno(err, errno, "%s: %s (named by the archive)", what, name);
	if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close((int)fd);
		return berr(err, EBADMSG, "%s: %s in the archive is not a regular file", what,
			    name);
	}
	*ret_fd = (int)fd;
	return 0;
}

int img_archive_member(const struct tar_index *idx, const char *name, const char *what,
		       const struct tar_member **ret, berth_error *err)
{
	const struct tar_member *m;

	if (!name || !*name || strlen(name) > LAYER_MAX_PATH)
		return berr(err, EBADMSG, "%s: the archive names an invalid file", what);
	m = tar_index_find(idx, name);
	if (!m)
		return berr_errno(err, errno, "%s: %s (named by the archive)", what, name);
	if (m->type != TAR_MEMBER_FILE)
		return berr(err, EBADMSG, "%s: %s in the archive is not a regular file", what,
			    name);
	*ret = m;
	return 0;
}

/* pread_all() - @len bytes at @off, or -EIO when the file ends first. */
static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int read_member(int arc, const struct tar_member *m, size_t max, const char *what,
		       char **ret, size_t *ret_len, berth_error *err)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	if (m->size > (int64_t)max)
		return berr(err, EFBIG, "%s: %s is larger than %zu bytes", what, m->name, max);
	if (!(buf = malloc((size_t)m->size + 1)))
		return berr(err, ENOMEM, "out of memory");
	r = pread_all(arc, buf, (size_t)m->size, m->off);
	if (r < 0)
		return berr_errno(err, -r, "%s: reading %s", what, m->name);
	buf[m->size] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = (size_t)m->size;
	return 0;
}

int img_archive_read_member(const struct tar_index *idx, int arc_fd, const char *name, size_t max,
			    const char *what, char **ret, size_t *ret_len, berth_error *err)
{
	const struct tar_member *m;
	int r = img_archive_member(idx, name, what, &m, err);

	return r < 0 ? r : read_member(arc_fd, m, max, what, ret, ret_len, err);
}

/*
 * open_archive() - the tar to index: the file itself, or, when it is compressed, its
 * decompressed stream in a temp file in $TMPDIR (a compressed stream cannot be read at offsets).
 */
static int open_archive(struct arc_img *a, berth_error *err)
{
	_cleanup_close_ int fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_close_ int tmp = -1;
	_cleanup_free_ char *buf = NULL;
	struct archive *rd = NULL;
	uint64_t total = 0;
	struct stat st;
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "%s: cannot open the archive", a->src.name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return berr(err, EINVAL, "%s: not a regular file", a->src.name);
	if (!tar_index_is_compressed(fd)) {
		a->arcfd = TAKE_FD(fd);
		return 0;
	}
	r = img_decompressor(fd, a->src.name, &rd, err);
	if (r == 0)
		r = img_tmpfile(-1, &tmp, err);
	if (r == 0 && !(buf = malloc(256u << 10)))
		r = berr(err, ENOMEM, "out of memory");
	while (r == 0) {
		la_ssize_t n = archive_read_data(rd, buf, 256u << 10);
		if (n == 0)
			break;
		if (n < 0)
			r = berr(err, EBADMSG, "%s: %s", a->src.name,
				 archive_error_string(rd) ?: "cannot decompress it");
		else if ((total += (uint64_t)n) > LAYER_MAX_UNPACKED_BYTES)
			r = berr(err, EFBIG, "%s: decompresses to more than %llu bytes",
				 a->src.name, (unsigned long long)LAYER_MAX_UNPACKED_BYTES);
		else if (write_all(tmp, buf, (size_t)n) < 0)
			r = berr_errno(err, errno, "%s: cannot stage the decompressed archive in "
						   "$TMPDIR",
				       a->src.name);
	}
	if (rd)
		archive_read_free(rd);
	if (r < 0)
		return r;
	a->arcfd = TAKE_FD(tmp);
	return 0;
}

/*
 * check_layout() - an oci-archive's layout must be made of real directories and files: blobs
 * are looked up by their exact names, and a symlink standing in for blobs/ is refused.
 */
static int check_layout(const struct tar_index *idx, const char *what, berth_error *err)
{
	static const struct {
		const char *name;
		enum tar_member_type type;
	} want[] = {{"index.json", TAR_MEMBER_FILE},
		    {"blobs", TAR_MEMBER_DIR},
		    {"blobs/sha256", TAR_MEMBER_DIR}};

	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		const struct tar_member *m = tar_index_lstat(idx, want[i].name);
		/* tars made of files alone have no directory entries: a member below will do */
		bool implied = false;
		for (size_t k = 0; !m && want[i].type == TAR_MEMBER_DIR && k < idx->n && !implied;
		     k++)
			implied = strncmp(idx->m[k].name, want[i].name, strlen(want[i].name)) == 0 &&
				  idx->m[k].name[strlen(want[i].name)] == '/';
		if (!implied && (!m || m->type != want[i].type))
			return berr(err, EBADMSG,
				    "%s: not an oci-archive (%s is missing or not a %s); make "
				    "it with berth save --format oci-archive or skopeo copy",
				    what, want[i].name,
				    want[i].type == TAR_MEMBER_DIR ? "directory" : "file");
	}
	return 0;
}

/* blob_member() - blobs/sha256/HEX of an oci-archive: a plain file by that exact name. */
static const struct tar_member *blob_member(const struct arc_img *a, const char *digest)
{
	char name[32 + OCI_DIGEST_SHA256_LEN];
	const struct tar_member *m;

	if (!oci_digest_is_sha256(digest))
		return NULL;
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	m = tar_index_lstat(&a->idx, name);
	return m && m->type == TAR_MEMBER_FILE ? m : NULL;
}

/*
 * materialize() - an oci-archive's manifest @digest into the work layout, for the oci: reader
 * (which verifies it). A missing one is left for the reader to report.
 */
static int materialize(struct arc_img *a, const char *digest, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	const struct tar_member *m = blob_member(a, digest);
	struct stat st;
	size_t len;
	int r;

	if (!m || fstatat(a->in_blobs, digest + 7, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	r = read_member(a->arcfd, m, ARC_MAX_JSON, a->src.name, &data, &len, err);
	if (r == 0)
		r = write_file_replace_at(a->in_blobs, digest + 7, data, len, 0600, err);
	return r;
}

/* oci_metadata() - "in": index.json and the manifests it lists, all the oci: reader opens. */
static int oci_metadata(struct arc_img *a, berth_error *err)
{
	_cleanup_close_ int in = -1;
	_cleanup_free_ char *text = NULL;
	json_t *root, *e;
	size_t len, i;
	int r = check_layout(&a->idx, a->src.name, err);

	if (r == 0)
		r = subdir(a, "in", &in, err);
	if (r == 0 && ((mkdirat(in, "blobs", 0700) < 0 || mkdirat(in, "blobs/sha256", 0700) < 0 ||
			(a->in_blobs = openat(in, "blobs/sha256",
					      O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)))
		r = berr_errno(err, errno, "%s: cannot create %s/in/blobs/sha256", a->src.name,
			       a->work);
	if (r == 0)
		r = read_member(a->arcfd, tar_index_lstat(&a->idx, "index.json"), ARC_MAX_JSON,
				a->src.name, &text, &len, err);
	if (r == 0)
		r = write_file_replace_at(in, "index.json", text, len, 0600, err);
	if (r < 0)
		return r;
	root = json_loadb(text, len, 0, NULL);
	json_array_foreach(json_object_get(root, "manifests"), i, e)
	{
		if (i >= ARC_MAX_IMAGES * 4 || r < 0)
			break;
		r = materialize(a, json_string_value(json_object_get(e, "digest")), err);
	}
	json_decref(root);
	return r;
}

static int arc_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_media_type, berth_error *err)
{
	struct arc_img *a = SRC_ARC(s);
	struct img_src *in = a->in_src;

	if (digest && a->in_blobs >= 0) {
		int r = materialize(a, digest, err);
		if (r < 0)
			return r;
	}
	return in->ops->get_manifest(in, digest, ret, ret_len, ret_media_type, err);
}

/*
 * copy_member() - @size bytes at @off of the archive into @out; hashed into @h when one is
 * given (read and written here), else copied by the kernel.
 */
static int copy_member(int arc, int64_t off, int64_t size, int out, struct sha256 *h)
{
	_cleanup_free_ char *buf = NULL;
	loff_t in_off = off;

	while (!h && in_off < off + size) {
		ssize_t n = copy_file_range(arc, &in_off, out, NULL, (size_t)(off + size - in_off),
					    0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* refused (another file system, say): read and write below */
	}
	if (in_off == off + size)
		return 0;
	if (!(buf = malloc(256u << 10)))
		return -ENOMEM;
	while (in_off < off + size) {
		size_t want = (size_t)(off + size - in_off) < (256u << 10)
				  ? (size_t)(off + size - in_off)
				  : (256u << 10);
		int r = pread_all(arc, buf, want, in_off);
		if (r == 0)
			r = write_all(out, buf, want);
		if (r < 0)
			return r;
		if (h)
			sha256_update(h, buf, want);
		in_off += (loff_t)want;
	}
	return 0;
}

/*
 * serve_blob() - blob @digest, @m_size bytes at @off of the archive, as a temp file in
 * @tmpdir_fd; hashed here when the destination will not, even when it was hashed at open: the
 * archive is not ours and may change under us.
 */
static int serve_blob(struct arc_img *a, const char *digest, int64_t off, int64_t m_size,
		      int64_t size, int tmpdir_fd, img_progress_fn progress, void *ud,
		      int *ret_fd, berth_error *err)
{
	_cleanup_(sha256_freep) struct sha256 *h = NULL;
	_cleanup_close_ int fd = -1;
	char hex[SHA256_HEX_LEN + 1];
	int r;

	if (size >= 0 && size != m_size)
		return berr(err, EBADMSG,
			    "%s: blob %s is %lld bytes in the archive, not the %lld its descriptor "
			    "declares",
			    a->src.name, digest, (long long)m_size, (long long)size);
	if (!a->src.consumer_verifies && !(h = sha256_new()))
		return berr(err, ENOMEM, "out of memory");
	r = img_tmpfile(tmpdir_fd, &fd, err);
	if (r < 0)
		return r;
	r = copy_member(a->arcfd, off, m_size, fd, h);
	if (r < 0)
		return berr_errno(err, -r, "%s: cannot copy blob %s out of the archive",
				  a->src.name, digest);
	if (h) {
		sha256_final_hex(h, hex);
		if (strcmp(hex, digest + 7) != 0)
			return berr(err, EBADMSG,
				    "%s: blob %s is corrupted in the archive (its content hashes to "
				    "sha256:%s)",
				    a->src.name, digest, hex);
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berr_errno(err, errno, "%s: cannot rewind", a->src.name);
	if (progress)
		progress(ud, digest, m_size, m_size);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int arc_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
			img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	struct arc_img *a = SRC_ARC(s);
	struct img_src *in = a->in_src;
	const struct tar_member *m;

	for (size_t i = 0; i < a->blobs.n; i++)
		if (strcmp(a->blobs.v[i].digest, digest) == 0)
			return serve_blob(a, digest, a->blobs.v[i].off, a->blobs.v[i].size, size,
					  tmpdir_fd, progress, ud, ret_fd, err);
	if (a->in_blobs >= 0 && (m = blob_member(a, digest)))
		return serve_blob(a, digest, m->off, m->size, size, tmpdir_fd, progress, ud,
				  ret_fd, err);
	/* what the work layout holds itself: a docker-archive's config */
	in->consumer_verifies = s->consumer_verifies;
	return in->ops->get_blob(in, digest, size, tmpdir_fd, progress, ud, ret_fd, err);
}

static void arc_src_free(struct img_src *s)
{
	arc_free(SRC_ARC(s));
}

static const struct img_src_ops arc_src_ops = {
    .get_manifest = arc_get_manifest,
    .get_blob = arc_get_blob,
    .free = arc_src_free,
};

/* rename_inner() - messages from the layout name the archive, not the work dir. */
static int rename_inner(char **inner_name, const char *name, berth_error *err)
{
	char *dup = strdup(name);

	if (!dup)
		return berr(err, ENOMEM, "out of memory");
	free(*inner_name);
	*inner_name = dup;
	return 0;
}

int img_archive_src_open(const oci_image_name *n, struct img_src **ret, berth_error *err)
{
	struct arc_img *a = NULL;
	_cleanup_close_ int layout = -1;
	_cleanup_free_ char *lpath = NULL;
	oci_image_name ln = {.transport = OCI_TRANSPORT_OCI, .source_index = -1};
	bool docker = n->transport == OCI_TRANSPORT_DOCKER_ARCHIVE;
	int r = arc_new(n, &a, err);

	if (r < 0)
		return r;
	a->src.ops = &arc_src_ops;
	a->src.transport = n->transport;
	r = open_archive(a, err);
	if (r == 0)
		r = tar_index_build(a->arcfd, a->src.name, &a->idx, err);
	if (r == 0 && docker)
		r = subdir(a, "layout", &layout, err);
	if (r == 0 && docker)
		r = img_docker_archive_import(&a->idx, a->arcfd, layout, n, a->src.name,
					      &a->blobs, err);
	if (r == 0 && !docker) {
		r = oci_metadata(a, err);
		ln.layout_ref = n->layout_ref;
		ln.source_index = n->source_index;
	}
	if (r == 0 && asprintf(&lpath, "%s/%s", a->work, docker ? "layout" : "in") < 0) {
		lpath = NULL;
		r = berr(err, ENOMEM, "out of memory");
	}
	ln.path = lpath;
	if (r == 0)
		r = img_oci_src_open(&ln, &a->in_src, err);
	if (r == 0)
		r = rename_inner(&a->in_src->name, a->src.name, err);
	if (r < 0) {
		/* the layout's messages name the work dir: say which archive it was */
		if (r != -ENOMEM && err && !strstr(err->msg, a->src.name))
			berr_prefix(err, "%s", a->src.name);
		arc_free(a);
		return r;
	}
	*ret = &a->src;
	return 0;
}

/* ---- destination ------------------------------------------------------------------------- */

static int arc_has_blob(struct img_dst *t, const char *digest, int64_t size, berth_error *err)
{
	struct img_dst *in = DST_ARC(t)->in_dst;
	return in->ops->has_blob(in, digest, size, err);
}

static int arc_put_blob(struct img_dst *t, const char *digest, int64_t size, int fd,
			img_progress_fn progress, void *ud, berth_error *err)
{
	struct img_dst *in = DST_ARC(t)->in_dst;
	return in->ops->put_blob(in, digest, size, fd, progress, ud, err);
}

static int arc_put_manifest(struct img_dst *t, const void *body, size_t len,
			    const char *media_type, const char *digest, bool top, berth_error *err)
{
	struct arc_img *a = DST_ARC(t);
	int r = a->in_dst->ops->put_manifest(a->in_dst, body, len, media_type, digest, top, err);

	if (r < 0 || !top)
		return r;
	free(a->top);
	free(a->top_mt);
	a->top = malloc(len + 1);
	a->top_mt = strdup(media_type);
	if (!a->top || !a->top_mt)
		return berr(err, ENOMEM, "out of memory");
	memcpy(a->top, body, len);
	a->top[len] = '\0';
	a->top_len = len;
	return 0;
}

/* pack_layout() - the work dir's oci: layout as the tar @a->path. */
static int pack_layout(struct arc_img *a, int layout, berth_error *err)
{
	_cleanup_(tar_writer_freep) struct tar_writer *w = NULL;
	_cleanup_close_ int blobs = -1;
	DIR *d = NULL;
	struct dirent *de;
	int r;

	r = tar_writer_open(a->path, a->dst.name, &w, err);
	for (const char *const *f = (const char *const[]){"oci-layout", "index.json", NULL};
	     r == 0 && *f; f++) {
		_cleanup_close_ int fd = openat(layout, *f, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		r = fd < 0 ? berr_errno(err, errno, "%s: %s", a->dst.name, *f)
			   : tar_writer_fd(w, *f, fd, err);
	}
	if (r == 0)
		r = tar_writer_dir(w, "blobs", err);
	if (r == 0)
		r = tar_writer_dir(w, "blobs/sha256", err);
	if (r == 0 &&
	    ((blobs = openat(layout, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	     !(d = fdopendir(dup(blobs)))))
		r = berr_errno(err, errno, "%s: blobs/sha256", a->dst.name);
	while (r == 0 && (errno = 0, de = readdir(d))) {
		char name[96];
		if (de->d_name[0] == '.')
			continue;
		_cleanup_close_ int fd =
		    openat(blobs, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		snprintf(name, sizeof(name), "blobs/sha256/%.70s", de->d_name);
		r = fd < 0 ? berr_errno(err, errno, "%s: %s", a->dst.name, name)
			   : tar_writer_fd(w, name, fd, err);
	}
	if (d)
		closedir(d);
	return r < 0 ? r : tar_writer_commit(w, err);
}

static int arc_commit(struct img_dst *t, berth_error *err)
{
	struct arc_img *a = DST_ARC(t);
	_cleanup_close_ int layout = -1, blobs = -1, stage = -1;
	int r = a->in_dst->ops->commit(a->in_dst, err);

	if (r < 0)
		return r;
	layout = openat(a->workfd, "layout", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (layout < 0)
		return berr_errno(err, errno, "%s: the staged layout", t->name);
	if (a->kind == OCI_TRANSPORT_OCI_ARCHIVE)
		return pack_layout(a, layout, err);
	if (!a->top)
		return berr(err, EINVAL, "%s: no manifest was written", t->name);
	blobs = openat(layout, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (blobs < 0)
		return berr_errno(err, errno, "%s: the staged layout", t->name);
	r = subdir(a, "stage", &stage, err);
	if (r < 0)
		return r;
	return img_docker_archive_export(blobs, a->top, a->top_len, a->top_mt, a->ref, stage,
					 a->path, t->name, err);
}

static int arc_tmpdir_fd(struct img_dst *t)
{
	struct img_dst *in = DST_ARC(t)->in_dst;
	return in->ops->tmpdir_fd ? in->ops->tmpdir_fd(in) : -1;
}

static void arc_dst_free(struct img_dst *t)
{
	arc_free(DST_ARC(t));
}

static const struct img_dst_ops arc_dst_ops = {
    .has_blob = arc_has_blob,
    .put_blob = arc_put_blob,
    .put_manifest = arc_put_manifest,
    .commit = arc_commit,
    .tmpdir_fd = arc_tmpdir_fd,
    .free = arc_dst_free,
};

int img_archive_dst_open(const oci_image_name *n, struct img_dst **ret, berth_error *err)
{
	struct arc_img *a = NULL;
	_cleanup_close_ int layout = -1;
	_cleanup_free_ char *lpath = NULL;
	oci_image_name ln = {.transport = OCI_TRANSPORT_OCI, .source_index = -1};
	int r = arc_new(n, &a, err);

	if (r < 0)
		return r;
	a->dst.ops = &arc_dst_ops;
	a->dst.transport = n->transport;
	a->dst.name = TAKE_PTR(a->src.name);
	if (n->transport == OCI_TRANSPORT_OCI_ARCHIVE)
		ln.layout_ref = n->layout_ref;
	else if (n->ref && !(a->ref = oci_ref_string(n->ref)))
		r = berr(err, ENOMEM, "out of memory");
	if (r == 0)
		r = subdir(a, "layout", &layout, err);
	if (r == 0 && asprintf(&lpath, "%s/layout", a->work) < 0) {
		lpath = NULL;
		r = berr(err, ENOMEM, "out of memory");
	}
	ln.path = lpath;
	if (r == 0)
		r = img_oci_dst_open(&ln, &a->in_dst, err);
	if (r == 0)
		r = rename_inner(&a->in_dst->name, a->dst.name, err);
	if (r < 0) {
		arc_free(a);
		return r;
	}
	*ret = &a->dst;
	return 0;
}
