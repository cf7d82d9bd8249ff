/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/containerfile.h"

static const char sample[] =
	"# syntax comment\n"
	"ARG BASE=busybox\n"
	"from --platform=linux/amd64 ${BASE} AS build\n"
	"\n"
	"RUN echo one && \\\n"
	"  # a comment inside a continuation\n"
	"    echo two\n"
	"COPY --chown=1:2 --from=build a b /dst/\n"
	"CMD [\"/bin/sh\", \"-c\", \"echo hi\"]\n"
	"ENTRYPOINT [not json\n"
	"ENV A=1 \\\n"
	"    B=2";

static void test_parse(void **state)
{
	struct cf_file f = { 0 };
	berth_error err = { 0 };

	(void)state;
	assert_int_equal(cf_parse(sample, strlen(sample), &f, &err), 0);
	assert_int_equal(f.n, 7);
	assert_string_equal(f.v[0].cmd, "ARG");
	assert_int_equal(f.v[0].line, 2);
	assert_string_equal(f.v[1].cmd, "FROM");
	assert_string_equal(f.v[1].args, "${BASE} AS build");
	assert_string_equal(cf_flag(&f.v[1], "platform"), "linux/amd64");
	assert_string_equal(f.v[2].cmd, "RUN");
	assert_int_equal(f.v[2].line, 5);
	assert_string_equal(f.v[2].args, "echo one && echo two");
	assert_null(f.v[2].exec);
	assert_string_equal(cf_flag(&f.v[3], "chown"), "1:2");
	assert_string_equal(cf_flag(&f.v[3], "from"), "build");
	assert_null(cf_flag(&f.v[3], "chmod"));
	assert_string_equal(f.v[3].args, "a b /dst/");
	assert_non_null(f.v[4].exec);
	assert_string_equal(f.v[4].exec[0], "/bin/sh");
	assert_string_equal(f.v[4].exec[2], "echo hi");
	assert_null(f.v[4].exec[3]);
	assert_null(f.v[5].exec); /* not JSON: the shell form */
	assert_string_equal(f.v[6].args, "A=1 B=2");
	cf_file_done(&f);
}

static void test_errors(void **state)
{
	struct cf_file f = { 0 };
	berth_error err = { 0 };
	const char bad[] = "FROM x\nFROB y\n";
	const char empty[] = "FROM x\nRUN\n";

	(void)state;
	assert_int_equal(cf_parse(bad, strlen(bad), &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_non_null(strstr(err.msg, "FROB"));
	assert_int_equal(cf_parse(empty, strlen(empty), &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "RUN requires"));
	assert_int_equal(cf_parse("RUN a\0b", 7, &f, &err), -EINVAL);
	assert_int_equal(cf_parse("", 0, &f, &err), 0);
	assert_int_equal(f.n, 0);
	cf_file_done(&f);
}

static void test_expand(void **state)
{
	char *vars[] = { "A=1", "B=two", "A=3", "EMPTY=", NULL };
	berth_error err = { 0 };
	char *out = NULL;

	(void)state;
	assert_int_equal(cf_expand("$A-${B}/$NOPE/${EMPTY:-def}/${B:+alt}/${NOPE:+x}\\$A", vars, &out, &err), 0);
	assert_string_equal(out, "3-two//def/alt/$A");
	free(out);
	assert_int_equal(cf_expand("${A", vars, &out, &err), -EINVAL);
	assert_int_equal(cf_expand("${A/x/y}", vars, &out, &err), -EINVAL);
	assert_int_equal(cf_expand("cost $5", vars, &out, &err), 0);
	assert_string_equal(out, "cost $5");
	free(out);
}

static void test_words(void **state)
{
	berth_error err = { 0 };
	char **w = NULL;

	(void)state;
	assert_int_equal(cf_words("  a \"b c\" 'd\\e' f\\ g ", &w, &err), 0);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b c");
	assert_string_equal(w[2], "d\\e");
	assert_string_equal(w[3], "f g");
	assert_null(w[4]);
	for (char **p = w; *p; p++)
		free(*p);
	free(w);
	assert_int_equal(cf_words("a \"b", &w, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
