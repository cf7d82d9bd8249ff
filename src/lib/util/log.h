/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - leveled diagnostics on stderr (--log-level). Logging is the one kind of output the
 * library may produce: it is for operators debugging, never for results or errors.
 */
#ifndef BERTH_UTIL_LOG_H
#define BERTH_UTIL_LOG_H

#include "util/macro.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_TRACE };

/** log_set_level_name() - set the level from "error|warn|info|debug|trace"; -EINVAL if unknown. */
int log_set_level_name(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/** log_msg() - print "time level msg" to stderr when @level is enabled. */
void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
