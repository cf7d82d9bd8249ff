/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerfile.h - reading a Containerfile (Dockerfile syntax) into instructions, and the
 * variable expansion ($VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}) build applies to their
 * arguments. Pure parsing: no files, no images; `berth build` (src/transfer/build.c) runs them.
 *
 * Syntax handled: instructions in any case, "#" comment lines (also between continued lines),
 * blank lines, lines continued with a trailing backslash, leading "--name=value" flags
 * (COPY --from/--chown, FROM --platform, RUN --network...), the exec form ["a", "b"] kept apart
 * from the shell form. Heredocs and parser directives other than being comments are not.
 */
#ifndef BERTH_ENGINE_CONTAINERFILE_H
#define BERTH_ENGINE_CONTAINERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/** Hard limits on a Containerfile. */
#define CF_MAX_SIZE (1u << 20)
#define CF_MAX_INSTRUCTIONS 4096
#define CF_MAX_FLAGS 16
#define CF_MAX_WORDS 1024

/**
 * struct cf_instr - one instruction
 * @cmd:	instruction, upper case ("RUN")
 * @flags:	leading "--name=value" words, NULL-terminated
 * @args:	the rest, continuation lines joined with a space, trimmed
 * @exec:	the exec form's strings (NULL-terminated) when @args is a JSON array of strings,
 *		else NULL
 * @line:	line number where the instruction starts (1-based)
 * @text:	"CMD args" as written (for STEP lines and history)
 */
struct cf_instr {
	char *cmd;
	char **flags;
	char *args;
	char **exec;
	unsigned line;
	char *text;
};

/** struct cf_file - a parsed Containerfile */
struct cf_file {
	struct cf_instr *v;
	size_t n;
};

/**
 * cf_parse() - parse @len bytes of @text. Unknown instructions, empty ones and malformed flags
 * give -EINVAL with "line N: ...". Fills @ret (caller frees with cf_file_done()).
 */
int cf_parse(const char *text, size_t len, struct cf_file *ret, berth_error *err);

/** cf_file_done() - release what @f holds. */
void cf_file_done(struct cf_file *f);

/** cf_flag() - the value of flag --@name of @in ("" for a bare --name), or NULL. */
const char *cf_flag(const struct cf_instr *in, const char *name);

/**
 * cf_expand() - expand $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word} in @s from @vars
 * ("K=V" strings, NULL-terminated; the last match wins); "\$" is a literal "$". Unset names
 * expand to "". Return: 0 and a malloc'd @ret, or -EINVAL on an unterminated "${".
 */
int cf_expand(const char *s, char *const *vars, char **ret, berth_error *err);

/**
 * cf_words() - split @s into words at unquoted blanks; quotes ('...', "...") group and are
 * removed, backslash escapes the next character outside single quotes. NULL-terminated,
 * malloc'd. Return: 0, or -EINVAL on an unterminated quote or too many words.
 */
int cf_words(const char *s, char ***ret, berth_error *err);

#endif
