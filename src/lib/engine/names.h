/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names.h - readable random container names ("adjective_surname") for containers created
 * without --name, drawn from berth's own word lists.
 */
#ifndef BERTH_ENGINE_NAMES_H
#define BERTH_ENGINE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/**
 * names_generate() - write a random "adjective_surname" into @buf
 * @buf/@size:	destination; 64 bytes is always enough
 * Return: 0, or -ENOBUFS when @size is too small
 */
int names_generate(char *buf, size_t size);

/**
 * names_valid() - whether @name is an acceptable container name: podman's rule
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 characters.
 */
bool names_valid(const char *name);

#endif
