/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - the command table and parsed arguments shared by every command of the berth CLI.
 *
 * One table (commands.c) drives parsing, --help and shell completion. A command declares its
 * options; the parser fills a struct cli_args that the handler queries by long option name.
 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/context.h"

enum cli_opt_type {
	CLI_BOOL,   /* --flag, --flag=true|false */
	CLI_STRING, /* --opt VALUE, --opt=VALUE; the last one wins */
	CLI_LIST,   /* repeatable: every value kept in order */
	CLI_INT,    /* --opt N */
};

/**
 * struct cli_option - one option of a command
 * @name:	long name without dashes ("detach")
 * @short_name:	single-letter alias or 0
 * @type:	what it takes
 * @help:	one line for --help
 * @def:	default shown in help (and returned by cli_str() when unset), or NULL
 */
struct cli_option {
	const char *name;
	char short_name;
	enum cli_opt_type type;
	const char *help;
	const char *def;
};

struct cli_args;
typedef int (*cli_handler)(struct berth_ctx *ctx, struct cli_args *args);

/** CLI_POSITIONAL_STOPS: options after the first positional belong to the container command. */
#define CLI_POSITIONAL_STOPS 0x1
/** CLI_HIDDEN: not listed in help or completion (internal commands such as cleanup). */
#define CLI_HIDDEN 0x2
/** CLI_RAW_ARGS: no option parsing, every word is positional (__complete). */
#define CLI_RAW_ARGS 0x8
/** CLI_TRANSFER: carried out by the berth-transfer program (libcurl, libarchive). */
#define CLI_TRANSFER 0x4

/**
 * struct cli_command - one command or command group
 * @name:	the word users type
 * @aliases:	comma-separated other words ("ls,list"), or NULL
 * @summary:	one line for listings and double-Tab completion
 * @usage:	argument synopsis after the command words
 * @options:	NULL-name-terminated option table, or NULL
 * @handler:	what runs it; NULL for a pure group
 * @subcommands: NULL-name-terminated table of children, or NULL
 * @min_args/@max_args: positional argument bounds (-1 = unlimited)
 * @flags:	CLI_* flags
 * @complete:	what positionals complete to: "containers", "images", "pods", "volumes" or NULL
 */
struct cli_command {
	const char *name;
	const char *aliases;
	const char *summary;
	const char *usage;
	const struct cli_option *options;
	cli_handler handler;
	const struct cli_command *subcommands;
	int min_args;
	int max_args;
	unsigned flags;
	const char *complete;
};

extern const struct cli_command cli_root_command;
extern const struct cli_option cli_global_options[];

/** cli_flag() - the value of a CLI_BOOL option (false when absent). */
bool cli_flag(const struct cli_args *args, const char *name);
/** cli_is_set() - whether the option appeared on the command line at all. */
bool cli_is_set(const struct cli_args *args, const char *name);
/** cli_str() - the last value of a CLI_STRING/CLI_INT option, else its default, else NULL. */
const char *cli_str(const struct cli_args *args, const char *name);
/** cli_int() - a CLI_INT option as a long, or @def when absent. */
long cli_int(const struct cli_args *args, const char *name, long def);
/** cli_list() - NULL-terminated values of a CLI_LIST option (never NULL; maybe empty). */
char *const *cli_list(const struct cli_args *args, const char *name);
/** cli_argc()/cli_argv() - the positional arguments. */
int cli_argc(const struct cli_args *args);
char *const *cli_argv(const struct cli_args *args);
/** cli_command_rest() - the raw arguments after the command words (NULL-terminated). */
char *const *cli_command_rest(const struct cli_args *args);
/** cli_command_path() - "container ls" for messages. */
const char *cli_command_path(const struct cli_args *args);

/** cli_error() - print "Error: msg" on stderr; returns 125 (the engine-error exit code). */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * cli_parse_when() - podman's time for --since/--until and the until= filters: RFC 3339, unix
 * seconds (with a fraction), or a duration ago ("10m", "2h")
 * @ret_ns:	unix ns
 * Return: 0, or -EINVAL.
 */
int cli_parse_when(const char *v, int64_t *ret_ns);
/*
 * cli_prune_containers(), cli_prune_pods(), cli_prune_volumes() - remove every stopped
 * container, every pod with nothing running, every volume no container uses, printing each
 * id or name (the prune commands after their prompt, and `system prune`). Return: 0 or 125.
 */
int cli_prune_containers(struct berth_ctx *ctx);
int cli_prune_pods(struct berth_ctx *ctx);
int cli_prune_volumes(struct berth_ctx *ctx);

/** cli_confirm() - print @question and podman's "Are you sure ...? [y/N] "; true on y/Y. */
bool cli_confirm(const char *question);
/** cli_fail() - print @err as "Error: ..." and return its exit code (125 unless set). */
int cli_fail(const berth_error *err);

/** cli_main() - parse global options, find the command, run it; returns the exit code. */
int cli_main(int argc, char **argv);

/* help.c */
void cli_print_help(const struct cli_command *cmd, const char *path);
int cli_completion(struct berth_ctx *ctx, struct cli_args *args);
int cli_complete_words(struct berth_ctx *ctx, struct cli_args *args);

#endif
