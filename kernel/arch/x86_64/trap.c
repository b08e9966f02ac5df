/* trap: IDT set-up and fatal exception reports on COM1. */
#include "cpufeat.h"
#include "trap.h"
#include "cpu.h"
#include "gdt.h"
#include "intr.h"
#include "percpu.h"
#include "usercopy.h"
#include "proc/proc.h"
#include "core/console.h"
#include "core/stop.h"

#define IDT_VECTORS	 256
#define GATE_INTERRUPT	 0x8E /* present, DPL 0, 64-bit interrupt gate (SDM 3A §6.14.1) */
#define BACKTRACE_DEPTH	 16
#define KERNEL_SPACE_MIN 0xFFFF800000000000ull

extern char __kernel_start[], __kernel_end[];

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");

struct idtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct idtr) == 10, "idtr");

extern const uint64_t isr_stub_table[IDT_VECTORS];
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

/* Mnemonics and names (SDM vol. 3A §6.15). */
static const char *const exc_names[32][2] = {
    {"#DE", "divide error"},
    {"#DB", "debug"},
    {"NMI", "non-maskable interrupt"},
    {"#BP", "breakpoint"},
    {"#OF", "overflow"},
    {"#BR", "bound range exceeded"},
    {"#UD", "invalid opcode"},
    {"#NM", "device not available"},
    {"#DF", "double fault"},
    {"#CSO", "coprocessor segment overrun"},
    {"#TS", "invalid TSS"},
    {"#NP", "segment not present"},
    {"#SS", "stack-segment fault"},
    {"#GP", "general protection"},
    {"#PF", "page fault"},
    {"#15", "reserved"},
    {"#MF", "x87 floating-point error"},
    {"#AC", "alignment check"},
    {"#MC", "machine check"},
    {"#XM", "SIMD floating-point"},
    {"#VE", "virtualization exception"},
    {"#CP", "control protection"},
    {"#22", "reserved"},
    {"#23", "reserved"},
    {"#24", "reserved"},
    {"#25", "reserved"},
    {"#26", "reserved"},
    {"#27", "reserved"},
    {"#HV", "hypervisor injection"},
    {"#VC", "VMM communication"},
    {"#SX", "security exception"},
    {"#31", "reserved"},
};

static void set_gate(unsigned v, uint64_t handler, unsigned ist)
{
	struct idt_gate *g = &idt[v];
	g->offset_lo = handler & 0xffff;
	g->selector = GDT_KERNEL_CODE;
	g->ist = (uint8_t)ist;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void idt_load(void)
{
	struct idtr r = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(r));
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		unsigned ist = v == 2 ? IST_NMI : v == 8 ? IST_DF : v == 18 ? IST_MC : 0;
		set_gate(v, isr_stub_table[v], ist);
	}
	idt_load();
}

/* A frame pointer is followed only while it stays 8-byte aligned, inside the
 * kernel image (where every kernel stack lives so far, so the read cannot fault),
 * and strictly increasing (stacks grow down, so callers sit higher). */
void trap_backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace: 0x%llx", (unsigned long long)rip);
	for (int depth = 0; depth < BACKTRACE_DEPTH; depth++) {
		if (rbp < (uintptr_t)__kernel_start || rbp > (uintptr_t)__kernel_end - 16 ||
		    (rbp & 7) != 0)
			break;
		const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = fp[1];
		uint64_t next = fp[0];
		if (ret < KERNEL_SPACE_MIN)
			break;
		kprintf(" 0x%llx", (unsigned long long)ret);
		if (next <= rbp)
			break;
		rbp = next;
	}
	kprintf("\n");
}

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	cpufeat_check_flags("interrupt");
	if (v >= 32) {
		intr_dispatch(f);
		return;
	}
	if (v == 2) {
		/* An NMI (a watchdog's, another CPU's): counted; it takes no lock,
		 * for it may have interrupted a holder of any. */
		this_cpu()->nmis++;
		return;
	}
	if (v == 14 && !(f->cs & 3)) {
		/* A user copy that met an unmapped or protected page: resume at its
		 * fixup, which reports failure to the caller. */
		uint64_t fix = usercopy_fixup_rip(f->rip);
		if (fix != 0) {
			f->rip = fix;
			return;
		}
	}
	if (f->cs & 3) {
		/* A fault in user mode ends that process alone. */
		proc_fault_current(v < 32 ? exc_names[v][1] : "exception", v,
				   v == 14 ? read_cr2() : 0, f->rip);
	}
	console_emergency();
	kprintf("exception %s (%s) vector=%u error=0x%llx\n", v < 32 ? exc_names[v][0] : "?",
		v < 32 ? exc_names[v][1] : "unknown", v, (unsigned long long)f->error);
	kprintf("  rip=0x%016llx cs=0x%llx rflags=0x%llx cr2=0x%016llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->cs,
		(unsigned long long)f->rflags, (unsigned long long)read_cr2());
	kprintf("  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
		(unsigned long long)f->rdx);
	kprintf("  rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx rsp=0x%016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi, (unsigned long long)f->rbp,
		(unsigned long long)f->rsp);
	kprintf("  r8 =0x%016llx r9 =0x%016llx r10=0x%016llx r11=0x%016llx\n",
		(unsigned long long)f->r8, (unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11);
	kprintf("  r12=0x%016llx r13=0x%016llx r14=0x%016llx r15=0x%016llx\n",
		(unsigned long long)f->r12, (unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	kprintf("  cr0=0x%llx cr3=0x%llx cr4=0x%llx ss=0x%llx\n", (unsigned long long)read_cr0(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4(),
		(unsigned long long)f->ss);
	trap_backtrace(f->rip, f->rbp);
	kprintf("capos: fatal exception, stopping\n");
	kernel_stop(STOP_PANIC);
}
