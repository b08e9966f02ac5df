/* vector: per-CPU pools of IDT vectors for device interrupts.
 *
 * The 256 vectors of each processor are split (SDM vol. 3A §6.2, §11.8.3):
 *   0x00-0x1F  exceptions and Intel-reserved
 *   0x20-0x2F  legacy 8259 remap and kernel use
 *   0x30-0xEF  devices: this pool, one bitmap per CPU
 *   0xF0-0xFF  LAPIC timer, IPIs; 0xFF spurious (its low 4 bits must be 1 on old parts)
 * The LAPIC prioritises by vector >> 4 (§11.8.3.1), so handing out the lowest free
 * vector keeps device interrupts below the kernel's own. CPUs are logical indices
 * 0..ncpu-1 (the kernel maps them to APIC IDs). Not locked: the kernel wraps it.
 */
#ifndef CAPOS_LIB_IRQ_VECTOR_H
#define CAPOS_LIB_IRQ_VECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/irq/irq_encode.h"

#define IRQ_VECTOR_LEGACY_BASE	0x20u
#define IRQ_VECTOR_DEVICE_FIRST 0x30u
#define IRQ_VECTOR_DEVICE_LAST	0xefu
#define IRQ_VECTOR_SYSTEM_BASE	0xf0u
#define IRQ_VECTOR_SPURIOUS	0xffu
#define IRQ_VECTOR_POOL_SIZE	(IRQ_VECTOR_DEVICE_LAST - IRQ_VECTOR_DEVICE_FIRST + 1u)
#define IRQ_VECTOR_POOL_WORDS	((IRQ_VECTOR_POOL_SIZE + 63u) / 64u)
#define IRQ_VECTOR_MAX_CPUS	64u

struct irq_vector_pool {
	uint32_t ncpu;
	uint32_t used_count[IRQ_VECTOR_MAX_CPUS];
	uint64_t used[IRQ_VECTOR_MAX_CPUS][IRQ_VECTOR_POOL_WORDS]; /* bit v - DEVICE_FIRST */
};

/* irq_vector_is_device: whether v lies in the device pool. */
static inline bool irq_vector_is_device(uint32_t v)
{
	return v >= IRQ_VECTOR_DEVICE_FIRST && v <= IRQ_VECTOR_DEVICE_LAST;
}

/* irq_vector_init: an empty pool for CPUs 0..ncpu-1. IRQ_ERR_INVALID when ncpu is 0 or
 * above IRQ_VECTOR_MAX_CPUS (the pool is then empty with ncpu 0: every alloc fails). */
enum irq_status irq_vector_init(struct irq_vector_pool *p, uint32_t ncpu);

/* irq_vector_alloc: the lowest free device vector of cpu, now used, in *vector.
 * IRQ_ERR_INVALID for a cpu not in the pool, IRQ_ERR_NOSPACE when cpu has none left. */
enum irq_status irq_vector_alloc(struct irq_vector_pool *p, uint32_t cpu, uint8_t *vector);

/* irq_vector_alloc_on_any: like irq_vector_alloc on the CPU with the fewest vectors in
 * use (the lowest such index on a tie), returned in *cpu. IRQ_ERR_NOSPACE when every CPU
 * is full. */
enum irq_status irq_vector_alloc_on_any(struct irq_vector_pool *p, uint32_t *cpu, uint8_t *vector);

/* irq_vector_free: returns a vector that irq_vector_alloc handed out. IRQ_ERR_INVALID
 * for a cpu or vector outside the pool, IRQ_ERR_STATE for a vector that is not in use
 * (double free); nothing changes on error. */
enum irq_status irq_vector_free(struct irq_vector_pool *p, uint32_t cpu, uint8_t vector);

/* irq_vector_in_use: whether vector is handed out on cpu (false outside the pool). */
bool irq_vector_in_use(const struct irq_vector_pool *p, uint32_t cpu, uint8_t vector);

/* irq_vector_free_count: free device vectors left on cpu (0 for a cpu not in the pool). */
uint32_t irq_vector_free_count(const struct irq_vector_pool *p, uint32_t cpu);

#endif
