/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shortname.c - the two interactive parts of podman's short-name resolution: asking which
 * unqualified-search registry a short name means (on a terminal), and remembering the answer
 * in the machine-written alias cache (short-name-aliases.conf) so the next pull does not ask.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/registries_conf.h"
#include "transfer/transfer.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/toml.h"

#define CHOOSE_TRIES 3

bool xfer_can_prompt(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

int xfer_short_name_choose(char *const *cands, size_t n, size_t *ret, berth_error *err)
{
	char line[64];

	fprintf(stderr, "? Please select an image:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %zu) %s\n", i + 1, cands[i]);
	for (int t = 0; t < CHOOSE_TRIES; t++) {
		char *end;
		fprintf(stderr, "Enter a number [1-%zu]: ", n);
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin))
			break;
		unsigned long k = strtoul(line, &end, 10);
		if (end != line && (*end == '\n' || *end == '\0') && k >= 1 && k <= n) {
			*ret = k - 1;
			return 0;
		}
		fprintf(stderr, "\"%.*s\" is not a number from 1 to %zu\n",
			(int)strcspn(line, "\n"), line, n);
	}
	return berr(err, ECANCELED, "short-name resolution: no image was selected");
}

/* the cache's other aliases, to write them back */
static int old_aliases(const char *path, const char *skip, char **out, size_t *len,
		       berth_error *err)
{
	_cleanup_(toml_freep) toml_value *root = NULL;
	const toml_value *a;
	FILE *f = open_memstream(out, len);
	int r = toml_parse_file(path, &root, err);

	if (!f)
		return berr(err, ENOMEM, "out of memory");
	if (r < 0 && r != -ENOENT) {
		fclose(f);
		return r;
	}
	a = r == 0 ? toml_get_table(root, "aliases") : NULL;
	for (size_t i = 0; a && i < toml_table_len(a); i++) {
		const char *k = toml_table_key(a, i), *v = toml_string(toml_table_value(a, i));
		/* names and references hold no quotes or backslashes: anything else is dropped */
		if (v && strcmp(k, skip) != 0 && !strpbrk(k, "\"\\\n") && !strpbrk(v, "\"\\\n"))
			fprintf(f, "  \"%s\" = \"%s\"\n", k, v);
	}
	fclose(f);
	return 0;
}

int xfer_short_name_record(const char *name, const char *value, berth_error *err)
{
	_cleanup_free_ char *path = NULL, *dir = NULL, *rest = NULL, *text = NULL;
	size_t rest_len = 0;
	int r = registries_conf_aliases_path(&path, err);

	if (r == 0)
		r = old_aliases(path, name, &rest, &rest_len, err);
	if (r < 0)
		return r;
	if (!(dir = strdup(path)))
		return berr(err, ENOMEM, "out of memory");
	*strrchr(dir, '/') = '\0';
	if (asprintf(&text, "[aliases]\n%s  \"%s\" = \"%s\"\n", rest ? rest : "", name, value) <
	    0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(dir, 0700, err);
	if (r == 0)
		r = write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644, err);
	return r < 0 ? berr_prefix(err, "record the short-name alias in %s", path) : 0;
}
