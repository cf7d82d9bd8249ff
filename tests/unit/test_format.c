/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/format.h"
#include "util/macro.h"

static json_t *data(void)
{
	json_error_t jerr;
	json_t *j =
	    json_loads("{\"ID\": \"abc123\", \"Names\": [\"web\", \"front\"], \"Size\": 4096,"
		       " \"Ratio\": 1.5, \"Running\": true, \"Empty\": \"\", \"Nil\": null,"
		       " \"Config\": {\"Image\": \"busybox\", \"Env\": [\"A=1\"]},"
		       " \"Labels\": {\"b\": \"2\", \"a\": \"1\"}, \"Ports\": [],"
		       " \"Items\": [{\"N\": 1}, {\"N\": 2}, {\"N\": 3}]}",
		       0, &jerr);

	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

static void expect(const char *tmpl, const char *want)
{
	_cleanup_(fmt_template_freep) struct fmt_template *t = NULL;
	_cleanup_free_ char *out = NULL;
	berth_error err = {0};
	json_t *d = data();

	if (fmt_compile(tmpl, &t, &err) < 0)
		fail_msg("compile \"%s\": %s", tmpl, err.msg);
	if (fmt_render(t, d, &out, &err) < 0)
		fail_msg("render \"%s\": %s", tmpl, err.msg);
	json_decref(d);
	if (strcmp(out, want) != 0)
		fail_msg("template \"%s\"\n   gave \"%s\"\n  wanted \"%s\"", tmpl, out, want);
}

static void expect_error(const char *tmpl, const char *want)
{
	_cleanup_(fmt_template_freep) struct fmt_template *t = NULL;
	_cleanup_free_ char *out = NULL;
	berth_error err = {0};
	json_t *d = data();
	int r = fmt_compile(tmpl, &t, &err);

	if (r >= 0)
		r = fmt_render(t, d, &out, &err);
	json_decref(d);
	if (r >= 0)
		fail_msg("template \"%s\" should fail, gave \"%s\"", tmpl, out);
	assert_int_equal(r, -EINVAL);
	if (strncmp(err.msg, "template: ", 10) != 0 || !strstr(err.msg, want))
		fail_msg("template \"%s\": message \"%s\" lacks \"%s\"", tmpl, err.msg, want);
}

static void test_fields_and_values(void **state)
{
	(void)state;
	expect("{{.ID}}", "abc123");
	expect("id={{.ID}} img={{.Config.Image}}!", "id=abc123 img=busybox!");
	expect("{{.Size}} {{.Ratio}} {{.Running}}", "4096 1.5 true");
	expect("{{.Names}}", "[web front]");
	expect("{{.Labels}}", "map[a:1 b:2]");
	expect("{{.Nil}}", "<nil>");
	expect("{{.Missing}}", "<no value>");
	expect("{{.Missing.Deeper}}", "<no value>");
	expect("{{.Config}}", "map[Env:[A=1] Image:busybox]");
	expect("{{$.ID}}/{{$}}", "abc123/map[Config:map[Env:[A=1] Image:busybox] Empty: "
				 "ID:abc123 Items:[map[N:1] map[N:2] map[N:3]] Labels:map[a:1 "
				 "b:2] Names:[web front] Nil:<nil> Ports:[] Ratio:1.5 Running:true "
				 "Size:4096]");
	expect("{{\"\\t\"}}|{{\"a\\\"b\\\\\"}}|{{`raw\\t`}}|{{\"\\u00e9\\x41\"}}",
	       "\t|a\"b\\|raw\\t|\xc3\xa9"
	       "A");
	expect("{{42}} {{-3}} {{2.5}} {{true}} {{nil}}", "42 -3 2.5 true <nil>");
	expect("{{1e6}} {{1234567.0}} {{123456.0}} {{0.0001}} {{0.00001}}",
	       "1e+06 1.234567e+06 123456 0.0001 1e-05");
	expect("no actions at all", "no actions at all");
	expect("", "");
}

static void test_functions(void **state)
{
	(void)state;
	expect("{{json .Config}}", "{\"Image\":\"busybox\",\"Env\":[\"A=1\"]}");
	expect("{{json .Names}} {{json .ID}} {{json .Missing}}",
	       "[\"web\",\"front\"] \"abc123\" null");
	expect("{{index .Labels \"a\"}} {{index .Names 1}} {{index .Items 2 \"N\"}}", "1 front 3");
	expect("{{index .Labels \"zz\"}}", "<no value>");
	expect("{{join .Names \",\"}} {{join .Ports \",\"}}.", "web,front .");
	expect("{{lower \"ABC\"}} {{upper .ID}} {{title \"hello big world\"}}",
	       "abc ABC123 Hello Big World");
	expect(
	    "{{printf \"%s-%d-%5.2f|%-6s|%q|%x|%v|%t%%\" .ID .Size .Ratio \"ab\" \"q\" 255 .Names "
	    ".Running}}",
	    "abc123-4096- 1.50|ab    |\"q\"|ff|[web front]|true%");
	expect("{{printf \"%s\"}}|{{printf \"x\" 1}}", "%!s(MISSING)|x%!(EXTRA int=1)");
	expect("{{print \"a\" 1 2 \"b\"}}|{{println 1 \"x\"}}", "a1 2b|1 x\n");
	expect("{{len .Names}} {{len .ID}} {{len .Labels}}", "2 6 2");
	expect("{{eq .ID \"abc123\"}} {{eq .Size 4096}} {{eq .Size 1 2 4096}} {{ne .ID \"x\"}}",
	       "true true true true");
	expect("{{lt 1 2}} {{le 2 2}} {{gt 1.5 2}} {{ge \"b\" \"a\"}} {{lt 1 2.5}}",
	       "true true false true true");
	expect("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 false}} {{not .Empty}}",
	       "0 2 x false true");
	expect("{{split \"a:b:c\" \":\"}} {{truncate .ID 3}} {{truncate .ID 99}}",
	       "[a b c] abc abc123");
	expect("[{{pad .ID 1 2}}][{{pad .Empty 1 2}}]", "[ abc123  ][]");
	expect("{{.ID | upper}} {{\"+\" | join .Names}} {{\"%03d\" | printf \"%s\"}}",
	       "ABC123 web+front %03d");
	expect("{{.Size | printf \"%d bytes\"}}", "4096 bytes");
	expect("{{(index .Items 1).N}} {{len (index .Config \"Env\")}}", "2 1");
}

static void test_control_flow(void **state)
{
	(void)state;
	expect("{{if .Running}}up{{else}}down{{end}}", "up");
	expect("{{if .Empty}}x{{else if .Nil}}y{{else if .Size}}z{{else}}w{{end}}", "z");
	expect("{{if .Missing}}x{{end}}.", ".");
	expect("{{if and .Running (eq .Size 4096)}}both{{end}}", "both");
	expect("{{range .Names}}<{{.}}>{{end}}", "<web><front>");
	expect("{{range .Ports}}x{{else}}none{{end}}", "none");
	expect("{{range .Missing}}x{{else}}none{{end}}", "none");
	expect("{{range $i, $n := .Names}}{{$i}}={{$n}};{{end}}", "0=web;1=front;");
	expect("{{range $k, $v := .Labels}}{{$k}}:{{$v}},{{end}}", "a:1,b:2,");
	expect("{{range $v := .Labels}}{{$v}}{{end}}", "12");
	expect("{{range .Items}}{{.N}}{{$.ID}} {{end}}", "1abc123 2abc123 3abc123 ");
	expect("{{with .Config}}{{.Image}}{{end}}|{{with .Empty}}x{{else}}y{{end}}", "busybox|y");
	expect("{{$x := .ID}}{{$x}}{{$x = \"new\"}}-{{$x}}", "abc123-new");
	expect("{{$n := 0}}{{range .Items}}{{$n = .N}}{{end}}{{$n}}", "3");
	expect("{{range .Items}}{{if eq .N 2}}two{{else}}{{.N}}{{end}}{{end}}", "1two3");
	expect("a  {{- .ID -}}  b", "aabc123b");
	expect("a\n{{- /* comment */ -}}\nb{{/* another */}}c", "abc");
	expect("{{- .ID}} {{.Size -}}\n", "abc123 4096");
	expect("x {{-3}} y", "x -3 y");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{{.ID", "unclosed action");
	expect_error("{{nosuch .ID}}", "function \"nosuch\" not defined");
	expect_error("{{if .ID}}x", "has no {{end}}");
	expect_error("x{{end}}", "unexpected {{end}}");
	expect_error("{{else}}", "unexpected {{else}}");
	expect_error("{{range .Names}}{{else}}{{else}}{{end}}", "has no {{end}}");
	expect_error("{{}}", "missing value");
	expect_error("{{\"abc}}", "unterminated quoted string");
	expect_error("{{\"\\q\"}}", "unknown escape");
	expect_error("{{.ID.Len}}", "can't evaluate field Len in type string");
	expect_error("{{index .Names 5}}", "index out of range: 5");
	expect_error("{{index .ID 1}}", "can't index item of type string");
	expect_error("{{len .Size}}", "len of type int");
	expect_error("{{join .ID \",\"}}", "expected []string");
	expect_error("{{lower}}", "wrong number of args for lower");
	expect_error("{{.ID .Size}}", "can't give argument to non-function");
	expect_error("{{.ID | .Size}}", "cannot pipe a value into a non-function");
	expect_error("{{range .ID}}{{end}}", "range can't iterate over string");
	expect_error("{{$nope}}", "undefined variable \"$nope\"");
	expect_error("{{lt .ID 1}}", "incompatible types");
	expect_error("{{eq .ID 1}}", "incompatible types");
	expect_error("{{(.ID}}", "unclosed left paren");
	expect_error("{{template \"x\"}}", "not supported");
	expect_error("{{/* open", "unclosed comment");
	expect_error("line1\nline2 {{bad}}", "template: 2:9: function \"bad\"");
}

static void test_limits(void **state)
{
	_cleanup_(fmt_template_freep) struct fmt_template *t = NULL;
	_cleanup_free_ char *big = malloc(FMT_MAX_TEMPLATE + 2), *deep = malloc(4096);
	berth_error err = {0};
	size_t n = 0;

	(void)state;
	memset(big, 'x', FMT_MAX_TEMPLATE + 1);
	big[FMT_MAX_TEMPLATE + 1] = '\0';
	assert_int_equal(fmt_compile(big, &t, &err), -EFBIG);
	for (int i = 0; i < 70; i++)
		n += (size_t)sprintf(deep + n, "{{if 1}}");
	assert_int_equal(fmt_compile(deep, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	n = (size_t)sprintf(deep, "{{");
	for (int i = 0; i < 70; i++)
		n += (size_t)sprintf(deep + n, "(");
	sprintf(deep + n, "}}");
	assert_int_equal(fmt_compile(deep, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nested too deeply"));

	/* nested ranges multiply; execution stops after FMT_MAX_STEPS nodes */
	{
		json_t *arr = json_array();
		char *out = NULL;
		for (int i = 0; i < 100; i++)
			json_array_append_new(arr, json_integer(i));
		assert_int_equal(fmt_compile("{{range .}}{{range $}}{{range $}}{{range $}}x{{end}}"
					     "{{end}}{{end}}{{end}}",
					     &t, &err),
				 0);
		assert_int_equal(fmt_render(t, arr, &out, &err), -EINVAL);
		assert_null(out);
		assert_non_null(strstr(err.msg, "runs too long"));
		json_decref(arr);
	}
}

static void test_normalize_and_headers(void **state)
{
	bool table = false;
	char *s;

	(void)state;
	s = fmt_normalize("table {{.ID}} {{.Names}}\\t{{.Size}}", &table);
	assert_true(table);
	assert_string_equal(s, "{{.ID}}\t{{.Names}}\t{{.Size}}\n");
	free(s);
	s = fmt_normalize("{{.ID}} {{.Names}}\\n", &table);
	assert_false(table);
	assert_string_equal(s, "{{.ID}} {{.Names}}\n");
	free(s);
	s = fmt_normalize("{{.ID}}\\t{{.Names}}", &table);
	assert_string_equal(s, "{{.ID}}\t{{.Names}}\n");
	free(s);

	static const char *const cases[][2] = {
	    {"ID", "ID"},
	    {"CreatedAt", "CREATED AT"},
	    {"ImageID", "IMAGE ID"},
	    {"RWSize", "RW SIZE"},
	    {"Names", "NAMES"},
	    {"Port8080", "PORT 8080"},
	    {"HTTPServer", "HTTP SERVER"},
	    {"lower", "LOWER"},
	    {"", ""},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		s = fmt_header_name(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

/* Runs fmt_print into a string. */
static char *print_to_string(const char *format, const char *def, json_t *items,
			     const char *const *headers, unsigned flags, int want_r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	berth_error err = {0};
	int r;

	assert_non_null(f);
	r = fmt_print(f, format, def, items, headers, flags, &err);
	fclose(f);
	if (r != want_r)
		fail_msg("fmt_print(\"%s\") = %d: %s", format, r, err.msg);
	return buf;
}

static void test_print_like_podman(void **state)
{
	static const char *const headers[] = {"ID=container id", NULL};
	const char *def = "table {{.ID}}\\t{{.Image}}\\t{{.Names}}";
	json_t *items = json_loads("[{\"ID\": \"abc123\", \"Image\": \"docker.io/library/busybox:"
				   "latest\", \"Names\": \"web\", \"CreatedAt\": \"now\"},"
				   " {\"ID\": \"d\", \"Image\": \"i\", \"Names\": "
				   "\"database-server\", \"CreatedAt\": \"then\"}]",
				   0, NULL);
	json_t *empty = json_array();
	char *s;

	(void)state;
	s = print_to_string(NULL, def, items, headers, 0, 0);
	assert_string_equal(s, "CONTAINER ID  IMAGE                             NAMES\n"
			       "abc123        docker.io/library/busybox:latest  web\n"
			       "d             i                                 database-server\n");
	free(s);
	/* a user's table format: spaces separate columns; unknown fields get camel-case headers */
	s = print_to_string("table {{.Names}} {{.CreatedAt}}", def, items, headers, 0, 0);
	assert_string_equal(s, "NAMES            CREATED AT\n"
			       "web              now\n"
			       "database-server  then\n");
	free(s);
	s = print_to_string("table {{.Names}} {{.CreatedAt}}", def, items, headers, FMT_NO_HEADING,
			    0);
	assert_string_equal(s, "web              now\n"
			       "database-server  then\n");
	free(s);
	/* an empty listing still has its header */
	s = print_to_string("table", def, empty, headers, 0, 0);
	assert_string_equal(s, "CONTAINER ID  IMAGE       NAMES\n");
	free(s);
	/* plain formats: once per item, no alignment, escapes honoured */
	s = print_to_string("{{.ID}}\\t{{.Names}}", def, items, headers, 0, 0);
	assert_string_equal(s, "abc123\tweb\nd\tdatabase-server\n");
	free(s);
	s = print_to_string("{{range .}}{{.ID}},{{end}}", def, items, headers, 0, 0);
	assert_string_equal(s, "abc123,d,\n");
	free(s);
	s = print_to_string("json", def, empty, headers, 0, 0);
	assert_string_equal(s, "[]\n");
	free(s);
	s = print_to_string("json", def, items, headers, 0, 0);
	assert_non_null(strstr(s, "[\n    {\n        \"ID\": \"abc123\",\n"));
	free(s);
	s = print_to_string("{{.ID", def, items, headers, 0, -EINVAL);
	free(s);
	/* a header row that cannot be rendered is left out; the rows still print */
	{
		json_t *one = json_pack("[{s:[s]}]", "Names", "web");
		s = print_to_string("table {{index .Names 0}}", def, one, headers, 0, 0);
		assert_string_equal(s, "web\n");
		free(s);
		json_decref(one);
	}
	json_decref(items);
	json_decref(empty);
}

static void test_print_one(void **state)
{
	json_t *obj = json_pack("{s:{s:s,s:i}}", "Host", "Arch", "amd64", "Cpus", 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	berth_error err = {0};

	(void)state;
	assert_int_equal(fmt_print_one(f, "{{.Host.Arch}}\\t{{.Host.Cpus}}", obj, &err), 0);
	assert_int_equal(fmt_print_one(f, "json", obj, &err), 0);
	assert_int_equal(fmt_print_one(f, "{{.Host.Arch.X}}", obj, &err), -EINVAL);
	fclose(f);
	assert_string_equal(buf, "amd64\t2\n{\n    \"Host\": {\n        \"Arch\": \"amd64\",\n"
				 "        \"Cpus\": 2\n    }\n}\n");
	free(buf);
	json_decref(obj);
}

static void tab(const char *in, const char *want)
{
	struct fmt_table *t = fmt_table_new(12, 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(fmt_table_write(t, in, strlen(in)), 0);
	assert_int_equal(fmt_table_flush(t, f), 0);
	fclose(f);
	fmt_table_free(t);
	if (strcmp(buf, want) != 0)
		fail_msg("tabwriter on \"%s\"\n   gave \"%s\"\n  wanted \"%s\"", in, buf, want);
	free(buf);
}

static void test_tabwriter(void **state)
{
	(void)state;
	tab("", "");
	tab("plain\n", "plain\n");
	tab("a\tb\tc\n", "a           b           c\n");
	tab("a\tb\nlonger-than-twelve\tx\n", "a                   b\nlonger-than-twelve  x\n");
	/* a line without the column ends the block: columns below are measured afresh */
	tab("aaaaaaaaaaaaaaaa\tb\nno tabs here\nc\td\n",
	    "aaaaaaaaaaaaaaaa  b\nno tabs here\nc           d\n");
	/* trailing cells are not columns; empty cells are padded */
	tab("\tx\ny\t\n", "            x\ny           \n");
	/* widths count characters, not bytes */
	tab("\xc3\xa9\xc3\xa9\tz\nabc\tz\n", "\xc3\xa9\xc3\xa9          z\nabc         z\n");
	/* text after the last newline is kept */
	tab("a\tb\nc", "a           b\nc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields_and_values),
	    cmocka_unit_test(test_functions),
	    cmocka_unit_test(test_control_flow),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_normalize_and_headers),
	    cmocka_unit_test(test_print_like_podman),
	    cmocka_unit_test(test_tabwriter),
	    cmocka_unit_test(test_print_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
