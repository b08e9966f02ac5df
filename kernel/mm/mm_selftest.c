/* mm_selftest: in-kernel proofs of the frame allocator, heap, paging, MMIO and
 * the TLB shootdown. */
#include "frames.h"
#include "heap.h"
#include "layout.h"
#include "mmio.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp_call.h"
#include "arch/x86_64/tlb.h"
#include "core/console.h"
#include "core/selftest.h"
#include "lib/fmt.h"

#define TEST_FRAMES 64

static const char *test_frames(void)
{
	static uint64_t got[TEST_FRAMES];
	uint64_t f0, u0, r0, t0, f1, u1, r1, t1;

	frames_stats(&f0, &u0, &r0, &t0);
	for (int i = 0; i < TEST_FRAMES; i++) {
		if (!frame_alloc(&got[i]))
			return "frame_alloc failed";
		if (got[i] & PAGE_MASK)
			return "unaligned frame";
		if (got[i] < kernel_virt_to_phys(__kernel_end) &&
		    got[i] >= kernel_virt_to_phys(__kernel_start))
			return "frame inside the kernel image";
		if (got[i] < 0x100000)
			return "frame in the low 1 MiB";
		for (int j = 0; j < i; j++)
			if (got[j] == got[i])
				return "frame handed out twice";
		*(volatile uint64_t *)phys_to_virt(got[i]) = got[i];
	}
	frames_stats(&f1, &u1, &r1, &t1);
	if (u1 != u0 + TEST_FRAMES || f1 != f0 - TEST_FRAMES)
		return "counters did not follow the allocations";
	for (int i = 0; i < TEST_FRAMES; i++)
		if (frame_free(got[i]) != PMM_OK)
			return "frame_free refused a used frame";
	if (frame_free(got[0]) != PMM_ERR_NOT_USED)
		return "double free not refused";
	if (frame_free(kernel_virt_to_phys(__text_start)) != PMM_ERR_NOT_USED)
		return "freeing a kernel frame not refused";
	frames_stats(&f1, &u1, &r1, &t1);
	if (f1 != f0 || u1 != u0 || r1 != r0)
		return "counters not back to baseline";
	return NULL;
}

static const char *test_heap(void)
{
	static const size_t sizes[] = {1, 15, 16, 17, 100, 1000, 4000, 4081, 10000, 70000};
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	uint64_t b0, g0, b1, g1;

	heap_stats(&b0, &g0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = kmalloc(sizes[i]);
		if (p[i] == NULL)
			return "kmalloc failed";
		if ((uintptr_t)p[i] & 15)
			return "kmalloc result not 16-byte aligned";
		uint8_t *b = p[i];
		for (size_t k = 0; k < sizes[i]; k++) {
			if (b[k] != 0)
				return "kmalloc memory not zeroed";
			b[k] = (uint8_t)(i + 1);
		}
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const uint8_t *b = p[i];
		for (size_t k = 0; k < sizes[i]; k++)
			if (b[k] != (uint8_t)(i + 1))
				return "allocations overlap";
	}
	heap_stats(&b1, &g1);
	if (b1 < b0 + 85000)
		return "bytes in use not counted";
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		kfree(p[i]);
	kfree(p[0]); /* double free: must be refused, and reported */
	heap_stats(&b1, &g1);
	if (b1 != b0)
		return "bytes in use not back to baseline";
	if (kmalloc(0) != NULL)
		return "kmalloc(0) returned memory";
	return NULL;
}

static const char *check_page(const void *p, bool want_w, bool want_x)
{
	uint64_t pte;
	if (!paging_query((uint64_t)(uintptr_t)p, &pte))
		return "kernel page not mapped";
	bool w = pte & PTE_W;
	bool x = !(pte & PTE_NX);
	if (w != want_w)
		return want_w ? "data not writable" : "read-only section writable";
	if (paging_nx_supported() && x != want_x)
		return want_x ? "text not executable" : "non-text section executable";
	return NULL;
}

static const char *test_paging(void)
{
	static const uint8_t some_rodata[8] = {1};
	static uint8_t some_data[8] = {1};
	static uint8_t some_bss[8];
	const char *why;
	uint64_t pte;

	if ((why = check_page((const void *)(uintptr_t)test_paging, false, true)) != NULL)
		return why;
	if ((why = check_page(some_rodata, false, false)) != NULL)
		return why;
	if ((why = check_page(some_data, true, false)) != NULL)
		return why;
	if ((why = check_page(some_bss, true, false)) != NULL)
		return why;
	if (!paging_nx_supported())
		return "CPU without NX: W^X cannot hold for data";
	if (paging_query((uint64_t)(uintptr_t)boot_stack_guard, &pte))
		return "boot stack guard page is mapped";
	if (paging_query(kernel_virt_to_phys(__text_start), &pte))
		return "identity map still present";
	if (!paging_query(DIRECT_MAP_BASE + 0x100000, &pte) || !(pte & PTE_NX))
		return "direct map missing or executable";
	return NULL;
}

#define MSR_APIC_BASE	  0x1b
#define APIC_BASE_X2APIC  (1ull << 10)
#define APIC_BASE_ADDR	  0xFFFFFF000ull
#define LAPIC_VERSION_REG 0x30

/* Maps the local APIC's page uncached and reads its version register (SDM 3A
 * §11.4.8: versions 0x10-0x15 are integrated APICs). */
static const char *test_mmio(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint64_t before = mmio_mapped_bytes(), pte;
	if (base & APIC_BASE_X2APIC)
		return NULL; /* xAPIC MMIO is off in x2APIC mode; nothing to map */
	volatile uint32_t *lapic = mmio_map(base & APIC_BASE_ADDR, 4096);
	if (lapic == NULL)
		return "mmio_map failed";
	if (mmio_mapped_bytes() != before + 4096)
		return "mapped bytes not accounted";
	if (!paging_query((uint64_t)(uintptr_t)lapic, &pte) || !(pte & PTE_PCD) || !(pte & PTE_NX))
		return "mapping not uncached and no-execute";
	uint32_t ver = lapic[LAPIC_VERSION_REG / 4] & 0xff;
	mmio_unmap((void *)(uintptr_t)lapic, 4096);
	if (ver < 0x10 || ver > 0x15)
		return "local APIC version register reads wrong";
	if (paging_query((uint64_t)(uintptr_t)lapic, &pte))
		return "page still mapped after mmio_unmap";
	if (mmio_mapped_bytes() != before)
		return "mapped bytes not released";
	if (mmio_map(0xfffffffffffff000ull, 0x2000) != NULL)
		return "wrapping range accepted";
	return NULL;
}

/* A page of the lower half of the kernel's own tables, which nothing else
 * uses: every idle CPU runs in those tables. */
#define TLB_TEST_VA 0x0000100000000000ull

static volatile uint64_t tlb_seen[MAX_CPUS];

static void tlb_read_test_page(void)
{
	tlb_seen[this_cpu()->index] = *(volatile const uint64_t *)TLB_TEST_VA;
}

/* Reads the test page on every CPU; the first CPU that did not see want, or
 * -1 when all did. */
static int tlb_all_see(uint64_t want)
{
	for (unsigned c = 0; c < percpu_count; c++) {
		if (!percpu_table[c].online)
			continue;
		tlb_seen[c] = 0;
		if (!smp_call(c, tlb_read_test_page) || tlb_seen[c] != want)
			return (int)c;
	}
	return -1;
}

/* Every CPU caches a translation of a test page, the page is unmapped and the
 * address mapped to another frame: every CPU must then read the new frame (a
 * CPU that kept the old translation would read the old one). before_unmap and
 * after_remap (either may be NULL) run around the change. */
static const char *tlb_remap(void (*before_unmap)(void), void (*after_remap)(void))
{
	static char why[64];
	uint64_t a, b;
	const char *fail = NULL;
	if (!frame_alloc(&a))
		return "no frame";
	if (!frame_alloc(&b)) {
		frame_free(a);
		return "no frame";
	}
	*(uint64_t *)phys_to_virt(a) = 0xaaaaaaaaaaaaaaaaull;
	*(uint64_t *)phys_to_virt(b) = 0xbbbbbbbbbbbbbbbbull;
	int bad;
	if (paging_map(TLB_TEST_VA, a, PTE_W | PTE_NX) != PAGING_OK) {
		fail = "map";
	} else if ((bad = tlb_all_see(0xaaaaaaaaaaaaaaaaull)) >= 0) {
		fmt_snprintf(why, sizeof(why), "cpu %d did not read the first page", bad);
		fail = why;
	} else {
		if (before_unmap != NULL)
			before_unmap();
		paging_unmap(TLB_TEST_VA);
		if (paging_map(TLB_TEST_VA, b, PTE_W | PTE_NX) != PAGING_OK)
			fail = "remap";
		if (after_remap != NULL)
			after_remap();
		if (fail == NULL && (bad = tlb_all_see(0xbbbbbbbbbbbbbbbbull)) >= 0) {
			fmt_snprintf(why, sizeof(why), "cpu %d still reads the old page", bad);
			fail = why;
		}
	}
	paging_unmap(TLB_TEST_VA);
	frame_free(a);
	frame_free(b);
	return fail;
}

static const char *test_tlb(void)
{
	const char *fail = tlb_remap(NULL, NULL);
	if (fail == NULL) {
		uint64_t sd, ipis;
		tlb_stats(&sd, &ipis);
		kprintf("selftest tlb: %u cpus read the new page after the shootdown (%llu "
			"shootdowns, %llu IPIs so far)\n",
			percpu_count, (unsigned long long)sd, (unsigned long long)ipis);
	}
	return fail;
}

static volatile bool stall_on, stall_release;

/* Runs on CPU 1 as an IPI call: holds it, interrupts off, until released
 * (bounded: 2 s). */
static void tlb_stall(void)
{
	__atomic_store_n(&stall_on, true, __ATOMIC_RELEASE);
	for (uint64_t t = 0; t < 2000000 && !__atomic_load_n(&stall_release, __ATOMIC_ACQUIRE);
	     t += 10)
		clock_delay_us(10);
	__atomic_store_n(&stall_on, false, __ATOMIC_RELEASE);
}

static void stall_cpu1(void)
{
	stall_release = false;
	(void)smp_call(1, tlb_stall); /* it does not finish: held */
	for (int t = 0; t < 100000 && !__atomic_load_n(&stall_on, __ATOMIC_ACQUIRE); t++)
		clock_delay_us(10);
}

static void release_cpu1(void)
{
	__atomic_store_n(&stall_release, true, __ATOMIC_RELEASE);
	for (int t = 0; t < 100000 && __atomic_load_n(&stall_on, __ATOMIC_ACQUIRE); t++)
		clock_delay_us(10);
	clock_delay_us(1000); /* its IPI call returns */
}

/* A CPU that does not answer a shootdown in time (here: CPU 1 held with
 * interrupts off through it) still drops the old translation before it uses
 * the address again: it is marked stale and flushes everything first. */
static const char *test_tlb_stale(void)
{
	if (percpu_count < 2 || !percpu_table[1].online) {
		kprintf("selftest tlbstale: one CPU, nothing to prove\n");
		return NULL;
	}
	const char *fail = tlb_remap(stall_cpu1, release_cpu1);
	if (fail == NULL)
		kprintf("selftest tlbstale: the CPU that did not answer read the new page after\n");
	return fail;
}

const struct selftest selftests_mm[] = {
    {"frames", test_frames}, {"heap", test_heap}, {"paging", test_paging},
    {"mmio", test_mmio},     {"tlb", test_tlb},	  {"tlbstale", test_tlb_stale},
};
const size_t selftests_mm_count = sizeof(selftests_mm) / sizeof(selftests_mm[0]);
