/* cpus_diag: the `cpus` diagnostics command. */
#include "cpufeat.h"
#include "lapic.h"
#include "percpu.h"
#include "smp.h"
#include "core/console.h"
#include "core/diag.h"

static void cmd_cpus(void)
{
	kprintf("cpus online=%u mode=%s\n", smp_online(), lapic_x2apic() ? "x2apic" : "xapic");
	for (unsigned c = 0; c < percpu_count; c++) {
		const struct percpu *p = &percpu_table[c];
		char prot[48];
		kprintf("cpu %u apic=%u %s ticks=%llu ipis=%llu spurious=%llu nmis=%llu cr4=0x%llx "
			"(%s)\n",
			c, p->apic_id, p->online ? "online" : "offline",
			(unsigned long long)p->timer_ticks, (unsigned long long)p->ipi_count,
			(unsigned long long)p->spurious, (unsigned long long)p->nmis,
			(unsigned long long)p->cr4, cpufeat_describe(p->cr4, prot, sizeof(prot)));
	}
}

const struct diag_cmd diag_cmds_cpus[] = {
    {"cpus", "CPUs: APIC ids, state, timer ticks, IPIs, spurious interrupts", cmd_cpus},
};
const size_t diag_cmds_cpus_count = sizeof(diag_cmds_cpus) / sizeof(diag_cmds_cpus[0]);
