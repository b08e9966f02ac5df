/* isr.S: entry stubs for all 256 vectors. Each pushes a dummy error code where the CPU
 * pushes none (SDM vol. 3A §6.13, table 6-1), then its vector, then all general
 * registers, and calls trap_dispatch(struct trap_frame *). */

/* Vectors entered the paranoid way: NMI, #DF and #MC can arrive anywhere,
 * inside the SYSCALL entry and exit windows too, where CS already or still
 * says kernel but GS is the user's: they decide on SWAPGS from the GS base
 * itself (the kernel's is an upper-half address), not from the saved CS. */
#define PARANOID(v) ((v) == 2 || (v) == 8 || (v) == 18)

/* Vectors whose exceptions push an error code. */
#define HAS_ERR(v) (((v) < 32) && ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30))

	.text
	.altmacro
.macro ISR v
	.align 16
isr_\v:
	.if HAS_ERR(\v) == 0
	pushq $0
	.endif
	pushq $\v
	.if PARANOID(\v)
	jmp isr_paranoid
	.else
	jmp isr_common
	.endif
.endm

/* The general registers, in struct trap_frame's order. */
.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

.set i, 0
.rept 256
	ISR %i
	.set i, i + 1
.endr

isr_common:
	/* From user mode (CS RPL 3, at 24(%rsp) above vector and error code): take
	 * the kernel's GS base. */
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	PUSH_REGS
	/* Clean flags for the kernel whatever was interrupted: the gate cleared
	 * IF, TF and NT, but not AC (which would switch SMAP off) nor DF (SDM 3A
	 * §6.12.1.3). IRETQ restores the interrupted flags. */
	pushq $2
	popfq
	movq %rsp, %rdi
	/* Align the stack for the C ABI; the frame pointer chain stays intact. */
	movq %rsp, %rbx
	andq $-16, %rsp
	call trap_dispatch
	movq %rbx, %rsp
	POP_REGS
	addq $16, %rsp /* vector and error code */
	testb $3, 8(%rsp)
	jz 2f
	swapgs
2:	iretq

isr_paranoid:
	PUSH_REGS
	pushq $2
	popfq
	/* IA32_GS_BASE: an upper-half (negative) base is the kernel's. */
	movl $0xc0000101, %ecx
	rdmsr
	xorl %r12d, %r12d
	testl %edx, %edx
	js 1f
	swapgs
	movl $1, %r12d
1:	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call trap_dispatch
	movq %rbx, %rsp
	testl %r12d, %r12d
	jz 2f
	swapgs
2:	POP_REGS
	addq $16, %rsp /* vector and error code */
	iretq

	.section .rodata
	.align 8
	.global isr_stub_table
isr_stub_table:
.macro ISR_ENTRY v
	.quad isr_\v
.endm
.set i, 0
.rept 256
	ISR_ENTRY %i
	.set i, i + 1
.endr
