/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pod.h - the pods table (made by the store's migrations): pure CRUD. What a pod means (its
 * infra container, the namespaces its containers share) is engine/pod.c's business.
 */
#ifndef BERTH_STORE_POD_H
#define BERTH_STORE_POD_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/**
 * struct store_pod - one row of the pods table
 * @id:		64 hex digits
 * @name:	unique name
 * @created:	unix ns
 * @config:	JSON of the pod's create options (engine/pod.h)
 * @infra_id:	id of the infra container, or NULL for a pod without one
 */
struct store_pod {
	char *id;
	char *name;
	int64_t created;
	char *config;
	char *infra_id;
};

/** store_pod_free() - release; NULL is fine. */
void store_pod_free(struct store_pod *p);
static inline void store_pod_freep(struct store_pod **p)
{
	store_pod_free(*p);
}
/** store_pod_list_free() - release an array from store_pod_list(). */
void store_pod_list_free(struct store_pod **list, size_t n);

/** store_pod_add() - insert @p; -EEXIST "pod X already exists" when the name is taken. */
int store_pod_add(struct store *s, const struct store_pod *p, berth_error *err);

/**
 * store_pod_lookup() - by full id, exact name or unique id prefix; -ENOENT "no pod with name or
 * ID X found: no such pod", -EINVAL when a prefix is ambiguous.
 */
int store_pod_lookup(struct store *s, const char *ref, struct store_pod **ret, berth_error *err);

/** store_pod_list() - every pod, newest first. */
int store_pod_list(struct store *s, struct store_pod ***ret, size_t *ret_n, berth_error *err);

/** store_pod_set_infra() - record @infra_id (may be NULL) as @id's infra container. */
int store_pod_set_infra(struct store *s, const char *id, const char *infra_id, berth_error *err);

/** store_pod_delete() - delete the row (missing is fine). */
int store_pod_delete(struct store *s, const char *id, berth_error *err);

/**
 * store_pod_container_ids() - ids of the containers whose pod_id is @id, oldest first
 * (so the infra, made first, leads). NULL-terminated array of malloc'd strings.
 */
int store_pod_container_ids(struct store *s, const char *id, char ***ret, berth_error *err);

#endif
