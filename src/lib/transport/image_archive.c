/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_archive.c - oci-archive:PATH[:REF] and docker-archive:PATH[:REF | :@N], as skopeo reads
 * and writes them.
 *
 * Theory of operation: both are an OCI layout (oci:) in a private work dir under $TMPDIR
 * (/var/tmp), removed when the image is freed.
 *   source: the tar is unpacked with layer_extract(), the protections of a layer included (no
 *     entry lands outside the work dir: ".." that climbs is refused, a leading "/" stripped, no
 *     devices or owners), and limits on its size and entry count. An oci-archive is then read
 *     as the oci: layout it holds; a docker-archive's manifest.json is first turned into one
 *     (image_docker_archive.c). Every name from the archive's JSON is resolved inside the
 *     unpacked tree, manifests and configs are size-capped, and each blob is verified against
 *     its digest as it is read, so nothing from the tar is trusted.
 *   destination: blobs and manifests go to an oci: layout; commit packs it into the tar
 *     (oci-archive) or writes docker save's layout from it (docker-archive). The tar is written
 *     to a temp file renamed over PATH, so a failed copy leaves no half archive.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store/layer_extract.h"
#include "transport/copy.h"
#include "transport/image.h"
#include "transport/image_archive.h"
#include "transport/tar_writer.h"
#include "util/fileio.h"
#include "util/macro.h"

struct arc_img {
	struct img_src src;
	struct img_dst dst;
	struct img_src *in_src; /* the oci: layout behind a source */
	struct img_dst *in_dst; /* and behind a destination */
	oci_transport kind;
	char *path; /* the archive */
	char *ref;  /* docker-archive destination: its RepoTags name, or NULL */
	char *work; /* the work dir: "in" (an unpacked archive), "layout" */
	int workfd;
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
	a->workfd = -1;
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

/* unpack() - the archive at @a->path into the work dir's "in". */
static int unpack(struct arc_img *a, int *ret_in, berth_error *err)
{
	_cleanup_close_ int fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_close_ int in = -1;
	struct layer_extract_opts xo = {
	    /* an archive is a container of plain files: no owners, devices or whiteouts */
	    .rootless = true,
	    .no_chown = true,
	    .whiteouts = LAYER_WHITEOUT_KEEP,
	    .what = a->src.name,
	};
	int r;

	if (fd < 0)
		return berr_errno(err, errno, "%s: cannot open the archive", a->src.name);
	r = subdir(a, "in", &in, err);
	if (r == 0)
		r = layer_extract(in, fd, &xo, NULL, err);
	if (r < 0)
		return r;
	*ret_in = TAKE_FD(in);
	return 0;
}

/*
 * check_layout() - an oci-archive's layout must be made of real directories and files: the
 * oci: reader opens "blobs/sha256" and index.json by name, and a symlink there would lead it
 * out of the work dir.
 */
static int check_layout(int dirfd, const char *what, berth_error *err)
{
	static const struct {
		const char *name;
		mode_t type;
	} want[] = {{"index.json", S_IFREG}, {"blobs", S_IFDIR}, {"blobs/sha256", S_IFDIR}};
	struct stat st;

	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		if (fstatat(dirfd, want[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (st.st_mode & S_IFMT) != want[i].type)
			return berr(err, EBADMSG,
				    "%s: not an oci-archive (%s is missing or not a %s); make "
				    "it with berth save --format oci-archive or skopeo copy",
				    what, want[i].name, want[i].type == S_IFDIR ? "directory" : "file");
	return 0;
}

static int arc_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_media_type, berth_error *err)
{
	struct img_src *in = SRC_ARC(s)->in_src;
	return in->ops->get_manifest(in, digest, ret, ret_len, ret_media_type, err);
}

static int arc_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
			img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	struct img_src *in = SRC_ARC(s)->in_src;

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
	_cleanup_close_ int in = -1, layout = -1;
	_cleanup_free_ char *lpath = NULL;
	oci_image_name ln = {.transport = OCI_TRANSPORT_OCI, .source_index = -1};
	bool docker = n->transport == OCI_TRANSPORT_DOCKER_ARCHIVE;
	int r = arc_new(n, &a, err);

	if (r < 0)
		return r;
	a->src.ops = &arc_src_ops;
	a->src.transport = n->transport;
	r = unpack(a, &in, err);
	if (r == 0 && docker)
		r = subdir(a, "layout", &layout, err);
	if (r == 0 && docker)
		r = img_docker_archive_import(in, layout, n, a->src.name, err);
	if (r == 0 && !docker) {
		r = check_layout(in, a->src.name, err);
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

static int arc_mount_blob(struct img_dst *t, const struct img_src *from, const char *digest,
			  berth_error *err)
{
	return 0;
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
    .mount_blob = arc_mount_blob,
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
