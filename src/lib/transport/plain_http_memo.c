/* SPDX-License-Identifier: Apache-2.0 */
/* plain_http_memo.c - the plain-HTTP registry notes of plain_http_memo.h. */
#include "transport/plain_http_memo.h"

#include <fcntl.h>
#include <unistd.h>

#include "config/paths.h"
#include "oci/reference.h"
#include "util/macro.h"

#define MEMO_DIR "plain-http"

bool plain_http_known(const char *host)
{
	_cleanup_close_ int dir = -1;

	if (!oci_ref_domain_is_valid(host) || (dir = paths_cache_dir_fd(MEMO_DIR, false)) < 0)
		return false;
	return faccessat(dir, host, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void plain_http_remember(const char *host)
{
	_cleanup_close_ int dir = -1, fd = -1;

	/* a valid domain has no '/' and is not "." or "..": a safe file name */
	if (!oci_ref_domain_is_valid(host) || (dir = paths_cache_dir_fd(MEMO_DIR, true)) < 0)
		return;
	fd = openat(dir, host, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

void plain_http_forget(const char *host)
{
	_cleanup_close_ int dir = -1;

	if (oci_ref_domain_is_valid(host) && (dir = paths_cache_dir_fd(MEMO_DIR, false)) >= 0)
		(void)unlinkat(dir, host, 0);
}
