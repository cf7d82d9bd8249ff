/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_change.c - podman's --change 'INSTRUCTION VALUE' applied to an image config's "config"
 * object: shared by import, commit and build (ENV, LABEL, EXPOSE, VOLUME, ...).
 */
#include "transfer/image_change.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

/* A JSON array from the exec form '["a", "b"]', or the shell form wrapped in /bin/sh -c. */
json_t *image_change_cmd_value(const char *v)
{
	json_t *a;

	while (*v == ' ')
		v++;
	if (*v == '[') {
		a = json_loads(v, 0, NULL);
		if (json_is_array(a)) {
			size_t i;
			json_t *x;
			bool ok = true;
			json_array_foreach(a, i, x) ok &= json_is_string(x);
			if (ok)
				return a;
		}
		json_decref(a);
	}
	a = json_array();
	json_array_append_new(a, json_string("/bin/sh"));
	json_array_append_new(a, json_string("-c"));
	json_array_append_new(a, json_string(v));
	return a;
}

/* Splits "k=v k2="v 2"" (or "k v" when @allow_space) into @obj (string values). */
static int kv_words(const char *v, json_t *obj, bool allow_space, bool env, json_t *env_arr)
{
	_cleanup_free_ char *copy = strdup(v);
	char *p = copy;

	if (!copy)
		return -ENOMEM;
	if (allow_space && !strchr(v, '=')) {
		char *sp = strchr(copy, ' ');
		if (!sp)
			return -EINVAL;
		*sp++ = '\0';
		while (*sp == ' ')
			sp++;
		if (env) {
			char *e = NULL;
			if (asprintf(&e, "%s=%s", copy, sp) < 0)
				return -ENOMEM;
			json_array_append_new(env_arr, json_string(e));
			free(e);
		} else
			json_object_set_new(obj, copy, json_string(sp));
		return 0;
	}
	while (*p) {
		char key[1024], val[4096];
		size_t kl = 0, vl = 0;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		while (*p && *p != '=' && *p != ' ' && kl + 1 < sizeof(key))
			key[kl++] = *p++;
		key[kl] = '\0';
		if (*p != '=' || kl == 0)
			return -EINVAL;
		p++;
		char q = (*p == '"' || *p == '\'') ? *p++ : 0;
		while (*p && (q ? *p != q : *p != ' ') && vl + 1 < sizeof(val)) {
			if (*p == '\\' && p[1] && q != '\'')
				p++;
			val[vl++] = *p++;
		}
		val[vl] = '\0';
		if (q && *p == q)
			p++;
		if (env) {
			char *e = NULL;
			if (asprintf(&e, "%s=%s", key, val) < 0)
				return -ENOMEM;
			json_array_append_new(env_arr, json_string(e));
			free(e);
		} else
			json_object_set_new(obj, key, json_string(val));
	}
	return 0;
}

static json_t *obj_member(json_t *cfg, const char *key)
{
	json_t *o = json_object_get(cfg, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, key, o);
	}
	return o;
}

int image_change_apply(json_t *cfg, const char *change, berth_error *err)
{
	char instr[16];
	size_t n = strcspn(change, " =");
	const char *v = change + n;

	if (n == 0 || n >= sizeof(instr) || !*v)
		return berr(err, EINVAL, "invalid --change \"%s\": use 'INSTRUCTION VALUE', e.g. 'CMD [\"/bin/sh\"]'", change);
	for (size_t i = 0; i < n; i++)
		instr[i] = (char)((change[i] >= 'a' && change[i] <= 'z') ? change[i] - 32 : change[i]);
	instr[n] = '\0';
	v++;
	while (*v == ' ')
		v++;
	if (strcmp(instr, "CMD") == 0)
		json_object_set_new(cfg, "Cmd", image_change_cmd_value(v));
	else if (strcmp(instr, "ENTRYPOINT") == 0)
		json_object_set_new(cfg, "Entrypoint", image_change_cmd_value(v));
	else if (strcmp(instr, "USER") == 0)
		json_object_set_new(cfg, "User", json_string(v));
	else if (strcmp(instr, "WORKDIR") == 0)
		json_object_set_new(cfg, "WorkingDir", json_string(v));
	else if (strcmp(instr, "STOPSIGNAL") == 0)
		json_object_set_new(cfg, "StopSignal", json_string(v));
	else if (strcmp(instr, "ENV") == 0) {
		json_t *env = json_object_get(cfg, "Env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(cfg, "Env", env);
		}
		if (kv_words(v, NULL, true, true, env) < 0)
			return berr(err, EINVAL, "invalid --change \"%s\": ENV takes NAME=VALUE", change);
	} else if (strcmp(instr, "LABEL") == 0) {
		if (kv_words(v, obj_member(cfg, "Labels"), true, false, NULL) < 0)
			return berr(err, EINVAL, "invalid --change \"%s\": LABEL takes KEY=VALUE", change);
	} else if (strcmp(instr, "EXPOSE") == 0) {
		json_t *ports = obj_member(cfg, "ExposedPorts");
		_cleanup_free_ char *copy = strdup(v);
		for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			char key[64];
			char *end;
			long port = strtol(t, &end, 10);
			if (port <= 0 || port > 65535 ||
			    (*end && strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0 && strcmp(end, "/sctp") != 0))
				return berr(err, EINVAL, "invalid --change \"%s\": EXPOSE takes PORT[/PROTO]", change);
			snprintf(key, sizeof(key), "%ld%s", port, *end ? end : "/tcp");
			json_object_set_new(ports, key, json_object());
		}
	} else if (strcmp(instr, "VOLUME") == 0) {
		json_t *vols = obj_member(cfg, "Volumes");
		json_t *arr = *v == '[' ? json_loads(v, 0, NULL) : NULL;
		if (json_is_array(arr)) {
			size_t i;
			json_t *x;
			json_array_foreach(arr, i, x) if (json_is_string(x))
				json_object_set_new(vols, json_string_value(x), json_object());
		} else {
			_cleanup_free_ char *copy = strdup(v);
			for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
				json_object_set_new(vols, t, json_object());
		}
		json_decref(arr);
	} else
		return berr(err, EINVAL,
			    "invalid --change \"%s\": %s is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR",
			    change, instr);
	return 0;
}

