/* lockorder: per-CPU held-class masks checked with lib/irq's rule. */
#include "lockorder.h"
#include "stop.h"
#include "arch/x86_64/percpu.h"
#include "lib/irq/registry.h"

static uint32_t held[MAX_CPUS];
static uint64_t violations;

bool lockorder_acquire(uint32_t cls)
{
	unsigned cpu = this_cpu()->index;
	bool ok = irq_lockorder_check(held[cpu], cls);
	if (!ok) {
		__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED);
#ifdef CAPOS_DEBUG_LOCKS
		panic("lock order: class %u taken while holding mask 0x%x", cls, held[cpu]);
#endif
	}
	held[cpu] |= 1u << cls;
	return ok;
}

void lockorder_release(uint32_t cls)
{
	held[this_cpu()->index] &= ~(1u << cls);
}

uint64_t lockorder_violations(void)
{
	return __atomic_load_n(&violations, __ATOMIC_RELAXED);
}
