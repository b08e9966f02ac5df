/* proc: process creation from bundled ELF images, a round-robin scheduler on
 * the boot CPU preempted by the LAPIC timer, exit and fault handling. */
#include "proc.h"
#include "bundle.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeat.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/intr.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/usercopy.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "lib/elf/elf.h"
#include "capos/gen/capos_schema.h"
#include "obj/kobj.h"
#include "obj/endpoint.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/layout.h"

#define TIME_SLICE_US 10000
#define USER_RFLAGS   (RFLAGS_IF | 2) /* bit 1 is always set */

static struct proc procs[PROC_MAX];
static int next_pid = 1;
static int last_picked = -1;
static spinlock_t sched_lock = SPINLOCK_INIT;
static uint64_t switches, preemptions;
static uint64_t cpu_runs[MAX_CPUS];
static int waiters; /* processes blocked in proc_block_current */

extern char thread_start[];

void proc_init(void)
{
	syscall_init_cpu();
	/* Every CPU set its own protections (cpufeat_init_cpu); say what they are. */
	uint64_t cr4 = this_cpu()->cr4;
	kprintf("proc: smep=%s smap=%s umip=%s fpu=%s\n", (cr4 & CR4_SMEP) ? "on" : "off",
		(cr4 & CR4_SMAP) ? "on" : "off", (cr4 & CR4_UMIP) ? "on" : "off", fpu_mode());
}

struct proc *proc_current(void)
{
	return this_cpu()->proc;
}

struct proc *proc_find(int pid)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state != PROC_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static void free_frame(uint64_t pa)
{
	frame_free(pa);
}

/* Returns everything a process holds to the frame allocator. */
static void release_cap(void *ctx, const struct cap_ref *ref)
{
	(void)ctx;
	kobj_unref(ref->obj, ref->type); /* the objects' teardown hook */
}

static bool ledger_zero(const struct cap_ledger *l)
{
	for (int r = 0; r < CAP_RES_COUNT; r++)
		if (l->res[r].used != 0 || l->res[r].reserved != 0)
			return false;
	return true;
}

/* Frees everything p holds; true when its ledger came back to zero. */
static bool proc_destroy(struct proc *p)
{
	if (p->caps.slot != NULL)
		cap_table_clear(&p->caps, release_cap, NULL);
	if (p->pml4 != 0) {
		paging_free_user(p->pml4, free_frame);
		frame_free(p->pml4);
	}
	cap_ledger_release(&p->ledger, CAP_RES_PAGES, p->frames);
	if (p->fpu_phys != 0)
		frame_free(p->fpu_phys);
	if (p->kstack_phys != 0)
		for (int i = 0; i < KSTACK_FRAMES; i++)
			frame_free(p->kstack_phys + (uint64_t)i * PAGE_SIZE);
	bool zero = ledger_zero(&p->ledger);
	memset(p, 0, sizeof(*p));
	return zero;
}

/* Maps one zeroed user page, copying in whatever file bytes fall inside it. */
static bool map_user_page(struct proc *p, uint64_t va, uint64_t flags, const uint8_t *src,
			  uint64_t src_va, uint64_t src_len)
{
	uint64_t pa;
	if (cap_ledger_reserve(&p->ledger, CAP_RES_PAGES, 1) != CAP_OK) {
		kprintf("proc: %s: page limit (%u) reached\n", p->name, PROC_MAX_PAGES);
		return false;
	}
	if (!frame_alloc(&pa)) {
		cap_ledger_rollback(&p->ledger, CAP_RES_PAGES, 1);
		return false;
	}
	if (src_len != 0 && src_va < va + PAGE_SIZE && va < src_va + src_len) {
		uint64_t from = src_va > va ? src_va : va;
		uint64_t to = src_va + src_len < va + PAGE_SIZE ? src_va + src_len : va + PAGE_SIZE;
		memcpy((uint8_t *)phys_to_virt(pa) + (from - va), src + (from - src_va), to - from);
	}
	if (paging_map_in(p->pml4, va, pa, flags | PTE_U) != PAGING_OK) {
		frame_free(pa);
		cap_ledger_rollback(&p->ledger, CAP_RES_PAGES, 1);
		return false;
	}
	cap_ledger_commit(&p->ledger, CAP_RES_PAGES, 1);
	p->frames++;
	return true;
}

static bool load_image(struct proc *p, const struct bundle_entry *b, uint64_t *entry)
{
	static struct elf_image img;
	char err[96];
	size_t len = (size_t)(b->end - b->start);
	if (elf_check(b->start, len, USER_LIMIT, &img, err, sizeof(err)) != ELF_OK) {
		kprintf("proc: %s: bad executable: %s\n", b->name, err);
		return false;
	}
	for (size_t i = 0; i < img.nseg; i++) {
		const struct elf_segment *s = &img.seg[i];
		uint64_t flags = (s->write ? PTE_W : 0) | (s->exec ? 0 : PTE_NX);
		for (uint64_t va = s->vaddr; va < s->vaddr + s->memsz; va += PAGE_SIZE)
			if (!map_user_page(p, va, flags, b->start + s->file_off, s->file_vaddr,
					   s->filesz))
				return false;
	}
	*entry = img.entry;
	return true;
}

static struct proc *spawn(const char *name, const char *binary, bool default_caps, bool start);
static void kick_others(void);

struct proc *proc_spawn(const char *name, const char *binary)
{
	return spawn(name, binary, true, true);
}

struct proc *proc_create(const char *name, const char *binary)
{
	return spawn(name, binary, false, false);
}

void proc_set_start_handle(struct proc *p, struct capos_handle h)
{
	*p->start_arg = h.slot | (uint64_t)h.gen << 32;
}

void proc_start(struct proc *p)
{
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	p->state = PROC_READY;
	spin_unlock_irqrestore(&sched_lock, fl);
	kick_others();
}

void proc_abandon(struct proc *p)
{
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	proc_destroy(p);
	spin_unlock_irqrestore(&sched_lock, fl);
}

static struct proc *spawn(const char *name, const char *binary, bool default_caps, bool start)
{
	const struct bundle_entry *b = bundle_find(binary);
	struct proc *p = NULL;
	uint64_t entry;
	if (b == NULL) {
		kprintf("proc: no bundled binary '%s'\n", binary);
		return NULL;
	}
	for (int i = 0; i < PROC_MAX && p == NULL; i++)
		if (procs[i].state == PROC_FREE)
			p = &procs[i];
	if (p == NULL) {
		kprintf("proc: process table full\n");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	cap_ledger_init(&p->ledger, PROC_CAP_SLOTS, PROC_MAX_CALLS, PROC_MAX_PAGES);
	size_t n = strlen(name);
	memcpy(p->name, name, n < PROC_NAME_MAX - 1 ? n : PROC_NAME_MAX - 1);
	p->state = PROC_BLOCKED; /* not runnable until complete */
	if (!frame_alloc(&p->pml4))
		goto fail;
	/* The kernel half is shared: copy the kernel's upper PML4 entries. */
	memcpy((uint64_t *)phys_to_virt(p->pml4) + 256,
	       (uint64_t *)phys_to_virt(paging_kernel_pml4()) + 256, 256 * sizeof(uint64_t));
	if (!load_image(p, b, &entry))
		goto fail;
	for (uint64_t va = USER_STACK_TOP - USER_STACK_SIZE; va < USER_STACK_TOP; va += PAGE_SIZE)
		if (!map_user_page(p, va, PTE_W | PTE_NX, NULL, 0, 0))
			goto fail;
	if (!map_user_page(p, USER_RING_VA, PTE_W | PTE_NX, NULL, 0, 0))
		goto fail;
	uint64_t pte;
	paging_query_in(p->pml4, USER_RING_VA, &pte);
	p->ring_phys = pte & PTE_ADDR_MASK;
	p->ring = phys_to_virt(p->ring_phys);
	ring_init(p->ring, &p->rk);
	cap_table_init(&p->caps, p->cap_slots, PROC_CAP_SLOTS, &p->ledger);
	/* Until the boot manifest and init hand out capabilities, a program
	 * started with run= holds exactly two: the console (slot 0) and the
	 * timer (slot 1). */
	struct capos_handle console;
	struct capos_handle timer;
	if (default_caps &&
	    (cap_install(&p->caps, &kobj_console, KOBJ_CONSOLE, CAPOS_IFACE_CONSOLE, &console) !=
		 CAP_OK ||
	     cap_install(&p->caps, &kobj_timer, KOBJ_TIMER, CAPOS_IFACE_TIMER, &timer) != CAP_OK))
		goto fail;
	if (!frame_alloc_contig(KSTACK_FRAMES, PAGE_SIZE, &p->kstack_phys) ||
	    !frame_alloc(&p->fpu_phys))
		goto fail;
	fpu_area_init(phys_to_virt(p->fpu_phys)); /* nothing of any other process */
	p->kstack_top =
	    (uint64_t)(uintptr_t)phys_to_virt(p->kstack_phys) + KSTACK_FRAMES * PAGE_SIZE;

	/* First run: context_switch pops r15..rbp (r12 = the user frame) and
	 * returns into thread_start, which enters user mode. */
	uint64_t *sp = (uint64_t *)p->kstack_top;
	*--sp = GDT_USER_DATA | 3;
	*--sp = USER_STACK_TOP - 8;
	*--sp = USER_RFLAGS;
	*--sp = GDT_USER_CODE | 3;
	*--sp = entry;
	*--sp = 0; /* RSI: the start handle (proc_set_start_handle) */
	p->start_arg = sp;
	*--sp = USER_RING_VA; /* RDI: the ring */
	uint64_t frame = (uint64_t)(uintptr_t)sp;
	*--sp = (uint64_t)(uintptr_t)thread_start;
	*--sp = 2;     /* rflags: interrupts off, nothing else */
	*--sp = 0;     /* rbp */
	*--sp = 0;     /* rbx */
	*--sp = frame; /* r12 */
	*--sp = 0;     /* r13 */
	*--sp = 0;     /* r14 */
	*--sp = 0;     /* r15 */
	p->saved_rsp = (uint64_t)(uintptr_t)sp;
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	p->pid = next_pid++;
	if (start)
		p->state = PROC_READY;
	spin_unlock_irqrestore(&sched_lock, fl);
	kprintf("proc: %s pid %d started (%s, %llu pages)\n", p->name, p->pid, binary,
		(unsigned long long)p->frames);
	return p;
fail:
	kprintf("proc: %s: out of memory, not started\n", name);
	proc_destroy(p);
	return NULL;
}

/* The LAPIC timer of every CPU: counts ticks (the irq selftest reads them) and
 * ends the running process's time slice. */
static void on_tick(void *ctx)
{
	(void)ctx;
	this_cpu()->timer_ticks++;
	this_cpu()->need_resched = true;
}

static void on_resched(void *ctx)
{
	(void)ctx; /* waking a halted CPU is all it takes */
}

void sched_init(void)
{
	intr_set(INTR_ALL_CPUS, VEC_LAPIC_TIMER, on_tick, 0);
	intr_set(INTR_ALL_CPUS, VEC_RESCHED, on_resched, 0);
}

/* Wakes every other online CPU, so idle ones look at the run queue. */
static void kick_others(void)
{
	unsigned me = this_cpu()->index;
	for (unsigned c = 0; c < percpu_count; c++)
		if (c != me && percpu_table[c].online)
			lapic_send_ipi(percpu_table[c].apic_id, VEC_RESCHED);
}

void sched_preempt_point(void)
{
	struct percpu *cpu = this_cpu();
	struct proc *p = cpu->proc;
	proc_exit_if_killed();
	if (!cpu->need_resched || p == NULL)
		return;
	cpu->need_resched = false;
	/* Stays RUNNING until this CPU is off its stack: the scheduler loop below
	 * makes it READY (another CPU must not resume it mid-switch). */
	p->preempted = true;
	context_switch(&p->saved_rsp, cpu->sched_rsp);
}

void proc_fault_current(const char *what, unsigned vector, uint64_t addr, uint64_t rip)
{
	struct proc *p = this_cpu()->proc;
	kprintf("proc: %s pid %d fault: %s at 0x%llx rip 0x%llx, killed\n", p->name, p->pid, what,
		(unsigned long long)addr, (unsigned long long)rip);
	p->faulted = true;
	proc_exit_current((int)vector);
}

void proc_exit_current(int status)
{
	struct percpu *cpu = this_cpu();
	struct proc *p = cpu->proc;
	__asm__ volatile("cli");
	p->exit_status = status;
	p->exited = true;
	kprintf("proc: %s pid %d exited status %d\n", p->name, p->pid, status);
	context_switch(&p->saved_rsp, cpu->sched_rsp);
	__builtin_unreachable();
}

static void block(bool (*fn)(void *arg), void *arg, bool killable)
{
	struct percpu *cpu = this_cpu();
	struct proc *p = cpu->proc;
	__asm__ volatile("cli");
	p->wait_arg = arg;
	p->killable = killable;
	p->wait_fn = fn; /* the scheduler makes it BLOCKED once off this stack */
	context_switch(&p->saved_rsp, cpu->sched_rsp);
}

void proc_block_current(bool (*fn)(void *arg), void *arg)
{
	block(fn, arg, false);
}

void proc_block_killable(bool (*fn)(void *arg), void *arg)
{
	block(fn, arg, true);
}

bool proc_killed_current(void)
{
	return __atomic_load_n(&this_cpu()->proc->killed, __ATOMIC_ACQUIRE);
}

void proc_exit_if_killed(void)
{
	struct proc *p = this_cpu()->proc;
	if (p == NULL || !__atomic_load_n(&p->killed, __ATOMIC_ACQUIRE))
		return;
	p->kill_exit = true;
	kprintf("proc: %s pid %d killed\n", p->name, p->pid);
	proc_exit_current(0);
}

void proc_kill(int pid)
{
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	struct proc *p = proc_find(pid);
	if (p != NULL && !p->exited)
		__atomic_store_n(&p->killed, true, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&sched_lock, fl);
	/* A killable wait ends at the next look of a scheduler; a process in user
	 * mode on another CPU enters the kernel on this interrupt. */
	kick_others();
}

static bool deadline_passed(void *arg)
{
	return clock_ns() >= *(const uint64_t *)arg;
}

void proc_sleep_current(uint64_t ns)
{
	struct proc *p = this_cpu()->proc;
	p->wake_at = clock_deadline(ns);
	proc_block_killable(deadline_passed, &p->wake_at);
}

/* Takes the next READY process, round robin, or NULL; wakes sleepers whose
 * time has come first. */
static struct proc *pick(void)
{
	struct proc *p = NULL;
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	if (waiters > 0) {
		for (int i = 0; i < PROC_MAX; i++)
			if (procs[i].state == PROC_BLOCKED && procs[i].wait_fn != NULL &&
			    ((procs[i].killable && procs[i].killed) ||
			     procs[i].wait_fn(procs[i].wait_arg))) {
				procs[i].wait_fn = NULL;
				procs[i].state = PROC_READY;
				waiters--;
			}
	}
	for (int k = 1; k <= PROC_MAX && p == NULL; k++) {
		int i = (last_picked + k) % PROC_MAX;
		if (procs[i].state == PROC_READY) {
			p = &procs[i];
			p->state = PROC_RUNNING;
			last_picked = i;
		}
	}
	spin_unlock_irqrestore(&sched_lock, fl);
	return p;
}

/* Runs p on this CPU until it is preempted, exits or faults. */
static void run(struct proc *p)
{
	struct percpu *cpu = this_cpu();
	cpu->proc = p;
	cpu->kernel_rsp = p->kstack_top;
	gdt_set_rsp0(cpu->index, p->kstack_top);
	write_cr3(p->pml4);
	cpu->need_resched = false;
	p->preempted = false;
	lapic_timer_periodic(1000000 / TIME_SLICE_US);
	__atomic_add_fetch(&switches, 1, __ATOMIC_RELAXED);
	cpu_runs[cpu->index]++;
	/* The FPU holds only p's state while p runs: loaded here, saved on the
	 * way back (the kernel itself never uses it). */
	fpu_restore(phys_to_virt(p->fpu_phys));
	context_switch(&cpu->sched_rsp, p->saved_rsp);
	fpu_save(phys_to_virt(p->fpu_phys));
	lapic_timer_stop();
	write_cr3(paging_kernel_pml4());
	cpu->proc = NULL;
	/* What the teardown report needs, taken before proc_destroy clears p. */
	bool ended = p->exited, zero = false;
	char name[PROC_NAME_MAX];
	int pid = p->pid;
	uint32_t caps = p->caps.live;
	uint64_t pages = p->frames;
	if (ended)
		memcpy(name, p->name, sizeof(name));
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	if (p->exited)
		endpoint_proc_exit(p);
	if (p->exited && p->handle != NULL) {
		p->handle->status = p->exit_status;
		p->handle->reason = p->faulted	   ? CAPOS_EXIT_REASON_FAULTED
				    : p->kill_exit ? CAPOS_EXIT_REASON_KILLED
						   : CAPOS_EXIT_REASON_EXITED;
		__atomic_store_n(&p->handle->ended, true, __ATOMIC_RELEASE);
		kobj_unref(p->handle, KOBJ_PROCHANDLE);
		p->handle = NULL;
	}
	if (p->exited) {
		/* The exit status was reported; nothing waits for it yet, so all of
		 * the process goes back now (ProcessHandle.wait will keep zombies). */
		zero = proc_destroy(p);
	} else if (p->wait_fn != NULL) {
		p->state = PROC_BLOCKED;
		waiters++;
	} else if (p->preempted) {
		preemptions++;
		p->state = PROC_READY;
	}
	spin_unlock_irqrestore(&sched_lock, fl);
	if (ended)
		kprintf("proc: %s pid %d released %u capabilities and %llu pages; ledger %s\n",
			name, pid, caps, (unsigned long long)pages,
			zero ? "back to zero" : "NOT ZERO");
	kick_others();
}

/* Nothing to run: halt until an interrupt; while a process sleeps, a 1 ms
 * one-shot timer makes sure someone looks at the clock again. */
static void idle(void)
{
	if (__atomic_load_n(&waiters, __ATOMIC_RELAXED) > 0)
		lapic_timer_oneshot(1000);
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static int live(void)
{
	int n = 0;
	uint64_t fl = spin_lock_irqsave(&sched_lock);
	for (int i = 0; i < PROC_MAX; i++)
		n += procs[i].state != PROC_FREE;
	spin_unlock_irqrestore(&sched_lock, fl);
	return n;
}

void sched_run(void)
{
	kick_others();
	while (live() > 0) {
		struct proc *p = pick();
		if (p != NULL)
			run(p);
		else
			idle();
	}
	unsigned used = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		used += cpu_runs[c] != 0;
	kprintf("sched: %llu switches, %llu preemptions, on %u of %u cpus\n",
		(unsigned long long)switches, (unsigned long long)preemptions, used, percpu_count);
}

void sched_ap_loop(void)
{
	for (;;) {
		struct proc *p = pick();
		if (p != NULL)
			run(p);
		else
			idle();
	}
}
