/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-time.h - RFC 3339 timestamps as images and events carry them (light; usable by the CLI).
 */
#ifndef BERTH_STORE_TIME_H
#define BERTH_STORE_TIME_H

#include <stddef.h>
#include <stdint.h>

/**
 * store_time_parse() - "2024-01-02T03:04:05.123456789Z" or "...+02:00" into unix ns
 * Return: 0 or -EINVAL
 */
int store_time_parse(const char *s, int64_t *ret_ns);

/**
 * store_time_format() - unix ns as RFC 3339 in UTC with nanoseconds when non-zero
 * ("2024-01-02T03:04:05.123456789Z"), into @buf (at least 40 bytes).
 */
void store_time_format(int64_t ns, char *buf, size_t size);

/**
 * store_time_format_local() - as podman prints times in inspect/events: local time with
 * nanoseconds and the zone ("2024-01-02 03:04:05.123456789 +0000 UTC").
 */
void store_time_format_local(int64_t ns, char *buf, size_t size);

#endif
