/* proc: processes (one thread each, for now), the bundled binaries they run,
 * and the scheduler (sched.c) that runs them. */
#ifndef CAPOS_PROC_PROC_H
#define CAPOS_PROC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"
#include "lib/cap/captable.h"
#include "lib/ring/ring.h"

#define PROC_LIMIT	256 /* processes alive at once (memory bounds it before that) */
#define PROC_NAME_MAX	24
#define USER_LIMIT	0x0000800000000000ull
#define USER_STACK_TOP	0x00007ffffff00000ull
#define USER_STACK_SIZE (64 * 1024)
#define USER_RING_VA	0x00007fffffe00000ull
#define USER_DEV_VA	0x0000600000000000ull /* device windows and DMA pools, upward */
#define USER_DEV_VA_END 0x0000600010000000ull /* 256 MiB per process, never reused */
#define KSTACK_FRAMES	4
#define PROC_CAP_SLOTS	64
#define PROC_MAX_CALLS	8	    /* calls outstanding plus calls received, not returned */
#define PROC_MAX_PAGES	4096	    /* user pages: image, stack, ring */
#define PROC_MAX_CHILD	16	    /* live processes one process may have spawned */
#define PROC_MAX_KHEAP	(512 << 10) /* kernel heap bytes its calls in progress may pin */

enum proc_state {
	PROC_NEW = 0, /* being built: nobody runs or finds it yet */
	PROC_READY,
	PROC_RUNNING,
	PROC_BLOCKED,
	PROC_ZOMBIE, /* ended, waiting for the reaper */
};

struct proc {
	struct proc *all_next, *all_prev; /* every process (sched_lock) */
	struct proc *run_next;		  /* the run queue (sched_lock) */
	struct proc *wait_next;		  /* the wait list it sleeps on (sched_lock) */
	struct proc **waitq;		  /* that list, while BLOCKED on one */
	struct proc *sleep_next;	  /* the timed sleepers (sched_lock) */
	int pid;
	int parent; /* pid of the process charged for it (0: none) */
	char name[PROC_NAME_MAX];
	enum proc_state state;
	volatile bool on_cpu; /* a CPU still runs on its kernel stack */
	uint64_t pml4;
	uint64_t kstack_phys;
	uint64_t kstack_top;
	uint64_t fpu_phys;  /* its FPU/SSE/AVX state while it does not run (one frame) */
	uint64_t fpu_stamp; /* that state's stamp (0: the initial state; lib/sched/fpu_stamp) */
	int last_cpu;	    /* the CPU it last ran on (-1: none yet) */
	bool wait_polls;    /* its wait is for the other side of a call (sched.c) */
	uint64_t saved_rsp;
	uint64_t ring_phys;
	struct capos_ring *ring; /* kernel alias of the ring page */
	struct ring_kstate rk;
	struct cap_slot cap_slots[PROC_CAP_SLOTS];
	struct cap_table caps;
	struct cap_ledger ledger;
	int exit_status;
	bool faulted;
	volatile bool killed; /* ProcessHandle.kill: end at the next way out */
	bool kill_exit;	      /* it ended because it was killed */
	bool killable;	      /* its current wait ends early when killed */
	bool sleeping;	      /* on the sleepers list until wake_at */
	uint64_t wake_at;
	struct proc_handle *handle; /* the ProcessHandle object, if spawned with one */
	struct {
		struct endpoint *ep; /* NULL: free */
		struct ep_call *call;
		uint32_t gen;	/* UINT32_MAX: retired, never reused */
	} recv[PROC_MAX_CALLS]; /* calls received and not yet returned (RETURN tokens) */
	uint64_t frames;	/* user frames charged to this process */
	uint64_t *start_arg;	/* the RSI word of its first user entry frame */
	uint64_t dev_va_next;	/* next address for a device window or pool (never reused) */
};

struct proc_handle;
struct endpoint;
struct ep_call;

/* proc_init: SYSCALL on this CPU; reports the CPU protections. */
void proc_init(void);

/* proc_spawn: a new process running the bundled binary `binary`, holding a
 * Console and a Timer; NULL (reason printed) when the binary is unknown or
 * invalid, or memory or the process table ran out: nothing is half-created. */
struct proc *proc_spawn(const char *name, const char *binary);

/* proc_create: like proc_spawn but with an empty cap table and not yet
 * runnable: the caller installs its capabilities, then proc_start (or
 * proc_abandon to undo it all). proc_create_child charges the new process to
 * parent's ledger (CAP_RES_PROCS) until it ends. */
struct proc *proc_create(const char *name, const char *binary);
struct proc *proc_create_child(struct proc *parent, const char *name, const char *binary);
void proc_start(struct proc *p);
/* proc_set_start_handle: before proc_start, the handle the program's second
 * start argument names (slot | gen << 32; 0, naming nothing, by default):
 * how init finds its BootManifest without guessing. */
void proc_set_start_handle(struct proc *p, struct capos_handle h);
void proc_abandon(struct proc *p);

/* proc_wait_on: blocks the running process on the wait list *list until
 * cond(arg) holds or it is killed (then the caller sees cond still false and
 * proc_killed_current true). cond is checked under the scheduler lock: whoever
 * makes it true does so before calling proc_wake_all(list), so no wake-up is
 * lost. list may be NULL: only a kill or proc_wake ends the wait. */
void proc_wait_on(struct proc **list, bool (*cond)(void *arg), void *arg);
/* proc_wait_on_until: proc_wait_on, but it also ends once clock_ns() reaches
 * deadline (then cond may still be false). */
void proc_wait_on_until(struct proc **list, bool (*cond)(void *arg), void *arg, uint64_t deadline);
/* proc_wait_uninterruptible: the same, but a kill does not end it (for waits
 * bounded by another CPU's short, non-blocking work). */
void proc_wait_uninterruptible(struct proc **list, bool (*cond)(void *arg), void *arg);
/* proc_wait_on_call: proc_wait_on for the other side of a call (a server
 * waiting for calls): if its CPU is left idle, it polls for a while, as for a
 * caller waiting for its reply (proc_wake_and_wait_on). Other waits (an
 * interrupt, an event, a timer) let it halt at once. */
void proc_wait_on_call(struct proc **list, bool (*cond)(void *arg), void *arg);
/* proc_wake_all: makes every process on *list runnable. */
void proc_wake_all(struct proc **list);
/* proc_wake_and_wait_on: wakes everything on *wake, then proc_wait_on(list,
 * cond, arg); when it blocks, the CPU goes straight to the first process woken
 * (a call's server), all under one hold of the scheduler lock. */
void proc_wake_and_wait_on(struct proc **wake, struct proc **list, bool (*cond)(void *arg),
			   void *arg);
bool proc_killed_current(void);

/* proc_kill: ProcessHandle.kill of pid. The process ends at its next way out
 * of the kernel or into it (system call return, interrupt from user mode, a
 * killable wait, which ends at once). Nothing happens when pid has ended. */
void proc_kill(int pid);

/* proc_exit_if_killed: ends the running process if it was killed (the return
 * paths to user mode call it). */
void proc_exit_if_killed(void);

/* sched_init: the timer and reschedule handlers on every CPU. */
void sched_init(void);
/* sched_run: on the boot CPU, runs processes together with the other CPUs
 * until no process is left. */
void sched_run(void);
/* sched_busy_here: this CPU is about to do long kernel work outside the
 * scheduler (a prompt command, interrupts off): it stops polling, and what is
 * queued is announced to the other CPUs. */
void sched_busy_here(void);
/* sched_set_boot_cpu_hook: fn runs on the boot CPU between processes (in
 * its scheduler context, interrupts off) while sched_run lasts. */
void sched_set_boot_cpu_hook(void (*fn)(void));
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

/* proc_sleep_current: blocks the running process until clock_ns() reaches
 * deadline or it is killed; other processes run meanwhile. */
void proc_sleep_until(uint64_t deadline);
void proc_sleep_current(uint64_t ns);

/* sched_user_return: on the way back to user mode: other CPUs are told of
 * processes this CPU woke and did not run itself. */
void sched_user_return(void);

/* sched_preempt_point: after an interrupt from user mode (EOI sent): switches
 * away when the running process's time slice is over. */
void sched_preempt_point(void);

/* proc_find_locked: a live process by pid, or NULL; the caller holds the
 * scheduler lock (sched_lock_take). */
struct proc *proc_find_locked(int pid);
uint64_t sched_lock_take(void);
void sched_lock_drop(uint64_t flags);

/* proc_name_sanitize: copies a process name for COM1: printable ASCII only,
 * others become '?', at most PROC_NAME_MAX - 1 bytes. */
void proc_name_sanitize(char *dst, const char *src, size_t n);

/* proc_install: a handle of iface on o in p's table (the handle counted). */
struct kobj;
enum cap_status proc_install(struct proc *p, struct kobj *o, uint64_t iface,
			     struct capos_handle *out);

/* Internal to proc.c and sched.c. */
void proc_free(struct proc *p);
void proc_unlist_locked(struct proc *p);
void sched_add_locked(struct proc *p);	 /* to the process list */
void sched_ready_locked(struct proc *p); /* to the run queue */
void proc_reap(struct proc *p);		 /* the reaper's teardown of an ended process */
unsigned sched_live(void);

#endif
