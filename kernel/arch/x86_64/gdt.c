/* gdt: descriptor tables and the task state segment for each CPU. */
#include "gdt.h"
#include "lib/str.h"

#define GDT_ENTRIES 7 /* null, kcode, kdata, udata, ucode, tss (two slots) */

/* Segment descriptor access/flag bits (SDM vol. 3A §3.4.5). */
#define SEG_PRESENT  (1ull << 47)
#define SEG_DPL3     (3ull << 45)
#define SEG_S	     (1ull << 44)
#define SEG_CODE     (1ull << 43)
#define SEG_RW	     (1ull << 41)
#define SEG_LONG     (1ull << 53)
#define SEG_GRAN     (1ull << 55)
#define SEG_DB	     (1ull << 54)
#define SEG_TSS_AVL  (9ull << 40)
#define SEG_LIMIT_LO 0xffffull
#define SEG_LIMIT_HI (0xfull << 48)

struct cpu_tables {
	uint64_t gdt[GDT_ENTRIES];
	struct tss64 tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

static struct cpu_tables cpu_tables[GDT_MAX_CPUS] __attribute__((aligned(64)));

struct gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct gdtr) == 10, "gdtr");

void gdt_init_cpu(unsigned cpu)
{
	struct cpu_tables *t = &cpu_tables[cpu];
	const uint64_t flat = SEG_PRESENT | SEG_S | SEG_RW | SEG_LIMIT_LO | SEG_LIMIT_HI | SEG_GRAN;

	memset(t, 0, sizeof(t->gdt) + sizeof(t->tss));
	t->gdt[GDT_KERNEL_CODE / 8] = flat | SEG_CODE | SEG_LONG;
	t->gdt[GDT_KERNEL_DATA / 8] = flat | SEG_DB;
	t->gdt[GDT_USER_DATA / 8] = flat | SEG_DB | SEG_DPL3;
	t->gdt[GDT_USER_CODE / 8] = flat | SEG_CODE | SEG_LONG | SEG_DPL3;

	for (unsigned i = 0; i < 3; i++)
		t->tss.ist[i] = (uint64_t)(uintptr_t)&t->ist_stacks[i][IST_STACK_SIZE];
	t->tss.iomap_base = sizeof(struct tss64); /* no I/O permission bitmap */

	/* The 16-byte TSS descriptor (SDM vol. 3A §7.2.3). */
	uint64_t base = (uint64_t)(uintptr_t)&t->tss;
	uint64_t limit = sizeof(struct tss64) - 1;
	t->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | SEG_TSS_AVL |
			      SEG_PRESENT | (((limit >> 16) & 0xf) << 48) |
			      (((base >> 24) & 0xff) << 56);
	t->gdt[GDT_TSS / 8 + 1] = base >> 32;

	struct gdtr gdtr = {sizeof(t->gdt) - 1, (uint64_t)(uintptr_t)t->gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "movw %w1, %%ds\n\t"
			 "movw %w1, %%es\n\t"
			 "movw %w1, %%ss\n\t"
			 "pushq %2\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "r"(GDT_KERNEL_DATA), "i"(GDT_KERNEL_CODE), "r"(GDT_TSS)
			 : "rax", "memory");
}

void gdt_ist_stack_range(unsigned cpu, unsigned ist, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)cpu_tables[cpu].ist_stacks[ist - 1];
	*hi = *lo + IST_STACK_SIZE;
}

void gdt_set_rsp0(unsigned cpu, uint64_t rsp0)
{
	cpu_tables[cpu].tss.rsp[0] = rsp0;
}
