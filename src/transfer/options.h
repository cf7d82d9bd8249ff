/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h - the option tables of the commands berth-transfer carries out (copy, pull, push,
 * login, logout, search, remote inspect, manifest inspect). Included by cli/commands.c only:
 * plain berth parses and checks these options before it hands the command line over, so the
 * tables must live in the light program while the handlers live in berth-transfer.
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
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_inspect_remote_options[] = {
	{ "raw", 0, CLI_BOOL, "Output the raw manifest or configuration", NULL },
	{ "config", 0, CLI_BOOL, "Output the configuration blob rather than the manifest", NULL },
	{ "format", 'f', CLI_STRING, "Format the output using the given Go template", NULL },
	{ "no-tags", 'n', CLI_BOOL, "Do not list the available tags from the repository in the output", NULL },
	{ "tls-verify", 0, CLI_BOOL, "Require HTTPS and verify certificates when talking to the container registry", "true" },
	{ "creds", 0, CLI_STRING, "Use USERNAME[:PASSWORD] for accessing the registry", NULL },
	{ "authfile", 0, CLI_STRING, "Path of the authentication file", NULL },
	{ "cert-dir", 0, CLI_STRING, "Use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", NULL },
	{ "override-os", 0, CLI_STRING, "Use OS instead of the running OS for choosing images", NULL },
	{ "override-arch", 0, CLI_STRING, "Use ARCH instead of the architecture of the machine for choosing images", NULL },
	{ "override-variant", 0, CLI_STRING, "Use VARIANT instead of the running architecture variant for choosing images", NULL },
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

#endif
