/* rflags: sets every RFLAGS bit user mode may set (NT, AC, DF, ID, and the
 * arithmetic ones; IOPL and IF are silently kept by POPFQ at CPL 3) and then
 * enters the kernel every way it can with them set: blocked in cap_enter,
 * preempted while computing, and finally exiting. A kernel that carried NT
 * into its own IRETQ, or AC past its entry (SMAP off), would stop or say so
 * (the smoke rejects "kernel flags"). Run as run=rflags (Console slot 0, Timer
 * slot 1). */
#include "lib/capos.h"

#define DIRTY 0x244ed7ull /* ID AC NT OF DF IF SF ZF AF PF CF, and bit 1 */

int main(struct capos_ring *ring);

/* Blocks in cap_enter for 2 ms with the dirty flags, returns what RFLAGS held
 * after the system call came back. */
static uint64_t block_dirty(void)
{
	uint64_t after;
	__asm__ volatile("pushfq\n\t"
			 "pushq %[dirty]\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "popq %[after]\n\t"
			 "popfq"
			 : [after] "=&r"(after)
			 : [dirty] "r"(DIRTY), "a"((uint64_t)CAPOS_SYS_CAP_ENTER), "D"((uint64_t)1),
			   "S"((uint64_t)2000000)
			 : "rcx", "r11", "memory", "cc");
	return after;
}

/* Spins n iterations with the dirty flags (LOOP touches no flag). */
static uint64_t spin_dirty(uint64_t n)
{
	uint64_t after;
	__asm__ volatile("pushfq\n\t"
			 "pushq %[dirty]\n\t"
			 "popfq\n\t"
			 "1: pause\n\t"
			 "loop 1b\n\t"
			 "pushfq\n\t"
			 "popq %[after]\n\t"
			 "popfq"
			 : [after] "=&r"(after), "+c"(n)
			 : [dirty] "r"(DIRTY)
			 : "memory", "cc");
	return after;
}

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1}, timer = {1, 1};
	const uint64_t keep = DIRTY; /* what must come back */
	uint64_t t0, t1;
	int bad = 0;
	for (int i = 0; i < 5; i++)
		bad += (block_dirty() & keep) != keep;
	/* Long enough to be preempted several times (10 ms slices). */
	if (timer_now(ring, timer, &t0) != CAPOS_OK)
		return 10;
	do {
		bad += (spin_dirty(200000) & keep) != keep;
		if (timer_now(ring, timer, &t1) != CAPOS_OK)
			return 11;
	} while (t1 - t0 < 50000000ull);
	console_printf(ring, console,
		       "rflags: blocked and preempted with NT AC DF set; flags kept: %s\n",
		       bad ? "NO" : "yes");
	if (bad)
		return 1;
	/* Exit with them set too. */
	__asm__ volatile("pushq %[dirty]\n\t"
			 "popfq\n\t"
			 "syscall"
			 :
			 : [dirty] "r"(DIRTY), "a"((uint64_t)CAPOS_SYS_EXIT), "D"((uint64_t)0)
			 : "rcx", "r11", "memory", "cc");
	__builtin_unreachable();
}
