/* SPDX-License-Identifier: Apache-2.0 */
/* args.h - the parser behind cli.h's accessors (private to the CLI). */
#ifndef BERTH_CLI_ARGS_H
#define BERTH_CLI_ARGS_H

#include "cli/cli.h"

struct cli_value {
	const struct cli_option *opt;
	bool set;
	bool flag;
	char **list;
	size_t count;
};

struct cli_args {
	const struct cli_command *cmd;
	char path[256];
	struct cli_value *values;
	size_t nvalues, cap;
	struct cli_value positional;
	char **argv0;	/* the whole command line, for berth-transfer and units */
	int global_end; /* argv0[1 .. global_end) are the leading global options */
};

/**
 * cli_args_parse() - parse @argv against the option @tables (NULL-terminated array of tables)
 * @stop_at_positional: stop right after the first positional (the command word or image)
 * Return: the number of @argv entries consumed, or a negative errno
 */
int cli_args_parse(struct cli_args *args, const struct cli_option *const *tables, int argc,
		   char **argv, bool stop_at_positional, berth_error *err);
/** cli_args_merge_globals() - copy global options given after the command word into @g. */
int cli_args_merge_globals(struct cli_args *g, const struct cli_args *args, berth_error *err);
/** cli_args_push_positional() - append a positional argument. */
int cli_args_push_positional(struct cli_args *args, const char *word);
void cli_args_free(struct cli_args *args);

#endif
