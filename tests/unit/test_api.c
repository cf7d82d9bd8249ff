/* SPDX-License-Identifier: Apache-2.0 */
/* test_api.c - berth-api's path handling: version prefixes and names from URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "api/api.h"

/* main.c is not linked into the test: give routes.c/hijack.c what it provides */
struct berth_ctx api_ctx;
void api_activity(void)
{
}

static void test_path_prefixes(void **state)
{
	struct api_path p;

	(void)state;
	api_path_parse("/v4.0.0/libpod/containers/json", &p);
	assert_true(p.libpod);
	assert_string_equal(p.rest, "/containers/json");
	api_path_parse("/v1.12/libpod/info", &p);
	assert_true(p.libpod);
	assert_string_equal(p.rest, "/info");
	api_path_parse("/v1.44/containers/json", &p);
	assert_false(p.libpod);
	assert_string_equal(p.rest, "/containers/json");
	api_path_parse("/_ping", &p);
	assert_false(p.libpod);
	assert_string_equal(p.rest, "/_ping");
	api_path_parse("/libpod/_ping", &p);
	assert_true(p.libpod);
	assert_string_equal(p.rest, "/_ping");
	/* "/version" is not a version prefix, nor "/v1x/" */
	api_path_parse("/version", &p);
	assert_string_equal(p.rest, "/version");
	api_path_parse("/v1x/info", &p);
	assert_string_equal(p.rest, "/v1x/info");
	api_path_parse("/v1.44", &p);
	assert_string_equal(p.rest, "/");
}

static void test_names(void **state)
{
	(void)state;
	assert_true(api_name_ok("web"));
	assert_true(api_name_ok("localhost/busybox:latest"));
	assert_true(api_name_ok("0123abcd"));
	assert_false(api_name_ok(""));
	assert_false(api_name_ok(".."));
	assert_false(api_name_ok("../../etc"));
	assert_false(api_name_ok("/etc/passwd"));
	assert_false(api_name_ok("a b"));
	assert_false(api_name_ok("a\nb"));
	assert_false(api_name_ok("-rf"));
	assert_false(api_name_ok("a\"b"));
}

static void test_hijack_detection(void **state)
{
	(void)state;
	assert_true(api_hijack_wanted("POST /v1.44/containers/abc/attach?stream=1 HTTP/1.1\r\n"
				      "Upgrade: tcp\r\n\r\n"));
	assert_true(api_hijack_wanted("POST /v1.12/libpod/exec/0123/start HTTP/1.0\r\n"
				      "Upgrade: WebSocket\r\n\r\n"));
	assert_false(api_hijack_wanted("GET /v1.44/containers/abc/attach HTTP/1.1\r\n\r\n"));
	assert_false(api_hijack_wanted("POST /v1.44/containers/abc/start HTTP/1.1\r\n\r\n"));
	assert_false(api_hijack_wanted("POST /v1.44/exec/x/json HTTP/1.1\r\n\r\n"));
	assert_false(api_hijack_wanted("POST /v1.44/containers//attach HTTP/1.1\r\n\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_prefixes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hijack_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
