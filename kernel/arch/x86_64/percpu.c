/* percpu: the per-CPU records. */
#include "percpu.h"
#include "cpu.h"

struct percpu percpu_table[MAX_CPUS];
unsigned percpu_count = 1;

void percpu_install(unsigned index)
{
	struct percpu *p = &percpu_table[index];
	p->self = p;
	p->index = index;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
}
