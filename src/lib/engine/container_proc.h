/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_proc.h - telling whether a recorded pid is still the process we started: a pid is
 * stored with its start time (field 22 of /proc/PID/stat, clock ticks since boot), and a pid
 * whose start time differs is someone else's.
 */
#ifndef BERTH_ENGINE_CONTAINER_PROC_H
#define BERTH_ENGINE_CONTAINER_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * ctr_proc_start_time() - the start time of @pid from /proc/@pid/stat
 * Return: 0, -ENOENT when there is no such process, -EINVAL when the file is unparsable
 */
int ctr_proc_start_time(pid_t pid, int64_t *ret);

/** ctr_proc_parse_start_time() - field 22 of a /proc/PID/stat line (the comm may hold ") "). */
int ctr_proc_parse_start_time(const char *stat, int64_t *ret);

/** ctr_proc_alive() - true when @pid runs, is not a zombie and started at @start. */
bool ctr_proc_alive(pid_t pid, int64_t start);

#endif
