/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_fixture.h - a fresh store in a temp dir for a cmocka group of store tests:
 * cmocka_run_group_tests(tests, store_setup, store_teardown); the tests use `st`.
 */
#ifndef BERTH_TEST_STORE_FIXTURE_H
#define BERTH_TEST_STORE_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "util/fileio.h"

static char store_dir[] = "/tmp/berth-test-store.XXXXXX";
static struct store *st;

static int store_setup(void **state)
{
	char root[128], run[128];

	(void)state;
	if (!mkdtemp(store_dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", store_dir);
	snprintf(run, sizeof(run), "%s/run", store_dir);
	return store_open(root, run, &st, NULL);
}

static int store_teardown(void **state)
{
	(void)state;
	store_close(st);
	return rm_rf_at(AT_FDCWD, store_dir, NULL);
}

#endif
