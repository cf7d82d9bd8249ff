/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/container_status.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void ctr_human_duration(int64_t ns, char *buf, size_t size)
{
	int64_t seconds = ns / 1000000000, minutes = seconds / 60;
	int64_t hours = (ns + 1800000000000LL) / 3600000000000LL; /* rounded, as Go's math.Round */

	if (seconds < 1)
		snprintf(buf, size, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, size, "1 second");
	else if (seconds < 60)
		snprintf(buf, size, "%lld seconds", (long long)seconds);
	else if (minutes == 1)
		snprintf(buf, size, "About a minute");
	else if (minutes < 60)
		snprintf(buf, size, "%lld minutes", (long long)minutes);
	else if (hours == 1)
		snprintf(buf, size, "About an hour");
	else if (hours < 48)
		snprintf(buf, size, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(buf, size, "%lld years", (long long)(ns / 3600000000000LL / 24 / 365));
}

void ctr_status_text(const char *state, int64_t started_ns, int64_t finished_ns, int exit_code,
		     int64_t now_ns, char *buf, size_t size)
{
	char d[64];

	if (strcmp(state, "running") == 0) {
		ctr_human_duration(now_ns - started_ns, d, sizeof(d));
		/* Debian's podman 4.3 prints "Up 6 seconds ago" (checked side by side) */
		snprintf(buf, size, "Up %s ago", d);
	} else if (strcmp(state, "exited") == 0 || strcmp(state, "stopped") == 0) {
		ctr_human_duration(now_ns - finished_ns, d, sizeof(d));
		snprintf(buf, size, "Exited (%d) %s ago", exit_code, d);
	} else if (strcmp(state, "configured") == 0) {
		snprintf(buf, size, "Created");
	} else {
		snprintf(buf, size, "%s", state);
		if (buf[0])
			buf[0] = (char)toupper((unsigned char)buf[0]);
	}
}

int64_t ctr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
