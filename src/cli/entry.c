/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entry.c - berth's entry point (ld -e berth_entry): populate the writable segment and the top
 * of the stack in two madvise calls, then go on to libc's _start.
 *
 * Why: a short command like `ps` spends more time in page faults than in its own code. These
 * VMs pay 25-30 us per fault, and a static PIE writes every page of its .data.rel.ro while
 * relocating itself, then touches .data, .bss and a few pages of stack: ~35 faults, one per
 * page, before and during main. MADV_POPULATE_WRITE maps the same pages in one call for a
 * fraction of that (heap_prefault() does the same for the heap).
 *
 * This runs before libc is initialised and before the binary has relocated itself: no libc
 * call, no errno, no TLS (so no stack protector), and only position-relative references
 * (__ehdr_start is the linker's hidden symbol for our own ELF header). Failure is harmless:
 * an old kernel's EINVAL leaves the faults to happen as before.
 */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096UL
#define STACK_PREFAULT (32 * 1024UL) /* what `ps` and `run` use, measured with perf */

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));
void berth_entry(void);
void berth_prefault(void);

static inline void raw_madvise(uintptr_t start, uintptr_t end)
{
	long ret;

	start &= ~(PAGE - 1);
	end = (end + PAGE - 1) & ~(PAGE - 1);
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_madvise), "D"(start), "S"(end - start),
			   "d"((long)MADV_POPULATE_WRITE)
			 : "rcx", "r11", "memory");
	(void)ret;
}

__attribute__((used, no_stack_protector, optimize("no-stack-protector"))) void
berth_prefault(void)
{
	const ElfW(Phdr) *ph = (const void *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
	uintptr_t base = (uintptr_t)&__ehdr_start, sp = (uintptr_t)__builtin_frame_address(0);

	for (unsigned int i = 0; i < __ehdr_start.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W))
			raw_madvise(base + ph[i].p_vaddr, base + ph[i].p_vaddr + ph[i].p_memsz);
	/* the stack's VMA already spans 128 KiB below the arguments: this stays inside it */
	raw_madvise(sp - STACK_PREFAULT, sp - PAGE);
}

/*
 * The kernel enters with %rsp at argc (16-byte aligned) and %rdx holding the function libc
 * registers with atexit: keep both for _start; the extra 8 bytes align the call.
 */
__attribute__((naked, noreturn)) void berth_entry(void)
{
	__asm__("push %rdx\n\t"
		"sub $8, %rsp\n\t"
		"call berth_prefault\n\t"
		"add $8, %rsp\n\t"
		"pop %rdx\n\t"
		"jmp _start\n\t");
}
