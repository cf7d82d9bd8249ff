/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/image_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->cap ? b->cap * 2 : 128) + n;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Go's fmt %v of a JSON value: strings bare, arrays "[a b]", objects "map[k:v]". */
static void sb_value(struct sbuf *b, json_t *v)
{
	char num[64];
	size_t i;
	const char *k;
	json_t *x;

	switch (json_typeof(v)) {
	case JSON_STRING:
		sb_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		sb_add(b, num, strlen(num));
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		sb_add(b, num, strlen(num));
		break;
	case JSON_TRUE:
		sb_add(b, "true", 4);
		break;
	case JSON_FALSE:
		sb_add(b, "false", 5);
		break;
	case JSON_NULL:
		sb_add(b, "<nil>", 5);
		break;
	case JSON_ARRAY:
		sb_add(b, "[", 1);
		json_array_foreach(v, i, x) {
			if (i)
				sb_add(b, " ", 1);
			sb_value(b, x);
		}
		sb_add(b, "]", 1);
		break;
	case JSON_OBJECT:
		sb_add(b, "map[", 4);
		i = 0;
		json_object_foreach(v, k, x) {
			if (i++)
				sb_add(b, " ", 1);
			sb_add(b, k, strlen(k));
			sb_add(b, ":", 1);
			sb_value(b, x);
		}
		sb_add(b, "]", 1);
		break;
	}
}

/* Looks up ".A.B" in @obj; "." alone is @obj. Missing fields are NULL. */
static json_t *field(json_t *obj, const char *path, size_t len)
{
	json_t *cur = obj;
	size_t i = 0;

	if (len == 0 || path[0] != '.')
		return NULL;
	i = 1;
	while (i < len && cur) {
		size_t j = i;
		char key[128];
		while (j < len && path[j] != '.')
			j++;
		if (j - i >= sizeof(key))
			return NULL;
		memcpy(key, path + i, j - i);
		key[j - i] = '\0';
		if (!json_is_object(cur))
			return NULL;
		json_t *n = json_object_get(cur, key);
		if (!n) {
			/* podman's Go fields are case-sensitive, but accept "Id" for "ID" and back */
			const char *kk;
			json_t *vv;
			json_object_foreach(cur, kk, vv)
				if (strcasecmp(kk, key) == 0) {
					n = vv;
					break;
				}
		}
		cur = n;
		i = j + 1;
	}
	return cur;
}

char *ifmt_render(const char *tmpl, json_t *obj)
{
	struct sbuf b = { 0 };
	const char *p = tmpl;

	sb_add(&b, "", 0);
	while (*p) {
		const char *open = strstr(p, "{{");
		const char *close;
		if (!open) {
			sb_add(&b, p, strlen(p));
			break;
		}
		sb_add(&b, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		if (!close) {
			free(b.p);
			return NULL;
		}
		const char *a = open + 2, *e = close;
		if (*a == '-')
			a++;
		if (e > a && e[-1] == '-')
			e--;
		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		bool as_json = false;
		if ((size_t)(e - a) > 5 && strncmp(a, "json ", 5) == 0) {
			as_json = true;
			a += 5;
			while (a < e && *a == ' ')
				a++;
		}
		if (a == e || *a != '.') {
			free(b.p);
			return NULL;
		}
		json_t *v = (e - a == 1) ? obj : field(obj, a, (size_t)(e - a));
		if (as_json) {
			char *d = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("null");
			if (d)
				sb_add(&b, d, strlen(d));
			free(d);
		} else if (v)
			sb_value(&b, v);
		else
			sb_add(&b, "<no value>", 10);
		p = close + 2;
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* "{{.ID}}\t{{.Repository}}" → the header row "IMAGE ID\tREPOSITORY" via @headers. */
static char *header_for(const char *tmpl, const char *const *headers)
{
	struct sbuf b = { 0 };
	const char *p = tmpl;

	sb_add(&b, "", 0);
	while (*p) {
		const char *open = strstr(p, "{{"), *close;
		if (!open) {
			sb_add(&b, p, strlen(p));
			break;
		}
		sb_add(&b, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		if (!close)
			break;
		const char *a = open + 2, *e = close;
		while (a < e && (*a == ' ' || *a == '-'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '-'))
			e--;
		if (e - a > 5 && strncmp(a, "json ", 5) == 0)
			a += 5;
		if (a < e && *a == '.')
			a++;
		bool found = false;
		for (const char *const *h = headers; h && *h; h++) {
			const char *eq = strchr(*h, '=');
			if (eq && (size_t)(eq - *h) == (size_t)(e - a) && strncmp(*h, a, (size_t)(e - a)) == 0) {
				sb_add(&b, eq + 1, strlen(eq + 1));
				found = true;
				break;
			}
		}
		if (!found)
			for (const char *c = a; c < e; c++) {
				char u = (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : *c;
				sb_add(&b, &u, 1);
			}
		p = close + 2;
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Splits @line at tabs into a table row. */
static int add_tabbed(struct ifmt_table *t, char *line)
{
	const char *cells[64];
	size_t n = 0;
	char *save = line;

	for (char *c = line;; c++) {
		if (*c == '\t' || *c == '\0') {
			bool end = *c == '\0';
			*c = '\0';
			if (n < ELEMENTSOF(cells))
				cells[n++] = save;
			save = c + 1;
			if (end)
				break;
		}
	}
	return ifmt_table_add(t, cells, n);
}

static char *unescape_tabs(const char *s)
{
	char *r = malloc(strlen(s) + 1), *o = r;

	if (!r)
		return NULL;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 't') {
			*o++ = '\t';
			s++;
		} else if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return r;
}

int ifmt_print(const char *fmt, json_t *items, const char *const *headers, FILE *f)
{
	_cleanup_free_ char *tmpl = NULL;
	struct ifmt_table t = { 0 };
	bool table = false;
	size_t i;
	json_t *it;

	if (strcmp(fmt, "json") == 0) {
		char *d = json_dumps(items, JSON_INDENT(4) | JSON_ENCODE_ANY);
		if (!d)
			return -ENOMEM;
		fprintf(f, "%s\n", d);
		free(d);
		return 0;
	}
	if (strncmp(fmt, "table", 5) == 0 && (fmt[5] == ' ' || fmt[5] == '\0')) {
		table = true;
		fmt += 5;
		while (*fmt == ' ')
			fmt++;
	}
	tmpl = unescape_tabs(fmt);
	if (!tmpl)
		return -ENOMEM;
	if (table) {
		_cleanup_free_ char *h = header_for(tmpl, headers);
		if (!h || add_tabbed(&t, h) < 0) {
			ifmt_table_free(&t);
			return -ENOMEM;
		}
	}
	json_array_foreach(items, i, it) {
		_cleanup_free_ char *line = ifmt_render(tmpl, it);
		if (!line) {
			ifmt_table_free(&t);
			fprintf(stderr, "Error: template: invalid --format \"%s\": use json or a Go template such as {{.ID}}\n", fmt);
			return -EINVAL;
		}
		if (table || strchr(line, '\t')) {
			if (add_tabbed(&t, line) < 0) {
				ifmt_table_free(&t);
				return -ENOMEM;
			}
		} else
			fprintf(f, "%s\n", line);
	}
	ifmt_table_print(&t, f);
	return 0;
}
