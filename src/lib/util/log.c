/* SPDX-License-Identifier: Apache-2.0 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum log_level current_level = LOG_LVL_WARN;
static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

int log_set_level_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
		if (strcmp(name, level_names[i]) == 0) {
			current_level = (enum log_level)i;
			return 0;
		}
	if (strcmp(name, "warning") == 0) {
		current_level = LOG_LVL_WARN;
		return 0;
	}
	return -EINVAL;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int saved = errno;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (level == LOG_LVL_WARN)
		fprintf(stderr, "WARN[0000] %s\n", buf);
	else
		fprintf(stderr, "%s: %s\n", level_names[level], buf);
	errno = saved;
}
