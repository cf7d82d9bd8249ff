/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_docker.c - docker://HOST/REPO[:TAG|@DIGEST]: images in a registry, through
 * registry_client.h. Blobs arrive in an unnamed temporary file (in the destination's directory
 * when it has one, so that placing them there is a link, not a copy), verified as they stream.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/blob_locations.h"
#include "transport/image.h"
#include "util/macro.h"

struct docker_img {
	struct img_src src; /* a docker_img is either a source ... */
	struct img_dst dst; /* ... or a destination: the other one stays zero */
	char *ref;	    /* tag or digest */
};

char *img_docker_repo_string(const oci_image_name *n)
{
	char *s = NULL;
	if (asprintf(&s, "%s/%s", n->ref->domain, n->ref->path) < 0)
		return NULL;
	return s;
}

static int open_repo(const oci_image_name *n, const struct img_opts *o, char **ret_name,
		     struct reg_repo **ret_repo, char **ret_ref, berth_error *err)
{
	_cleanup_free_ char *name = oci_ref_string(n->ref);
	int r;

	if (!name)
		return berr(err, ENOMEM, "out of memory");
	if (!n->ref->domain)
		return berr(err, EINVAL, "%s: the reference names no registry", name);
	r = reg_repo_open(o->client, n->ref->domain, n->ref->path, &o->reg, name, ret_repo, err);
	if (r < 0)
		return r;
	*ret_ref = strdup(n->ref->digest ? n->ref->digest : n->ref->tag ? n->ref->tag : "latest");
	if (!*ret_ref) {
		reg_repo_free(*ret_repo);
		*ret_repo = NULL;
		return berr(err, ENOMEM, "out of memory");
	}
	*ret_name = TAKE_PTR(name);
	return 0;
}

static void docker_free(struct docker_img *d)
{
	reg_repo_free(d->src.repo);
	reg_repo_free(d->dst.repo);
	free(d->src.name);
	free(d->dst.name);
	free(d->ref);
	free(d);
}

#define SRC_IMG(s) ((struct docker_img *)((char *)(s)-offsetof(struct docker_img, src)))
#define DST_IMG(t) ((struct docker_img *)((char *)(t)-offsetof(struct docker_img, dst)))

static void docker_src_free(struct img_src *s)
{
	docker_free(SRC_IMG(s));
}

static void docker_dst_free(struct img_dst *t)
{
	docker_free(DST_IMG(t));
}

static int docker_get_manifest(struct img_src *s, const char *digest, char **ret, size_t *ret_len,
			       char **ret_media_type, berth_error *err)
{
	struct docker_img *d = SRC_IMG(s);
	struct reg_response resp = {0};
	int r;

	r = reg_manifest_get(s->repo, digest ? digest : d->ref, false, &resp, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(resp.body);
	*ret_len = resp.len;
	*ret_media_type = TAKE_PTR(resp.content_type);
	reg_response_done(&resp);
	return 0;
}

struct progress_ctx {
	img_progress_fn fn;
	void *ud;
	const char *digest;
};

static void progress_cb(void *ud, int64_t done, int64_t total)
{
	struct progress_ctx *p = ud;
	p->fn(p->ud, p->digest, done, total);
}

static int docker_get_blob(struct img_src *s, const char *digest, int64_t size, int tmpdir_fd,
			   img_progress_fn progress, void *ud, int *ret_fd, berth_error *err)
{
	_cleanup_close_ int fd = -1;
	struct progress_ctx p = {progress, ud, digest};
	int r;

	r = img_tmpfile(tmpdir_fd, &fd, err);
	if (r < 0)
		return r;
	r = reg_blob_fetch(s->repo, digest, size, fd, progress ? progress_cb : NULL, &p, err);
	if (r < 0)
		return r;
	blob_locations_record(digest, reg_repo_host(s->repo), reg_repo_name(s->repo));
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berr_errno(err, errno, "blob %s: cannot rewind", digest);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static const struct img_src_ops docker_src_ops = {
    .get_manifest = docker_get_manifest,
    .get_blob = docker_get_blob,
    .free = docker_src_free,
};

int img_docker_src_open(const oci_image_name *n, const struct img_opts *o, struct img_src **ret,
			berth_error *err)
{
	struct docker_img *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return berr(err, ENOMEM, "out of memory");
	d->src.ops = &docker_src_ops;
	d->src.transport = OCI_TRANSPORT_DOCKER;
	d->src.blobs_verified = true; /* reg_blob_fetch() hashes what it writes */
	r = open_repo(n, o, &d->src.name, &d->src.repo, &d->ref, err);
	if (r < 0) {
		docker_free(d);
		return r;
	}
	*ret = &d->src;
	return 0;
}

static int docker_has_blob(struct img_dst *t, const char *digest, int64_t size, berth_error *err)
{
	int64_t have = -1;
	int r = reg_blob_exists(t->repo, digest, &have, err);
	if (r == 1 && size >= 0 && have >= 0 && have != size)
		return 0; /* not what we are about to send: upload it */
	if (r == 1)
		blob_locations_record(digest, reg_repo_host(t->repo), reg_repo_name(t->repo));
	return r;
}

/*
 * docker_mount_blob() - a cross-repository mount: from the source's repository when it is on
 * the same registry, else from where the blob was last seen there (blob_locations.h).
 */
static int docker_mount_blob(struct img_dst *t, const struct img_src *from, const char *digest,
			     berth_error *err)
{
	const char *host = reg_repo_host(t->repo), *name = reg_repo_name(t->repo);
	char *seen[2];
	size_t n;
	int r = 0;

	if (from->transport == OCI_TRANSPORT_DOCKER && strcmp(reg_repo_host(from->repo), host) == 0)
		return strcmp(reg_repo_name(from->repo), name) == 0
			   ? 0
			   : reg_blob_mount(t->repo, digest, reg_repo_name(from->repo), err);
	n = blob_locations_find(digest, host, name, seen, ELEMENTSOF(seen));
	for (size_t i = 0; i < n; i++) {
		/* only a hint: a failed mount is an upload, not an error */
		if (r == 0 && reg_blob_mount(t->repo, digest, seen[i], NULL) == 1)
			r = 1;
		free(seen[i]);
	}
	if (r == 1)
		blob_locations_record(digest, host, name);
	return r;
}

static int docker_put_blob(struct img_dst *t, const char *digest, int64_t size, int fd,
			   img_progress_fn progress, void *ud, berth_error *err)
{
	struct progress_ctx p = {progress, ud, digest};
	int r = reg_blob_upload(t->repo, digest, size, fd, progress ? progress_cb : NULL, &p, err);
	if (r == 0)
		blob_locations_record(digest, reg_repo_host(t->repo), reg_repo_name(t->repo));
	return r;
}

static int docker_put_manifest(struct img_dst *t, const void *body, size_t len,
			       const char *media_type, const char *digest, bool top,
			       berth_error *err)
{
	struct docker_img *d = DST_IMG(t);
	return reg_manifest_put(t->repo, top ? d->ref : digest, media_type, body, len, NULL, err);
}

static int docker_commit(struct img_dst *t, berth_error *err)
{
	return 0;
}

static int docker_tmpdir_fd(struct img_dst *t)
{
	return -1;
}

static const struct img_dst_ops docker_dst_ops = {
    .has_blob = docker_has_blob,
    .mount_blob = docker_mount_blob,
    .put_blob = docker_put_blob,
    .put_manifest = docker_put_manifest,
    .commit = docker_commit,
    .tmpdir_fd = docker_tmpdir_fd,
    .free = docker_dst_free,
};

int img_docker_dst_open(const oci_image_name *n, const struct img_opts *o, struct img_dst **ret,
			berth_error *err)
{
	struct docker_img *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return berr(err, ENOMEM, "out of memory");
	d->dst.ops = &docker_dst_ops;
	d->dst.transport = OCI_TRANSPORT_DOCKER;
	d->dst.verifies = true; /* reg_blob_upload() hashes what it sends */
	r = open_repo(n, o, &d->dst.name, &d->dst.repo, &d->ref, err);
	if (r == 0)
		r = reg_repo_authenticate(d->dst.repo, "pull,push", err);
	if (r < 0) {
		docker_free(d);
		return r;
	}
	*ret = &d->dst;
	return 0;
}
