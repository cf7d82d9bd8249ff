/* SPDX-License-Identifier: Apache-2.0 */
/* image_sort.h - `images --sort created|id|repository|size|tag`, as podman orders them. */
#ifndef BERTH_CLI_IMAGE_SORT_H
#define BERTH_CLI_IMAGE_SORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct store_image;

/** image_sort_valid() - whether @key is one of podman's sort keys (NULL: the default). */
bool image_sort_valid(const char *key);
/**
 * image_sort() - order @imgs by @key (created: newest first; id, repository, tag: ascending by
 * the first name; size: smallest first). Stable, so equal keys keep the store's order.
 */
void image_sort(struct store_image **imgs, size_t n, const char *key);
/**
 * image_sort_rows() - re-order the table rows (one per name) by "Repository" or "Tag" when @key
 * is repository or tag; other keys leave @rows as image_sort() ordered them.
 */
int image_sort_rows(json_t *rows, const char *key);

#endif
