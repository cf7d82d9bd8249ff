/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_pause.c - the cgroup freezer, v1 and v2 (see container_pause.h).
 */
#include "engine/container_pause.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "engine/container.h"
#include "store/events.h"
#include "util/fileio.h"
#include "util/macro.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_FILE_MAX (1024 * 1024)

static bool is_v2(void)
{
	struct statfs fs;

	return statfs(CG_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static int cg_path(char *buf, size_t len, const char *hier, const char *id, const char *file)
{
	int n = hier ? snprintf(buf, len, CG_ROOT "/%s/berth/%s/%s", hier, id, file)
		     : snprintf(buf, len, CG_ROOT "/berth/%s/%s", id, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_str(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, n) != (ssize_t)n)
		return errno ? -errno : -EIO;
	return 0;
}

static char *read_str(const char *path)
{
	char *data = NULL;

	if (read_file_at(AT_FDCWD, path, CG_FILE_MAX, &data, NULL, NULL) < 0)
		return NULL;
	return data;
}

bool ctr_paused(const char *id)
{
	char p[PATH_MAX];
	_cleanup_free_ char *v = NULL;

	if (is_v2()) {
		if (cg_path(p, sizeof(p), NULL, id, "cgroup.freeze") < 0)
			return false;
		v = read_str(p);
		return v && v[0] == '1';
	}
	if (cg_path(p, sizeof(p), "freezer", id, "freezer.state") < 0)
		return false;
	v = read_str(p);
	return v && strncmp(v, "FROZEN", 6) == 0;
}

const char *ctr_state_now(const struct store_container *c)
{
	if (strcmp(c->state, "configured") == 0)
		return "created";
	if (strcmp(c->state, "running") == 0 && ctr_paused(c->id))
		return "paused";
	return c->state;
}

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* v1: make freezer/berth/<id> and move every process of pids/berth/<id> into it. */
static int v1_join(const char *id, berth_error *err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	_cleanup_free_ char *procs = NULL;

	if (cg_path(src, sizeof(src), "pids", id, "cgroup.procs") < 0 ||
	    cg_path(dst, sizeof(dst), "freezer", id, ""))
		return berr(err, ENAMETOOLONG, "container %s: cgroup path too long", id);
	procs = read_str(src);
	if (!procs)
		return berr(err, EINVAL,
			    "container %s has no cgroup (rootless on cgroup v1): pause is not "
			    "supported", id);
	if (mkdir(CG_ROOT "/freezer/berth", 0755) < 0 && errno != EEXIST)
		return berr_errno(err, errno, "create freezer cgroup berth");
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return berr_errno(err, errno, "create freezer cgroup %s", dst);
	if (cg_path(dst, sizeof(dst), "freezer", id, "cgroup.procs") < 0)
		return berr(err, ENAMETOOLONG, "container %s: cgroup path too long", id);
	for (char *save = NULL, *tok = strtok_r(procs, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save)) {
		int r = write_str(dst, tok);
		if (r < 0 && r != -ESRCH)
			return berr_errno(err, -r, "move process %s into %s", tok, dst);
	}
	return 0;
}

/* v1: every process of the pids cgroup is in the freezer cgroup too (none forked meanwhile). */
static bool v1_complete(const char *id)
{
	char a[PATH_MAX], b[PATH_MAX];
	_cleanup_free_ char *pa = NULL, *pb = NULL;

	if (cg_path(a, sizeof(a), "pids", id, "cgroup.procs") < 0 ||
	    cg_path(b, sizeof(b), "freezer", id, "cgroup.procs") < 0)
		return false;
	pa = read_str(a);
	pb = read_str(b);
	return pa && pb && strcmp(pa, pb) == 0;
}

static int set_frozen(const char *id, bool frozen, berth_error *err)
{
	char p[PATH_MAX];
	bool v2 = is_v2();
	int r;

	if (cg_path(p, sizeof(p), v2 ? NULL : "freezer", id, v2 ? "cgroup.freeze" : "freezer.state"))
		return berr(err, ENAMETOOLONG, "container %s: cgroup path too long", id);
	r = write_str(p, v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"));
	if (r == -ENOENT)
		return berr(err, EINVAL,
			    "container %s has no cgroup (rootless on cgroup v1): pause is not "
			    "supported", id);
	if (r < 0)
		return berr_errno(err, -r, "write %s", p);
	if (!frozen)
		return 0;
	/* wait until the kernel reports the whole cgroup frozen */
	if (v2 && cg_path(p, sizeof(p), NULL, id, "cgroup.events") < 0)
		return berr(err, ENAMETOOLONG, "container %s: cgroup path too long", id);
	for (int i = 0; i < 200; i++) {
		_cleanup_free_ char *v = read_str(p);
		if (v && (v2 ? strstr(v, "frozen 1") != NULL : strncmp(v, "FROZEN", 6) == 0))
			return 0;
		nap_ms(10);
	}
	return berr(err, ETIMEDOUT, "container %s did not freeze within 2 seconds", id);
}

static void emit(const struct berth_ctx *ctx, const struct store_container *c,
		 const char *action)
{
	struct store_event ev = { .type = "container", .action = action, .id = c->id,
				  .name = c->name, .image = c->image_name };

	store_event_emit(ctx->runroot, &ev, NULL);
}

static int get_running(struct berth_ctx *ctx, struct store *s, const char *ref,
		       struct store_container **ret, berth_error *err)
{
	struct store_container *c = NULL;
	int r = ctr_get(ctx, s, ref, &c, err);

	if (r < 0)
		return r;
	if (strcmp(c->state, "running") != 0) {
		r = berr(err, EINVAL, "\"%s\" is not running, can't pause or unpause it: container "
				      "state improper", c->name);
		store_container_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int ctr_pause(struct berth_ctx *ctx, struct store *s, const char *ref, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	int r = get_running(ctx, s, ref, &c, err);

	if (r < 0)
		return r;
	if (ctr_paused(c->id))
		return berr(err, EINVAL, "\"%s\" is already paused: container state improper",
			    c->name);
	if (is_v2()) {
		r = set_frozen(c->id, true, err);
		if (r == 0)
			emit(ctx, c, "pause");
		return r;
	}
	for (int attempt = 0; attempt < 5; attempt++) {
		r = v1_join(c->id, err);
		if (r < 0)
			return r;
		r = set_frozen(c->id, true, err);
		if (r < 0)
			return r;
		if (v1_complete(c->id)) {
			emit(ctx, c, "pause");
			return 0;
		}
		/* a process forked while we moved them: thaw and take it along */
		set_frozen(c->id, false, NULL);
	}
	return berr(err, EAGAIN, "container %s keeps forking: could not freeze all of it", c->name);
}

int ctr_unpause(struct berth_ctx *ctx, struct store *s, const char *ref, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	int r = get_running(ctx, s, ref, &c, err);

	if (r < 0)
		return r;
	if (!ctr_paused(c->id))
		return berr(err, EINVAL, "\"%s\" is not paused, can't unpause: container state "
				      "improper", c->name);
	r = set_frozen(c->id, false, err);
	if (r == 0)
		emit(ctx, c, "unpause");
	return r;
}

void ctr_pause_thaw(const char *id)
{
	if (ctr_paused(id))
		set_frozen(id, false, NULL);
}

void ctr_pause_cleanup(const char *id)
{
	char p[PATH_MAX];

	/* full ids only: 64 hex digits, nothing that could walk elsewhere */
	if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return;
	if (!is_v2() && cg_path(p, sizeof(p), "freezer", id, "") == 0)
		rmdir(p);
}
