/* nmi_selftest: NMIs are taken anywhere without harm: in ordinary kernel code,
 * and inside the SYSCALL entry/exit window, where CS says kernel but GS is
 * still the user's (the paranoid entry decides on SWAPGS from the GS base). */
#include "cpu.h"
#include "lapic.h"
#include "percpu.h"
#include "core/console.h"
#include "core/selftest.h"

#define NMI_SPIN 2000000 /* pause iterations to wait for a self-NMI */

/* Spins until this CPU's NMI count passes n; GS must not be used (it may be
 * the user's), so the count is read through the record found beforehand. */
static bool wait_nmi(volatile const uint64_t *count, uint64_t n)
{
	for (uint32_t i = 0; i < NMI_SPIN; i++) {
		if (*count > n)
			return true;
		cpu_pause();
	}
	return *count > n;
}

static const char *test_nmi(void)
{
	struct percpu *cpu = this_cpu();
	volatile const uint64_t *count = &cpu->nmis;
	uint32_t me = cpu->apic_id;
	uint64_t n0 = *count;
	if (!lapic_send_nmi(me) || !wait_nmi(count, n0))
		return "an NMI in kernel code was not taken";
	/* The entry window: interrupts off (NMIs are not), GS swapped to the
	 * user's base as right after SYSCALL or right before SYSRET. */
	uint64_t n1 = *count;
	bool sent, seen;
	__asm__ volatile("cli; swapgs" : : : "memory");
	sent = lapic_send_nmi(me);
	seen = sent && wait_nmi(count, n1);
	__asm__ volatile("swapgs; sti" : : : "memory");
	if (!seen)
		return "an NMI inside the entry window was not taken";
	kprintf("selftest nmi: taken in kernel code and inside the entry window (GS the user's); "
		"%llu NMIs on this CPU\n",
		(unsigned long long)*count);
	return NULL;
}

const struct selftest selftests_nmi[] = {
    {"nmi", test_nmi},
};
const size_t selftests_nmi_count = sizeof(selftests_nmi) / sizeof(selftests_nmi[0]);
