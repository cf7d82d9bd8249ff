/* SPDX-License-Identifier: Apache-2.0 */
/* blob_locations.c - the digest → host/repo hint cache of blob_locations.h. */
#include "transport/blob_locations.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/paths.h"
#include "oci/digest.h"
#include "oci/reference.h"
#include "util/fileio.h"
#include "util/macro.h"

#define LOC_FILE_MAX 4096

/* dir_fd() - the cache directory, created on first use; -1 when there is none. */
static int dir_fd(bool create)
{
	return paths_cache_dir_fd("blob-locations", create);
}

static int read_locations(int dir, const char *hex, char **ret)
{
	size_t len;
	return read_file_at(dir, hex, LOC_FILE_MAX, ret, &len, NULL);
}

void blob_locations_record(const char *digest, const char *host, const char *repo)
{
	_cleanup_close_ int dir = -1;
	_cleanup_free_ char *old = NULL, *line = NULL, *text = NULL;
	const char *keep[BLOB_LOC_MAX];
	size_t n = 0, len = 0;

	if (!oci_digest_is_sha256(digest) || !oci_ref_domain_is_valid(host) ||
	    !oci_ref_path_is_valid(repo) || (dir = dir_fd(true)) < 0 ||
	    asprintf(&line, "%s/%s", host, repo) < 0)
		return;
	if (read_locations(dir, digest + 7, &old) < 0)
		old = NULL;
	/* already the newest line: nothing to write (a re-pull touches no file) */
	if (old) {
		size_t ol = strlen(old), ll = strlen(line);
		if (ol > ll && old[ol - 1] == '\n' && memcmp(old + ol - ll - 1, line, ll) == 0 &&
		    (ol == ll + 1 || old[ol - ll - 2] == '\n'))
			return;
	}
	/* the newest BLOB_LOC_MAX - 1 other lines, then this one last */
	for (char *save = NULL, *l = old ? strtok_r(old, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strcmp(l, line) == 0)
			continue;
		if (n == BLOB_LOC_MAX - 1)
			memmove(keep, keep + 1, --n * sizeof(*keep));
		keep[n++] = l;
	}
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", keep[i]);
	fprintf(f, "%s\n", line);
	if (fclose(f) == 0)
		/* a hint, checked by every use: not worth an fsync per blob */
		(void)write_file_replace_at(dir, digest + 7, text, len, 0600, NULL);
}

size_t blob_locations_find(const char *digest, const char *host, const char *skip_repo,
			   char **ret, size_t max)
{
	_cleanup_close_ int dir = -1;
	_cleanup_free_ char *text = NULL;
	size_t hl = strlen(host), n = 0;

	if (!oci_digest_is_sha256(digest) || (dir = dir_fd(false)) < 0 ||
	    read_locations(dir, digest + 7, &text) < 0)
		return 0;
	/* newest last in the file: walk it backwards */
	for (char *end = text + strlen(text); n < max && end > text;) {
		char *start = end - 1;
		while (start > text && start[-1] != '\n')
			start--;
		*end = '\0';
		if (end > start && end[-1] == '\n')
			end[-1] = '\0';
		if (strncmp(start, host, hl) == 0 && start[hl] == '/' &&
		    oci_ref_path_is_valid(start + hl + 1) && strcmp(start + hl + 1, skip_repo) != 0 &&
		    (ret[n] = strdup(start + hl + 1)))
			n++;
		end = start;
	}
	return n;
}
