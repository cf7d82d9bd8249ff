/* SPDX-License-Identifier: Apache-2.0 */
/* heap_prefault.c - see heap_prefault.h. */
#include "util/heap_prefault.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define CHUNK (64 * 1024) /* below glibc's mmap threshold: comes from the heap's top */
#define MAX_CHUNKS 8

void heap_prefault(size_t bytes)
{
	static bool done;
	void *chunks[MAX_CHUNKS];
	size_t n = 0;

	if (done)
		return;
	done = true;
	/* free() below must leave the pages at the top rather than give them back */
	mallopt(M_TRIM_THRESHOLD, (int)(bytes + 512 * 1024));
	for (; n < MAX_CHUNKS && n * CHUNK < bytes; n++) {
		uintptr_t start, end;

		chunks[n] = malloc(CHUNK);
		if (!chunks[n])
			break;
		start = ((uintptr_t)chunks[n] + 4095) & ~(uintptr_t)4095;
		end = ((uintptr_t)chunks[n] + CHUNK) & ~(uintptr_t)4095;
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	}
	while (n-- > 0)
		free(chunks[n]);
}
