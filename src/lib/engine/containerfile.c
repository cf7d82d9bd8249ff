/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerfile.c - Containerfile lines into instructions (see containerfile.h).
 *
 * Theory of operation: the text is cut into physical lines; comment and blank lines are dropped
 * (also inside a continued instruction, as Docker does); a line whose last non-blank character
 * is a backslash continues on the next one. Each logical line is "WORD rest": WORD must be a
 * known instruction, leading "--flag" words of rest are split off, and a rest that parses as a
 * JSON array of strings is the exec form. Variable expansion is a separate pass, done by build
 * with the ARG and ENV values in force at each step.
 */
#include "engine/containerfile.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

static const char *const known[] = { "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV",
				     "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR",
				     "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", NULL };

static void instr_done(struct cf_instr *in)
{
	free(in->cmd);
	free(in->args);
	free(in->text);
	for (char **p = in->flags; p && *p; p++)
		free(*p);
	free(in->flags);
	for (char **p = in->exec; p && *p; p++)
		free(*p);
	free(in->exec);
}

void cf_file_done(struct cf_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		instr_done(&f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

const char *cf_flag(const struct cf_instr *in, const char *name)
{
	size_t n = strlen(name);

	for (char **p = in->flags; p && *p; p++)
		if (strncmp(*p + 2, name, n) == 0 && ((*p)[n + 2] == '=' || (*p)[n + 2] == '\0'))
			return (*p)[n + 2] ? *p + n + 3 : "";
	return NULL;
}

/* The exec form: a JSON array of strings, or NULL. */
static char **exec_form(const char *args)
{
	json_t *a, *x;
	char **v;
	size_t i;

	if (*args != '[')
		return NULL;
	a = json_loads(args, JSON_DECODE_ANY, NULL);
	if (!json_is_array(a) || json_array_size(a) > CF_MAX_WORDS) {
		json_decref(a);
		return NULL;
	}
	v = calloc(json_array_size(a) + 1, sizeof(char *));
	json_array_foreach(a, i, x) {
		if (!v || !json_is_string(x) || !(v[i] = strdup(json_string_value(x)))) {
			for (size_t k = 0; v && k < i; k++)
				free(v[k]);
			free(v);
			json_decref(a);
			return NULL;
		}
	}
	json_decref(a);
	return v;
}

static int add_instr(struct cf_file *f, char *line, unsigned lineno, berth_error *err)
{
	struct cf_instr in = { .line = lineno };
	char *p = line, *word;
	size_t nflags = 0, l;
	bool ok = false;

	word = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	for (char *c = word; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	for (const char *const *k = known; *k; k++)
		ok |= strcmp(*k, word) == 0;
	if (!ok)
		return berr(err, EINVAL, "line %u: unknown instruction \"%s\"", lineno, word);
	if (f->n >= CF_MAX_INSTRUCTIONS)
		return berr(err, E2BIG, "line %u: more than %u instructions", lineno, CF_MAX_INSTRUCTIONS);
	in.cmd = strdup(word);
	in.flags = calloc(CF_MAX_FLAGS + 1, sizeof(char *));
	if (!in.cmd || !in.flags)
		goto nomem;
	for (;;) {
		char *end;
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "--", 2) != 0 || !isalpha((unsigned char)p[2]))
			break;
		end = p;
		while (*end && !isspace((unsigned char)*end))
			end++;
		if (nflags >= CF_MAX_FLAGS) {
			instr_done(&in);
			return berr(err, EINVAL, "line %u: %s has too many flags", lineno, word);
		}
		if (!(in.flags[nflags++] = strndup(p, (size_t)(end - p))))
			goto nomem;
		p = end;
	}
	l = strlen(p);
	while (l && isspace((unsigned char)p[l - 1]))
		p[--l] = '\0';
	if (!*p) {
		instr_done(&in);
		return berr(err, EINVAL, "line %u: %s requires at least one argument", lineno, word);
	}
	in.args = strdup(p);
	in.exec = exec_form(p);
	if (!in.args)
		goto nomem;
	{
		size_t tl = strlen(in.cmd) + strlen(p) + 2;
		for (size_t i = 0; i < nflags; i++)
			tl += strlen(in.flags[i]) + 1;
		in.text = malloc(tl);
		if (!in.text)
			goto nomem;
		strcpy(in.text, in.cmd);
		for (size_t i = 0; i < nflags; i++)
			strcat(strcat(in.text, " "), in.flags[i]);
		strcat(strcat(in.text, " "), p);
	}
	{
		struct cf_instr *v = realloc(f->v, (f->n + 1) * sizeof(*v));
		if (!v)
			goto nomem;
		f->v = v;
		f->v[f->n++] = in;
	}
	return 0;
nomem:
	instr_done(&in);
	return berr(err, ENOMEM, "out of memory");
}

int cf_parse(const char *text, size_t len, struct cf_file *ret, berth_error *err)
{
	struct cf_file f = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t blen = 0, pos = 0;
	unsigned lineno = 0, start = 0;
	int r;

	if (len > CF_MAX_SIZE)
		return berr(err, EFBIG, "the Containerfile is larger than %u bytes", CF_MAX_SIZE);
	if (memchr(text, '\0', len))
		return berr(err, EINVAL, "the Containerfile contains a NUL byte");
	buf = malloc(len + 2);
	if (!buf)
		return berr(err, ENOMEM, "out of memory");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *line = text + pos;
		size_t s = 0, e = l;

		pos += l + (nl ? 1 : 0);
		lineno++;
		while (s < l && isspace((unsigned char)line[s]))
			s++;
		while (e > s && isspace((unsigned char)line[e - 1]))
			e--;
		if (s == e || line[s] == '#')
			continue;
		if (blen == 0)
			start = lineno;
		else
			buf[blen++] = ' ';
		memcpy(buf + blen, line + s, e - s);
		blen += e - s;
		if (buf[blen - 1] == '\\') {
			blen--;
			while (blen && isspace((unsigned char)buf[blen - 1]))
				blen--;
			continue;
		}
		buf[blen] = '\0';
		r = add_instr(&f, buf, start, err);
		if (r < 0) {
			cf_file_done(&f);
			return r;
		}
		blen = 0;
	}
	if (blen) {
		buf[blen] = '\0';
		r = add_instr(&f, buf, start, err);
		if (r < 0) {
			cf_file_done(&f);
			return r;
		}
	}
	*ret = f;
	return 0;
}

/* ---- expansion ---------------------------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static const char *lookup(char *const *vars, const char *name, size_t n)
{
	const char *found = NULL;

	for (char *const *v = vars; v && *v; v++)
		if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
			found = *v + n + 1;
	return found;
}

int cf_expand(const char *s, char *const *vars, char **ret, berth_error *err)
{
	struct sbuf b = { 0 };

	sb_add(&b, "", 0);
	while (*s) {
		if (s[0] == '\\' && s[1] == '$') {
			sb_add(&b, "$", 1);
			s += 2;
		} else if (s[0] == '$' && s[1] == '{') {
			const char *close = strchr(s + 2, '}'), *name = s + 2, *op;
			size_t n;
			const char *v;
			if (!close) {
				free(b.s);
				return berr(err, EINVAL, "\"%s\": missing '}'", s);
			}
			op = name;
			while (op < close && (isalnum((unsigned char)*op) || *op == '_'))
				op++;
			n = (size_t)(op - name);
			v = lookup(vars, name, n);
			if (op + 1 < close && op[0] == ':' && (op[1] == '-' || op[1] == '+')) {
				bool set = v && *v;
				if (op[1] == '-' && set)
					sb_add(&b, v, strlen(v));
				else if (op[1] == '-' || set)
					sb_add(&b, op + 2, (size_t)(close - op - 2));
			} else if (op == close) {
				if (v)
					sb_add(&b, v, strlen(v));
			} else {
				free(b.s);
				return berr(err, EINVAL, "\"%.*s\": unsupported substitution", (int)(close - s + 1), s);
			}
			s = close + 1;
		} else if (s[0] == '$' && (isalpha((unsigned char)s[1]) || s[1] == '_')) {
			const char *name = s + 1, *e = name, *v;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			v = lookup(vars, name, (size_t)(e - name));
			if (v)
				sb_add(&b, v, strlen(v));
			s = e;
		} else {
			sb_add(&b, s, 1);
			s++;
		}
	}
	if (b.oom) {
		free(b.s);
		return berr(err, ENOMEM, "out of memory");
	}
	*ret = b.s;
	return 0;
}

int cf_words(const char *s, char ***ret, berth_error *err)
{
	char **v = calloc(CF_MAX_WORDS + 1, sizeof(char *));
	size_t n = 0;

	if (!v)
		return berr(err, ENOMEM, "out of memory");
	for (;;) {
		struct sbuf b = { 0 };
		char q = 0;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		sb_add(&b, "", 0);
		while (*s && (q || !isspace((unsigned char)*s))) {
			if (q && *s == q) {
				q = 0;
				s++;
			} else if (!q && (*s == '"' || *s == '\'')) {
				q = *s++;
			} else if (*s == '\\' && q != '\'' && s[1]) {
				sb_add(&b, s + 1, 1);
				s += 2;
			} else {
				sb_add(&b, s, 1);
				s++;
			}
		}
		if (q || b.oom || n >= CF_MAX_WORDS) {
			free(b.s);
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return q ? berr(err, EINVAL, "unterminated quote") :
			       b.oom ? berr(err, ENOMEM, "out of memory") :
				       berr(err, E2BIG, "more than %u words", CF_MAX_WORDS);
		}
		v[n++] = b.s;
	}
	*ret = v;
	return 0;
}
