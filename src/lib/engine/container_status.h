/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_status.h - the words `ps` and `inspect` use for a container's state and age, as
 * Debian's podman 4.3 prints them ("Up 5 seconds ago", "Exited (0) 2 minutes ago", "Created").
 */
#ifndef BERTH_ENGINE_CONTAINER_STATUS_H
#define BERTH_ENGINE_CONTAINER_STATUS_H

#include <stddef.h>
#include <stdint.h>

/** ctr_human_duration() - podman's (go-units') HumanDuration of @ns into @buf. */
void ctr_human_duration(int64_t ns, char *buf, size_t size);

/**
 * ctr_status_text() - the STATUS column of `ps`
 * @state:	state word of the record (created, running, exited, ...)
 * @started_ns/@finished_ns: unix ns of the last start and exit
 * @exit_code:	last exit code
 * @now_ns:	the current time
 */
void ctr_status_text(const char *state, int64_t started_ns, int64_t finished_ns, int exit_code,
		     int64_t now_ns, char *buf, size_t size);

/** ctr_now_ns() - CLOCK_REALTIME in unix ns. */
int64_t ctr_now_ns(void);

#endif
