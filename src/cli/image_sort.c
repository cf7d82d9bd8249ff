/* SPDX-License-Identifier: Apache-2.0 */
/* image_sort.c - `images --sort`: podman's keys, applied with a stable sort. */
#include <stdlib.h>
#include <string.h>

#include "cli/image_sort.h"
#include "store/store.h"
#include "util/macro.h"

enum sort_key { SORT_CREATED, SORT_ID, SORT_REPOSITORY, SORT_SIZE, SORT_TAG, SORT_INVALID };

static enum sort_key key_of(const char *key)
{
	static const char *const names[] = { "created", "id", "repository", "size", "tag" };

	if (!key)
		return SORT_CREATED;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i]) == 0)
			return (enum sort_key)i;
	return SORT_INVALID;
}

bool image_sort_valid(const char *key)
{
	return key_of(key) != SORT_INVALID;
}

/* The repository or tag part of the image's first name ("" for a dangling image, first). */
static char *name_part(const struct store_image *img, bool tag)
{
	char *repo = NULL, *t = NULL;

	if (!img->names || !img->names[0] || store_name_split(img->names[0], &repo, &t) < 0)
		return strdup("");
	free(tag ? repo : t);
	return tag ? t : repo;
}

static int compare(const struct store_image *a, const struct store_image *b, enum sort_key k)
{
	switch (k) {
	case SORT_ID:
		return strcmp(a->id, b->id);
	case SORT_SIZE:
		return (a->size > b->size) - (a->size < b->size);
	case SORT_REPOSITORY:
	case SORT_TAG: {
		_cleanup_free_ char *x = name_part(a, k == SORT_TAG), *y = name_part(b, k == SORT_TAG);
		return strcmp(x ? x : "", y ? y : "");
	}
	default:
		return (a->created < b->created) - (a->created > b->created);
	}
}

void image_sort(struct store_image **imgs, size_t n, const char *key)
{
	enum sort_key k = key_of(key);

	/* Insertion sort: stable, and a store holds hundreds of images, not millions. */
	for (size_t i = 1; i < n; i++) {
		struct store_image *cur = imgs[i];
		size_t j = i;
		for (; j > 0 && compare(imgs[j - 1], cur, k) > 0; j--)
			imgs[j] = imgs[j - 1];
		imgs[j] = cur;
	}
}

static int compare_rows(json_t *a, json_t *b, const char *field)
{
	const char *x = json_string_value(json_object_get(a, field));
	const char *y = json_string_value(json_object_get(b, field));
	return strcmp(x ? x : "", y ? y : "");
}

int image_sort_rows(json_t *rows, const char *key)
{
	enum sort_key k = key_of(key);
	const char *field = k == SORT_REPOSITORY ? "Repository" : k == SORT_TAG ? "Tag" : NULL;
	size_t n = json_array_size(rows);

	if (!field)
		return 0;
	for (size_t i = 1; i < n; i++) {
		json_t *cur = json_incref(json_array_get(rows, i));
		size_t j = i;
		for (; j > 0 && compare_rows(json_array_get(rows, j - 1), cur, field) > 0; j--)
			if (json_array_set(rows, j, json_array_get(rows, j - 1)) < 0)
				return -1;
		if (json_array_set_new(rows, j, cur) < 0)
			return -1;
	}
	return 0;
}
