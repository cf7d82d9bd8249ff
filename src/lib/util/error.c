/* SPDX-License-Identifier: Apache-2.0 */
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fill(berth_error *err, int code, const char *suffix, const char *fmt, va_list ap)
{
	int neg = code > 0 ? -code : code;

	if (neg == 0)
		neg = -EIO;
	if (!err)
		return neg;
	err->code = neg;
	err->exit_code = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (suffix) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", suffix);
	}
	return neg;
}

int berr(berth_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fill(err, code, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int berr_errno(berth_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fill(err, code, strerror(code < 0 ? -code : code), fmt, ap);
	va_end(ap);
	return r;
}

int berr_prefix(berth_error *err, const char *fmt, ...)
{
	char prefix[BERTH_ERROR_MAX], old[BERTH_ERROR_MAX];
	va_list ap;

	if (!err)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is fine here: the message is for humans and stays one bounded line. */
	size_t plen = strnlen(prefix, sizeof(err->msg) - 3);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	size_t olen = strnlen(old, sizeof(err->msg) - plen - 3);
	memcpy(err->msg + plen + 2, old, olen);
	err->msg[plen + 2 + olen] = '\0';
	return err->code ? err->code : -EIO;
}

void berr_clear(berth_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->exit_code = 0;
	err->msg[0] = '\0';
}
