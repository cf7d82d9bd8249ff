/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_json.c - ps rows and inspect objects of containers (moved from cli/containers.c so
 * the API serves the same JSON as the CLI prints).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/container.h"
#include "engine/container_health.h"
#include "engine/container_json.h"
#include "engine/container_log.h"
#include "engine/container_pause.h"
#include "engine/container_status.h"
#include "network/ports.h"
#include "util/fileio.h"
#include "util/macro.h"

const char *ctr_json_ports_text(json_t *cfg, char *buf, size_t size)
{
	_cleanup_free_ struct port_mapping *m = NULL;
	size_t n = 0, used = 0;

	buf[0] = '\0';
	if (port_mappings_from_json(json_object_get(cfg, "ports"), &m, &n, NULL) < 0)
		return buf;
	for (size_t i = 0; i < n && used < size - 1; i++) {
		char one[160];
		port_mapping_format(&m[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", one);
	}
	return buf;
}

char *ctr_json_join_args(json_t *arr)
{
	size_t i, len = 0;
	json_t *v;
	char *out;

	json_array_foreach (arr, i, v)
		len += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	out = calloc(1, len + 1);
	if (!out)
		return NULL;
	json_array_foreach (arr, i, v) {
		if (i)
			strcat(out, " ");
		strcat(out, json_string_value(v) ? json_string_value(v) : "");
	}
	return out;
}

void ctr_ps_text_fill(const struct store_container *c, json_t *cfg, bool no_trunc, int64_t now,
		      struct ctr_ps_text *t)
{
	json_t *args = json_object_get(cfg, "process_args");
	const char *health = json_string_value(json_object_get(cfg, "health_status"));
	char age[64];

	t->state = ctr_state_now(c);
	snprintf(t->id, sizeof(t->id), "%.*s", no_trunc ? 64 : 12, c->id);
	t->command = ctr_json_join_args(args ? args : json_object_get(cfg, "command"));
	if (t->command && !no_trunc && strlen(t->command) > 17)
		strcpy(t->command + 17, "...");
	ctr_status_text(t->state, c->started_at, c->finished_at, c->exit_code, now, t->status,
			sizeof(t->status));
	if (health) /* ctr_health_annotate() */
		snprintf(t->status + strlen(t->status), sizeof(t->status) - strlen(t->status),
			 " (%s)", health);
	ctr_human_duration(now - c->created, age, sizeof(age));
	snprintf(t->created, sizeof(t->created), "%s ago", age);
	ctr_json_ports_text(cfg, t->ports, sizeof(t->ports));
}

json_t *ctr_json_ps_item(const struct store_container *c, json_t *cfg, bool no_trunc, int64_t now)
{
	struct ctr_ps_text t;
	json_t *item, *empty;

	ctr_ps_text_fill(c, cfg, no_trunc, now, &t);
	empty = json_object();
	item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:b, s:O, s:s, s:s}",
			 "ID", t.id, "Image", c->image_name ? c->image_name : "", "ImageID",
			 c->image_id ? c->image_id : "", "Command", t.command ? t.command : "",
			 "CreatedAt", t.created, "RunningFor", t.created, "Created", t.created,
			 "Status", t.status, "State", t.state, "Pid", (json_int_t)c->pid, "ExitCode",
			 c->exit_code, "Exited", strcmp(t.state, "exited") == 0, "Labels",
			 json_object_get(cfg, "labels") ?: empty, "Names", c->name, "Ports", t.ports);
	json_decref(empty); /* "O" took its own reference where it was used */
	free(t.command);
	if (item) {
		json_t *pa = json_object_get(cfg, "process_args");
		json_object_set_new(item, "FullID", json_string(c->id));
		/* shared, not copied: nothing changes an item's values in place */
		json_object_set_new(item, "CommandArgs", pa ? json_incref(pa) : json_array());
		json_object_set_new(item, "StartedAt", json_integer(c->started_at / 1000000000));
		json_object_set_new(item, "ExitedAt", json_integer(c->finished_at / 1000000000));
		json_object_set_new(item, "AutoRemove",
				    json_boolean(json_is_true(json_object_get(cfg, "rm"))));
		json_object_set_new(item, "IsInfra", json_false());
	}
	return item;
}

const char *ctr_json_rfc3339(int64_t ns, char *buf, size_t size)
{
	if (ns <= 0)
		snprintf(buf, size, "0001-01-01T00:00:00Z");
	else
		ctr_log_format_time(ns, buf, size);
	return buf;
}

/* HostConfig.ShmSize: bytes of /dev/shm (podman's 64m unless --shm-size/shm_size said) */
static json_t *ctr_json_shm_size(json_t *cfg)
{
	json_t *v = json_object_get(cfg, "shm_size");

	return json_integer(json_is_integer(v) ? json_integer_value(v) : 64LL << 20);
}

/* HostConfig.Devices: podman's PathOnHost/PathInContainer/CgroupPermissions per --device */
static json_t *ctr_json_devices(json_t *cfg)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach (json_object_get(cfg, "devices"), i, v)
		json_array_append_new(out, json_pack("{s:O?, s:O?, s:O?}", "PathOnHost",
						     json_object_get(v, "source"), "PathInContainer",
						     json_object_get(v, "destination"),
						     "CgroupPermissions",
						     json_object_get(v, "permissions")));
	return out;
}

json_t *ctr_json_inspect(struct berth_ctx *ctx, struct store_container *c)
{
	_cleanup_free_ char *userdata = ctr_userdata_path(ctx, c->id), *spectext = NULL;
	_cleanup_free_ char *logpath = NULL, *specpath = NULL, *hostpath = NULL;
	_cleanup_(json_decrefp) json_t *spec = NULL;
	json_t *cfg = ctr_config(c), *process, *args, *path, *mounts = json_array(), *m;
	json_t *ea = json_array(), *eo = json_object(); /* shared empties for absent keys */
	char created[48], started[48], finished[48];
	const char *state = ctr_state_now(c);
	bool running = strcmp(state, "running") == 0 || strcmp(state, "paused") == 0;
	size_t i;
	json_t *o;

	if (userdata) {
		if (asprintf(&specpath, "%s/config.json", userdata) < 0)
			specpath = NULL;
		if (asprintf(&logpath, "%s/ctr.log", userdata) < 0)
			logpath = NULL;
		if (asprintf(&hostpath, "%s/hostname", userdata) < 0)
			hostpath = NULL;
	}
	if (specpath && read_file_at(AT_FDCWD, specpath, 64u << 20, &spectext, NULL, NULL) == 0)
		spec = json_loads(spectext, 0, NULL);
	process = json_object_get(spec, "process");
	args = json_deep_copy(json_object_get(process, "args"));
	if (!args)
		args = json_array();
	path = json_array_size(args) ? json_incref(json_array_get(args, 0)) : json_string("");
	json_array_remove(args, 0);
	json_array_foreach (json_object_get(cfg, "mounts"), i, o) {
		json_t *opts = json_object_get(o, "options");
		bool rw = true;
		size_t k;
		json_t *ov;
		json_array_foreach (opts, k, ov)
			if (strcmp(json_string_value(ov), "ro") == 0)
				rw = false;
		const char *vname = json_string_value(json_object_get(o, "volume"));
		m = json_pack("{s:s, s:O, s:O, s:s, s:s, s:O, s:b, s:s}", "Type",
			      vname ? "volume" : "bind", "Source", json_object_get(o, "source"),
			      "Destination", json_object_get(o, "destination"), "Driver",
			      vname ? "local" : "", "Mode", "", "Options", opts ? opts : ea,
			      "RW", rw, "Propagation", "rprivate");
		if (m && vname)
			json_object_set_new(m, "Name", json_string(vname));
		json_array_append_new(mounts, m);
	}
	json_t *env = json_object_get(process, "env");
	json_t *ep = json_object_get(cfg, "entrypoint");
	json_t *j = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:i, s:s, s:s, "
		"s:s, s:b}, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:{s:s, s:s, s:O, "
		"s:O, s:s, s:s, s:O, s:O, s:s, s:b, s:b}, s:{s:s, s:O, s:b, s:O, s:O, s:O, s:b, "
		"s:I, s:I, s:I, s:s}}",
		"Id", c->id, "Created", ctr_json_rfc3339(c->created, created, sizeof(created)), "Path", path,
		"Args", args, "State", "OciVersion", "1.0.2-dev", "Status", state, "Running",
		strcmp(state, "running") == 0, "Paused", strcmp(state, "paused") == 0, "Restarting",
		0, "OOMKilled", 0, "Dead", 0, "Pid", (json_int_t)(running ? c->pid : 0), "ConmonPid",
		(json_int_t)(running ? c->monitor_pid : 0), "ExitCode", c->exit_code, "Error", "",
		"StartedAt", ctr_json_rfc3339(c->started_at, started, sizeof(started)), "FinishedAt",
		ctr_json_rfc3339(c->finished_at, finished, sizeof(finished)), "Healthcheck", 0, "Image",
		c->image_id ? c->image_id : "", "ImageName", c->image_name ? c->image_name : "",
		"Rootfs", "", "ResolvConfPath", "", "HostnamePath", hostpath ? hostpath : "",
		"LogPath", logpath ? logpath : "", "Name", c->name, "RestartCount", c->restart_count,
		"Driver", "overlay", "Mounts", mounts, "Config", "Hostname",
		json_string_value(json_object_get(spec, "hostname")) ?: "", "User",
		json_string_value(json_object_get(cfg, "user")) ?: "", "Env",
		env ? env : ea, "Cmd", json_object_get(cfg, "command") ?: json_null(),
		"Image", c->image_name ? c->image_name : "", "WorkingDir",
		json_string_value(json_object_get(process, "cwd")) ?: "/", "Entrypoint",
		ep ? ep : json_null(), "Labels", json_object_get(cfg, "labels") ?: eo,
		"StopSignal", json_string_value(json_object_get(cfg, "stop_signal")) ?: "SIGTERM",
		"Tty", json_is_true(json_object_get(cfg, "tty")), "OpenStdin",
		json_is_true(json_object_get(cfg, "interactive")), "HostConfig", "NetworkMode",
		json_string_value(json_object_get(cfg, "network")) ?: "private", "CapAdd",
		json_object_get(cfg, "cap_add") ?: ea, "Privileged",
		json_is_true(json_object_get(cfg, "privileged")), "CapDrop",
		json_object_get(cfg, "cap_drop") ?: ea, "Ulimits",
		json_object_get(cfg, "ulimits") ?: ea, "Tmpfs",
		json_object_get(cfg, "tmpfs") ?: ea, "ReadonlyRootfs",
		json_is_true(json_object_get(cfg, "read_only")), "Memory",
		json_integer_value(json_object_get(cfg, "memory")), "NanoCpus",
		(json_int_t)(json_number_value(json_object_get(cfg, "cpus")) * 1e9), "PidsLimit",
		json_integer_value(json_object_get(cfg, "pids_limit")), "LogConfig",
		json_string_value(json_object_get(cfg, "log_driver")) ?: "k8s-file");
	/* "O" took its own references to the shared empties where they were used */
	json_decref(ea);
	json_decref(eo);
	if (j) {
		json_t *hc = json_object_get(j, "HostConfig");
		json_object_set_new(hc, "LogConfig",
				    json_pack("{s:s, s:s}", "Type",
					      json_string_value(json_object_get(cfg, "log_driver")) ?: "k8s-file",
					      "Path", logpath ? logpath : ""));
		json_object_set_new(hc, "AutoRemove", json_boolean(json_is_true(json_object_get(cfg, "rm"))));
		json_object_set_new(hc, "Init", json_boolean(json_is_true(json_object_get(cfg, "init"))));
		json_object_set_new(hc, "ShmSize", ctr_json_shm_size(cfg));
		json_object_set_new(hc, "Devices", ctr_json_devices(cfg));
		json_t *conf = json_object_get(j, "Config"), *t = json_object_get(cfg, "stop_timeout");
		json_object_set_new(conf, "StopTimeout",
				    json_integer(json_is_integer(t) ? json_integer_value(t)
								    : CTR_DEFAULT_STOP_TIMEOUT));
		json_object_set_new(conf, "Annotations",
				    json_deep_copy(json_object_get(cfg, "annotations")) ?: json_object());
		json_object_set_new(j, "OCIConfigPath", json_string(specpath ? specpath : ""));
		json_object_set_new(j, "IsInfra", json_false());
		ctr_health_inspect(ctx, c, cfg, j);
	}
	json_decref(cfg);
	return j;
}
