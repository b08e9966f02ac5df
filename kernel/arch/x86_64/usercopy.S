/* usercopy.S: copies between kernel and user memory that survive faults.
 * The caller has checked the user range lies below the user limit and does not
 * wrap; a fault inside the copy (an unmapped or protected user page) resumes
 * at the fixup, which returns non-zero (trap.c matches the faulting RIP).
 * With SMAP on, user pages are reachable only between STAC and CLAC. */
	.text
	.global usercopy_raw, usercopy_insn, usercopy_fixup
/* uint64_t usercopy_raw(void *dst, const void *src, size_t n) */
usercopy_raw:
	cmpb $0, smap_enabled(%rip)
	je 1f
	stac
1:	movq %rdx, %rcx
usercopy_insn:
	rep movsb
	cmpb $0, smap_enabled(%rip)
	je 2f
	clac
2:	xorl %eax, %eax
	ret
usercopy_fixup:
	cmpb $0, smap_enabled(%rip)
	je 3f
	clac
3:	movl $1, %eax
	ret
