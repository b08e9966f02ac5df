/* percpu: what each CPU keeps about itself, reached through GS. */
#ifndef CAPOS_ARCH_PERCPU_H
#define CAPOS_ARCH_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "gdt.h"

#define MAX_CPUS GDT_MAX_CPUS

#include "percpu_offsets.h"

struct proc;

struct percpu {
	struct percpu *self;	 /* %gs:0, so the struct can be found through GS */
	uint64_t kernel_rsp;	 /* top of the running thread's kernel stack */
	uint64_t user_rsp;	 /* scratch: the user stack pointer at SYSCALL */
	unsigned index;		 /* 0 is the boot CPU */
	struct proc *proc;	 /* the process running on this CPU, or NULL */
	struct proc *sched_prev; /* the context switched away from (sched_finish) */
	bool deferred_kick;	 /* processes were woken here: tell the others on the way out */
	uint64_t sched_rsp;	 /* this CPU's scheduler context while a process runs */
	volatile bool need_resched;
	uint32_t apic_id;
	volatile bool online;
	volatile uint64_t timer_ticks;
	volatile uint64_t ipi_count;
	volatile uint64_t spurious;
	uint64_t irq_nesting;
	volatile uint64_t nmis;	  /* NMIs taken (they are counted, nothing else) */
	uint64_t cr4;		  /* as cpufeat_init_cpu left it */
	bool idle;		  /* in the scheduler context with nothing to run (sched_lock) */
	volatile bool polling;	  /* idle, watching the run queue: no IPI needed to wake it */
	uint64_t poll_until;	  /* when this idle spell's polling ends (0: it halts) */
	volatile bool poll_asked; /* woken to poll (sched.c: a caller and its server) */
	uint64_t fpu_saves;	  /* FPU saves here (lib/sched/fpu_stamp) */
	uint64_t fpu_stamp;	  /* the stamp of the state the FPU registers hold */
	bool slicing;		  /* the LAPIC timer runs periodic (time slices) */
	uint64_t rq_seen;	  /* the run queue's number at this CPU's last look */
	unsigned handoff_run;	  /* hand-offs in a row here (sched.c) */
};

_Static_assert(__builtin_offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "percpu");

extern struct percpu percpu_table[MAX_CPUS];
extern unsigned percpu_count; /* CPUs described (online or not) */

#define MSR_GS_BASE 0xC0000101u

/* percpu_install: points this CPU's GS base at percpu_table[index]. */
void percpu_install(unsigned index);

/* this_cpu: the running CPU's record. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
