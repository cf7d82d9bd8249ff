/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transfer.h - what the berth-transfer command handlers share: turning the registry flags every
 * command takes (--tls-verify, --creds, --authfile, --cert-dir) plus registries.conf and
 * auth.json into registry options, and the skopeo-style progress lines.
 */
#ifndef BERTH_TRANSFER_H
#define BERTH_TRANSFER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "config/registries_conf.h"
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
 * xfer_pull_sources() - where @ref ("host/repo:tag") is really fetched from, in order:
 * registries.conf's mirrors, then the location of the [[registry]] whose prefix it falls under
 * (prefix "docker.io", location "127.0.0.1:5001" → "127.0.0.1:5001/library/x"), else @ref;
 * each with its endpoint's insecure setting, as containers/image uses them. A [[registry]]
 * marked blocked refuses @ref here, before any mirror is tried.
 * @op:		verb for the error message ("pull", "copy")
 * @ret:	malloc'd array of @ret_n (at least 1); free with registry_pull_sources_free()
 */
int xfer_pull_sources(const char *ref, const char *op, struct registry_pull_source **ret,
		      size_t *ret_n, berth_error *err);

/**
 * struct xfer_flags - the names of one side's flags ("tls-verify" or "src-tls-verify", ...);
 * NULL for a flag the command does not have
 */
struct xfer_flags {
	const char *tls_verify;
	const char *creds;
	const char *cert_dir;
	const char *authfile;
};

/** XFER_FLAGS - the usual single-registry flag names. */
#define XFER_FLAGS ((struct xfer_flags){"tls-verify", "creds", "cert-dir", "authfile"})

/**
 * xfer_side_init() - options for talking to the registry of @ref ("host[:port]/repo", or NULL
 * when there is none) from @f's flags, registries.conf (insecure = true unless the TLS flag is
 * given; blocked = true refuses @pulling) and auth.json (unless the creds flag is given).
 * @op:		verb for error messages ("copy", "push")
 */
int xfer_side_init(struct xfer_side *s, struct reg_client *c, const struct cli_args *args,
		   const struct xfer_flags *f, const char *ref, const char *op, bool pulling,
		   berth_error *err);

/**
 * xfer_open_remote_src() - open the docker:// image *@n as pull finds it through registries.conf:
 * each [[registry.mirror]] in turn, then the entry's location (a prefix rewritten), each with its
 * own insecure setting; a mirror that cannot be reached or lacks the image's manifest is passed
 * over, as containers/image does. A blocked registry is refused before any mirror. On success
 * *@n names the source used and @side holds its options (the caller frees both).
 * @op:		verb for the error message ("copy", "inspect")
 */
int xfer_open_remote_src(const struct cli_args *args, const struct xfer_flags *f, const char *op,
			 oci_image_name **n, struct xfer_side *side, struct img_src **ret,
			 berth_error *err);

/**
 * xfer_side_source() - talk to the pull source @src (a mirror, or a prefix's location) as its
 * own registries.conf entry says: insecure there means plain HTTP or an unverified certificate
 * unless @f's TLS flag is given. The registry asked for may be a different, secure host.
 */
void xfer_side_source(struct xfer_side *s, const struct cli_args *args,
		      const struct xfer_flags *f, const struct registry_pull_source *src);

/**
 * xfer_auth_file() - --authfile (malloc'd), or NULL for config/auth.h's default search
 * ($REGISTRY_AUTH_FILE, then podman's files).
 */
char *xfer_auth_file(const struct cli_args *args, bool for_write);

/**
 * xfer_auth_lookup() - credentials for @key ("host[:port][/repo]") from @path or the default
 * search. Return: 1 found, 0 none, <0 error.
 */
int xfer_auth_lookup(const char *path, const char *key, char **ret_user, char **ret_pass,
		     berth_error *err);

/** xfer_parse_creds() - "USER[:PASS]" into its parts. */
int xfer_parse_creds(const char *creds, char **ret_user, char **ret_pass, berth_error *err);

/** struct xfer_line - one blob's line of the terminal progress display */
struct xfer_line {
	char digest[80];
	int64_t done, total;
	enum img_copy_event state;
	bool is_config;
};

/**
 * struct xfer_printer - skopeo's copy lines ("Copying blob sha256:..."), or nothing when
 * quiet; on a terminal (@tty) one live progress line per blob instead
 */
struct xfer_printer {
	FILE *out;
	bool quiet;
	bool tty;
	struct xfer_line *lines;
	size_t n, cap, drawn;
	long long last_draw_ms;
};
/** xfer_printer_init() - @out, @quiet, and a live display when @out is a terminal. */
void xfer_printer_init(struct xfer_printer *p, FILE *out, bool quiet, struct img_copy_opts *o);
void xfer_printer_done(struct xfer_printer *p);
void xfer_print_event(void *ud, enum img_copy_event ev, const char *digest, int64_t size);
void xfer_print_progress(void *ud, const char *digest, int64_t done, int64_t total);

/** xfer_can_prompt() - stdin and stdout are terminals (podman's condition for prompting). */
bool xfer_can_prompt(void);

/**
 * xfer_short_name_choose() - list the @n candidates of a short name, numbered, and read the
 * user's choice from stdin into *@ret (0-based); -ECANCELED after three wrong answers or EOF.
 */
int xfer_short_name_choose(char *const *cands, size_t n, size_t *ret, berth_error *err);

/**
 * xfer_short_name_record() - remember "@name" = "@value" in the short-name alias cache
 * (registries_conf_aliases_path()), keeping its other aliases, as podman does after a choice.
 */
int xfer_short_name_record(const char *name, const char *value, berth_error *err);

/** xfer_client() - the process's registry client, created on first use. */
struct reg_client *xfer_client(void);

/**
 * xfer_render() - expand a Go-template subset ("{{.Field}}", "{{.A.B}}", "{{json .X}}", "\t",
 * "\n") against @obj; malloc'd, NULL when the template is malformed.
 */
char *xfer_render(const char *tmpl, json_t *obj);

struct store_image;

/**
 * save_image_names() - the one name of @img that @ref (as typed: full, short, untagged) means,
 * as a JSON array: empty when @ref named the image by id. NULL on ENOMEM.
 */
json_t *save_image_names(struct store_image *img, const char *ref);

/** save_dir() - `save --format oci-dir|docker-dir -o DIR IMAGE` (@oci: an OCI layout). */
int save_dir(struct berth_ctx *ctx, struct cli_args *args, bool oci);

/** load_dir_layout() - `load -i DIR` of skopeo's dir: layout (podman's docker-dir). */
int load_dir_layout(struct berth_ctx *ctx, const char *input, bool quiet);

#endif
