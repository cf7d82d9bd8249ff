/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build.c - `berth build [options] [CONTEXT]` (and `image build`): a Containerfile run step by
 * step, as podman's build does.
 *
 * Theory of operation: each stage keeps a struct cimg (commit_image.h), the image being made.
 * Metadata instructions (ENV, CMD, LABEL, ...) only change its config. COPY/ADD stage files in a
 * temp dir under the store (build_copy.c) that becomes a layer. RUN needs an image to run: the
 * current cimg is written as an unnamed intermediate image, `berth run` (the engine's own run
 * path, a sibling process with the same global flags) runs the command in a container of it,
 * and the container's upper dir becomes the next layer (as commit does). Intermediate images
 * are removed at the end, whether the build succeeds or not, so a failed build leaves no image;
 * layers the final image uses stay. RUN results are cached (see run_cache_key()); --no-cache or
 * --layers=false run every step. FROM takes local images and earlier
 * stages ("FROM base AS name", COPY --from=name); it never pulls.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/container.h"
#include "engine/containerfile.h"
#include "engine/image_ops.h"
#include "engine/spec.h"
#include "store/container.h"
#include "transfer/build_copy.h"
#include "transfer/commit_image.h"
#include "transfer/image_change.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

#define BUILD_MAX_STAGES 64
#define BUILD_MAX_TEMPS 4096

/* set by SIGINT/SIGTERM: the build stops after the running step and cleans up */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

struct bstage {
	char *name;
	char id[STORE_ID_LEN + 1];
};

struct build {
	struct berth_ctx *ctx;
	struct store *s;
	struct cli_args *args;
	int ctxfd;
	char **ignore;
	char **global_args; /* ARG before the first FROM, K=V */
	char **vars;	    /* this stage's ARG values, K=V */
	size_t n_vars;
	bool quiet, docker;
	struct cimg img;
	json_t *shell;
	char cur_id[STORE_ID_LEN + 1]; /* an image with img's layers and config, "" when stale */
	char *temps[BUILD_MAX_TEMPS];
	size_t n_temps;
	struct bstage stages[BUILD_MAX_STAGES];
	size_t n_stages;
	int exit_code;
};

static void say(struct build *b, const char *fmt, ...) _printf_(2, 3);
static void say(struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* ---- variables ---------------------------------------------------------------------------- */

static const char *kv_find(char *const *v, size_t n, const char *key)
{
	size_t kl = strlen(key);
	const char *found = NULL;

	for (size_t i = 0; i < n && v[i]; i++)
		if (strncmp(v[i], key, kl) == 0 && v[i][kl] == '=')
			found = v[i] + kl + 1;
	return found;
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* ARG values, then the config's Env (ENV wins, as in Docker). NULL-terminated, borrowed strings. */
static const char **expand_vars(struct build *b)
{
	json_t *env = json_object_get(cimg_run_config(&b->img), "Env"), *x;
	const char **v = calloc(b->n_vars + json_array_size(env) + 1, sizeof(char *));
	size_t n = 0, i;

	if (!v)
		return NULL;
	for (i = 0; i < b->n_vars; i++)
		v[n++] = b->vars[i];
	json_array_foreach(env, i, x) if (json_is_string(x))
		v[n++] = json_string_value(x);
	return v;
}

static int expand(struct build *b, const char *s, char **ret, berth_error *err)
{
	_cleanup_free_ const char **v = expand_vars(b);

	if (!v)
		return berr(err, ENOMEM, "out of memory");
	return cf_expand(s, (char *const *)v, ret, err);
}

static int add_var(struct build *b, const char *kv)
{
	char **v = realloc(b->vars, (b->n_vars + 2) * sizeof(char *));

	if (!v)
		return -ENOMEM;
	b->vars = v;
	if (!(v[b->n_vars] = strdup(kv)))
		return -ENOMEM;
	v[++b->n_vars] = NULL;
	return 0;
}

/* ---- images ------------------------------------------------------------------------------- */

static int keep_temp(struct build *b, const char *id)
{
	if (b->n_temps >= BUILD_MAX_TEMPS)
		return -E2BIG;
	b->temps[b->n_temps] = strdup(id);
	return b->temps[b->n_temps++] ? 0 : -ENOMEM;
}

/* Writes the current cimg as an unnamed image (once per change). */
static int materialize(struct build *b, berth_error *err)
{
	char id[STORE_ID_LEN + 1];
	int r;

	if (b->cur_id[0])
		return 0;
	r = store_lock(b->s, false, err);
	if (r < 0)
		return r;
	r = cimg_commit(b->s, &b->img, NULL, b->docker, id, err);
	store_unlock(b->s);
	if (r < 0)
		return r;
	memcpy(b->cur_id, id, sizeof(id));
	return keep_temp(b, id) < 0 ? berr(err, ENOMEM, "too many build steps") : 0;
}

static int add_layer(struct build *b, const char *dir, const struct layer_diff_opts *o,
		     const char *created_by, berth_error *err)
{
	int r = store_lock(b->s, false, err);

	if (r < 0)
		return r;
	r = cimg_add_dir(b->ctx, b->s, &b->img, dir, o, created_by, NULL, err);
	store_unlock(b->s);
	b->cur_id[0] = '\0';
	return r;
}

/* ---- staging dirs --------------------------------------------------------------------------- */

struct rm_job {
	const char *dir;
};

static int rm_run(void *data, berth_error *err)
{
	struct rm_job *j = data;

	return rm_rf_at(AT_FDCWD, j->dir, err);
}

static int make_stage_dir(struct build *b, char **ret, berth_error *err)
{
	char *d = NULL;

	if (asprintf(&d, "%s/tmp/build-XXXXXX", store_root(b->s)) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (!mkdtemp(d)) {
		int e = errno;
		free(d);
		return berr_errno(err, e, "create a staging directory under %s/tmp", store_root(b->s));
	}
	(void)chmod(d, 0755);
	*ret = d;
	return 0;
}

static void remove_stage_dir(struct build *b, char *dir)
{
	struct rm_job j = { dir };
	berth_error e = { 0 };

	if (dir)
		(void)cimg_run_in_root(b->ctx, false, rm_run, &j, &e);
	free(dir);
}

/* ---- instructions ----------------------------------------------------------------------------- */

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* The exec form as is, the shell form run by SHELL. */
static json_t *command_of(struct build *b, const struct cf_instr *in)
{
	json_t *a;

	if (in->exec)
		return strv_json(in->exec);
	a = b->shell ? json_deep_copy(b->shell) : json_pack("[s, s]", "/bin/sh", "-c");
	json_array_append_new(a, json_string(in->args));
	return a;
}

static int step_from(struct build *b, const struct cf_instr *in, berth_error *err)
{
	_cleanup_free_ char *arg = NULL;
	_cleanup_strv_free_ char **w = NULL;
	const char *base;
	int r;

	/* FROM sees only the ARGs declared before the first FROM */
	r = cf_expand(in->args, b->global_args, &arg, err);
	if (r < 0)
		return r;
	r = cf_words(arg, &w, err);
	if (r < 0)
		return r;
	if (!w[0] || (w[1] && (strcasecmp(w[1], "as") != 0 || !w[2] || w[3])))
		return berr(err, EINVAL, "line %u: FROM takes IMAGE [AS NAME]", in->line);
	if (b->n_stages >= BUILD_MAX_STAGES)
		return berr(err, E2BIG, "more than %d stages", BUILD_MAX_STAGES);
	base = w[0];
	for (size_t i = 0; i < b->n_stages; i++)
		if (b->stages[i].name && strcmp(b->stages[i].name, base) == 0)
			base = b->stages[i].id;
	cimg_done(&b->img);
	r = cimg_from_image(b->s, base, &b->img, err);
	if (r == -ENOENT)
		return berr(err, ENOENT,
			    "FROM %s: image not known locally; berth build uses local images only: "
			    "pull or import it first", w[0]);
	if (r < 0)
		return r;
	b->stages[b->n_stages].name = w[1] ? strdup(w[2]) : NULL;
	b->n_stages++;
	b->cur_id[0] = '\0';
	json_decref(b->shell);
	b->shell = NULL;
	for (size_t i = 0; i < b->n_vars; i++)
		free(b->vars[i]);
	b->n_vars = 0;
	if (b->vars)
		b->vars[0] = NULL;
	/* an image without layers cannot be run: materialize lazily, at the first RUN */
	return 0;
}

static int step_arg(struct build *b, const struct cf_instr *in, bool global, berth_error *err)
{
	_cleanup_free_ char *name = NULL, *kv = NULL;
	const char *eq = strchr(in->args, '='), *v;
	char *const *ba = cli_list(b->args, "build-arg");
	_cleanup_free_ char *def = NULL;
	int r;

	name = eq ? strndup(in->args, (size_t)(eq - in->args)) : strdup(in->args);
	if (!name)
		return berr(err, ENOMEM, "out of memory");
	if (eq) {
		r = global ? cf_expand(eq + 1, b->global_args, &def, err) : expand(b, eq + 1, &def, err);
		if (r < 0)
			return r;
	}
	v = kv_find(ba, strv_len(ba), name);
	if (!v && !global)
		v = kv_find(b->global_args, strv_len(b->global_args), name);
	if (!v)
		v = def;
	if (!v)
		return 0; /* declared without a value: expands to "" */
	if (asprintf(&kv, "%s=%s", name, v) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (global) {
		size_t n = strv_len(b->global_args);
		char **g = realloc(b->global_args, (n + 2) * sizeof(char *));
		if (!g)
			return berr(err, ENOMEM, "out of memory");
		b->global_args = g;
		g[n] = TAKE_PTR(kv);
		g[n + 1] = NULL;
		return 0;
	}
	return add_var(b, kv) < 0 ? berr(err, ENOMEM, "out of memory") : 0;
}

static int spawn_wait(char **argv, int *ret_status, berth_error *err)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return berr_errno(err, errno, "fork");
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return berr_errno(err, errno, "wait for %s", argv[0]);
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/*
 * The RUN cache (podman's --layers, on by default): a RUN's layer is remembered in the store's
 * meta table under a key made of everything the step sees - the layer it runs on, the image
 * config (environment, user, working directory, shell...), the command, the ARG values and the
 * network mode. A later build that meets the same key reuses the layer (its blob is unpacked
 * again only if the layer was removed) instead of running the command.
 */
static void run_cache_key(struct build *b, json_t *cmd, const char *net, char key[SHA256_HEX_LEN + 1])
{
	_cleanup_(sha256_freep) struct sha256 *h = sha256_new();
	_cleanup_free_ char *cfg = json_dumps(cimg_run_config(&b->img), JSON_COMPACT | JSON_SORT_KEYS);
	_cleanup_free_ char *c = json_dumps(cmd, JSON_COMPACT);
	const char *top = b->img.n ? b->img.layer_ids[b->img.n - 1] : "scratch";

	key[0] = '\0';
	if (!h || !cfg || !c)
		return;
	sha256_update(h, top, strlen(top) + 1);
	sha256_update(h, cfg, strlen(cfg) + 1);
	sha256_update(h, c, strlen(c) + 1);
	sha256_update(h, net, strlen(net) + 1);
	for (size_t i = 0; i < b->n_vars; i++)
		sha256_update(h, b->vars[i], strlen(b->vars[i]) + 1);
	sha256_final_hex(h, key);
}

static bool use_cache(struct build *b)
{
	return !cli_flag(b->args, "no-cache") &&
	       !(cli_is_set(b->args, "layers") && !cli_flag(b->args, "layers"));
}

/* 1 when the cache had the step's layer (now added), 0 when not. */
static int run_cached(struct build *b, const char *key, const char *text)
{
	_cleanup_free_ char *val = NULL;
	char name[80], blob[STORE_DIGEST_LEN + 1], diff_id[STORE_DIGEST_LEN + 1];
	berth_error e = { 0 };
	int r;

	snprintf(name, sizeof(name), "build-cache:%s", key);
	if (!key[0] || !use_cache(b) || store_meta_get(b->s, name, &val, NULL) < 0 ||
	    sscanf(val, "%71s %71s", blob, diff_id) != 2 || !store_blob_exists(b->s, blob))
		return 0;
	if (store_lock(b->s, false, &e) < 0)
		return 0;
	r = cimg_add_blob(b->s, &b->img, blob, diff_id, text, NULL, &e);
	store_unlock(b->s);
	if (r < 0)
		return 0;
	b->cur_id[0] = '\0';
	say(b, "--> Using cache %.12s\n", b->img.layer_ids[b->img.n - 1]);
	return 1;
}

static void run_remember(struct build *b, const char *key)
{
	json_t *l = json_array_get(b->img.layers, json_array_size(b->img.layers) - 1);
	json_t *ids = json_object_get(json_object_get(b->img.config, "rootfs"), "diff_ids");
	char name[80], val[2 * STORE_DIGEST_LEN + 2];

	if (!key[0] || !l)
		return;
	snprintf(name, sizeof(name), "build-cache:%s", key);
	snprintf(val, sizeof(val), "%s %s", json_string_value(json_object_get(l, "digest")) ?: "",
		 json_string_value(json_array_get(ids, json_array_size(ids) - 1)) ?: "");
	(void)store_meta_set(b->s, name, val, NULL);
}

static int step_run(struct build *b, const struct cf_instr *in, berth_error *err)
{
	_cleanup_free_ char *berth = berth_ctx_helper_path(b->ctx, "berth");
	_cleanup_free_ char *upper = NULL;
	_cleanup_free_ char **argv = NULL;
	json_auto_t *cmd = command_of(b, in);
	_cleanup_container_ struct store_container *ctr = NULL;
	const char *net = cf_flag(in, "network") ?: cli_str(b->args, "network") ?: "host";
	struct layer_diff_opts o = { .skip_empty = cimg_mount_points, .skip_devices = b->ctx->rootless };
	char name[64], key[SHA256_HEX_LEN + 1];
	size_t n = 0, ng = strv_len(b->ctx->global_argv), i;
	int status = 0, r;
	json_t *x;

	if (!berth || !cmd)
		return berr(err, ENOMEM, "out of memory");
	run_cache_key(b, cmd, net, key);
	if (run_cached(b, key, in->text))
		return 0;
	r = materialize(b, err);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "berth-build-%d-%zu", (int)getpid(), b->n_temps);
	argv = calloc(ng + json_array_size(cmd) + 2 * b->n_vars + 16, sizeof(char *));
	if (!argv)
		return berr(err, ENOMEM, "out of memory");
	argv[n++] = berth;
	for (i = 0; i < ng; i++)
		argv[n++] = b->ctx->global_argv[i];
	argv[n++] = "run";
	argv[n++] = "--name";
	argv[n++] = name;
	argv[n++] = "--network";
	argv[n++] = (char *)net;
	argv[n++] = "--entrypoint=";
	/* ARG values are in the environment of RUN, not in the image */
	for (i = 0; i < b->n_vars; i++) {
		size_t kl = strcspn(b->vars[i], "="), k;
		bool in_env = false;
		json_array_foreach(json_object_get(cimg_run_config(&b->img), "Env"), k, x)
			in_env |= strncmp(json_string_value(x) ?: "", b->vars[i], kl + 1) == 0;
		if (!in_env) {
			argv[n++] = "-e";
			argv[n++] = b->vars[i];
		}
	}
	argv[n++] = b->cur_id;
	json_array_foreach(cmd, i, x) argv[n++] = (char *)json_string_value(x);
	argv[n] = NULL;
	r = spawn_wait(argv, &status, err);
	if (r >= 0 && store_container_lookup(b->s, name, &ctr, NULL) < 0 && status == 0)
		r = berr(err, EIO, "the RUN container %s is gone", name);
	if (r >= 0 && status != 0) {
		b->exit_code = status;
		r = berr(err, EIO, "building at STEP \"%s\": while running runtime: exit status %d",
			 in->text, status);
	}
	if (r >= 0) {
		r = store_container_dir_path(b->s, ctr->id, "upper", &upper, err);
		if (r >= 0)
			r = add_layer(b, upper, &o, in->text, err);
		if (r >= 0)
			run_remember(b, key);
	}
	if (ctr) {
		berth_error e2 = { 0 };
		(void)ctr_remove(b->ctx, b->s, ctr->id, true, true, &e2);
	}
	return r;
}

/* The diff dirs of the image so far, top first (NULL-terminated, malloc'd; NULL on ENOMEM). */
static char **layer_dirs(struct build *b)
{
	char **dirs = calloc(b->img.n + 1, sizeof(char *));
	size_t n = 0;

	for (size_t i = b->img.n; dirs && i-- > 0;)
		if (store_layer_diff_path(b->s, b->img.layer_ids[i], &dirs[n], NULL) >= 0)
			n++;
	return dirs;
}

/* --chown=USER[:GROUP]: numeric ids, or names from the image's /etc/passwd and /etc/group. */
static int parse_chown(struct build *b, const char *v, uid_t *uid, gid_t *gid, berth_error *err)
{
	_cleanup_strv_free_ char **dirs = layer_dirs(b);
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	struct spec_user u;
	int r;

	if (!dirs)
		return berr(err, ENOMEM, "out of memory");
	(void)ctr_read_layered(dirs, "etc/passwd", &passwd);
	(void)ctr_read_layered(dirs, "etc/group", &group);
	r = spec_user_lookup(v, passwd, group, &u, err);
	if (r < 0)
		return berr_prefix(err, "--chown=%s (names come from the image's /etc/passwd)", v);
	*uid = u.uid;
	*gid = u.gid;
	return 0;
}

static const char *workdir(struct build *b)
{
	const char *w = json_string_value(json_object_get(cimg_run_config(&b->img), "WorkingDir"));

	return w && *w ? w : "/";
}

/* Whether @path (absolute) is a directory in one of the image's layers (top first). */
static bool layers_have_dir(struct build *b, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

	if (!path[1])
		return true;
	for (size_t i = b->img.n; i-- > 0;) {
		_cleanup_free_ char *d = NULL;
		_cleanup_close_ int dfd = -1, fd = -1;
		struct stat st;
		if (store_layer_diff_path(b->s, b->img.layer_ids[i], &d, NULL) < 0 ||
		    (dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			continue;
		fd = (int)syscall(SYS_openat2, dfd, path + 1, &how, sizeof(how));
		if (fd >= 0 && fstat(fd, &st) == 0)
			return S_ISDIR(st.st_mode);
	}
	return false;
}

static int step_copy(struct build *b, const struct cf_instr *in, bool add, berth_error *err)
{
	_cleanup_free_ char *exp = NULL, *dest = NULL, *stage = NULL;
	_cleanup_strv_free_ char **w = NULL, **lowers = NULL, **image_layers = NULL;
	const char *from = cf_flag(in, "from"), *chown_v = cf_flag(in, "chown");
	struct bcopy c = { .ctxfd = b->ctxfd, .ignore = b->ignore, .add = add,
			   .userxattr = b->ctx->rootless, .what = in->text };
	size_t n;
	int r;

	r = expand(b, in->args, &exp, err);
	if (r < 0)
		return r;
	if (in->exec) {
		w = calloc(strv_len(in->exec) + 1, sizeof(char *));
		for (size_t i = 0; w && in->exec[i]; i++)
			w[i] = strdup(in->exec[i]);
		if (!w)
			return berr(err, ENOMEM, "out of memory");
	} else if ((r = cf_words(exp, &w, err)) < 0)
		return r;
	n = strv_len(w);
	if (n < 2)
		return berr(err, EINVAL, "line %u: %s requires at least two arguments", in->line, in->cmd);
	for (size_t i = 0; i + 1 < n; i++)
		if (strstr(w[i], "://"))
			return berr(err, ENOTSUP, "%s: %s: remote sources are not supported; download the file into the build context",
				    in->text, w[i]);
	if (w[n - 1][0] == '/')
		dest = strdup(w[n - 1]);
	else if (asprintf(&dest, "%s%s%s", workdir(b), workdir(b)[strlen(workdir(b)) - 1] == '/' ? "" : "/",
			  w[n - 1]) < 0)
		dest = NULL;
	if (!dest)
		return berr(err, ENOMEM, "out of memory");
	free(w[n - 1]);
	w[n - 1] = NULL;
	if (dest[strlen(dest) - 1] != '/' && layers_have_dir(b, dest)) {
		/* "COPY app.sh /usr/local/bin": into the image's directory, not over it */
		char *d2 = NULL;
		if (asprintf(&d2, "%s/", dest) < 0)
			return berr(err, ENOMEM, "out of memory");
		free(dest);
		dest = d2;
	}
	if (chown_v && (r = parse_chown(b, chown_v, &c.uid, &c.gid, err)) < 0)
		return r;
	if (from) {
		const char *id = NULL;
		for (size_t i = 0; i < b->n_stages - 1; i++) {
			char idx[24];
			snprintf(idx, sizeof(idx), "%zu", i);
			if ((b->stages[i].name && strcmp(b->stages[i].name, from) == 0) || strcmp(idx, from) == 0)
				id = b->stages[i].id;
		}
		if (!id) {
			_cleanup_(store_image_freep) struct store_image *img = NULL;
			r = store_image_lookup(b->s, from, &img, err);
			if (r < 0)
				return berr_prefix(err, "%s: --from=%s is neither a stage nor a local image", in->text, from);
			r = store_image_lower_dirs(b->s, img->id, &lowers, err);
		} else
			r = store_image_lower_dirs(b->s, id, &lowers, err);
		if (r < 0)
			return r;
		c.from_lowers = lowers;
	}
	image_layers = layer_dirs(b);
	if (!image_layers)
		return berr(err, ENOMEM, "out of memory");
	c.image_layers = image_layers;
	c.srcs = w;
	c.dest = dest;
	r = make_stage_dir(b, &stage, err);
	if (r < 0)
		return r;
	c.stage = stage;
	r = cimg_run_in_root(b->ctx, from != NULL, bcopy_run, &c, err);
	if (r >= 0)
		r = add_layer(b, stage, NULL, in->text, err);
	remove_stage_dir(b, TAKE_PTR(stage));
	return r;
}

/* Docker: WORKDIR creates the directory when the image lacks it. */
static int ensure_dir(struct build *b, const char *path, const char *text, berth_error *err)
{
	_cleanup_free_ char *stage = NULL;
	_cleanup_strv_free_ char **image_layers = NULL;
	struct bcopy c = { .dest = path, .what = text };
	int r;

	if (layers_have_dir(b, path))
		return 0;
	image_layers = layer_dirs(b);
	if (!image_layers)
		return berr(err, ENOMEM, "out of memory");
	c.image_layers = image_layers;
	r = make_stage_dir(b, &stage, err);
	if (r < 0)
		return r;
	c.stage = stage;
	r = cimg_run_in_root(b->ctx, false, bcopy_mkdir_run, &c, err);
	if (r >= 0)
		r = add_layer(b, stage, NULL, text, err);
	remove_stage_dir(b, TAKE_PTR(stage));
	return r;
}

static int64_t duration_ns(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		return (int64_t)(v * 1e6);
	if (strcmp(end, "s") == 0 || !*end)
		return (int64_t)(v * 1e9);
	if (strcmp(end, "m") == 0)
		return (int64_t)(v * 60e9);
	if (strcmp(end, "h") == 0)
		return (int64_t)(v * 3600e9);
	return -1;
}

static int step_healthcheck(struct build *b, const struct cf_instr *in, berth_error *err)
{
	json_t *cc = cimg_run_config(&b->img), *hc, *test;
	static const char *const fl[][2] = { { "interval", "Interval" }, { "timeout", "Timeout" },
					     { "start-period", "StartPeriod" }, { NULL, NULL } };
	const char *rest = in->args;

	if (strcasecmp(rest, "NONE") == 0) {
		json_object_set_new(cc, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
		return 0;
	}
	if (strncasecmp(rest, "CMD", 3) != 0 || (rest[3] != ' ' && rest[3] != '\t'))
		return berr(err, EINVAL, "line %u: HEALTHCHECK takes [OPTIONS] CMD command, or NONE", in->line);
	rest += 4;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest == '[') {
		struct cf_file f = { 0 };
		_cleanup_free_ char *line = NULL;
		if (asprintf(&line, "CMD %s", rest) < 0 || cf_parse(line, strlen(line), &f, err) < 0)
			return berr(err, EINVAL, "line %u: HEALTHCHECK CMD: bad command", in->line);
		test = json_pack("[s]", "CMD");
		for (char **p = f.v[0].exec; p && *p; p++)
			json_array_append_new(test, json_string(*p));
		cf_file_done(&f);
	} else
		test = json_pack("[s, s]", "CMD-SHELL", rest);
	hc = json_pack("{s:o}", "Test", test);
	for (int i = 0; fl[i][0]; i++) {
		const char *v = cf_flag(in, fl[i][0]);
		if (v) {
			int64_t ns = duration_ns(v);
			if (ns < 0) {
				json_decref(hc);
				return berr(err, EINVAL, "line %u: HEALTHCHECK --%s=%s: not a duration", in->line, fl[i][0], v);
			}
			json_object_set_new(hc, fl[i][1], json_integer(ns));
		}
	}
	if (cf_flag(in, "retries"))
		json_object_set_new(hc, "Retries", json_integer(atoi(cf_flag(in, "retries"))));
	json_object_set_new(cc, "Healthcheck", hc);
	return 0;
}

static int step_meta(struct build *b, const struct cf_instr *in, berth_error *err)
{
	json_t *cc = cimg_run_config(&b->img);
	_cleanup_free_ char *exp = NULL, *change = NULL;
	int r;

	if (strcmp(in->cmd, "CMD") == 0) {
		json_object_set_new(cc, "Cmd", command_of(b, in));
		return 0;
	}
	if (strcmp(in->cmd, "ENTRYPOINT") == 0) {
		json_object_set_new(cc, "Entrypoint", command_of(b, in));
		json_object_del(cc, "Cmd"); /* Docker: ENTRYPOINT resets an inherited CMD */
		return 0;
	}
	if (strcmp(in->cmd, "SHELL") == 0) {
		if (!in->exec || !in->exec[0])
			return berr(err, EINVAL, "line %u: SHELL requires the exec form: SHELL [\"executable\", \"parameters\"]", in->line);
		json_decref(b->shell);
		b->shell = strv_json(in->exec);
		json_object_set(cc, "Shell", b->shell);
		return 0;
	}
	if (strcmp(in->cmd, "HEALTHCHECK") == 0)
		return step_healthcheck(b, in, err);
	if (strcmp(in->cmd, "ONBUILD") == 0) {
		json_t *ob = json_object_get(cc, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(cc, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(in->args));
		return 0;
	}
	r = expand(b, in->args, &exp, err);
	if (r < 0)
		return r;
	if (strcmp(in->cmd, "MAINTAINER") == 0) {
		json_object_set_new(b->img.config, "author", json_string(exp));
		return 0;
	}
	if (strcmp(in->cmd, "WORKDIR") == 0 && exp[0] != '/') {
		char *abs = NULL;
		const char *wd = workdir(b);
		if (asprintf(&abs, "%s%s%s", wd, wd[strlen(wd) - 1] == '/' ? "" : "/", exp) < 0)
			return berr(err, ENOMEM, "out of memory");
		free(exp);
		exp = abs;
	}
	if (asprintf(&change, "%s %s", in->cmd, exp) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = image_change_apply(cc, change, err);
	if (r < 0)
		return berr_prefix(err, "line %u", in->line);
	if (strcmp(in->cmd, "WORKDIR") == 0)
		return ensure_dir(b, exp, in->text, err);
	return 0;
}

static int step(struct build *b, const struct cf_instr *in, berth_error *err)
{
	if (strcmp(in->cmd, "FROM") == 0)
		return step_from(b, in, err);
	if (strcmp(in->cmd, "ARG") == 0)
		return step_arg(b, in, false, err);
	if (strcmp(in->cmd, "RUN") == 0)
		return step_run(b, in, err);
	if (strcmp(in->cmd, "COPY") == 0 || strcmp(in->cmd, "ADD") == 0)
		return step_copy(b, in, strcmp(in->cmd, "ADD") == 0, err);
	/* metadata: the history gets an empty-layer entry, as podman's (WORKDIR may add a layer) */
	{
		size_t layers = b->img.n;
		int r = step_meta(b, in, err);
		if (r >= 0 && b->img.n == layers)
			cimg_add_history(&b->img, in->text, NULL, NULL, true);
		b->cur_id[0] = '\0';
		return r;
	}
}

/* ---- the whole build -------------------------------------------------------------------------- */

static int read_containerfile(struct build *b, const char *ctxdir, struct cf_file *f,
			      berth_error *err)
{
	char *const *files = cli_list(b->args, "file");
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	if (files && files[0]) {
		if (strcmp(files[0], "-") == 0)
			r = read_fd_all(STDIN_FILENO, CF_MAX_SIZE + 1, &data, &len, err);
		else
			r = read_file_at(AT_FDCWD, files[0], CF_MAX_SIZE + 1, &data, &len, err);
		if (r < 0)
			return berr_prefix(err, "read %s", files[0]);
	} else {
		r = read_file_at(b->ctxfd, "Containerfile", CF_MAX_SIZE + 1, &data, &len, NULL);
		if (r == -ENOENT)
			r = read_file_at(b->ctxfd, "Dockerfile", CF_MAX_SIZE + 1, &data, &len, NULL);
		if (r < 0)
			return berr_errno(err, -r, "no Containerfile or Dockerfile in %s: give one with -f", ctxdir);
	}
	r = cf_parse(data, len, f, err);
	return r < 0 ? berr_prefix(err, "%s", files && files[0] ? files[0] : "Containerfile") : 0;
}

static void build_done(struct build *b)
{
	for (size_t i = 0; i < b->n_temps; i++)
		free(b->temps[i]);
	for (size_t i = 0; i < b->n_stages; i++)
		free(b->stages[i].name);
	strv_free(b->global_args);
	strv_free(b->vars);
	strv_free(b->ignore);
	json_decref(b->shell);
	cimg_done(&b->img);
	if (b->ctxfd >= 0)
		close(b->ctxfd);
}

/* Removes intermediate images (except @keep) and their unused layers. */
static void drop_temps(struct build *b, const char *keep)
{
	berth_error e = { 0 };

	if (store_lock(b->s, false, &e) < 0)
		return;
	for (size_t i = b->n_temps; i-- > 0;)
		if (!keep || strcmp(b->temps[i], keep) != 0)
			(void)store_image_delete(b->s, b->temps[i], &e);
	store_unlock(b->s);
}

static int run_build(struct build *b, const struct cf_file *f, char ret_id[STORE_ID_LEN + 1],
		     berth_error *err)
{
	char *const *tags = cli_list(b->args, "tag");
	const char *target = cli_str(b->args, "target");
	size_t first = 0, total_stages = 0, stage_no = 0;
	int r;

	while (first < f->n && strcmp(f->v[first].cmd, "ARG") == 0) {
		r = step_arg(b, &f->v[first], true, err);
		if (r < 0)
			return r;
		first++;
	}
	if (first == f->n || strcmp(f->v[first].cmd, "FROM") != 0)
		return berr(err, EINVAL, "line %u: the Containerfile must start with FROM",
			    first < f->n ? f->v[first].line : 1);
	for (size_t i = first; i < f->n; i++)
		if (strcmp(f->v[i].cmd, "FROM") == 0)
			total_stages++;
	for (size_t i = first; i < f->n; i++) {
		size_t steps = 0, n = 0;
		if (strcmp(f->v[i].cmd, "FROM") == 0) {
			if (stage_no > 0 && target && b->stages[stage_no - 1].name &&
			    strcmp(b->stages[stage_no - 1].name, target) == 0) {
				break;
			}
			stage_no++;
		}
		for (size_t k = i; k < f->n && (k == i || strcmp(f->v[k].cmd, "FROM") != 0); k++)
			steps++;
		for (size_t k = i; k < i + steps; k++) {
			n++;
			if (total_stages > 1)
				say(b, "[%zu/%zu] STEP %zu/%zu: %s\n", stage_no, total_stages, n, steps, f->v[k].text);
			else
				say(b, "STEP %zu/%zu: %s\n", n, steps, f->v[k].text);
			r = step(b, &f->v[k], err);
			if (r >= 0 && interrupted)
				r = berr(err, EINTR, "building at STEP \"%s\": interrupted", f->v[k].text);
			if (r < 0)
				return r;
		}
		i += steps - 1;
		/* the stage's image, for later FROM and COPY --from */
		if (i + 1 < f->n) {
			r = materialize(b, err);
			if (r < 0)
				return r;
			memcpy(b->stages[stage_no - 1].id, b->cur_id, sizeof(b->cur_id));
			say(b, "--> %.12s\n", b->cur_id);
		}
	}
	if (cli_list(b->args, "label"))
		for (char *const *l = cli_list(b->args, "label"); *l; l++) {
			_cleanup_free_ char *ch = NULL;
			if (asprintf(&ch, "LABEL %s", *l) < 0)
				return berr(err, ENOMEM, "out of memory");
			r = image_change_apply(cimg_run_config(&b->img), ch, err);
			if (r < 0)
				return r;
		}
	say(b, "COMMIT%s%s\n", tags && tags[0] ? " " : "", tags && tags[0] ? tags[0] : "");
	r = store_lock(b->s, false, err);
	if (r < 0)
		return r;
	r = cimg_commit(b->s, &b->img, tags && tags[0] ? tags[0] : NULL, b->docker, ret_id, err);
	for (size_t i = 1; r >= 0 && tags && tags[0] && tags[i]; i++) {
		_cleanup_free_ char *norm = NULL;
		r = store_name_normalize(tags[i], &norm, err);
		if (r >= 0)
			r = store_image_add_name(b->s, ret_id, norm, err);
	}
	store_unlock(b->s);
	return r;
}

TRANSFER_HANDLER int cmd_build(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	struct build b = { .ctx = ctx, .args = args, .ctxfd = -1 };
	struct cf_file f = { 0 };
	const char *ctxdir = cli_argc(args) > 0 ? cli_argv(args)[0] : ".";
	const char *fmt = cli_str(args, "format");
	char id[STORE_ID_LEN + 1];
	berth_error err = { 0 };
	int r;

	if (fmt && strcmp(fmt, "oci") != 0 && strcmp(fmt, "docker") != 0)
		return cli_error("unrecognized image type \"%s\": use oci or docker", fmt);
	if (strstr(ctxdir, "://"))
		return cli_error("build context %s: remote contexts are not supported; give a local directory", ctxdir);
	b.quiet = cli_flag(args, "quiet");
	b.docker = fmt && strcmp(fmt, "docker") == 0;
	b.ctxfd = open(ctxdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b.ctxfd < 0)
		return cli_error("build context %s: %s", ctxdir, strerror(errno));
	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0 ||
	    bcopy_read_ignore(b.ctxfd, &b.ignore, &err) < 0) {
		build_done(&b);
		return cli_fail(&err);
	}
	b.s = s;
	{
		/* a Ctrl+C reaches the RUN container too; the build then removes what it made */
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	r = read_containerfile(&b, ctxdir, &f, &err);
	if (r >= 0)
		r = run_build(&b, &f, id, &err);
	drop_temps(&b, r >= 0 ? id : NULL);
	cf_file_done(&f);
	build_done(&b);
	if (r < 0) {
		int code = b.exit_code;
		cli_fail(&err);
		if (interrupted)
			return 128 + interrupted;
		return code ? code : 125;
	}
	{
		char *const *tags = cli_list(args, "tag");
		engine_image_event(ctx->runroot, "build", id, tags && tags[0] ? tags[0] : "");
		say(&b, "--> %.12s\n", id);
		for (size_t i = 0; tags && tags[i]; i++) {
			_cleanup_free_ char *norm = NULL;
			if (store_name_normalize(tags[i], &norm, NULL) >= 0)
				say(&b, "Successfully tagged %s\n", norm);
		}
	}
	if (cli_str(args, "iidfile")) {
		char line[STORE_ID_LEN + 8];
		snprintf(line, sizeof(line), "sha256:%s", id);
		if (write_file_atomic_at(AT_FDCWD, cli_str(args, "iidfile"), line, strlen(line), 0644, &err) < 0)
			return cli_fail(&err);
	}
	printf("%s\n", id);
	return 0;
}
