/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image_change.h - the Dockerfile-style instructions of --change (import, commit) and of build's
 * metadata instructions, applied to an image config's "config" object.
 */
#ifndef BERTH_TRANSFER_IMAGE_CHANGE_H
#define BERTH_TRANSFER_IMAGE_CHANGE_H

#include <jansson.h>

#include "util/error.h"

/**
 * image_change_apply() - apply one 'INSTRUCTION VALUE' (or INSTRUCTION=VALUE) to @cfg (the
 * config's "config" object): CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME,
 * WORKDIR. Return: 0 or -EINVAL naming the bad change.
 */
int image_change_apply(json_t *cfg, const char *change, berth_error *err);

/**
 * image_change_cmd_value() - a JSON array from the exec form '["a", "b"]', or the shell form
 * wrapped in /bin/sh -c (new reference).
 */
json_t *image_change_cmd_value(const char *v);

#endif
