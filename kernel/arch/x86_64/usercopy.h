/* usercopy: the only way the kernel touches user memory. */
#ifndef CAPOS_ARCH_USERCOPY_H
#define CAPOS_ARCH_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool smap_enabled;

/* copy_from_user / copy_to_user: false when [uaddr, uaddr+n) is not entirely
 * user space or a page in it is unmapped or not writable (for copy_to_user):
 * the kernel survives the fault and nothing beyond the faulting byte changes. */
bool copy_from_user(void *dst, uint64_t uaddr, size_t n);
bool copy_to_user(uint64_t uaddr, const void *src, size_t n);

/* usercopy_fixup_rip: for trap.c: the resume address when a kernel-mode page
 * fault hit the copy instruction, else 0. */
uint64_t usercopy_fixup_rip(uint64_t rip);

#endif
