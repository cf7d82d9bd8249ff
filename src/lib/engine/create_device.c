/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create_device.c - --device HOST[:CTR][:PERMS] and containers.conf devices, checked on the
 * host when the container is created so a typo fails before anything is made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/create_conf.h"
#include "util/macro.h"

static bool is_perms(const char *s)
{
	return *s && strlen(s) <= 3 && strspn(s, "rwm") == strlen(s);
}

int create_device_parse(json_t *devices, const char *spec, berth_error *err)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *parts[4] = { NULL, NULL, NULL, NULL }, *save = NULL;
	const char *src, *dst, *perms = "rwm";
	struct stat st;
	int n = 0;

	if (!copy)
		return berr(err, ENOMEM, "out of memory");
	for (char *p = strtok_r(copy, ":", &save); p && n < 4; p = strtok_r(NULL, ":", &save))
		parts[n++] = p;
	/* podman's reading: HOST, HOST:CTR, HOST:PERMS, HOST:CTR:PERMS */
	if (n == 0 || n > 3 || (n == 3 && !is_perms(parts[2])))
		return berr(err, EINVAL,
			    "invalid device \"%s\": use HOST-DEVICE[:CONTAINER-DEVICE][:PERMISSIONS]"
			    " with permissions made of r, w, m",
			    spec);
	src = parts[0];
	dst = src;
	if (n == 2 && is_perms(parts[1]) && parts[1][0] != '/')
		perms = parts[1];
	else if (n >= 2)
		dst = parts[1];
	if (n == 3)
		perms = parts[2];
	if (src[0] != '/' || dst[0] != '/')
		return berr(err, EINVAL, "invalid device \"%s\": both paths must be absolute", spec);
	if (strcmp(dst, "/dev") == 0 || strstr(dst, "/../") || strcmp(dst, "/") == 0)
		return berr(err, EINVAL, "invalid device \"%s\": %s cannot hold a device node", spec,
			    dst);
	if (stat(src, &st) < 0)
		return berr_errno(err, errno, "device %s", src);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return berr(err, EINVAL,
			    "device %s is not a device node: --device takes a character or block "
			    "device (use -v to share files and directories)",
			    src);
	json_array_append_new(devices, json_pack("{s:s, s:s, s:s}", "source", src, "destination",
						 dst, "permissions", perms));
	return 0;
}
