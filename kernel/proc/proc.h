/* proc: processes and their threads (one thread each, for now), the bundled
 * binaries they run, and the scheduler that runs them. */
#ifndef CAPOS_PROC_PROC_H
#define CAPOS_PROC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"
#include "lib/cap/captable.h"
#include "lib/ring/ring.h"

#define PROC_MAX	32
#define PROC_NAME_MAX	24
#define USER_LIMIT	0x0000800000000000ull
#define USER_STACK_TOP	0x00007ffffff00000ull
#define USER_STACK_SIZE (64 * 1024)
#define USER_RING_VA	0x00007fffffe00000ull
#define KSTACK_FRAMES	4
#define PROC_CAP_SLOTS	64
#define PROC_MAX_CALLS	8    /* calls outstanding plus calls received, not returned */
#define PROC_MAX_PAGES	4096 /* user pages: image, stack, ring */

enum proc_state {
	PROC_FREE = 0,
	PROC_READY,
	PROC_RUNNING,
	PROC_BLOCKED,
	PROC_ZOMBIE,
};

struct proc {
	int pid;
	char name[PROC_NAME_MAX];
	enum proc_state state;
	uint64_t pml4;
	uint64_t kstack_phys;
	uint64_t kstack_top;
	uint64_t fpu_phys; /* its FPU/SSE/AVX state while it does not run (one frame) */
	uint64_t saved_rsp;
	uint64_t ring_phys;
	struct capos_ring *ring; /* kernel alias of the ring page */
	struct ring_kstate rk;
	struct cap_slot cap_slots[PROC_CAP_SLOTS];
	struct cap_table caps;
	struct cap_ledger ledger;
	int exit_status;
	bool faulted;
	bool exited;		    /* set by the process's own CPU; the scheduler reaps it */
	volatile bool killed;	    /* ProcessHandle.kill: end at the next way out */
	bool kill_exit;		    /* it ended because it was killed */
	bool killable;		    /* its current wait ends early when killed */
	bool preempted;		    /* likewise: back to READY once off its stack */
	bool (*wait_fn)(void *arg); /* blocked until wait_fn(wait_arg) is true */
	void *wait_arg;
	uint64_t wake_at;	    /* Timer.sleep's deadline (its wait_arg) */
	struct proc_handle *handle; /* the ProcessHandle object, if spawned with one */
	struct {
		struct endpoint *ep; /* NULL: free */
		struct ep_call *call;
		uint32_t gen;
	} recv[PROC_MAX_CALLS]; /* calls received and not yet returned (RETURN tokens) */
	uint64_t frames;	/* user frames charged to this process */
	uint64_t *start_arg;	/* the RSI word of its first user entry frame */
};

/* proc_init: the process table and SYSCALL on this CPU. */
void proc_init(void);

struct proc_handle;
struct endpoint;
struct ep_call;

/* proc_spawn: a new process running the bundled binary `binary`; NULL (reason
 * printed) when the binary is unknown or invalid, or memory ran out: nothing
 * is half-created. */
struct proc *proc_spawn(const char *name, const char *binary);

/* proc_create: like proc_spawn but with an empty cap table and not yet
 * runnable: the caller installs its capabilities, then proc_start (or
 * proc_abandon to undo it all). */
struct proc *proc_create(const char *name, const char *binary);
void proc_start(struct proc *p);
/* proc_set_start_handle: before proc_start, the handle the program's second
 * start argument names (slot | gen << 32; 0, naming nothing, by default):
 * how init finds its BootManifest without guessing. */
void proc_set_start_handle(struct proc *p, struct capos_handle h);
void proc_abandon(struct proc *p);

/* proc_block_current: blocks the running process until fn(arg) is true (checked
 * by every CPU's scheduler, at least every millisecond while anyone waits).
 * proc_block_killable: the same, but a kill also ends the wait: the caller
 * checks fn again and gives up if it is still false (proc_killed_current). */
void proc_block_current(bool (*fn)(void *arg), void *arg);
void proc_block_killable(bool (*fn)(void *arg), void *arg);
bool proc_killed_current(void);

/* proc_kill: ProcessHandle.kill of pid. The process ends at its next way out
 * of the kernel or into it (system call return, interrupt from user mode, a
 * killable wait); a call it made that a server already received is waited for
 * first. Nothing happens when pid has already ended. */
void proc_kill(int pid);

/* proc_exit_if_killed: ends the running process if it was killed (the return
 * paths to user mode call it). */
void proc_exit_if_killed(void);

/* sched_init: the timer and reschedule handlers on every CPU. */
void sched_init(void);
/* sched_run: on the boot CPU, runs READY processes round robin (preempted by
 * the LAPIC timer) together with the other CPUs until no process is left. */
void sched_run(void);
/* sched_ap_loop: what every other CPU does once started: run processes, or
 * halt until there are some. */
__attribute__((noreturn)) void sched_ap_loop(void);

/* proc_current: the process running on this CPU, or NULL in kernel context. */
struct proc *proc_current(void);

/* proc_exit_current / proc_fault_current: end the running process (exit status,
 * or a fault report; a fault's status is its vector, as ProcessHandle.wait says)
 * and switch away; never return. */
__attribute__((noreturn)) void proc_exit_current(int status);
__attribute__((noreturn)) void proc_fault_current(const char *what, unsigned vector, uint64_t addr,
						  uint64_t rip);

/* proc_sleep_current: blocks the running process for at least ns nanoseconds;
 * other processes run meanwhile. Returns on whichever CPU resumes it. */
void proc_sleep_current(uint64_t ns);

/* sched_preempt_point: after an interrupt from user mode (EOI sent): switches
 * to the scheduler when the running process's time slice is over. */
void sched_preempt_point(void);

/* proc_find: a process by pid (zombies included), or NULL. */
struct proc *proc_find(int pid);

#endif
