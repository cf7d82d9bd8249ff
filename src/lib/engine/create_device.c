/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create_device.c - --device HOST[:CTR][:PERMS] and containers.conf devices, checked on the
 * host when the container is created so a typo fails before anything is made. A directory
 * stands for every device node beneath it (podman's `--device /dev/snd`).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/create_conf.h"
#include "util/macro.h"

/* Bounds for a device directory: /dev itself is neither deep nor this big. */
#define DEVICE_DIR_MAX_DEPTH 8
#define DEVICE_DIR_MAX_NODES 4096

static bool is_perms(const char *s)
{
	return *s && strlen(s) <= 3 && strspn(s, "rwm") == strlen(s);
}

static int add_device(json_t *devices, const char *src, const char *dst, const char *perms,
		      berth_error *err)
{
	if (json_array_size(devices) >= DEVICE_DIR_MAX_NODES)
		return berr(err, E2BIG, "too many devices (at most %d)", DEVICE_DIR_MAX_NODES);
	if (json_array_append_new(devices, json_pack("{s:s, s:s, s:s}", "source", src,
						     "destination", dst, "permissions", perms)) < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

/* Every character and block device under @src, at the same place under @dst; symlinks are
 * not followed (lstat), so a link cannot pull in a node from elsewhere. */
static int add_device_dir(json_t *devices, const char *src, const char *dst, const char *perms,
			  int depth, berth_error *err)
{
	struct dirent *e;
	DIR *d;
	int r = 0;

	if (depth > DEVICE_DIR_MAX_DEPTH)
		return berr(err, ELOOP, "device directory %s is nested too deep", src);
	d = opendir(src);
	if (!d)
		return berr_errno(err, errno, "device directory %s", src);
	while (r >= 0 && (e = readdir(d))) {
		_cleanup_free_ char *s = NULL, *t = NULL;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* an entry gone meanwhile is no error */
		if (!S_ISDIR(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		if (asprintf(&s, "%s/%s", src, e->d_name) < 0 ||
		    asprintf(&t, "%s/%s", dst, e->d_name) < 0)
			r = berr(err, ENOMEM, "out of memory");
		else if (S_ISDIR(st.st_mode))
			r = add_device_dir(devices, s, t, perms, depth + 1, err);
		else
			r = add_device(devices, s, t, perms, err);
	}
	closedir(d);
	return r;
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
	if (S_ISDIR(st.st_mode)) {
		size_t before = json_array_size(devices);
		int r = add_device_dir(devices, src, dst, perms, 0, err);
		if (r < 0)
			return r;
		if (json_array_size(devices) == before)
			return berr(err, EINVAL, "device directory %s holds no device nodes", src);
		return 0;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return berr(err, EINVAL,
			    "device %s is not a device node: --device takes a character or block "
			    "device, or a directory of them (use -v to share files)",
			    src);
	return add_device(devices, src, dst, perms, err);
}
