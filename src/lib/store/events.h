/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h - the events log: one JSON object per line in <runroot>/events/events.log, appended
 * with O_APPEND in a single write() (lines under PIPE_BUF-ish sizes never interleave), with
 * podman's file-logger fields:
 *   {"Type":"container","Status":"start","ID":"…","Name":"…","Image":"…","time":"RFC3339Nano",
 *    "timeNano":N,"Attributes":{…}}
 * ("Status" is what podman's events file calls the action; readers also accept "Action".)
 * `berth events` reads it with store_events_read(); cockpit refreshes on these.
 */
#ifndef BERTH_STORE_EVENTS_H
#define BERTH_STORE_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define STORE_EVENT_MAX_LINE (64u << 10)

/**
 * struct store_event - one event to emit
 * @type:	"container", "image", "pod", "volume", "network", "system"
 * @action:	"create", "start", "died", "remove", "pull", "tag", "untag", "import", ...
 * @id:		object id (may be NULL)
 * @name:	object name (may be NULL)
 * @image:	image name for container events (may be NULL)
 * @attributes: extra string attributes (borrowed, may be NULL): labels, "containerExitCode", …
 */
struct store_event {
	const char *type;
	const char *action;
	const char *id;
	const char *name;
	const char *image;
	json_t *attributes;
};

/** store_event_emit() - append @ev to <@runroot>/events/events.log (creating dirs as needed). */
int store_event_emit(const char *runroot, const struct store_event *ev, berth_error *err);

/**
 * store_event_cb - called for each event read; @ev is borrowed (podman's fields, with "Status").
 * Return 0 to go on, > 0 to stop reading (store_events_read() then returns 0), < 0 to fail.
 */
typedef int (*store_event_cb)(json_t *ev, void *userdata);

/**
 * store_events_read() - call @cb for every event in the log with @since_ns <= timeNano (and
 * timeNano <= @until_ns when @until_ns > 0). With @follow, keep waiting for new lines until
 * @until_ns passes (forever when 0) or @cb returns > 0. Unparsable lines are skipped.
 */
int store_events_read(const char *runroot, int64_t since_ns, int64_t until_ns, bool follow,
		      store_event_cb cb, void *userdata, berth_error *err);

/**
 * store_events_max_size() - containers.conf's [engine] events_logfile_max_size (read once per
 * process; podman's default 1000000 when unset or unreadable; 0 = no limit).
 */
int64_t store_events_max_size(void);

/** store_events_disabled() - containers.conf's [engine] events_logger is "none": write nothing. */
bool store_events_disabled(void);

/**
 * store_events_rotate() - when events.log in @dirfd plus @incoming bytes would reach @limit,
 * keep only its newer half (whole lines). The caller holds the events lock.
 * Return: 1 when rotated, 0 when not needed, or a negative errno
 */
int store_events_rotate(int dirfd, size_t incoming, int64_t limit, berth_error *err);

#endif
