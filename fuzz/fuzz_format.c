/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_format.c - libFuzzer target for the --format template engine and the table writer:
 * any template must compile or fail with a "template: ..." message, render against a fixed
 * document or fail the same way, and never crash, leak or read out of bounds.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc[] =
    "[{\"ID\": \"abc\", \"N\": 3, \"F\": 1.5, \"B\": true, \"Z\": null, \"L\": [\"x\", \"y\"],"
    " \"M\": {\"k\": \"v\", \"n\": {\"d\": [1, 2]}}, \"E\": \"\", \"A\": []},"
    " {\"ID\": \"d\", \"N\": -1, \"L\": [], \"M\": {}}]";

static json_t *items;
static FILE *devnull;

/* The document and the output sink are made once: they are not what is being tested. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	items = json_loads(doc, 0, NULL);
	devnull = fopen("/dev/null", "we");
	if (!items || !devnull)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fmt_template *t = NULL;
	berth_error err = {0};
	char *text, *norm, *out = NULL;
	const char *p;
	int ranges = 0;
	bool table;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* nested ranges over the sample are exponential by design: keep runs short */
	for (p = strstr(text, "range"); p; p = strstr(p + 1, "range"))
		ranges++;
	if (ranges > 4) {
		free(text);
		return 0;
	}
	norm = fmt_normalize(text, &table);
	if (fmt_compile(norm ? norm : text, &t, &err) == 0) {
		if (fmt_render(t, items, &out, &err) == 0) {
			struct fmt_table *tw = fmt_table_new(12, 2);
			if (tw && fmt_table_write(tw, out, strlen(out)) == 0)
				fmt_table_flush(tw, devnull);
			fmt_table_free(tw);
			free(out);
		} else if (strncmp(err.msg, "template: ", 10) != 0 && err.code != -ENOMEM) {
			abort();
		}
	} else if (strncmp(err.msg, "template: ", 10) != 0) {
		abort();
	}
	fmt_template_free(t);
	free(norm);
	free(text);
	return 0;
}
