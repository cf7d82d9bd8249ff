/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_logs.h - `logs`: reading a container's k8s-file log, with --tail, --since,
 * --until, --timestamps and --follow (which survives rotation: a new inode at the log path
 * means the monitor rotated; the old file is read to its end first, then "<path>.1" when the
 * log rotated twice since the last look, so every line arrives once and in order). inotify on
 * the log's directory wakes the follower at each write and rotation; it also looks every 100 ms.
 */
#ifndef BERTH_ENGINE_CONTAINER_LOGS_H
#define BERTH_ENGINE_CONTAINER_LOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/**
 * struct ctr_logs_opts - what to print
 * @tail:	only the last @tail lines; -1 = all
 * @since_ns/@until_ns: time window (0 = open)
 * @timestamps:	prefix each line with its timestamp
 * @follow:	keep printing new output until @still_running says no
 * @still_running: called about every 100 ms while following; NULL = stop at end of file
 * @prefix:	printed before each line (e.g. "name "), or NULL
 */
struct ctr_logs_opts {
	long tail;
	int64_t since_ns;
	int64_t until_ns;
	bool timestamps;
	bool follow;
	bool (*still_running)(void *userdata);
	void *userdata;
	const char *prefix;
};

/** ctr_logs_print() - print the log at @path to @out_fd (stdout records) and @err_fd. */
int ctr_logs_print(const char *path, const struct ctr_logs_opts *opts, int out_fd, int err_fd,
		   berth_error *err);

#endif
