/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_transport_blob_locations.c - the blob-location hints: newest first, one host only, the
 * repository asked about skipped, at most BLOB_LOC_MAX kept, and junk in the file ignored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/blob_locations.h"
#include "util/fileio.h"

#define DG  "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define HEX "1111111111111111111111111111111111111111111111111111111111111111"

static char cache[64];

static int setup(void **state)
{
	(void)state;
	snprintf(cache, sizeof(cache), "/tmp/berth-unit-bloc-XXXXXX");
	assert_non_null(mkdtemp(cache));
	setenv("XDG_CACHE_HOME", cache, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf_at(AT_FDCWD, cache, NULL);
	return 0;
}

static size_t find(const char *host, const char *skip, char **out, size_t max)
{
	return blob_locations_find(DG, host, skip, out, max);
}

static void freev(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

static void test_newest_first_and_filters(void **state)
{
	char *v[BLOB_LOC_MAX + 2];
	size_t n;
	(void)state;

	assert_int_equal(find("reg:5000", "x", v, 4), 0); /* nothing recorded yet */
	blob_locations_record(DG, "reg:5000", "a/one");
	blob_locations_record(DG, "other:5000", "b/two");
	blob_locations_record(DG, "reg:5000", "c/three");
	blob_locations_record(DG, "reg:5000", "a/one"); /* seen again: now the newest */
	n = find("reg:5000", "none", v, 4);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "a/one");
	assert_string_equal(v[1], "c/three");
	freev(v, n);
	/* the destination itself is no source for a mount */
	n = find("reg:5000", "a/one", v, 4);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "c/three");
	freev(v, n);
	/* "reg:500" is another host, not a prefix of "reg:5000" */
	assert_int_equal(find("reg:500", "none", v, 4), 0);
}

static void test_capped_and_junk_ignored(void **state)
{
	char *v[BLOB_LOC_MAX + 2], repo[32], path[160];
	size_t n;
	(void)state;

	for (int i = 0; i < BLOB_LOC_MAX + 5; i++) {
		snprintf(repo, sizeof(repo), "r/n%d", i);
		blob_locations_record(DG, "h:1", repo);
	}
	n = find("h:1", "none", v, BLOB_LOC_MAX + 2);
	assert_int_equal(n, BLOB_LOC_MAX);
	snprintf(repo, sizeof(repo), "r/n%d", BLOB_LOC_MAX + 4);
	assert_string_equal(v[0], repo);
	freev(v, n);
	/* a hand-edited file: invalid repositories are skipped, not trusted */
	snprintf(path, sizeof(path), "%s/berth/blob-locations/%s", cache, HEX);
	const char junk[] = "h:1/../../etc\nh:1/UPPER/case\nh:1/ok/repo\n";
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, junk, strlen(junk), 0600, NULL), 0);
	n = find("h:1", "none", v, 4);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "ok/repo");
	freev(v, n);
	/* invalid input is not recorded */
	blob_locations_record("sha256:nothex", "h:1", "a/b");
	blob_locations_record(DG, "h:1", "../x");
	n = find("h:1", "none", v, 4);
	assert_int_equal(n, 1);
	freev(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_newest_first_and_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capped_and_junk_ignored, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
