/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "store/container.h"
#include "store/store.h"
#include "util/fileio.h"

#include "store_fixture.h"

static struct store_container make(const char *id, const char *name, int64_t created)
{
	struct store_container c = { 0 };
	c.id = (char *)id;
	c.name = (char *)name;
	c.image_name = "localhost/busybox:latest";
	c.created = created;
	c.config = "{\"rm\":false}";
	c.state = "created";
	return c;
}

#define ID_A "aaaa000000000000000000000000000000000000000000000000000000000001"
#define ID_B "aaab000000000000000000000000000000000000000000000000000000000002"

static void test_add_lookup_conflict(void **state)
{
	struct store_container a = make(ID_A, "web", 1), b = make(ID_B, "db", 2), dup;
	struct store_container *got = NULL;
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(store_container_add(st, &a, NULL), 0);
	assert_int_equal(store_container_add(st, &b, NULL), 0);
	dup = make("ffff000000000000000000000000000000000000000000000000000000000003", "web", 3);
	assert_int_equal(store_container_add(st, &dup, &err), -EEXIST);
	assert_string_equal(err.msg, "the container name \"web\" is already in use by " ID_A
				     ". You have to remove that container to be able to reuse that "
				     "name: that name is already in use");

	assert_int_equal(store_container_lookup(st, "web", &got, NULL), 0);
	assert_string_equal(got->id, ID_A);
	assert_string_equal(got->state, "created");
	assert_string_equal(got->config, "{\"rm\":false}");
	store_container_free(got);
	assert_int_equal(store_container_lookup(st, "aaab", &got, NULL), 0);
	assert_string_equal(got->name, "db");
	store_container_free(got);
	assert_int_equal(store_container_lookup(st, "aaa", &got, &err), -EINVAL);
	assert_int_equal(store_container_lookup(st, "nope", &got, &err), -ENOENT);
	assert_string_equal(err.msg, "no container with name or ID \"nope\" found: no such container");
}

static void test_rename(void **state)
{
	struct store_container *got = NULL;
	berth_error err = { 0 };

	(void)state;
	/* a taken name: nothing changes */
	assert_int_equal(store_container_rename(st, ID_A, "db", "{}", &err), -EEXIST);
	assert_non_null(strstr(err.msg, "the container name \"db\" is already in use by " ID_B));
	assert_int_equal(store_container_lookup(st, "web", &got, NULL), 0);
	assert_string_equal(got->config, "{\"rm\":false}");
	store_container_free(got);
	/* name and config change together; the old name is free again */
	assert_int_equal(store_container_rename(st, ID_A, "front", "{\"name\":\"front\"}", NULL), 0);
	assert_int_equal(store_container_lookup(st, "front", &got, NULL), 0);
	assert_string_equal(got->id, ID_A);
	assert_string_equal(got->config, "{\"name\":\"front\"}");
	store_container_free(got);
	assert_int_equal(store_container_lookup(st, "web", &got, NULL), -ENOENT);
	assert_int_equal(store_container_rename(st, "ffff0000000000000000000000000000000000000000000"
						    "00000000000000009",
						"x", "{}", &err),
			 -ENOENT);
	assert_int_equal(store_container_rename(st, ID_A, "web", "{\"rm\":false}", NULL), 0);
}

static void test_update_list_delete(void **state)
{
	struct store_container **list = NULL, *got = NULL;
	struct store_exec_session e = { 0 }, *eg = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(store_container_get(st, ID_A, &got, NULL), 0);
	free(got->state);
	got->state = strdup("running");
	got->pid = 4242;
	got->pid_start = 99;
	got->exit_code = 3;
	assert_int_equal(store_container_update(st, got, NULL), 0);
	store_container_free(got);
	assert_int_equal(store_container_get(st, ID_A, &got, NULL), 0);
	assert_string_equal(got->state, "running");
	assert_int_equal(got->pid, 4242);
	assert_true(got->pid_start == 99);
	assert_int_equal(got->exit_code, 3);
	store_container_free(got);

	assert_int_equal(store_container_list(st, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "db"); /* newest first */
	store_container_list_free(list, n);

	e.id = "5e55";
	e.container_id = ID_A;
	e.config = "{}";
	e.pid = 7;
	e.running = true;
	assert_int_equal(store_exec_session_put(st, &e, NULL), 0);
	assert_int_equal(store_exec_session_get(st, "5e55", &eg, NULL), 0);
	assert_true(eg->running);
	assert_int_equal(eg->pid, 7);
	store_exec_session_free(eg);

	assert_int_equal(store_container_delete(st, ID_A, NULL), 0);
	assert_int_equal(store_container_get(st, ID_A, &got, NULL), -ENOENT);
	assert_int_equal(store_exec_session_get(st, "5e55", &eg, NULL), -ENOENT);
	got = NULL;
	{
		struct store_container gone = make(ID_A, "web", 1);
		assert_int_equal(store_container_update(st, &gone, NULL), -ENOENT);
	}
	assert_int_equal(store_container_delete(st, ID_B, NULL), 0);
}

/*
 * Every berth command is a process with one connection: the WAL must not grow across them
 * (SQLite's auto-checkpoint never restarted it, so each command re-read all of it).
 */
static void test_wal_emptied_across_connections(void **state)
{
	char root[128], run[128], wal[160], id[65], name[32];
	struct stat sb;

	(void)state;
	store_close(st);
	st = NULL;
	snprintf(root, sizeof(root), "%s/root", store_dir);
	snprintf(run, sizeof(run), "%s/run", store_dir);
	for (int i = 0; i < 300; i++) {
		struct store *s = NULL;
		struct store_container c;

		snprintf(id, sizeof(id), "cccc%060d", i);
		snprintf(name, sizeof(name), "wal%d", i);
		c = make(id, name, 100 + i);
		assert_int_equal(store_open(root, run, &s, NULL), 0);
		assert_int_equal(store_container_add(s, &c, NULL), 0);
		store_close(s);
	}
	snprintf(wal, sizeof(wal), "%s/berth.db-wal", root);
	assert_int_equal(stat(wal, &sb), 0);
	/* at most the 32 frames of 4 KiB (+ 24-byte headers) before a checkpoint, and one commit */
	assert_true(sb.st_size <= (32 + 16) * (4096 + 24) + 32);
	assert_int_equal(store_open(root, run, &st, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup_conflict),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_update_list_delete),
		cmocka_unit_test(test_wal_emptied_across_connections),
	};
	return cmocka_run_group_tests(tests, store_setup, store_teardown);
}
