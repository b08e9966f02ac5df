/* test_vtd_pt: VT-d second-stage page tables over a fake frame allocator.
 *
 * Frames are exact 4 KiB heap blocks (ASan sees any access past one) at physical
 * addresses FAKE_BASE + index * 4 KiB. Each frame also has a "device view", what a
 * non-coherent IOMMU would read: it starts as stale garbage and changes only when the
 * library flushes, so comparing it with the CPU view proves every write was flushed. An
 * independent walker reads the device view as the spec describes (§9.8) to check the
 * encoding; the allocator can be told to fail after N more allocations, which is how
 * every allocation point of a map is made to fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/vtd.h"
#include "lib/iommu/vtd_pt.h"

#define FS	  4096ull
#define FAKE_MAX  512
#define FAKE_BASE 0x7ff000000ull /* frames sit above 32 bits, below 2^40 */
#define STALE	  0xa5
#define UNLIMITED (-1)
#define ADDR_MASK 0x000ffffffffff000ull
#define SPACE3	  (1ull << 39)
#define SPACE4	  (1ull << 48)

struct fake {
	uint8_t *cpu[FAKE_MAX];
	uint8_t *dev[FAKE_MAX];
	size_t nlive;
	size_t allocs, frees, flushes;
	long budget; /* allocations still allowed; UNLIMITED for no limit */
};

static struct fake F;

static bool fake_alloc(void *ctx, uint64_t *pa)
{
	struct fake *f = ctx;
	if (f->budget == 0)
		return false;
	for (size_t i = 0; i < FAKE_MAX; i++) {
		if (f->cpu[i] != NULL)
			continue;
		f->cpu[i] = calloc(1, FS);
		f->dev[i] = malloc(FS);
		assert_non_null(f->cpu[i]);
		assert_non_null(f->dev[i]);
		memset(f->dev[i], STALE, FS);
		if (f->budget > 0)
			f->budget--;
		f->nlive++;
		f->allocs++;
		*pa = FAKE_BASE + i * FS;
		return true;
	}
	fail_msg("fake allocator out of slots");
	return false;
}

static size_t frame_index(uint64_t pa)
{
	assert_true(pa >= FAKE_BASE);
	assert_int_equal((pa - FAKE_BASE) % FS, 0);
	size_t i = (pa - FAKE_BASE) / FS;
	assert_true(i < FAKE_MAX);
	assert_non_null(F.cpu[i]); /* the library only names frames it holds */
	return i;
}

static void fake_free(void *ctx, uint64_t pa)
{
	struct fake *f = ctx;
	size_t i = frame_index(pa);
	free(f->cpu[i]);
	free(f->dev[i]);
	f->cpu[i] = f->dev[i] = NULL;
	f->nlive--;
	f->frees++;
}

static void *fake_virt(void *ctx, uint64_t pa)
{
	struct fake *f = ctx;
	return f->cpu[frame_index(pa)];
}

static void fake_flush(void *ctx, void *va, size_t len)
{
	struct fake *f = ctx;
	uint8_t *p = va;
	for (size_t i = 0; i < FAKE_MAX; i++) {
		if (f->cpu[i] != NULL && p >= f->cpu[i] && p < f->cpu[i] + FS) {
			assert_true(len > 0 && len <= (size_t)(f->cpu[i] + FS - p));
			memcpy(f->dev[i] + (p - f->cpu[i]), p, len);
			f->flushes++;
			return;
		}
	}
	fail_msg("flush of memory that is no table");
}

static const struct vtd_pt_ops ops_nc = {fake_alloc, fake_free, fake_virt, fake_flush, &F};
static const struct vtd_pt_ops ops_coherent = {fake_alloc, fake_free, fake_virt, NULL, &F};

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.budget = UNLIMITED;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < FAKE_MAX; i++) {
		free(F.cpu[i]);
		free(F.dev[i]);
	}
	memset(&F, 0, sizeof(F));
	return 0;
}

/* Every table frame reads the same for the device as for the CPU. */
static void expect_flushed(void)
{
	for (size_t i = 0; i < FAKE_MAX; i++)
		if (F.cpu[i] != NULL)
			assert_memory_equal(F.cpu[i], F.dev[i], FS);
}

static uint64_t dev_entry(uint64_t table, unsigned idx)
{
	uint64_t e;
	memcpy(&e, F.dev[frame_index(table)] + idx * 8, 8);
	return e;
}

/* Translates iova from the device view as the hardware would (§9.8), checking that
 * every entry on the way is well formed. */
static bool dev_walk(const struct vtd_pt *pt, uint64_t iova, uint64_t *pa, unsigned *perm)
{
	uint64_t table = pt->root;
	for (unsigned level = pt->levels; level >= 1; level--) {
		unsigned idx = (unsigned)(iova >> (12 + 9 * (level - 1))) & 511;
		uint64_t e = dev_entry(table, idx);
		if ((e & 3) == 0) {
			assert_int_equal(e, 0); /* not present: fully clear */
			return false;
		}
		if (level > 1) {
			assert_int_equal(e & ~ADDR_MASK, VTD_PTE_R | VTD_PTE_W);
			table = e & ADDR_MASK;
		} else {
			assert_int_equal(e & ~ADDR_MASK & ~3ull,
					 0); /* no SNP, PS or ignored bits */
			*pa = (e & ADDR_MASK) | (iova & 0xfff);
			*perm = (unsigned)(e & 3);
		}
	}
	return true;
}

/* The library's walk and the device's agree on iova, and say mapped to pa with perm (or
 * not mapped when perm is 0). */
#define expect_page(pt, iova, pa, perm) expect_page_at(pt, iova, pa, perm, __LINE__)

static void expect_page_at(const struct vtd_pt *pt, uint64_t iova, uint64_t pa, unsigned perm,
			   int line)
{
	uint64_t got = 0, dgot = 0;
	unsigned gperm = 0, dperm = 0;
	bool m = vtd_pt_walk(pt, iova, &got, &gperm);
	if (m != (perm != 0))
		fail_msg("line %d: iova 0x%llx mapped=%d, expected %d", line,
			 (unsigned long long)iova, m, perm != 0);
	if (m && (got != pa || gperm != perm))
		fail_msg("line %d: iova 0x%llx -> 0x%llx/%u, expected 0x%llx/%u", line,
			 (unsigned long long)iova, (unsigned long long)got, gperm,
			 (unsigned long long)pa, perm);
	if (pt->ops->flush != NULL) {
		bool dm = dev_walk(pt, iova, &dgot, &dperm);
		assert_int_equal(dm, m);
		if (dm) {
			assert_int_equal(dgot, got);
			assert_int_equal(dperm, gperm);
		}
	}
}

static void test_init(void **state)
{
	(void)state;
	struct vtd_pt pt;
	struct vtd_pt_ops no_virt = ops_nc;
	no_virt.virt = NULL;

	assert_int_equal(vtd_pt_init(&pt, 2, &ops_nc), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_init(&pt, 5, &ops_nc), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_init(&pt, 3, NULL), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_init(&pt, 3, &no_virt), VTD_PT_ERR_INVALID);
	assert_int_equal(F.allocs, 0);

	F.budget = 0;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_nc), VTD_PT_ERR_NOMEM);
	assert_int_equal(pt.levels, 0);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x1000, 1, VTD_PT_READ), VTD_PT_ERR_INVALID);
	assert_false(vtd_pt_walk(&pt, 0x1000, NULL, NULL));
	vtd_pt_destroy(&pt); /* harmless on an uninitialised table */
	assert_int_equal(F.nlive, 0);

	F.budget = UNLIMITED;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_nc), VTD_PT_OK);
	assert_int_equal(pt.levels, 3);
	assert_int_equal(pt.table_pages, 1);
	assert_int_equal(pt.mapped_pages, 0);
	assert_int_equal(pt.root, FAKE_BASE);
	expect_flushed(); /* the empty root reads as zeros for the device too */
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
	assert_int_equal(pt.levels, 0);
}

static uint64_t cpu_entry(uint64_t table, unsigned idx)
{
	uint64_t e;
	memcpy(&e, F.cpu[frame_index(table)] + idx * 8, 8);
	return e;
}

/* The exact entries of one mapping, indices computed by hand. */
static void test_encoding_3_levels(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_nc), VTD_PT_OK);
	/* 0x4_0123_4000: PDPE index 0x4 (bits 38:30 = 16 GiB / 1 GiB), PDE index 9, PTE 0x34 */
	uint64_t iova = (4ull << 30) | (9ull << 21) | (0x34ull << 12);
	assert_int_equal(vtd_pt_map(&pt, iova, 0xabcd000, 1, VTD_PT_READ | VTD_PT_WRITE),
			 VTD_PT_OK);
	assert_int_equal(pt.table_pages, 3);
	assert_int_equal(pt.mapped_pages, 1);
	uint64_t l3 = cpu_entry(pt.root, 4);
	assert_int_equal(l3 & 0xfff, 3);
	uint64_t l2 = cpu_entry(l3 & ADDR_MASK, 9);
	assert_int_equal(l2 & 0xfff, 3);
	assert_int_equal(cpu_entry(l2 & ADDR_MASK, 0x34), 0xabcd000 | 3);
	for (unsigned i = 0; i < 512; i++) {
		if (i != 4)
			assert_int_equal(cpu_entry(pt.root, i), 0);
		if (i != 0x34)
			assert_int_equal(cpu_entry(l2 & ADDR_MASK, i), 0);
	}
	expect_flushed();
	expect_page(&pt, iova + 0x123, 0xabcd123, 3);
	expect_page(&pt, iova + FS, 0, 0);
	expect_page(&pt, iova - FS, 0, 0);
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

static void test_encoding_4_levels(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 4, &ops_nc), VTD_PT_OK);
	/* PML4 index 0x1ff (the top 512 GiB), PDPE 1, PDE 2, PTE 3 */
	uint64_t iova = (0x1ffull << 39) | (1ull << 30) | (2ull << 21) | (3ull << 12);
	assert_int_equal(vtd_pt_map(&pt, iova, 0xfffffffff000ull, 1, VTD_PT_WRITE), VTD_PT_OK);
	assert_int_equal(pt.table_pages, 4);
	uint64_t e = cpu_entry(pt.root, 0x1ff);
	e = cpu_entry(e & ADDR_MASK, 1);
	e = cpu_entry(e & ADDR_MASK, 2);
	assert_int_equal(cpu_entry(e & ADDR_MASK, 3), 0xfffffffff000ull | VTD_PTE_W);
	expect_flushed();
	expect_page(&pt, iova, 0xfffffffff000ull, VTD_PT_WRITE);
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

static void test_permissions(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_coherent), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x10000, 1, VTD_PT_READ), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, 0x2000, 0x20000, 1, VTD_PT_WRITE), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, 0x3000, 0x30000, 1, VTD_PT_READ | VTD_PT_WRITE),
			 VTD_PT_OK);
	expect_page(&pt, 0x1fff, 0x10fff, VTD_PT_READ);
	expect_page(&pt, 0x2000, 0x20000, VTD_PT_WRITE);
	expect_page(&pt, 0x3800, 0x30800, VTD_PT_READ | VTD_PT_WRITE);
	assert_int_equal(vtd_pt_map(&pt, 0x4000, 0x40000, 1, 0), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_map(&pt, 0x4000, 0x40000, 1, 4), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_map(&pt, 0x4000, 0x40000, 1, 7), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_map(&pt, 0x4000, 0x40000, 1, ~0u), VTD_PT_ERR_INVALID);
	expect_page(&pt, 0x4000, 0, 0);
	/* NULL out-parameters are allowed */
	assert_true(vtd_pt_walk(&pt, 0x1000, NULL, NULL));
	assert_int_equal(pt.mapped_pages, 3);
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

/* Everything the caller controls, at the edges. Nothing refused may allocate. */
static void test_hostile_arguments(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_nc), VTD_PT_OK);
	size_t allocs = F.allocs;

	assert_int_equal(vtd_pt_map(&pt, 0x1001, 0x1000, 1, 1), VTD_PT_ERR_ALIGN);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x1800, 1, 1), VTD_PT_ERR_ALIGN);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x1000, 0, 1), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_map(&pt, SPACE3, 0x1000, 1, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, SPACE3 - FS, 0x1000, 2, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, 0, 0x1000, (SPACE3 / FS) + 1, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x1000, 1ull << 60, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x1000, ~0ull, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, ~0xfffull, 0x1000, 1, 1), VTD_PT_ERR_RANGE);
	/* physical addresses end at 2^52 (§9.8 ADDR is bits 51:12) */
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 1ull << 52, 1, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, (1ull << 52) - FS, 2, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, 0x1000, ~0xfffull, 1, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(F.allocs, allocs);

	assert_int_equal(vtd_pt_unmap(&pt, 0x1001, 1), VTD_PT_ERR_ALIGN);
	assert_int_equal(vtd_pt_unmap(&pt, 0x1000, 0), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_unmap(&pt, SPACE3, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_unmap(&pt, 0, ~0ull), VTD_PT_ERR_RANGE);
	assert_false(vtd_pt_walk(&pt, SPACE3, NULL, NULL));
	assert_false(vtd_pt_walk(&pt, ~0ull, NULL, NULL));
	assert_int_equal(F.allocs, allocs);

	/* the very last page of the space and of physical memory */
	assert_int_equal(vtd_pt_map(&pt, SPACE3 - FS, (1ull << 52) - FS, 1, 3), VTD_PT_OK);
	expect_page(&pt, SPACE3 - 1, (1ull << 52) - 1, 3);
	assert_int_equal(vtd_pt_map(&pt, 0, 0, 1, 3), VTD_PT_OK); /* iova and pa 0 are legal */
	expect_page(&pt, 0, 0, 3);
	expect_flushed();
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);

	/* a destroyed table refuses everything */
	assert_int_equal(vtd_pt_map(&pt, 0x1000, 0x1000, 1, 1), VTD_PT_ERR_INVALID);
	assert_int_equal(vtd_pt_unmap(&pt, 0x1000, 1), VTD_PT_ERR_INVALID);
	assert_false(vtd_pt_walk(&pt, 0x1000, NULL, NULL));
}

/* 4 levels take what 3 refuse, up to 2^48. */
static void test_4_level_range(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 4, &ops_nc), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, SPACE3, 0x5000, 1, 1), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, SPACE3 - FS, 0x6000, 1, 1), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, SPACE4 - FS, 0x7000, 1, 1), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, SPACE4, 0x8000, 1, 1), VTD_PT_ERR_RANGE);
	assert_int_equal(vtd_pt_map(&pt, SPACE4 - FS, 0x8000, 2, 1), VTD_PT_ERR_RANGE);
	expect_page(&pt, SPACE3, 0x5000, 1);
	expect_page(&pt, SPACE3 - FS, 0x6000, 1);
	expect_page(&pt, SPACE4 - FS, 0x7000, 1);
	assert_false(vtd_pt_walk(&pt, SPACE4, NULL, NULL));
	/* 1 + 2 * 3 + 3 tables: the two around 2^39 share nothing below the root */
	assert_int_equal(pt.table_pages, 10);
	assert_int_equal(pt.table_pages, F.nlive);
	expect_flushed();
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

static void test_exists_changes_nothing(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_nc), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, 10 * FS, 0x100000, 10, 3), VTD_PT_OK);
	size_t allocs = F.allocs, flushes = F.flushes;
	/* overlapping at the end, the start, inside, around */
	assert_int_equal(vtd_pt_map(&pt, 19 * FS, 0x900000, 6, 1), VTD_PT_ERR_EXISTS);
	assert_int_equal(vtd_pt_map(&pt, 5 * FS, 0x900000, 6, 1), VTD_PT_ERR_EXISTS);
	assert_int_equal(vtd_pt_map(&pt, 12 * FS, 0x900000, 1, 1), VTD_PT_ERR_EXISTS);
	assert_int_equal(vtd_pt_map(&pt, 0, 0x900000, 100, 1), VTD_PT_ERR_EXISTS);
	/* a range reaching into other, table-less, regions: refused before any allocation */
	assert_int_equal(vtd_pt_map(&pt, 19 * FS, 0x900000, 1000000, 1), VTD_PT_ERR_EXISTS);
	assert_int_equal(F.allocs, allocs);
	assert_int_equal(F.flushes, flushes);
	assert_int_equal(pt.mapped_pages, 10);
	for (uint64_t i = 0; i < 30; i++)
		expect_page(&pt, i * FS, 0x100000 + (i - 10) * FS, i >= 10 && i < 20 ? 3 : 0);
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

static void test_unmap(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 3, &ops_nc), VTD_PT_OK);
	assert_int_equal(vtd_pt_unmap(&pt, 0x1000, 1), VTD_PT_ERR_NOTMAPPED); /* no tables */
	assert_int_equal(vtd_pt_map(&pt, 10 * FS, 0x100000, 10, 3), VTD_PT_OK);
	/* partly mapped ranges change nothing */
	assert_int_equal(vtd_pt_unmap(&pt, 15 * FS, 6), VTD_PT_ERR_NOTMAPPED);
	assert_int_equal(vtd_pt_unmap(&pt, 9 * FS, 2), VTD_PT_ERR_NOTMAPPED);
	assert_int_equal(vtd_pt_unmap(&pt, 10 * FS, 1ull << 20), VTD_PT_ERR_NOTMAPPED);
	assert_int_equal(pt.mapped_pages, 10);
	for (uint64_t i = 10; i < 20; i++)
		expect_page(&pt, i * FS, 0x100000 + (i - 10) * FS, 3);

	assert_int_equal(vtd_pt_unmap(&pt, 12 * FS, 3), VTD_PT_OK);
	assert_int_equal(pt.mapped_pages, 7);
	assert_int_equal(vtd_pt_unmap(&pt, 12 * FS, 1), VTD_PT_ERR_NOTMAPPED); /* again */
	for (uint64_t i = 10; i < 20; i++)
		expect_page(&pt, i * FS, 0x100000 + (i - 10) * FS, i >= 12 && i < 15 ? 0 : 3);
	expect_flushed();
	/* tables stay until destroy */
	assert_int_equal(vtd_pt_unmap(&pt, 10 * FS, 2), VTD_PT_OK);
	assert_int_equal(vtd_pt_unmap(&pt, 15 * FS, 5), VTD_PT_OK);
	assert_int_equal(pt.mapped_pages, 0);
	assert_int_equal(pt.table_pages, 3);
	/* and are reused */
	assert_int_equal(vtd_pt_map(&pt, 11 * FS, 0x200000, 1, 1), VTD_PT_OK);
	assert_int_equal(pt.table_pages, 3);
	expect_page(&pt, 11 * FS, 0x200000, 1);
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

/* A range over 2 MiB, 1 GiB and (4 levels) 512 GiB boundaries, and one over several
 * whole leaf tables. */
static void test_boundaries(void **state)
{
	(void)state;
	for (unsigned levels = 3; levels <= 4; levels++) {
		struct vtd_pt pt;
		uint64_t start = (levels == 3 ? 1ull << 30 : SPACE3) - 3 * FS;
		assert_int_equal(vtd_pt_init(&pt, levels, &ops_nc), VTD_PT_OK);
		assert_int_equal(vtd_pt_map(&pt, start, 0x40000000, 6, 3), VTD_PT_OK);
		for (uint64_t i = 0; i < 8; i++)
			expect_page(&pt, start - FS + i * FS, 0x40000000 + (i - 1) * FS,
				    i >= 1 && i <= 6 ? 3 : 0);
		assert_int_equal(pt.table_pages, levels == 3 ? 5 : 7);

		uint64_t big = 0x200000000ull; /* 8 GiB, 2 MiB aligned */
		assert_int_equal(vtd_pt_map(&pt, big + 5 * FS, 0x80000000, 1100, 1), VTD_PT_OK);
		for (uint64_t i = 0; i < 1100; i += 7)
			expect_page(&pt, big + (5 + i) * FS, 0x80000000 + i * FS, 1);
		expect_page(&pt, big + 1104 * FS, 0x80000000 + 1099 * FS, 1);
		expect_page(&pt, big + 1105 * FS, 0, 0);
		expect_page(&pt, big + 4 * FS, 0, 0);
		assert_int_equal(pt.mapped_pages, 1106);
		assert_int_equal(vtd_pt_unmap(&pt, big + 5 * FS, 1100), VTD_PT_OK);
		expect_page(&pt, big + 600 * FS, 0, 0);
		assert_int_equal(pt.mapped_pages, 6);
		expect_flushed();
		assert_int_equal(pt.table_pages, F.nlive);
		vtd_pt_destroy(&pt);
		assert_int_equal(F.nlive, 0);
	}
}

/* A map that needs `need` new tables fails at each of its allocations in turn: nothing
 * becomes mapped, earlier mappings stay, the tables made are counted and flushed, and
 * the same map then succeeds. */
static void test_nomem_every_point(void **state)
{
	(void)state;
	for (unsigned levels = 3; levels <= 4; levels++) {
		/* across a 1 GiB (3 levels) or 512 GiB (4 levels) line: two new tables per level
		 * below the root */
		uint64_t start = (levels == 3 ? 1ull << 30 : SPACE3) - 2 * FS;
		uint64_t pre = levels == 3 ? 1ull << 38 : 1ull << 47; /* shares only the root */
		long need = 2 * (long)(levels - 1);
		for (long budget = 0; budget <= need; budget++) {
			struct vtd_pt pt;
			assert_int_equal(vtd_pt_init(&pt, levels, &ops_nc), VTD_PT_OK);
			assert_int_equal(vtd_pt_map(&pt, pre, 0x9000, 2, 3), VTD_PT_OK);
			uint64_t tables = pt.table_pages;
			F.budget = budget;
			enum vtd_pt_status st = vtd_pt_map(&pt, start, 0x70000000, 4, 3);
			F.budget = UNLIMITED;
			if (budget < need) {
				assert_int_equal(st, VTD_PT_ERR_NOMEM);
				assert_int_equal(pt.table_pages, tables + (uint64_t)budget);
				assert_int_equal(pt.mapped_pages, 2);
				for (uint64_t i = 0; i < 4; i++)
					expect_page(&pt, start + i * FS, 0, 0);
				assert_int_equal(vtd_pt_map(&pt, start, 0x70000000, 4, 3),
						 VTD_PT_OK);
			} else {
				assert_int_equal(st, VTD_PT_OK);
			}
			assert_int_equal(pt.table_pages, tables + (uint64_t)need);
			assert_int_equal(pt.table_pages, F.nlive);
			assert_int_equal(pt.mapped_pages, 6);
			for (uint64_t i = 0; i < 4; i++)
				expect_page(&pt, start + i * FS, 0x70000000 + i * FS, 3);
			expect_page(&pt, pre, 0x9000, 3);
			expect_page(&pt, pre + FS, 0xa000, 3);
			expect_flushed();
			vtd_pt_destroy(&pt);
			assert_int_equal(F.nlive, 0);
		}
	}
}

/* A coherent unit: no flush callback, same results. */
static void test_coherent(void **state)
{
	(void)state;
	struct vtd_pt pt;
	assert_int_equal(vtd_pt_init(&pt, 4, &ops_coherent), VTD_PT_OK);
	assert_int_equal(vtd_pt_map(&pt, 0x7000, 0x1000, 3, 3), VTD_PT_OK);
	expect_page(&pt, 0x9000, 0x3000, 3);
	assert_int_equal(vtd_pt_unmap(&pt, 0x7000, 3), VTD_PT_OK);
	expect_page(&pt, 0x9000, 0, 0);
	assert_int_equal(F.flushes, 0);
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define WIN_PAGES 128

struct shadow_page {
	uint64_t pa;
	unsigned perm; /* 0: not mapped */
};

/* Random maps, unmaps and walks in windows that straddle table boundaries, some with the
 * allocator about to run dry, each checked against a shadow of every page. */
static void random_run(unsigned levels, uint64_t seed)
{
	static struct shadow_page sh[6][WIN_PAGES];
	const uint64_t win3[] = {0, (1ull << 21) - 64 * FS, (1ull << 30) - 64 * FS, 0x1234500000ull,
				 SPACE3 - WIN_PAGES * FS};
	const uint64_t win4[] = {0,
				 (1ull << 30) - 64 * FS,
				 SPACE3 - 64 * FS,
				 0x7fff00000000ull,
				 (1ull << 47) - 64 * FS,
				 SPACE4 - WIN_PAGES * FS};
	const uint64_t *win = levels == 3 ? win3 : win4;
	const unsigned nwin = levels == 3 ? 5 : 6;
	uint64_t s = seed, mapped = 0;
	struct vtd_pt pt;

	memset(sh, 0, sizeof(sh));
	assert_int_equal(vtd_pt_init(&pt, levels, &ops_nc), VTD_PT_OK);
	for (int iter = 0; iter < 6000; iter++) {
		uint64_t r = xorshift(&s);
		unsigned w = (unsigned)(r % nwin), op = (unsigned)((r >> 8) % 100);
		uint64_t first = (r >> 16) % WIN_PAGES;
		uint64_t n = 1 + (r >> 24) % 40;
		if (first + n > WIN_PAGES)
			n = WIN_PAGES - first;
		uint64_t iova = win[w] + first * FS;
		bool any = false, all = true;
		for (uint64_t i = 0; i < n; i++) {
			any |= sh[w][first + i].perm != 0;
			all &= sh[w][first + i].perm != 0;
		}

		if (op < 50) {
			uint64_t pa = ((r >> 32) & 0xfffffff) * FS; /* below 2^40 */
			unsigned perm = 1 + (unsigned)((r >> 60) % 3);
			bool tight = (r >> 63) != 0 && op < 10;
			if (tight)
				F.budget = (long)((r >> 40) % 3);
			uint64_t tables = pt.table_pages;
			enum vtd_pt_status st = vtd_pt_map(&pt, iova, pa, n, perm);
			F.budget = UNLIMITED;
			if (any) {
				assert_int_equal(st, VTD_PT_ERR_EXISTS);
				assert_int_equal(pt.table_pages, tables);
			} else if (st == VTD_PT_ERR_NOMEM) {
				assert_true(tight);
			} else {
				assert_int_equal(st, VTD_PT_OK);
				for (uint64_t i = 0; i < n; i++) {
					sh[w][first + i].pa = pa + i * FS;
					sh[w][first + i].perm = perm;
				}
				mapped += n;
			}
		} else if (op < 85) {
			enum vtd_pt_status st = vtd_pt_unmap(&pt, iova, n);
			if (!all) {
				assert_int_equal(st, VTD_PT_ERR_NOTMAPPED);
			} else {
				assert_int_equal(st, VTD_PT_OK);
				for (uint64_t i = 0; i < n; i++)
					sh[w][first + i].perm = 0;
				mapped -= n;
			}
		} else {
			/* an address outside every window is never mapped */
			uint64_t any_iova = (r >> 20) % vtd_pt_space(levels);
			bool inside = false;
			for (unsigned k = 0; k < nwin; k++)
				inside |= any_iova >= win[k] && any_iova < win[k] + WIN_PAGES * FS;
			if (!inside)
				assert_false(vtd_pt_walk(&pt, any_iova, NULL, NULL));
		}
		for (uint64_t i = 0; i < n; i++)
			expect_page(&pt, iova + i * FS + (r & 0xfff),
				    sh[w][first + i].pa + (r & 0xfff), sh[w][first + i].perm);
		assert_int_equal(pt.mapped_pages, mapped);
		assert_int_equal(pt.table_pages, F.nlive);
		if (iter % 500 == 0) {
			expect_flushed();
			for (unsigned k = 0; k < nwin; k++)
				for (uint64_t i = 0; i < WIN_PAGES; i++)
					expect_page(&pt, win[k] + i * FS, sh[k][i].pa,
						    sh[k][i].perm);
		}
	}
	expect_flushed();
	vtd_pt_destroy(&pt);
	assert_int_equal(F.nlive, 0);
}

static void test_random_3_levels(void **state)
{
	(void)state;
	random_run(3, 0x9e3779b97f4a7c15ull);
}

static void test_random_4_levels(void **state)
{
	(void)state;
	random_run(4, 0x0123456789abcdefull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_encoding_3_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_encoding_4_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_4_level_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exists_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unmap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_boundaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nomem_every_point, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coherent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_3_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_4_levels, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
