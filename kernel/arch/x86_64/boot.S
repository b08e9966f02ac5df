/* boot.S: the kernel's first instructions, for both ways in.
 *
 * PVH (Xen PHYS32_ENTRY note): 32-bit protected mode, paging off, EBX = physical
 * address of hvm_start_info.  Multiboot2 (spec §3.3): 32-bit protected mode, paging
 * off, EAX = 0x36d76289, EBX = physical address of the boot information.
 *
 * Both paths build boot page tables (identity and direct map of the low 4 GiB, and
 * the kernel at -2 GiB), enter long mode and call kmain(boot_magic, boot_info_phys).
 * Everything here is linked high, so 32-bit code uses (symbol - KERNEL_VMA).
 */
#define KERNEL_VMA 0xFFFFFFFF80000000
#define PHYS(x) ((x) - KERNEL_VMA)

#define BOOT_MAGIC_PVH 0x336ec578 /* PVH start info magic marks the PVH path */
#define MB2_HEADER_MAGIC 0xe85250d6

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0 /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.align 8
	/* Entry address tag (§3.1.6): the physical address GRUB jumps to. */
	.short 3, 0
	.long 12
	.long PHYS(_start_mb2)
	.align 8
	.short 0, 0 /* end tag */
	.long 8
mb2_header_end:

	/* PVH entry point note: QEMU reads a pointer-sized value for ELF64. */
	.section .note.Xen, "a", @note
	.align 4
	.long 4 /* namesz */
	.long 8 /* descsz */
	.long 18 /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.quad PHYS(_start_pvh)
	.align 4

	.section .boot.text, "ax"
	.code32
	.global _start_pvh, _start_mb2
_start_pvh:
	movl $BOOT_MAGIC_PVH, %eax
_start_mb2:
	cli
	cld
	movl %eax, %edi /* boot magic */
	movl %ebx, %esi /* boot information, physical */
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	movl $PHYS(boot_stack_top), %esp

	/* Long mode and NX support (CPUID 8000_0001h EDX bits 29 and 20). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebp /* keep the feature bits for NX */

	/* Clear .bss: the boot page tables live there. */
	movl %edi, %edx /* the stack is in .bss too */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx /* both ends are 4 KiB aligned (linker.ld) */
	xorl %eax, %eax
	rep stosl
	movl %edx, %edi

	/* 2048 2 MiB pages: the low 4 GiB. */
	movl $PHYS(boot_pd), %ebx
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	xorl %ecx, %ecx
1:	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	/* Low PDPT: four PDs; high PDPT entry 510 (-2 GiB): the first PD. */
	movl $PHYS(boot_pdpt_low), %ebx
	movl $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	xorl %ecx, %ecx
2:	movl %eax, (%ebx, %ecx, 8)
	addl $0x1000, %eax
	incl %ecx
	cmpl $4, %ecx
	jne 2b
	movl $(PHYS(boot_pd) + PTE_P + PTE_W), PHYS(boot_pdpt_high) + 510 * 8

	/* PML4: 0 identity, 256 direct map (0xffff800000000000), 511 kernel. */
	movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4)
	movl %eax, PHYS(boot_pml4) + 256 * 8
	movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), PHYS(boot_pml4) + 511 * 8

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3

	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	btl $20, %ebp
	jnc 3f
	orl $EFER_NXE, %eax
3:	wrmsr

	movl %cr0, %eax
	orl $(CR0_PE | CR0_PG | CR0_WP), %eax
	movl %eax, %cr0

	lgdt PHYS(boot_gdtr)
	ljmp $0x08, $PHYS(long_mode_low)

no_long_mode:
	movl $PHYS(no_long_mode_msg), %esi
4:	lodsb
	testb %al, %al
	jz 6f
	movw $0x3f8 + 5, %dx /* COM1 line status: wait for THR empty */
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movb -1(%esi), %al
	movw $0x3f8, %dx
	outb %al, %dx
	jmp 4b
6:	cli
	hlt
	jmp 6b

	.code64
long_mode_low:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $long_mode_high, %rax
	jmp *%rax

	.text
long_mode_high:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	/* EDI (magic) and ESI (info) were zero-extended when written in 32-bit mode. */
	call kmain
7:	cli
	hlt
	jmp 7b

	.section .rodata
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
boot_gdtr:
	.short boot_gdt_end - boot_gdt - 1
	.quad PHYS(boot_gdt)
no_long_mode_msg:
	.asciz "capos: this CPU has no long mode, stopped\r\n"

	.data
	.align 8
	.global boot_tsc
boot_tsc:
	.quad 0

	.bss
	.align 4096
	.global boot_pml4, boot_stack_guard, boot_stack_top
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096 * 4
/* The page below the boot stack is left unmapped by the kernel's page tables, so
 * an overflow faults (and lands on the double-fault IST stack) instead of
 * corrupting .bss. */
boot_stack_guard:
	.skip 4096
boot_stack:
	.skip 16384
boot_stack_top:
