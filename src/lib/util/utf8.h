/* SPDX-License-Identifier: Apache-2.0 */
/* utf8.h - the few UTF-8 and hex helpers the TOML reader and the template engine share. */
#ifndef BERTH_UTIL_UTF8_H
#define BERTH_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/** hex_digit_value() - 0..15 for a hex digit of either case, -1 otherwise. */
int hex_digit_value(char c);

/**
 * utf8_put_codepoint() - write code point @cp (a Unicode scalar value, checked by the caller) as
 * UTF-8 into @out. Return: the number of bytes written (1 to 4).
 */
size_t utf8_put_codepoint(uint32_t cp, char out[4]);

#endif
