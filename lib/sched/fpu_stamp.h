/* fpu_stamp: whether a CPU's FPU registers still hold a process's state, so
 * switching it in can skip the reload (an XRSTOR of up to 832 bytes here).
 *
 * Each save of a process's registers (at every switch away from it) takes a
 * stamp unique across CPUs and time, kept both by the process (its saved
 * state's stamp) and by the CPU (the state its registers hold). A CPU's
 * registers hold a process's latest state exactly when the two stamps are
 * equal: a later save anywhere gives the process a new stamp, a later save of
 * another process here gives the CPU a new one, and a new process (stamp 0,
 * its clean initial state in memory) never matches, even at the address of
 * an ended one. Nothing else may touch the registers (the kernel is built
 * general-registers-only). Which CPU a process runs on is not involved. */
#ifndef CAPOS_LIB_SCHED_FPU_STAMP_H
#define CAPOS_LIB_SCHED_FPU_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#define FPU_STAMP_CPU_BITS 8 /* CPU indices below 256 */

/* fpu_stamp_take: the stamp of a save on CPU cpu, whose count of saves is
 * *saves (never 0). */
static inline uint64_t fpu_stamp_take(uint64_t *saves, unsigned cpu)
{
	return ++*saves << FPU_STAMP_CPU_BITS | (cpu & ((1u << FPU_STAMP_CPU_BITS) - 1));
}

/* fpu_regs_hold: a CPU whose registers carry cpu_stamp holds the latest state
 * of a process whose saved state carries proc_stamp. */
static inline bool fpu_regs_hold(uint64_t cpu_stamp, uint64_t proc_stamp)
{
	return proc_stamp != 0 && proc_stamp == cpu_stamp;
}

#endif
