/* tlb: shootdown requests through an IPI and a per-CPU pending flag.
 *
 * One shootdown at a time (tlb_lock). The shooter publishes the range, marks
 * each target CPU pending, sends it VEC_TLB, and waits for every pending flag
 * to clear. A CPU that spins for tlb_lock (maybe with interrupts off) serves
 * its own pending request while it spins, so two shooters never wait on each
 * other.
 *
 * Which CPUs: without PCID a MOV to CR3 drops every non-global entry, so only
 * a CPU whose current CR3 is pml4 can hold a user entry of it. A CPU records
 * the CR3 it is about to load (tlb_note_cr3, then a full fence, then the MOV);
 * the shooter changed the entries before reading those records (fence
 * between): either it sees the CPU's record, or that CPU's MOV comes after the
 * change and its walks see the new entries. */
#include "tlb.h"
#include "clock.h"
#include "cpu.h"
#include "intr.h"
#include "lapic.h"
#include "paging.h"
#include "percpu.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "mm/layout.h"

#define TLB_WAIT_US	100000
#define TLB_FULL_FLUSH	32 /* more pages than this: flush everything */
#define USER_HALF_LIMIT 0x0000800000000000ull

static spinlock_t tlb_lock = SPINLOCK_INIT;
struct request {
	uint64_t va, pages;
	bool global;
	uint64_t forget; /* tlb_forget: leave this address space (0: a flush) */
};
static struct request req;		    /* written under tlb_lock, then announced */
static uint64_t req_seq;		    /* under tlb_lock */
static volatile uint64_t pending[MAX_CPUS]; /* the request a CPU is to serve (0: none) */
static volatile bool stale[MAX_CPUS];	    /* it missed one: flush everything */
static volatile uint64_t loaded_cr3[MAX_CPUS];
static volatile uint64_t prev_cr3[MAX_CPUS]; /* until the noted CR3 is loaded */
static uint64_t shootdowns, ipis;

static void flush_all(void)
{
	/* Toggling CR4.PGE flushes every entry, global ones too (SDM 3A §4.10.4.1);
	 * where it is clear (no entry is global) a write to CR3 does. Writing
	 * CR4 with PGE unchanged flushes nothing. */
	uint64_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

static void flush_range(uint64_t va, uint64_t pages, bool global)
{
	if (pages > TLB_FULL_FLUSH) {
		if (global)
			flush_all();
		else
			write_cr3(read_cr3());
		return;
	}
	for (uint64_t i = 0; i < pages; i++)
		invlpg((uintptr_t)(va + i * PAGE_SIZE));
}

/* This CPU loads the kernel's address space. */
static void load_kernel_cr3(void)
{
	tlb_note_cr3(paging_kernel_pml4());
	write_cr3(paging_kernel_pml4());
	tlb_cr3_loaded();
}

/* An idle CPU still in pml4 (it ran a process of it last) loads the kernel's
 * address space instead. A CPU that runs a process of pml4 is not in one
 * being forgotten: its last process ended and was switched away from. */
static void leave(uint64_t pml4)
{
	if (read_cr3() == pml4)
		load_kernel_cr3();
}

void tlb_catch_up(void)
{
	unsigned me = this_cpu()->index;
	if (!__atomic_load_n(&stale[me], __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&stale[me], false, __ATOMIC_RELAXED);
	flush_all();
}

/* Serves this CPU's pending request, if any. The request is copied between
 * two reads of its number: a requester that gave up on this CPU (it was too
 * slow) may already be writing the next one, and then the numbers differ. */
static void serve(void)
{
	unsigned me = this_cpu()->index;
	tlb_catch_up();
	for (;;) {
		uint64_t seq = __atomic_load_n(&pending[me], __ATOMIC_ACQUIRE);
		if (seq == 0) {
			tlb_catch_up(); /* given up on just now: stale was set first */
			return;
		}
		struct request r = req;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&pending[me], __ATOMIC_ACQUIRE) != seq)
			continue;
		if (r.forget == 0)
			flush_range(r.va, r.pages, r.global);
		else
			leave(r.forget);
		if (__atomic_compare_exchange_n(&pending[me], &seq, 0, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return;
	}
}

static void on_tlb(void *ctx)
{
	(void)ctx;
	serve();
}

void tlb_init(void)
{
	intr_set(INTR_ALL_CPUS, VEC_TLB, on_tlb, 0);
}

void tlb_note_cr3(uint64_t cr3)
{
	unsigned me = this_cpu()->index;
	prev_cr3[me] = loaded_cr3[me];
	loaded_cr3[me] = cr3;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void tlb_cr3_loaded(void)
{
	__atomic_store_n(&prev_cr3[this_cpu()->index], 0, __ATOMIC_RELEASE);
}

void tlb_leave_user(void)
{
	if (read_cr3() != paging_kernel_pml4())
		load_kernel_cr3();
}

/* Runs r (copied to req under tlb_lock) here and on every other online CPU
 * that may be in pml4 (every one when all), and waits until each has; one
 * that does not answer in time is marked stale (it flushes everything before
 * it next runs a process or serves a request). */
static bool request(uint64_t pml4, bool all, struct request r)
{
	unsigned me;
	bool ok = true;
	uint64_t sent_seq[MAX_CPUS] = {0};
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entries changed before this */
	uint64_t fl;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(fl) : : "memory");
	while (__atomic_exchange_n(&tlb_lock.locked, 1, __ATOMIC_ACQUIRE) != 0)
		serve(); /* another requester may be waiting for this CPU */
	me = this_cpu()->index;
	req = r;
	uint64_t seq = ++req_seq;
	if (req.forget == 0)
		flush_range(req.va, req.pages, req.global);
	else
		leave(req.forget);
	unsigned sent = 0;
	for (unsigned c = 0; c < percpu_count; c++) {
		if (c == me || !percpu_table[c].online)
			continue;
		if (!all && __atomic_load_n(&loaded_cr3[c], __ATOMIC_ACQUIRE) != pml4 &&
		    __atomic_load_n(&prev_cr3[c], __ATOMIC_ACQUIRE) != pml4)
			continue;
		sent_seq[c] = seq;
		__atomic_store_n(&pending[c], seq, __ATOMIC_RELEASE);
		if (!lapic_send_ipi(percpu_table[c].apic_id, VEC_TLB))
			ok = false;
		sent++;
	}
	for (unsigned c = 0; c < percpu_count; c++) {
		uint64_t t = 0, want = sent_seq[c];
		if (want == 0)
			continue;
		while (__atomic_load_n(&pending[c], __ATOMIC_ACQUIRE) == want && t < TLB_WAIT_US) {
			clock_delay_us(1);
			t++;
		}
		/* Still not served: it is given up on, and flushes everything
		 * before it runs on (marked first: a late serve that finds no
		 * request then sees it; if it served after all, one flush more). */
		if (__atomic_load_n(&pending[c], __ATOMIC_ACQUIRE) != want)
			continue;
		__atomic_store_n(&stale[c], true, __ATOMIC_SEQ_CST);
		if (__atomic_compare_exchange_n(&pending[c], &want, 0, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			kprintf("tlb: cpu %u did not answer within %u us\n", c, TLB_WAIT_US);
			ok = false;
		}
	}
	shootdowns++;
	ipis += sent;
	__atomic_store_n(&tlb_lock.locked, 0, __ATOMIC_RELEASE);
	if (fl & (1ull << 9))
		__asm__ volatile("sti" : : : "memory");
	return ok;
}

bool tlb_shootdown(uint64_t pml4, uint64_t va, uint64_t pages)
{
	bool global = va >= USER_HALF_LIMIT;
	struct request r = {.va = va & ~(uint64_t)PAGE_MASK, .pages = pages, .global = global};
	return request(pml4, global, r);
}

bool tlb_forget(uint64_t pml4)
{
	/* A CPU that noted another CR3 and has not loaded it yet is still in
	 * pml4: its previous one counts until then (request). */
	return request(pml4, false, (struct request){.forget = pml4});
}

int tlb_cpu_in(uint64_t pml4)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < percpu_count; c++)
		if (percpu_table[c].online &&
		    (__atomic_load_n(&loaded_cr3[c], __ATOMIC_ACQUIRE) == pml4 ||
		     __atomic_load_n(&prev_cr3[c], __ATOMIC_ACQUIRE) == pml4))
			return (int)c;
	return -1;
}

void tlb_stats(uint64_t *sd, uint64_t *n)
{
	*sd = shootdowns;
	*n = ipis;
}
