/* SPDX-License-Identifier: Apache-2.0 */
#include "config/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

const char *paths_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : "/";
}

char *paths_config_home(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	char *p = NULL;

	if (x && *x)
		return strdup(x);
	if (asprintf(&p, "%s/.config", paths_home()) < 0)
		return NULL;
	return p;
}

int paths_cache_dir_fd(const char *sub, bool create)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s%s/berth/%s", cache && *cache ? cache : paths_home(),
		     cache && *cache ? "" : "/.cache", sub) < 0)
		return -1;
	if (create && mkdir_p(path, 0700, NULL) < 0)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int paths_runtime_dir(char **ret, berth_error *err)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	char *p = NULL;

	if (x && *x && access(x, W_OK) == 0) {
		p = strdup(x);
		if (!p)
			return berr(err, ENOMEM, "out of memory");
		*ret = p;
		return 0;
	}
	if (asprintf(&p, "/tmp/berth-run-%u", (unsigned)getuid()) < 0)
		return berr(err, ENOMEM, "out of memory");
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		int r = berr_errno(err, errno, "create runtime directory %s", p);
		free(p);
		return r;
	}
	/* Someone else could have made it first in the shared /tmp: it must be ours alone. */
	if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077)) {
		int r = berr(err, EPERM,
			     "runtime directory %s is not a private directory owned by uid %u; "
			     "remove it or set XDG_RUNTIME_DIR",
			     p, (unsigned)getuid());
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int paths_default_storage_root(bool rootless, char **ret, berth_error *err)
{
	const char *x = getenv("XDG_DATA_HOME");
	char *p = NULL;

	if (!rootless)
		p = strdup("/var/lib/berth");
	else if (x && *x) {
		if (asprintf(&p, "%s/berth/storage", x) < 0)
			p = NULL;
	} else if (asprintf(&p, "%s/.local/share/berth/storage", paths_home()) < 0)
		p = NULL;
	if (!p)
		return berr(err, ENOMEM, "out of memory");
	*ret = p;
	return 0;
}

int paths_default_run_root(bool rootless, char **ret, berth_error *err)
{
	_cleanup_free_ char *rt = NULL;
	char *p = NULL;
	int r;

	if (!rootless) {
		p = strdup("/run/berth");
		if (!p)
			return berr(err, ENOMEM, "out of memory");
		*ret = p;
		return 0;
	}
	r = paths_runtime_dir(&rt, err);
	if (r < 0)
		return r;
	if (asprintf(&p, "%s/berth", rt) < 0)
		return berr(err, ENOMEM, "out of memory");
	*ret = p;
	return 0;
}
