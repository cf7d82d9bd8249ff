/* SPDX-License-Identifier: Apache-2.0 */
/* container_sdnotify.c - the container side of --sdnotify=container (container_sdnotify.h). */
#include "engine/container_sdnotify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container.h"
#include "util/macro.h"

bool ctr_sdnotify_container(json_t *create)
{
	const char *v = json_string_value(json_object_get(create, "sdnotify"));

	return v && strcmp(v, "container") == 0;
}

int ctr_sdnotify_spec(struct berth_ctx *ctx, const char *id, json_t *create, json_t *spec,
		      berth_error *err)
{
	_cleanup_free_ char *rundir = NULL, *src = NULL;
	json_t *env, *mounts;

	if (!ctr_sdnotify_container(create))
		return 0;
	rundir = ctr_rundir_path(ctx, id);
	/* Same as monitor/notify_proxy.h: NOTIFY_PROXY_DIR under the run directory. */
	if (!rundir || asprintf(&src, "%s/notify", rundir) < 0)
		return berr(err, ENOMEM, "out of memory");
	env = json_object_get(json_object_get(spec, "process"), "env");
	mounts = json_object_get(spec, "mounts");
	if (!json_is_array(env) || !json_is_array(mounts))
		return berr(err, EINVAL, "--sdnotify=container: the generated spec has no env or mounts");
	json_array_append_new(env, json_string("NOTIFY_SOCKET=/run/notify/notify.sock"));
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination",
						"/run/notify", "type", "bind", "source", src,
						"options", "bind", "rw", "nosuid", "nodev"));
	return 0;
}
