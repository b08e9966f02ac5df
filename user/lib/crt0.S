/* crt0: user entry. RDI holds the address of the process's capability ring,
 * RSI a start handle (slot | gen << 32; 0 for none): main(ring, start). */
	.text
	.global _start
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call main
	movl %eax, %edi
	movl $1, %eax /* CAPOS_SYS_EXIT */
	syscall
	ud2
