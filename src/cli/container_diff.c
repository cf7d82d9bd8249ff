/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_diff.c - `berth diff` / `container diff CONTAINER`: podman's "A /path", "C /path",
 * "D /path" from the container's overlay upper dir, compared with its image's layers. The walk
 * is done with *at() calls on the upper dir and, in step, on the same directory of every lower
 * layer (opened with O_NOFOLLOW, so a symlink in a layer is never followed): an entry is added
 * when no layer has it, changed when one does, deleted when it is a whiteout (char 0:0) of
 * something a layer has, or a name a layer has below an opaque directory that the upper dir
 * does not have (the directory was removed and made again). Directories are listed when something below them is, or when they are
 * new. Mount-point placeholders (/etc/hosts, ...) are left out, as podman does. Rootless, the
 * walk runs inside the store's user namespace, where the container's files are readable.
 *
 * Also the option tables of the berth-transfer commands commit, build and export.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/spec.h"
#include "store/container.h"
#include "store/store.h"
#include "util/macro.h"
#include "util/userns.h"

#define DIFF_MAX_DEPTH 256
#define DIFF_MAX_LOWERS (STORE_MAX_LAYERS + 1)

const struct cli_option cmd_container_diff_options[] = {
	{ "format", 0, CLI_STRING, "Change the output format (json)", NULL },
	{ "latest", 'l', CLI_BOOL, "Act on the latest container (not supported)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

const struct cli_option cmd_commit_options[] = {
	{ "author", 'a', CLI_STRING, "Set the author for the image committed", NULL },
	{ "change", 'c', CLI_LIST, "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR", NULL },
	{ "format", 'f', CLI_STRING, "Format of the image manifest and metadata (oci, docker)", "oci" },
	{ "message", 'm', CLI_STRING, "Set commit message for imported image", NULL },
	{ "pause", 'p', CLI_BOOL, "Pause container during commit", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress output", NULL },
	{ "squash", 's', CLI_BOOL, "Squash the image's layers and the container's changes into one layer", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

const struct cli_option cmd_build_options[] = {
	{ "tag", 't', CLI_LIST, "Tagged name to apply to the built image", NULL },
	{ "file", 'f', CLI_LIST, "Name of the Containerfile (default CONTEXT/Containerfile, then Dockerfile)", NULL },
	{ "build-arg", 0, CLI_LIST, "Argument=value pair for the build", NULL },
	{ "format", 0, CLI_STRING, "Format of the built image's manifest and metadata (oci, docker)", "oci" },
	{ "quiet", 'q', CLI_BOOL, "Refrain from announcing build instructions and image read/write progress", NULL },
	{ "no-cache", 0, CLI_BOOL, "Do not use cached RUN layers: run every step", NULL },
	{ "layers", 0, CLI_BOOL, "Cache RUN layers and reuse them in later builds (default true)", NULL },
	{ "rm", 0, CLI_BOOL, "Remove intermediate containers after a successful build (always)", NULL },
	{ "force-rm", 0, CLI_BOOL, "Always remove intermediate containers (always)", NULL },
	{ "network", 0, CLI_STRING, "Network mode for RUN instructions (host, none, private)", "host" },
	{ "target", 0, CLI_STRING, "Set the target build stage to build", NULL },
	{ "label", 0, CLI_LIST, "Set metadata for an image", NULL },
	{ "pull", 0, CLI_STRING, "Pull policy (accepted; FROM uses local images only)", NULL },
	{ "iidfile", 0, CLI_STRING, "Write the image ID to the file", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

const struct cli_option cmd_export_options[] = {
	{ "output", 'o', CLI_STRING, "Write to a specified file (default: stdout, which must be redirected)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const char *const diff_mount_points[] = SPEC_MOUNT_POINT_FILES;

struct diff_walk {
	json_t *added, *changed, *deleted; /* arrays of "/path" */
	size_t n_lowers;
	char path[4096];
};

static bool placeholder(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_size != 0)
		return false;
	for (const char *const *p = diff_mount_points; *p; p++)
		if (strcmp(path, *p) == 0)
			return true;
	return false;
}

static bool opaque(int fd)
{
	char v[2];

	return (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y') ||
	       (fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y');
}

static void add(json_t *arr, const char *path)
{
	char buf[4100];

	snprintf(buf, sizeof(buf), "/%s", path);
	json_array_append_new(arr, json_string(buf));
}

static bool in_lower(const int *lowers, size_t n, const char *leaf)
{
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (lowers[i] >= 0 && fstatat(lowers[i], leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			/* a whiteout in a higher lower layer hides the rest */
			return !(S_ISCHR(st.st_mode) && st.st_rdev == 0);
		}
	return false;
}

/*
 * hidden_by_opaque() - an opaque directory @up (at w->path, which ends in "/") hides what the
 * lower layers had in directory @leaf of @lowers: report each such entry as deleted, as a
 * whiteout would be. The lower layers are merged top-down, stopping at a layer where @leaf is
 * not a directory or is opaque itself, skipping names whited out higher up.
 */
static int hidden_by_opaque(struct diff_walk *w, int up, const int *lowers, const char *leaf,
			    size_t plen, berth_error *err)
{
	json_auto_t *seen = json_object();
	int reported = 0;

	if (!seen)
		return berr(err, ENOMEM, "out of memory");
	for (size_t k = 0; k < w->n_lowers; k++) {
		struct stat st;
		if (lowers[k] < 0 || fstatat(lowers[k], leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			break;
		int fd = openat(lowers[k], leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			return berr_errno(err, errno, "diff: read a layer's /%s", w->path);
		}
		bool stop = opaque(dirfd(d));
		for (struct dirent *de; (de = readdir(d));) {
			struct stat e, u;
			size_t llen = strlen(de->d_name);
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
			    json_object_get(seen, de->d_name) ||
			    fstatat(dirfd(d), de->d_name, &e, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			json_object_set_new(seen, de->d_name, json_true());
			if ((S_ISCHR(e.st_mode) && e.st_rdev == 0) ||
			    fstatat(up, de->d_name, &u, AT_SYMLINK_NOFOLLOW) == 0 ||
			    plen + llen + 1 >= sizeof(w->path))
				continue;
			memcpy(w->path + plen, de->d_name, llen + 1);
			add(w->deleted, w->path);
			reported++;
		}
		closedir(d);
		if (stop)
			break;
	}
	w->path[plen] = '\0';
	return reported;
}

/* Walks @dfd (the upper dir at w->path); returns the number of entries reported below, or <0. */
static int walk(struct diff_walk *w, int dfd, const int *lowers, size_t plen, unsigned depth,
		berth_error *err)
{
	struct dirent **list = NULL;
	int n, reported = 0, r = 0;

	if (depth > DIFF_MAX_DEPTH)
		return berr(err, ELOOP, "diff: /%s: nested too deep", w->path);
	n = scandirat(dfd, ".", &list, NULL, alphasort);
	if (n < 0)
		return berr_errno(err, errno, "diff: read /%s", w->path);
	for (int i = 0; i < n && r >= 0; i++) {
		const char *leaf = list[i]->d_name;
		size_t llen = strlen(leaf);
		struct stat st;
		bool existed;

		if (strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0)
			continue;
		if (plen + llen + 2 >= sizeof(w->path)) {
			r = berr(err, ENAMETOOLONG, "diff: /%s%s: path too long", w->path, leaf);
			break;
		}
		memcpy(w->path + plen, leaf, llen + 1);
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = berr_errno(err, errno, "diff: stat /%s", w->path);
			break;
		}
		if (placeholder(w->path, &st))
			continue;
		existed = in_lower(lowers, w->n_lowers, leaf);
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
			if (existed) {
				add(w->deleted, w->path);
				reported++;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_free_ int *sl = calloc(w->n_lowers + 1, sizeof(int));
			size_t at = json_array_size(existed ? w->changed : w->added);
			int below;

			if (sub < 0 || !sl) {
				r = berr_errno(err, sub < 0 ? errno : ENOMEM, "diff: open /%s", w->path);
				break;
			}
			for (size_t k = 0; k < w->n_lowers; k++)
				sl[k] = (existed && !opaque(sub) && lowers[k] >= 0)
						? openat(lowers[k], leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
						: -1;
			w->path[plen + llen] = '/';
			w->path[plen + llen + 1] = '\0';
			below = walk(w, sub, sl, plen + llen + 1, depth + 1, err);
			if (below >= 0 && existed && opaque(sub)) {
				w->path[plen + llen] = '/';
				w->path[plen + llen + 1] = '\0';
				int hidden = hidden_by_opaque(w, sub, lowers, leaf, plen + llen + 1, err);
				below = hidden < 0 ? hidden : below + hidden;
			}
			w->path[plen + llen] = '\0';
			for (size_t k = 0; k < w->n_lowers; k++)
				if (sl[k] >= 0)
					close(sl[k]);
			if (below < 0) {
				r = below;
				break;
			}
			if (below > 0 || !existed) {
				/* the directory goes before what is below it */
				char buf[4100];
				snprintf(buf, sizeof(buf), "/%s", w->path);
				json_array_insert_new(existed ? w->changed : w->added, at, json_string(buf));
				reported += below + 1;
			}
			continue;
		}
		add(existed ? w->changed : w->added, w->path);
		reported++;
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	w->path[plen] = '\0';
	return r < 0 ? r : reported;
}

struct diff_job {
	const char *upper;
	char **lowers;
	bool json;
};

static int by_path(const void *a, const void *b)
{
	return strcmp(((const char *const *)a)[0], ((const char *const *)b)[0]);
}

static int diff_print(struct diff_walk *w, bool json)
{
	json_t *arrs[3] = { w->changed, w->added, w->deleted };
	_cleanup_free_ const char **all = NULL;
	size_t total = 0, k = 0, i;
	json_t *x;

	if (json) {
		json_auto_t *o = json_object();
		if (json_array_size(w->changed))
			json_object_set(o, "changed", w->changed);
		if (json_array_size(w->added))
			json_object_set(o, "added", w->added);
		if (json_array_size(w->deleted))
			json_object_set(o, "deleted", w->deleted);
		json_dumpf(o, stdout, JSON_INDENT(4));
		putchar('\n');
		return 0;
	}
	for (int a = 0; a < 3; a++)
		total += json_array_size(arrs[a]);
	all = calloc(total * 2 + 1, sizeof(char *));
	if (!all)
		return -ENOMEM;
	for (int a = 0; a < 3; a++)
		json_array_foreach(arrs[a], i, x) {
			all[k * 2] = json_string_value(x);
			all[k * 2 + 1] = a == 0 ? "C" : a == 1 ? "A" : "D";
			k++;
		}
	qsort(all, total, 2 * sizeof(char *), by_path);
	for (i = 0; i < total; i++)
		printf("%s %s\n", all[i * 2 + 1], all[i * 2]);
	fflush(stdout);
	return 0;
}

static int diff_run(void *data, berth_error *err)
{
	struct diff_job *j = data;
	struct diff_walk w = { .added = json_array(), .changed = json_array(), .deleted = json_array() };
	_cleanup_close_ int up = open(j->upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int lowers[DIFF_MAX_LOWERS];
	int r;

	if (up < 0)
		return berr_errno(err, errno, "open %s", j->upper);
	for (size_t i = 0; j->lowers[i] && w.n_lowers < DIFF_MAX_LOWERS; i++)
		lowers[w.n_lowers++] = open(j->lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = walk(&w, up, lowers, 0, 0, err);
	for (size_t i = 0; i < w.n_lowers; i++)
		if (lowers[i] >= 0)
			close(lowers[i]);
	if (r >= 0)
		r = diff_print(&w, j->json);
	json_decref(w.added);
	json_decref(w.changed);
	json_decref(w.deleted);
	return r < 0 ? r : 0;
}

int cmd_container_diff(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_free_ char *upper = NULL;
	_cleanup_strv_free_ char **lowers = NULL;
	const char *fmt = cli_str(args, "format");
	struct diff_job j = { 0 };
	berth_error err = { 0 };
	int r;

	if (fmt && strcmp(fmt, "json") != 0)
		return cli_error("unknown --format \"%s\": diff supports json", fmt);
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0 ||
	    ctr_get(ctx, s, cli_argv(args)[0], &c, &err) < 0 ||
	    store_container_dir_path(s, c->id, "upper", &upper, &err) < 0 ||
	    store_image_lower_dirs(s, c->image_id, &lowers, &err) < 0)
		return cli_fail(&err);
	j.upper = upper;
	j.lowers = lowers;
	j.json = fmt != NULL;
	if (ctx->rootless) {
		struct userns_mapping m;
		r = userns_mapping_for_user(ctx->uid, ctx->gid, NULL, "/etc/subuid", "/etc/subgid",
					    &m, &err);
		if (r >= 0)
			r = userns_run(&m, diff_run, &j, &err);
	} else
		r = diff_run(&j, &err);
	return r < 0 ? cli_fail(&err) : 0;
}
