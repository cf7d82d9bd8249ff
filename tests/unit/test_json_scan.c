/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/container.h"
#include "util/hash.h"
#include "util/json_scan.h"

static void collect(const char *key, size_t klen, const char *val, size_t vlen, void *data)
{
	char *out = data;

	snprintf(out + strlen(out), 1024 - strlen(out), "%.*s=%.*s;", (int)klen, key, (int)vlen,
		 val);
}

static void scan_ok(const char *doc, const char *want)
{
	char got[1024] = "";

	assert_int_equal(json_scan_object(doc, strlen(doc), collect, got), 0);
	assert_string_equal(got, want);
}

static void test_scan(void **state)
{
	(void)state;
	scan_ok("{}", "");
	scan_ok(" { } ", "");
	scan_ok("{\"a\":1}", "a=1;");
	scan_ok("{ \"a\" : -1.5e3 , \"b\":true,\"c\":null }", "a=-1.5e3;b=true;c=null;");
	scan_ok("{\"s\":\"x\\\"}y{[\",\"n\":{\"k\":[1,{\"a\":\"]\"}]},\"e\":[]}",
		"s=\"x\\\"}y{[\";n={\"k\":[1,{\"a\":\"]\"}]};e=[];");
	scan_ok("{\"a\":[[]],\"b\":{}}", "a=[[]];b={};");
	/* runs of backslashes before a quote: even ends the string, odd escapes the quote */
	scan_ok("{\"s\":\"a\\\\\",\"t\":\"\\\\\\\"q\",\"u\":[\"\\\\\\\\\"]}",
		"s=\"a\\\\\";t=\"\\\\\\\"q\";u=[\"\\\\\\\\\"];");
}

static void scan_bad(const char *doc)
{
	char got[1024] = "";

	assert_int_equal(json_scan_object(doc, strlen(doc), collect, got), -EINVAL);
}

static void test_scan_bad(void **state)
{
	(void)state;
	scan_bad("");
	scan_bad("[]");
	scan_bad("{");
	scan_bad("{\"a\"}");
	scan_bad("{\"a\":}");
	scan_bad("{\"a\":1,}");
	scan_bad("{\"a\":1 \"b\":2}");
	scan_bad("{\"a\":\"open}");
	scan_bad("{\"a\":[1,2}");
	scan_bad("{\"a\\u0062\":1}"); /* escaped keys: the caller parses the whole document */
}

/* ctr_config_pick() gives what the full parse gives, for the keys asked */
static void test_pick(void **state)
{
	static const char *const keys[] = { "labels", "rm", "process_args", "ports", "absent", NULL };
	const char *cfg = "{\"env\":[\"A=}\"],\"labels\":{\"a\":\"b\"},\"rm\":true,"
			  "\"process_args\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\"],\"tty\":false}";
	struct store_container c = { .config = (char *)cfg };
	json_t *full = json_loads(cfg, 0, NULL), *got = ctr_config_pick(&c, keys), *want;

	want = json_pack("{s:O, s:O, s:O}", "labels", json_object_get(full, "labels"), "rm",
			 json_object_get(full, "rm"), "process_args",
			 json_object_get(full, "process_args"));
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	json_decref(full);

	c.config = "{\"rm\":tru"; /* not an object it can walk: the full parse's {} */
	got = ctr_config_pick(&c, keys);
	assert_true(json_is_object(got));
	assert_int_equal(json_object_size(got), 0);
	json_decref(got);
	assert_null(json_loads_keys("[1]", keys));
	got = json_loads_keys("{\"rm\":nope,\"labels\":{}}", keys); /* a bad value is left out */
	assert_int_equal(json_object_size(got), 1);
	assert_true(json_is_object(json_object_get(got, "labels")));
	json_decref(got);
	c.config = NULL;
	got = ctr_config_pick(&c, keys);
	assert_int_equal(json_object_size(got), 0);
	json_decref(got);
}

/* json_scan_member(): the first member's value text, nested lookups, and the errors */
static void test_member(void **state)
{
	const char *doc = "{\"a\":1,\"linux\":{\"x\":\"}\",\"seccomp\":{\"k\":[1]}},\"a\":2}";
	const char *v, *lin;
	size_t n, ln;

	(void)state;
	assert_int_equal(json_scan_member(doc, strlen(doc), "a", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(v, "1", 1);
	assert_int_equal(json_scan_member(doc, strlen(doc), "linux", &lin, &ln), 0);
	assert_int_equal(json_scan_member(lin, ln, "seccomp", &v, &n), 0);
	assert_int_equal(n, strlen("{\"k\":[1]}"));
	assert_memory_equal(v, "{\"k\":[1]}", n);
	assert_int_equal(json_scan_member(lin, ln, "absent", &v, &n), -ENOENT);
	assert_int_equal(json_scan_member("{\"a\":", 5, "a", &v, &n), -EINVAL);
	assert_int_equal(json_scan_member("[]", 2, "a", &v, &n), -EINVAL);
}

/* hash64(): stable, every byte counts, the length counts */
static void test_hash64(void **state)
{
	char buf[64];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_true(hash64(buf, 17, 0) == hash64(buf, 17, 0));
	for (size_t i = 0; i < 17; i++) {
		uint64_t h = hash64(buf, 17, 0);
		buf[i] ^= 1;
		assert_true(hash64(buf, 17, 0) != h);
		buf[i] ^= 1;
	}
	assert_true(hash64(buf, 16, 0) != hash64(buf, 17, 0));
	assert_true(hash64(buf, 0, 0) != hash64(buf, 0, 1));
	memset(buf, 0, sizeof(buf));
	assert_true(hash64(buf, 8, 0) != hash64(buf, 9, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_bad),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_member),
		cmocka_unit_test(test_hash64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
