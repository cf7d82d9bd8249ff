/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h - the option tables of the commands berth-transfer carries out (copy, pull, push,
 * login, logout, search, manifest inspect). Included by cli/commands.c only:
 * plain berth parses and checks these options before it hands the command line over, so the
 * tables must live in the light program while the handlers live in berth-transfer.
 * (skopeo's inspect options are part of `berth inspect`'s table in cli/containers.c, whose
 * handler hands TRANSPORT:IMAGE arguments to cmd_inspect_remote.)
 */
#ifndef BERTH_TRANSFER_OPTIONS_H
#define BERTH_TRANSFER_OPTIONS_H

#include "cli/cli.h"

static const struct cli_option cmd_copy_options[] = {
	{ "all", 'a', CLI_BOOL, "Copy all images if SOURCE-IMAGE is a list", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "src-authfile", 0, CLI_STRING, "Path of the source authentication file", NULL },
	{ "dest-authfile", 0, CLI_STRING, "Path of the destination authentication file", NULL },
	{ "src-creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the source registry", NULL },
	{ "dest-creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the destination registry", NULL },
	{ "src-tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when talking to the source registry", "true" },
	{ "dest-tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when talking to the destination registry", "true" },
	{ "src-cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the source registry", NULL },
	{ "dest-cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the destination registry", NULL },
	{ "override-os", 0, CLI_STRING, "Use OS instead of the running OS for choosing images", NULL },
	{ "override-arch", 0, CLI_STRING, "Use ARCH instead of the architecture of the machine for choosing images", NULL },
	{ "override-variant", 0, CLI_STRING, "Use VARIANT instead of the running architecture variant for choosing images", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress output information when copying images", NULL },
	{ "dest-compress-format", 0, CLI_STRING, "Compress layers with FORMAT (zstd) in the destination", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_manifest_inspect_options[] = {
	{ "raw", 0, CLI_BOOL, "Print the manifest exactly as the registry sent it", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when accessing the registry", "true" },
	{ "creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the registry", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_login_options[] = {
	{ "username", 'u', CLI_STRING, "Username for registry", NULL },
	{ "password", 'p', CLI_STRING, "Password for registry", NULL },
	{ "password-stdin", 0, CLI_BOOL, "Take the password from stdin", NULL },
	{ "get-login", 0, CLI_BOOL, "Return the current login user for the registry", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when contacting registries", "true" },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", NULL },
	{ "verbose", 'v', CLI_BOOL, "Write more detailed information to stdout", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_logout_options[] = {
	{ "all", 'a', CLI_BOOL, "Remove the cached credentials for all registries in the auth file", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_search_options[] = {
	{ "limit", 0, CLI_INT, "Limit the number of results", NULL },
	{ "list-tags", 0, CLI_BOOL, "List the tags of the input registry", NULL },
	{ "format", 0, CLI_STRING, "Change the output format to JSON or a Go template", NULL },
	{ "no-trunc", 0, CLI_BOOL, "Do not truncate the output", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when contacting registries", "true" },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the registry", NULL },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_pull_options[] = {
	{ "all-tags", 'a', CLI_BOOL, "All tagged images in the repository will be pulled", NULL },
	{ "arch", 0, CLI_STRING, "Use ARCH instead of the architecture of the machine for choosing images", NULL },
	{ "os", 0, CLI_STRING, "Use OS instead of the running OS for choosing images", NULL },
	{ "variant", 0, CLI_STRING, "Use VARIANT instead of the running architecture variant for choosing images", NULL },
	{ "platform", 0, CLI_STRING, "Specify the platform for selecting the image (OS/ARCH[/VARIANT])", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress output information when pulling images", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when contacting registries", "true" },
	{ "creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the registry", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_push_options[] = {
	{ "format", 'f', CLI_STRING, "Manifest type (oci, v2s2) to use in the destination", NULL },
	{ "digestfile", 0, CLI_STRING, "Write the digest of the pushed image to the specified file", NULL },
	{ "compression-format", 0, CLI_STRING, "Compression format to use (gzip, zstd)", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress output information when pushing images", NULL },
	{ "remove-signatures", 0, CLI_BOOL, "Discard any pre-existing signatures in the image", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when contacting registries", "true" },
	{ "creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the registry", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

#endif
