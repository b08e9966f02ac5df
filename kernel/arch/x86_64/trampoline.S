/* trampoline.S: application processor start-up code (SDM vol. 3A §8.4.4).
 *
 * Copied to TRAMPOLINE_PHYS (page aligned, below 1 MiB) before the SIPI. Starts
 * in real mode at TRAMPOLINE_PHYS:0, goes through 32-bit protected mode into long
 * mode with the kernel's page tables (the page is identity-mapped while CPUs
 * start), then jumps to the kernel entry with its stack and CPU index from the
 * parameter block at the end of the blob.
 */
#define TRAMPOLINE_PHYS 0x8000
#define T(x) (TRAMPOLINE_PHYS + (x) - trampoline_start)

	.section .rodata
	.align 16
	.global trampoline_start, trampoline_end, trampoline_params
	.code16
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tr_gdtr)
	movl %cr0, %eax
	orl $1, %eax /* PE */
	movl %eax, %cr0
	ljmpl $0x08, $T(tr_pm32)

	.code32
tr_pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax /* PAE */
	movl %eax, %cr4
	movl T(tr_cr3), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx /* EFER */
	rdmsr
	orl $(1 << 8), %eax /* LME */
	orl T(tr_efer_nx), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax /* PG, WP */
	movl %eax, %cr0
	ljmpl $0x18, $T(tr_lm64)

	.code64
tr_lm64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq T(tr_stack), %rsp
	movq T(tr_cpu), %rdi
	movq T(tr_entry), %rax
	xorl %ebp, %ebp
	jmp *%rax

	.align 8
/* Accessed bits preset: the CPU would otherwise write them into this page,
 * which is mapped read-only once paging is on (SDM 3A §3.4.5.1). */
tr_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf93000000ffff /* 0x10: data */
	.quad 0x00af9b000000ffff /* 0x18: 64-bit code */
tr_gdtr:
	.short tr_gdtr - tr_gdt - 1
	.long T(tr_gdt)

	.align 8
trampoline_params:
tr_cr3:
	.quad 0
tr_efer_nx:
	.quad 0
tr_stack:
	.quad 0
tr_entry:
	.quad 0
tr_cpu:
	.quad 0
trampoline_end:
