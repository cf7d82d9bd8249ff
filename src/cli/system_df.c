/* SPDX-License-Identifier: Apache-2.0 */
/*
 * system_df.c - `berth system df [-v] [--format]`: podman's disk usage summary of images,
 * containers (their writable layers) and local volumes, or with -v one table of each. A volume
 * is active while a container mounts it; the reclaimable part of each kind is what no running
 * container (images, containers) or no container at all (volumes) holds.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_format.h"
#include "engine/container.h"
#include "engine/container_status.h"
#include "store/container.h"
#include "store/store.h"
#include "util/macro.h"

const struct cli_option cmd_system_df_options[] = {
	{ "format", 0, CLI_STRING, "Pretty-print images using a Go template", NULL },
	{ "verbose", 'v', CLI_BOOL, "Show detailed information on disk usage", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* What df looks at: every container and volume with its content size and its users. */
struct df_data {
	struct store_df sum;
	struct store_container **ctrs;
	size_t n_ctrs;
	uint64_t *ctr_sizes;
	size_t *ctr_volumes; /* named volumes each container mounts */
	struct store_volume **vols;
	size_t n_vols;
	uint64_t *vol_sizes;
	size_t *vol_links; /* containers mounting each volume */
};

static void df_data_done(struct df_data *d)
{
	store_container_list_free(d->ctrs, d->n_ctrs);
	store_volume_list_free(d->vols, d->n_vols);
	free(d->ctr_sizes);
	free(d->ctr_volumes);
	free(d->vol_sizes);
	free(d->vol_links);
}

static int64_t known(uint64_t size)
{
	return size == STORE_LAYER_SIZE_UNKNOWN ? 0 : (int64_t)size;
}

/* count_links() - for each container the named volumes it mounts, for each volume its users */
static int count_links(struct df_data *d, berth_error *err)
{
	d->ctr_volumes = calloc(d->n_ctrs + 1, sizeof(size_t));
	d->vol_links = calloc(d->n_vols + 1, sizeof(size_t));
	if (!d->ctr_volumes || !d->vol_links)
		return berr(err, ENOMEM, "out of memory");
	for (size_t c = 0; c < d->n_ctrs; c++) {
		json_t *cfg = ctr_config(d->ctrs[c]), *m;
		size_t i;

		json_array_foreach (json_object_get(cfg, "mounts"), i, m) {
			const char *v = json_string_value(json_object_get(m, "volume"));
			for (size_t k = 0; v && k < d->n_vols; k++)
				if (strcmp(d->vols[k]->name, v) == 0) {
					d->vol_links[k]++;
					d->ctr_volumes[c]++;
				}
		}
		json_decref(cfg);
	}
	return 0;
}

static int df_load(struct store *s, struct df_data *d, berth_error *err)
{
	char **names;
	int r;

	if ((r = store_df(s, &d->sum, err)) < 0 ||
	    (r = store_container_list(s, &d->ctrs, &d->n_ctrs, err)) < 0 ||
	    (r = store_volume_list(s, &d->vols, &d->n_vols, err)) < 0 || (r = count_links(d, err)) < 0)
		return r;
	names = calloc(d->n_ctrs + d->n_vols + 1, sizeof(char *));
	if (!names)
		return berr(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < d->n_ctrs; i++)
		names[i] = d->ctrs[i]->id;
	for (size_t i = 0; i < d->n_vols; i++)
		names[d->n_ctrs + i] = d->vols[i]->name;
	d->ctr_sizes = calloc(d->n_ctrs + 1, sizeof(uint64_t));
	d->vol_sizes = calloc(d->n_vols + 1, sizeof(uint64_t));
	if (!d->ctr_sizes || !d->vol_sizes)
		r = berr(err, ENOMEM, "out of memory");
	else
		r = store_content_sizes(s, "overlay-containers/%s/upper", names, d->n_ctrs,
					d->ctr_sizes, err);
	if (r == 0)
		r = store_content_sizes(s, "volumes/%s/_data", names + d->n_ctrs, d->n_vols,
					d->vol_sizes, err);
	free(names);
	return r;
}

static bool ctr_running(const struct store_container *c)
{
	return strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0;
}

static json_t *df_row(const char *type, size_t total, size_t active, int64_t size, int64_t reclaim)
{
	char sz[32], rc[64], rs[32];

	ifmt_size(size, sz, sizeof(sz));
	ifmt_size(reclaim, rs, sizeof(rs));
	snprintf(rc, sizeof(rc), "%s (%d%%)", rs, size > 0 ? (int)(reclaim * 100 / size) : 0);
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:I, s:I}", "Type", type, "Total",
			 (json_int_t)total, "Active", (json_int_t)active, "Size", sz, "Reclaimable",
			 rc, "RawSize", (json_int_t)size, "RawReclaimable", (json_int_t)reclaim);
}

static int print_summary(const struct df_data *d, const char *fmt)
{
	json_auto_t *rows = json_array();
	int64_t csize = 0, cfree = 0, vsize = 0, vfree = 0;
	size_t vactive = 0;

	for (size_t i = 0; i < d->n_ctrs; i++) {
		csize += known(d->ctr_sizes[i]);
		if (!ctr_running(d->ctrs[i]))
			cfree += known(d->ctr_sizes[i]);
	}
	for (size_t i = 0; i < d->n_vols; i++) {
		vsize += known(d->vol_sizes[i]);
		if (d->vol_links[i])
			vactive++;
		else
			vfree += known(d->vol_sizes[i]);
	}
	json_array_append_new(rows, df_row("Images", d->sum.images, d->sum.images_active,
					   d->sum.images_size, d->sum.images_reclaimable));
	json_array_append_new(rows, df_row("Containers", d->n_ctrs, d->sum.containers_active,
					   csize, cfree));
	json_array_append_new(rows, df_row("Local Volumes", d->n_vols, vactive, vsize, vfree));
	return ifmt_print(fmt ? fmt
			      : "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
			  rows, NULL, stdout) < 0
		       ? 125
		       : 0;
}

static int add_row(struct ifmt_table *t, const char *const *cells, size_t n)
{
	return ifmt_table_add(t, cells, n) < 0 ? cli_error("out of memory") : 0;
}

/* Images space usage: a row per name (or <none>), sizes split into shared and unique. */
static int print_images(struct store *s, const struct df_data *d)
{
	struct ifmt_table t = { 0 };
	struct store_image **imgs = NULL;
	size_t n = 0;
	berth_error err = { 0 };
	int rc = 0;

	if (store_image_list(s, &imgs, &n, &err) < 0)
		return cli_fail(&err);
	add_row(&t, (const char *const[]){ "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE",
					   "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS" }, 8);
	for (size_t i = 0; i < n && rc == 0; i++) {
		int64_t shared = 0;
		size_t users = 0;
		char id[13], created[64], size[32], sh[32], un[32], cn[24];

		/* a layer is shared when another image has it too */
		for (size_t l = 0; l < imgs[i]->n_layers; l++) {
			bool other = false;
			for (size_t j = 0; j < n && !other; j++)
				for (size_t k = 0; j != i && k < imgs[j]->n_layers && !other; k++)
					other = strcmp(imgs[j]->layers[k], imgs[i]->layers[l]) == 0;
			struct store_layer *layer = NULL;
			if (other && store_layer_get(s, imgs[i]->layers[l], &layer, NULL) == 0)
				shared += layer->size;
			store_layer_free(layer);
		}
		for (size_t c = 0; c < d->n_ctrs; c++)
			users += d->ctrs[c]->image_id && strcmp(d->ctrs[c]->image_id, imgs[i]->id) == 0;
		snprintf(id, sizeof(id), "%.12s", imgs[i]->id);
		ifmt_since(imgs[i]->created, created, sizeof(created));
		ifmt_size(imgs[i]->size, size, sizeof(size));
		ifmt_size(shared, sh, sizeof(sh));
		ifmt_size(imgs[i]->size - shared, un, sizeof(un));
		snprintf(cn, sizeof(cn), "%zu", users);
		for (size_t k = 0; rc == 0 && (k == 0 || (imgs[i]->names && imgs[i]->names[k])); k++) {
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			const char *name = imgs[i]->names ? imgs[i]->names[k] : NULL;
			if (name && store_name_split(name, &repo, &tag) < 0)
				rc = cli_error("out of memory");
			else
				rc = add_row(&t, (const char *const[]){ repo ? repo : "<none>",
									tag ? tag : "<none>", id, created,
									size, sh, un, cn },
					     8);
		}
	}
	printf("Images space usage:\n\n");
	ifmt_table_print(&t, stdout);
	for (size_t i = 0; i < n; i++)
		store_image_free(imgs[i]);
	free(imgs);
	return rc;
}

static int print_containers(const struct df_data *d)
{
	struct ifmt_table t = { 0 };
	int64_t now = ctr_now_ns();
	int rc;

	rc = add_row(&t, (const char *const[]){ "CONTAINER ID", "IMAGE", "COMMAND",
						"LOCAL VOLUMES", "SIZE", "CREATED", "STATUS",
						"NAMES" }, 8);
	for (size_t i = 0; i < d->n_ctrs && rc == 0; i++) {
		const struct store_container *c = d->ctrs[i];
		json_t *cfg = ctr_config(c), *arg;
		_cleanup_free_ char *cmd = NULL;
		char id[13], vols[24], size[32], created[64], status[96];
		size_t k;

		json_array_foreach (json_object_get(cfg, "process_args"), k, arg) {
			char *n = NULL;
			if (asprintf(&n, "%s%s%s", cmd ? cmd : "", cmd ? " " : "",
				     json_string_value(arg) ? json_string_value(arg) : "") < 0)
				break;
			free(cmd);
			cmd = n;
		}
		json_decref(cfg);
		snprintf(id, sizeof(id), "%.12s", c->id);
		snprintf(vols, sizeof(vols), "%zu", d->ctr_volumes[i]);
		ifmt_size(known(d->ctr_sizes[i]), size, sizeof(size));
		ifmt_since(c->created, created, sizeof(created));
		ctr_status_text(c->state, c->started_at, c->finished_at, c->exit_code, now, status,
				sizeof(status));
		rc = add_row(&t, (const char *const[]){ id, c->image_name ? c->image_name : "",
						     cmd ? cmd : "", vols, size, created, status,
						     c->name },
			     8);
	}
	printf("\nContainers space usage:\n\n");
	ifmt_table_print(&t, stdout);
	return rc;
}

static int print_volumes(const struct df_data *d)
{
	struct ifmt_table t = { 0 };
	int rc;

	rc = add_row(&t, (const char *const[]){ "VOLUME NAME", "LINKS", "SIZE" }, 3);
	for (size_t i = 0; i < d->n_vols && rc == 0; i++) {
		char links[24], size[32];

		snprintf(links, sizeof(links), "%zu", d->vol_links[i]);
		ifmt_size(known(d->vol_sizes[i]), size, sizeof(size));
		rc = add_row(&t, (const char *const[]){ d->vols[i]->name, links, size }, 3);
	}
	printf("\nLocal Volumes space usage:\n\n");
	ifmt_table_print(&t, stdout);
	return rc;
}

int cmd_system_df(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	struct df_data d = { 0 };
	berth_error err = { 0 };
	const char *fmt = cli_str(args, "format");
	int rc;

	if (fmt && cli_flag(args, "verbose"))
		return cli_error("cannot combine --format and --verbose flags");
	if ((rc = cli_open_store(ctx, &s)) != 0)
		return rc;
	if (df_load(s, &d, &err) < 0) {
		df_data_done(&d);
		return cli_fail(&err);
	}
	if (!cli_flag(args, "verbose"))
		rc = print_summary(&d, fmt);
	else if ((rc = print_images(s, &d)) == 0 && (rc = print_containers(&d)) == 0)
		rc = print_volumes(&d);
	df_data_done(&d);
	return rc;
}
