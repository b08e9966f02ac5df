/* smp: INIT-SIPI-SIPI bring-up of the application processors. */
#include "smp.h"
#include "clock.h"
#include "cpu.h"
#include "cpufeat.h"
#include "gdt.h"
#include "lapic.h"
#include "paging.h"
#include "percpu.h"
#include "trap.h"
#include "tlb.h"
#include "syscall.h"
#include "proc/proc.h"
#include "core/boot.h"
#include "core/console.h"
#include "dev/acpi.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/layout.h"

#define AP_STACK_FRAMES 4 /* 16 KiB */
#define START_WAIT_US	200000

struct trampoline_params {
	uint64_t cr3;
	uint64_t efer_nx;
	uint64_t stack;
	uint64_t entry;
	uint64_t cpu;
};

extern const char trampoline_start[], trampoline_end[], trampoline_params[];
static unsigned online = 1;

unsigned smp_online(void)
{
	return online;
}

__attribute__((noreturn)) void smp_ap_entry(uint64_t index);

void smp_ap_entry(uint64_t index)
{
	gdt_init_cpu((unsigned)index);
	idt_load();
	percpu_install((unsigned)index);
	lapic_init_ap();
	this_cpu()->apic_id = lapic_id();
	syscall_init_cpu();
	cpufeat_init_cpu();
	tlb_note_cr3(read_cr3());
	__atomic_store_n(&percpu_table[index].online, true, __ATOMIC_RELEASE);
	sched_ap_loop();
}

/* The trampoline page must be usable RAM below 1 MiB that nothing else uses:
 * the kernel never hands out the low 1 MiB, so it only has to be RAM. */
static bool trampoline_page_ok(void)
{
	const struct boot_info *bi = boot_info_get();
	for (size_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == MEM_USABLE && bi->mem[i].base <= TRAMPOLINE_PHYS &&
		    bi->mem[i].base + bi->mem[i].len >= TRAMPOLINE_PHYS + PAGE_SIZE)
			return true;
	return false;
}

static bool start_one(unsigned index, uint32_t apic_id)
{
	uint64_t stack;
	if (!frame_alloc_contig(AP_STACK_FRAMES, PAGE_SIZE, &stack)) {
		kprintf("smp: no memory for cpu %u's stack\n", index);
		return false;
	}
	struct trampoline_params *p =
	    phys_to_virt(TRAMPOLINE_PHYS + (uint64_t)(trampoline_params - trampoline_start));
	p->cr3 = read_cr3();
	p->efer_nx = rdmsr(MSR_EFER) & EFER_NXE;
	p->stack = (uint64_t)(uintptr_t)phys_to_virt(stack) + AP_STACK_FRAMES * PAGE_SIZE;
	p->entry = (uint64_t)(uintptr_t)smp_ap_entry;
	p->cpu = index;
	percpu_table[index].apic_id = apic_id;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* SDM 3A §8.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI if still not up. */
	if (!lapic_send_init(apic_id))
		return false;
	clock_delay_us(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		if (!lapic_send_sipi(apic_id, TRAMPOLINE_PHYS >> 12))
			return false;
		uint64_t wait = sipi == 0 ? 200 : START_WAIT_US;
		for (uint64_t t = 0; t < wait; t += 10) {
			if (__atomic_load_n(&percpu_table[index].online, __ATOMIC_ACQUIRE))
				return true;
			clock_delay_us(10);
		}
	}
	return false;
}

unsigned smp_start(void)
{
	const struct acpi_info *ai = acpi_get();
	uint32_t bsp = lapic_id();

	percpu_table[0].apic_id = bsp;
	percpu_table[0].online = true;
	if (ai == NULL || !ai->has_madt)
		return online;
	if (!trampoline_page_ok()) {
		kprintf("smp: no usable memory at 0x%x for the start-up code, one CPU\n",
			TRAMPOLINE_PHYS);
		return online;
	}
	size_t len = (size_t)(trampoline_end - trampoline_start);
	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start, len);
	/* The AP runs the page at its physical address right after paging goes on. */
	if (paging_map(TRAMPOLINE_PHYS, TRAMPOLINE_PHYS, 0) != PAGING_OK) {
		kprintf("smp: cannot map the start-up code, one CPU\n");
		return online;
	}
	unsigned index = 1;
	for (size_t i = 0; i < ai->madt.ncpu; i++) {
		const struct acpi_cpu *c = &ai->madt.cpu[i];
		if (!(c->flags & 1) || c->apic_id == bsp) /* ACPI 6.5 §5.2.12.2: Enabled */
			continue;
		if (index >= MAX_CPUS) {
			kprintf("smp: cpu with apic id %u beyond %d CPUs, left out\n", c->apic_id,
				MAX_CPUS);
			continue;
		}
		if (c->apic_id > 0xff && !lapic_x2apic()) {
			kprintf("smp: apic id %u needs x2APIC, left out\n", c->apic_id);
			continue;
		}
		if (start_one(index, c->apic_id)) {
			index++;
			online++;
		} else {
			kprintf("smp: cpu with apic id %u did not start, left out\n", c->apic_id);
			percpu_table[index].apic_id = 0;
		}
	}
	percpu_count = index;
	paging_unmap(TRAMPOLINE_PHYS);
	return online;
}
