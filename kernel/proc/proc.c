/* proc: process creation from bundled ELF images and the teardown of ended
 * ones (the reaper's part; scheduling is sched.c). */
#include "proc.h"
#include "arch/x86_64/tlb.h"
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
#include "mm/heap.h"
#include "mm/layout.h"

#define USER_RFLAGS (RFLAGS_IF | 2) /* bit 1 is always set */

static int next_pid = 1; /* sched_lock; pids are never reused */

extern char thread_start[];

void proc_init(void)
{
	syscall_init_cpu();
	/* Every CPU set its own protections (cpufeat_init_cpu); say what they are. */
	uint64_t cr4 = this_cpu()->cr4;
	kprintf("proc: smep=%s smap=%s umip=%s fpu=%s\n", (cr4 & CR4_SMEP) ? "on" : "off",
		(cr4 & CR4_SMAP) ? "on" : "off", (cr4 & CR4_UMIP) ? "on" : "off", fpu_mode());
}

void proc_name_sanitize(char *dst, const char *src, size_t n)
{
	size_t i = 0;
	for (; i < n && i < PROC_NAME_MAX - 1 && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static void free_frame(uint64_t pa)
{
	frame_free(pa);
}

static void release_cap(void *ctx, const struct cap_ref *ref)
{
	(void)ctx;
	kobj_handle_put(ref->obj, ref->iface); /* the objects' teardown hook */
}

static bool ledger_zero(const struct cap_ledger *l)
{
	for (int r = 0; r < CAP_RES_COUNT; r++)
		if (l->res[r].used != 0 || l->res[r].reserved != 0)
			return false;
	return true;
}

/* Frees everything p holds but struct proc; true when its ledger came back to
 * zero. Outside every lock, interrupts on. */
static bool proc_destroy(struct proc *p)
{
	if (p->caps.slot != NULL && cap_table_clear(&p->caps, release_cap, NULL) != CAP_OK)
		/* A transfer still names the table: nothing may be released under it. */
		kprintf("proc: pid %d: cap table busy at teardown, its capabilities leak\n",
			p->pid);
	if (p->pml4 != 0) {
		/* An idle CPU may still be in this address space (the last it ran);
		 * its tables are freed only once no CPU is. */
		bool left = tlb_forget(p->pml4);
		int cpu = tlb_cpu_in(p->pml4);
		if (!left || cpu >= 0) {
			kprintf(
			    "proc: pid %d: cpu %d still in its address space: tables NOT freed\n",
			    p->pid, cpu);
			p->pml4 = 0;
		}
	}
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
	p->pml4 = p->kstack_phys = p->fpu_phys = 0;
	return ledger_zero(&p->ledger);
}

/* The parent's charge for p ends with p. */
static void uncharge_parent(struct proc *p)
{
	if (p->parent == 0)
		return;
	uint64_t fl = sched_lock_take();
	struct proc *parent = proc_find_locked(p->parent);
	if (parent != NULL)
		cap_ledger_release(&parent->ledger, CAP_RES_PROCS, 1);
	sched_lock_drop(fl);
	p->parent = 0;
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
	struct elf_image img; /* on this stack: spawns run on every CPU at once */
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

static struct proc *spawn(struct proc *parent, const char *name, const char *binary,
			  bool default_caps, bool start);

enum cap_status proc_install(struct proc *p, struct kobj *o, uint64_t iface,
			     struct capos_handle *out)
{
	enum cap_status st = cap_install(&p->caps, o, KOBJ_SLOT_TAG, iface, out);
	if (st == CAP_OK)
		kobj_handle_get(o, iface);
	return st;
}

struct proc *proc_spawn(const char *name, const char *binary)
{
	return spawn(NULL, name, binary, true, true);
}

struct proc *proc_create(const char *name, const char *binary)
{
	return spawn(NULL, name, binary, false, false);
}

struct proc *proc_create_child(struct proc *parent, const char *name, const char *binary)
{
	return spawn(parent, name, binary, false, false);
}

void proc_set_start_handle(struct proc *p, struct capos_handle h)
{
	*p->start_arg = h.slot | (uint64_t)h.gen << 32;
}

void proc_start(struct proc *p)
{
	uint64_t fl = sched_lock_take();
	sched_ready_locked(p);
	sched_lock_drop(fl);
	/* Other CPUs find it at their next look (a kick is sent when one idles). */
	struct percpu *cpu = this_cpu();
	for (unsigned c = 0; c < percpu_count; c++)
		if (c != cpu->index && percpu_table[c].online)
			lapic_send_ipi(percpu_table[c].apic_id, VEC_RESCHED);
}

void proc_free(struct proc *p)
{
	kfree(p);
}

void proc_abandon(struct proc *p)
{
	proc_destroy(p);
	uncharge_parent(p);
	uint64_t fl = sched_lock_take();
	proc_unlist_locked(p);
	sched_lock_drop(fl);
	proc_free(p);
}

static struct proc *spawn(struct proc *parent, const char *name, const char *binary,
			  bool default_caps, bool start)
{
	const struct bundle_entry *b = bundle_find(binary);
	char shown[PROC_NAME_MAX];
	uint64_t entry;
	proc_name_sanitize(shown, binary, strlen(binary));
	if (b == NULL) {
		kprintf("proc: no bundled binary '%s'\n", shown);
		return NULL;
	}
	struct proc *p = kmalloc(sizeof(*p));
	if (p == NULL) {
		kprintf("proc: no memory for a process\n");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	cap_ledger_init(&p->ledger, PROC_CAP_SLOTS, PROC_MAX_CALLS, PROC_MAX_PAGES);
	cap_ledger_set_limit(&p->ledger, CAP_RES_PROCS, PROC_MAX_CHILD);
	cap_ledger_set_limit(&p->ledger, CAP_RES_KHEAP, PROC_MAX_KHEAP);
	size_t n = strlen(name);
	memcpy(p->name, name, n < PROC_NAME_MAX - 1 ? n : PROC_NAME_MAX - 1);
	p->state = PROC_NEW; /* not runnable, not found, until complete */
	p->last_cpu = -1;
	/* The table's room and the parent's charge under the scheduler lock: the
	 * reapers of its children give charges back under it too. */
	uint64_t fl = sched_lock_take();
	bool room = sched_live() < PROC_LIMIT;
	bool charged = parent == NULL ||
		       (room && cap_ledger_reserve(&parent->ledger, CAP_RES_PROCS, 1) == CAP_OK);
	if (room && charged) {
		if (parent != NULL) {
			cap_ledger_commit(&parent->ledger, CAP_RES_PROCS, 1);
			p->parent = parent->pid;
		}
		p->pid = next_pid++;
		sched_add_locked(p);
	}
	sched_lock_drop(fl);
	if (!room || !charged) {
		kfree(p);
		if (!room)
			kprintf("proc: process table full (%u)\n", PROC_LIMIT);
		else
			kprintf("proc: pid %d has %u live children, the limit\n", parent->pid,
				PROC_MAX_CHILD);
		return NULL;
	}
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
	p->caps.move_only = kobj_move_only;
	/* Until the boot manifest and init hand out capabilities, a program
	 * started with run= holds exactly two: the console (slot 0) and the
	 * timer (slot 1). */
	struct capos_handle console;
	struct capos_handle timer;
	if (default_caps &&
	    (proc_install(p, &kobj_console, CAPOS_IFACE_CONSOLE, &console) != CAP_OK ||
	     proc_install(p, &kobj_timer, CAPOS_IFACE_TIMER, &timer) != CAP_OK))
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
	char pname[PROC_NAME_MAX];
	proc_name_sanitize(pname, p->name, sizeof(p->name));
	kprintf("proc: %s pid %d started (%s, %llu pages)\n", pname, p->pid, shown,
		(unsigned long long)p->frames);
	if (start)
		proc_start(p);
	return p;
fail:
	kprintf("proc: %s: out of memory, not started\n", shown);
	proc_abandon(p);
	return NULL;
}

void proc_reap(struct proc *p)
{
	char name[PROC_NAME_MAX];
	proc_name_sanitize(name, p->name, sizeof(p->name));
	uint32_t caps = p->caps.live;
	uint64_t pages = p->frames;
	endpoint_proc_exit(p); /* calls it received and did not return fail */
	/* Children it still has are nobody's charge now. */
	cap_ledger_release(&p->ledger, CAP_RES_PROCS, p->ledger.res[CAP_RES_PROCS].used);
	bool zero = proc_destroy(p);
	uncharge_parent(p);
	kprintf("proc: %s pid %d released %u capabilities and %llu pages; ledger %s\n", name,
		p->pid, caps, (unsigned long long)pages, zero ? "back to zero" : "NOT ZERO");
	if (p->handle != NULL) {
		struct proc_handle *h = p->handle;
		h->status = p->exit_status;
		h->reason = p->faulted	   ? CAPOS_EXIT_REASON_FAULTED
			    : p->kill_exit ? CAPOS_EXIT_REASON_KILLED
					   : CAPOS_EXIT_REASON_EXITED;
		/* Sequentially consistent with ProcessHandle.notify's exchange and
		 * load: one of the two sees the other, so the Event is signalled. */
		__atomic_store_n(&h->ended, true, __ATOMIC_SEQ_CST);
		proc_wake_all(&h->waiters);
		struct kobj *ev = __atomic_load_n(&h->event, __ATOMIC_SEQ_CST);
		if (ev != NULL)
			event_signal_kobj(ev);
		kobj_put(&h->hdr);
		p->handle = NULL;
	}
}
