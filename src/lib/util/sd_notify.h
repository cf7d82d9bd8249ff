/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sd_notify.h - systemd's readiness protocol, spoken directly (a datagram of "KEY=VALUE" lines
 * to $NOTIFY_SOCKET) rather than by linking libsystemd (DESIGN.md, "Programs"), and
 * socket activation ($LISTEN_PID/$LISTEN_FDS).
 */
#ifndef BERTH_UTIL_SD_NOTIFY_H
#define BERTH_UTIL_SD_NOTIFY_H

#include <stdbool.h>

/**
 * sd_notify_send() - send @state ("READY=1\nMAINPID=42") to @socket_path (a filesystem path or
 * "@abstract"); NULL uses $NOTIFY_SOCKET. Return: 1 sent, 0 no socket configured, <0 -errno.
 */
int sd_notify_send(const char *socket_path, const char *state);

/**
 * sd_listen_fds() - the number of sockets systemd passed (fds 3, 4, ...), 0 when none or when
 * they were meant for another process; they are made close-on-exec.
 */
int sd_listen_fds(void);

#endif
