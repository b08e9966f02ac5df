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
static struct {
	uint64_t va, pages;
	bool global;
	uint64_t forget; /* tlb_forget: leave this address space (0: a flush) */
} req;
static volatile bool pending[MAX_CPUS];
static volatile uint64_t loaded_cr3[MAX_CPUS];
static uint64_t shootdowns, ipis;

static void flush_range(uint64_t va, uint64_t pages, bool global)
{
	if (pages > TLB_FULL_FLUSH) {
		if (global) {
			/* Toggling CR4.PGE flushes global entries too (SDM 3A §4.10.4.1). */
			uint64_t cr4 = read_cr4();
			write_cr4(cr4 & ~CR4_PGE);
			write_cr4(cr4);
		} else {
			write_cr3(read_cr3());
		}
		return;
	}
	for (uint64_t i = 0; i < pages; i++)
		invlpg((uintptr_t)(va + i * PAGE_SIZE));
}

/* An idle CPU still in pml4 (it ran a process of it last) loads the kernel's
 * address space instead. A CPU that runs a process of pml4 is not in one
 * being forgotten: its last process ended and was switched away from. */
static void leave(uint64_t pml4)
{
	if (read_cr3() != pml4)
		return;
	tlb_note_cr3(paging_kernel_pml4());
	write_cr3(paging_kernel_pml4());
}

/* Serves this CPU's pending request, if any. */
static void serve(void)
{
	unsigned me = this_cpu()->index;
	if (!__atomic_load_n(&pending[me], __ATOMIC_ACQUIRE))
		return;
	if (req.forget == 0)
		flush_range(req.va, req.pages, req.global);
	else
		leave(req.forget);
	__atomic_store_n(&pending[me], false, __ATOMIC_RELEASE);
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
	loaded_cr3[this_cpu()->index] = cr3;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Runs the request in req (set by fill, under tlb_lock) here and on every
 * other online CPU whose loaded CR3 is pml4 (every one when all), and waits
 * until each has. */
static bool request(uint64_t pml4, bool all, void (*fill)(void *), void *arg)
{
	unsigned me;
	bool ok = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entries changed before this */
	uint64_t fl;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(fl) : : "memory");
	while (__atomic_exchange_n(&tlb_lock.locked, 1, __ATOMIC_ACQUIRE) != 0)
		serve(); /* another shooter may be waiting for this CPU */
	me = this_cpu()->index;
	fill(arg);
	if (req.forget == 0)
		flush_range(req.va, req.pages, req.global);
	else
		leave(req.forget);
	unsigned sent = 0;
	for (unsigned c = 0; c < percpu_count; c++) {
		if (c == me || !percpu_table[c].online)
			continue;
		if (!all && __atomic_load_n(&loaded_cr3[c], __ATOMIC_ACQUIRE) != pml4)
			continue;
		__atomic_store_n(&pending[c], true, __ATOMIC_RELEASE);
		if (!lapic_send_ipi(percpu_table[c].apic_id, VEC_TLB))
			ok = false;
		sent++;
	}
	for (unsigned c = 0; c < percpu_count; c++) {
		uint64_t t = 0;
		while (__atomic_load_n(&pending[c], __ATOMIC_ACQUIRE) && t < TLB_WAIT_US) {
			clock_delay_us(1);
			t++;
		}
		if (__atomic_load_n(&pending[c], __ATOMIC_ACQUIRE)) {
			kprintf("tlb: cpu %u did not answer within %u us\n", c, TLB_WAIT_US);
			__atomic_store_n(&pending[c], false, __ATOMIC_RELEASE);
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

struct range {
	uint64_t va, pages;
};

static void fill_range(void *arg)
{
	const struct range *r = arg;
	req.va = r->va & ~(uint64_t)PAGE_MASK;
	req.pages = r->pages;
	req.global = r->va >= USER_HALF_LIMIT;
	req.forget = 0;
}

bool tlb_shootdown(uint64_t pml4, uint64_t va, uint64_t pages)
{
	struct range r = {va, pages};
	return request(pml4, va >= USER_HALF_LIMIT, fill_range, &r);
}

static void fill_forget(void *arg)
{
	req.forget = *(const uint64_t *)arg;
}

bool tlb_forget(uint64_t pml4)
{
	/* Every CPU, not only those that noted pml4: one noting another CR3
	 * may not have loaded it yet (interrupts off), and its answer comes
	 * only once it has. */
	return request(pml4, true, fill_forget, &pml4);
}

int tlb_cpu_in(uint64_t pml4)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < percpu_count; c++)
		if (percpu_table[c].online &&
		    __atomic_load_n(&loaded_cr3[c], __ATOMIC_ACQUIRE) == pml4)
			return (int)c;
	return -1;
}

void tlb_stats(uint64_t *sd, uint64_t *n)
{
	*sd = shootdowns;
	*n = ipis;
}
