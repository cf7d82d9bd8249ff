/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.c - a strict TOML 1.0 reader.
 *
 * Theory of operation: one recursive-descent pass over the bytes, after the whole document
 * has been checked to be valid UTF-8. Top-level lines are blank, comments, [table] /
 * [[array-of-tables]] headers or key/value pairs; values recurse for arrays and inline
 * tables with a depth bound.
 *
 * TOML's redefinition rules are kept with a few flags per table:
 *   TF_HEADER  the table was opened by its own [header]: a second [header] is an error
 *   TF_DOTTED  the table was created by a dotted key (a.b = 1): only more dotted keys of the
 *              same section may add to it, and no [header] may name it (sub-tables are fine)
 *   TF_SEALED  an inline table or a literal array: nothing may add to it later
 *   TF_AOT     an array created by [[header]]: headers descend into its last element
 * A table with none of these was created implicitly by a header such as [a.b] (for "a") and
 * may be defined once later by [a].
 */
#include "util/toml.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/fileio.h"
#include "util/macro.h"

enum {
	TF_HEADER = 1 << 0,
	TF_DOTTED = 1 << 1,
	TF_SEALED = 1 << 2,
	TF_AOT = 1 << 3,
};

struct toml_value {
	enum toml_type type;
	unsigned flags;
	unsigned depth;
	union {
		char *str; /* TOML_STRING, TOML_DATETIME */
		int64_t i;
		double f;
		bool b;
		struct {
			size_t n, cap;
			char **keys;
			toml_value **vals;
			uint32_t *index; /* slot = position + 1; NULL while small */
			size_t index_cap;
		} tab;
		struct {
			size_t n, cap;
			toml_value **items;
		} arr;
	};
};

/* Tables up to this size are searched linearly; larger ones get a hash index, so a hostile
 * document with many keys cannot make parsing quadratic. */
#define TAB_LINEAR_MAX 16

struct parser {
	const char *start, *p, *end;
	const char *filename;
	berth_error *err;
	toml_value *root;
};

struct buf {
	char *d;
	size_t n, cap;
};

/* ---- values ---- */

static toml_value *value_new(enum toml_type type, unsigned depth)
{
	toml_value *v = calloc(1, sizeof(*v));

	if (v) {
		v->type = type;
		v->depth = depth;
	}
	return v;
}

toml_value *toml_free(toml_value *v)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case TOML_TABLE:
		for (size_t i = 0; i < v->tab.n; i++) {
			free(v->tab.keys[i]);
			toml_free(v->tab.vals[i]);
		}
		free(v->tab.keys);
		free(v->tab.vals);
		free(v->tab.index);
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < v->arr.n; i++)
			toml_free(v->arr.items[i]);
		free(v->arr.items);
		break;
	case TOML_STRING:
	case TOML_DATETIME:
		free(v->str);
		break;
	default:
		break;
	}
	free(v);
	return NULL;
}

static uint32_t key_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int tab_reindex(toml_value *t, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < t->tab.n; i++) {
		size_t s = key_hash(t->tab.keys[i]) & (cap - 1);
		while (idx[s])
			s = (s + 1) & (cap - 1);
		idx[s] = (uint32_t)(i + 1);
	}
	free(t->tab.index);
	t->tab.index = idx;
	t->tab.index_cap = cap;
	return 0;
}

static toml_value *tab_find(const toml_value *t, const char *key)
{
	if (!t->tab.index) {
		for (size_t i = 0; i < t->tab.n; i++)
			if (strcmp(t->tab.keys[i], key) == 0)
				return t->tab.vals[i];
		return NULL;
	}
	for (size_t s = key_hash(key) & (t->tab.index_cap - 1); t->tab.index[s];
	     s = (s + 1) & (t->tab.index_cap - 1)) {
		size_t i = t->tab.index[s] - 1;
		if (strcmp(t->tab.keys[i], key) == 0)
			return t->tab.vals[i];
	}
	return NULL;
}

/* Adds @key (taken over) → @val (taken over) to @t; on failure frees neither. */
static int tab_add(toml_value *t, char *key, toml_value *val)
{
	if (t->tab.n == t->tab.cap) {
		size_t ncap = t->tab.cap ? t->tab.cap * 2 : 4;
		char **k = realloc(t->tab.keys, ncap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		t->tab.keys = k;
		toml_value **v = realloc(t->tab.vals, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->tab.vals = v;
		t->tab.cap = ncap;
	}
	t->tab.keys[t->tab.n] = key;
	t->tab.vals[t->tab.n] = val;
	t->tab.n++;
	if (t->tab.n > TAB_LINEAR_MAX && t->tab.n * 2 > t->tab.index_cap) {
		if (tab_reindex(t, t->tab.index_cap ? t->tab.index_cap * 2 : 64) < 0) {
			t->tab.n--;
			return -ENOMEM;
		}
	} else if (t->tab.index) {
		size_t s = key_hash(key) & (t->tab.index_cap - 1);
		while (t->tab.index[s])
			s = (s + 1) & (t->tab.index_cap - 1);
		t->tab.index[s] = (uint32_t)t->tab.n;
	}
	return 0;
}

static int arr_add(toml_value *a, toml_value *item)
{
	if (a->arr.n == a->arr.cap) {
		size_t ncap = a->arr.cap ? a->arr.cap * 2 : 4;
		toml_value **v = realloc(a->arr.items, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->arr.items = v;
		a->arr.cap = ncap;
	}
	a->arr.items[a->arr.n++] = item;
	return 0;
}

/* ---- errors ---- */

static int perr_at(struct parser *ps, const char *at, const char *fmt, ...) _printf_(3, 4);
static int perr_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	char what[512];
	unsigned line = 1, col = 1;
	va_list ap;

	if (at > ps->end)
		at = ps->end;
	for (const char *q = ps->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*q & 0xc0) != 0x80) {
			col++; /* count characters, not UTF-8 continuation bytes */
		}
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return berr(ps->err, EINVAL, "%s:%u:%u: %s", ps->filename, line, col, what);
}

static int perr_nomem(struct parser *ps)
{
	return berr(ps->err, ENOMEM, "%s: out of memory", ps->filename);
}

/* A printable description of the byte at @q for messages. */
static const char *describe(struct parser *ps, const char *q, char *buf, size_t size)
{
	unsigned char c;

	if (q >= ps->end)
		return "end of file";
	c = (unsigned char)*q;
	if (c == '\n' || (c == '\r' && q + 1 < ps->end && q[1] == '\n'))
		return "end of line";
	if (c < 0x20 || c == 0x7f)
		snprintf(buf, size, "control character 0x%02x", c);
	else if (c >= 0x80)
		snprintf(buf, size, "non-ASCII character");
	else
		snprintf(buf, size, "'%c'", c);
	return buf;
}

#define DESCRIBE(ps, q) describe((ps), (q), (char[48]){0}, 48)

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int check_utf8(struct parser *ps)
{
	const unsigned char *s = (const unsigned char *)ps->start;
	size_t n = (size_t)(ps->end - ps->start);

	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);
		if (!l)
			return perr_at(ps, ps->start + i,
				       "invalid UTF-8; TOML files must be UTF-8");
		i += l;
	}
	return 0;
}

/* ---- buffers ---- */

static int buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->n < n + 1) {
		size_t ncap = b->cap ? b->cap : 32;
		while (ncap - b->n < n + 1)
			ncap *= 2;
		char *d = realloc(b->d, ncap);
		if (!d)
			return -ENOMEM;
		b->d = d;
		b->cap = ncap;
	}
	memcpy(b->d + b->n, s, n);
	b->n += n;
	b->d[b->n] = '\0';
	return 0;
}

static int buf_putc(struct buf *b, char c)
{
	return buf_put(b, &c, 1);
}

static char *buf_take(struct buf *b)
{
	if (!b->d && buf_put(b, "", 0) < 0)
		return NULL;
	char *d = b->d;
	b->d = NULL;
	b->n = b->cap = 0;
	return d;
}

static void buf_done(struct buf *b)
{
	free(b->d);
}

/* ---- lexing helpers ---- */

static bool at_eof(struct parser *ps)
{
	return ps->p >= ps->end;
}

static bool peek_is(struct parser *ps, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

static bool at_newline(struct parser *ps)
{
	return peek_is(ps, "\n") || peek_is(ps, "\r\n");
}

static void skip_newline(struct parser *ps)
{
	ps->p += *ps->p == '\r' ? 2 : 1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Skips a comment if one starts here. */
static int skip_comment(struct parser *ps)
{
	if (at_eof(ps) || *ps->p != '#')
		return 0;
	/* at_newline() by hand: comments are most of containers.conf, read by every command */
	for (; ps->p < ps->end; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '\n' || (c == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n'))
			break;
		if (is_control(c))
			return perr_at(ps, ps->p, "%s is not allowed in a comment",
				       DESCRIBE(ps, ps->p));
	}
	return 0;
}

/* Whitespace, then an optional comment, then a newline or the end of the document. */
static int expect_eol(struct parser *ps, const char *after)
{
	int r;

	skip_ws(ps);
	r = skip_comment(ps);
	if (r < 0)
		return r;
	if (at_eof(ps))
		return 0;
	if (!at_newline(ps))
		return perr_at(ps, ps->p, "expected the end of the line after %s, found %s", after,
			       DESCRIBE(ps, ps->p));
	skip_newline(ps);
	return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
static int skip_ws_nl(struct parser *ps)
{
	for (;;) {
		int r;

		skip_ws(ps);
		r = skip_comment(ps);
		if (r < 0)
			return r;
		if (at_eof(ps) || !at_newline(ps))
			return 0;
		skip_newline(ps);
	}
}

/* ---- strings ---- */


static int put_utf8(struct buf *b, uint32_t cp)
{
	char out[4];

	return buf_put(b, out, utf8_put_codepoint(cp, out));
}

/* An escape sequence at ps->p (just after the backslash). */
static int parse_escape(struct parser *ps, struct buf *b)
{
	const char *at = ps->p - 1;
	char c;
	int digits;
	uint32_t cp = 0;

	if (at_eof(ps))
		return perr_at(ps, at, "unterminated escape sequence");
	c = *ps->p++;
	switch (c) {
	case 'b':
		return buf_putc(b, '\b');
	case 't':
		return buf_putc(b, '\t');
	case 'n':
		return buf_putc(b, '\n');
	case 'f':
		return buf_putc(b, '\f');
	case 'r':
		return buf_putc(b, '\r');
	case '"':
		return buf_putc(b, '"');
	case '\\':
		return buf_putc(b, '\\');
	case 'u':
		digits = 4;
		break;
	case 'U':
		digits = 8;
		break;
	default:
		return perr_at(ps, at, "invalid escape sequence \\%s", DESCRIBE(ps, ps->p - 1));
	}
	for (int i = 0; i < digits; i++) {
		int h = ps->p < ps->end ? hex_digit_value(*ps->p) : -1;
		if (h < 0)
			return perr_at(ps, at, "\\%c needs exactly %d hexadecimal digits", c,
				       digits);
		cp = (cp << 4) | (uint32_t)h;
		ps->p++;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return perr_at(ps, at, "\\%c%0*X is not a Unicode scalar value", c, digits, cp);
	if (cp == 0)
		return perr_at(ps, at, "strings containing U+0000 are not supported");
	return put_utf8(b, cp);
}

/*
 * A string of any of the four kinds starting at ps->p; @allow_multi is false for keys.
 * The result is malloc'd in *ret.
 */
static int parse_string(struct parser *ps, bool allow_multi, char **ret)
{
	const char *open = ps->p;
	char q = *ps->p;
	bool multi = false, literal = q == '\'';
	struct buf b = {0};
	int r = 0;

	if (allow_multi && peek_is(ps, q == '"' ? "\"\"\"" : "'''")) {
		multi = true;
		ps->p += 3;
		if (!at_eof(ps) && at_newline(ps)) /* a newline right after the opener is trimmed */
			skip_newline(ps);
	} else {
		ps->p++;
	}
	for (;;) {
		unsigned char c;

		if (at_eof(ps)) {
			r = perr_at(ps, open, "unterminated string");
			goto out;
		}
		c = (unsigned char)*ps->p;
		if (c == (unsigned char)q) {
			if (!multi) {
				ps->p++;
				break;
			}
			size_t n = 0;
			while (ps->p + n < ps->end && ps->p[n] == q)
				n++;
			if (n >= 3) {
				if (n > 5) {
					r = perr_at(ps, ps->p + 5,
						    "too many quotes at the end of a multi-line "
						    "string");
					goto out;
				}
				r = buf_put(&b, ps->p, n - 3);
				ps->p += n;
				if (r < 0)
					goto nomem;
				break;
			}
			r = buf_put(&b, ps->p, n);
			ps->p += n;
			if (r < 0)
				goto nomem;
			continue;
		}
		if (c == '\\' && !literal) {
			ps->p++;
			if (multi) {
				/* A line-ending backslash eats all whitespace up to the next
				 * non-blank character. */
				const char *s = ps->p;
				while (s < ps->end && (*s == ' ' || *s == '\t'))
					s++;
				if (s < ps->end && (*s == '\n' || (*s == '\r' && s + 1 < ps->end &&
								   s[1] == '\n'))) {
					ps->p = s;
					while (!at_eof(ps) && (*ps->p == ' ' || *ps->p == '\t' ||
							       at_newline(ps))) {
						if (at_newline(ps))
							skip_newline(ps);
						else
							ps->p++;
					}
					continue;
				}
			}
			r = parse_escape(ps, &b);
			if (r == -ENOMEM)
				goto nomem;
			if (r < 0)
				goto out;
			continue;
		}
		if (at_newline(ps)) {
			if (!multi) {
				r = perr_at(ps, open,
					    "unterminated string (strings end on their "
					    "own line; use \"\"\" for multi-line strings)");
				goto out;
			}
			skip_newline(ps);
			if (buf_putc(&b, '\n') < 0)
				goto nomem;
			continue;
		}
		if (is_control(c)) {
			r = perr_at(ps, ps->p, "%s is not allowed in a string; use an escape",
				    DESCRIBE(ps, ps->p));
			goto out;
		}
		if (buf_putc(&b, (char)c) < 0)
			goto nomem;
		ps->p++;
	}
	*ret = buf_take(&b);
	if (!*ret)
		goto nomem;
	return 0;
nomem:
	r = perr_nomem(ps);
out:
	buf_done(&b);
	return r;
}

/* ---- keys ---- */

struct key {
	char *parts[TOML_MAX_DEPTH];
	const char *pos[TOML_MAX_DEPTH];
	size_t n;
};

static void key_done(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->parts[i]);
	k->n = 0;
}

static bool is_bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A simple or dotted key at ps->p; leading whitespace already skipped. */
static int parse_key(struct parser *ps, struct key *k)
{
	int r;

	for (;;) {
		char *part = NULL;

		skip_ws(ps);
		if (k->n == TOML_MAX_DEPTH)
			return perr_at(ps, ps->p, "key has more than %d parts", TOML_MAX_DEPTH);
		k->pos[k->n] = ps->p;
		if (!at_eof(ps) && (*ps->p == '"' || *ps->p == '\'')) {
			r = parse_string(ps, false, &part);
			if (r < 0)
				return r;
		} else {
			const char *s = ps->p;
			while (!at_eof(ps) && is_bare(*ps->p))
				ps->p++;
			if (ps->p == s)
				return perr_at(ps, ps->p, "expected a key, found %s",
					       DESCRIBE(ps, ps->p));
			part = strndup(s, (size_t)(ps->p - s));
			if (!part)
				return perr_nomem(ps);
		}
		k->parts[k->n++] = part;
		skip_ws(ps);
		if (at_eof(ps) || *ps->p != '.')
			return 0;
		ps->p++;
	}
}

/* ---- scalars ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Checks "digit (_? digit)*" in [s, e) for @base; returns false on a misplaced '_'. */
static bool digits_ok(const char *s, const char *e, int base)
{
	bool prev_digit = false;

	if (s == e)
		return false;
	for (; s < e; s++) {
		if (*s == '_') {
			if (!prev_digit)
				return false;
			prev_digit = false;
			continue;
		}
		int h = hex_digit_value(*s);
		if (h < 0 || h >= base)
			return false;
		prev_digit = true;
	}
	return prev_digit;
}

static int parse_integer(struct parser *ps, const char *tok, size_t len, int64_t *ret)
{
	const char *s = tok, *e = tok + len;
	bool neg = false;
	int base = 10;
	uint64_t v = 0, limit;

	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		if (s != tok)
			return perr_at(ps, tok,
				       "a sign is not allowed on hex, octal or binary "
				       "integers");
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		s += 2;
	} else if (e - s > 1 && s[0] == '0') {
		return perr_at(ps, tok, "leading zeros are not allowed in integer %.*s", (int)len,
			       tok);
	}
	if (!digits_ok(s, e, base))
		return perr_at(ps, tok, "invalid number %.*s", (int)len, tok);
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < e; s++) {
		if (*s == '_')
			continue;
		uint64_t d = (uint64_t)hex_digit_value(*s);
		if (v > (limit - d) / (uint64_t)base)
			return perr_at(ps, tok, "integer %.*s does not fit in 64 bits", (int)len,
				       tok);
		v = v * (uint64_t)base + d;
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int parse_float(struct parser *ps, const char *tok, size_t len, double *ret)
{
	const char *s = tok, *e = tok + len, *q;
	char clean[128];
	size_t n = 0;
	char *endp;
	double d;

	if (*s == '+' || *s == '-')
		s++;
	if ((size_t)(e - s) == 3 && (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0)) {
		d = s[0] == 'i' ? INFINITY : NAN;
		*ret = tok[0] == '-' ? -d : d;
		return 0;
	}
	/* integer part */
	for (q = s; q < e && (is_digit(*q) || *q == '_'); q++)
		;
	if (!digits_ok(s, q, 10) || (q - s > 1 && s[0] == '0'))
		goto bad;
	if (q < e && *q == '.') {
		const char *f = ++q;
		while (q < e && (is_digit(*q) || *q == '_'))
			q++;
		if (!digits_ok(f, q, 10))
			goto bad;
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		const char *x = q;
		while (q < e && (is_digit(*q) || *q == '_'))
			q++;
		if (!digits_ok(x, q, 10))
			goto bad;
	}
	if (q != e)
		goto bad;
	if (len >= sizeof(clean))
		return perr_at(ps, tok, "float %.20s... is too long", tok);
	for (q = tok; q < e; q++)
		if (*q != '_')
			clean[n++] = *q;
	clean[n] = '\0';
	errno = 0;
	d = strtod(clean, &endp);
	if (*endp)
		goto bad;
	if (errno == ERANGE && isinf(d))
		return perr_at(ps, tok, "float %.*s is out of range", (int)len, tok);
	*ret = d;
	return 0;
bad:
	return perr_at(ps, tok, "invalid number %.*s", (int)len, tok);
}

static bool take_digits(const char **s, const char *e, int n, int *ret)
{
	int v = 0;

	if (e - *s < n)
		return false;
	for (int i = 0; i < n; i++) {
		if (!is_digit((*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*ret = v;
	return true;
}

static bool take_char(const char **s, const char *e, char c)
{
	if (*s >= e || **s != c)
		return false;
	(*s)++;
	return true;
}

static bool time_ok(const char **s, const char *e)
{
	int h, m, sec;

	if (!take_digits(s, e, 2, &h) || !take_char(s, e, ':') || !take_digits(s, e, 2, &m) ||
	    !take_char(s, e, ':') || !take_digits(s, e, 2, &sec))
		return false;
	if (h > 23 || m > 59 || sec > 60)
		return false;
	if (take_char(s, e, '.')) {
		const char *f = *s;
		while (*s < e && is_digit(**s))
			(*s)++;
		if (*s == f)
			return false;
	}
	return true;
}

static bool datetime_ok(const char *s, const char *e)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, m;

	if (e - s >= 3 && s[2] == ':')
		return time_ok(&s, e) && s == e; /* local time */
	if (!take_digits(&s, e, 4, &y) || !take_char(&s, e, '-') || !take_digits(&s, e, 2, &mo) ||
	    !take_char(&s, e, '-') || !take_digits(&s, e, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	if (s == e)
		return true; /* local date */
	if (*s != 'T' && *s != 't' && *s != ' ')
		return false;
	s++;
	if (!time_ok(&s, e))
		return false;
	if (s == e)
		return true; /* local date-time */
	if (*s == 'Z' || *s == 'z')
		return s + 1 == e;
	if (*s != '+' && *s != '-')
		return false;
	s++;
	if (!take_digits(&s, e, 2, &h) || !take_char(&s, e, ':') || !take_digits(&s, e, 2, &m))
		return false;
	return h <= 23 && m <= 59 && s == e;
}

static bool is_token_char(char c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* Booleans, numbers, dates and times: one token of [A-Za-z0-9_+-.:]. */
static int parse_scalar(struct parser *ps, unsigned depth, toml_value **ret)
{
	const char *tok = ps->p;
	size_t len;
	toml_value *v;
	int r;

	while (!at_eof(ps) && is_token_char(*ps->p))
		ps->p++;
	len = (size_t)(ps->p - tok);
	/* "1979-05-27 07:32:00": a date, one space, and a time make one date-time. */
	if (len == 10 && tok[4] == '-' && ps->end - ps->p >= 4 && ps->p[0] == ' ' &&
	    is_digit(ps->p[1]) && is_digit(ps->p[2]) && ps->p[3] == ':') {
		ps->p++;
		while (!at_eof(ps) && is_token_char(*ps->p))
			ps->p++;
		len = (size_t)(ps->p - tok);
	}
	if (len == 0)
		return perr_at(ps, tok, "expected a value, found %s", DESCRIBE(ps, tok));

	if ((len == 4 && memcmp(tok, "true", 4) == 0) ||
	    (len == 5 && memcmp(tok, "false", 5) == 0)) {
		v = value_new(TOML_BOOL, depth);
		if (!v)
			return perr_nomem(ps);
		v->b = tok[0] == 't';
	} else if ((len >= 5 && tok[4] == '-' && is_digit(tok[0])) ||
		   (len >= 3 && tok[2] == ':' && is_digit(tok[0]))) {
		if (!datetime_ok(tok, tok + len))
			return perr_at(ps, tok, "invalid date or time %.*s", (int)len, tok);
		v = value_new(TOML_DATETIME, depth);
		if (!v || !(v->str = strndup(tok, len))) {
			toml_free(v);
			return perr_nomem(ps);
		}
	} else {
		const char *s = tok + (tok[0] == '+' || tok[0] == '-');
		size_t rest = len - (size_t)(s - tok);
		/* the token is not NUL-terminated: compare within its length */
		bool special = rest >= 3 && (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0);
		bool is_float =
		    !(rest > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) &&
		    (memchr(tok, '.', len) || memchr(tok, 'e', len) || memchr(tok, 'E', len) ||
		     special);
		if (rest == 0 || (!is_digit(*s) && !special))
			return perr_at(ps, tok, "expected a value, found %.*s%s", (int)len, tok,
				       rest > 0 && is_bare(*s) ? " (strings need quotes)" : "");
		v = value_new(is_float ? TOML_FLOAT : TOML_INTEGER, depth);
		if (!v)
			return perr_nomem(ps);
		r = is_float ? parse_float(ps, tok, len, &v->f)
			     : parse_integer(ps, tok, len, &v->i);
		if (r < 0) {
			toml_free(v);
			return r;
		}
	}
	*ret = v;
	return 0;
}

/* ---- values, arrays, inline tables ---- */

static int parse_value(struct parser *ps, unsigned depth, toml_value **ret);
static int parse_keyval(struct parser *ps, toml_value *table);

static int check_depth(struct parser *ps, const char *at, unsigned depth)
{
	if (depth > TOML_MAX_DEPTH)
		return perr_at(ps, at, "values are nested deeper than %d levels", TOML_MAX_DEPTH);
	return 0;
}

static int parse_array(struct parser *ps, unsigned depth, toml_value **ret)
{
	const char *open = ps->p;
	_cleanup_(toml_freep) toml_value *a = NULL;
	int r;

	r = check_depth(ps, open, depth);
	if (r < 0)
		return r;
	a = value_new(TOML_ARRAY, depth);
	if (!a)
		return perr_nomem(ps);
	ps->p++;
	for (;;) {
		toml_value *item = NULL;

		r = skip_ws_nl(ps);
		if (r < 0)
			return r;
		if (at_eof(ps))
			return perr_at(ps, open, "unterminated array");
		if (*ps->p == ']')
			break;
		r = parse_value(ps, depth + 1, &item);
		if (r < 0)
			return r;
		if (arr_add(a, item) < 0) {
			toml_free(item);
			return perr_nomem(ps);
		}
		r = skip_ws_nl(ps);
		if (r < 0)
			return r;
		if (at_eof(ps))
			return perr_at(ps, open, "unterminated array");
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p != ']')
			return perr_at(ps, ps->p, "expected ',' or ']' in array, found %s",
				       DESCRIBE(ps, ps->p));
		break;
	}
	ps->p++;
	a->flags |= TF_SEALED;
	*ret = TAKE_PTR(a);
	return 0;
}

static int parse_inline_table(struct parser *ps, unsigned depth, toml_value **ret)
{
	const char *open = ps->p;
	_cleanup_(toml_freep) toml_value *t = NULL;
	int r;

	r = check_depth(ps, open, depth);
	if (r < 0)
		return r;
	t = value_new(TOML_TABLE, depth);
	if (!t)
		return perr_nomem(ps);
	ps->p++;
	skip_ws(ps);
	if (!at_eof(ps) && *ps->p == '}') {
		ps->p++;
		t->flags |= TF_SEALED;
		*ret = TAKE_PTR(t);
		return 0;
	}
	for (;;) {
		skip_ws(ps);
		r = parse_keyval(ps, t);
		if (r < 0)
			return r;
		skip_ws(ps);
		if (at_eof(ps) || at_newline(ps))
			return perr_at(ps, ps->p,
				       "inline table is not closed on its line (inline tables must "
				       "be on one line)");
		if (*ps->p == '}')
			break;
		if (*ps->p != ',')
			return perr_at(ps, ps->p, "expected ',' or '}' in inline table, found %s",
				       DESCRIBE(ps, ps->p));
		ps->p++;
		skip_ws(ps);
		if (!at_eof(ps) && *ps->p == '}')
			return perr_at(ps, ps->p,
				       "trailing comma is not allowed in an inline table");
	}
	ps->p++;
	t->flags |= TF_SEALED;
	*ret = TAKE_PTR(t);
	return 0;
}

static int parse_value(struct parser *ps, unsigned depth, toml_value **ret)
{
	toml_value *v;
	int r;

	if (at_eof(ps) || at_newline(ps))
		return perr_at(ps, ps->p, "expected a value, found %s", DESCRIBE(ps, ps->p));
	switch (*ps->p) {
	case '"':
	case '\'':
		v = value_new(TOML_STRING, depth);
		if (!v)
			return perr_nomem(ps);
		r = parse_string(ps, true, &v->str);
		if (r < 0) {
			toml_free(v);
			return r;
		}
		*ret = v;
		return 0;
	case '[':
		return parse_array(ps, depth, ret);
	case '{':
		return parse_inline_table(ps, depth, ret);
	default:
		return parse_scalar(ps, depth, ret);
	}
}

/* Descends into @t along the dotted prefix of @k for a key/value pair. */
static int walk_dotted(struct parser *ps, toml_value *t, struct key *k, toml_value **ret)
{
	for (size_t i = 0; i + 1 < k->n; i++) {
		toml_value *v = tab_find(t, k->parts[i]);

		if (!v) {
			int r = check_depth(ps, k->pos[i], t->depth + 1);
			if (r < 0)
				return r;
			v = value_new(TOML_TABLE, t->depth + 1);
			if (!v)
				return perr_nomem(ps);
			v->flags = TF_DOTTED;
			char *name = strdup(k->parts[i]);
			if (!name || tab_add(t, name, v) < 0) {
				free(name);
				toml_free(v);
				return perr_nomem(ps);
			}
		} else if (v->type != TOML_TABLE) {
			return perr_at(ps, k->pos[i], "key \"%s\" is already a %s, not a table",
				       k->parts[i], toml_type_name(v->type));
		} else if (!(v->flags & TF_DOTTED) || (v->flags & TF_SEALED)) {
			return perr_at(ps, k->pos[i],
				       "table \"%s\" is already defined; a dotted key cannot add "
				       "to it here",
				       k->parts[i]);
		}
		t = v;
	}
	*ret = t;
	return 0;
}

static int parse_keyval(struct parser *ps, toml_value *table)
{
	struct key k = {.n = 0};
	toml_value *t = table, *v = NULL;
	const char *last;
	int r;

	r = parse_key(ps, &k);
	if (r < 0)
		goto out;
	skip_ws(ps);
	if (at_eof(ps) || *ps->p != '=') {
		r = perr_at(ps, ps->p, "expected '=' after key \"%s\", found %s", k.parts[k.n - 1],
			    DESCRIBE(ps, ps->p));
		goto out;
	}
	ps->p++;
	skip_ws(ps);
	r = walk_dotted(ps, table, &k, &t);
	if (r < 0)
		goto out;
	last = k.parts[k.n - 1];
	if (tab_find(t, last)) {
		r = perr_at(ps, k.pos[k.n - 1], "duplicate key \"%s\"", last);
		goto out;
	}
	r = parse_value(ps, t->depth + 1, &v);
	if (r < 0)
		goto out;
	if (tab_add(t, k.parts[k.n - 1], v) < 0) {
		toml_free(v);
		r = perr_nomem(ps);
		goto out;
	}
	k.n--; /* the last part now belongs to the table */
out:
	key_done(&k);
	return r;
}

/* ---- headers ---- */

static int parse_header(struct parser *ps, toml_value **cur)
{
	const char *open = ps->p;
	bool aot = peek_is(ps, "[[");
	struct key k = {.n = 0};
	toml_value *t = ps->root, *v;
	const char *name;
	int r;

	ps->p += aot ? 2 : 1;
	r = parse_key(ps, &k);
	if (r < 0)
		goto out;
	skip_ws(ps);
	if (!peek_is(ps, aot ? "]]" : "]")) {
		r = perr_at(ps, ps->p, "expected '%s' to close the table header, found %s",
			    aot ? "]]" : "]", DESCRIBE(ps, ps->p));
		goto out;
	}
	ps->p += aot ? 2 : 1;
	r = expect_eol(ps, "the table header");
	if (r < 0)
		goto out;

	for (size_t i = 0; i + 1 < k.n; i++) {
		v = tab_find(t, k.parts[i]);
		if (!v) {
			r = check_depth(ps, k.pos[i], t->depth + 1);
			if (r < 0)
				goto out;
			v = value_new(TOML_TABLE, t->depth + 1);
			char *kname = strdup(k.parts[i]);
			if (!v || !kname || tab_add(t, kname, v) < 0) {
				free(kname);
				toml_free(v);
				r = perr_nomem(ps);
				goto out;
			}
		} else if (v->type == TOML_ARRAY && (v->flags & TF_AOT)) {
			v = v->arr.items[v->arr.n - 1];
		} else if (v->type != TOML_TABLE) {
			r = perr_at(ps, k.pos[i], "key \"%s\" is already a %s, not a table",
				    k.parts[i], toml_type_name(v->type));
			goto out;
		} else if (v->flags & TF_SEALED) {
			r = perr_at(ps, k.pos[i], "inline table \"%s\" cannot be extended",
				    k.parts[i]);
			goto out;
		}
		t = v;
	}
	name = k.parts[k.n - 1];
	v = tab_find(t, name);
	r = check_depth(ps, k.pos[k.n - 1], t->depth + (aot ? 2 : 1));
	if (r < 0)
		goto out;
	if (aot) {
		toml_value *elem;

		if (!v) {
			v = value_new(TOML_ARRAY, t->depth + 1);
			if (!v)
				goto nomem;
			v->flags = TF_AOT;
			if (tab_add(t, k.parts[k.n - 1], v) < 0) {
				toml_free(v);
				goto nomem;
			}
			k.n--;
		} else if (v->type != TOML_ARRAY || !(v->flags & TF_AOT)) {
			r = perr_at(
			    ps, open, "[[%s]]: \"%s\" is already defined as a %s", name, name,
			    v->type == TOML_ARRAY ? "static array" : toml_type_name(v->type));
			goto out;
		}
		elem = value_new(TOML_TABLE, v->depth + 1);
		if (!elem)
			goto nomem;
		elem->flags = TF_HEADER;
		if (arr_add(v, elem) < 0) {
			toml_free(elem);
			goto nomem;
		}
		*cur = elem;
	} else {
		if (!v) {
			v = value_new(TOML_TABLE, t->depth + 1);
			if (!v)
				goto nomem;
			if (tab_add(t, k.parts[k.n - 1], v) < 0) {
				toml_free(v);
				goto nomem;
			}
			k.n--;
		} else if (v->type != TOML_TABLE) {
			r = perr_at(ps, open, "[%s]: \"%s\" is already defined as %s", name, name,
				    v->flags & TF_AOT ? "an array of tables"
						      : toml_type_name(v->type));
			goto out;
		} else if (v->flags & (TF_HEADER | TF_DOTTED | TF_SEALED)) {
			r = perr_at(ps, open, "table [%s] is defined more than once", name);
			goto out;
		}
		v->flags |= TF_HEADER;
		*cur = v;
	}
	r = 0;
	goto out;
nomem:
	r = perr_nomem(ps);
out:
	key_done(&k);
	return r;
}

/* ---- entry points ---- */

int toml_parse(const char *data, size_t len, const char *filename, toml_value **ret_root,
	       berth_error *err)
{
	struct parser ps = {
	    .start = data,
	    .p = data,
	    .end = data + len,
	    .filename = filename ? filename : "<input>",
	    .err = err,
	};
	_cleanup_(toml_freep) toml_value *root = NULL;
	toml_value *cur;
	int r;

	if (len > TOML_MAX_SIZE)
		return berr(err, EFBIG, "%s: file is larger than the limit of %u bytes",
			    ps.filename, TOML_MAX_SIZE);
	r = check_utf8(&ps);
	if (r < 0)
		return r;
	root = value_new(TOML_TABLE, 0);
	if (!root)
		return perr_nomem(&ps);
	root->flags = TF_HEADER;
	ps.root = cur = root;
	/* A byte order mark is tolerated at the very start. */
	if (peek_is(&ps, "\xef\xbb\xbf"))
		ps.p += 3;
	while (!at_eof(&ps)) {
		skip_ws(&ps);
		if (at_eof(&ps))
			break;
		if (*ps.p == '#' || at_newline(&ps)) {
			r = expect_eol(&ps, "a comment");
		} else if (*ps.p == '[') {
			r = parse_header(&ps, &cur);
		} else {
			r = parse_keyval(&ps, cur);
			if (r >= 0)
				r = expect_eol(&ps, "the value");
		}
		if (r < 0)
			return r;
	}
	*ret_root = TAKE_PTR(root);
	return 0;
}

int toml_parse_file(const char *path, toml_value **ret_root, berth_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	r = read_file_at(AT_FDCWD, path, TOML_MAX_SIZE, &data, &len, err);
	if (r < 0)
		return r;
	return toml_parse(data, len, path, ret_root, err);
}

/* ---- accessors ---- */

enum toml_type toml_type_of(const toml_value *v)
{
	return v->type;
}

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_TABLE:
		return "table";
	case TOML_ARRAY:
		return "array";
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	case TOML_DATETIME:
		return "datetime";
	}
	return "value";
}

const toml_value *toml_get(const toml_value *table, const char *key)
{
	if (!table || table->type != TOML_TABLE || !key)
		return NULL;
	return tab_find(table, key);
}

const toml_value *toml_get_table(const toml_value *table, const char *key)
{
	const toml_value *v = toml_get(table, key);

	return v && v->type == TOML_TABLE ? v : NULL;
}

const toml_value *toml_get_array(const toml_value *table, const char *key)
{
	const toml_value *v = toml_get(table, key);

	return v && v->type == TOML_ARRAY ? v : NULL;
}

static int get_typed(const toml_value *table, const char *key, enum toml_type type,
		     const toml_value **ret)
{
	const toml_value *v = toml_get(table, key);

	if (!v)
		return -ENOENT;
	if (v->type != type && !(type == TOML_FLOAT && v->type == TOML_INTEGER))
		return -EINVAL;
	*ret = v;
	return 0;
}

int toml_get_string(const toml_value *table, const char *key, const char **ret)
{
	const toml_value *v;
	int r = get_typed(table, key, TOML_STRING, &v);

	if (r == 0)
		*ret = v->str;
	return r;
}

int toml_get_int(const toml_value *table, const char *key, int64_t *ret)
{
	const toml_value *v;
	int r = get_typed(table, key, TOML_INTEGER, &v);

	if (r == 0)
		*ret = v->i;
	return r;
}

int toml_get_float(const toml_value *table, const char *key, double *ret)
{
	const toml_value *v;
	int r = get_typed(table, key, TOML_FLOAT, &v);

	if (r == 0)
		*ret = toml_float(v);
	return r;
}

int toml_get_bool(const toml_value *table, const char *key, bool *ret)
{
	const toml_value *v;
	int r = get_typed(table, key, TOML_BOOL, &v);

	if (r == 0)
		*ret = v->b;
	return r;
}

size_t toml_table_len(const toml_value *table)
{
	return table && table->type == TOML_TABLE ? table->tab.n : 0;
}

const char *toml_table_key(const toml_value *table, size_t i)
{
	return i < toml_table_len(table) ? table->tab.keys[i] : NULL;
}

const toml_value *toml_table_value(const toml_value *table, size_t i)
{
	return i < toml_table_len(table) ? table->tab.vals[i] : NULL;
}

size_t toml_array_len(const toml_value *array)
{
	return array && array->type == TOML_ARRAY ? array->arr.n : 0;
}

const toml_value *toml_array_at(const toml_value *array, size_t i)
{
	return i < toml_array_len(array) ? array->arr.items[i] : NULL;
}

const char *toml_string(const toml_value *v)
{
	return v && (v->type == TOML_STRING || v->type == TOML_DATETIME) ? v->str : NULL;
}

int64_t toml_int(const toml_value *v)
{
	return v && v->type == TOML_INTEGER ? v->i : 0;
}

double toml_float(const toml_value *v)
{
	if (!v)
		return 0;
	if (v->type == TOML_FLOAT)
		return v->f;
	if (v->type == TOML_INTEGER)
		return (double)v->i;
	return 0;
}

bool toml_bool(const toml_value *v)
{
	return v && v->type == TOML_BOOL ? v->b : false;
}

int toml_get_strv(const toml_value *table, const char *key, char ***ret_strv)
{
	const toml_value *a = toml_get(table, key);
	char **v;

	if (!a)
		return -ENOENT;
	if (a->type != TOML_ARRAY)
		return -EINVAL;
	for (size_t i = 0; i < a->arr.n; i++)
		if (a->arr.items[i]->type != TOML_STRING)
			return -EINVAL;
	v = calloc(a->arr.n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < a->arr.n; i++) {
		v[i] = strdup(a->arr.items[i]->str);
		if (!v[i]) {
			strv_free(v);
			return -ENOMEM;
		}
	}
	*ret_strv = v;
	return 0;
}
