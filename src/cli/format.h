/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.h - the --format machinery every command shares: a Go text/template subset evaluated
 * against jansson values, podman's normalisation of user formats, "table" output through a
 * Go-tabwriter-compatible column aligner, and "json".
 *
 * Template language (what podman users write):
 *   {{.Field}} {{.A.B}} {{.}} {{$}} {{$.A}}   fields of objects; a missing key prints
 *                                             "<no value>", as for Go maps
 *   {{"text"}} {{`raw`}} {{42}} {{true}}      literals ("\t", "\n", "\"", "\\", "\xNN",
 *                                             "\uNNNN" escapes)
 *   {{if P}}..{{else if P}}..{{else}}..{{end}}
 *   {{range P}}..{{else}}..{{end}}            arrays, and objects in key order; also
 *   {{range $i, $e := P}} / {{range $e := P}} with variables
 *   {{with P}}..{{else}}..{{end}}  {{$x := P}}  {{- trim -}}  comments (slash-star in braces)
 *   P | f                                     pipelines; (P).Field
 *   functions: json index join lower upper title split truncate pad printf print println
 *              len eq ne lt le gt ge and or not
 * Values print as Go's %v would: strings as is, numbers, true/false, <nil> for null,
 * [a b] for arrays, map[k:v] for objects.
 */
#ifndef BERTH_CLI_FORMAT_H
#define BERTH_CLI_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

/* Limits on user templates: size of the text, nesting of blocks and parentheses. */
#define FMT_MAX_TEMPLATE (64 * 1024)
#define FMT_MAX_DEPTH	 64
/* Nested ranges multiply: a run is stopped after this many executed nodes. */
#define FMT_MAX_STEPS (5 * 1000 * 1000)

struct fmt_template;

/**
 * fmt_compile() - parse a Go template exactly as written (no podman normalisation)
 * Return: 0 and *@ret, or -EINVAL with "template: LINE:COL: what" in @err.
 */
int fmt_compile(const char *text, struct fmt_template **ret, berth_error *err);

/** fmt_template_free() - free @t (NULL is fine); returns NULL. */
struct fmt_template *fmt_template_free(struct fmt_template *t);
static inline void fmt_template_freep(struct fmt_template **t)
{
	fmt_template_free(*t);
}

/**
 * fmt_render() - execute @t with dot = @data into a malloc'd string
 * Return: 0 and *@ret, or -EINVAL ("template: ...: error calling index: ...") / -ENOMEM.
 */
int fmt_render(const struct fmt_template *t, json_t *data, char **ret, berth_error *err);

/** fmt_render_to() - as fmt_render(), written to @out. */
int fmt_render_to(FILE *out, const struct fmt_template *t, json_t *data, berth_error *err);

/**
 * fmt_value_string() - @v as Go's %v prints it (NULL → "<no value>")
 * Return: malloc'd string or NULL when out of memory.
 */
char *fmt_value_string(json_t *v);

/**
 * fmt_normalize() - podman's treatment of a user --format: a "table " prefix is dropped and
 * then literal \t, \n and spaces become tabs and newlines (spaces too, only for tables);
 * without it only \t and \n are replaced; a final newline is added when missing.
 * Return: malloc'd string or NULL when out of memory; *@ret_table tells whether it was a
 * table format.
 */
char *fmt_normalize(const char *format, bool *ret_table);

/**
 * fmt_header_name() - podman's default column header for a field: camel-case words,
 * upper-cased and joined with spaces ("CreatedAt" → "CREATED AT", "ImageID" → "IMAGE ID").
 */
char *fmt_header_name(const char *field);

/* ---- tabwriter ---- */

struct fmt_table;

/**
 * fmt_table_new() - a column aligner with Go tabwriter semantics (podman uses minwidth 12,
 * padding 2, pad char ' '): text is buffered; each tab-terminated cell of consecutive
 * lines forms a column as wide as its widest cell plus padding.
 */
struct fmt_table *fmt_table_new(size_t minwidth, size_t padding);
/** fmt_table_write() - buffer @len bytes of @s; -ENOMEM. */
int fmt_table_write(struct fmt_table *t, const char *s, size_t len);
/** fmt_table_flush() - write the aligned text to @out and empty the buffer. */
int fmt_table_flush(struct fmt_table *t, FILE *out);
/** fmt_table_free() - free @t (NULL is fine). */
void fmt_table_free(struct fmt_table *t);
static inline void fmt_table_freep(struct fmt_table **t)
{
	fmt_table_free(*t);
}

/* ---- what commands call ---- */

/** FMT_NO_HEADING: --noheading; no header row for table formats. */
#define FMT_NO_HEADING 0x1

/**
 * fmt_print() - print @items (a JSON array of objects) the way podman prints a listing
 * @format:	the user's --format, or NULL/"" / "table" for @default_format
 * @default_format: the command's own format, normally "table {{.A}}\t{{.B}}"
 * @headers:	NULL-terminated "Field=HEADER" overrides for the header row (e.g.
 *		"ID=CONTAINER ID"); other fields get fmt_header_name()
 * @flags:	FMT_* flags
 *
 * "json" prints @items as a pretty JSON array (4-space indent, as podman). A "table ..."
 * format is run over the items as {{range .}}FORMAT{{end}} after a header row, and aligned
 * with minwidth 12, padding 2. Any other format is run once per item, unless it ranges over
 * the list itself ({{range .}}...{{end}}), and printed unaligned.
 * Return: 0, or -EINVAL with the template error in @err.
 */
int fmt_print(FILE *out, const char *format, const char *default_format, json_t *items,
	      const char *const *headers, unsigned flags, berth_error *err);

/**
 * fmt_print_one() - print a single object (info, version, inspect of one thing) with the
 * user's --format: "json" pretty-prints it; otherwise the template (after fmt_normalize(),
 * without table handling) is run once with dot = @obj.
 * Return: 0, or -EINVAL with the template error in @err.
 */
int fmt_print_one(FILE *out, const char *format, json_t *obj, berth_error *err);

#endif
