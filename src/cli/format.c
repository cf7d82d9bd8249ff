/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.c - Go text/template subset, podman's --format conventions, Go tabwriter columns.
 *
 * Theory of operation: fmt_compile() cuts the template into text and {{actions}} (honouring
 * trim markers and comments), lexes each action into tokens, and builds a small tree: text,
 * action (a pipeline), if / range / with blocks with else branches. Pipelines are commands
 * separated by '|'; a command is either one operand (field chain, variable, literal,
 * parenthesised pipeline) or a function name followed by operands, and receives the value
 * of the previous command as its last argument.
 *
 * Execution walks the tree with "dot" set to a jansson value. Every evaluation returns a new
 * reference, or NULL for "no value" (a key missing from an object), which prints as Go
 * prints a missing map entry: "<no value>".
 *
 * The table writer is Go's text/tabwriter algorithm: cells are tab-terminated; a column is a
 * run of consecutive lines that all have a cell at that index, as wide as its widest cell
 * plus padding (at least minwidth); the text after a line's last tab is not part of any
 * column.
 */
#include "cli/format.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/macro.h"

/* ------------------------------------------------------------------ buffers */

struct sbuf {
	char *d;
	size_t n, cap;
};

static int sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->cap - b->n < n + 1) {
		size_t ncap = b->cap ? b->cap : 64;
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

static int sb_puts(struct sbuf *b, const char *s)
{
	return sb_put(b, s, strlen(s));
}

static int sb_printf(struct sbuf *b, const char *fmt, ...) _printf_(2, 3);
static int sb_printf(struct sbuf *b, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	return sb_put(b, s, (size_t)n);
}

static char *sb_take(struct sbuf *b)
{
	char *d;

	if (!b->d && sb_put(b, "", 0) < 0)
		return NULL;
	d = b->d;
	b->d = NULL;
	b->n = b->cap = 0;
	return d;
}

static void json_decrefp_fmt(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_jv_ _cleanup_(json_decrefp_fmt)

/* ------------------------------------------------------------------ tree */

enum tok_type {
	T_IDENT,  /* function name or keyword */
	T_FIELD,  /* .A.B (or "." alone: no parts) */
	T_VAR,	  /* $name.A.B ("$" is the root) */
	T_STRING, /* decoded string literal */
	T_NUMBER,
	T_LPAREN,
	T_RPAREN,
	T_PIPE,
	T_DECLARE, /* := */
	T_ASSIGN,  /* = */
	T_COMMA,
};

struct token {
	enum tok_type type;
	char *s;      /* ident, var name (without '$'), string value */
	char **parts; /* field chain */
	size_t n_parts;
	bool is_float;
	long long i;
	double f;
	size_t pos;	   /* offset in the template, for messages */
	bool space_before; /* whitespace precedes the token */
};

enum arg_type { A_FIELD, A_VAR, A_STRING, A_INT, A_FLOAT, A_BOOL, A_NIL, A_FUNC, A_PIPE };

struct pipe;

struct arg {
	enum arg_type type;
	char *s; /* var name, string, function name */
	char **parts;
	size_t n_parts;
	long long i;
	double f;
	bool b;
	struct pipe *sub;
	size_t pos;
};

struct command {
	struct arg *args;
	size_t n;
};

struct pipe {
	char *vars[2]; /* declared variables ($i, $e := / $x :=), NULL when absent */
	size_t n_vars;
	bool assign; /* $x = ... rather than := */
	struct command *cmds;
	size_t n;
	size_t pos;
};

enum node_type { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

struct node;
struct node_list {
	struct node **v;
	size_t n;
};

struct node {
	enum node_type type;
	char *text;
	size_t len;
	struct pipe *pipe;
	struct node_list list, else_list;
	size_t pos;
};

struct fmt_template {
	struct node_list root;
	char *src;
};

static void pipe_free(struct pipe *p);

static void arg_done(struct arg *a)
{
	free(a->s);
	for (size_t i = 0; i < a->n_parts; i++)
		free(a->parts[i]);
	free(a->parts);
	pipe_free(a->sub);
}

static void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_vars; i++)
		free(p->vars[i]);
	for (size_t i = 0; i < p->n; i++) {
		for (size_t j = 0; j < p->cmds[i].n; j++)
			arg_done(&p->cmds[i].args[j]);
		free(p->cmds[i].args);
	}
	free(p->cmds);
	free(p);
}

static void list_done(struct node_list *l);

static void node_free(struct node *n)
{
	if (!n)
		return;
	free(n->text);
	pipe_free(n->pipe);
	list_done(&n->list);
	list_done(&n->else_list);
	free(n);
}

static void list_done(struct node_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int list_add(struct node_list *l, struct node *n)
{
	struct node **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = n;
	return 0;
}

struct fmt_template *fmt_template_free(struct fmt_template *t)
{
	if (!t)
		return NULL;
	list_done(&t->root);
	free(t->src);
	free(t);
	return NULL;
}

/* ------------------------------------------------------------------ errors */

struct parser {
	const char *src;
	size_t len;
	berth_error *err;
	/* items: the template cut into text and actions */
	struct item *items;
	size_t n_items, at;
	int depth;
};

static void line_col(const char *src, size_t pos, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos && src[i]; i++) {
		if (src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int perr(struct parser *ps, size_t pos, const char *fmt, ...) _printf_(3, 4);
static int perr(struct parser *ps, size_t pos, const char *fmt, ...)
{
	char what[512];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	line_col(ps->src, pos, &line, &col);
	return berr(ps->err, EINVAL, "template: %u:%u: %s", line, col, what);
}

/* ------------------------------------------------------------------ lexer */

struct item {
	bool is_action;
	char *text; /* text items */
	size_t len;
	struct token *toks; /* action items */
	size_t n_toks;
	size_t pos;
};

static void tokens_free(struct token *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].s);
		for (size_t j = 0; j < t[i].n_parts; j++)
			free(t[i].parts[j]);
		free(t[i].parts);
	}
	free(t);
}

static void items_free(struct item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(it[i].text);
		tokens_free(it[i].toks, it[i].n_toks);
	}
	free(it);
}

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}


static int put_utf8(struct sbuf *b, uint32_t cp)
{
	char out[4];

	return sb_put(b, out, utf8_put_codepoint(cp, out));
}

/* A Go interpreted string literal starting at src[*pos] == '"'. */
static int lex_string(struct parser *ps, size_t *pos, size_t end, char **ret)
{
	struct sbuf b = {0};
	size_t start = *pos, p = *pos + 1;
	int r = 0;

	while (p < end && ps->src[p] != '"') {
		char c = ps->src[p];
		if (c == '\n') {
			r = perr(ps, start, "unterminated quoted string");
			goto fail;
		}
		if (c != '\\') {
			if (sb_put(&b, &c, 1) < 0)
				goto nomem;
			p++;
			continue;
		}
		if (++p >= end) {
			r = perr(ps, start, "unterminated quoted string");
			goto fail;
		}
		c = ps->src[p++];
		const char *simple = strchr("abfnrtv\\\"'", c);
		if (c && simple) {
			static const char map[] = "\a\b\f\n\r\t\v\\\"'";
			if (sb_put(&b, &map[simple - "abfnrtv\\\"'"], 1) < 0)
				goto nomem;
			continue;
		}
		int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
		if (!digits) {
			r = perr(ps, p - 2, "unknown escape sequence \\%c", c);
			goto fail;
		}
		uint32_t v = 0;
		for (int i = 0; i < digits; i++, p++) {
			int h = p < end ? hex_digit_value(ps->src[p]) : -1;
			if (h < 0) {
				r = perr(ps, p, "invalid \\%c escape in string", c);
				goto fail;
			}
			v = v << 4 | (uint32_t)h;
		}
		if (c == 'x') {
			char byte = (char)v;
			if (!v) {
				r = perr(ps, p, "NUL bytes are not supported in strings");
				goto fail;
			}
			if (sb_put(&b, &byte, 1) < 0)
				goto nomem;
		} else {
			if (!v || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
				r = perr(ps, p, "invalid Unicode escape in string");
				goto fail;
			}
			if (put_utf8(&b, v) < 0)
				goto nomem;
		}
	}
	if (p >= end) {
		r = perr(ps, start, "unterminated quoted string");
		goto fail;
	}
	*pos = p + 1;
	*ret = sb_take(&b);
	return *ret ? 0 : berr(ps->err, ENOMEM, "out of memory");
nomem:
	r = berr(ps->err, ENOMEM, "out of memory");
fail:
	free(b.d);
	return r;
}

/* ".A.B" at src[*pos]; "." alone yields no parts. */
static int lex_chain(struct parser *ps, size_t *pos, size_t end, struct token *t)
{
	size_t p = *pos;

	while (p < end && ps->src[p] == '.') {
		size_t s = ++p;
		while (p < end && is_ident_char(ps->src[p]))
			p++;
		if (p == s) {
			if (t->n_parts == 0 && t->type == T_FIELD && s - 1 == *pos)
				break; /* plain "." */
			return perr(ps, s, "bad field name after '.'");
		}
		char **np = realloc(t->parts, (t->n_parts + 1) * sizeof(*np));
		if (!np)
			return berr(ps->err, ENOMEM, "out of memory");
		t->parts = np;
		t->parts[t->n_parts] = strndup(ps->src + s, p - s);
		if (!t->parts[t->n_parts])
			return berr(ps->err, ENOMEM, "out of memory");
		t->n_parts++;
	}
	*pos = p;
	return 0;
}

static int lex_action(struct parser *ps, size_t start, size_t end, struct item *it)
{
	size_t p = start, cap = 0;
	int r;

	for (;;) {
		bool space = false;
		struct token *t;
		char c;

		while (p < end && is_space(ps->src[p])) {
			p++;
			space = true;
		}
		if (p >= end)
			return 0;
		if (it->n_toks == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct token *n = realloc(it->toks, ncap * sizeof(*n));
			if (!n)
				return berr(ps->err, ENOMEM, "out of memory");
			it->toks = n;
			cap = ncap;
		}
		t = &it->toks[it->n_toks++];
		memset(t, 0, sizeof(*t));
		t->pos = p;
		t->space_before = space;
		c = ps->src[p];
		if (c == '"') {
			t->type = T_STRING;
			r = lex_string(ps, &p, end, &t->s);
			if (r < 0)
				return r;
		} else if (c == '`') {
			const char *close = memchr(ps->src + p + 1, '`', end - p - 1);
			if (!close)
				return perr(ps, p, "unterminated raw string");
			t->type = T_STRING;
			t->s = strndup(ps->src + p + 1, (size_t)(close - ps->src) - p - 1);
			if (!t->s)
				return berr(ps->err, ENOMEM, "out of memory");
			p = (size_t)(close - ps->src) + 1;
		} else if (c == '.' && !(p + 1 < end && isdigit((unsigned char)ps->src[p + 1]))) {
			t->type = T_FIELD;
			r = lex_chain(ps, &p, end, t);
			if (r < 0)
				return r;
		} else if (c == '$') {
			size_t s = ++p;
			while (p < end && is_ident_char(ps->src[p]))
				p++;
			t->type = T_VAR;
			t->s = strndup(ps->src + s, p - s);
			if (!t->s)
				return berr(ps->err, ENOMEM, "out of memory");
			r = lex_chain(ps, &p, end, t);
			if (r < 0)
				return r;
		} else if (isdigit((unsigned char)c) ||
			   ((c == '-' || c == '+' || c == '.') && p + 1 < end &&
			    (isdigit((unsigned char)ps->src[p + 1]) || ps->src[p + 1] == '.'))) {
			char *e1 = NULL, *e2 = NULL;
			_cleanup_free_ char *num = NULL;
			size_t s = p;
			while (p < end &&
			       (isalnum((unsigned char)ps->src[p]) || ps->src[p] == '.' ||
				ps->src[p] == '_' ||
				((ps->src[p] == '-' || ps->src[p] == '+') &&
				 (p == s || ps->src[p - 1] == 'e' || ps->src[p - 1] == 'E'))))
				p++;
			num = strndup(ps->src + s, p - s);
			if (!num)
				return berr(ps->err, ENOMEM, "out of memory");
			t->type = T_NUMBER;
			errno = 0;
			t->i = strtoll(num, &e1, 0);
			if (*e1 || errno) {
				errno = 0;
				t->f = strtod(num, &e2);
				if (*e2 || errno)
					return perr(ps, s, "bad number syntax: %s", num);
				t->is_float = true;
			}
		} else if (is_ident_char(c)) {
			size_t s = p;
			while (p < end && is_ident_char(ps->src[p]))
				p++;
			t->type = T_IDENT;
			t->s = strndup(ps->src + s, p - s);
			if (!t->s)
				return berr(ps->err, ENOMEM, "out of memory");
		} else if (c == '(') {
			t->type = T_LPAREN;
			p++;
		} else if (c == ')') {
			t->type = T_RPAREN;
			p++;
			if (p < end && ps->src[p] == '.') {
				/* (pipeline).Field: the chain belongs to the parenthesis */
				struct token *f;
				if (it->n_toks == cap) {
					struct token *n = realloc(it->toks, (cap + 1) * sizeof(*n));
					if (!n)
						return berr(ps->err, ENOMEM, "out of memory");
					it->toks = n;
					cap++;
				}
				f = &it->toks[it->n_toks++];
				memset(f, 0, sizeof(*f));
				f->type = T_FIELD;
				f->pos = p;
				r = lex_chain(ps, &p, end, f);
				if (r < 0)
					return r;
			}
		} else if (c == '|') {
			t->type = T_PIPE;
			p++;
		} else if (c == ':' && p + 1 < end && ps->src[p + 1] == '=') {
			t->type = T_DECLARE;
			p += 2;
		} else if (c == '=') {
			t->type = T_ASSIGN;
			p++;
		} else if (c == ',') {
			t->type = T_COMMA;
			p++;
		} else {
			return perr(ps, p, "unexpected character '%c' in action", c);
		}
	}
}

static int add_item(struct parser *ps, struct item **it)
{
	struct item *n = realloc(ps->items, (ps->n_items + 1) * sizeof(*n));

	if (!n)
		return berr(ps->err, ENOMEM, "out of memory");
	ps->items = n;
	*it = &ps->items[ps->n_items++];
	memset(*it, 0, sizeof(**it));
	return 0;
}

/* Finds the "}}" closing the action that starts at @p, skipping quoted text. */
static int find_close(struct parser *ps, size_t p, size_t *ret)
{
	while (p + 1 < ps->len) {
		char c = ps->src[p];
		if (c == '"' || c == '`' || c == '\'') {
			size_t q = p + 1;
			while (q < ps->len && ps->src[q] != c) {
				if (c != '`' && ps->src[q] == '\\')
					q++;
				q++;
			}
			if (q >= ps->len)
				return perr(ps, p, "unterminated quoted string");
			p = q + 1;
			continue;
		}
		if (c == '}' && ps->src[p + 1] == '}') {
			*ret = p;
			return 0;
		}
		p++;
	}
	return perr(ps, p, "unclosed action (missing \"}}\")");
}

static int cut(struct parser *ps)
{
	size_t pos = 0;
	bool trim_next = false;
	int r;

	while (pos < ps->len) {
		const char *open = strstr(ps->src + pos, "{{");
		size_t text_end = open ? (size_t)(open - ps->src) : ps->len;
		size_t a, close = 0, inner_end;
		bool trim_prev = false, trim_after = false;
		struct item *it;

		if (open && open[2] == '-' && open[3] && is_space(open[3]))
			trim_prev = true;
		if (text_end > pos || trim_prev) {
			size_t s = pos, e = text_end;
			if (trim_next)
				while (s < e && is_space(ps->src[s]))
					s++;
			if (trim_prev)
				while (e > s && is_space(ps->src[e - 1]))
					e--;
			if (e > s) {
				r = add_item(ps, &it);
				if (r < 0)
					return r;
				it->text = strndup(ps->src + s, e - s);
				it->len = e - s;
				it->pos = s;
				if (!it->text)
					return berr(ps->err, ENOMEM, "out of memory");
			}
		}
		if (!open)
			break;
		a = text_end + 2 + (trim_prev ? 2 : 0);
		while (a < ps->len && is_space(ps->src[a]) && trim_prev)
			a++;
		if (ps->src[a] == '/' && ps->src[a + 1] == '*') {
			const char *end = strstr(ps->src + a + 2, "*/");
			if (!end)
				return perr(ps, a, "unclosed comment");
			close = (size_t)(end - ps->src) + 2;
			while (close < ps->len && is_space(ps->src[close]))
				close++;
			if (ps->src[close] == '-' && close > 0 && is_space(ps->src[close - 1])) {
				trim_after = true;
				close++;
			}
			if (strncmp(ps->src + close, "}}", 2) != 0)
				return perr(ps, a, "comment ends before closing delimiter");
			pos = close + 2;
			trim_next = trim_after;
			continue;
		}
		r = find_close(ps, a, &close);
		if (r < 0)
			return r;
		inner_end = close;
		if (close >= a + 2 && ps->src[close - 1] == '-' && is_space(ps->src[close - 2])) {
			trim_after = true;
			inner_end = close - 1;
		}
		r = add_item(ps, &it);
		if (r < 0)
			return r;
		it->is_action = true;
		it->pos = text_end;
		r = lex_action(ps, a, inner_end, it);
		if (r < 0)
			return r;
		if (it->n_toks == 0)
			return perr(ps, text_end, "missing value for command");
		pos = close + 2;
		trim_next = trim_after;
	}
	return 0;
}

/* ------------------------------------------------------------------ parser */

static int parse_pipe(struct parser *ps, struct token *t, size_t n, size_t *i, bool in_paren,
		      bool allow_decl, struct pipe **ret);

static int parse_operand(struct parser *ps, struct token *t, size_t n, size_t *i, struct arg *a)
{
	struct token *k = &t[*i];

	a->pos = k->pos;
	switch (k->type) {
	case T_FIELD:
	case T_VAR:
		a->type = k->type == T_FIELD ? A_FIELD : A_VAR;
		a->s = TAKE_PTR(k->s);
		a->parts = TAKE_PTR(k->parts);
		a->n_parts = k->n_parts;
		k->n_parts = 0;
		(*i)++;
		return 0;
	case T_STRING:
		a->type = A_STRING;
		a->s = TAKE_PTR(k->s);
		(*i)++;
		return 0;
	case T_NUMBER:
		a->type = k->is_float ? A_FLOAT : A_INT;
		a->i = k->i;
		a->f = k->f;
		(*i)++;
		return 0;
	case T_IDENT:
		if (strcmp(k->s, "true") == 0 || strcmp(k->s, "false") == 0) {
			a->type = A_BOOL;
			a->b = k->s[0] == 't';
		} else if (strcmp(k->s, "nil") == 0) {
			a->type = A_NIL;
		} else {
			a->type = A_FUNC;
			a->s = TAKE_PTR(k->s);
		}
		(*i)++;
		return 0;
	case T_LPAREN: {
		int r;
		if (++ps->depth > FMT_MAX_DEPTH)
			return perr(ps, k->pos, "parentheses nested too deeply");
		(*i)++;
		a->type = A_PIPE;
		r = parse_pipe(ps, t, n, i, true, false, &a->sub);
		if (r < 0)
			return r;
		if (*i >= n || t[*i].type != T_RPAREN)
			return perr(ps, k->pos, "unclosed left paren");
		(*i)++;
		ps->depth--;
		if (*i < n && t[*i].type == T_FIELD && !t[*i].space_before && t[*i].n_parts) {
			a->parts = TAKE_PTR(t[*i].parts);
			a->n_parts = t[*i].n_parts;
			t[*i].n_parts = 0;
			(*i)++;
		}
		return 0;
	}
	default:
		return perr(ps, k->pos, "unexpected token in command");
	}
}

static bool known_function(const char *name);

static int parse_command(struct parser *ps, struct token *t, size_t n, size_t *i, bool in_paren,
			 struct command *c)
{
	size_t cap = 0;
	int r;

	while (*i < n && t[*i].type != T_PIPE && !(in_paren && t[*i].type == T_RPAREN)) {
		if (t[*i].type == T_RPAREN)
			return perr(ps, t[*i].pos, "unexpected right paren");
		if (c->n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct arg *na = realloc(c->args, ncap * sizeof(*na));
			if (!na)
				return berr(ps->err, ENOMEM, "out of memory");
			c->args = na;
			cap = ncap;
		}
		memset(&c->args[c->n], 0, sizeof(c->args[0]));
		c->n++;
		r = parse_operand(ps, t, n, i, &c->args[c->n - 1]);
		if (r < 0)
			return r;
		struct arg *a = &c->args[c->n - 1];
		if (a->type == A_FUNC && !known_function(a->s))
			return perr(ps, a->pos, "function \"%s\" not defined", a->s);
		if (a->type == A_FUNC && c->n > 1)
			return perr(ps, a->pos,
				    "function \"%s\" used as an argument; wrap it in "
				    "parentheses",
				    a->s);
	}
	if (c->n == 0)
		return perr(ps, *i < n ? t[*i].pos : 0, "missing value for command");
	return 0;
}

static int parse_pipe(struct parser *ps, struct token *t, size_t n, size_t *i, bool in_paren,
		      bool allow_decl, struct pipe **ret)
{
	struct pipe *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return berr(ps->err, ENOMEM, "out of memory");
	p->pos = *i < n ? t[*i].pos : 0;
	/* declarations: $x := / $x = / $i, $e := */
	if (allow_decl && *i < n && t[*i].type == T_VAR && !t[*i].n_parts) {
		size_t j = *i;
		if (j + 1 < n && (t[j + 1].type == T_DECLARE || t[j + 1].type == T_ASSIGN)) {
			p->vars[p->n_vars++] = TAKE_PTR(t[j].s);
			p->assign = t[j + 1].type == T_ASSIGN;
			*i = j + 2;
		} else if (j + 3 < n && t[j + 1].type == T_COMMA && t[j + 2].type == T_VAR &&
			   !t[j + 2].n_parts && t[j + 3].type == T_DECLARE) {
			p->vars[p->n_vars++] = TAKE_PTR(t[j].s);
			p->vars[p->n_vars++] = TAKE_PTR(t[j + 2].s);
			*i = j + 4;
		}
	}
	for (;;) {
		struct command *nc = realloc(p->cmds, (p->n + 1) * sizeof(*nc));
		if (!nc) {
			pipe_free(p);
			return berr(ps->err, ENOMEM, "out of memory");
		}
		p->cmds = nc;
		memset(&p->cmds[p->n], 0, sizeof(p->cmds[0]));
		p->n++;
		r = parse_command(ps, t, n, i, in_paren, &p->cmds[p->n - 1]);
		if (r < 0) {
			pipe_free(p);
			return r;
		}
		if (*i < n && t[*i].type == T_PIPE) {
			(*i)++;
			continue;
		}
		break;
	}
	for (size_t c = 1; c < p->n; c++) {
		const struct arg *a = &p->cmds[c].args[0];
		if (a->type != A_FUNC) {
			int pos = (int)a->pos;
			pipe_free(p);
			return perr(ps, (size_t)pos, "cannot pipe a value into a non-function");
		}
	}
	*ret = p;
	return 0;
}

/* Parses the tokens of one action (from @from) as a whole pipeline. */
static int parse_action_pipe(struct parser *ps, struct item *it, size_t from, bool allow_decl,
			     struct pipe **ret)
{
	size_t i = from;
	int r;

	if (from >= it->n_toks)
		return perr(ps, it->pos, "missing value for command");
	r = parse_pipe(ps, it->toks, it->n_toks, &i, false, allow_decl, ret);
	if (r < 0)
		return r;
	if (i < it->n_toks) {
		pipe_free(*ret);
		*ret = NULL;
		return perr(ps, it->toks[i].pos, "unexpected token in command");
	}
	return 0;
}

static bool is_kw(const struct item *it, size_t i, const char *kw)
{
	return it->is_action && i < it->n_toks && it->toks[i].type == T_IDENT &&
	       strcmp(it->toks[i].s, kw) == 0;
}

enum stop { STOP_EOF, STOP_END, STOP_ELSE };

static int parse_list(struct parser *ps, struct node_list *l, enum stop *stop);

/* After {{if|with|range PIPE}}: body, optional {{else}} / {{else if ..}}, {{end}}. */
static int parse_block(struct parser *ps, struct node *n, const char *kw)
{
	enum stop stop;
	int r;

	if (++ps->depth > FMT_MAX_DEPTH)
		return perr(ps, n->pos, "blocks nested too deeply");
	r = parse_list(ps, &n->list, &stop);
	if (r < 0)
		return r;
	if (stop == STOP_EOF)
		return perr(ps, n->pos, "unexpected EOF: {{%s}} has no {{end}}", kw);
	if (stop == STOP_ELSE) {
		struct item *it = &ps->items[ps->at - 1];
		if (it->n_toks > 1 && (is_kw(it, 1, "if") || is_kw(it, 1, "with"))) {
			/* {{else if P}} is {{else}}{{if P}}...{{end}} sharing the outer {{end}} */
			struct node *inner = calloc(1, sizeof(*inner));
			if (!inner || list_add(&n->else_list, inner) < 0) {
				free(inner);
				return berr(ps->err, ENOMEM, "out of memory");
			}
			inner->type = is_kw(it, 1, "if") ? N_IF : N_WITH;
			inner->pos = it->pos;
			r = parse_action_pipe(ps, it, 2, true, &inner->pipe);
			if (r < 0)
				return r;
			r = parse_block(ps, inner, it->toks[1].s);
			ps->depth--;
			return r;
		}
		if (it->n_toks > 1)
			return perr(ps, it->toks[1].pos, "unexpected token after else");
		r = parse_list(ps, &n->else_list, &stop);
		if (r < 0)
			return r;
		if (stop != STOP_END)
			return perr(ps, n->pos, "{{%s}} has no {{end}} after its {{else}}", kw);
	}
	ps->depth--;
	return 0;
}

static int parse_list(struct parser *ps, struct node_list *l, enum stop *stop)
{
	int r;

	while (ps->at < ps->n_items) {
		struct item *it = &ps->items[ps->at++];
		struct node *n;

		if (is_kw(it, 0, "end")) {
			if (it->n_toks > 1)
				return perr(ps, it->toks[1].pos, "unexpected token after end");
			*stop = STOP_END;
			return 0;
		}
		if (is_kw(it, 0, "else")) {
			*stop = STOP_ELSE;
			return 0;
		}
		n = calloc(1, sizeof(*n));
		if (!n || list_add(l, n) < 0) {
			free(n);
			return berr(ps->err, ENOMEM, "out of memory");
		}
		n->pos = it->pos;
		if (!it->is_action) {
			n->type = N_TEXT;
			n->text = TAKE_PTR(it->text);
			n->len = it->len;
			continue;
		}
		if (is_kw(it, 0, "if") || is_kw(it, 0, "range") || is_kw(it, 0, "with")) {
			const char *kw = it->toks[0].s;
			n->type = kw[0] == 'i' ? N_IF : kw[0] == 'r' ? N_RANGE : N_WITH;
			r = parse_action_pipe(ps, it, 1, true, &n->pipe);
			if (r < 0)
				return r;
			if (n->type != N_RANGE && n->pipe->n_vars > 1)
				return perr(ps, it->pos, "too many declarations in %s", kw);
			r = parse_block(ps, n, kw);
			if (r < 0)
				return r;
			continue;
		}
		if (it->toks[0].type == T_IDENT &&
		    (strcmp(it->toks[0].s, "define") == 0 ||
		     strcmp(it->toks[0].s, "template") == 0 ||
		     strcmp(it->toks[0].s, "block") == 0 || strcmp(it->toks[0].s, "break") == 0 ||
		     strcmp(it->toks[0].s, "continue") == 0))
			return perr(ps, it->pos, "{{%s}} is not supported in berth's templates",
				    it->toks[0].s);
		n->type = N_ACTION;
		r = parse_action_pipe(ps, it, 0, true, &n->pipe);
		if (r < 0)
			return r;
		if (n->pipe->n_vars > 1)
			return perr(ps, it->pos, "too many declarations in command");
	}
	*stop = STOP_EOF;
	return 0;
}

int fmt_compile(const char *text, struct fmt_template **ret, berth_error *err)
{
	struct parser ps = {.src = text, .len = strlen(text), .err = err};
	struct fmt_template *t;
	enum stop stop;
	int r;

	if (ps.len > FMT_MAX_TEMPLATE)
		return berr(err, EFBIG, "template: longer than %d bytes", FMT_MAX_TEMPLATE);
	t = calloc(1, sizeof(*t));
	if (!t || !(t->src = strdup(text))) {
		free(t);
		return berr(err, ENOMEM, "out of memory");
	}
	ps.src = t->src;
	r = cut(&ps);
	if (r >= 0)
		r = parse_list(&ps, &t->root, &stop);
	if (r >= 0 && stop != STOP_EOF)
		r = perr(&ps, ps.items[ps.at - 1].pos, "unexpected {{%s}}",
			 stop == STOP_END ? "end" : "else");
	items_free(ps.items, ps.n_items);
	if (r < 0) {
		fmt_template_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

/* ------------------------------------------------------------------ values */

static bool truthy(json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_TRUE:
		return true;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	}
	return false;
}

static const char *type_name(json_t *v)
{
	if (!v)
		return "nil";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "map";
	case JSON_ARRAY:
		return "slice";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float64";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_NULL:
		return "nil";
	}
	return "value";
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's %v for a float64: the shortest representation that reads back the same. */
static int put_float(struct sbuf *b, double d)
{
	char s[40];

	if (isnan(d))
		return sb_puts(b, "NaN");
	if (isinf(d))
		return sb_puts(b, d > 0 ? "+Inf" : "-Inf");
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*e", prec - 1, d);
		if (strtod(s, NULL) == d) {
			int exp = atoi(strchr(s, 'e') + 1);
			/* strconv's shortest 'g': exponent form below 1e-4 and from 1e6 on,
			 * with at least two exponent digits, as C writes it */
			if (exp < -4 || exp >= 6)
				return sb_puts(b, s);
			snprintf(s, sizeof(s), "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
			return sb_puts(b, s);
		}
	}
	return sb_printf(b, "%.17g", d);
}

static int put_value(struct sbuf *b, json_t *v)
{
	int r = 0;

	if (!v)
		return sb_puts(b, "<no value>");
	switch (json_typeof(v)) {
	case JSON_NULL:
		return sb_puts(b, "<nil>");
	case JSON_TRUE:
		return sb_puts(b, "true");
	case JSON_FALSE:
		return sb_puts(b, "false");
	case JSON_INTEGER:
		return sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return put_float(b, json_real_value(v));
	case JSON_STRING:
		return sb_put(b, json_string_value(v), json_string_length(v));
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		r = sb_puts(b, "[");
		json_array_foreach(v, i, e)
		{
			if (r >= 0 && i > 0)
				r = sb_puts(b, " ");
			if (r >= 0)
				r = put_value(b, e);
		}
		return r < 0 ? r : sb_puts(b, "]");
	}
	case JSON_OBJECT: {
		/* Go prints maps with sorted keys */
		size_t n = json_object_size(v), k = 0;
		const char *key;
		json_t *e;
		_cleanup_free_ const char **keys = calloc(n + 1, sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		json_object_foreach(v, key, e) keys[k++] = key;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		r = sb_puts(b, "map[");
		for (size_t i = 0; r >= 0 && i < n; i++) {
			if (i > 0)
				r = sb_puts(b, " ");
			if (r >= 0)
				r = sb_printf(b, "%s:", keys[i]);
			if (r >= 0)
				r = put_value(b, json_object_get(v, keys[i]));
		}
		return r < 0 ? r : sb_puts(b, "]");
	}
	}
	return 0;
}

char *fmt_value_string(json_t *v)
{
	struct sbuf b = {0};

	if (put_value(&b, v) < 0) {
		free(b.d);
		return NULL;
	}
	return sb_take(&b);
}

/* ------------------------------------------------------------------ execution */

struct var {
	const char *name;
	json_t *val;
};

struct exec {
	struct sbuf *out;
	json_t *root;
	struct var *vars;
	size_t n_vars, cap;
	berth_error *err;
	const char *src;
	size_t pos; /* of the command being run, for messages */
	size_t steps;
};

static int xerr(struct exec *ex, const char *fmt, ...) _printf_(2, 3);
static int xerr(struct exec *ex, const char *fmt, ...)
{
	char what[512];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	line_col(ex->src, ex->pos, &line, &col);
	return berr(ex->err, EINVAL, "template: %u:%u: executing: %s", line, col, what);
}

static int xnomem(struct exec *ex)
{
	return berr(ex->err, ENOMEM, "out of memory");
}

static int var_push(struct exec *ex, const char *name, json_t *val)
{
	if (ex->n_vars == ex->cap) {
		size_t ncap = ex->cap ? ex->cap * 2 : 8;
		struct var *n = realloc(ex->vars, ncap * sizeof(*n));
		if (!n) {
			json_decref(val);
			return xnomem(ex);
		}
		ex->vars = n;
		ex->cap = ncap;
	}
	ex->vars[ex->n_vars].name = name;
	ex->vars[ex->n_vars].val = val;
	ex->n_vars++;
	return 0;
}

static void var_pop_to(struct exec *ex, size_t mark)
{
	while (ex->n_vars > mark)
		json_decref(ex->vars[--ex->n_vars].val);
}

static struct var *var_find(struct exec *ex, const char *name)
{
	for (size_t i = ex->n_vars; i > 0; i--)
		if (strcmp(ex->vars[i - 1].name, name) == 0)
			return &ex->vars[i - 1];
	return NULL;
}

/* Descends @v (a reference that is consumed) along @parts. */
static int walk(struct exec *ex, json_t *v, char *const *parts, size_t n, json_t **ret)
{
	for (size_t i = 0; i < n; i++) {
		json_t *next;

		if (!v || json_is_null(v)) {
			json_decref(v);
			v = NULL;
			continue; /* a missing value stays missing */
		}
		if (!json_is_object(v)) {
			int r =
			    xerr(ex, "can't evaluate field %s in type %s", parts[i], type_name(v));
			json_decref(v);
			return r;
		}
		next = json_incref(json_object_get(v, parts[i]));
		json_decref(v);
		v = next;
	}
	*ret = v;
	return 0;
}

static int eval_pipe(struct exec *ex, const struct pipe *p, json_t *dot, json_t **ret);
static int call_function(struct exec *ex, const char *name, json_t **args, size_t n, json_t **ret);

static int eval_arg(struct exec *ex, const struct arg *a, json_t *dot, json_t **ret)
{
	json_t *v = NULL;
	int r;

	ex->pos = a->pos;
	switch (a->type) {
	case A_FIELD:
		return walk(ex, json_incref(dot), a->parts, a->n_parts, ret);
	case A_VAR: {
		struct var *var = a->s[0] ? var_find(ex, a->s) : NULL;
		if (a->s[0] && !var)
			return xerr(ex, "undefined variable \"$%s\"", a->s);
		return walk(ex, json_incref(var ? var->val : ex->root), a->parts, a->n_parts, ret);
	}
	case A_STRING:
		v = json_stringn_nocheck(a->s, strlen(a->s));
		break;
	case A_INT:
		v = json_integer(a->i);
		break;
	case A_FLOAT:
		v = json_real(a->f);
		break;
	case A_BOOL:
		v = json_boolean(a->b);
		break;
	case A_NIL:
		v = json_null();
		break;
	case A_FUNC:
		return call_function(ex, a->s, NULL, 0, ret);
	case A_PIPE:
		r = eval_pipe(ex, a->sub, dot, &v);
		if (r < 0)
			return r;
		return walk(ex, v, a->parts, a->n_parts, ret);
	}
	if (!v)
		return xnomem(ex);
	*ret = v;
	return 0;
}

static int eval_command(struct exec *ex, const struct command *c, json_t *dot, bool has_prev,
			json_t *prev, json_t **ret)
{
	const struct arg *first = &c->args[0];
	json_t **args;
	size_t n = 0;
	int r = 0;

	if (first->type != A_FUNC) {
		if (c->n > 1) {
			ex->pos = c->args[1].pos;
			return xerr(ex, "can't give argument to non-function");
		}
		return eval_arg(ex, first, dot, ret);
	}
	args = calloc(c->n + 1, sizeof(*args));
	if (!args)
		return xnomem(ex);
	for (size_t i = 1; i < c->n && r >= 0; i++, n++)
		r = eval_arg(ex, &c->args[i], dot, &args[n]);
	if (r >= 0 && has_prev)
		args[n++] = json_incref(prev);
	ex->pos = first->pos;
	if (r >= 0)
		r = call_function(ex, first->s, args, n, ret);
	for (size_t i = 0; i < n; i++)
		json_decref(args[i]);
	free(args);
	return r;
}

static int eval_pipe(struct exec *ex, const struct pipe *p, json_t *dot, json_t **ret)
{
	json_t *v = NULL;

	for (size_t i = 0; i < p->n; i++) {
		json_t *next = NULL;
		int r = eval_command(ex, &p->cmds[i], dot, i > 0, v, &next);
		json_decref(v);
		if (r < 0)
			return r;
		v = next;
	}
	*ret = v;
	return 0;
}

/* Declares or assigns the variable of an action / if / with pipeline. */
static int bind_var(struct exec *ex, const struct pipe *p, json_t *v)
{
	if (p->assign) {
		struct var *var = var_find(ex, p->vars[0]);
		if (!var) {
			json_decref(v);
			return xerr(ex, "undefined variable \"$%s\"", p->vars[0]);
		}
		json_decref(var->val);
		var->val = v;
		return 0;
	}
	return var_push(ex, p->vars[0], v);
}

static int exec_list(struct exec *ex, const struct node_list *l, json_t *dot);

static int exec_range(struct exec *ex, const struct node *n, json_t *dot)
{
	_cleanup_jv_ json_t *v = NULL;
	size_t mark = ex->n_vars;
	int r;

	r = eval_pipe(ex, n->pipe, dot, &v);
	if (r < 0)
		return r;
	if (!truthy(v))
		return exec_list(ex, &n->else_list, dot);
	if (!json_is_array(v) && !json_is_object(v)) {
		ex->pos = n->pos;
		return xerr(ex, "range can't iterate over %s", type_name(v));
	}
	size_t count = json_is_array(v) ? json_array_size(v) : json_object_size(v);
	_cleanup_free_ const char **keys = NULL;
	if (json_is_object(v)) {
		const char *key;
		json_t *e;
		size_t k = 0;
		keys = calloc(count + 1, sizeof(*keys));
		if (!keys)
			return xnomem(ex);
		json_object_foreach(v, key, e) keys[k++] = key;
		qsort(keys, count, sizeof(*keys), cmp_keys);
	}
	for (size_t i = 0; i < count; i++) {
		json_t *elem = keys ? json_object_get(v, keys[i]) : json_array_get(v, i);
		if (n->pipe->n_vars == 2) {
			json_t *idx = keys ? json_string(keys[i]) : json_integer((json_int_t)i);
			if (!idx)
				return xnomem(ex);
			r = var_push(ex, n->pipe->vars[0], idx);
			if (r >= 0)
				r = var_push(ex, n->pipe->vars[1], json_incref(elem));
		} else if (n->pipe->n_vars == 1) {
			r = var_push(ex, n->pipe->vars[0], json_incref(elem));
		}
		if (r >= 0)
			r = exec_list(ex, &n->list, elem);
		var_pop_to(ex, mark);
		if (r < 0)
			return r;
	}
	return 0;
}

static int exec_node(struct exec *ex, const struct node *n, json_t *dot)
{
	_cleanup_jv_ json_t *v = NULL;
	size_t mark;
	int r;

	if (++ex->steps > FMT_MAX_STEPS) {
		ex->pos = n->pos;
		return xerr(ex, "the template runs too long (more than %d steps)", FMT_MAX_STEPS);
	}

	switch (n->type) {
	case N_TEXT:
		return sb_put(ex->out, n->text, n->len) < 0 ? xnomem(ex) : 0;
	case N_ACTION:
		r = eval_pipe(ex, n->pipe, dot, &v);
		if (r < 0)
			return r;
		if (n->pipe->n_vars)
			return bind_var(ex, n->pipe, TAKE_PTR(v));
		return put_value(ex->out, v) < 0 ? xnomem(ex) : 0;
	case N_IF:
	case N_WITH:
		r = eval_pipe(ex, n->pipe, dot, &v);
		if (r < 0)
			return r;
		mark = ex->n_vars;
		if (n->pipe->n_vars && (r = bind_var(ex, n->pipe, json_incref(v))) < 0)
			return r;
		if (truthy(v))
			r = exec_list(ex, &n->list, n->type == N_WITH ? v : dot);
		else
			r = exec_list(ex, &n->else_list, dot);
		if (!n->pipe->assign)
			var_pop_to(ex, mark);
		return r;
	case N_RANGE:
		return exec_range(ex, n, dot);
	}
	return 0;
}

static int exec_list(struct exec *ex, const struct node_list *l, json_t *dot)
{
	size_t mark = ex->n_vars;
	int r = 0;

	for (size_t i = 0; i < l->n && r >= 0; i++)
		r = exec_node(ex, l->v[i], dot);
	var_pop_to(ex, mark); /* variables live until the end of their block */
	return r;
}

int fmt_render(const struct fmt_template *t, json_t *data, char **ret, berth_error *err)
{
	struct sbuf out = {0};
	struct exec ex = {.out = &out, .root = data, .err = err, .src = t->src};
	int r;

	r = exec_list(&ex, &t->root, data);
	var_pop_to(&ex, 0);
	free(ex.vars);
	if (r < 0) {
		free(out.d);
		return r;
	}
	*ret = sb_take(&out);
	return *ret ? 0 : berr(err, ENOMEM, "out of memory");
}

int fmt_render_to(FILE *f, const struct fmt_template *t, json_t *data, berth_error *err)
{
	_cleanup_free_ char *s = NULL;
	int r = fmt_render(t, data, &s, err);

	if (r < 0)
		return r;
	if (fputs(s, f) < 0)
		return berr_errno(err, errno, "write output");
	return 0;
}

/* ------------------------------------------------------------------ functions */

typedef int (*fmt_fn)(struct exec *ex, json_t **a, size_t n, json_t **ret);

/* The text of a value for string functions: strings as is, anything else as %v. */
static char *str_of(json_t *v)
{
	if (v && json_is_string(v))
		return strndup(json_string_value(v), json_string_length(v));
	return fmt_value_string(v);
}

static int ret_string(struct exec *ex, char *s, json_t **ret)
{
	if (!s)
		return xnomem(ex);
	*ret = json_stringn_nocheck(s, strlen(s));
	free(s);
	return *ret ? 0 : xnomem(ex);
}

static bool to_int(json_t *v, long long *ret)
{
	if (v && json_is_integer(v)) {
		*ret = json_integer_value(v);
		return true;
	}
	/* a whole number that fits: Go's templates refuse the rest, and the cast would be UB */
	if (v && json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
	    fabs(json_real_value(v)) < 9.2e18) {
		*ret = (long long)json_real_value(v);
		return true;
	}
	return false;
}

static int fn_json(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	char *s = a[0] ? json_dumps(a[0], JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");

	return ret_string(ex, s, ret);
}

static int fn_case(struct exec *ex, json_t *v, int (*conv)(int), json_t **ret)
{
	char *s = str_of(v);

	for (char *p = s; p && *p; p++)
		*p = (char)conv((unsigned char)*p);
	return ret_string(ex, s, ret);
}

static int fn_lower(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return fn_case(ex, a[0], tolower, ret);
}

static int fn_upper(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return fn_case(ex, a[0], toupper, ret);
}

static int fn_title(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	char *s = str_of(a[0]);
	bool start = true;

	for (char *p = s; p && *p; p++) {
		bool letter = isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80 ||
			      *p == '_' || *p == '\'';
		if (letter && start)
			*p = (char)toupper((unsigned char)*p);
		start = !letter;
	}
	return ret_string(ex, s, ret);
}

static int fn_join(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	_cleanup_free_ char *sep = str_of(a[1]);
	struct sbuf b = {0};
	size_t i;
	json_t *e;

	if (!sep)
		return xnomem(ex);
	if (!a[0] || json_is_null(a[0]))
		return ret_string(ex, strdup(""), ret);
	if (!json_is_array(a[0]))
		return xerr(ex,
			    "error calling join: wrong type for value; expected []string; "
			    "got %s",
			    type_name(a[0]));
	json_array_foreach(a[0], i, e)
	{
		if ((i > 0 && sb_puts(&b, sep) < 0) || put_value(&b, e) < 0) {
			free(b.d);
			return xnomem(ex);
		}
	}
	return ret_string(ex, sb_take(&b), ret);
}

static int fn_split(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	_cleanup_free_ char *s = str_of(a[0]), *sep = str_of(a[1]);
	json_t *arr = json_array();
	char *p;

	if (!s || !sep || !arr) {
		json_decref(arr);
		return xnomem(ex);
	}
	p = s;
	for (;;) {
		char *hit = *sep ? strstr(p, sep) : (*p && p[1] ? p + 1 : NULL);
		size_t len = hit ? (size_t)(hit - p) : strlen(p);
		if (!*sep && !*p)
			break;
		if (json_array_append_new(arr, json_stringn_nocheck(p, len)) < 0) {
			json_decref(arr);
			return xnomem(ex);
		}
		if (!hit)
			break;
		p = hit + strlen(sep);
	}
	*ret = arr;
	return 0;
}

static int fn_truncate(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	char *s = str_of(a[0]);
	long long len;

	if (!to_int(a[1], &len) || len < 0) {
		free(s);
		return xerr(ex, "error calling truncate: the length must be an integer >= 0");
	}
	if (s && strlen(s) > (size_t)len)
		s[len] = '\0';
	return ret_string(ex, s, ret);
}

static int fn_pad(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	_cleanup_free_ char *s = str_of(a[0]);
	long long pre, post;
	char *out = NULL;

	if (!to_int(a[1], &pre) || !to_int(a[2], &post) || pre < 0 || post < 0 || pre > 4096 ||
	    post > 4096)
		return xerr(ex, "error calling pad: the paddings must be integers from 0 to 4096");
	if (!s)
		return xnomem(ex);
	if (!*s)
		return ret_string(ex, strdup(""), ret);
	if (asprintf(&out, "%*s%s%*s", (int)pre, "", s, (int)post, "") < 0)
		out = NULL;
	return ret_string(ex, out, ret);
}

static int fn_len(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	size_t len;

	if (a[0] && json_is_string(a[0]))
		len = json_string_length(a[0]);
	else if (a[0] && json_is_array(a[0]))
		len = json_array_size(a[0]);
	else if (a[0] && json_is_object(a[0]))
		len = json_object_size(a[0]);
	else
		return xerr(ex, "error calling len: len of type %s", type_name(a[0]));
	*ret = json_integer((json_int_t)len);
	return *ret ? 0 : xnomem(ex);
}

static int fn_index(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	json_t *v = a[0];

	for (size_t i = 1; i < n; i++) {
		long long idx;
		if (!v || json_is_null(v))
			return xerr(ex, "error calling index: index of untyped nil");
		if (json_is_object(v)) {
			if (!a[i] || !json_is_string(a[i]))
				return xerr(ex,
					    "error calling index: value has type %s; should be "
					    "string",
					    type_name(a[i]));
			v = json_object_get(v, json_string_value(a[i]));
		} else if (json_is_array(v)) {
			if (!to_int(a[i], &idx))
				return xerr(ex, "error calling index: cannot index slice with %s",
					    type_name(a[i]));
			if (idx < 0 || (size_t)idx >= json_array_size(v))
				return xerr(ex, "error calling index: index out of range: %lld",
					    idx);
			v = json_array_get(v, (size_t)idx);
		} else {
			return xerr(ex, "error calling index: can't index item of type %s",
				    type_name(v));
		}
	}
	*ret = json_incref(v);
	return 0;
}

/* Compares @x and @y: -1/0/1, or -2 when they are not comparable. */
static int compare(json_t *x, json_t *y)
{
	if (!x || !y)
		return x == y ? 0 : -2;
	if (json_is_number(x) && json_is_number(y)) {
		if (json_is_integer(x) && json_is_integer(y)) {
			json_int_t a = json_integer_value(x), b = json_integer_value(y);
			return a < b ? -1 : a > b;
		}
		double a = json_number_value(x), b = json_number_value(y);
		return a < b ? -1 : a > b;
	}
	if (json_is_string(x) && json_is_string(y)) {
		int c = strcmp(json_string_value(x), json_string_value(y));
		return c < 0 ? -1 : c > 0;
	}
	if (json_is_boolean(x) && json_is_boolean(y))
		return json_is_true(x) == json_is_true(y) ? 0 : -2;
	if (json_is_null(x) && json_is_null(y))
		return 0;
	return -2;
}

static int fn_eq(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	bool eq = false;

	for (size_t i = 1; i < n && !eq; i++) {
		int c = compare(a[0], a[i]);
		if (c == -2 && a[0] && a[i] && json_typeof(a[0]) != json_typeof(a[i]) &&
		    !(json_is_boolean(a[0]) && json_is_boolean(a[i])) &&
		    !(json_is_number(a[0]) && json_is_number(a[i])))
			return xerr(ex, "error calling eq: incompatible types for comparison");
		eq = c == 0;
	}
	*ret = json_boolean(eq);
	return 0;
}

static int fn_ne(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	int r = fn_eq(ex, a, n, ret);

	if (r == 0) {
		bool v = json_is_true(*ret);
		json_decref(*ret);
		*ret = json_boolean(!v);
	}
	return r;
}

static int fn_order(struct exec *ex, json_t **a, const char *name, bool (*ok)(int), json_t **ret)
{
	int c = compare(a[0], a[1]);

	if (c == -2 || json_is_boolean(a[0]) || json_is_null(a[0]))
		return xerr(ex, "error calling %s: incompatible types for comparison", name);
	*ret = json_boolean(ok(c));
	return 0;
}

static bool is_lt(int c)
{
	return c < 0;
}
static bool is_le(int c)
{
	return c <= 0;
}
static bool is_gt(int c)
{
	return c > 0;
}
static bool is_ge(int c)
{
	return c >= 0;
}

static int fn_lt(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return fn_order(ex, a, "lt", is_lt, ret);
}
static int fn_le(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return fn_order(ex, a, "le", is_le, ret);
}
static int fn_gt(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return fn_order(ex, a, "gt", is_gt, ret);
}
static int fn_ge(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return fn_order(ex, a, "ge", is_ge, ret);
}

static int fn_and(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	size_t i = 0;

	while (i + 1 < n && truthy(a[i]))
		i++;
	*ret = json_incref(a[i]);
	return 0;
}

static int fn_or(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	size_t i = 0;

	while (i + 1 < n && !truthy(a[i]))
		i++;
	*ret = json_incref(a[i]);
	return 0;
}

static int fn_not(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	*ret = json_boolean(!truthy(a[0]));
	return 0;
}

/* fmt.Sprint: spaces between operands when neither is a string; Sprintln: always. */
static int do_print(struct exec *ex, json_t **a, size_t n, bool ln, json_t **ret)
{
	struct sbuf b = {0};
	int r = sb_put(&b, "", 0);

	for (size_t i = 0; i < n && r >= 0; i++) {
		bool str_here = a[i] && json_is_string(a[i]);
		bool str_prev = i > 0 && a[i - 1] && json_is_string(a[i - 1]);
		if (i > 0 && (ln || (!str_here && !str_prev)))
			r = sb_puts(&b, " ");
		if (r >= 0)
			r = put_value(&b, a[i]);
	}
	if (r >= 0 && ln)
		r = sb_puts(&b, "\n");
	if (r < 0) {
		free(b.d);
		return xnomem(ex);
	}
	return ret_string(ex, sb_take(&b), ret);
}

static int fn_print(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return do_print(ex, a, n, false, ret);
}

static int fn_println(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	return do_print(ex, a, n, true, ret);
}

/* Go-style quoting for %q. */
static int put_quoted(struct sbuf *b, const char *s)
{
	int r = sb_puts(b, "\"");

	for (; r >= 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			r = sb_printf(b, "\\%c", c);
		else if (c == '\n')
			r = sb_puts(b, "\\n");
		else if (c == '\t')
			r = sb_puts(b, "\\t");
		else if (c == '\r')
			r = sb_puts(b, "\\r");
		else if (c < 0x20 || c == 0x7f)
			r = sb_printf(b, "\\x%02x", c);
		else
			r = sb_put(b, s, 1);
	}
	return r < 0 ? r : sb_puts(b, "\"");
}

/* One printf verb with its flags/width/precision in @spec (e.g. "%-10"), applied to @v. */
static int printf_verb(struct sbuf *b, const char *spec, char verb, json_t *v)
{
	char cfmt[64];
	long long i;
	_cleanup_free_ char *s = NULL;

	switch (verb) {
	case 'v':
	case 's':
		s = str_of(v);
		if (!s)
			return -ENOMEM;
		snprintf(cfmt, sizeof(cfmt), "%ss", spec);
		return sb_printf(b, cfmt, s);
	case 'q': {
		struct sbuf q = {0};
		s = str_of(v);
		if (!s || put_quoted(&q, s) < 0) {
			free(q.d);
			return -ENOMEM;
		}
		snprintf(cfmt, sizeof(cfmt), "%ss", spec);
		int r = sb_printf(b, cfmt, q.d);
		free(q.d);
		return r;
	}
	case 'd':
	case 'x':
	case 'X':
	case 'o':
		if (to_int(v, &i)) {
			snprintf(cfmt, sizeof(cfmt), "%sll%c", spec, verb);
			return sb_printf(b, cfmt, i);
		}
		if (verb != 'd' && v && json_is_string(v)) {
			for (const char *p = json_string_value(v); *p; p++)
				if (sb_printf(b, verb == 'X' ? "%02X" : "%02x", (unsigned char)*p) <
				    0)
					return -ENOMEM;
			return 0;
		}
		break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
		if (v && json_is_number(v)) {
			snprintf(cfmt, sizeof(cfmt), "%s%c", spec, verb);
			return sb_printf(b, cfmt, json_number_value(v));
		}
		break;
	case 't':
		if (v && json_is_boolean(v)) {
			snprintf(cfmt, sizeof(cfmt), "%ss", spec);
			return sb_printf(b, cfmt, json_is_true(v) ? "true" : "false");
		}
		break;
	default:
		s = str_of(v);
		return sb_printf(b, "%%!%c(%s=%s)", verb, type_name(v), s ? s : "");
	}
	s = str_of(v);
	return sb_printf(b, "%%!%c(%s=%s)", verb, type_name(v), s ? s : "");
}

static int fn_printf(struct exec *ex, json_t **a, size_t n, json_t **ret)
{
	_cleanup_free_ char *f = NULL;
	struct sbuf b = {0};
	size_t argi = 1;
	int r = 0;

	if (!a[0] || !json_is_string(a[0]))
		return xerr(ex, "error calling printf: the format must be a string");
	f = strdup(json_string_value(a[0]));
	if (!f)
		return xnomem(ex);
	r = sb_put(&b, "", 0);
	for (const char *p = f; *p && r >= 0;) {
		char spec[32];
		size_t sl = 0;

		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t len = q ? (size_t)(q - p) : strlen(p);
			r = sb_put(&b, p, len);
			p += len;
			continue;
		}
		spec[sl++] = *p++;
		if (*p == '%') {
			r = sb_puts(&b, "%");
			p++;
			continue;
		}
		while (*p && strchr("+-# 0", *p) && sl < 8)
			spec[sl++] = *p++;
		while (isdigit((unsigned char)*p) && sl < 16)
			spec[sl++] = *p++;
		if (*p == '.') {
			spec[sl++] = *p++;
			while (isdigit((unsigned char)*p) && sl < 24)
				spec[sl++] = *p++;
		}
		spec[sl] = '\0';
		if (isdigit((unsigned char)*p) || !*p) {
			r = sb_puts(&b, "%!(NOVERB)");
			break;
		}
		if (argi >= n)
			r = sb_printf(&b, "%%!%c(MISSING)", *p);
		else
			r = printf_verb(&b, spec, *p, a[argi++]);
		p++;
	}
	if (r >= 0 && argi < n) {
		r = sb_puts(&b, "%!(EXTRA ");
		for (size_t i = argi; i < n && r >= 0; i++) {
			r = sb_printf(&b, "%s%s=", i > argi ? ", " : "", type_name(a[i]));
			if (r >= 0)
				r = put_value(&b, a[i]);
		}
		if (r >= 0)
			r = sb_puts(&b, ")");
	}
	if (r < 0) {
		free(b.d);
		return xnomem(ex);
	}
	return ret_string(ex, sb_take(&b), ret);
}

static const struct {
	const char *name;
	fmt_fn fn;
	int min, max; /* argument counts; max -1 = any */
} functions[] = {
    {"and", fn_and, 1, -1},	{"eq", fn_eq, 2, -1},	      {"ge", fn_ge, 2, 2},
    {"gt", fn_gt, 2, 2},	{"index", fn_index, 1, -1},   {"join", fn_join, 2, 2},
    {"json", fn_json, 1, 1},	{"le", fn_le, 2, 2},	      {"len", fn_len, 1, 1},
    {"lower", fn_lower, 1, 1},	{"lt", fn_lt, 2, 2},	      {"ne", fn_ne, 2, 2},
    {"not", fn_not, 1, 1},	{"or", fn_or, 1, -1},	      {"pad", fn_pad, 3, 3},
    {"print", fn_print, 0, -1}, {"printf", fn_printf, 1, -1}, {"println", fn_println, 0, -1},
    {"split", fn_split, 2, 2},	{"title", fn_title, 1, 1},    {"truncate", fn_truncate, 2, 2},
    {"upper", fn_upper, 1, 1},
};

static bool known_function(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(functions); i++)
		if (strcmp(functions[i].name, name) == 0)
			return true;
	return false;
}

static int call_function(struct exec *ex, const char *name, json_t **args, size_t n, json_t **ret)
{
	for (size_t i = 0; i < ELEMENTSOF(functions); i++) {
		if (strcmp(functions[i].name, name) != 0)
			continue;
		if ((int)n < functions[i].min ||
		    (functions[i].max >= 0 && (int)n > functions[i].max))
			return xerr(ex, "wrong number of args for %s: want %d got %zu", name,
				    functions[i].min, n);
		return functions[i].fn(ex, args, n, ret);
	}
	return xerr(ex, "function \"%s\" not defined", name);
}

/* ------------------------------------------------------------------ tabwriter */

struct fmt_table {
	struct sbuf text;
	size_t minwidth, padding;
};

struct fmt_table *fmt_table_new(size_t minwidth, size_t padding)
{
	struct fmt_table *t = calloc(1, sizeof(*t));

	if (t) {
		t->minwidth = minwidth;
		t->padding = padding;
	}
	return t;
}

void fmt_table_free(struct fmt_table *t)
{
	if (!t)
		return;
	free(t->text.d);
	free(t);
}

int fmt_table_write(struct fmt_table *t, const char *s, size_t len)
{
	return sb_put(&t->text, s, len);
}

struct tw_cell {
	const char *s;
	size_t len, width;
};

struct tw_line {
	struct tw_cell *cells;
	size_t n;
};

struct tw {
	struct tw_line *lines;
	size_t n_lines;
	size_t *widths;
	size_t n_widths;
	size_t minwidth, padding;
	struct sbuf *out;
};

static size_t rune_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static int tw_pad(struct tw *tw, size_t textw, size_t cellw)
{
	static const char spaces[] = "                                ";

	while (textw < cellw) { /* a block at a time: a wide table has thousands of pad bytes */
		size_t n = cellw - textw < sizeof(spaces) - 1 ? cellw - textw : sizeof(spaces) - 1;
		if (sb_put(tw->out, spaces, n) < 0)
			return -ENOMEM;
		textw += n;
	}
	return 0;
}

static int tw_write_lines(struct tw *tw, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		const struct tw_line *l = &tw->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			const struct tw_cell *c = &l->cells[j];
			if (sb_put(tw->out, c->s, c->len) < 0)
				return -ENOMEM;
			if (j < tw->n_widths && tw_pad(tw, c->width, tw->widths[j]) < 0)
				return -ENOMEM;
		}
		if (i + 1 < tw->n_lines && sb_put(tw->out, "\n", 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Go's tabwriter format(): columns are blocks of consecutive lines with a cell there. */
static int tw_format(struct tw *tw, size_t line0, size_t line1)
{
	size_t column = tw->n_widths;

	for (size_t this = line0; this < line1; this ++) {
		size_t width = tw->minwidth;
		int r;

		if (column + 1 >= tw->lines[this].n)
			continue;
		r = tw_write_lines(tw, line0, this);
		if (r < 0)
			return r;
		line0 = this;
		for (; this < line1; this ++) {
			const struct tw_line *l = &tw->lines[this];
			if (column + 1 >= l->n)
				break;
			if (l->cells[column].width + tw->padding > width)
				width = l->cells[column].width + tw->padding;
		}
		tw->widths[tw->n_widths++] = width;
		r = tw_format(tw, line0, this);
		tw->n_widths--;
		if (r < 0)
			return r;
		line0 = this;
		this --; /* the loop's increment must not skip the line that ended the block */
	}
	return tw_write_lines(tw, line0, line1);
}

int fmt_table_flush(struct fmt_table *t, FILE *out)
{
	struct sbuf res = {0};
	struct tw tw = {.minwidth = t->minwidth, .padding = t->padding, .out = &res};
	const char *s = t->text.d ? t->text.d : "";
	size_t max_cells = 1;
	int r = 0;

	/* cut into lines and cells; the text after the last newline is the final line */
	for (const char *p = s;;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		struct tw_line *nlines = realloc(tw.lines, (tw.n_lines + 1) * sizeof(*nlines));
		struct tw_line *l;

		if (!nlines) {
			r = -ENOMEM;
			break;
		}
		tw.lines = nlines;
		l = &tw.lines[tw.n_lines++];
		memset(l, 0, sizeof(*l));
		if (nl || end > p) {
			size_t cells = 1;
			for (const char *q = p; q < end; q++)
				cells += *q == '\t';
			l->cells = calloc(cells, sizeof(*l->cells));
			if (!l->cells) {
				r = -ENOMEM;
				break;
			}
			for (const char *q = p;; q++) {
				if (q == end || *q == '\t') {
					struct tw_cell *c = &l->cells[l->n++];
					c->s = p;
					c->len = (size_t)(q - p);
					c->width = rune_count(p, c->len);
					p = q + 1;
					if (q == end)
						break;
				}
			}
			if (l->n > max_cells)
				max_cells = l->n;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (r >= 0) {
		tw.widths = calloc(max_cells, sizeof(*tw.widths));
		r = tw.widths ? tw_format(&tw, 0, tw.n_lines) : -ENOMEM;
	}
	if (r >= 0 && res.n && fwrite(res.d, 1, res.n, out) != res.n)
		r = -errno;
	for (size_t i = 0; i < tw.n_lines; i++)
		free(tw.lines[i].cells);
	free(tw.lines);
	free(tw.widths);
	free(res.d);
	free(t->text.d);
	memset(&t->text, 0, sizeof(t->text));
	return r;
}

/* ------------------------------------------------------------------ podman conventions */

char *fmt_normalize(const char *format, bool *ret_table)
{
	bool table = strncmp(format, "table ", 6) == 0;
	struct sbuf b = {0};
	int r = sb_put(&b, "", 0);

	/* one left-to-right pass, as Go's strings.Replacer */
	for (const char *p = format; *p && r >= 0;) {
		if (table && strncmp(p, "table ", 6) == 0) {
			p += 6;
		} else if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			r = sb_puts(&b, p[1] == 't' ? "\t" : "\n");
			p += 2;
		} else if (table && *p == ' ') {
			r = sb_puts(&b, "\t");
			p++;
		} else {
			r = sb_put(&b, p, 1);
			p++;
		}
	}
	if (r >= 0 && (b.n == 0 || b.d[b.n - 1] != '\n'))
		r = sb_puts(&b, "\n");
	if (r < 0) {
		free(b.d);
		return NULL;
	}
	if (ret_table)
		*ret_table = table;
	return sb_take(&b);
}

enum cclass { C_LOWER, C_UPPER, C_DIGIT, C_OTHER };

static enum cclass cclass_of(char c)
{
	if (islower((unsigned char)c))
		return C_LOWER;
	if (isupper((unsigned char)c))
		return C_UPPER;
	if (isdigit((unsigned char)c))
		return C_DIGIT;
	return C_OTHER;
}

char *fmt_header_name(const char *field)
{
	size_t n = strlen(field), nruns = 0;
	_cleanup_free_ size_t *start = calloc(n + 1, sizeof(size_t));
	_cleanup_free_ size_t *len = calloc(n + 1, sizeof(size_t));
	struct sbuf b = {0};
	int r;

	if (!start || !len)
		return NULL;
	/* runs of one character class */
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || cclass_of(field[i]) != cclass_of(field[i - 1])) {
			start[nruns] = i;
			len[nruns++] = 0;
		}
		len[nruns - 1]++;
	}
	/* "HTTPServer": the last upper-case letter starts the next word */
	for (size_t i = 0; i + 1 < nruns; i++) {
		if (cclass_of(field[start[i]]) == C_UPPER &&
		    cclass_of(field[start[i + 1]]) == C_LOWER && len[i] > 0) {
			len[i]--;
			start[i + 1]--;
			len[i + 1]++;
		}
	}
	r = sb_put(&b, "", 0);
	for (size_t i = 0; i < nruns && r >= 0; i++) {
		if (!len[i])
			continue;
		if (b.n && (r = sb_puts(&b, " ")) < 0)
			break;
		for (size_t j = 0; j < len[i] && r >= 0; j++) {
			char c = (char)toupper((unsigned char)field[start[i] + j]);
			r = sb_put(&b, &c, 1);
		}
	}
	if (r < 0) {
		free(b.d);
		return NULL;
	}
	return sb_take(&b);
}

/* Is there a {{range .}} ... {{end}} in @f (podman's EnforceRange test)? */
static bool has_range_dot(const char *f)
{
	for (const char *p = strstr(f, "{{"); p; p = strstr(p + 2, "{{")) {
		const char *q = p + 2;
		while (is_space(*q))
			q++;
		if (strncmp(q, "range", 5) != 0)
			continue;
		q += 5;
		while (is_space(*q))
			q++;
		if (*q++ != '.')
			continue;
		while (is_space(*q))
			q++;
		if (strncmp(q, "}}", 2) == 0 && strstr(q, "{{end") != NULL)
			return true;
		if (strncmp(q, "}}", 2) == 0) {
			for (const char *e = strstr(q, "{{"); e; e = strstr(e + 2, "{{")) {
				const char *k = e + 2;
				while (is_space(*k))
					k++;
				if (strncmp(k, "end", 3) == 0)
					return true;
			}
		}
	}
	return false;
}

/* Adds a header entry for the field chain @parts to @hdr. */
static int header_add(json_t *hdr, char *const *parts, size_t n, const char *const *overrides)
{
	json_t *obj = hdr;

	for (size_t i = 0; i < n; i++) {
		json_t *cur = json_object_get(obj, parts[i]);
		if (i + 1 < n) {
			if (!cur || !json_is_object(cur)) {
				cur = json_object();
				if (!cur || json_object_set_new(obj, parts[i], cur) < 0)
					return -ENOMEM;
			}
			obj = cur;
			continue;
		}
		if (cur)
			return 0;
		_cleanup_free_ char *name = NULL;
		size_t fl = strlen(parts[i]);
		for (size_t k = 0; overrides && overrides[k]; k++)
			if (strncmp(overrides[k], parts[i], fl) == 0 && overrides[k][fl] == '=') {
				name = strdup(overrides[k] + fl + 1);
				for (char *c = name; c && *c; c++)
					*c = (char)toupper((unsigned char)*c);
				break;
			}
		if (!name)
			name = fmt_header_name(parts[i]);
		if (!name || json_object_set_new(obj, parts[i], json_string(name)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int header_from_pipe(json_t *hdr, const struct pipe *p, const char *const *ov);

static int header_from_list(json_t *hdr, const struct node_list *l, const char *const *ov)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct node *n = l->v[i];
		int r = 0;
		if (n->pipe)
			r = header_from_pipe(hdr, n->pipe, ov);
		if (r >= 0)
			r = header_from_list(hdr, &n->list, ov);
		if (r >= 0)
			r = header_from_list(hdr, &n->else_list, ov);
		if (r < 0)
			return r;
	}
	return 0;
}

static int header_from_pipe(json_t *hdr, const struct pipe *p, const char *const *ov)
{
	for (size_t c = 0; c < p->n; c++)
		for (size_t a = 0; a < p->cmds[c].n; a++) {
			const struct arg *arg = &p->cmds[c].args[a];
			int r = 0;
			if (arg->type == A_FIELD && arg->n_parts)
				r = header_add(hdr, arg->parts, arg->n_parts, ov);
			else if (arg->type == A_PIPE)
				r = header_from_pipe(hdr, arg->sub, ov);
			if (r < 0)
				return r;
		}
	return 0;
}

int fmt_print(FILE *out, const char *format, const char *default_format, json_t *items,
	      const char *const *headers, unsigned flags, berth_error *err)
{
	_cleanup_(fmt_template_freep) struct fmt_template *t = NULL;
	_cleanup_(fmt_table_freep) struct fmt_table *tw = NULL;
	_cleanup_free_ char *norm = NULL, *text = NULL, *s = NULL;
	bool table = false;
	int r;

	if (!format || !*format || strcmp(format, "table") == 0)
		format = default_format;
	if (strcmp(format, "json") == 0) {
		s = json_dumps(items, JSON_INDENT(4) | JSON_ENCODE_ANY);
		if (!s)
			return berr(err, ENOMEM, "out of memory");
		if (fprintf(out, "%s\n", s) < 0)
			return berr_errno(err, errno, "write output");
		return 0;
	}
	norm = fmt_normalize(format, &table);
	if (!norm)
		return berr(err, ENOMEM, "out of memory");
	if (table || !has_range_dot(norm)) {
		if (asprintf(&text, "{{range .}}%s{{end -}}", norm) < 0)
			return berr(err, ENOMEM, "out of memory");
	} else {
		text = TAKE_PTR(norm);
	}
	r = fmt_compile(text, &t, err);
	if (r < 0)
		return r;
	if (!table)
		return fmt_render_to(out, t, items, err);

	tw = fmt_table_new(12, 2);
	if (!tw)
		return berr(err, ENOMEM, "out of memory");
	if (!(flags & FMT_NO_HEADING)) {
		_cleanup_jv_ json_t *hdr = json_object(), *list = json_array();
		if (!hdr || !list || header_from_list(hdr, &t->root, headers) < 0 ||
		    json_array_append(list, hdr) < 0)
			return berr(err, ENOMEM, "out of memory");
		/* The header row is the template run over field names; a template that does
		 * more than show fields (index .Labels "x") may not make sense there: then the
		 * listing goes without a header rather than failing. */
		r = fmt_render(t, list, &s, NULL);
		if (r == -ENOMEM)
			return berr(err, ENOMEM, "out of memory");
		if (r >= 0 && fmt_table_write(tw, s, strlen(s)) < 0)
			return berr(err, ENOMEM, "out of memory");
		free(TAKE_PTR(s));
	}
	r = fmt_render(t, items, &s, err);
	if (r < 0)
		return r;
	if (fmt_table_write(tw, s, strlen(s)) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = fmt_table_flush(tw, out);
	if (r < 0)
		return berr_errno(err, -r, "write output");
	return 0;
}

int fmt_print_one(FILE *out, const char *format, json_t *obj, berth_error *err)
{
	_cleanup_(fmt_template_freep) struct fmt_template *t = NULL;
	_cleanup_free_ char *norm = NULL, *s = NULL;
	int r;

	if (strcmp(format, "json") == 0) {
		s = json_dumps(obj, JSON_INDENT(4) | JSON_ENCODE_ANY);
		if (!s)
			return berr(err, ENOMEM, "out of memory");
		if (fprintf(out, "%s\n", s) < 0)
			return berr_errno(err, errno, "write output");
		return 0;
	}
	norm = fmt_normalize(format, NULL);
	if (!norm)
		return berr(err, ENOMEM, "out of memory");
	r = fmt_compile(norm, &t, err);
	if (r < 0)
		return r;
	return fmt_render_to(out, t, obj, err);
}
