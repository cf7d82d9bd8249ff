/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transfer.h - what the berth-transfer command handlers share: turning the registry flags every
 * command takes (--tls-verify, --creds, --authfile, --cert-dir) plus registries.conf and
 * auth.json into registry options, and the skopeo-style progress lines.
 */
#ifndef BERTH_TRANSFER_H
#define BERTH_TRANSFER_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "transport/copy.h"
#include "transport/image.h"

/**
 * struct xfer_side - registry options for one side of an operation, with the strings they
 * point to (owned)
 */
struct xfer_side {
	struct img_opts img;
	char *username;
	char *password;
	char *cert_dir;
};
void xfer_side_done(struct xfer_side *s);

/**
 * xfer_side_init() - options for talking to @host (may be NULL: decided later with
 * xfer_side_for_host()) from the flags named @tls_flag ("tls-verify", "src-tls-verify"),
 * @creds_flag ("creds", "src-creds") and --authfile / --cert-dir.
 * @op:		verb for error messages ("copy", "push")
 */
int xfer_side_init(struct xfer_side *s, struct reg_client *c, const struct cli_args *args,
		   const char *tls_flag, const char *creds_flag, const char *cert_flag,
		   const char *host, const char *op, berth_error *err);

/** xfer_auth_file() - the auth.json to use: --authfile, $REGISTRY_AUTH_FILE, the defaults. */
char *xfer_auth_file(const struct cli_args *args, bool for_write);

/**
 * xfer_auth_lookup() - credentials for @host from @path (and, for reading, the read-only
 * ~/.docker/config.json). Return: 1 found, 0 none, <0 error.
 */
int xfer_auth_lookup(const char *path, const char *host, char **ret_user, char **ret_pass,
		     berth_error *err);

/** xfer_parse_creds() - "USER[:PASS]" into its parts. */
int xfer_parse_creds(const char *creds, char **ret_user, char **ret_pass, berth_error *err);

/**
 * struct xfer_printer - skopeo's copy lines ("Copying blob sha256:..."), or nothing when
 * quiet.
 */
struct xfer_printer {
	FILE *out;
	bool quiet;
};
void xfer_print_event(void *ud, enum img_copy_event ev, const char *digest, int64_t size);

/** xfer_client() - the process's registry client, created on first use. */
struct reg_client *xfer_client(void);

#endif
