/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify_proxy.h - `run --sdnotify=container`: the container's own process tells systemd when it
 * is ready. The monitor binds <rundir>/notify/notify.sock, which the container sees at
 * /run/notify/notify.sock (its $NOTIFY_SOCKET); what arrives there is relayed to the
 * $NOTIFY_SOCKET the monitor was started with, with MAINPID= replaced by the monitor's own pid
 * (the unit's main process, which outlives the container's first process only briefly).
 */
#ifndef BERTH_MONITOR_NOTIFY_PROXY_H
#define BERTH_MONITOR_NOTIFY_PROXY_H

/** The socket's directory under the container's run directory, and the path inside it. */
#define NOTIFY_PROXY_DIR "notify"
#define NOTIFY_PROXY_CONTAINER_SOCKET "/run/notify/notify.sock"

/**
 * notify_proxy_open() - bind <@rundir>/notify/notify.sock (any user of the container may send)
 * and remember the host's $NOTIFY_SOCKET, which is removed from our environment.
 * Return: the datagram socket, or -1 (errno set).
 */
int notify_proxy_open(const char *rundir);

/**
 * notify_proxy_relay() - read one datagram from @fd and pass it on (MAINPID= dropped; READY=1
 * goes with MAINPID=@mainpid). Malformed or oversized datagrams are dropped.
 */
void notify_proxy_relay(int fd, int mainpid);

#endif
