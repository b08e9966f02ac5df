/* smp_call: a one-slot mailbox per CPU, served by the VEC_IPI_CALL handler. */
#include "smp_call.h"
#include "clock.h"
#include "intr.h"
#include "lapic.h"
#include "percpu.h"

#include <stddef.h>

#define CALL_WAIT_US 100000

static smp_call_fn mailbox[MAX_CPUS];
static volatile bool done[MAX_CPUS];

static void on_call(void *ctx)
{
	(void)ctx;
	unsigned me = this_cpu()->index;
	smp_call_fn fn = __atomic_exchange_n(&mailbox[me], (smp_call_fn)0, __ATOMIC_ACQ_REL);
	if (fn != NULL)
		fn();
	__atomic_store_n(&done[me], true, __ATOMIC_RELEASE);
}

static void on_test_ipi(void *ctx)
{
	(void)ctx;
	this_cpu()->ipi_count++;
}

void smp_call_init(void)
{
	intr_set(INTR_ALL_CPUS, VEC_IPI_CALL, on_call, 0);
	intr_set(INTR_ALL_CPUS, VEC_IPI_TEST, on_test_ipi, 0);
}

bool smp_call(unsigned cpu, smp_call_fn fn)
{
	if (cpu >= percpu_count || !percpu_table[cpu].online)
		return false;
	if (cpu == this_cpu()->index) {
		fn();
		return true;
	}
	done[cpu] = false;
	__atomic_store_n(&mailbox[cpu], fn, __ATOMIC_RELEASE);
	if (!lapic_send_ipi(percpu_table[cpu].apic_id, VEC_IPI_CALL))
		return false;
	for (uint64_t t = 0; t < CALL_WAIT_US; t += 10) {
		if (__atomic_load_n(&done[cpu], __ATOMIC_ACQUIRE))
			return true;
		clock_delay_us(10);
	}
	__atomic_store_n(&mailbox[cpu], (smp_call_fn)0, __ATOMIC_RELEASE);
	return false;
}
