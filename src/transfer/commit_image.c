/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commit_image.c - a new image on top of a local one (see commit_image.h for the flow).
 */
#include "transfer/commit_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "engine/run_private.h"
#include "engine/spec.h"
#include "store/store-time.h"
#include "util/macro.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

const char *const cimg_mount_points[] = SPEC_MOUNT_POINT_FILES;

static void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	store_time_format((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, buf, len);
}

static const char *host_arch(void)
{
	static struct utsname u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

json_t *cimg_run_config(struct cimg *c)
{
	json_t *cc = json_object_get(c->config, "config");

	if (!json_is_object(cc)) {
		cc = json_object();
		json_object_set_new(c->config, "config", cc);
	}
	return cc;
}

static json_t *member_array(json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(o, key, a);
	}
	return a;
}

int cimg_from_image(struct store *s, const char *ref, struct cimg *c, berth_error *err)
{
	_cleanup_(store_image_freep) struct store_image *img = NULL;
	_cleanup_free_ char *cfg = NULL, *man = NULL;
	json_auto_t *mj = NULL;
	json_t *rootfs;
	int r;

	if (!ref || strcmp(ref, "scratch") == 0) {
		c->config = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture",
				      host_arch(), "os", "linux", "config", "rootfs", "type", "layers",
				      "diff_ids", "history");
		c->layers = json_array();
		c->layer_ids = calloc(1, sizeof(char *));
		if (!c->config || !c->layers || !c->layer_ids)
			return berr(err, ENOMEM, "out of memory");
		return 0;
	}
	r = store_image_lookup(s, ref, &img, err);
	if (r < 0)
		return r;
	r = store_image_config(s, img, &cfg, err);
	if (r < 0)
		return r;
	r = store_image_manifest(s, img, &man, err);
	if (r < 0)
		return r;
	c->config = json_loads(cfg, 0, NULL);
	mj = json_loads(man, 0, NULL);
	if (!json_is_object(c->config) || !json_is_object(mj) ||
	    !json_is_array(json_object_get(mj, "layers")) ||
	    json_array_size(json_object_get(mj, "layers")) != img->n_layers)
		return berr(err, EINVAL, "image %s: its config or manifest is damaged; run berth system check", ref);
	c->layers = json_deep_copy(json_object_get(mj, "layers"));
	c->layer_ids = calloc(img->n_layers + 2, sizeof(char *));
	if (!c->layers || !c->layer_ids)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < img->n_layers; i++)
		if (!(c->layer_ids[i] = strdup(img->layers[i])))
			return berr(err, ENOMEM, "out of memory");
	c->n = img->n_layers;
	rootfs = json_object_get(c->config, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(c->config, "rootfs", rootfs);
	}
	member_array(rootfs, "diff_ids");
	member_array(c->config, "history");
	cimg_run_config(c);
	return 0;
}

void cimg_done(struct cimg *c)
{
	json_decref(c->config);
	json_decref(c->layers);
	strv_free(c->layer_ids);
	memset(c, 0, sizeof(*c));
}

void cimg_add_history(struct cimg *c, const char *created_by, const char *comment,
		      const char *author, bool empty_layer)
{
	char created[48];
	json_t *h = json_object();

	now_rfc3339(created, sizeof(created));
	json_object_set_new(h, "created", json_string(created));
	if (created_by)
		json_object_set_new(h, "created_by", json_string(created_by));
	if (author && *author)
		json_object_set_new(h, "author", json_string(author));
	if (comment && *comment)
		json_object_set_new(h, "comment", json_string(comment));
	if (empty_layer)
		json_object_set_new(h, "empty_layer", json_true());
	json_array_append_new(member_array(c->config, "history"), h);
}

/* ---- running with the store's ownership --------------------------------------------------- */

int cimg_run_in_root(struct berth_ctx *ctx, bool mount_ns, int (*fn)(void *data, berth_error *err),
		     void *data, berth_error *err)
{
	return ctr_run_private(ctx, mount_ns, fn, data, err);
}

int cimg_mount_layers(char *const *lowers, const char *mnt, bool userxattr, berth_error *err)
{
	_cleanup_close_ int fs = -1, m = -1;

	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return berr_errno(err, errno, "open an overlay");
	for (char *const *l = lowers; *l; l++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", *l, 0) < 0)
			return berr_errno(err, errno, "overlay layer %s", *l);
	if (userxattr && fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return berr_errno(err, errno, "overlay option userxattr");
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return berr_errno(err, errno, "create the overlay");
	m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	if (m < 0)
		return berr_errno(err, errno, "mount the overlay");
	if (move_mount(m, "", AT_FDCWD, mnt, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berr_errno(err, errno, "mount the overlay on %s", mnt);
	return 0;
}

/* ---- layers --------------------------------------------------------------------------------- */

struct diff_job {
	const char *dir;
	char *const *mount; /* when set: mounted read-only on @dir first, in the child */
	bool userxattr;
	int out;
	struct layer_diff_opts opts;
	struct layer_diff_stats *st; /* MAP_SHARED when run in a child */
};

static int diff_job_run(void *data, berth_error *err)
{
	struct diff_job *j = data;
	_cleanup_close_ int dfd = -1;

	if (j->mount) {
		int r = cimg_mount_layers(j->mount, j->dir, j->userxattr, err);
		if (r < 0)
			return r;
	}
	dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return berr_errno(err, errno, "open %s", j->dir);
	return layer_diff_write(dfd, j->out, &j->opts, j->st, err);
}

static int add_diff(struct berth_ctx *ctx, struct store *s, struct cimg *c, struct diff_job *jp,
		    const struct layer_diff_opts *opts, const char *created_by, const char *comment,
		    berth_error *err)
{
	_cleanup_free_ char *tmpdir = NULL;
	_cleanup_close_ int fd = -1;
	struct diff_job j = *jp;
	char blob[STORE_DIGEST_LEN + 1], diff_id[STORE_DIGEST_LEN + 1];
	uint64_t size = 0;
	int r;

	if (asprintf(&tmpdir, "%s/tmp", store_root(s)) < 0)
		return berr(err, ENOMEM, "out of memory");
	/* an unnamed file: nothing to clean up whatever happens */
	fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_errno(err, errno, "create a temporary file in %s", tmpdir);
	if (opts)
		j.opts = *opts;
	j.opts.compression = LAYER_DIFF_GZIP;
	j.out = fd;
	j.st = mmap(NULL, sizeof(*j.st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.st == MAP_FAILED)
		return berr_errno(err, errno, "map shared memory");
	r = cimg_run_in_root(ctx, j.mount != NULL, diff_job_run, &j, err);
	if (r >= 0)
		snprintf(diff_id, sizeof(diff_id), "sha256:%s", j.st->diff_id);
	munmap(j.st, sizeof(*j.st));
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berr_errno(err, errno, "rewind the layer");
	r = store_blob_ingest_fd(s, fd, NULL, 0, blob, &size, err);
	if (r < 0)
		return r;
	return cimg_add_blob(s, c, blob, diff_id, created_by, comment, err);
}

int cimg_add_dir(struct berth_ctx *ctx, struct store *s, struct cimg *c, const char *dir,
		 const struct layer_diff_opts *opts, const char *created_by, const char *comment,
		 berth_error *err)
{
	struct diff_job j = { .dir = dir };

	return add_diff(ctx, s, c, &j, opts, created_by, comment, err);
}

int cimg_add_merged(struct berth_ctx *ctx, struct store *s, struct cimg *c, char *const *layers,
		    const struct layer_diff_opts *opts, const char *created_by, const char *comment,
		    berth_error *err)
{
	_cleanup_free_ char *mnt = NULL;
	struct diff_job j = { .mount = layers, .userxattr = ctx->rootless };
	int r;

	if (asprintf(&mnt, "%s/tmp/merged-XXXXXX", store_root(s)) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (!mkdtemp(mnt))
		return berr_errno(err, errno, "create %s", mnt);
	j.dir = mnt;
	r = add_diff(ctx, s, c, &j, opts, created_by, comment, err);
	(void)rmdir(mnt); /* the mount went with the child's namespace */
	return r;
}

int cimg_add_blob(struct store *s, struct cimg *c, const char *blob, const char *diff_id,
		  const char *created_by, const char *comment, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	char id[STORE_ID_LEN + 1];
	struct stat st;
	char **ids;
	int r;

	r = store_blob_open(s, blob, &fd, err);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return berr_errno(err, errno, "stat blob %s", blob);
	r = store_layer_create_from_blob(s, c->n ? c->layer_ids[c->n - 1] : NULL, blob,
					 OCI_LAYER_GZIP, diff_id, id, err);
	if (r < 0)
		return r;
	ids = realloc(c->layer_ids, (c->n + 2) * sizeof(char *));
	if (!ids)
		return berr(err, ENOMEM, "out of memory");
	c->layer_ids = ids;
	if (!(ids[c->n] = strdup(id)))
		return berr(err, ENOMEM, "out of memory");
	ids[++c->n] = NULL;
	json_array_append_new(c->layers, json_pack("{s:s, s:s, s:I}", "mediaType", OCI_LAYER_GZIP,
						   "digest", blob, "size", (json_int_t)st.st_size));
	json_array_append_new(member_array(json_object_get(c->config, "rootfs"), "diff_ids"),
			      json_string(diff_id));
	cimg_add_history(c, created_by, comment, NULL, false);
	return 0;
}

/* ---- the image ------------------------------------------------------------------------------ */

/* OCI layer media types → Docker schema2 ones (--format docker). */
static const char *docker_layer_type(const char *t)
{
	if (!t)
		return "application/vnd.docker.image.rootfs.diff.tar.gzip";
	if (strcmp(t, "application/vnd.oci.image.layer.v1.tar+gzip") == 0)
		return "application/vnd.docker.image.rootfs.diff.tar.gzip";
	if (strcmp(t, "application/vnd.oci.image.layer.v1.tar") == 0)
		return "application/vnd.docker.image.rootfs.diff.tar";
	return t;
}

static const char *oci_layer_type(const char *t)
{
	if (!t)
		return OCI_LAYER_GZIP;
	if (strcmp(t, "application/vnd.docker.image.rootfs.diff.tar.gzip") == 0)
		return OCI_LAYER_GZIP;
	if (strcmp(t, "application/vnd.docker.image.rootfs.diff.tar") == 0)
		return "application/vnd.oci.image.layer.v1.tar";
	return t;
}

int cimg_commit(struct store *s, struct cimg *c, const char *name, bool docker,
		char ret_id[STORE_ID_LEN + 1], berth_error *err)
{
	_cleanup_free_ char *cfg_text = NULL, *man_text = NULL, *norm = NULL;
	_cleanup_free_ char **blobs = NULL;
	json_auto_t *man = NULL;
	json_t *layers, *l;
	char created[48], cfg_digest[STORE_DIGEST_LEN + 1], man_digest[STORE_DIGEST_LEN + 1];
	size_t i;
	int r;

	if (name) {
		r = store_name_normalize(name, &norm, err);
		if (r < 0)
			return r;
	}
	now_rfc3339(created, sizeof(created));
	json_object_set_new(c->config, "created", json_string(created));
	if (!json_object_get(c->config, "architecture"))
		json_object_set_new(c->config, "architecture", json_string(host_arch()));
	if (!json_object_get(c->config, "os"))
		json_object_set_new(c->config, "os", json_string("linux"));
	cfg_text = json_dumps(c->config, JSON_COMPACT);
	if (!cfg_text)
		return berr(err, ENOMEM, "out of memory");
	r = store_blob_ingest_buf(s, cfg_text, strlen(cfg_text), NULL, cfg_digest, err);
	if (r < 0)
		return r;

	layers = json_array();
	blobs = calloc(c->n + 1, sizeof(char *));
	if (!blobs)
		return berr(err, ENOMEM, "out of memory");
	json_array_foreach(c->layers, i, l) {
		const char *t = json_string_value(json_object_get(l, "mediaType"));
		json_t *d = json_deep_copy(l);
		json_object_set_new(d, "mediaType",
				    json_string(docker ? docker_layer_type(t) : oci_layer_type(t)));
		json_array_append_new(layers, d);
		blobs[i] = (char *)json_string_value(json_object_get(l, "digest"));
	}
	man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
			docker ? DOCKER_MANIFEST : OCI_MANIFEST, "config", "mediaType",
			docker ? DOCKER_CONFIG : OCI_CONFIG, "digest", cfg_digest, "size",
			(json_int_t)strlen(cfg_text), "layers", layers);
	man_text = man ? json_dumps(man, JSON_COMPACT) : NULL;
	if (!man_text)
		return berr(err, ENOMEM, "out of memory");
	r = store_blob_ingest_buf(s, man_text, strlen(man_text), NULL, man_digest, err);
	if (r < 0)
		return r;
	{
		char *names[] = { norm, NULL };
		struct store_image_spec spec = {
			.config_digest = cfg_digest,
			.manifest_digest = man_digest,
			.manifest_media_type = docker ? DOCKER_MANIFEST : OCI_MANIFEST,
			.layers = c->layer_ids,
			.blob_digests = blobs,
			.n_layers = c->n,
			.names = norm ? names : NULL,
		};
		return store_image_create(s, &spec, ret_id, err);
	}
}
