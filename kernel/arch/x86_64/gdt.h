/* gdt: per-CPU GDT and TSS (Intel SDM vol. 3A §3.4.5, §7.7). */
#ifndef CAPOS_ARCH_GDT_H
#define CAPOS_ARCH_GDT_H

#include <stdint.h>

/* Selectors. The user segments follow the order SYSRET expects (SDM vol. 2B,
 * SYSRET: SS = STAR[63:48] + 8, CS = STAR[63:48] + 16). */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA	0x18
#define GDT_USER_CODE	0x20
#define GDT_TSS		0x28

/* IST slots (1-based, as the IDT gate names them). */
#define IST_NMI 1
#define IST_DF	2
#define IST_MC	3

#define IST_STACK_SIZE 8192

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS");

/* gdt_init_cpu: builds and loads CPU cpu's GDT and TSS (with its IST stacks) and
 * reloads the segment registers. cpu 0 is the boot CPU. */
void gdt_init_cpu(unsigned cpu);

/* gdt_set_rsp0: the stack the CPU switches to on an interrupt from user mode. */
void gdt_set_rsp0(unsigned cpu, uint64_t rsp0);

/* gdt_ist_stack_range: bounds of the IST stack ist (1-3) of cpu, for backtraces. */
void gdt_ist_stack_range(unsigned cpu, unsigned ist, uintptr_t *lo, uintptr_t *hi);

#define GDT_MAX_CPUS 16

#endif
