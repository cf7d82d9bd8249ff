/* SPDX-License-Identifier: Apache-2.0 */
/* test_store_pod.c - the pods table: add, name conflicts, lookup by name/id/prefix, members. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/container.h"
#include "store/pod.h"
#include "store/store.h"
#include "util/fileio.h"

#include "store_fixture.h"
#include "util/macro.h"

#define POD_A "bbbb000000000000000000000000000000000000000000000000000000000001"
#define POD_B "bbbc000000000000000000000000000000000000000000000000000000000002"
#define CTR_1 "cccc000000000000000000000000000000000000000000000000000000000001"
#define CTR_2 "cccd000000000000000000000000000000000000000000000000000000000002"

static void test_pod_crud(void **state)
{
	struct store_pod a = {.id = POD_A, .name = "web", .created = 1, .config = "{}"};
	struct store_pod b = {.id = POD_B, .name = "db", .created = 2, .config = "{}"};
	struct store_pod dup = {.id = "ff" POD_A, .name = "web", .created = 3};
	struct store_pod *got = NULL, **list = NULL;
	berth_error err = {0};
	size_t n = 0;

	(void)state;
	assert_int_equal(store_pod_add(st, &a, NULL), 0);
	assert_int_equal(store_pod_add(st, &b, NULL), 0);
	assert_int_equal(store_pod_add(st, &dup, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "pod web already exists"));

	assert_int_equal(store_pod_lookup(st, "web", &got, NULL), 0);
	assert_string_equal(got->id, POD_A);
	assert_null(got->infra_id);
	store_pod_free(got);
	assert_int_equal(store_pod_lookup(st, "bbbc", &got, NULL), 0);
	assert_string_equal(got->name, "db");
	store_pod_free(got);
	berr_clear(&err);
	assert_int_equal(store_pod_lookup(st, "bbb", &got, &err), -EINVAL);
	berr_clear(&err);
	assert_int_equal(store_pod_lookup(st, "nosuch", &got, &err), -ENOENT);
	assert_string_equal(err.msg, "no pod with name or ID nosuch found: no such pod");

	assert_int_equal(store_pod_set_infra(st, POD_A, CTR_1, NULL), 0);
	assert_int_equal(store_pod_lookup(st, POD_A, &got, NULL), 0);
	assert_string_equal(got->infra_id, CTR_1);
	store_pod_free(got);

	assert_int_equal(store_pod_list(st, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "db"); /* newest first */
	store_pod_list_free(list, n);

	assert_int_equal(store_pod_delete(st, POD_B, NULL), 0);
	assert_int_equal(store_pod_lookup(st, "db", &got, NULL), -ENOENT);
	assert_int_equal(store_pod_delete(st, POD_B, NULL), 0);
}

static void test_pod_members(void **state)
{
	struct store_container c1 = {.id = CTR_1,
				     .name = "infra",
				     .created = 5,
				     .config = "{}",
				     .state = "created",
				     .pod_id = POD_A};
	struct store_container c2 = {.id = CTR_2,
				     .name = "app",
				     .created = 6,
				     .config = "{}",
				     .state = "created",
				     .pod_id = POD_A};
	struct store_container c3 = {
	    .id = "dd" CTR_2, .name = "alone", .created = 7, .config = "{}", .state = "created"};
	char **ids = NULL;

	(void)state;
	assert_int_equal(store_container_add(st, &c2, NULL), 0);
	assert_int_equal(store_container_add(st, &c1, NULL), 0);
	assert_int_equal(store_container_add(st, &c3, NULL), 0);
	assert_int_equal(store_pod_container_ids(st, POD_A, &ids, NULL), 0);
	assert_non_null(ids[0]);
	assert_string_equal(ids[0], CTR_1); /* oldest first */
	assert_string_equal(ids[1], CTR_2);
	assert_null(ids[2]);
	strv_free(ids);
	assert_int_equal(store_pod_container_ids(st, POD_B, &ids, NULL), 0);
	assert_null(ids[0]);
	strv_free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pod_crud),
	    cmocka_unit_test(test_pod_members),
	};
	return cmocka_run_group_tests(tests, store_setup, store_teardown);
}
