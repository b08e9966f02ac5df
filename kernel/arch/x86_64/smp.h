/* smp: starting the application processors the MADT lists. */
#ifndef CAPOS_ARCH_SMP_H
#define CAPOS_ARCH_SMP_H

#include <stdbool.h>

#define TRAMPOLINE_PHYS 0x8000

/* smp_start: starts every enabled processor of the MADT with INIT-SIPI-SIPI
 * (each gets its own GDT, TSS, IST and kernel stacks, and its local APIC set up)
 * and waits a bounded time for each; a CPU that does not answer is reported and
 * left out. Returns the number of CPUs online, the boot CPU included. */
unsigned smp_start(void);

/* smp_online: CPUs online. */
unsigned smp_online(void);

#endif
