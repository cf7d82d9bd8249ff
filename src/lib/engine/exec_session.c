/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_session.c - exec sessions as records (see exec_session.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/exec_session.h"
#include "store/events.h"
#include "util/fileio.h"
#include "util/macro.h"

#define SESSION_ID_LEN 64

/* session ids become directory names: only our own 64 hex digits are accepted */
static bool session_id_valid(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");
	return n == SESSION_ID_LEN && id[n] == '\0';
}

int ctr_exec_session_create(struct store *s, const char *ctr_id, json_t *config, char **ret_id,
			    berth_error *err)
{
	_cleanup_free_ char *text = json_dumps(config, JSON_COMPACT);
	struct store_exec_session rec = { 0 };
	unsigned char raw[SESSION_ID_LEN / 2];
	char id[SESSION_ID_LEN + 1];
	int r;

	if (!text)
		return berr(err, ENOMEM, "out of memory");
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return berr(err, EIO, "cannot read random bytes for a session id");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	rec.id = id;
	rec.container_id = (char *)ctr_id;
	rec.config = text;
	r = store_exec_session_put(s, &rec, err);
	if (r < 0)
		return r;
	*ret_id = strdup(id);
	return *ret_id ? 0 : berr(err, ENOMEM, "out of memory");
}

char **ctr_exec_session_exit_command(const struct berth_ctx *ctx, const char *ctr_id,
				     const char *session)
{
	const char *words[] = { "--root", ctx->root, "--runroot", ctx->runroot, "container",
				"cleanup", "--exec", session, ctr_id };
	char **v = calloc(ELEMENTSOF(words) + 2, sizeof(char *));

	if (!v || !(v[0] = berth_ctx_helper_path(ctx, "berth"))) {
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < ELEMENTSOF(words); i++)
		if (!(v[i + 1] = strdup(words[i]))) {
			strv_free(v);
			return NULL;
		}
	return v;
}

static void emit(const struct berth_ctx *ctx, const struct store_container *c, const char *action,
		 const char *session, int code)
{
	char text[16];
	json_t *attrs = json_pack("{s:s}", "execID", session);
	struct store_event ev = { .type = "container", .action = action, .id = c->id,
				  .name = c->name, .image = c->image_name, .attributes = attrs };

	if (strcmp(action, "exec_died") == 0) {
		snprintf(text, sizeof(text), "%d", code);
		json_object_set_new(attrs, "containerExitCode", json_string(text));
	}
	store_event_emit(ctx->runroot, &ev, NULL);
	json_decref(attrs);
}

void ctr_exec_session_started(const struct berth_ctx *ctx, const struct store_container *c,
			      const char *session)
{
	emit(ctx, c, "exec", session, 0);
}

/* the exit code the exec's monitor left in its exit file; -1 when it left none (killed) */
static int read_exit(const char *dir)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	int code = -1;

	if (dfd >= 0 && read_file_at(dfd, "exit", 64, &text, NULL, NULL) == 0)
		sscanf(text, "%d", &code);
	return code;
}

int ctr_exec_session_cleanup(struct berth_ctx *ctx, struct store *s, const char *ctr_ref,
			     const char *session, berth_error *err)
{
	_cleanup_container_ struct store_container *c = NULL;
	_cleanup_free_ char *dir = NULL;
	struct store_exec_session *e = NULL;
	int code, r;

	if (!session_id_valid(session))
		return berr(err, EINVAL, "invalid exec session id \"%s\"", session);
	r = store_container_lookup(s, ctr_ref, &c, NULL);
	if (r == -ENOENT)
		return 0; /* removed meantime, run dir and sessions with it */
	if (r < 0)
		return berr(err, -r, "look up container %s", ctr_ref);
	if (asprintf(&dir, "%s/containers/%s/exec/%.32s", ctx->runroot, c->id, session) < 0)
		return berr(err, ENOMEM, "out of memory");
	code = read_exit(dir);
	if (store_exec_session_get(s, session, &e, NULL) == 0) {
		e->running = false;
		e->exit_code = code;
		r = store_exec_session_put(s, e, err);
		store_exec_session_free(e);
		if (r < 0)
			return r;
	}
	emit(ctx, c, "exec_died", session, code);
	rm_rf_at(AT_FDCWD, dir, NULL);
	return 0;
}

int ctr_exec_session_inspect(struct store *s, const char *session, json_t **ret,
			     berth_error *err)
{
	struct store_exec_session *e = NULL;
	_cleanup_(json_decrefp) json_t *cfg = NULL;
	json_t *args, *j;
	bool started, tty;
	int r = store_exec_session_get(s, session, &e, NULL);

	if (r < 0)
		return berr(err, ENOENT, "no such exec session: %s", session);
	cfg = e->config ? json_loads(e->config, 0, NULL) : NULL;
	/* created: the API's ExecConfig (Cmd, Tty); started: the exec spec (args, terminal) */
	args = json_object_get(cfg, "args") ?: json_object_get(cfg, "Cmd");
	tty = json_is_true(json_object_get(cfg, "terminal")) ||
	      json_is_true(json_object_get(cfg, "Tty"));
	started = e->running || e->pid > 0;
	j = json_pack("{s:s, s:s, s:b, s:o, s:I, s:b, s:b, s:b, s:b, s:{s:b, s:s, s:o}}", "ID", e->id,
		      "ContainerID", e->container_id ? e->container_id : "", "Running", e->running,
		      "ExitCode", started && !e->running ? json_integer(e->exit_code) : json_null(),
		      "Pid", (json_int_t)e->pid, "OpenStdin",
		      json_is_true(json_object_get(cfg, "AttachStdin")), "OpenStdout", 1,
		      "OpenStderr", 1, "CanRemove", !e->running, "ProcessConfig", "tty", tty,
		      "entrypoint", json_string_value(json_array_get(args, 0)) ?: "", "arguments",
		      json_array());
	if (j) {
		json_t *a = json_object_get(json_object_get(j, "ProcessConfig"), "arguments");
		for (size_t i = 1; i < json_array_size(args); i++)
			json_array_append(a, json_array_get(args, i));
	}
	store_exec_session_free(e);
	if (!j)
		return berr(err, ENOMEM, "out of memory");
	*ret = j;
	return 0;
}
