/* crt0: user entry. RDI holds the address of the process's capability ring. */
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
