/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/image_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/format.h"
#include "util/macro.h"

int ifmt_table_add(struct ifmt_table *t, const char *const *cells, size_t n)
{
	char ***nr = realloc(t->rows, (t->n_rows + 1) * sizeof(*nr));
	char **row;

	if (!nr)
		return -ENOMEM;
	t->rows = nr;
	row = calloc(n + 1, sizeof(char *));
	if (!row)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(row[i] = strdup(cells[i] ? cells[i] : ""))) {
			strv_free(row);
			return -ENOMEM;
		}
	t->rows[t->n_rows++] = row;
	if (n > t->n_cols)
		t->n_cols = n;
	return 0;
}

void ifmt_table_free(struct ifmt_table *t)
{
	for (size_t i = 0; i < t->n_rows; i++)
		strv_free(t->rows[i]);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* Display width of UTF-8 text: count code points, not bytes. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void ifmt_table_print(struct ifmt_table *t, FILE *f)
{
	size_t *width = calloc(t->n_cols + 1, sizeof(size_t));

	if (!width)
		return;
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; t->rows[r][c]; c++) {
			size_t w = text_width(t->rows[r][c]) + 2;
			if (w < 12)
				w = 12;
			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; t->rows[r][c]; c++) {
			bool last = !t->rows[r][c + 1];
			fputs(t->rows[r][c], f);
			if (!last)
				fprintf(f, "%*s", (int)(width[c] - text_width(t->rows[r][c])), "");
		}
		fputc('\n', f);
	}
	free(width);
	ifmt_table_free(t);
}

void ifmt_size(int64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < ELEMENTSOF(units)) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, size, "%.3g %s", v, units[u]);
}

void ifmt_since(int64_t ns, char *buf, size_t size)
{
	struct timespec now;
	double secs;
	long s, hours;

	clock_gettime(CLOCK_REALTIME, &now);
	secs = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - (double)ns / 1e9;
	if (secs < 0)
		secs = 0;
	s = (long)secs;
	hours = (long)(secs / 3600.0 + 0.5);
	if (secs < 1)
		snprintf(buf, size, "Less than a second ago");
	else if (s == 1)
		snprintf(buf, size, "1 second ago");
	else if (s < 60)
		snprintf(buf, size, "%ld seconds ago", s);
	else if (s / 60 == 1)
		snprintf(buf, size, "About a minute ago");
	else if (s / 60 < 60)
		snprintf(buf, size, "%ld minutes ago", s / 60);
	else if (hours == 1)
		snprintf(buf, size, "About an hour ago");
	else if (secs / 3600 < 48)
		snprintf(buf, size, "%ld hours ago", (long)(secs / 3600));
	else if (secs / 3600 < 24 * 7 * 2)
		snprintf(buf, size, "%ld days ago", (long)(secs / 3600 / 24));
	else if (secs / 3600 < 24 * 30 * 2)
		snprintf(buf, size, "%ld weeks ago", (long)(secs / 3600 / 24 / 7));
	else if (secs / 3600 < 24 * 365 * 2)
		snprintf(buf, size, "%ld months ago", (long)(secs / 3600 / 24 / 30));
	else
		snprintf(buf, size, "%ld years ago", (long)(secs / 3600 / 24 / 365));
}

char *ifmt_render(const char *tmpl, json_t *obj)
{
	struct fmt_template *t = NULL;
	char *out = NULL;

	if (fmt_compile(tmpl, &t, NULL) < 0)
		return NULL;
	if (fmt_render(t, obj, &out, NULL) < 0)
		out = NULL;
	fmt_template_free(t);
	return out;
}

int ifmt_print(const char *fmt, json_t *items, const char *const *headers, FILE *f)
{
	berth_error err = { 0 };
	int r = fmt_print(f, fmt, NULL, items, headers, 0, &err);

	if (r < 0) {
		fflush(f);
		fprintf(stderr, "Error: %s\n", err.msg[0] ? err.msg : "invalid --format");
	}
	return r;
}
