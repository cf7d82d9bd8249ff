/* SPDX-License-Identifier: Apache-2.0 */
/*
 * heap_prefault.h - map the heap a short command is about to use in one call.
 *
 * On the VMs berth runs on, a page fault costs ~25-30 us (the guest's page tables are
 * paravirtualised), and a command that opens the store touches ~50 new heap pages, mostly in
 * SQLite. MADV_POPULATE_WRITE maps them in one call at about a third of that cost per page.
 */
#ifndef BERTH_UTIL_HEAP_PREFAULT_H
#define BERTH_UTIL_HEAP_PREFAULT_H

#include <stddef.h>

/**
 * heap_prefault() - once per process: grow the heap by @bytes, populated, and leave it free at
 * the top for the mallocs that follow (trimming is raised above it so free() keeps it).
 * Best effort: a kernel without MADV_POPULATE_WRITE (5.14) just faults as before.
 */
void heap_prefault(size_t bytes);

#endif
