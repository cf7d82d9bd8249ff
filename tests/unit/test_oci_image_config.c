/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oci/image_config.h"

#define D1 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D2 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const char docker_config[] =
    "{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"\",\"User\":\"nobody\","
    "\"ExposedPorts\":{\"5000/tcp\":{}},\"Env\":[\"PATH=/usr/bin:/bin\",\"A=\"],"
    "\"Entrypoint\":[\"/entrypoint.sh\"],\"Cmd\":[\"/etc/docker/registry/config.yml\"],"
    "\"ArgsEscaped\":true,\"Volumes\":{\"/var/lib/registry\":{}},\"WorkingDir\":\"/srv\","
    "\"Labels\":{\"maintainer\":\"x\"},\"StopSignal\":\"SIGTERM\","
    "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":30000000000,"
    "\"Retries\":3},\"OnBuild\":null},"
    "\"created\":\"2024-01-01T00:00:00Z\",\"docker_version\":\"20.10\","
    "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"/bin/sh -c #(nop) "
    "ADD file:x in /\"},{\"created_by\":\"CMD\",\"empty_layer\":true}],"
    "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";

static oci_image_config *parse_ok(const char *doc)
{
	oci_image_config *c = NULL;
	berth_error err = {0};

	if (oci_image_config_parse(doc, strlen(doc), &c, &err) < 0)
		fail_msg("parse: %s", err.msg);
	return c;
}

static void parse_bad(const char *doc, int code, const char *msg)
{
	oci_image_config *c = NULL;
	berth_error err = {0};
	int r = oci_image_config_parse(doc, strlen(doc), &c, &err);

	if (r != code)
		fail_msg("parse %s: got %d (%s), want %d", doc, r, err.msg, code);
	if (!strstr(err.msg, msg))
		fail_msg("parse %s: message \"%s\" lacks \"%s\"", doc, err.msg, msg);
	assert_null(c);
}

static void test_parse(void **state)
{
	oci_image_config *c = parse_ok(docker_config);

	(void)state;
	assert_string_equal(c->architecture, "amd64");
	assert_string_equal(c->os, "linux");
	assert_string_equal(c->user, "nobody");
	assert_string_equal(c->exposed_ports[0], "5000/tcp");
	assert_null(c->exposed_ports[1]);
	assert_string_equal(c->env[0], "PATH=/usr/bin:/bin");
	assert_string_equal(oci_image_config_get_env(c, "PATH"), "/usr/bin:/bin");
	assert_string_equal(oci_image_config_get_env(c, "A"), "");
	assert_null(oci_image_config_get_env(c, "PAT"));
	assert_string_equal(c->entrypoint[0], "/entrypoint.sh");
	assert_string_equal(c->cmd[0], "/etc/docker/registry/config.yml");
	assert_string_equal(c->volumes[0], "/var/lib/registry");
	assert_string_equal(c->working_dir, "/srv");
	assert_string_equal(oci_kvs_get(&c->labels, "maintainer"), "x");
	assert_string_equal(c->stop_signal, "SIGTERM");
	assert_non_null(c->healthcheck);
	assert_string_equal(c->healthcheck->test[0], "CMD-SHELL");
	assert_int_equal(c->healthcheck->interval, 30000000000LL);
	assert_int_equal(c->healthcheck->retries, 3);
	assert_null(c->on_build);
	assert_string_equal(c->diff_ids[1], D2);
	assert_int_equal(c->n_history, 2);
	assert_true(c->history[1].empty_layer);
	assert_false(c->history[0].empty_layer);
	assert_null(c->history[1].created);
	oci_image_config_free(c);
	assert_null(oci_image_config_free(NULL));

	/* minimal */
	c = parse_ok(
	    "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}");
	assert_non_null(c->diff_ids);
	assert_null(c->diff_ids[0]);
	assert_null(c->cmd);
	oci_image_config_free(c);
}

static void test_parse_invalid(void **state)
{
	(void)state;
	parse_bad("nope", -EINVAL, "image config is not valid JSON");
	parse_bad("{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}", -EINVAL,
		  "image config: \"architecture\" is missing");
	parse_bad("{\"architecture\":1,\"os\":\"linux\"}", -EINVAL,
		  "\"architecture\" must be a string");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\"}", -EINVAL,
		  "image config: \"rootfs\" is missing");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"x\"}}", -EINVAL,
		  "rootfs.type is \"x\"; expected \"layers\"");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		  "\"diff_ids\":[\"sha256:1\"]}}",
		  -EINVAL, "image config: rootfs.diff_ids[0]: invalid digest");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"config\":{\"Env\":\"x\"}}",
		  -EINVAL, "image config: config: \"Env\" must be an array of strings");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"config\":{\"Env\":[\"=x\"]}}",
		  -EINVAL, "config.Env[0] \"=x\" has no variable name");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"config\":{\"Cmd\":[1]}}",
		  -EINVAL, "\"Cmd\"[0] must be a string");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"config\":{\"Labels\":{\"a\":[]}}}",
		  -EINVAL, "\"Labels\" value of \"a\" must be a string");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"config\":{\"Healthcheck\":{\"Retries\":-1}}}",
		  -EINVAL, "config.Healthcheck: \"Retries\" is -1");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"history\":[{\"empty_layer\":\"yes\"}]}",
		  -EINVAL, "history[0]: \"empty_layer\" must be true or false");
	parse_bad("{\"architecture\":\"a\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
		  "\"history\":{}}",
		  -EINVAL, "\"history\" must be an array");
	{
		char *big = calloc(1, OCI_CONFIG_MAX_SIZE + 2);

		assert_non_null(big);
		memset(big, ' ', OCI_CONFIG_MAX_SIZE + 1);
		parse_bad(big, -EFBIG, "more than the limit");
		free(big);
	}
}

static void test_build_roundtrip(void **state)
{
	oci_image_config *c = oci_image_config_new(), *back = NULL, *dup;
	berth_error err = {0};
	char *json = NULL;
	size_t len;

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->os, "linux");
	assert_non_null(c->architecture);
	free(c->architecture);
	c->architecture = strdup("amd64");
	free(c->variant);
	c->variant = NULL;
	c->created = strdup("2026-01-01T00:00:00Z");
	assert_int_equal(oci_image_config_add_layer(c, D1, NULL), 0);
	assert_int_equal(oci_image_config_add_layer(c, "sha256:zz", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "image config: add layer: invalid digest"));
	assert_int_equal(
	    oci_image_config_add_history(c, c->created, "berth import", "msg", false, NULL), 0);
	assert_int_equal(oci_image_config_set_env(c, "PATH", "/bin"), 0);
	assert_int_equal(oci_image_config_set_env(c, "PATH", "/usr/bin"), 0);
	assert_int_equal(oci_image_config_set_env(c, "", "x"), -EINVAL);
	assert_int_equal(oci_image_config_set_env(c, "A=B", "x"), -EINVAL);
	assert_int_equal(oci_image_config_to_json(c, &json, &len, NULL), 0);
	assert_string_equal(json,
			    "{\"created\":\"2026-01-01T00:00:00Z\",\"architecture\":\"amd64\","
			    "\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/bin\"]},"
			    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]},"
			    "\"history\":[{\"created\":\"2026-01-01T00:00:00Z\","
			    "\"created_by\":\"berth import\",\"comment\":\"msg\"}]}");
	assert_int_equal(len, strlen(json));
	free(json);

	/* everything survives a round trip */
	back = parse_ok(docker_config);
	dup = oci_image_config_dup(back);
	assert_non_null(dup);
	assert_string_equal(dup->healthcheck->test[1], "true");
	assert_string_equal(dup->volumes[0], "/var/lib/registry");
	assert_string_equal(dup->exposed_ports[0], "5000/tcp");
	assert_true(dup->history[1].empty_layer);
	assert_string_equal(oci_kvs_get(&dup->labels, "maintainer"), "x");
	oci_image_config_free(dup);
	oci_image_config_free(back);

	/* a config that could not be read back is refused */
	free(c->os);
	c->os = NULL;
	assert_int_equal(oci_image_config_to_json(c, &json, &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "write image config: image config: \"os\" is missing"));
	oci_image_config_free(c);
}

static oci_image_config *apply(const char *const *changes)
{
	oci_image_config *c = oci_image_config_new();
	berth_error err = {0};

	assert_non_null(c);
	if (oci_image_config_apply_changes(c, (char *const *)changes, &err) < 0)
		fail_msg("apply: %s", err.msg);
	return c;
}

static void apply_bad(const char *change, const char *msg)
{
	oci_image_config *c = oci_image_config_new();
	berth_error err = {0};

	if (oci_image_config_apply_change(c, change, &err) != -EINVAL)
		fail_msg("apply \"%s\" should fail", change);
	if (!strstr(err.msg, msg))
		fail_msg("apply \"%s\": message \"%s\" lacks \"%s\"", change, err.msg, msg);
	oci_image_config_free(c);
}

static void test_changes(void **state)
{
	const char *const ch1[] = {
	    "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]",
	    "ENTRYPOINT /entry.sh --flag",
	    "env A=1 B=\"two words\" C='x y'",
	    "ENV D four five",
	    "ENV=A=override",
	    "LABEL a=b \"c d\"=e",
	    "EXPOSE 80 53/udp 80/tcp",
	    "EXPOSE=8080/TCP",
	    "VOLUME [\"/data\", \"/logs\"]",
	    "VOLUME /data /cache",
	    "USER 1000:1000",
	    "WORKDIR /srv",
	    "WORKDIR app",
	    "STOPSIGNAL SIGINT",
	    "ONBUILD RUN true",
	    NULL,
	};
	const char *const ch2[] = {"CMD echo hi", "ENTRYPOINT",	   "STOPSIGNAL=9",
				   "WORKDIR rel", "CMD [not json", NULL};
	const char *const ch3[] = {"CMD", "STOPSIGNAL rtmin+2", NULL};
	oci_image_config *c;
	char *json;

	(void)state;
	c = apply(ch1);
	assert_string_equal(c->cmd[2], "echo hi");
	assert_null(c->cmd[3]);
	assert_string_equal(c->entrypoint[0], "/bin/sh");
	assert_string_equal(c->entrypoint[1], "-c");
	assert_string_equal(c->entrypoint[2], "/entry.sh --flag");
	assert_string_equal(oci_image_config_get_env(c, "A"), "override");
	assert_string_equal(oci_image_config_get_env(c, "B"), "two words");
	assert_string_equal(oci_image_config_get_env(c, "C"), "x y");
	assert_string_equal(oci_image_config_get_env(c, "D"), "four five");
	assert_string_equal(oci_kvs_get(&c->labels, "a"), "b");
	assert_string_equal(oci_kvs_get(&c->labels, "c d"), "e");
	assert_string_equal(c->exposed_ports[0], "80/tcp");
	assert_string_equal(c->exposed_ports[1], "53/udp");
	assert_string_equal(c->exposed_ports[2], "8080/tcp");
	assert_null(c->exposed_ports[3]);
	assert_string_equal(c->volumes[0], "/data");
	assert_string_equal(c->volumes[1], "/logs");
	assert_string_equal(c->volumes[2], "/cache");
	assert_null(c->volumes[3]);
	assert_string_equal(c->user, "1000:1000");
	assert_string_equal(c->working_dir, "/srv/app");
	assert_string_equal(c->stop_signal, "2");
	assert_string_equal(c->on_build[0], "RUN true");
	assert_int_equal(oci_image_config_to_json(c, &json, NULL, NULL), 0);
	assert_non_null(
	    strstr(json, "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{},\"8080/tcp\":{}}"));
	free(json);
	oci_image_config_free(c);

	c = apply(ch2);
	assert_string_equal(c->cmd[0], "/bin/sh");
	assert_string_equal(c->cmd[2], "[not json");
	assert_non_null(c->entrypoint);
	assert_null(c->entrypoint[0]);
	assert_string_equal(c->stop_signal, "9");
	assert_string_equal(c->working_dir, "/rel");
	oci_image_config_free(c);

	c = apply(ch3);
	assert_string_equal(c->cmd[1], "-c");
	assert_null(c->cmd[2]);
	assert_string_equal(c->stop_signal, "36");
	oci_image_config_free(c);

	apply_bad("", "must be formatted as INSTRUCTION VALUE");
	apply_bad("CMD:x", "must be formatted as INSTRUCTION VALUE");
	apply_bad("RUN make", "unknown instruction RUN");
	apply_bad("USER", "USER needs a value");
	apply_bad("WORKDIR  ", "WORKDIR needs a value");
	apply_bad("ENV", "ENV needs KEY=VALUE");
	apply_bad("ENV A=1 =2", "\"=2\" is not KEY=VALUE");
	apply_bad("ENV A=\"1", "a quote is not closed");
	apply_bad("ENV \"\" x", "ENV needs a variable name");
	apply_bad("LABEL a", "LABEL must be formatted KEY=VALUE");
	apply_bad("LABEL", "LABEL needs KEY=VALUE");
	apply_bad("EXPOSE 0", "EXPOSE port must be a number from 1 to 65535");
	apply_bad("EXPOSE 65536", "EXPOSE port must be a number");
	apply_bad("EXPOSE http", "EXPOSE port must be a number");
	apply_bad("EXPOSE 80/icmp", "EXPOSE protocol must be tcp, udp or sctp");
	apply_bad("EXPOSE", "EXPOSE needs PORT");
	apply_bad("VOLUME", "VOLUME needs at least one path");
	apply_bad("VOLUME [\"\"]", "VOLUME paths must not be empty");
	apply_bad("STOPSIGNAL SIGNOPE", "invalid signal \"SIGNOPE\"");
	apply_bad("ONBUILD", "ONBUILD needs a value");
	apply_bad("LABEL x=\x81", "not valid UTF-8 text");
	apply_bad("ENV x=\xc0\xaf", "not valid UTF-8 text");	 /* overlong '/' */
	apply_bad("ENV x=\xed\xa0\x80", "not valid UTF-8 text"); /* surrogate */
	{
		oci_image_config *x = oci_image_config_new();
		berth_error e = {0};
		char *j = NULL;

		assert_int_equal(
		    oci_image_config_apply_change(x, "LABEL k=caf\xc3\xa9 \xf0\x9f\x90\xb3=1", &e),
		    0);
		assert_string_equal(oci_kvs_get(&x->labels, "k"), "caf\xc3\xa9");
		assert_int_equal(oci_kvs_set(&x->labels, "bad", "\xff"), 0);
		assert_int_equal(oci_image_config_to_json(x, &j, NULL, &e), -EINVAL);
		assert_string_equal(e.msg,
				    "write image config: config.Labels is not valid UTF-8 text");
		oci_image_config_free(x);
	}
	{
		oci_image_config *x = oci_image_config_new();

		assert_int_equal(oci_image_config_apply_change(x, NULL, NULL), -EINVAL);
		assert_int_equal(oci_image_config_apply_changes(x, NULL, NULL), 0);
		oci_image_config_free(x);
	}
}

static void test_signals(void **state)
{
	berth_error err = {0};

	(void)state;
	assert_int_equal(oci_signal_parse("SIGTERM", NULL), 15);
	assert_int_equal(oci_signal_parse("term", NULL), 15);
	assert_int_equal(oci_signal_parse("SigKill", NULL), 9);
	assert_int_equal(oci_signal_parse("10", NULL), 10);
	assert_int_equal(oci_signal_parse("64", NULL), 64);
	assert_int_equal(oci_signal_parse("RTMIN", NULL), 34);
	assert_int_equal(oci_signal_parse("SIGRTMAX-1", NULL), 63);
	assert_int_equal(oci_signal_parse("WINCH", NULL), 28);
	assert_int_equal(oci_signal_parse("0", &err), -EINVAL);
	assert_int_equal(oci_signal_parse("65", &err), -EINVAL);
	assert_int_equal(oci_signal_parse("RTMIN+31", &err), -EINVAL);
	assert_int_equal(oci_signal_parse("", &err), -EINVAL);
	assert_int_equal(oci_signal_parse(NULL, &err), -EINVAL);
	assert_int_equal(oci_signal_parse("-1", &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),	    cmocka_unit_test(test_parse_invalid),
	    cmocka_unit_test(test_build_roundtrip), cmocka_unit_test(test_changes),
	    cmocka_unit_test(test_signals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
