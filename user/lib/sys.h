/* sys: the two system calls, for user programs. */
#ifndef CAPOS_USER_SYS_H
#define CAPOS_USER_SYS_H

#include <stdint.h>

#include "capos/ring.h"

/* cap_enter: processes submitted SQEs, then waits until min_complete
 * completions are ready or timeout_ns has passed (0: no wait; UINT64_MAX: no
 * limit); returns how many completions are ready. */
static inline uint64_t cap_enter(uint32_t min_complete, uint64_t timeout_ns)
{
	uint64_t ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((uint64_t)CAPOS_SYS_CAP_ENTER), "D"((uint64_t)min_complete),
			   "S"(timeout_ns)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((noreturn)) void sys_exit(int status)
{
	__asm__ volatile("syscall"
			 :
			 : "a"((uint64_t)CAPOS_SYS_EXIT), "D"((uint64_t)status)
			 : "rcx", "r11", "memory");
	__builtin_unreachable();
}

#endif
