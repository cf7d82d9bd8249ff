/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search.c - `berth search TERM` and `berth search HOST[:PORT]/TERM`, as podman 4 does it:
 * a registry's /v1/search when it offers one, else its /v2/_catalog filtered by TERM; a bare
 * TERM goes to every unqualified-search registry of registries.conf. Output: NAME DESCRIPTION
 * STARS OFFICIAL, the columns the walkthrough reads (podman 4.3 shows only the first two;
 * Automated and Index through --format), or with --list-tags NAME TAG.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/registries_conf.h"
#include "transfer/transfer.h"
#include "util/macro.h"

#define DESCRIPTION_TRUNC 44
#define DEFAULT_LIMIT	  25

/* split_term() - "host:5000/foo" → host, "foo"; a bare term → NULL host. */
static int split_term(const char *arg, char **ret_host, char **ret_term)
{
	const char *slash = strchr(arg, '/');
	*ret_host = NULL;
	if (slash) {
		size_t n = (size_t)(slash - arg);
		bool is_host = memchr(arg, '.', n) || memchr(arg, ':', n) ||
			       (n == 9 && strncmp(arg, "localhost", 9) == 0);
		if (is_host) {
			if (!(*ret_host = strndup(arg, n)))
				return -ENOMEM;
			arg = slash + 1;
		}
	}
	*ret_term = strdup(arg);
	return *ret_term ? 0 : -ENOMEM;
}

static json_t *row(const char *host, const char *name, const char *desc, long stars, bool official,
		   bool automated, const char *tag)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s}", "Index", host, "Name", name,
			 "Description", desc ? desc : "", "Stars", (json_int_t)stars, "Official",
			 official ? "[OK]" : "", "Automated", automated ? "[OK]" : "", "Tag",
			 tag ? tag : "");
}

static int search_one(const struct cli_args *args, const char *host, const char *term, long limit,
		      json_t *rows, berth_error *err)
{
	_cleanup_(reg_repo_freep) struct reg_repo *r = NULL;
	struct reg_search_result *res = NULL;
	struct xfer_side side = {0};
	int n;

	n = xfer_side_init(&side, xfer_client(), args, &XFER_FLAGS, host, "search", true, err);
	if (n == 0)
		n = reg_repo_open(xfer_client(), host, "", &side.img.reg, host, &r, err);
	if (n < 0) {
		xfer_side_done(&side);
		return n;
	}
	n = reg_search_v1(r, term, limit, &res, err);
	if (n >= 0) {
		for (int i = 0; i < n; i++) {
			_cleanup_free_ char *name = NULL;
			if (asprintf(&name, "%s/%s", host, res[i].name) < 0) {
				n = berr(err, ENOMEM, "out of memory");
				break;
			}
			json_array_append_new(rows,
					      row(host, name, res[i].description, res[i].stars,
						  res[i].official, res[i].automated, NULL));
		}
		reg_search_results_free(res, (size_t)(n > 0 ? n : 0));
		xfer_side_done(&side);
		return n < 0 ? n : 0;
	}
	if (n != -ENOENT) {
		xfer_side_done(&side);
		return n;
	}
	/* no /v1/search: the catalog, filtered (podman matches a substring) */
	_cleanup_strv_free_ char **repos = NULL;
	n = reg_catalog(r, 100000, &repos, err);
	xfer_side_done(&side);
	if (n < 0)
		return n;
	long count = 0;
	for (char **p = repos; p && *p && count < limit; p++) {
		_cleanup_free_ char *name = NULL;
		if (*term && !strstr(*p, term))
			continue;
		if (asprintf(&name, "%s/%s", host, *p) < 0)
			return berr(err, ENOMEM, "out of memory");
		json_array_append_new(rows, row(host, name, "", 0, false, false, NULL));
		count++;
	}
	return 0;
}

static int list_tags(const struct cli_args *args, const char *host, const char *repo, long limit,
		     json_t *rows, berth_error *err)
{
	_cleanup_(reg_repo_freep) struct reg_repo *r = NULL;
	_cleanup_strv_free_ char **tags = NULL;
	_cleanup_free_ char *ref = NULL;
	struct xfer_side side = {0};
	int n;

	if (!*repo)
		return berr(err, EINVAL, "search --list-tags: name a repository, such as %s/IMAGE",
			    host);
	if (asprintf(&ref, "%s/%s", host, repo) < 0)
		return berr(err, ENOMEM, "out of memory");
	n = xfer_side_init(&side, xfer_client(), args, &XFER_FLAGS, ref, "search", true, err);
	if (n == 0)
		n = reg_repo_open(xfer_client(), host, repo, &side.img.reg, ref, &r, err);
	if (n == 0)
		n = reg_tags_list(r, &tags, err);
	xfer_side_done(&side);
	if (n < 0)
		return n;
	long count = 0;
	for (char **t = tags; t && *t && count < limit; t++, count++)
		json_array_append_new(rows, row(host, ref, "", 0, false, false, *t));
	return 0;
}

#define SEARCH_MAX_COLUMNS 4

/* cell() - a row's text for column @field: Stars is a number, the rest strings; @trunc cuts a
 * long description to DESCRIPTION_TRUNC with "..." as podman does. malloc'd, NULL on ENOMEM. */
static char *cell(json_t *row, const char *field, bool trunc)
{
	json_t *v = json_object_get(row, field);
	char *out = NULL;

	if (json_is_integer(v))
		return asprintf(&out, "%lld", (long long)json_integer_value(v)) < 0 ? NULL : out;
	const char *s = json_string_value(v) ? json_string_value(v) : "";
	if (trunc && strcmp(field, "Description") == 0 && strlen(s) > DESCRIPTION_TRUNC)
		return asprintf(&out, "%.*s...", DESCRIPTION_TRUNC - 3, s) < 0 ? NULL : out;
	return strdup(s);
}

static void put_cell(const char *text, size_t width, bool last)
{
	if (last)
		printf("%s\n", text);
	else
		printf("%-*s", (int)width, text);
}

/* print_table() - podman's tabwriter layout (minwidth 12, padding 2): @heads[i] over the
 * rows' @fields[i], NULL-terminated. */
static int print_table(json_t *rows, const char *const *heads, const char *const *fields,
		       bool trunc)
{
	size_t w[SEARCH_MAX_COLUMNS] = {0}, n = 0, i;
	json_t *e;

	while (heads[n] && n < SEARCH_MAX_COLUMNS)
		n++;
	for (size_t c = 0; c < n; c++)
		w[c] = strlen(heads[c]);
	json_array_foreach(rows, i, e)
	{
		for (size_t c = 0; c < n; c++) {
			_cleanup_free_ char *t = cell(e, fields[c], trunc);
			if (!t)
				return cli_error("out of memory");
			if (strlen(t) > w[c])
				w[c] = strlen(t);
		}
	}
	for (size_t c = 0; c < n; c++)
		w[c] = w[c] + 2 < 12 ? 12 : w[c] + 2;
	for (size_t c = 0; c < n; c++)
		put_cell(heads[c], w[c], c + 1 == n);
	json_array_foreach(rows, i, e)
	{
		for (size_t c = 0; c < n; c++) {
			_cleanup_free_ char *t = cell(e, fields[c], trunc);
			if (!t)
				return cli_error("out of memory");
			put_cell(t, w[c], c + 1 == n);
		}
	}
	return 0;
}

static int print_rows(const struct cli_args *args, json_t *rows, bool tags)
{
	const char *fmt = cli_str(args, "format");
	size_t i;
	json_t *e;

	if (fmt && strcmp(fmt, "json") == 0) {
		char *s = json_dumps(rows, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		if (s)
			printf("%s\n", s);
		free(s);
		return 0;
	}
	if (fmt) {
		json_array_foreach(rows, i, e)
		{
			_cleanup_free_ char *line = xfer_render(fmt, e);
			if (!line)
				return cli_error("search: invalid --format template %s", fmt);
			printf("%s\n", line);
		}
		return 0;
	}
	if (json_array_size(rows) == 0)
		return 0;
	if (tags)
		return print_table(rows, (const char *const[]){"NAME", "TAG", NULL},
				   (const char *const[]){"Name", "Tag", NULL}, false);
	/* the walkthrough's columns: its reader picks an image by STARS and OFFICIAL */
	return print_table(rows, (const char *const[]){"NAME", "DESCRIPTION", "STARS", "OFFICIAL", NULL},
			   (const char *const[]){"Name", "Description", "Stars", "Official", NULL},
			   !cli_flag(args, "no-trunc"));
}

int cmd_search(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_free_ char *host = NULL, *term = NULL;
	long limit = cli_int(args, "limit", DEFAULT_LIMIT);
	bool tags = cli_flag(args, "list-tags");
	berth_error err = {0};
	json_t *rows = json_array();
	int r = 0;

	(void)ctx;
	if (!rows || !xfer_client())
		return cli_error("search: out of memory");
	if (limit <= 0)
		limit = DEFAULT_LIMIT;
	if (split_term(cli_argv(args)[0], &host, &term) < 0) {
		json_decref(rows);
		return cli_error("out of memory");
	}
	if (host) {
		r = tags ? list_tags(args, host, term, limit, rows, &err)
			 : search_one(args, host, term, limit, rows, &err);
	} else if (tags) {
		r = berr(&err, EINVAL,
			 "search --list-tags %s: give the full name with its registry (HOST/NAME)",
			 term);
	} else {
		_cleanup_(registries_conf_freep) struct registries_conf *conf = NULL;
		r = registries_conf_load(&conf, &err);
		if (r == 0 && !conf->search[0])
			r = berr(&err, ENOENT,
				 "search %s: no unqualified-search-registries in registries.conf; "
				 "search "
				 "HOST/%s instead",
				 term, term);
		/* like podman: a registry that fails is reported, the others still answer */
		for (char **h = r == 0 ? conf->search : NULL; h && *h; h++) {
			berth_error e1 = {0};
			if (search_one(args, *h, term, limit, rows, &e1) < 0) {
				fprintf(stderr, "Error: %s\n", e1.msg);
				if (!h[1] && json_array_size(rows) == 0) {
					err = e1;
					r = e1.code ? e1.code : -EIO;
				}
			}
		}
	}
	if (r == 0)
		r = print_rows(args, rows, tags) != 0 ? -EINVAL : 0;
	else
		r = cli_fail(&err);
	json_decref(rows);
	return r < 0 ? 125 : r;
}
