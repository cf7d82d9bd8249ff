/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_attach.h - the attach protocol between berth-monitor and the CLI.
 *
 * Transport: a unix SOCK_SEQPACKET socket, either the socketpair end the CLI hands the monitor
 * when it starts a container (so `run` cannot miss early output), or <rundir>/attach for later
 * clients. Paths are bound and connected through /proc/self/fd/N/attach, so a long --runroot
 * never hits the 108-byte sun_path limit.
 *
 * Every message is one packet: a type byte followed by payload.
 *   monitor → client: CTR_ATTACH_STDOUT / CTR_ATTACH_STDERR + data;
 *                     CTR_ATTACH_EXIT + decimal exit code (the last packet)
 *   client → monitor: CTR_ATTACH_STDIN + data; CTR_ATTACH_STDIN_EOF (close the container's
 *                     stdin); CTR_ATTACH_RESIZE + "ROWS COLS"; after the exit packet, the
 *                     client that started the container sends CTR_ATTACH_DONE (+ "removed"
 *                     when it removed a --rm container itself) once it recorded the exit.
 */
#ifndef BERTH_ENGINE_CONTAINER_ATTACH_H
#define BERTH_ENGINE_CONTAINER_ATTACH_H

#include <stdbool.h>

#include "util/error.h"

enum ctr_attach_type {
	CTR_ATTACH_STDIN = 0,
	CTR_ATTACH_STDOUT = 1,
	CTR_ATTACH_STDERR = 2,
	CTR_ATTACH_EXIT = 3,
	CTR_ATTACH_RESIZE = 4,
	CTR_ATTACH_STDIN_EOF = 5,
	CTR_ATTACH_DONE = 6,
};

/** CTR_ATTACH_PACKET_MAX - largest packet (type byte included). */
#define CTR_ATTACH_PACKET_MAX (32 * 1024 + 1)
#define CTR_ATTACH_SOCKET "attach"

/**
 * ctr_attach_listen() - bind and listen on @rundir/attach (replacing a stale socket)
 * Return: the listening fd (O_CLOEXEC) or a negative errno
 */
int ctr_attach_listen(const char *rundir, berth_error *err);

/** ctr_attach_connect() - connect to @rundir/attach; -ENOENT/-ECONNREFUSED when not running. */
int ctr_attach_connect(const char *rundir, berth_error *err);

/**
 * ctr_attach_pump() - copy @in_fd (or -1) to the monitor as stdin packets and the monitor's
 * output to @out_fd/@err_fd until the exit packet arrives.
 * @ret_exit:	the container's exit code
 * Return: 0; -EPIPE when the monitor went away without reporting an exit.
 */
int ctr_attach_pump(int sock, int in_fd, int out_fd, int err_fd, int *ret_exit,
		    berth_error *err);

/**
 * ctr_attach_done() - tell the monitor that the client recorded the exit (and, when @removed,
 * removed the container), so that its cleanup does not wait for or repeat that work.
 */
int ctr_attach_done(int sock, bool removed);

/** ctr_attach_resize() - tell the monitor the client's terminal size. */
int ctr_attach_resize(int sock, unsigned rows, unsigned cols);

#endif
