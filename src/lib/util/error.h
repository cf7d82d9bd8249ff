/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h - berth's error idiom.
 *
 * Library functions return 0 (or a non-negative value) on success and a negative errno on
 * failure, and fill an optional berth_error with one human sentence that names the object, what
 * went wrong and what to do next. The library never prints and never exits: only front ends do.
 */
#ifndef BERTH_UTIL_ERROR_H
#define BERTH_UTIL_ERROR_H

#include <stdarg.h>

#include "util/macro.h"

#define BERTH_ERROR_MAX 1024

/**
 * struct berth_error - a failure's code and message
 * @code:	negative errno (0 when unset)
 * @exit_code:	exit status a front end should use, 0 for "default" (125 for the CLI)
 * @msg:	one line, without a trailing newline or "Error:" prefix
 */
typedef struct berth_error {
	int code;
	int exit_code;
	char msg[BERTH_ERROR_MAX];
} berth_error;

/**
 * berr() - record a failure in @err (which may be NULL) and return -|@code|.
 */
int berr(berth_error *err, int code, const char *fmt, ...) _printf_(3, 4);

/**
 * berr_errno() - as berr(), with ": strerror(code)" appended.
 */
int berr_errno(berth_error *err, int code, const char *fmt, ...) _printf_(3, 4);

/**
 * berr_prefix() - prepend context ("pull x: ") to a message already in @err; returns err->code.
 */
int berr_prefix(berth_error *err, const char *fmt, ...) _printf_(2, 3);

/** berr_clear() - reset @err to "no error". */
void berr_clear(berth_error *err);

#endif
