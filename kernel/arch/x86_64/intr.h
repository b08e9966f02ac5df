/* intr: dispatch of interrupt vectors (32-255) to their handlers, per CPU. */
#ifndef CAPOS_ARCH_INTR_H
#define CAPOS_ARCH_INTR_H

#include <stdbool.h>
#include <stdint.h>

#include "trap.h"

typedef void (*intr_handler_t)(void *ctx);

/* intr_set: installs fn for vector on cpu (all CPUs when cpu is INTR_ALL_CPUS);
 * false when the slot is taken (install NULL first to replace) or out of range. */
#define INTR_ALL_CPUS 0xffffffffu
bool intr_set(unsigned cpu, uint8_t vector, intr_handler_t fn, void *ctx);
/* intr_clear: removes the handler of vector on cpu. */
void intr_clear(unsigned cpu, uint8_t vector);

/* intr_dispatch: called for vectors >= 32: runs the handler, counts a vector
 * with no handler as spurious, and signals EOI to the local APIC (never for the
 * APIC's own spurious vector, SDM 3A §11.9). */
void intr_dispatch(struct trap_frame *f);

/* intr_enable / intr_disable: the interrupt flag of this CPU. */
static inline void intr_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}
static inline void intr_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

#endif
