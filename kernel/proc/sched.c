/* sched: the run queue, wait lists, timed sleeps and context switches.
 *
 * Blocking is event-driven: a process that waits is put on the wait list of
 * what it waits for (an endpoint's receivers, a call's caller, a
 * ProcessHandle's waiters) or on the timed sleepers, and whoever makes its
 * condition true wakes it (proc_wake_all); nothing polls. A process that
 * blocks hands its CPU straight to the next runnable process (to a named one
 * first: the server of a call, the caller of a reply), without passing
 * through the scheduler context, which only idles and reaps.
 *
 * A process's kernel stack is in use until the switch away from it is
 * finished (on_cpu): whoever resumes next on that CPU calls sched_finish,
 * and no CPU picks a process whose on_cpu is still set. One lock (sched_lock,
 * LOCK_CLASS_SCHED) guards the process list, run queue, wait lists, sleepers
 * and states; switches run with interrupts off and the lock dropped. */
#include "proc.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeat.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/intr.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/tlb.h"
#include "core/console.h"
#include "core/lockorder.h"
#include "core/spinlock.h"
#include "lib/irq/registry.h"
#include "lib/sched/fpu_stamp.h"
#include "mm/layout.h"

_Static_assert(MAX_CPUS <= 1u << FPU_STAMP_CPU_BITS, "fpu stamps name the CPU");

#define TIME_SLICE_US  10000
/* How long an idle CPU polls the run queue before it halts (Linux guests'
 * haltpoll defaults to 200 us). */
#define IDLE_POLL_NS   200000
/* Hand-offs in a row on one CPU, with another halted, before that one is
 * woken to share the work. */
#define HANDOFF_SPREAD 16

static spinlock_t sched_lock = SPINLOCK_INIT;
static struct proc *all_head;
static struct proc *rq_head, *rq_tail;
static struct proc *sleepers;
static struct proc *reapq;
static uint64_t rq_seq; /* moves on whenever the run queue may hold something new */

/* Tells polling CPUs to look at the run queue again (lock held). A full
 * barrier: a CPU that stops polling stores that, then reads this number; the
 * bumper bumps, then reads the polling flags; one of the two sees the other. */
static void rq_bump_locked(void)
{
	__atomic_add_fetch(&rq_seq, 1, __ATOMIC_SEQ_CST);
}
static unsigned live_count;
static uint64_t switches, preemptions, handoffs;
static uint64_t cpu_runs[MAX_CPUS];

void sched_finish(void);

uint64_t sched_lock_take(void)
{
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	lockorder_acquire(LOCK_CLASS_SCHED);
	return fl;
}

void sched_lock_drop(uint64_t flags)
{
	lockorder_release(LOCK_CLASS_SCHED);
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* Drops the lock but leaves interrupts off (a switch follows). */
static void unlock_keep_irqs_off(void)
{
	lockorder_release(LOCK_CLASS_SCHED);
	spin_unlock_irqrestore(&sched_lock, 0);
}

struct proc *proc_current(void)
{
	return this_cpu()->proc;
}

struct proc *proc_find_locked(int pid)
{
	unsigned n = 0;
	for (struct proc *p = all_head; p != NULL && n <= PROC_LIMIT; p = p->all_next, n++)
		if (p->pid == pid && p->state != PROC_NEW && p->state != PROC_ZOMBIE)
			return p;
	return NULL;
}

void sched_add_locked(struct proc *p)
{
	p->all_prev = NULL;
	p->all_next = all_head;
	if (all_head != NULL)
		all_head->all_prev = p;
	all_head = p;
	live_count++;
}

void proc_unlist_locked(struct proc *p)
{
	if (p->all_prev != NULL)
		p->all_prev->all_next = p->all_next;
	else
		all_head = p->all_next;
	if (p->all_next != NULL)
		p->all_next->all_prev = p->all_prev;
	live_count--;
}

unsigned sched_live(void)
{
	return __atomic_load_n(&live_count, __ATOMIC_ACQUIRE);
}

void sched_ready_locked(struct proc *p)
{
	rq_bump_locked(); /* pollers look again */
	p->state = PROC_READY;
	p->run_next = NULL;
	if (rq_tail != NULL)
		rq_tail->run_next = p;
	else
		rq_head = p;
	rq_tail = p;
}

static void rq_unlink_locked(struct proc *p)
{
	struct proc *prev = NULL;
	for (struct proc *q = rq_head; q != NULL; prev = q, q = q->run_next) {
		if (q != p)
			continue;
		if (prev != NULL)
			prev->run_next = q->run_next;
		else
			rq_head = q->run_next;
		if (rq_tail == q)
			rq_tail = prev;
		q->run_next = NULL;
		return;
	}
}

/* Unlinks p from the list it waits on, and from the sleepers. */
static void unwait_locked(struct proc *p)
{
	if (p->waitq != NULL) {
		for (struct proc **pp = p->waitq; *pp != NULL; pp = &(*pp)->wait_next)
			if (*pp == p) {
				*pp = p->wait_next;
				break;
			}
		p->waitq = NULL;
		p->wait_next = NULL;
	}
	if (p->sleeping) {
		for (struct proc **pp = &sleepers; *pp != NULL; pp = &(*pp)->sleep_next)
			if (*pp == p) {
				*pp = p->sleep_next;
				break;
			}
		p->sleeping = false;
	}
}

static void wake_locked(struct proc *p)
{
	if (p->state != PROC_BLOCKED)
		return;
	unwait_locked(p);
	sched_ready_locked(p);
}

static void expire_sleepers_locked(void)
{
	uint64_t now = clock_ns();
	struct proc **pp = &sleepers;
	while (*pp != NULL) {
		struct proc *p = *pp;
		if (p->wake_at <= now) {
			*pp = p->sleep_next;
			p->sleeping = false;
			wake_locked(p);
		} else {
			pp = &p->sleep_next;
		}
	}
}

/* p's own CPU (the last it ran on) is another one, idle and polling the run
 * queue: that CPU takes it within a poll, with its address space and FPU
 * state still loaded. A halted one is not waited for: a lost or late IPI must
 * not leave p unrun while other CPUs could run it. */
static bool polled_elsewhere(const struct proc *p, unsigned me)
{
	int c = p->last_cpu;
	return c >= 0 && (unsigned)c != me &&
	       __atomic_load_n(&percpu_table[c].polling, __ATOMIC_ACQUIRE);
}

/* Another CPU that polls, or -1; *halted: another idle one that halted, or
 * -1. Lock held. */
static int polling_cpu(unsigned me, int *halted)
{
	*halted = -1;
	for (unsigned c = 0; c < percpu_count; c++) {
		if (c == me || !percpu_table[c].idle)
			continue;
		if (__atomic_load_n(&percpu_table[c].polling, __ATOMIC_ACQUIRE))
			return (int)c;
		if (*halted < 0)
			*halted = (int)c;
	}
	return -1;
}

/* Takes the first runnable process off the run queue that no polling CPU is
 * about to take: RUNNING, on_cpu. */
static struct proc *pick_locked(void)
{
	unsigned me = this_cpu()->index;
	if (sleepers != NULL)
		expire_sleepers_locked();
	for (struct proc *p = rq_head; p != NULL; p = p->run_next) {
		if (__atomic_load_n(&p->on_cpu, __ATOMIC_ACQUIRE))
			continue; /* its old CPU is still on its stack */
		if (polled_elsewhere(p, me))
			continue;
		rq_unlink_locked(p);
		p->state = PROC_RUNNING;
		p->on_cpu = true;
		return p;
	}
	return NULL;
}

/* Interrupts every other online CPU (a process killed there, in user mode,
 * enters the kernel and ends). */
static void kick_others(void)
{
	unsigned me = this_cpu()->index;
	for (unsigned c = 0; c < percpu_count; c++)
		if (c != me && percpu_table[c].online)
			lapic_send_ipi(percpu_table[c].apic_id, VEC_RESCHED);
}

/* Wakes the other CPUs that idle halted, so they look at the run queue. One
 * that polls sees it without an IPI, and one that runs a process looks at it
 * at its next switch: waking it would only cost an interrupt. A CPU becomes
 * idle under sched_lock after looking at the run queue, so what was queued
 * before this either was seen there or finds the CPU idle here. */
static void kick_idle(void)
{
	unsigned me = this_cpu()->index;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < percpu_count; c++)
		if (c != me && percpu_table[c].online &&
		    __atomic_load_n(&percpu_table[c].idle, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&percpu_table[c].polling, __ATOMIC_ACQUIRE))
			lapic_send_ipi(percpu_table[c].apic_id, VEC_RESCHED);
}

/* Switches from prev (NULL: this CPU's scheduler context) to next (NULL: the
 * scheduler context). Interrupts off, sched_lock not held; prev's state was
 * set under the lock. Returns when prev is resumed, on whichever CPU. */
static void switch_to(struct proc *prev, struct proc *next)
{
	struct percpu *cpu = this_cpu();
	uint64_t *save = prev != NULL ? &prev->saved_rsp : &cpu->sched_rsp;
	uint64_t to;
	if (prev != NULL) {
		/* Saved, as prev may run next on another CPU; the registers still
		 * hold it, and the kernel itself never uses them. */
		fpu_save(phys_to_virt(prev->fpu_phys));
		prev->fpu_stamp = cpu->fpu_stamp = fpu_stamp_take(&cpu->fpu_saves, cpu->index);
	}
	cpu->sched_prev = prev;
	if (next != NULL) {
		cpu->proc = next;
		cpu->kernel_rsp = next->kstack_top;
		gdt_set_rsp0(cpu->index, next->kstack_top);
		/* An idle CPU keeps the last address space it ran (below): a process
		 * that comes back to it finds its own still loaded. */
		tlb_catch_up();
		if (read_cr3() != next->pml4) {
			tlb_note_cr3(next->pml4);
			write_cr3(next->pml4);
			tlb_cr3_loaded();
		}
		/* The FPU holds only next's state while next runs: it still does
		 * when next was the last saved here and saved nowhere since. */
		if (!fpu_regs_hold(cpu->fpu_stamp, next->fpu_stamp))
			fpu_restore(phys_to_virt(next->fpu_phys));
		next->last_cpu = (int)cpu->index;
		cpu->poll_until = 0;
		cpu->need_resched = false;
		if (!cpu->slicing) {
			lapic_timer_periodic(1000000 / TIME_SLICE_US);
			cpu->slicing = true;
		}
		__atomic_add_fetch(&switches, 1, __ATOMIC_RELAXED);
		cpu_runs[cpu->index]++;
		to = next->saved_rsp;
	} else {
		/* The time slices go on until the CPU halts (idle: each LAPIC
		 * write is an exit under a hypervisor). The scheduler context uses
		 * only the kernel half, which every address space shares: it stays
		 * in prev's, unless prev ended (its tables are about to go;
		 * tlb_forget covers CPUs that idle in it). */
		if (prev != NULL && prev->state == PROC_ZOMBIE)
			tlb_leave_user();
		cpu->proc = NULL;
		to = cpu->sched_rsp;
	}
	context_switch(save, to);
	sched_finish();
}

/* Called first by whatever context resumes after a switch: the previous one's
 * stack is free now. */
void sched_finish(void)
{
	struct percpu *cpu = this_cpu();
	struct proc *prev = cpu->sched_prev;
	cpu->sched_prev = NULL;
	if (prev == NULL)
		return;
	uint64_t fl = sched_lock_take();
	prev->on_cpu = false;
	bool kick = prev->state == PROC_READY;
	if (kick)
		rq_bump_locked(); /* a poller passed it over while on_cpu: look again */
	if (prev->state == PROC_ZOMBIE) {
		prev->run_next = reapq;
		reapq = prev;
	}
	sched_lock_drop(fl);
	if (kick)
		kick_idle(); /* it was made runnable while still on this stack */
}

/* Blocks the running process (state already BLOCKED under the lock, which is
 * held): hands the CPU to next if runnable, else to any runnable process,
 * else to the scheduler context. */
static void block_locked(struct proc *p, struct proc *next, uint64_t fl)
{
	struct proc *to = NULL;
	struct percpu *cpu = this_cpu();
	unsigned me = cpu->index;
	int halted = -1, spread_to = -1;
	if (next != NULL && next->state == PROC_READY && !next->on_cpu &&
	    next->last_cpu == (int)me) {
		/* Another CPU polls: it takes next, and this one idles in turn,
		 * each keeping its address space and FPU state (a hand-off here
		 * would switch both). */
		int c = polling_cpu(me, &halted);
		if (c >= 0)
			next->last_cpu = c;
	}
	if (next != NULL && next->state == PROC_READY && !next->on_cpu &&
	    !polled_elsewhere(next, me)) {
		rq_unlink_locked(next);
		next->state = PROC_RUNNING;
		next->on_cpu = true;
		to = next;
		handoffs++;
		/* Hand-off after hand-off here while another CPU halted: a caller
		 * and its server going back and forth. That CPU is woken to poll,
		 * and the next round trip is split between the two. */
		if (++cpu->handoff_run >= HANDOFF_SPREAD && halted >= 0) {
			cpu->handoff_run = 0;
			spread_to = halted;
		}
	} else {
		to = pick_locked();
	}
	/* Whatever else is runnable now is for the other CPUs. */
	cpu->deferred_kick = rq_head != NULL;
	/* Going idle after a wait for the other side of a call: this CPU polls
	 * for a while, from here on (idle), so that a reply or the next call is
	 * left to it from now, not from when it gets there. After any other
	 * wait (an interrupt, an event, a timer) it halts at once: polling would
	 * only take the host's time (under an emulator, from the very device
	 * threads the wait is for). */
	cpu->poll_until = 0;
	if (to == NULL && percpu_count > 1 && p->wait_polls) {
		cpu->poll_until = clock_ns() + IDLE_POLL_NS;
		__atomic_store_n(&cpu->polling, true, __ATOMIC_SEQ_CST);
	}
	unlock_keep_irqs_off();
	if (spread_to >= 0) {
		struct percpu *other = &percpu_table[spread_to];
		__atomic_store_n(&other->poll_asked, true, __ATOMIC_RELEASE);
		lapic_send_ipi(other->apic_id, VEC_RESCHED);
	}
	switch_to(p, to);
	if (fl & RFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

/* Makes every process on *list runnable (lock held); the first one woken, or NULL. */
static struct proc *wake_list_locked(struct proc **list)
{
	struct proc *first = NULL;
	while (*list != NULL) {
		struct proc *p = *list;
		*list = p->wait_next;
		p->wait_next = NULL;
		p->waitq = NULL;
		if (p->state == PROC_BLOCKED) {
			unwait_locked(p);
			sched_ready_locked(p);
			if (first == NULL)
				first = p;
		}
	}
	return first;
}

/* Waits on list until cond or a kill (when killable); first wakes everything on
 * *wake and, if it blocks, hands its CPU to the first woken. The wake and the
 * hand-off happen under one hold of the lock: what was woken cannot end and be
 * freed in between. */
static void wait_common(struct proc **list, bool (*cond)(void *arg), void *arg, bool killable,
			struct proc **wake, uint64_t deadline, bool polls)
{
	struct proc *p = this_cpu()->proc;
	p->wait_polls = polls;
	for (;;) {
		uint64_t fl = sched_lock_take();
		struct proc *next = wake != NULL ? wake_list_locked(wake) : NULL;
		wake = NULL;
		if (next != NULL)
			this_cpu()->deferred_kick = true; /* unless handed off below */
		if ((cond != NULL && cond(arg)) || (killable && p->killed) ||
		    (deadline != 0 && clock_ns() >= deadline)) {
			sched_lock_drop(fl);
			return;
		}
		p->state = PROC_BLOCKED;
		p->killable = killable;
		if (list != NULL) {
			p->wait_next = *list;
			*list = p;
			p->waitq = list;
		}
		if (deadline != 0) { /* also a sleeper: whichever comes first wakes it */
			p->wake_at = deadline;
			p->sleeping = true;
			p->sleep_next = sleepers;
			sleepers = p;
		}
		block_locked(p, next, fl);
	}
}

void proc_wait_on_until(struct proc **list, bool (*cond)(void *arg), void *arg, uint64_t deadline)
{
	wait_common(list, cond, arg, true, NULL, deadline == 0 ? 1 : deadline, false);
}

void proc_wait_on(struct proc **list, bool (*cond)(void *arg), void *arg)
{
	wait_common(list, cond, arg, true, NULL, 0, false);
}

void proc_wait_on_call(struct proc **list, bool (*cond)(void *arg), void *arg)
{
	wait_common(list, cond, arg, true, NULL, 0, true);
}

void proc_wait_uninterruptible(struct proc **list, bool (*cond)(void *arg), void *arg)
{
	wait_common(list, cond, arg, false, NULL, 0, false);
}

void proc_wake_and_wait_on(struct proc **wake, struct proc **list, bool (*cond)(void *arg),
			   void *arg)
{
	wait_common(list, cond, arg, true, wake, 0, true);
}

void proc_wake_all(struct proc **list)
{
	uint64_t fl = sched_lock_take();
	bool woke = wake_list_locked(list) != NULL;
	sched_lock_drop(fl);
	/* The running process may be about to block and hand its CPU to what was
	 * woken: the other CPUs are kicked when it blocks without doing so, or
	 * on its way back to user mode (sched_user_return). */
	struct percpu *cpu = this_cpu();
	if (woke && cpu->proc != NULL)
		cpu->deferred_kick = true;
	else if (woke)
		kick_idle();
}

void sched_user_return(void)
{
	/* A process that lives in system calls is preempted on its way out, as
	 * one in user mode is at its interrupts. */
	sched_preempt_point();
}

void proc_sleep_until(uint64_t deadline)
{
	struct proc *p = this_cpu()->proc;
	uint64_t fl = sched_lock_take();
	if (clock_ns() >= deadline || p->killed) {
		sched_lock_drop(fl);
		return;
	}
	p->wake_at = deadline;
	p->sleeping = true;
	p->sleep_next = sleepers;
	sleepers = p;
	p->state = PROC_BLOCKED;
	p->killable = true;
	p->wait_polls = false;
	block_locked(p, NULL, fl);
}

void proc_sleep_current(uint64_t ns)
{
	proc_sleep_until(clock_deadline(ns));
}

bool proc_killed_current(void)
{
	return __atomic_load_n(&this_cpu()->proc->killed, __ATOMIC_ACQUIRE);
}

void proc_kill(int pid)
{
	uint64_t fl = sched_lock_take();
	struct proc *p = proc_find_locked(pid);
	if (p != NULL) {
		__atomic_store_n(&p->killed, true, __ATOMIC_RELEASE);
		if (p->state == PROC_BLOCKED && p->killable)
			wake_locked(p);
	}
	sched_lock_drop(fl);
	/* A process in user mode on another CPU enters the kernel on this
	 * interrupt and ends there. */
	if (p != NULL)
		kick_others();
}

void proc_exit_if_killed(void)
{
	struct proc *p = this_cpu()->proc;
	if (p == NULL || !__atomic_load_n(&p->killed, __ATOMIC_ACQUIRE))
		return;
	p->kill_exit = true;
	char name[PROC_NAME_MAX];
	proc_name_sanitize(name, p->name, sizeof(p->name));
	kprintf("proc: %s pid %d killed\n", name, p->pid);
	proc_exit_current(0);
}

void proc_exit_current(int status)
{
	struct proc *p = this_cpu()->proc;
	char name[PROC_NAME_MAX];
	proc_name_sanitize(name, p->name, sizeof(p->name));
	p->exit_status = status;
	kprintf("proc: %s pid %d exited status %d\n", name, p->pid, status);
	__asm__ volatile("cli" : : : "memory");
	uint64_t fl = sched_lock_take();
	p->state = PROC_ZOMBIE; /* the reaper tears it down once off this stack */
	unlock_keep_irqs_off();
	(void)fl;
	switch_to(p, NULL);
	__builtin_unreachable();
}

void proc_fault_current(const char *what, unsigned vector, uint64_t addr, uint64_t rip)
{
	struct proc *p = this_cpu()->proc;
	char name[PROC_NAME_MAX];
	proc_name_sanitize(name, p->name, sizeof(p->name));
	kprintf("proc: %s pid %d fault: %s at 0x%llx rip 0x%llx, killed\n", name, p->pid, what,
		(unsigned long long)addr, (unsigned long long)rip);
	p->faulted = true;
	proc_exit_current((int)vector);
}

/* The LAPIC timer of every CPU: counts ticks (the irq selftest reads them) and
 * ends the running process's time slice. */
static void on_tick(void *ctx)
{
	(void)ctx;
	this_cpu()->timer_ticks++;
	this_cpu()->need_resched = true;
	tlb_catch_up(); /* a TLB request this CPU missed: before it runs on */
}

static void on_resched(void *ctx)
{
	(void)ctx;
	/* Waking a halted CPU, or a process into the kernel, is all it takes;
	 * one asked to share a caller's and a server's work polls. */
	struct percpu *cpu = this_cpu();
	if (__atomic_exchange_n(&cpu->poll_asked, false, __ATOMIC_ACQ_REL))
		cpu->poll_until = clock_ns() + IDLE_POLL_NS;
}

void sched_init(void)
{
	intr_set(INTR_ALL_CPUS, VEC_LAPIC_TIMER, on_tick, 0);
	intr_set(INTR_ALL_CPUS, VEC_RESCHED, on_resched, 0);
}

/* Wakes the idle CPUs if processes were made runnable (or passed over for
 * their own idle CPU) here since the last time. */
static void kick_deferred(void)
{
	struct percpu *cpu = this_cpu();
	if (cpu->deferred_kick) {
		cpu->deferred_kick = false;
		kick_idle();
	}
}

void sched_preempt_point(void)
{
	struct percpu *cpu = this_cpu();
	struct proc *p = cpu->proc;
	proc_exit_if_killed();
	if (cpu->need_resched && p != NULL) {
		cpu->need_resched = false;
		uint64_t fl = sched_lock_take();
		struct proc *next = pick_locked();
		if (next == NULL) {
			sched_lock_drop(fl); /* nobody else to run: go on */
		} else {
			sched_ready_locked(p);
			preemptions++;
			unlock_keep_irqs_off();
			switch_to(p, next);
			if (fl & RFLAGS_IF)
				__asm__ volatile("sti" : : : "memory");
		}
	}
	kick_deferred();
}

/* This CPU is about to do something that may take long (a teardown, a
 * prompt command) instead of looking at the run queue: it stops polling, and
 * what is queued, maybe passed over for it, is announced again (lock held:
 * the caller then runs kick_deferred). tests/model/idlepoll.pml. */
static void stop_polling_locked(struct percpu *cpu)
{
	__atomic_store_n(&cpu->polling, false, __ATOMIC_SEQ_CST);
	if (rq_head != NULL) {
		rq_bump_locked();
		cpu->deferred_kick = true;
	}
}

void sched_busy_here(void)
{
	uint64_t fl = sched_lock_take();
	stop_polling_locked(this_cpu());
	sched_lock_drop(fl);
	kick_deferred();
}

/* The reaper: tears down ended processes in the scheduler context, with
 * interrupts on and no lock held (endpoints, capabilities, page tables). */
static bool reap(void)
{
	bool any = false;
	for (;;) {
		uint64_t fl = sched_lock_take();
		struct proc *p = reapq;
		if (p != NULL) {
			reapq = p->run_next;
			/* A teardown can take long (a device reset): meanwhile
			 * this CPU is not idle (it is sent no IPI to look). */
			this_cpu()->idle = false;
			stop_polling_locked(this_cpu());
		}
		sched_lock_drop(fl);
		if (p == NULL)
			return any;
		kick_deferred();
		any = true;
		__asm__ volatile("sti" : : : "memory");
		proc_reap(p);
		__asm__ volatile("cli" : : : "memory");
		fl = sched_lock_take();
		proc_unlist_locked(p);
		sched_lock_drop(fl);
		proc_free(p);
	}
}

/* Nothing to run: poll the run queue for a while (with more than one CPU),
 * then halt until an interrupt; while a process sleeps, a 1 ms one-shot timer
 * makes sure someone looks at the clock again. */
static void idle(void)
{
	struct percpu *cpu = this_cpu();
	uint64_t now = clock_ns();
	if (percpu_count > 1 && now < cpu->poll_until) {
		/* A process woken soon, e.g. the other side of a call, is taken
		 * without an IPI, a halt or a switch of address space. Interrupts
		 * are on; kick_idle sends no IPI while this lasts, and the CPU
		 * stays polling while it looks at the queue again. */
		__atomic_store_n(&cpu->polling, true, __ATOMIC_SEQ_CST);
		__asm__ volatile("sti" : : : "memory");
		while (__atomic_load_n(&rq_seq, __ATOMIC_ACQUIRE) == cpu->rq_seen &&
		       __atomic_load_n(&reapq, __ATOMIC_ACQUIRE) == NULL &&
		       clock_ns() < cpu->poll_until)
			cpu_pause();
		__asm__ volatile("cli" : : : "memory");
		if (clock_ns() < cpu->poll_until)
			return;
	}
	/* Wakers send an IPI again from here on; what they queued before they
	 * saw this is looked at first. */
	__atomic_store_n(&cpu->polling, false, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&rq_seq, __ATOMIC_ACQUIRE) != cpu->rq_seen ||
	    __atomic_load_n(&reapq, __ATOMIC_ACQUIRE) != NULL)
		return;
	if (__atomic_load_n(&sleepers, __ATOMIC_RELAXED) != NULL)
		lapic_timer_oneshot(1000);
	else if (cpu->slicing)
		lapic_timer_stop();
	cpu->slicing = false;
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static void sched_loop_once(void)
{
	if (reap() && sched_live() == 0) {
		kick_others(); /* the boot CPU may be halted, waiting for the end */
		return;
	}
	struct percpu *cpu = this_cpu();
	uint64_t fl = sched_lock_take();
	struct proc *p = pick_locked();
	cpu->idle = p == NULL;
	cpu->rq_seen = rq_seq;
	if (p != NULL)
		__atomic_store_n(&cpu->polling, false, __ATOMIC_SEQ_CST);
	else
		cpu->handoff_run = 0;
	if (p != NULL && rq_head != NULL) {
		/* Left behind, maybe passed over for this CPU while it polled:
		 * the others look again (pollers at the number, halted ones
		 * kicked). */
		rq_bump_locked();
		cpu->deferred_kick = true;
	}
	unlock_keep_irqs_off();
	(void)fl;
	kick_deferred();
	if (p != NULL)
		switch_to(NULL, p);
	else
		idle();
}

static void (*boot_cpu_hook)(void);

void sched_set_boot_cpu_hook(void (*fn)(void))
{
	boot_cpu_hook = fn;
}

void sched_run(void)
{
	__asm__ volatile("cli" : : : "memory");
	kick_others();
	while (sched_live() > 0) {
		if (boot_cpu_hook != NULL)
			boot_cpu_hook();
		sched_loop_once();
	}
	unsigned used = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		used += cpu_runs[c] != 0;
	kprintf("sched: %llu switches, %llu preemptions, %llu hand-offs, on %u of %u cpus\n",
		(unsigned long long)switches, (unsigned long long)preemptions,
		(unsigned long long)handoffs, used, percpu_count);
	__asm__ volatile("sti" : : : "memory");
}

void sched_ap_loop(void)
{
	__asm__ volatile("cli" : : : "memory");
	for (;;)
		sched_loop_once();
}
