/* usercopy: range checks around the fault-tolerant copy. */
#include "usercopy.h"
#include "proc/proc.h"

extern uint64_t usercopy_raw(void *dst, const void *src, size_t n);
extern char usercopy_insn[], usercopy_fixup[];

bool smap_enabled;

static bool user_range(uint64_t a, size_t n)
{
	return a < USER_LIMIT && n <= USER_LIMIT - a;
}

bool copy_from_user(void *dst, uint64_t uaddr, size_t n)
{
	if (!user_range(uaddr, n))
		return false;
	return n == 0 || usercopy_raw(dst, (const void *)(uintptr_t)uaddr, n) == 0;
}

bool copy_to_user(uint64_t uaddr, const void *src, size_t n)
{
	if (!user_range(uaddr, n))
		return false;
	return n == 0 || usercopy_raw((void *)(uintptr_t)uaddr, src, n) == 0;
}

uint64_t usercopy_fixup_rip(uint64_t rip)
{
	return rip == (uint64_t)(uintptr_t)usercopy_insn ? (uint64_t)(uintptr_t)usercopy_fixup : 0;
}
