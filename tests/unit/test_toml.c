/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/macro.h"
#include "util/toml.h"

static toml_value *parse_ok(const char *doc)
{
	berth_error err = {0};
	toml_value *root = NULL;
	int r = toml_parse(doc, strlen(doc), "t.toml", &root, &err);

	if (r < 0)
		fail_msg("unexpected error for document:\n%s\n--> %s", doc, err.msg);
	return root;
}

/* Parses @doc expecting failure; checks that the message contains @want. */
static void parse_bad(const char *doc, const char *want)
{
	berth_error err = {0};
	toml_value *root = NULL;
	int r = toml_parse(doc, strlen(doc), "t.toml", &root, &err);

	if (r >= 0) {
		toml_free(root);
		fail_msg("document should be rejected:\n%s", doc);
	}
	assert_int_equal(r, -EINVAL);
	assert_null(root);
	if (strncmp(err.msg, "t.toml:", 7) != 0)
		fail_msg("message lacks FILE:LINE:COL: %s", err.msg);
	if (want && !strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\" for:\n%s", err.msg, want, doc);
}

static void test_basic_types(void **state)
{
	toml_value *t = parse_ok("# comment\n"
				 "title = \"TOML\" # trailing\n"
				 "n = 42\n"
				 "neg = -17\n"
				 "pos = +99\n"
				 "big = 9_223_372_036_854_775_807\n"
				 "small = -9223372036854775808\n"
				 "hex = 0xDEAD_beef\n"
				 "oct = 0o755\n"
				 "bin = 0b1101\n"
				 "f1 = 3.1415\n"
				 "f2 = -0.01\n"
				 "f3 = 5e+22\n"
				 "f4 = 6.626e-34\n"
				 "f5 = 224_617.445_991\n"
				 "inf1 = inf\n"
				 "inf2 = -inf\n"
				 "nan1 = +nan\n"
				 "yes = true\n"
				 "no = false\n"
				 "zero = 0\n"
				 "fz = -0.0\n");
	const char *s;
	int64_t i;
	double d;
	bool b;

	(void)state;
	assert_int_equal(toml_get_string(t, "title", &s), 0);
	assert_string_equal(s, "TOML");
	assert_int_equal(toml_get_int(t, "n", &i), 0);
	assert_int_equal(i, 42);
	assert_int_equal(toml_int(toml_get(t, "neg")), -17);
	assert_int_equal(toml_int(toml_get(t, "pos")), 99);
	assert_true(toml_int(toml_get(t, "big")) == INT64_MAX);
	assert_true(toml_int(toml_get(t, "small")) == INT64_MIN);
	assert_int_equal(toml_int(toml_get(t, "hex")), 0xdeadbeef);
	assert_int_equal(toml_int(toml_get(t, "oct")), 0755);
	assert_int_equal(toml_int(toml_get(t, "bin")), 13);
	assert_int_equal(toml_get_float(t, "f1", &d), 0);
	assert_true(d == 3.1415);
	assert_true(toml_float(toml_get(t, "f2")) == -0.01);
	assert_true(toml_float(toml_get(t, "f3")) == 5e22);
	assert_true(toml_float(toml_get(t, "f4")) == 6.626e-34);
	assert_true(toml_float(toml_get(t, "f5")) == 224617.445991);
	assert_true(isinf(toml_float(toml_get(t, "inf1"))) && toml_float(toml_get(t, "inf1")) > 0);
	assert_true(isinf(toml_float(toml_get(t, "inf2"))) && toml_float(toml_get(t, "inf2")) < 0);
	assert_true(isnan(toml_float(toml_get(t, "nan1"))));
	assert_int_equal(toml_get_bool(t, "yes", &b), 0);
	assert_true(b);
	assert_int_equal(toml_get_bool(t, "no", &b), 0);
	assert_false(b);
	assert_int_equal(toml_type_of(toml_get(t, "zero")), TOML_INTEGER);
	assert_int_equal(toml_type_of(toml_get(t, "fz")), TOML_FLOAT);
	/* type mismatches and missing keys */
	assert_int_equal(toml_get_string(t, "n", &s), -EINVAL);
	assert_int_equal(toml_get_int(t, "missing", &i), -ENOENT);
	assert_int_equal(toml_get_float(t, "n", &d), 0); /* integers read as floats */
	assert_true(d == 42);
	assert_int_equal(toml_get_bool(t, "title", &b), -EINVAL);
	assert_null(toml_get_table(t, "title"));
	assert_null(toml_get(NULL, "x"));
	assert_int_equal(toml_table_len(t), 21);
	assert_string_equal(toml_table_key(t, 0), "title");
	toml_free(t);
}

static void test_strings(void **state)
{
	toml_value *t =
	    parse_ok("a = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"\n"
		     "b = 'C:\\Users\\nodejs'\n"
		     "c = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
		     "d = \"\"\"The quick \\\n\n   brown \\\n   fox.\"\"\"\n"
		     "e = '''\nfirst\n   second\\n'''\n"
		     "f = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
		     "g = \"\"\"\"This,\" she said, \"is a quote.\"\"\"\"\n"
		     "h = ''''That,' she said, 'is a quote.''''\n"
		     "i = \"\"\n"
		     "j = \"caf\xc3\xa9\"\n"
		     "k = \"\"\"crlf\r\nline\"\"\"\n");

	(void)state;
	assert_string_equal(toml_string(toml_get(t, "a")),
			    "tab\there \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80");
	assert_string_equal(toml_string(toml_get(t, "b")), "C:\\Users\\nodejs");
	assert_string_equal(toml_string(toml_get(t, "c")), "Roses are red\nViolets are blue");
	assert_string_equal(toml_string(toml_get(t, "d")), "The quick brown fox.");
	assert_string_equal(toml_string(toml_get(t, "e")), "first\n   second\\n");
	assert_string_equal(toml_string(toml_get(t, "f")),
			    "Here are two quotation marks: \"\". Simple enough.");
	assert_string_equal(toml_string(toml_get(t, "g")), "\"This,\" she said, \"is a quote.\"");
	assert_string_equal(toml_string(toml_get(t, "h")), "'That,' she said, 'is a quote.'");
	assert_string_equal(toml_string(toml_get(t, "i")), "");
	assert_string_equal(toml_string(toml_get(t, "j")), "caf\xc3\xa9");
	assert_string_equal(toml_string(toml_get(t, "k")), "crlf\nline");
	toml_free(t);
}

static void test_keys_and_tables(void **state)
{
	toml_value *t = parse_ok("\xef\xbb\xbf"
				 "bare_key-1 = 1\n"
				 "\"quoted key\" = 2\n"
				 "'literal.key' = 3\n"
				 "\"\" = 4\n"
				 "1234 = 5\n"
				 "physical.color = \"orange\"\n"
				 "physical . shape = \"round\"\n"
				 "site.\"google.com\" = true\n"
				 "3.14159 = \"pi\"\n"
				 "\n"
				 "[dog.\"tater.man\"]\n"
				 "type.name = \"pug\"\n"
				 "[ j . \"ʞ\" . 'l' ]\n"
				 "x = 1\n"
				 "[x.y.z.w]\n"
				 "[x]\n"
				 "v = 1\n"
				 "[fruit]\n"
				 "apple.color = \"red\"\n"
				 "apple.taste.sweet = true\n"
				 "[fruit.apple.texture]\n"
				 "smooth = true\n");
	const toml_value *v;

	(void)state;
	assert_int_equal(toml_int(toml_get(t, "bare_key-1")), 1);
	assert_int_equal(toml_int(toml_get(t, "quoted key")), 2);
	assert_int_equal(toml_int(toml_get(t, "literal.key")), 3);
	assert_int_equal(toml_int(toml_get(t, "")), 4);
	assert_int_equal(toml_int(toml_get(t, "1234")), 5);
	v = toml_get_table(t, "physical");
	assert_non_null(v);
	assert_string_equal(toml_string(toml_get(v, "shape")), "round");
	assert_true(toml_bool(toml_get(toml_get_table(t, "site"), "google.com")));
	assert_string_equal(toml_string(toml_get(toml_get_table(t, "3"), "14159")), "pi");
	v = toml_get_table(toml_get_table(t, "dog"), "tater.man");
	assert_string_equal(toml_string(toml_get(toml_get_table(v, "type"), "name")), "pug");
	v = toml_get_table(toml_get_table(toml_get_table(t, "j"), "ʞ"), "l");
	assert_int_equal(toml_int(toml_get(v, "x")), 1);
	v = toml_get_table(t, "x");
	assert_int_equal(toml_int(toml_get(v, "v")), 1);
	assert_non_null(toml_get_table(toml_get_table(toml_get_table(v, "y"), "z"), "w"));
	v = toml_get_table(toml_get_table(t, "fruit"), "apple");
	assert_string_equal(toml_string(toml_get(v, "color")), "red");
	assert_true(toml_bool(toml_get(toml_get_table(v, "texture"), "smooth")));
	toml_free(t);
}

static void test_arrays_and_inline(void **state)
{
	toml_value *t = parse_ok("integers = [ 1, 2, 3 ]\n"
				 "colors = [ \"red\", 'yellow', \"\"\"green\"\"\" ]\n"
				 "nested = [ [ 1, 2 ], [\"a\", 'b', 'c'] ]\n"
				 "mixed = [ 0.1, 1, \"x\", { a = 1 }, [] ]\n"
				 "multi = [\n  1, # one\n  2,\n  # nothing\n  3,\n]\n"
				 "empty = []\n"
				 "name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
				 "point = {x=1,y=2}\n"
				 "animal = { type.name = \"pug\", type.size = 'small' }\n"
				 "nothing = {}\n"
				 "args = [\"a\", \"b\"]\n");
	const toml_value *a, *v;
	char **strv = NULL;

	(void)state;
	a = toml_get_array(t, "integers");
	assert_int_equal(toml_array_len(a), 3);
	assert_int_equal(toml_int(toml_array_at(a, 2)), 3);
	assert_null(toml_array_at(a, 3));
	a = toml_get_array(t, "nested");
	assert_string_equal(toml_string(toml_array_at(toml_array_at(a, 1), 2)), "c");
	a = toml_get_array(t, "mixed");
	assert_int_equal(toml_type_of(toml_array_at(a, 3)), TOML_TABLE);
	assert_int_equal(toml_array_len(toml_array_at(a, 4)), 0);
	assert_int_equal(toml_array_len(toml_get_array(t, "multi")), 3);
	assert_int_equal(toml_array_len(toml_get_array(t, "empty")), 0);
	v = toml_get_table(t, "name");
	assert_string_equal(toml_string(toml_get(v, "last")), "Preston-Werner");
	assert_int_equal(toml_int(toml_get(toml_get_table(t, "point"), "y")), 2);
	v = toml_get_table(toml_get_table(t, "animal"), "type");
	assert_string_equal(toml_string(toml_get(v, "size")), "small");
	assert_int_equal(toml_table_len(toml_get_table(t, "nothing")), 0);
	assert_int_equal(toml_get_strv(t, "args", &strv), 0);
	assert_string_equal(strv[0], "a");
	assert_string_equal(strv[1], "b");
	assert_null(strv[2]);
	free(strv[0]);
	free(strv[1]);
	free(strv);
	assert_int_equal(toml_get_strv(t, "integers", &strv), -EINVAL);
	assert_int_equal(toml_get_strv(t, "nope", &strv), -ENOENT);
	toml_free(t);
}

static void test_array_of_tables(void **state)
{
	toml_value *t = parse_ok("[[products]]\n"
				 "name = \"Hammer\"\n"
				 "sku = 738594937\n"
				 "[[products]]  # empty\n"
				 "[[products]]\n"
				 "name = \"Nail\"\n"
				 "[products.dims]\n"
				 "w = 1\n"
				 "[[products.parts]]\n"
				 "p = 1\n"
				 "[[products.parts]]\n"
				 "p = 2\n"
				 "[[fruits]]\n"
				 "name = \"apple\"\n"
				 "[fruits.physical]\n"
				 "color = \"red\"\n"
				 "[[fruits.varieties]]\n"
				 "name = \"red delicious\"\n");
	const toml_value *a, *last;

	(void)state;
	a = toml_get_array(t, "products");
	assert_int_equal(toml_array_len(a), 3);
	assert_string_equal(toml_string(toml_get(toml_array_at(a, 0), "name")), "Hammer");
	assert_int_equal(toml_table_len(toml_array_at(a, 1)), 0);
	last = toml_array_at(a, 2);
	assert_int_equal(toml_int(toml_get(toml_get_table(last, "dims"), "w")), 1);
	assert_int_equal(toml_array_len(toml_get_array(last, "parts")), 2);
	a = toml_get_array(t, "fruits");
	assert_string_equal(
	    toml_string(toml_get(toml_array_at(toml_get_array(toml_array_at(a, 0), "varieties"), 0),
				 "name")),
	    "red delicious");
	toml_free(t);
}

static void test_datetimes(void **state)
{
	toml_value *t = parse_ok("odt1 = 1979-05-27T07:32:00Z\n"
				 "odt2 = 1979-05-27T00:32:00-07:00\n"
				 "odt3 = 1979-05-27T00:32:00.999999+07:00\n"
				 "odt4 = 1979-05-27 07:32:00Z\n"
				 "ldt = 1979-05-27T07:32:00\n"
				 "ld = 1979-05-27\n"
				 "lt = 07:32:00\n"
				 "lt2 = 00:32:00.999999\n"
				 "leap = 2000-02-29\n"
				 "arr = [1979-05-27, 07:32:00]\n"
				 "tbl = {d = 1979-05-27 07:32:00}\n");

	(void)state;
	assert_int_equal(toml_type_of(toml_get(t, "odt1")), TOML_DATETIME);
	assert_string_equal(toml_string(toml_get(t, "odt4")), "1979-05-27 07:32:00Z");
	assert_string_equal(toml_string(toml_get(t, "ld")), "1979-05-27");
	assert_string_equal(toml_string(toml_get(t, "lt2")), "00:32:00.999999");
	assert_string_equal(toml_string(toml_get(toml_get_table(t, "tbl"), "d")),
			    "1979-05-27 07:32:00");
	toml_free(t);
}

static void test_invalid_documents(void **state)
{
	(void)state;
	/* keys and tables */
	parse_bad("a = 1\na = 2\n", "duplicate key \"a\"");
	parse_bad("a = 1\n\"a\" = 2\n", "duplicate key");
	parse_bad("[a]\nb = 1\n[a]\n", "defined more than once");
	parse_bad("[a.b]\n[a]\n[a]\n", "defined more than once");
	parse_bad("a.b = 1\n[a]\n", "defined more than once");
	parse_bad("[fruit]\napple.color = 'red'\n[fruit.apple]\n", "defined more than once");
	parse_bad("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", "a dotted key cannot add");
	parse_bad("[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1\n", "a dotted key cannot add");
	parse_bad("a = 1\n[a.b]\n", "already a integer");
	parse_bad("a = 1\na.b = 2\n", "already a integer");
	parse_bad("a = {b = 1}\n[a]\n", "defined more than once");
	parse_bad("a = {b = 1}\n[a.c]\n", "cannot be extended");
	parse_bad("a = {b = 1}\na.c = 2\n", "a dotted key cannot add");
	parse_bad("a = {b = 1, b = 2}\n", "duplicate key");
	parse_bad("a = {b = {c = 1}, b.d = 2}\n", "a dotted key cannot add");
	parse_bad("a = [1]\n[[a]]\n", "static array");
	parse_bad("[[a]]\n[a]\n", "array of tables");
	parse_bad("[a]\n[[a]]\n", "already defined");
	parse_bad("= 1\n", "expected a key");
	parse_bad("a b = 1\n", "expected '='");
	parse_bad("a\n", "expected '='");
	parse_bad("a =\n", "expected a value");
	parse_bad("a = 1 b = 2\n", "expected the end of the line");
	parse_bad("[a\nb = 1\n", "to close the table header");
	parse_bad("[[a]\n", "']]'");
	parse_bad("[ [a]]\n", "expected a key");
	parse_bad("[a.]\n", "expected a key");
	parse_bad("[]\n", "expected a key");
	parse_bad("a.\"b\nc\" = 1\n", "unterminated string");
	parse_bad("\"\"\"k\"\"\" = 1\n", NULL);
	parse_bad("[a] b = 1\n", "after the table header");
	/* strings */
	parse_bad("a = \"unterminated\n", "unterminated string");
	parse_bad("a = 'unterminated\n", "unterminated string");
	parse_bad("a = \"\"\"never closed\n", "unterminated string");
	parse_bad("a = \"bad \\q escape\"\n", "invalid escape");
	parse_bad("a = \"\\e\"\n", "invalid escape");
	parse_bad("a = \"\\u12\"\n", "hexadecimal digits");
	parse_bad("a = \"\\uD800\"\n", "not a Unicode scalar");
	parse_bad("a = \"\\U00110000\"\n", "not a Unicode scalar");
	parse_bad("a = \"\\u0000\"\n", "U+0000");
	parse_bad("a = \"ctl \x01 char\"\n", "control character 0x01");
	parse_bad("a = \"del \x7f\"\n", "control character 0x7f");
	parse_bad("a = '''x\ry'''\n", "control character 0x0d");
	parse_bad("a = \"\"\"x\"\"\"\"\"\"\n", "too many quotes");
	parse_bad("a = \"\\ \nb\"\n", "invalid escape");
	parse_bad("# comment \x07 bell\n", "not allowed in a comment");
	parse_bad("a = \"\xff\"\n", "invalid UTF-8");
	parse_bad("a = \"\xed\xa0\x80\"\n", "invalid UTF-8"); /* surrogate */
	parse_bad("a = \"\xc0\xaf\"\n", "invalid UTF-8");     /* overlong */
	parse_bad("a = bare\n", "strings need quotes");
	/* numbers */
	parse_bad("a = 01\n", "leading zeros");
	parse_bad("a = +0x10\n", "a sign is not allowed");
	parse_bad("a = 1__0\n", "invalid number");
	parse_bad("a = _1\n", "strings need quotes");
	parse_bad("a = 1_\n", "invalid number");
	parse_bad("a = 0x\n", "invalid number");
	parse_bad("a = 0xG\n", "invalid number");
	parse_bad("a = 0o8\n", "invalid number");
	parse_bad("a = 0b2\n", "invalid number");
	parse_bad("a = 9223372036854775808\n", "does not fit in 64 bits");
	parse_bad("a = -9223372036854775809\n", "does not fit in 64 bits");
	parse_bad("a = 0x8000000000000000\n", "does not fit");
	parse_bad("a = 1.\n", "invalid number");
	parse_bad("a = .5\n", "expected a value");
	parse_bad("a = 1e\n", "invalid number");
	parse_bad("a = 03.14\n", "invalid number");
	parse_bad("a = 1.2.3\n", "invalid number");
	parse_bad("a = 1e999\n", "out of range");
	parse_bad("a = infinity\n", "invalid number");
	parse_bad("a = True\n", "strings need quotes");
	parse_bad("a = 1 2\n", "expected the end of the line");
	/* dates */
	parse_bad("a = 1979-13-01\n", "invalid date");
	parse_bad("a = 1979-02-30\n", "invalid date");
	parse_bad("a = 1900-02-29\n", "invalid date");
	parse_bad("a = 1979-05-27T25:00:00\n", "invalid date");
	parse_bad("a = 1979-05-27T07:32\n", "invalid date");
	parse_bad("a = 07:32:00Z\n", "invalid date");
	parse_bad("a = 1979-05-27T07:32:00.\n", "invalid date");
	parse_bad("a = 1979-05-27T07:32:00+25:00\n", "invalid date");
	/* arrays and inline tables */
	parse_bad("a = [1, 2\n", "unterminated array");
	parse_bad("a = [1 2]\n", "expected ',' or ']'");
	parse_bad("a = [,]\n", "expected a value");
	parse_bad("a = [1,,2]\n", "expected a value");
	parse_bad("a = {b = 1,}\n", "trailing comma");
	parse_bad("a = {b = 1\n}\n", "on its line");
	parse_bad("a = {\nb = 1}\n", "expected a key");
	parse_bad("a = {b = 1 c = 2}\n", "expected ',' or '}'");
}

static void test_error_position(void **state)
{
	berth_error err = {0};
	toml_value *root = NULL;
	const char *doc = "ok = 1\n[t]\n  é = 1\n  x = \"a\" junk\n";

	(void)state;
	assert_int_equal(toml_parse("a = 1\nb = 2\nb = 3\n", 18, "dup.toml", &root, &err), -EINVAL);
	assert_string_equal(err.msg, "dup.toml:3:1: duplicate key \"b\"");
	/* the bare key "é" is invalid: column 3 on line 3 */
	assert_int_equal(toml_parse(doc, strlen(doc), NULL, &root, &err), -EINVAL);
	assert_string_equal(err.msg, "<input>:3:3: expected a key, found non-ASCII character");
	doc = "x = \"a\" junk\n";
	assert_int_equal(toml_parse(doc, strlen(doc), "f", &root, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "f:1:9: expected the end of the line after the value, found 'j'");
}

static void test_limits(void **state)
{
	berth_error err = {0};
	toml_value *root = NULL;
	char *doc;
	size_t n = 0;

	(void)state;
	/* nesting: 64 levels of arrays are fine, 65 are not */
	doc = malloc(1000);
	n = (size_t)sprintf(doc, "a = ");
	for (int i = 0; i < 63; i++)
		doc[n++] = '[';
	for (int i = 0; i < 63; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	root = parse_ok(doc);
	toml_free(root);
	n = (size_t)sprintf(doc, "a = ");
	for (int i = 0; i < 70; i++)
		doc[n++] = '[';
	doc[n] = '\0';
	parse_bad(doc, "nested deeper than 64");
	n = (size_t)sprintf(doc, "a = ");
	for (int i = 0; i < 70; i++)
		n += (size_t)sprintf(doc + n, "{a=");
	doc[n] = '\0';
	parse_bad(doc, "nested deeper than 64");
	n = 0;
	doc[n++] = '[';
	for (int i = 0; i < 70; i++)
		n += (size_t)sprintf(doc + n, "a.");
	n += (size_t)sprintf(doc + n, "b]");
	parse_bad(doc, "more than 64 parts");
	free(doc);

	/* size */
	doc = calloc(1, TOML_MAX_SIZE + 2);
	memset(doc, '#', TOML_MAX_SIZE + 1);
	assert_int_equal(toml_parse(doc, TOML_MAX_SIZE + 1, "big.toml", &root, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "big.toml: file is larger than the limit"));
	free(doc);
}

static void test_many_keys_hashed(void **state)
{
	char *doc = malloc(20 * 5000 + 1);
	size_t n = 0;
	toml_value *t;
	char key[16];

	(void)state;
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(doc + n, "k%d = %d\n", i, i);
	t = parse_ok(doc);
	assert_int_equal(toml_table_len(t), 5000);
	for (int i = 0; i < 5000; i += 7) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(toml_int(toml_get(t, key)), i);
	}
	assert_null(toml_get(t, "k5000"));
	toml_free(t);
	/* a duplicate late in a big table is still found */
	n += (size_t)sprintf(doc + n, "k17 = 1\n");
	parse_bad(doc, "duplicate key \"k17\"");
	free(doc);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/berth-test-toml-XXXXXX";
	int fd = mkstemp(path);
	berth_error err = {0};
	toml_value *root = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[x]\ny = 'z'\n", 12), 12);
	close(fd);
	assert_int_equal(toml_parse_file(path, &root, &err), 0);
	assert_string_equal(toml_string(toml_get(toml_get_table(root, "x"), "y")), "z");
	toml_free(root);
	root = NULL;
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "y = 1\n", 6), 6);
	close(fd);
	assert_int_equal(toml_parse_file(path, &root, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ":3:1: duplicate key \"y\""));
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);
	unlink(path);
	assert_int_equal(toml_parse_file(path, &root, &err), -ENOENT);
	assert_null(toml_free(NULL));
}

/* Every prefix of every sample, in a buffer of exactly that size (no NUL after it), so that
 * ASan catches any read past the end of the input. */
static void test_prefixes_exact_buffers(void **state)
{
	static const char *const samples[] = {
	    "a = +\nb = -inf\nc = nan\nd = 0x1F\ne = 1e5\nf = 1979-05-27 07:32:00Z\n",
	    "lu= n",
	    "x = t",
	    "x = 12:3",
	    "x = 1979-05-27T",
	    "s = \"\\u00\"",
	    "m = \"\"\"a\\\n  b\"\"\"",
	    "l = '''x''''",
	    "[[a.b]]\n[a . \"b\"]",
	    "t = {a = [1, {b = 2}], c.d = 'e'}",
	    "# c\r\n k = \"v\" # c",
	    "k = 0b",
	    "k = 0o",
	    "k = +",
	    "k = -",
	    "k = i",
	    "k = +i",
	    "k = 1_",
	    "k = \"\xe2\x82\"",
	};
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(samples); i++) {
		size_t n = strlen(samples[i]);
		for (size_t len = 0; len <= n; len++) {
			char *buf = malloc(len ? len : 1);
			toml_value *root = NULL;
			memcpy(buf, samples[i], len);
			if (toml_parse(buf, len, "p.toml", &root, NULL) == 0)
				toml_free(root);
			free(buf);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_types),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_keys_and_tables),
	    cmocka_unit_test(test_arrays_and_inline),
	    cmocka_unit_test(test_array_of_tables),
	    cmocka_unit_test(test_datetimes),
	    cmocka_unit_test(test_invalid_documents),
	    cmocka_unit_test(test_error_position),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_many_keys_hashed),
	    cmocka_unit_test(test_parse_file),
	    cmocka_unit_test(test_prefixes_exact_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
