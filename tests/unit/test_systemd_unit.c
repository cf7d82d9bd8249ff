/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/systemd_unit.h"

static struct berth_ctx test_ctx(void)
{
	struct berth_ctx ctx = { 0 };

	ctx.root = (char *)"/var/tmp/my store";
	ctx.runroot = (char *)"/run/berth-test";
	ctx.bindir = (char *)"/opt/berth/bin";
	return ctx;
}

static void test_container_unit_carries_store_options(void **state)
{
	struct berth_ctx ctx = test_ctx();
	struct unit_container c = { .id = "0123456789ab", .name = "myregistry", .stop_timeout = 10 };
	struct unit_opts o = { .use_name = true, .restart_policy = "always", .restart_sec = -1,
			       .stop_timeout = 1, .start_timeout = -1 };
	char *name = NULL, *text = NULL;
	berth_error err = { 0 };

	(void)state;
	setenv("CONTAINERS_REGISTRIES_CONF", "/tmp/reg 50%.conf", 1);
	assert_int_equal(unit_for_container(&ctx, &c, &o, &name, &text, &err), 0);
	assert_string_equal(name, "container-myregistry.service");
	assert_non_null(strstr(text, "\nRestart=always\n"));
	assert_non_null(strstr(text, "\nTimeoutStopSec=61\n"));
	assert_non_null(strstr(text, "ExecStart=/opt/berth/bin/berth --root \"/var/tmp/my store\" --runroot /run/berth-test start myregistry\n"));
	assert_non_null(strstr(text, "ExecStop=/opt/berth/bin/berth --root \"/var/tmp/my store\" --runroot /run/berth-test stop \\\n\t-t 1 myregistry\n"));
	assert_non_null(strstr(text, "Environment=CONTAINERS_REGISTRIES_CONF=\"/tmp/reg 50%%.conf\"\n"));
	assert_non_null(strstr(text, "Type=notify\nNotifyAccess=all\n"));
	assert_non_null(strstr(text, "WantedBy=default.target"));
	unsetenv("CONTAINERS_REGISTRIES_CONF");
	free(name);
	free(text);
}

static void test_new_unit_recreates_container(void **state)
{
	struct berth_ctx ctx = test_ctx();
	char *args[] = { "--name", "web", "-p", "8080:80", "localhost/busybox", "httpd", "-f", NULL };
	struct unit_container c = { .id = "abc", .name = "web", .create_args = args, .stop_timeout = 10 };
	struct unit_opts o = { .new_container = true, .use_name = true, .restart_sec = -1,
			       .stop_timeout = -1, .start_timeout = -1, .no_header = true };
	char *name = NULL, *text = NULL;
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(unit_for_container(&ctx, &c, &o, &name, &text, &err), 0);
	assert_true(strncmp(text, "[Unit]", 6) == 0);
	assert_non_null(strstr(text, "run \\\n\t--cidfile=%t/%n.ctr-id"));
	assert_non_null(strstr(text, "\t--replace \\\n\t-d \\\n\t--name \\\n\tweb \\\n\t-p \\\n\t8080:80"));
	assert_non_null(strstr(text, "ExecStopPost=/opt/berth/bin/berth --root \"/var/tmp/my store\" --runroot /run/berth-test rm \\\n\t-f \\\n\t--ignore -t 10"));
	assert_non_null(strstr(text, "\nRestart=on-failure\n"));
	free(name);
	free(text);
}

static void test_bad_input(void **state)
{
	struct berth_ctx ctx = test_ctx();
	struct unit_container c = { .id = "abc", .name = "web", .stop_timeout = 10 };
	struct unit_opts o = { .restart_policy = "sometimes", .restart_sec = -1, .stop_timeout = -1,
			       .start_timeout = -1 };
	char *name = NULL, *text = NULL;
	berth_error err = { 0 };

	(void)state;
	assert_true(unit_for_container(&ctx, &c, &o, &name, &text, &err) < 0);
	assert_non_null(strstr(err.msg, "sometimes is not a valid restart policy"));
	o.restart_policy = NULL;
	o.new_container = true;
	assert_true(unit_for_container(&ctx, &c, &o, &name, &text, &err) < 0);
	assert_non_null(strstr(err.msg, "no recorded create command"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_unit_carries_store_options),
		cmocka_unit_test(test_new_unit_recreates_container),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
