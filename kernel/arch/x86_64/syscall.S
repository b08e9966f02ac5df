/* syscall.S: the SYSCALL entry (SDM vol. 2B SYSCALL/SYSRET) and the first
 * entry of a thread into user mode.
 *
 * SYSCALL leaves the user RIP in RCX and RFLAGS in R11, masks RFLAGS with
 * IA32_FMASK (IF, DF, TF, AC cleared) and does not switch stacks: the entry
 * swaps GS to the CPU's record, saves the user RSP there and moves to the
 * thread's kernel stack before anything else.
 */
#include "percpu_offsets.h"

	.text
	.global syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:PERCPU_USER_RSP
	movq %gs:PERCPU_KERNEL_RSP, %rsp
	/* struct syscall_frame, lowest address first (see syscall.h). */
	pushq %gs:PERCPU_USER_RSP
	pushq %r11
	pushq %rcx
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	call syscall_dispatch
	/* fall through: return to user with the frame as it is now */
	.global syscall_return
syscall_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	popq %rcx
	popq %r11
	popq %rsp
	/* SYSRET to a non-canonical RIP faults in ring 0 on Intel CPUs: the
	 * dispatcher has already checked RCX; keep interrupts off until SYSRET. */
	swapgs
	sysretq

/* user_enter(frame): starts a thread in user mode from a frame on its kernel
 * stack: the first two arguments for user code (into RDI and RSI), then RIP,
 * CS, RFLAGS, RSP, SS for IRETQ. Every other register starts at zero. */
	.global user_enter
user_enter:
	movq %rdi, %rsp
	popq %rdi
	popq %rsi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	swapgs
	iretq

/* context_switch(save, next): saves RFLAGS, the callee-saved registers and the
 * stack pointer into *save, and resumes the context whose stack pointer is
 * next, with that context's own RFLAGS (a new thread's are 0x2). */
	.global context_switch
context_switch:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq
	ret

/* thread_start: where a new thread's first context_switch returns: r12 holds
 * its user entry frame (see proc.c). The switch is finished first (the
 * previous context's stack is let go). */
	.global thread_start
thread_start:
	call sched_finish
	movq %r12, %rdi
	jmp user_enter
