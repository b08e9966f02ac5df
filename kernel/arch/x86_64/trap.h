/* trap: the IDT and exception reporting. */
#ifndef CAPOS_ARCH_TRAP_H
#define CAPOS_ARCH_TRAP_H

#include <stdint.h>

/* Saved state, in the order isr.S pushes it (lowest address first). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
} __attribute__((packed));
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame");

/* idt_init: installs gates for all 256 vectors: the 32 exceptions (NMI, #DF and
 * #MC on their IST stacks) and the interrupt vectors; loads the IDT. */
void idt_init(void);
/* idt_load: loads the already built IDT on another CPU. */
void idt_load(void);

/* trap_dispatch: called by isr.S. Vectors 32-255 go to intr_dispatch;
 * exceptions in the kernel are fatal: report and stop. */
void trap_dispatch(struct trap_frame *f);

/* trap_backtrace: prints the frame-pointer chain from rbp, bounded in depth and
 * checked to stay inside kernel memory. */
void trap_backtrace(uint64_t rip, uint64_t rbp);

#endif
