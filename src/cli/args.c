/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.c - table-driven option parsing for every command.
 *
 * Options are matched against the command's table and the global table; a command flagged
 * CLI_POSITIONAL_STOPS stops at its first positional (everything after the image belongs to the
 * container's command, as with podman run). "--" always ends the options.
 */
#include "cli/args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

static struct cli_value *find_value(const struct cli_args *args, const char *name)
{
	for (size_t i = 0; i < args->nvalues; i++)
		if (strcmp(args->values[i].opt->name, name) == 0)
			return &args->values[i];
	return NULL;
}

static struct cli_value *get_value(struct cli_args *args, const struct cli_option *opt)
{
	struct cli_value *v = find_value(args, opt->name);

	if (v)
		return v;
	if (args->nvalues == args->cap) {
		size_t ncap = args->cap ? args->cap * 2 : 16;
		struct cli_value *n = realloc(args->values, ncap * sizeof(*n));
		if (!n)
			return NULL;
		args->values = n;
		args->cap = ncap;
	}
	v = &args->values[args->nvalues++];
	memset(v, 0, sizeof(*v));
	v->opt = opt;
	return v;
}

static int push_value(struct cli_value *v, const char *val)
{
	char **n = realloc(v->list, (v->count + 2) * sizeof(char *));

	if (!n)
		return -ENOMEM;
	v->list = n;
	v->list[v->count] = strdup(val);
	if (!v->list[v->count])
		return -ENOMEM;
	v->list[++v->count] = NULL;
	return 0;
}

static const struct cli_option *lookup(const struct cli_option *const *tables, const char *name,
				       size_t namelen, char short_name)
{
	for (; *tables; tables++)
		for (const struct cli_option *o = *tables; o->name; o++) {
			if (short_name && o->short_name == short_name)
				return o;
			if (!short_name && strlen(o->name) == namelen &&
			    strncmp(o->name, name, namelen) == 0)
				return o;
		}
	return NULL;
}

static int parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*ret = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int set_option(struct cli_args *args, const struct cli_option *opt, const char *val,
		      berth_error *err)
{
	struct cli_value *v = get_value(args, opt);

	if (!v)
		return berr(err, ENOMEM, "out of memory");
	v->set = true;
	if (opt->type == CLI_BOOL) {
		bool b = true;
		if (val && parse_bool(val, &b) < 0)
			return berr(err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: expected true or false",
				    val, opt->name);
		v->flag = b;
		return 0;
	}
	if (opt->type == CLI_INT) {
		char *end;
		errno = 0;
		(void)strtol(val, &end, 10);
		if (errno || end == val || *end)
			return berr(err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: expected a number",
				    val, opt->name);
	}
	if (opt->type != CLI_LIST && v->count > 0) {
		free(v->list[0]);
		v->list[0] = strdup(val);
		return v->list[0] ? 0 : berr(err, ENOMEM, "out of memory");
	}
	return push_value(v, val) < 0 ? berr(err, ENOMEM, "out of memory") : 0;
}

int cli_args_parse(struct cli_args *args, const struct cli_option *const *tables, int argc,
		   char **argv, bool stop_at_positional, berth_error *err)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (push_value(&args->positional, a) < 0)
				return berr(err, ENOMEM, "out of memory");
			if (stop_at_positional)
				return i + 1;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct cli_option *o = lookup(tables, name, len, 0);
			const char *val = eq ? eq + 1 : NULL;
			if (!o)
				return berr(err, EINVAL, "unknown flag: --%.*s\nSee '%s --help'", (int)len,
					    name, args->path);
			if (o->type != CLI_BOOL && !val) {
				if (i + 1 >= argc)
					return berr(err, EINVAL, "flag needs an argument: --%s", o->name);
				val = argv[++i];
			}
			int r = set_option(args, o, val, err);
			if (r < 0)
				return r;
			continue;
		}
		/* A cluster of short options: -it, -dp 80:80, -e=X. */
		for (const char *s = a + 1; *s; s++) {
			const struct cli_option *o = lookup(tables, NULL, 0, *s);
			const char *val = NULL;
			if (!o)
				return berr(err, EINVAL, "unknown shorthand flag: '%c' in %s\nSee '%s --help'",
					    *s, a, args->path);
			if (o->type != CLI_BOOL) {
				if (s[1])
					val = s[1] == '=' ? s + 2 : s + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					return berr(err, EINVAL, "flag needs an argument: '%c' in %s", *s, a);
			}
			int r = set_option(args, o, val, err);
			if (r < 0)
				return r;
			if (val)
				break;
		}
	}
	if (stop_at_positional)
		return i;
	for (; i < argc; i++)
		if (push_value(&args->positional, argv[i]) < 0)
			return berr(err, ENOMEM, "out of memory");
	return i;
}

int cli_args_merge_globals(struct cli_args *g, const struct cli_args *args, berth_error *err)
{
	for (size_t k = 0; k < args->nvalues; k++) {
		const struct cli_value *v = &args->values[k];
		bool global = false;
		for (const struct cli_option *x = cli_global_options; x->name; x++)
			global |= v->opt == x;
		if (!global || !v->set)
			continue;
		if (v->opt->type == CLI_BOOL) {
			int r = set_option(g, v->opt, v->flag ? "true" : "false", err);
			if (r < 0)
				return r;
		}
		for (size_t j = 0; j < v->count; j++) {
			int r = set_option(g, v->opt, v->list[j], err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int cli_args_push_positional(struct cli_args *args, const char *word)
{
	return push_value(&args->positional, word);
}

void cli_args_free(struct cli_args *args)
{
	for (size_t i = 0; i < args->nvalues; i++)
		strv_free(args->values[i].list);
	free(args->values);
	strv_free(args->positional.list);
	memset(args, 0, sizeof(*args));
}

bool cli_flag(const struct cli_args *args, const char *name)
{
	const struct cli_value *v = find_value(args, name);
	return v && v->set && v->flag;
}

bool cli_is_set(const struct cli_args *args, const char *name)
{
	const struct cli_value *v = find_value(args, name);
	return v && v->set;
}

const char *cli_str(const struct cli_args *args, const char *name)
{
	const struct cli_value *v = find_value(args, name);

	if (v && v->count > 0)
		return v->list[v->count - 1];
	for (const struct cli_option *o = args->cmd ? args->cmd->options : NULL; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->def;
	return NULL;
}

long cli_int(const struct cli_args *args, const char *name, long def)
{
	const char *s = cli_str(args, name);
	return s ? strtol(s, NULL, 10) : def;
}

char *const *cli_list(const struct cli_args *args, const char *name)
{
	static char *const empty[] = { NULL };
	const struct cli_value *v = find_value(args, name);
	return v && v->list ? v->list : empty;
}

int cli_argc(const struct cli_args *args)
{
	return (int)args->positional.count;
}

char *const *cli_argv(const struct cli_args *args)
{
	static char *const empty[] = { NULL };
	return args->positional.list ? args->positional.list : empty;
}

char *const *cli_command_rest(const struct cli_args *args)
{
	static char *const empty[] = { NULL };
	int words = 0;

	if (!args->argv0)
		return empty;
	/* "berth container run" → two command words after the leading global options. */
	for (const char *p = args->path; *p; p++)
		words += *p == ' ';
	return args->argv0 + args->global_end + words;
}

const char *cli_command_path(const struct cli_args *args)
{
	return args->path;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 125;
}

int cli_fail(const berth_error *err)
{
	fprintf(stderr, "Error: %s\n", err->msg[0] ? err->msg : strerror(-err->code));
	return err->exit_code ? err->exit_code : 125;
}
