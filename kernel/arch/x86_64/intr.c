/* intr: the vector table of each CPU. */
#include "intr.h"
#include "lapic.h"
#include "percpu.h"
#include "pic.h"
#include "irq/irq.h"
#include "proc/proc.h"
#include "lib/irq/vector.h"

#include <stddef.h>

struct intr_slot {
	intr_handler_t fn;
	void *ctx;
};

static struct intr_slot slots[MAX_CPUS][256];

static bool set_one(unsigned cpu, uint8_t vector, intr_handler_t fn, void *ctx)
{
	struct intr_slot *s = &slots[cpu][vector];
	if (fn != NULL && s->fn != NULL)
		return false;
	s->ctx = ctx;
	__atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
	return true;
}

bool intr_set(unsigned cpu, uint8_t vector, intr_handler_t fn, void *ctx)
{
	if (vector < 32)
		return false;
	if (cpu != INTR_ALL_CPUS)
		return cpu < MAX_CPUS && set_one(cpu, vector, fn, ctx);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (slots[c][vector].fn != NULL && fn != NULL)
			return false;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		set_one(c, vector, fn, ctx);
	return true;
}

void intr_clear(unsigned cpu, uint8_t vector)
{
	if (cpu < MAX_CPUS)
		__atomic_store_n(&slots[cpu][vector].fn, (intr_handler_t)0, __ATOMIC_RELEASE);
}

void intr_dispatch(struct trap_frame *f)
{
	uint8_t v = (uint8_t)f->vector;
	struct percpu *cpu = this_cpu();
	if (v == VEC_SPURIOUS) {
		cpu->spurious++;
		return;
	}
	if (v >= PIC_VECTOR_BASE && v < PIC_VECTOR_BASE + 16) {
		/* A masked 8259 can still raise IRQ7/15 spuriously; it never sends
		 * through the LAPIC's EOI path. */
		cpu->spurious++;
		return;
	}
	if (irq_vector_is_device(v)) {
		cpu->irq_nesting++;
		irq_deliver(cpu->index, v);
		cpu->irq_nesting--;
		lapic_eoi();
		if (f->cs & 3)
			sched_preempt_point();
		return;
	}
	struct intr_slot *s = &slots[cpu->index][v];
	intr_handler_t fn = __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE);
	cpu->irq_nesting++;
	if (fn != NULL)
		fn(s->ctx);
	else
		cpu->spurious++;
	cpu->irq_nesting--;
	lapic_eoi();
	if (f->cs & 3)
		sched_preempt_point();
}
