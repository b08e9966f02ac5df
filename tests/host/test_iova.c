/* test_iova: the IOVA run allocator: lowest fit, alignment, the device's DMA limit, the
 * bound on live runs, refused frees, the edges of the 64-bit space, and a long random
 * run checked against a per-page shadow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/iommu/iova.h"

#define PG 4096ull

static void test_init(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a = 0;

	assert_int_equal(iova_init(&s, 0x1001, 0x100000), IOVA_ERR_INVALID);
	assert_int_equal(iova_init(&s, 0x1000, 0x100001), IOVA_ERR_INVALID);
	assert_int_equal(iova_init(&s, 0x100000, 0x100000), IOVA_ERR_INVALID);
	assert_int_equal(iova_init(&s, 0x200000, 0x100000), IOVA_ERR_INVALID);
	assert_int_equal(iova_init(&s, 0, PG), IOVA_ERR_INVALID); /* only page 0: empty */
	/* a failed init leaves a space that hands out nothing */
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_ERR_INVALID);

	assert_int_equal(iova_init(&s, 0, 1ull << 39), IOVA_OK);
	assert_int_equal(s.base, PG); /* 0 is never handed out */
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_OK);
	assert_int_equal(a, PG);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.used_pages, 1);
}

static void test_lowest_fit(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a, b, c, d;

	assert_int_equal(iova_init(&s, 0x100000, 0x200000), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 1, 0, 0, &a), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 2, 0, 0, &b), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 3, 0, 0, &c), IOVA_OK);
	assert_int_equal(a, 0x100000);
	assert_int_equal(b, 0x101000);
	assert_int_equal(c, 0x103000);
	assert_int_equal(iova_free(&s, b, 2), IOVA_OK);
	/* the hole fits 2, not 3 */
	assert_int_equal(iova_alloc(&s, 3, 0, 0, &d), IOVA_OK);
	assert_int_equal(d, 0x106000);
	assert_int_equal(iova_alloc(&s, 1, 0, 0, &d), IOVA_OK);
	assert_int_equal(d, 0x101000);
	assert_int_equal(iova_alloc(&s, 1, 0, 0, &d), IOVA_OK);
	assert_int_equal(d, 0x102000);
	assert_int_equal(s.count, 5);
	assert_int_equal(s.used_pages, 9);
	/* runs stay sorted */
	for (uint32_t i = 1; i < s.count; i++)
		assert_true(s.run[i - 1].start + s.run[i - 1].pages * PG <= s.run[i].start);
}

static void test_alignment(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a;

	assert_int_equal(iova_init(&s, 0, 1ull << 32), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_OK);
	assert_int_equal(a, PG);
	assert_int_equal(iova_alloc(&s, 4, 16, 0, &a), IOVA_OK);
	assert_int_equal(a, 16 * PG);
	assert_int_equal(iova_alloc(&s, 2, 2, 0, &a), IOVA_OK);
	assert_int_equal(a, 2 * PG);
	assert_int_equal(iova_alloc(&s, 512, 512, 0, &a), IOVA_OK); /* 2 MiB aligned */
	assert_int_equal(a, 0x200000);
	assert_int_equal(iova_alloc(&s, 1, 3, 0, &a), IOVA_ERR_INVALID);
	assert_int_equal(iova_alloc(&s, 1, 6, 0, &a), IOVA_ERR_INVALID);
	/* alignment beyond the space: only 0 qualifies, and 0 is never handed out */
	assert_int_equal(iova_alloc(&s, 1, 1ull << 20, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 1, 1ull << 63, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 1, 1ull << 19, 0, &a), IOVA_OK);
	assert_int_equal(a, 1ull << 31);
}

static void test_dma_limit(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a = 0x5a5a;

	assert_int_equal(iova_init(&s, 0, 1ull << 39), IOVA_OK);
	/* a 32-bit device in a space reaching 2^39: the run must end at or below 2^32 */
	assert_int_equal(iova_alloc(&s, 1, 1ull << 20, 1ull << 32, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(a, 0x5a5a); /* untouched on error */
	for (uint64_t i = 1; i <= 3; i++) {
		assert_int_equal(iova_alloc(&s, 1, 1ull << 18, 1ull << 32, &a), IOVA_OK);
		assert_int_equal(a, i << 30);
	}
	assert_int_equal(iova_alloc(&s, 1, 1ull << 18, 1ull << 32, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 1, 1ull << 18, 0, &a), IOVA_OK); /* no limit */
	assert_int_equal(a, 4ull << 30);
	/* a run ending exactly at the limit is fine, one page more is not */
	assert_int_equal(iova_init(&s, 0, 1ull << 39), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 15, 0, 16 * PG, &a), IOVA_OK);
	assert_int_equal(a, PG);
	assert_int_equal(iova_alloc(&s, 1, 0, 16 * PG, &a), IOVA_ERR_NOSPACE);
	/* an unaligned mask + 1 rounds down to whole pages */
	assert_int_equal(iova_alloc(&s, 1, 0, 17 * PG + 0xfff, &a), IOVA_OK);
	assert_int_equal(a, 16 * PG);
	assert_int_equal(iova_alloc(&s, 1, 0, 17 * PG + 0xfff, &a), IOVA_ERR_NOSPACE);
	/* limits below the space */
	assert_int_equal(iova_alloc(&s, 1, 0, PG, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 1, 0, 1, &a), IOVA_ERR_NOSPACE);
	/* a limit above the space changes nothing */
	assert_int_equal(iova_alloc(&s, 1, 0, ~0ull, &a), IOVA_OK);
	assert_int_equal(a, 17 * PG);
}

static void test_bad_sizes(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a;

	assert_int_equal(iova_init(&s, 0, 9 * PG), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 0, 1, 0, &a), IOVA_ERR_INVALID);
	assert_int_equal(iova_alloc(&s, 9, 1, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, ~0ull, 1, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 1ull << 52, 1, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 8, 1, 0, &a), IOVA_OK); /* all of it */
	assert_int_equal(a, PG);
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(s.count, 1);
}

/* A space at the very top of the 64-bit range: no sum may wrap. */
static void test_top_of_space(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a;
	const uint64_t top = ~0xfffull;	  /* last page-aligned address */
	const uint64_t base = ~0xffffull; /* 15 pages below it, 16-page aligned */

	assert_int_equal(iova_init(&s, base, top), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 15, 1, 0, &a), IOVA_OK);
	assert_int_equal(a, base);
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_free(&s, base, 15), IOVA_OK);
	/* aligning up from base would wrap past 2^64 */
	assert_int_equal(iova_alloc(&s, 1, 1ull << 40, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 1, 8, 0, &a), IOVA_OK);
	assert_int_equal(a, base);
	/* 8 pages from base + 8 pages would end at 2^64 */
	assert_int_equal(iova_alloc(&s, 8, 8, 0, &a), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_alloc(&s, 7, 8, 0, &a), IOVA_OK);
	assert_int_equal(a, base + 8 * PG);
	assert_int_equal(iova_alloc(&s, 2, 2, 0, &a), IOVA_OK);
	assert_int_equal(a, base + 2 * PG);
	assert_int_equal(s.used_pages, 10);
}

static void test_full(void **state)
{
	(void)state;
	struct iova_space s;
	uint64_t a;

	assert_int_equal(iova_init(&s, 0, 1ull << 39), IOVA_OK);
	for (int i = 0; i < IOVA_MAX_RANGES; i++) {
		assert_int_equal(iova_alloc(&s, 1, 0, 0, &a), IOVA_OK);
		assert_int_equal(a, (uint64_t)(i + 1) * PG);
	}
	assert_int_equal(iova_alloc(&s, 1, 0, 0, &a), IOVA_ERR_FULL);
	assert_int_equal(s.count, IOVA_MAX_RANGES);
	assert_int_equal(iova_free(&s, 10 * PG, 1), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 1, 0, 0, &a), IOVA_OK);
	assert_int_equal(a, 10 * PG);
	/* a bad request is reported as such even when full */
	assert_int_equal(iova_alloc(&s, 0, 0, 0, &a), IOVA_ERR_INVALID);
}

static void test_refused_frees(void **state)
{
	(void)state;
	struct iova_space s, before;
	uint64_t a, b;

	assert_int_equal(iova_init(&s, 0, 1ull << 30), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 4, 0, 0, &a), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 4, 0, 0, &b), IOVA_OK);
	memcpy(&before, &s, sizeof(s));
	assert_int_equal(iova_free(&s, 0, 1), IOVA_ERR_NOTALLOC);
	assert_int_equal(iova_free(&s, 0x40000000, 1), IOVA_ERR_NOTALLOC);
	assert_int_equal(iova_free(&s, a, 3), IOVA_ERR_NOTALLOC);	 /* short */
	assert_int_equal(iova_free(&s, a, 8), IOVA_ERR_NOTALLOC);	 /* spans two runs */
	assert_int_equal(iova_free(&s, a + PG, 3), IOVA_ERR_NOTALLOC);	 /* the tail */
	assert_int_equal(iova_free(&s, a + 0x10, 4), IOVA_ERR_NOTALLOC); /* unaligned */
	assert_int_equal(iova_free(&s, a, 0), IOVA_ERR_NOTALLOC);
	assert_memory_equal(&s, &before, sizeof(s));
	assert_int_equal(iova_free(&s, a, 4), IOVA_OK);
	assert_int_equal(iova_free(&s, a, 4), IOVA_ERR_NOTALLOC); /* double free */
	assert_int_equal(s.count, 1);
	assert_int_equal(s.used_pages, 4);
	assert_int_equal(s.run[0].start, b);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define NPAGES 700

struct live {
	uint64_t start, pages;
};

/* The lowest page p >= 1 with p % align == 0 and pages p .. p+n-1 free and below lim. */
static uint64_t shadow_fit(const bool *used, uint64_t n, uint64_t align, uint64_t lim)
{
	for (uint64_t p = align; p + n <= lim; p += align) {
		uint64_t k = 0;
		while (k < n && !used[p + k])
			k++;
		if (k == n)
			return p;
	}
	return 0;
}

/* A reserved range (an RMRR) is never handed out, overlaps are refused, a range
 * outside the space is accepted as nothing to do, and it can be freed like a run. */
static void test_reserve(void **state)
{
	struct iova_space s;
	uint64_t a;
	(void)state;
	assert_int_equal(iova_init(&s, 0x1000, 0x10000), IOVA_OK);
	assert_int_equal(iova_reserve(&s, 0x2000, 2), IOVA_OK);
	assert_int_equal(s.used_pages, 2);
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_OK);
	assert_int_equal(a, 0x1000);
	assert_int_equal(iova_alloc(&s, 1, 1, 0, &a), IOVA_OK);
	assert_int_equal(a, 0x4000); /* past the reserved pages */
	assert_int_equal(iova_reserve(&s, 0x3000, 1), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_reserve(&s, 0x1000, 2), IOVA_ERR_NOSPACE);
	assert_int_equal(iova_reserve(&s, 0x2800, 1), IOVA_ERR_INVALID); /* unaligned */
	assert_int_equal(iova_reserve(&s, 0xf000, 2), IOVA_ERR_INVALID); /* straddles the end */
	assert_int_equal(iova_reserve(&s, 0x100000, 4), IOVA_OK);	 /* outside: nothing */
	assert_int_equal(iova_reserve(&s, UINT64_MAX & ~0xfffull, 2), IOVA_ERR_INVALID);
	assert_int_equal(iova_reserve(&s, 0x8000, 0), IOVA_ERR_INVALID);
	assert_int_equal(s.count, 3);
	assert_int_equal(iova_free(&s, 0x2000, 2), IOVA_OK);
	assert_int_equal(iova_alloc(&s, 2, 1, 0, &a), IOVA_OK);
	assert_int_equal(a, 0x2000);
}

static void test_random_against_shadow(void **state)
{
	(void)state;
	static bool used[NPAGES + 1];
	struct live live[IOVA_MAX_RANGES];
	struct iova_space s;
	uint32_t nlive = 0;
	uint64_t seed = 0xfeedfacecafebeefull, used_pages = 0;

	memset(used, 0, sizeof(used));
	assert_int_equal(iova_init(&s, 0, NPAGES * PG), IOVA_OK);
	for (int iter = 0; iter < 30000; iter++) {
		uint64_t r = xorshift(&seed), a = 0;
		unsigned op = (unsigned)(r % 100);
		if (op < 50) {
			uint64_t n = 1 + (r >> 8) % 24, align = 1ull << ((r >> 16) % 6);
			/* a quarter of the requests carry a DMA limit, some above the space, some
			 * 0 (no limit) */
			uint64_t lim = (r >> 24) % 4 == 0 ? (r >> 32) % (NPAGES + 40) : 0;
			uint64_t eff = lim != 0 && lim < NPAGES ? lim : NPAGES;
			uint64_t want = shadow_fit(used, n, align, eff);
			int st = iova_alloc(&s, n, align, lim * PG, &a);
			if (want == 0) {
				assert_true(st == IOVA_ERR_NOSPACE || st == IOVA_ERR_FULL);
			} else if (nlive == IOVA_MAX_RANGES) {
				assert_int_equal(st, IOVA_ERR_FULL);
			} else {
				assert_int_equal(st, IOVA_OK);
				assert_int_equal(a, want * PG);
				for (uint64_t k = 0; k < n; k++)
					used[want + k] = true;
				live[nlive].start = want;
				live[nlive].pages = n;
				nlive++;
				used_pages += n;
			}
		} else if (op < 90 && nlive > 0) {
			uint32_t i = (uint32_t)((r >> 8) % nlive);
			assert_int_equal(iova_free(&s, live[i].start * PG, live[i].pages), IOVA_OK);
			for (uint64_t k = 0; k < live[i].pages; k++)
				used[live[i].start + k] = false;
			used_pages -= live[i].pages;
			live[i] = live[--nlive];
		} else {
			/* a free that names no live run */
			uint64_t p = (r >> 8) % (NPAGES + 2), n = 1 + (r >> 20) % 4;
			bool exact = false;
			for (uint32_t i = 0; i < nlive; i++)
				exact |= live[i].start == p && live[i].pages == n;
			if (!exact)
				assert_int_equal(iova_free(&s, p * PG, n), IOVA_ERR_NOTALLOC);
		}
		assert_int_equal(s.count, nlive);
		assert_int_equal(s.used_pages, used_pages);
	}
	for (uint32_t i = 1; i < s.count; i++)
		assert_true(s.run[i - 1].start + s.run[i - 1].pages * PG <= s.run[i].start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),      cmocka_unit_test(test_lowest_fit),
	    cmocka_unit_test(test_alignment), cmocka_unit_test(test_dma_limit),
	    cmocka_unit_test(test_bad_sizes), cmocka_unit_test(test_top_of_space),
	    cmocka_unit_test(test_full),      cmocka_unit_test(test_refused_frees),
	    cmocka_unit_test(test_reserve),   cmocka_unit_test(test_random_against_shadow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
