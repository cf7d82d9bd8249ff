/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - berth-registry's command line, as distribution's "registry":
 *   berth-registry serve [CONFIG.yml]
 *   berth-registry garbage-collect [--dry-run] [--delete-untagged] [CONFIG.yml]
 *   berth-registry --version | --help
 */
#include <stdio.h>
#include <string.h>

#include "registry/registry.h"
#include "util/log.h"

static void usage(FILE *f)
{
	fputs("Usage: berth-registry serve [CONFIG.yml]\n"
	      "       berth-registry garbage-collect [--dry-run|-d] [--delete-untagged|-m] "
	      "[CONFIG.yml]\n"
	      "       berth-registry --version\n\n"
	      "An OCI Distribution registry with distribution's storage layout and configuration.\n"
	      "REGISTRY_* environment variables override the configuration file.\n",
	      f);
}

static int cmd_serve(int argc, char **argv)
{
	struct reg_config cfg;
	berth_error err = { 0 };
	const char *path = NULL;
	int r;

	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "Error: serve: unknown option %s\n", argv[i]);
			return 125;
		}
		if (path) {
			fprintf(stderr, "Error: serve takes one configuration file\n");
			return 125;
		}
		path = argv[i];
	}
	r = reg_config_load(&cfg, path, &err);
	if (r == 0) {
		if (log_set_level_name(cfg.loglevel) < 0)
			log_set_level(LOG_LVL_INFO);
		r = reg_serve(&cfg, &err);
	}
	reg_config_done(&cfg);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_gc(int argc, char **argv)
{
	struct reg_config cfg;
	struct reg_store st = { .v2 = -1 };
	berth_error err = { 0 };
	const char *path = NULL;
	bool dry = false, untagged = false;
	int r;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-d") == 0)
			dry = true;
		else if (strcmp(argv[i], "--delete-untagged") == 0 || strcmp(argv[i], "-m") == 0)
			untagged = true;
		else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "Error: garbage-collect: unexpected argument %s\n", argv[i]);
			return 125;
		} else
			path = argv[i];
	}
	r = reg_config_load(&cfg, path, &err);
	if (r == 0)
		r = reg_store_open(&st, cfg.rootdir, false, &err);
	if (r == 0) {
		r = reg_garbage_collect(&st, dry, untagged, &err);
		reg_store_close(&st);
	}
	reg_config_done(&cfg);
	if (r < 0) {
		fprintf(stderr, "Error: garbage-collect: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 125;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("berth-registry version %s\n", BERTH_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(argv[1], "garbage-collect") == 0)
		return cmd_gc(argc - 2, argv + 2);
	fprintf(stderr, "Error: unknown command %s; see berth-registry --help\n", argv[1]);
	return 125;
}
