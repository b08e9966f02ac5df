/* cpufeat: the protections and FPU set-up every CPU turns on for itself, and the
 * per-process FPU/SSE/AVX state (XSAVE where the CPU has it, FXSAVE otherwise). */
#ifndef CAPOS_ARCH_CPUFEAT_H
#define CAPOS_ARCH_CPUFEAT_H

#include <stdbool.h>
#include <stdint.h>

#define CR0_MP	       (1ull << 1)
#define CR0_EM	       (1ull << 2)
#define CR0_TS	       (1ull << 3)
#define CR0_NE	       (1ull << 5)
#define CR4_UMIP       (1ull << 11)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE    (1ull << 18)

/* RFLAGS bits (SDM 1 §3.4.3). */
#define RFLAGS_TF   (1ull << 8)
#define RFLAGS_IF   (1ull << 9)
#define RFLAGS_DF   (1ull << 10)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT   (1ull << 14)
#define RFLAGS_AC   (1ull << 18)

#define FPU_AREA_MAX 4096 /* one frame per process; larger XSAVE layouts are cut down */

/* cpufeat_init_cpu: on the CPU it runs on: SMEP, SMAP and UMIP where present,
 * x87/SSE enabled for user code (CR0.EM clear, CR4.OSFXSR), XSAVE with every
 * state component the area holds. Records CR4 in this CPU's percpu record. The
 * boot CPU calls it first; the others must find the same features. */
void cpufeat_init_cpu(void);

/* cpufeat_describe: "smep smap umip" style list of what CR4 value cr4 turns on. */
const char *cpufeat_describe(uint64_t cr4, char *buf, unsigned len);

void cpufeat_bad_flags(const char *where, uint64_t rflags);

/* cpufeat_check_flags: says so on COM1 ("kernel flags ...") when the kernel
 * runs with a flag that only user code may set (AC, NT, DF, TF): an entry path
 * that failed to clean them. */
static inline void cpufeat_check_flags(const char *where)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	if (__builtin_expect((f & (RFLAGS_AC | RFLAGS_NT | RFLAGS_DF | RFLAGS_TF)) != 0, 0))
		cpufeat_bad_flags(where, f);
}

/* fpu_area_init: a clean initial state in area (FPU_AREA_MAX bytes, 64-aligned):
 * x87 control word 0x37f, MXCSR 0x1f80, every register zero. */
void fpu_area_init(void *area);
/* fpu_save / fpu_restore: this CPU's user FPU state into / from area. */
void fpu_save(void *area);
void fpu_restore(const void *area);
/* fpu_mode: "xsave" or "fxsave". */
const char *fpu_mode(void);

#endif
