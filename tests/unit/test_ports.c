/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "network/ports.h"

static void expect_ok(const char *spec, const char *formatted)
{
	struct port_mapping m;
	berth_error err = { 0 };
	char buf[128];

	assert_int_equal(port_mapping_parse(spec, &m, &err), 0);
	port_mapping_format(&m, buf, sizeof(buf));
	assert_string_equal(buf, formatted);
}

static void expect_bad(const char *spec, const char *needle)
{
	struct port_mapping m;
	berth_error err = { 0 };

	assert_true(port_mapping_parse(spec, &m, &err) < 0);
	assert_non_null(strstr(err.msg, needle));
}

static void test_forms(void **state)
{
	(void)state;
	expect_ok("5000:5000", "0.0.0.0:5000->5000/tcp");
	expect_ok("80", "0.0.0.0:80->80/tcp");
	expect_ok("127.0.0.1:8080:80", "127.0.0.1:8080->80/tcp");
	expect_ok("127.0.0.1::80/udp", "127.0.0.1:80->80/udp");
	expect_ok("8000-8002:80-82", "0.0.0.0:8000-8002->80-82/tcp");
	expect_ok("[::1]:8080:80", "::1:8080->80/tcp");
}

static void test_bad_forms(void **state)
{
	(void)state;
	expect_bad("0:80", "bad host port");
	expect_bad("80:70000", "ports 1-65535");
	expect_bad("80/sctp", "tcp or udp");
	expect_bad("8000-8003:80-82", "differ in length");
	expect_bad("bogus:1:2", "not an IP address");
	expect_bad("", "ports 1-65535");
}

static void test_privileged_ports(void **state)
{
	struct port_mapping m;
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(port_mapping_parse("80:80", &m, &err), 0);
	assert_int_equal(port_mapping_check_privileged(&m, false, &err), 0);
	assert_true(port_mapping_check_privileged(&m, true, &err) < 0);
	assert_non_null(strstr(err.msg, "firewall-cmd --add-forward-port=port=80"));
	assert_int_equal(port_mapping_parse("5000:5000", &m, &err), 0);
	assert_int_equal(port_mapping_check_privileged(&m, true, &err), 0);
}

static void test_json_round_trip(void **state)
{
	struct port_mapping m[2], *back = NULL;
	size_t n = 0;
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(port_mapping_parse("127.0.0.1:5000:5000", &m[0], &err), 0);
	assert_int_equal(port_mapping_parse("53:53/udp", &m[1], &err), 0);
	json_t *j = port_mappings_to_json(m, 2);
	assert_int_equal(port_mappings_from_json(j, &back, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(back[0].host_ip, "127.0.0.1");
	assert_int_equal(back[1].container_port, 53);
	assert_string_equal(back[1].protocol, "udp");
	free(back);
	json_object_set_new(json_array_get(j, 0), "host_port", json_integer(0));
	assert_true(port_mappings_from_json(j, &back, &n, &err) < 0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bad_forms),
		cmocka_unit_test(test_privileged_ports),
		cmocka_unit_test(test_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
