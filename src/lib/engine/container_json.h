/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_json.h - the JSON views of a container shared by the CLI (ps, inspect) and the
 * REST API (containers/json, containers/{id}/json), so both show the same facts.
 */
#ifndef BERTH_ENGINE_CONTAINER_JSON_H
#define BERTH_ENGINE_CONTAINER_JSON_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/context.h"
#include "store/container.h"

/**
 * ctr_json_ports_text() - the PORTS column ("0.0.0.0:5000->5000/tcp, ...") of create options
 * @cfg into @buf (always NUL-terminated). Return: @buf.
 */
const char *ctr_json_ports_text(json_t *cfg, char *buf, size_t size);

/** ctr_json_join_args() - malloc'd space-joined strings of array @arr (NULL on ENOMEM). */
char *ctr_json_join_args(json_t *arr);

/** struct ctr_ps_text - the text columns of one `ps` row (podman's default table). */
struct ctr_ps_text {
	char id[65];
	char *command; /* malloc'd; NULL on ENOMEM */
	char created[80];
	char status[128];
	char ports[1024];
	const char *state;
};

/**
 * ctr_ps_text_fill() - the columns of @c (create options @cfg) at @now (ctr_now_ns()): what
 * both ctr_json_ps_item() and ps's plain table show. Free @t->command with free().
 */
void ctr_ps_text_fill(const struct store_container *c, json_t *cfg, bool no_trunc, int64_t now,
		      struct ctr_ps_text *t);

/**
 * ctr_json_ps_item() - one `ps` row of @c (create options @cfg) as the CLI's template sees it;
 * @now is ctr_now_ns(). Return: a new object, NULL on ENOMEM.
 */
json_t *ctr_json_ps_item(const struct store_container *c, json_t *cfg, bool no_trunc, int64_t now);

/** ctr_json_rfc3339() - @ns as RFC 3339 text in @buf (the zero time for ns <= 0). */
const char *ctr_json_rfc3339(int64_t ns, char *buf, size_t size);

/** ctr_json_inspect() - podman's `container inspect` object of @c. Return: new object or NULL. */
json_t *ctr_json_inspect(struct berth_ctx *ctx, struct store_container *c);
#endif
