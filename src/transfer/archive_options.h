/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive_options.h - the option tables of `berth load` and `berth save` (podman's flags).
 * Included by cli/commands.c only: plain berth parses these before it hands the command to
 * berth-transfer, where archive_load.c and archive_save.c carry it out.
 */
#ifndef BERTH_TRANSFER_ARCHIVE_OPTIONS_H
#define BERTH_TRANSFER_ARCHIVE_OPTIONS_H

#include "cli/cli.h"

static const struct cli_option cmd_load_options[] = {
	{ "input", 'i', CLI_STRING, "Read from specified archive file (default: stdin)", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress the output", NULL },
	{ "signature-policy", 0, CLI_STRING, "Path to a signature-policy file (accepted, unused)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_option cmd_save_options[] = {
	{ "output", 'o', CLI_STRING, "Write to a specified file (default: stdout, which must be redirected)", NULL },
	{ "format", 0, CLI_STRING, "Save image to docker-archive, oci-archive (one file), oci-dir or docker-dir (a directory)", "docker-archive" },
	{ "multi-image-archive", 'm', CLI_BOOL, "Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)", NULL },
	{ "quiet", 'q', CLI_BOOL, "Suppress the output", NULL },
	{ "compress", 0, CLI_BOOL, "Compress tarball image layers when saving to a directory using the 'dir' transport (accepted: layers are saved as stored, compressed)", NULL },
	{ "uncompressed", 0, CLI_BOOL, "Accept uncompressed layers when copying OCI images (accepted, unused)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

#endif
