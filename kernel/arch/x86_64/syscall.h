/* syscall: the two system calls, cap_enter and exit, through SYSCALL. */
#ifndef CAPOS_ARCH_SYSCALL_H
#define CAPOS_ARCH_SYSCALL_H

#include <stdint.h>

/* What syscall.S saved, lowest address first. */
struct syscall_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx;
	uint64_t r9, r8, r10, rdx, rsi, rdi, rax;
	uint64_t rcx; /* user RIP */
	uint64_t r11; /* user RFLAGS */
	uint64_t rsp; /* user RSP */
} __attribute__((packed));
_Static_assert(sizeof(struct syscall_frame) == 16 * 8, "syscall frame");

/* syscall_init_cpu: STAR, LSTAR, FMASK and EFER.SCE on this CPU. */
void syscall_init_cpu(void);

/* syscall_dispatch: called by syscall.S; the result goes in frame->rax. */
void syscall_dispatch(struct syscall_frame *f);

/* context_switch: saves this context's stack pointer in *save and resumes next. */
void context_switch(uint64_t *save, uint64_t next);

/* user_enter: into user mode from a frame (rdi, rip, cs, rflags, rsp, ss). */
__attribute__((noreturn)) void user_enter(uint64_t *iret_frame);

#endif
