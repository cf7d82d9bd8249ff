/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_config.c - image configs: parse (typed readers with limits), build, serialize, and
 * podman's --change instructions.
 */
#include "oci/image_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oci/digest.h"
#include "oci/json-internal.h"
#include "oci/manifest.h"
#include "oci/oci-internal.h"

#define QUOTE_MAX 120
#define FIELD_MAX 1024

static int oom(berth_error *err)
{
	return berr(err, ENOMEM, "out of memory");
}

static void healthcheck_free(oci_healthcheck *h)
{
	if (!h)
		return;
	strv_free(h->test);
	free(h);
}

static void history_clear(oci_history *h)
{
	free(h->created);
	free(h->created_by);
	free(h->author);
	free(h->comment);
}

oci_image_config *oci_image_config_free(oci_image_config *c)
{
	if (!c)
		return NULL;
	free(c->created);
	free(c->author);
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->os_version);
	free(c->user);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	free(c->working_dir);
	strv_free(c->exposed_ports);
	strv_free(c->volumes);
	oci_kvs_clear(&c->labels);
	free(c->stop_signal);
	healthcheck_free(c->healthcheck);
	strv_free(c->shell);
	strv_free(c->on_build);
	strv_free(c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++)
		history_clear(&c->history[i]);
	free(c->history);
	free(c);
	return NULL;
}

/* ---- parsing ---- */

static int parse_healthcheck(json_t *o, oci_healthcheck **ret, berth_error *err)
{
	static const char ctx[] = "image config: config.Healthcheck";
	oci_healthcheck *h;
	int r;

	if (!json_is_object(o))
		return berr(err, EINVAL, "%s must be an object", ctx);
	h = calloc(1, sizeof(*h));
	if (!h)
		return oom(err);
	if ((r = oci_json_strv(o, "Test", OCI_CONFIG_MAX_ITEMS, OCI_CONFIG_MAX_STRING, &h->test,
			       ctx, err)) < 0 ||
	    (r = oci_json_int(o, "Interval", 0, INT64_MAX, &h->interval, ctx, err)) < 0 ||
	    (r = oci_json_int(o, "Timeout", 0, INT64_MAX, &h->timeout, ctx, err)) < 0 ||
	    (r = oci_json_int(o, "StartPeriod", 0, INT64_MAX, &h->start_period, ctx, err)) < 0 ||
	    (r = oci_json_int(o, "StartInterval", 0, INT64_MAX, &h->start_interval, ctx, err)) <
		0 ||
	    (r = oci_json_int(o, "Retries", 0, INT32_MAX, &h->retries, ctx, err)) < 0) {
		healthcheck_free(h);
		return r;
	}
	*ret = h;
	return 0;
}

static int parse_inner(json_t *o, oci_image_config *c, berth_error *err)
{
	static const char ctx[] = "image config: config";
	const size_t N = OCI_CONFIG_MAX_ITEMS, S = OCI_CONFIG_MAX_STRING;
	json_t *hc;
	int r;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return berr(err, EINVAL, "image config: \"config\" must be an object");
	if ((r = oci_json_str(o, "User", false, FIELD_MAX, &c->user, ctx, err)) < 0 ||
	    (r = oci_json_strv(o, "Env", N, S, &c->env, ctx, err)) < 0 ||
	    (r = oci_json_strv(o, "Entrypoint", N, S, &c->entrypoint, ctx, err)) < 0 ||
	    (r = oci_json_strv(o, "Cmd", N, S, &c->cmd, ctx, err)) < 0 ||
	    (r = oci_json_str(o, "WorkingDir", false, PATH_MAX, &c->working_dir, ctx, err)) < 0 ||
	    (r = oci_json_set_keys(o, "ExposedPorts", N, FIELD_MAX, &c->exposed_ports, ctx, err)) <
		0 ||
	    (r = oci_json_set_keys(o, "Volumes", N, PATH_MAX, &c->volumes, ctx, err)) < 0 ||
	    (r = oci_json_kvs(o, "Labels", N, FIELD_MAX, S, &c->labels, ctx, err)) < 0 ||
	    (r = oci_json_str(o, "StopSignal", false, FIELD_MAX, &c->stop_signal, ctx, err)) < 0 ||
	    (r = oci_json_strv(o, "Shell", N, S, &c->shell, ctx, err)) < 0 ||
	    (r = oci_json_strv(o, "OnBuild", N, S, &c->on_build, ctx, err)) < 0)
		return r;
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (!c->env[i][0] || c->env[i][0] == '=')
			return berr(err, EINVAL,
				    "image config: config.Env[%zu] \"%.*s\" has no variable name",
				    i, QUOTE_MAX, c->env[i]);
	hc = json_object_get(o, "Healthcheck");
	if (hc && !json_is_null(hc))
		return parse_healthcheck(hc, &c->healthcheck, err);
	return 0;
}

static int parse_rootfs(json_t *o, oci_image_config *c, berth_error *err)
{
	static const char ctx[] = "image config: rootfs";
	_cleanup_free_ char *type = NULL;
	int r;

	if (!json_is_object(o))
		return berr(err, EINVAL, "image config: \"rootfs\" %s",
			    o ? "must be an object" : "is missing");
	if ((r = oci_json_str(o, "type", true, 64, &type, ctx, err)) < 0)
		return r;
	if (strcmp(type, "layers") != 0)
		return berr(err, EINVAL,
			    "image config: rootfs.type is \"%.64s\"; expected \"layers\"", type);
	if ((r = oci_json_strv(o, "diff_ids", OCI_MANIFEST_MAX_LAYERS, OCI_DIGEST_MAX_LEN,
			       &c->diff_ids, ctx, err)) < 0)
		return r;
	if (!c->diff_ids && !(c->diff_ids = calloc(1, sizeof(char *))))
		return oom(err);
	for (size_t i = 0; c->diff_ids[i]; i++) {
		r = oci_digest_validate(c->diff_ids[i], err);
		if (r < 0)
			return oci_err_prefix(r, err, "image config: rootfs.diff_ids[%zu]", i);
	}
	return 0;
}

static int parse_history(json_t *arr, oci_image_config *c, berth_error *err)
{
	size_t n;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return berr(err, EINVAL, "image config: \"history\" must be an array");
	n = json_array_size(arr);
	if (n > OCI_CONFIG_MAX_HISTORY)
		return berr(err, EINVAL, "image config: \"history\" has more than %d entries",
			    OCI_CONFIG_MAX_HISTORY);
	c->history = calloc(n ? n : 1, sizeof(*c->history));
	if (!c->history)
		return oom(err);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i), *empty;
		oci_history *h = &c->history[i];
		char ctx[64];
		int r;

		c->n_history = i + 1;
		snprintf(ctx, sizeof(ctx), "image config: history[%zu]", i);
		if (!json_is_object(e))
			return berr(err, EINVAL, "%s must be an object", ctx);
		if ((r = oci_json_str(e, "created", false, FIELD_MAX, &h->created, ctx, err)) < 0 ||
		    (r = oci_json_str(e, "created_by", false, OCI_CONFIG_MAX_STRING, &h->created_by,
				      ctx, err)) < 0 ||
		    (r = oci_json_str(e, "author", false, FIELD_MAX, &h->author, ctx, err)) < 0 ||
		    (r = oci_json_str(e, "comment", false, OCI_CONFIG_MAX_STRING, &h->comment, ctx,
				      err)) < 0)
			return r;
		empty = json_object_get(e, "empty_layer");
		if (empty && !json_is_null(empty) && !json_is_boolean(empty))
			return berr(err, EINVAL, "%s: \"empty_layer\" must be true or false", ctx);
		h->empty_layer = json_is_true(empty);
	}
	return 0;
}

int oci_image_config_parse(const void *data, size_t len, oci_image_config **ret, berth_error *err)
{
	static const char ctx[] = "image config";
	_cleanup_json_ json_t *root = NULL;
	_cleanup_(oci_image_config_freep) oci_image_config *c = NULL;
	int r;

	if (len > OCI_CONFIG_MAX_SIZE)
		return berr(err, EFBIG, "image config is %zu bytes, more than the limit of %d", len,
			    OCI_CONFIG_MAX_SIZE);
	if ((r = oci_json_load(data, len, ctx, &root, err)) < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return oom(err);
	if ((r = oci_json_str(root, "created", false, FIELD_MAX, &c->created, ctx, err)) < 0 ||
	    (r = oci_json_str(root, "author", false, FIELD_MAX, &c->author, ctx, err)) < 0 ||
	    (r = oci_json_str(root, "architecture", true, OCI_PLATFORM_FIELD_MAX, &c->architecture,
			      ctx, err)) < 0 ||
	    (r = oci_json_str(root, "os", true, OCI_PLATFORM_FIELD_MAX, &c->os, ctx, err)) < 0 ||
	    (r = oci_json_str(root, "variant", false, OCI_PLATFORM_FIELD_MAX, &c->variant, ctx,
			      err)) < 0 ||
	    (r = oci_json_str(root, "os.version", false, OCI_PLATFORM_FIELD_MAX, &c->os_version,
			      ctx, err)) < 0)
		return r;
	if ((r = parse_inner(json_object_get(root, "config"), c, err)) < 0 ||
	    (r = parse_rootfs(json_object_get(root, "rootfs"), c, err)) < 0 ||
	    (r = parse_history(json_object_get(root, "history"), c, err)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

/* ---- building and writing ---- */

oci_image_config *oci_image_config_new(void)
{
	oci_image_config *c = calloc(1, sizeof(*c));
	oci_platform p;

	if (!c)
		return NULL;
	if (oci_platform_host(&p) < 0)
		return oci_image_config_free(c);
	c->os = TAKE_PTR(p.os);
	c->architecture = TAKE_PTR(p.architecture);
	c->variant = TAKE_PTR(p.variant);
	oci_platform_clear(&p);
	c->diff_ids = calloc(1, sizeof(char *));
	if (!c->diff_ids)
		return oci_image_config_free(c);
	return c;
}

static json_t *healthcheck_to_json(const oci_healthcheck *h)
{
	json_t *o = json_object();

	if (!o || oci_json_put_strv(o, "Test", h->test) < 0 ||
	    (h->interval && oci_json_put_int(o, "Interval", h->interval) < 0) ||
	    (h->timeout && oci_json_put_int(o, "Timeout", h->timeout) < 0) ||
	    (h->start_period && oci_json_put_int(o, "StartPeriod", h->start_period) < 0) ||
	    (h->start_interval && oci_json_put_int(o, "StartInterval", h->start_interval) < 0) ||
	    (h->retries && oci_json_put_int(o, "Retries", h->retries) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *inner_to_json(const oci_image_config *c)
{
	json_t *o = json_object();

	if (!o || oci_json_put_str(o, "User", c->user) < 0 ||
	    oci_json_put_set(o, "ExposedPorts", c->exposed_ports) < 0 ||
	    oci_json_put_strv(o, "Env", c->env) < 0 ||
	    oci_json_put_strv(o, "Entrypoint", c->entrypoint) < 0 ||
	    oci_json_put_strv(o, "Cmd", c->cmd) < 0 ||
	    oci_json_put_set(o, "Volumes", c->volumes) < 0 ||
	    oci_json_put_str(o, "WorkingDir", c->working_dir) < 0 ||
	    oci_json_put_kvs(o, "Labels", &c->labels) < 0 ||
	    oci_json_put_str(o, "StopSignal", c->stop_signal) < 0 ||
	    (c->healthcheck &&
	     json_object_set_new(o, "Healthcheck", healthcheck_to_json(c->healthcheck)) < 0) ||
	    oci_json_put_strv(o, "Shell", c->shell) < 0 ||
	    oci_json_put_strv(o, "OnBuild", c->on_build) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *history_to_json(const oci_image_config *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < c->n_history; i++) {
		const oci_history *h = &c->history[i];
		json_t *e = json_object();

		if (!e || oci_json_put_str(e, "created", h->created) < 0 ||
		    oci_json_put_str(e, "created_by", h->created_by) < 0 ||
		    oci_json_put_str(e, "author", h->author) < 0 ||
		    oci_json_put_str(e, "comment", h->comment) < 0 ||
		    (h->empty_layer && json_object_set_new(e, "empty_layer", json_true()) < 0) ||
		    json_array_append_new(arr, e) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* the first field that is not valid UTF-8 (and so cannot be JSON), or NULL */
static const char *invalid_utf8_field(const oci_image_config *c)
{
	const struct {
		const char *name;
		bool ok;
	} fields[] = {
	    {"created", oci_utf8_valid(c->created)},
	    {"author", oci_utf8_valid(c->author)},
	    {"architecture", oci_utf8_valid(c->architecture)},
	    {"os", oci_utf8_valid(c->os)},
	    {"variant", oci_utf8_valid(c->variant)},
	    {"os.version", oci_utf8_valid(c->os_version)},
	    {"config.User", oci_utf8_valid(c->user)},
	    {"config.Env", oci_utf8_valid_strv(c->env)},
	    {"config.Entrypoint", oci_utf8_valid_strv(c->entrypoint)},
	    {"config.Cmd", oci_utf8_valid_strv(c->cmd)},
	    {"config.WorkingDir", oci_utf8_valid(c->working_dir)},
	    {"config.ExposedPorts", oci_utf8_valid_strv(c->exposed_ports)},
	    {"config.Volumes", oci_utf8_valid_strv(c->volumes)},
	    {"config.Labels", oci_utf8_valid_kvs(&c->labels)},
	    {"config.StopSignal", oci_utf8_valid(c->stop_signal)},
	    {"config.Healthcheck", !c->healthcheck || oci_utf8_valid_strv(c->healthcheck->test)},
	    {"config.Shell", oci_utf8_valid_strv(c->shell)},
	    {"config.OnBuild", oci_utf8_valid_strv(c->on_build)},
	    {"rootfs.diff_ids", oci_utf8_valid_strv(c->diff_ids)},
	};

	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (!fields[i].ok)
			return fields[i].name;
	for (size_t i = 0; i < c->n_history; i++)
		if (!oci_utf8_valid(c->history[i].created) ||
		    !oci_utf8_valid(c->history[i].created_by) ||
		    !oci_utf8_valid(c->history[i].author) || !oci_utf8_valid(c->history[i].comment))
			return "history";
	return NULL;
}

int oci_image_config_to_json(const oci_image_config *c, char **ret, size_t *ret_len,
			     berth_error *err)
{
	_cleanup_json_ json_t *root = json_object();
	_cleanup_free_ char *s = NULL;
	oci_image_config *check = NULL;
	json_t *rootfs;
	const char *bad = invalid_utf8_field(c);
	size_t len;
	int r;

	if (bad)
		return berr(err, EINVAL, "write image config: %s is not valid UTF-8 text", bad);
	if (!root || oci_json_put_str(root, "created", c->created) < 0 ||
	    oci_json_put_str(root, "author", c->author) < 0 ||
	    oci_json_put_str(root, "architecture", c->architecture) < 0 ||
	    oci_json_put_str(root, "variant", c->variant) < 0 ||
	    oci_json_put_str(root, "os", c->os) < 0 ||
	    oci_json_put_str(root, "os.version", c->os_version) < 0 ||
	    json_object_set_new(root, "config", inner_to_json(c)) < 0)
		return oom(err);
	rootfs = json_object();
	if (!rootfs || json_object_set_new(root, "rootfs", rootfs) < 0 ||
	    oci_json_put_str(rootfs, "type", "layers") < 0)
		return oom(err);
	if (c->diff_ids ? oci_json_put_strv(rootfs, "diff_ids", c->diff_ids) < 0
			: json_object_set_new(rootfs, "diff_ids", json_array()) < 0)
		return oom(err);
	if (c->n_history && json_object_set_new(root, "history", history_to_json(c)) < 0)
		return oom(err);
	if ((r = oci_json_dump(root, &s, &len, err)) < 0)
		return r;
	r = oci_image_config_parse(s, len, &check, err);
	oci_image_config_free(check);
	if (r < 0)
		return oci_err_prefix(r, err, "write image config");
	*ret = TAKE_PTR(s);
	if (ret_len)
		*ret_len = len;
	return 0;
}

oci_image_config *oci_image_config_dup(const oci_image_config *c)
{
	_cleanup_free_ char *s = NULL;
	oci_image_config *n = NULL;
	size_t len;

	if (oci_image_config_to_json(c, &s, &len, NULL) < 0 ||
	    oci_image_config_parse(s, len, &n, NULL) < 0)
		return NULL;
	return n;
}

static int strv_push(char ***v, const char *s)
{
	size_t n = oci_strv_len(*v);
	char *d = strdup(s);
	char **nv = d ? realloc(*v, (n + 2) * sizeof(*nv)) : NULL;

	if (!nv) {
		free(d);
		return -ENOMEM;
	}
	nv[n] = d;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

static bool strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

int oci_image_config_add_layer(oci_image_config *c, const char *diff_id, berth_error *err)
{
	int r = oci_digest_validate(diff_id, err);

	if (r < 0)
		return oci_err_prefix(r, err, "image config: add layer");
	if (oci_strv_len(c->diff_ids) >= OCI_MANIFEST_MAX_LAYERS)
		return berr(err, EINVAL, "image config: more than %d layers",
			    OCI_MANIFEST_MAX_LAYERS);
	if (strv_push(&c->diff_ids, diff_id) < 0)
		return oom(err);
	return 0;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -ENOMEM;
	return 0;
}

int oci_image_config_add_history(oci_image_config *c, const char *created, const char *created_by,
				 const char *comment, bool empty_layer, berth_error *err)
{
	oci_history *nv, h = {.empty_layer = empty_layer};

	if (c->n_history >= OCI_CONFIG_MAX_HISTORY)
		return berr(err, EINVAL, "image config: more than %d history entries",
			    OCI_CONFIG_MAX_HISTORY);
	if (dup_opt(&h.created, created) < 0 || dup_opt(&h.created_by, created_by) < 0 ||
	    dup_opt(&h.comment, comment) < 0)
		goto fail;
	nv = realloc(c->history, (c->n_history + 1) * sizeof(*nv));
	if (!nv)
		goto fail;
	nv[c->n_history++] = h;
	c->history = nv;
	return 0;
fail:
	history_clear(&h);
	return oom(err);
}

static char **env_find(char **env, const char *key)
{
	size_t klen = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, klen) == 0 && ((*env)[klen] == '=' || (*env)[klen] == '\0'))
			return env;
	return NULL;
}

int oci_image_config_set_env(oci_image_config *c, const char *key, const char *value)
{
	char **slot;
	char *kv;

	if (!key || !*key || strchr(key, '='))
		return -EINVAL;
	slot = env_find(c->env, key);
	if (asprintf(&kv, "%s=%s", key, value ? value : "") < 0)
		return -ENOMEM;
	if (slot) {
		free(*slot);
		*slot = kv;
		return 0;
	}
	if (strv_push(&c->env, kv) < 0) {
		free(kv);
		return -ENOMEM;
	}
	free(kv);
	return 0;
}

const char *oci_image_config_get_env(const oci_image_config *c, const char *key)
{
	char **slot = env_find(c->env, key);

	if (!slot)
		return NULL;
	return (*slot)[strlen(key)] == '=' ? *slot + strlen(key) + 1 : "";
}

/* ---- signals ---- */

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},	{"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT},	{"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL},	{"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE},	{"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},	{"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},	   {"TSTP", SIGTSTP},	{"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},	   {"XCPU", SIGXCPU},	{"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},	   {"WINCH", SIGWINCH}, {"IO", SIGIO},	   {"POLL", SIGPOLL},
    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
};

/* Linux numbers, not glibc's SIGRTMIN (which glibc shifts for its own use) */
#define RTMIN_LINUX 34
#define RTMAX_LINUX 64

static int parse_small_int(const char *s, int max)
{
	int v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

int oci_signal_parse(const char *s, berth_error *err)
{
	const char *name = s;
	int v;

	if (!s || !*s)
		return berr(err, EINVAL,
			    "invalid signal \"\": give a name like SIGTERM or a number");
	v = parse_small_int(s, RTMAX_LINUX);
	if (v >= 1)
		return v;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (strcasecmp(name, signals[i].name) == 0)
			return signals[i].sig;
	if (strncasecmp(name, "RTMIN", 5) == 0) {
		if (!name[5])
			return RTMIN_LINUX;
		if (name[5] == '+' && (v = parse_small_int(name + 6, 30)) >= 0 &&
		    RTMIN_LINUX + v <= RTMAX_LINUX)
			return RTMIN_LINUX + v;
	}
	if (strncasecmp(name, "RTMAX", 5) == 0) {
		if (!name[5])
			return RTMAX_LINUX;
		if (name[5] == '-' && (v = parse_small_int(name + 6, 30)) >= 0 &&
		    RTMAX_LINUX - v >= RTMIN_LINUX)
			return RTMAX_LINUX - v;
	}
	return berr(err, EINVAL,
		    "invalid signal \"%.*s\": give a name like SIGTERM or a number from 1 to %d",
		    QUOTE_MAX, s, RTMAX_LINUX);
}

/* ---- --change ---- */

/*
 * Split @s into words as a Dockerfile does for ENV and LABEL: whitespace separates, "..." and
 * '...' group (backslash escapes inside "..." and outside quotes). Returns -EINVAL for an
 * unterminated quote.
 */
static int split_words(const char *s, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_free_ char *buf = malloc(strlen(s) + 1);
	size_t n = 0;

	if (!buf)
		return -ENOMEM;
	if (!(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	while (*s) {
		bool have = false;

		while (isspace((unsigned char)*s))
			s++;
		n = 0;
		while (*s && !isspace((unsigned char)*s)) {
			have = true;
			if (*s == '\'' || *s == '"') {
				char q = *s++;

				while (*s && *s != q) {
					if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
						s++;
					buf[n++] = *s++;
				}
				if (!*s)
					return -EINVAL;
				s++;
			} else {
				if (*s == '\\' && s[1])
					s++;
				buf[n++] = *s++;
			}
		}
		if (have) {
			buf[n] = '\0';
			if (strv_push(&v, buf) < 0)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* a JSON array of strings (exec form); 0 when @value is not one */
static int parse_json_array(const char *value, char ***ret)
{
	_cleanup_json_ json_t *arr = NULL;
	json_t *wrap;
	int r;

	if (value[0] != '[')
		return 0;
	arr = json_loads(value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(arr))
		return 0;
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!json_is_string(json_array_get(arr, i)))
			return 0;
	wrap = json_pack("{sO}", "v", arr);
	if (!wrap)
		return -ENOMEM;
	r = oci_json_strv(wrap, "v", OCI_CONFIG_MAX_ITEMS, OCI_CONFIG_MAX_STRING, ret, "", NULL);
	json_decref(wrap);
	return r < 0 ? 0 : 1;
}

static int change_command(const char *value, bool is_cmd, char ***dst)
{
	char **v = NULL;
	int r = parse_json_array(value, &v);

	if (r < 0)
		return r;
	if (r == 0) {
		/* podman: an empty ENTRYPOINT clears it; an empty CMD is "sh -c" alone */
		if (!*value && !is_cmd)
			v = calloc(1, sizeof(*v));
		else if (!(v = calloc(4, sizeof(*v))) || !(v[0] = strdup("/bin/sh")) ||
			 !(v[1] = strdup("-c")) || (*value && !(v[2] = strdup(value)))) {
			strv_free(v);
			return -ENOMEM;
		}
		if (!v)
			return -ENOMEM;
	}
	strv_free(*dst);
	*dst = v;
	return 0;
}

static int change_env(oci_image_config *c, const char *change, const char *value, berth_error *err)
{
	_cleanup_strv_free_ char **words = NULL;
	int r = split_words(value, &words);

	if (r == -EINVAL)
		return berr(err, EINVAL, "invalid change \"%.*s\": a quote is not closed",
			    QUOTE_MAX, change);
	if (r < 0)
		return oom(err);
	if (!words[0])
		return berr(err, EINVAL, "invalid change \"%.*s\": ENV needs KEY=VALUE", QUOTE_MAX,
			    change);
	if (!strchr(words[0], '=')) {
		/* legacy "ENV KEY VALUE...": the rest of the line is the value */
		const char *rest = value;

		if (!words[0][0])
			return berr(err, EINVAL,
				    "invalid change \"%.*s\": ENV needs a variable name", QUOTE_MAX,
				    change);

		while (*rest && !isspace((unsigned char)*rest))
			rest++;
		while (isspace((unsigned char)*rest))
			rest++;
		if (oci_image_config_set_env(c, words[0], rest) < 0)
			return oom(err);
		return 0;
	}
	for (char **w = words; *w; w++) {
		char *eq = strchr(*w, '=');

		if (!eq || eq == *w)
			return berr(err, EINVAL,
				    "invalid change \"%.*s\": \"%.*s\" is not KEY=VALUE", QUOTE_MAX,
				    change, QUOTE_MAX, *w);
		*eq = '\0';
		if (oci_image_config_set_env(c, *w, eq + 1) < 0)
			return oom(err);
	}
	return 0;
}

static int change_label(oci_image_config *c, const char *change, const char *value,
			berth_error *err)
{
	_cleanup_strv_free_ char **words = NULL;
	int r = split_words(value, &words);

	if (r == -EINVAL)
		return berr(err, EINVAL, "invalid change \"%.*s\": a quote is not closed",
			    QUOTE_MAX, change);
	if (r < 0)
		return oom(err);
	if (!words[0])
		return berr(err, EINVAL, "invalid change \"%.*s\": LABEL needs KEY=VALUE",
			    QUOTE_MAX, change);
	for (char **w = words; *w; w++) {
		char *eq = strchr(*w, '=');

		if (!eq || eq == *w)
			return berr(err, EINVAL,
				    "invalid change \"%.*s\": LABEL must be formatted KEY=VALUE",
				    QUOTE_MAX, change);
		*eq = '\0';
		if (oci_kvs_set(&c->labels, *w, eq + 1) < 0)
			return oom(err);
	}
	return 0;
}

static int change_expose(oci_image_config *c, const char *change, const char *value,
			 berth_error *err)
{
	_cleanup_strv_free_ char **words = NULL;

	if (split_words(value, &words) < 0 || !words[0])
		return berr(err, EINVAL, "invalid change \"%.*s\": EXPOSE needs PORT[/PROTO]",
			    QUOTE_MAX, change);
	for (char **w = words; *w; w++) {
		char *slash = strchr(*w, '/');
		const char *proto = "tcp";
		char key[32];
		int port;

		if (slash) {
			*slash = '\0';
			proto = slash + 1;
			if (strcasecmp(proto, "tcp") == 0)
				proto = "tcp";
			else if (strcasecmp(proto, "udp") == 0)
				proto = "udp";
			else if (strcasecmp(proto, "sctp") == 0)
				proto = "sctp";
			else
				return berr(err, EINVAL,
					    "invalid change \"%.*s\": EXPOSE protocol must be tcp, "
					    "udp or sctp",
					    QUOTE_MAX, change);
		}
		port = parse_small_int(*w, 65535);
		if (port < 1)
			return berr(err, EINVAL,
				    "invalid change \"%.*s\": EXPOSE port must be a number from 1 "
				    "to 65535",
				    QUOTE_MAX, change);
		snprintf(key, sizeof(key), "%d/%s", port, proto);
		if (!strv_contains(c->exposed_ports, key) && strv_push(&c->exposed_ports, key) < 0)
			return oom(err);
	}
	return 0;
}

static int change_volume(oci_image_config *c, const char *change, const char *value,
			 berth_error *err)
{
	_cleanup_strv_free_ char **paths = NULL;
	int r = parse_json_array(value, &paths);

	if (r < 0)
		return oom(err);
	if (r == 0 && split_words(value, &paths) < 0)
		return berr(err, EINVAL, "invalid change \"%.*s\": a quote is not closed",
			    QUOTE_MAX, change);
	if (!paths[0])
		return berr(err, EINVAL, "invalid change \"%.*s\": VOLUME needs at least one path",
			    QUOTE_MAX, change);
	for (char **p = paths; *p; p++) {
		if (!**p)
			return berr(err, EINVAL,
				    "invalid change \"%.*s\": VOLUME paths must not be empty",
				    QUOTE_MAX, change);
		if (!strv_contains(c->volumes, *p) && strv_push(&c->volumes, *p) < 0)
			return oom(err);
	}
	return 0;
}

static int change_workdir(oci_image_config *c, const char *value)
{
	char *w;

	if (value[0] == '/')
		w = strdup(value);
	else if (asprintf(&w, "%s/%s", c->working_dir && c->working_dir[0] ? c->working_dir : "",
			  value) < 0)
		w = NULL;
	if (!w)
		return -ENOMEM;
	free(c->working_dir);
	c->working_dir = w;
	return 0;
}

static int set_string(char **dst, const char *value)
{
	char *n = strdup(value);

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

int oci_image_config_apply_change(oci_image_config *c, const char *change, berth_error *err)
{
	_cleanup_free_ char *value = NULL;
	char instr[16];
	const char *p;
	size_t n = 0, vlen;
	int r = 0;

	if (!change)
		return berr(err, EINVAL, "invalid change: empty");
	if (!oci_utf8_valid(change))
		return berr(err, EINVAL, "invalid change \"%.*s\": not valid UTF-8 text", QUOTE_MAX,
			    change);
	p = change;
	while (isspace((unsigned char)*p))
		p++;
	while (isalpha((unsigned char)p[n]) && n < sizeof(instr) - 1) {
		instr[n] = (char)toupper((unsigned char)p[n]);
		n++;
	}
	instr[n] = '\0';
	p += n;
	if (n == 0 || (*p && *p != '=' && !isspace((unsigned char)*p)))
		return berr(err, EINVAL,
			    "invalid change \"%.*s\": must be formatted as INSTRUCTION VALUE, e.g. "
			    "'CMD /bin/sh'",
			    QUOTE_MAX, change);
	if (*p)
		p++;
	while (isspace((unsigned char)*p))
		p++;
	vlen = strlen(p);
	while (vlen && isspace((unsigned char)p[vlen - 1]))
		vlen--;
	if (vlen > OCI_CONFIG_MAX_STRING)
		return berr(err, EINVAL, "invalid change \"%.*s...\": longer than %d bytes",
			    QUOTE_MAX, change, OCI_CONFIG_MAX_STRING);
	value = strndup(p, vlen);
	if (!value)
		return oom(err);

	if (strcmp(instr, "CMD") == 0) {
		r = change_command(value, true, &c->cmd);
	} else if (strcmp(instr, "ENTRYPOINT") == 0) {
		r = change_command(value, false, &c->entrypoint);
	} else if (strcmp(instr, "ENV") == 0) {
		return change_env(c, change, value, err);
	} else if (strcmp(instr, "LABEL") == 0) {
		return change_label(c, change, value, err);
	} else if (strcmp(instr, "EXPOSE") == 0) {
		return change_expose(c, change, value, err);
	} else if (strcmp(instr, "VOLUME") == 0) {
		return change_volume(c, change, value, err);
	} else if (strcmp(instr, "USER") == 0 || strcmp(instr, "WORKDIR") == 0) {
		if (!*value)
			return berr(err, EINVAL, "invalid change \"%.*s\": %s needs a value",
				    QUOTE_MAX, change, instr);
		r = instr[0] == 'U' ? set_string(&c->user, value) : change_workdir(c, value);
	} else if (strcmp(instr, "STOPSIGNAL") == 0) {
		char num[16];
		int sig = oci_signal_parse(value, err);

		if (sig < 0)
			return oci_err_prefix(sig, err, "invalid change \"%.*s\"", QUOTE_MAX,
					      change);
		snprintf(num, sizeof(num), "%d", sig);
		r = set_string(&c->stop_signal, num);
	} else if (strcmp(instr, "ONBUILD") == 0) {
		if (!*value)
			return berr(err, EINVAL, "invalid change \"%.*s\": ONBUILD needs a value",
				    QUOTE_MAX, change);
		r = strv_push(&c->on_build, value);
	} else {
		return berr(err, EINVAL,
			    "invalid change \"%.*s\": unknown instruction %s; use CMD, ENTRYPOINT, "
			    "ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR",
			    QUOTE_MAX, change, instr);
	}
	return r < 0 ? oom(err) : 0;
}

int oci_image_config_apply_changes(oci_image_config *c, char *const *changes, berth_error *err)
{
	for (; changes && *changes; changes++) {
		int r = oci_image_config_apply_change(c, *changes, err);

		if (r < 0)
			return r;
	}
	return 0;
}
