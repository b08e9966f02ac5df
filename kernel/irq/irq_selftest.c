/* irq_selftest: `selftest=irq`, each part printing ok, skip or FAIL. */
#include "arch/x86_64/clock.h"
#include "arch/x86_64/intr.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp_call.h"
#include "core/console.h"
#include "core/lockorder.h"
#include "lib/irq/registry.h"
#include "core/selftest.h"
#include "irq_parts.h"

#define TIMER_HZ      100
#define TIMER_WAIT_MS 100
#define TIMER_MIN     5
#define IPI_ROUNDS    10

static void start_timer(void)
{
	lapic_timer_periodic(TIMER_HZ);
}

static void stop_timer(void)
{
	lapic_timer_stop();
}

/* Waits with interrupts on, so this CPU's own timer and IPIs are taken. */
static void wait_ms_irqs_on(uint64_t ms)
{
	intr_enable();
	clock_delay_us(ms * 1000);
	intr_disable();
}

/* The LAPIC timer ticks on every CPU: ~TIMER_HZ/10 ticks in 100 ms each. */
static const char *part_timer(void)
{
	static char why[64];
	uint64_t before[MAX_CPUS];
	for (unsigned c = 0; c < percpu_count; c++) {
		before[c] = percpu_table[c].timer_ticks;
		if (percpu_table[c].online && !smp_call(c, start_timer))
			return "a CPU did not take the call to start its timer";
	}
	wait_ms_irqs_on(TIMER_WAIT_MS);
	for (unsigned c = 0; c < percpu_count; c++)
		if (percpu_table[c].online)
			smp_call(c, stop_timer);
	for (unsigned c = 0; c < percpu_count; c++) {
		if (!percpu_table[c].online)
			continue;
		uint64_t n = percpu_table[c].timer_ticks - before[c];
		kprintf("selftest irq.timer: cpu %u ticks=%llu in %d ms at %d Hz\n", c,
			(unsigned long long)n, TIMER_WAIT_MS, TIMER_HZ);
		if (n < TIMER_MIN) {
			irq_why(why, sizeof(why), "cpu %u: %llu ticks", c, (unsigned long long)n);
			return why;
		}
	}
	return NULL;
}

/* A fixed IPI reaches every other CPU, exactly once per send. */
static const char *part_ipi(void)
{
	static char why[64];
	unsigned me = this_cpu()->index;
	if (percpu_count < 2)
		return SELFTEST_SKIP "one CPU";
	for (unsigned c = 0; c < percpu_count; c++) {
		if (c == me || !percpu_table[c].online)
			continue;
		uint64_t before = percpu_table[c].ipi_count;
		for (int i = 0; i < IPI_ROUNDS; i++) {
			if (!lapic_send_ipi(percpu_table[c].apic_id, VEC_IPI_TEST))
				return "IPI send timed out";
			for (int t = 0;
			     t < 10000 && percpu_table[c].ipi_count == before + (uint64_t)i; t++)
				clock_delay_us(10);
		}
		uint64_t got = percpu_table[c].ipi_count - before;
		if (got != IPI_ROUNDS) {
			irq_why(why, sizeof(why), "cpu %u got %llu of %d IPIs", c,
				(unsigned long long)got, IPI_ROUNDS);
			return why;
		}
	}
	return NULL;
}

/* The lock order holds: device manager before interrupt routes is allowed, the
 * reverse is caught (debug builds panic on it instead, so they skip that half). */
static const char *part_lockorder(void)
{
	const char *fail = NULL;
	intr_disable();
	if (!lockorder_acquire(LOCK_CLASS_DEVMGR) || !lockorder_acquire(LOCK_CLASS_IRQ_ROUTES))
		fail = "the documented order was refused";
	lockorder_release(LOCK_CLASS_IRQ_ROUTES);
	lockorder_release(LOCK_CLASS_DEVMGR);
#ifndef CAPOS_DEBUG_LOCKS
	uint64_t before = lockorder_violations();
	lockorder_acquire(LOCK_CLASS_IRQ_ROUTES);
	bool ok = lockorder_acquire(LOCK_CLASS_DEVMGR);
	lockorder_release(LOCK_CLASS_DEVMGR);
	lockorder_release(LOCK_CLASS_IRQ_ROUTES);
	if (fail == NULL && (ok || lockorder_violations() != before + 1))
		fail = "the reverse order was not caught";
#endif
	return fail;
}

static const struct irq_part parts[] = {
    {"timer", part_timer},
    {"ipi", part_ipi},
    {"lockorder", part_lockorder},
};

static const char *test_irq(void)
{
	const char *a = irq_run_parts(parts, sizeof(parts) / sizeof(parts[0]));
	const char *b = irq_run_parts(irq_parts_dev, irq_parts_dev_count);
	return a != NULL ? a : b;
}

const struct selftest selftests_irq[] = {
    {"irq", test_irq},
};
const size_t selftests_irq_count = sizeof(selftests_irq) / sizeof(selftests_irq[0]);
