/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_format.h - output helpers of the image and system commands: podman's table layout
 * (Go tabwriter with minwidth 12, padding 2), human sizes and durations, and thin wrappers
 * over the shared --format machinery (cli/format.h) that print their own errors.
 */
#ifndef BERTH_CLI_IMAGE_FORMAT_H
#define BERTH_CLI_IMAGE_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** struct ifmt_table - rows of cells printed with podman's column layout. */
struct ifmt_table {
	char ***rows;
	size_t n_rows;
	size_t n_cols;
};

/** ifmt_table_add() - append a row of @n cells (copied). */
int ifmt_table_add(struct ifmt_table *t, const char *const *cells, size_t n);
/** ifmt_table_print() - print and free. */
void ifmt_table_print(struct ifmt_table *t, FILE *f);
void ifmt_table_free(struct ifmt_table *t);

/** ifmt_size() - podman's human size: "1.99 MB", "512 B". */
void ifmt_size(int64_t bytes, char *buf, size_t size);
/** ifmt_since() - podman's "2 seconds ago" for a unix-ns time. */
void ifmt_since(int64_t ns, char *buf, size_t size);

/**
 * ifmt_print() - print @items (an array of objects) with the user's --format @fmt:
 * "json" → a JSON array; a Go template (optionally "table "-prefixed, then with a header built
 * from @headers, a NULL-terminated list of "Field=HEADER" pairs) → one line per item.
 * Return: 0, or -EINVAL with a message on stderr naming the bad template.
 */
int ifmt_print(const char *fmt, json_t *items, const char *const *headers, FILE *f);

/** ifmt_render() - expand template @tmpl against @obj into a malloc'd string (NULL: bad). */
char *ifmt_render(const char *tmpl, json_t *obj);

#endif
