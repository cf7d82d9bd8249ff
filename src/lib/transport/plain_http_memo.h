/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plain_http_memo.h - which registries, among those berth may speak plain HTTP to
 * (--tls-verify=false, insecure = true), answered only plain HTTP last time.
 *
 * Such a registry is asked over HTTP first next time, so a command skips the HTTPS attempt
 * that podman makes every time (OpenSSL's start and a refused handshake: ~5 ms of every pull
 * or push to a local registry). A registry that has turned to HTTPS refuses the plain request
 * and berth goes back to HTTPS first, forgetting the memo. Kept in
 * $XDG_CACHE_HOME/berth/plain-http (or ~/.cache/berth/plain-http): one empty file per host.
 */
#ifndef BERTH_TRANSPORT_PLAIN_HTTP_MEMO_H
#define BERTH_TRANSPORT_PLAIN_HTTP_MEMO_H

#include <stdbool.h>

/** plain_http_known() - whether @host (HOST[:PORT]) answered plain HTTP last time. */
bool plain_http_known(const char *host);
/** plain_http_remember() - note that @host answered plain HTTP (best effort). */
void plain_http_remember(const char *host);
/** plain_http_forget() - drop @host's note (best effort). */
void plain_http_forget(const char *host);

#endif
