/* test_pmm: the bitmap frame allocator, its free/used/reserved accounting, the rounding
 * of release (inward) and reserve (outward), refused frees, aligned contiguous runs, and
 * a long random run checked against a shadow copy of every frame's state. Bitmaps are
 * heap blocks of exactly the words pmm_init asks for, so ASan sees any access past them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/pmm.h"

#define FS PMM_FRAME_SIZE

struct fix {
	struct pmm p;
	uint64_t *storage;
};

/* Heap blocks of the running test, freed by teardown even when an assertion fails. */
static void *live[4];

static void *test_alloc(size_t n)
{
	for (size_t i = 0; i < 4; i++) {
		if (live[i] == NULL) {
			live[i] = malloc(n ? n : 1);
			assert_non_null(live[i]);
			return live[i];
		}
	}
	fail_msg("too many live blocks");
	return NULL;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		free(live[i]);
		live[i] = NULL;
	}
	return 0;
}

static void fix_init(struct fix *f, uint64_t nframes)
{
	f->storage = test_alloc(2 * pmm_bitmap_words(nframes) * sizeof(uint64_t));
	pmm_init(&f->p, f->storage, nframes);
}

/* Requires the three counters, and that they add up to nframes. */
#define expect_counts(p, nfree, used, rsv) expect_counts_at(p, nfree, used, rsv, __LINE__)

static void expect_counts_at(const struct pmm *p, uint64_t nfree, uint64_t used, uint64_t rsv,
			     int line)
{
	if (p->free_frames != nfree || p->used_frames != used || p->reserved_frames != rsv ||
	    p->free_frames + p->used_frames + p->reserved_frames != p->nframes)
		fail_msg("line %d: free/used/reserved %llu/%llu/%llu of %llu, expected "
			 "%llu/%llu/%llu",
			 line, (unsigned long long)p->free_frames,
			 (unsigned long long)p->used_frames, (unsigned long long)p->reserved_frames,
			 (unsigned long long)p->nframes, (unsigned long long)nfree,
			 (unsigned long long)used, (unsigned long long)rsv);
}

/* Takes every free frame; returns how many. */
static uint64_t drain(struct pmm *p)
{
	uint64_t phys, n = 0;
	while (pmm_alloc(p, &phys) == PMM_OK)
		n++;
	return n;
}

static void test_bitmap_words(void **state)
{
	(void)state;
	assert_int_equal(pmm_bitmap_words(0), 0);
	assert_int_equal(pmm_bitmap_words(1), 1);
	assert_int_equal(pmm_bitmap_words(64), 1);
	assert_int_equal(pmm_bitmap_words(65), 2);
	assert_int_equal(pmm_bitmap_words(1ull << 20), 1ull << 14);
}

static void test_init_all_reserved(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys = 0xabc;

	fix_init(&f, 100);
	expect_counts(&f.p, 0, 0, 100);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
	assert_int_equal(phys, 0xabc);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, FS, &phys), PMM_ERR_NOMEM);
	for (uint64_t i = 0; i < 100; i++)
		assert_false(pmm_is_used(&f.p, i * FS));
	expect_counts(&f.p, 0, 0, 100);
}

static void test_init_zero_frames(void **state)
{
	(void)state;
	struct pmm p;
	uint64_t dummy[1], phys;

	pmm_init(&p, dummy, 0);
	expect_counts(&p, 0, 0, 0);
	pmm_release(&p, 0, 1ull << 30);
	expect_counts(&p, 0, 0, 0);
	assert_int_equal(pmm_alloc(&p, &phys), PMM_ERR_NOMEM);
	assert_int_equal(pmm_free(&p, 0), PMM_ERR_RANGE);
}

/* Release keeps only whole frames inside the range (rounds inward). */
static void test_release_rounds_inward(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, 64);
	pmm_release(&f.p, FS + 1, 3 * FS); /* [0x1001, 0x4001): frames 2 and 3 */
	expect_counts(&f.p, 2, 0, 62);
	pmm_release(&f.p, 10 * FS, FS - 1); /* less than one frame */
	expect_counts(&f.p, 2, 0, 62);
	pmm_release(&f.p, 20 * FS + 1, FS); /* one frame's size, straddling two */
	expect_counts(&f.p, 2, 0, 62);
	pmm_release(&f.p, 30 * FS, FS); /* exactly one */
	expect_counts(&f.p, 3, 0, 61);
	pmm_release(&f.p, 40 * FS, 0); /* empty */
	expect_counts(&f.p, 3, 0, 61);
	/* Releasing what is already free changes nothing. */
	pmm_release(&f.p, 0, 4 * FS);
	expect_counts(&f.p, 5, 0, 59);
	pmm_release(&f.p, 0, 4 * FS);
	expect_counts(&f.p, 5, 0, 59);

	uint64_t phys;
	uint64_t want[] = {0, 1, 2, 3, 30};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
		assert_int_equal(phys, want[i] * FS);
	}
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
}

/* Release is clipped to the managed frames; bytes beyond are ignored. */
static void test_release_clipped(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, 70);
	pmm_release(&f.p, 60 * FS, 1ull << 40);
	expect_counts(&f.p, 10, 0, 60);
	pmm_release(&f.p, 1000 * FS, FS);
	expect_counts(&f.p, 10, 0, 60);
	assert_int_equal(drain(&f.p), 10);
	/* The largest range that does not wrap: every frame, the used ones left alone. */
	pmm_release(&f.p, 0, UINT64_MAX);
	expect_counts(&f.p, 60, 10, 0);
}

/* A range at the very top of the address space holds no managed frame. Rounding its
 * start up to a frame must not wrap to frame 0 and release everything. */
static void test_release_top_of_address_space(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, 64);
	pmm_release(&f.p, 0xfffffffffffff001ull, 1);
	expect_counts(&f.p, 0, 0, 64);
	pmm_release(&f.p, UINT64_MAX - 10, 5);
	expect_counts(&f.p, 0, 0, 64);
	pmm_release(&f.p, 0xfffffffffffff000ull, FS - 1);
	expect_counts(&f.p, 0, 0, 64);
}

/* Reserve takes every frame the range touches (rounds outward). */
static void test_reserve_rounds_outward(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, 64);
	pmm_release(&f.p, 0, 64 * FS);
	expect_counts(&f.p, 64, 0, 0);
	pmm_reserve(&f.p, FS + 1, 1); /* one byte: frame 1 */
	expect_counts(&f.p, 63, 0, 1);
	pmm_reserve(&f.p, 4 * FS - 1, 2); /* straddles frames 3 and 4 */
	expect_counts(&f.p, 61, 0, 3);
	pmm_reserve(&f.p, 10 * FS, FS); /* exactly frame 10 */
	expect_counts(&f.p, 60, 0, 4);
	pmm_reserve(&f.p, 10 * FS, FS); /* again: nothing changes */
	expect_counts(&f.p, 60, 0, 4);
	pmm_reserve(&f.p, 20 * FS, 0); /* empty */
	expect_counts(&f.p, 60, 0, 4);
	pmm_reserve(&f.p, 62 * FS, 1ull << 40); /* clipped at the end */
	expect_counts(&f.p, 58, 0, 6);
	pmm_reserve(&f.p, 1000 * FS, FS); /* outside */
	expect_counts(&f.p, 58, 0, 6);

	uint64_t phys;
	while (pmm_alloc(&f.p, &phys) == PMM_OK) {
		uint64_t i = phys / FS;
		assert_true(i != 1 && i != 3 && i != 4 && i != 10 && i < 62);
	}
	expect_counts(&f.p, 0, 58, 6);
}

/* A range that wraps past 2^64 reserves up to the end. */
static void test_reserve_wrapping(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, 64);
	pmm_release(&f.p, 0, 64 * FS);
	pmm_reserve(&f.p, 60 * FS, UINT64_MAX);
	expect_counts(&f.p, 60, 0, 4);
	pmm_reserve(&f.p, UINT64_MAX - 5, 100);
	expect_counts(&f.p, 60, 0, 4);
}

/* Reserve leaves used frames used; release leaves used frames used. */
static void test_reserve_release_skip_used(void **state)
{
	(void)state;
	struct fix f;
	uint64_t a, b;

	fix_init(&f, 8);
	pmm_release(&f.p, 0, 8 * FS);
	assert_int_equal(pmm_alloc(&f.p, &a), PMM_OK);
	assert_int_equal(pmm_alloc(&f.p, &b), PMM_OK);
	assert_int_equal(a, 0);
	assert_int_equal(b, FS);
	pmm_reserve(&f.p, 0, 8 * FS);
	expect_counts(&f.p, 0, 2, 6);
	assert_true(pmm_is_used(&f.p, a));
	assert_true(pmm_is_used(&f.p, b));
	pmm_release(&f.p, 0, 8 * FS);
	expect_counts(&f.p, 6, 2, 0);
	assert_true(pmm_is_used(&f.p, a));
	/* A used frame freed after a reserve over it becomes free, not reserved. */
	pmm_reserve(&f.p, 0, 8 * FS);
	assert_int_equal(pmm_free(&f.p, a), PMM_OK);
	expect_counts(&f.p, 1, 1, 6);
	uint64_t c;
	assert_int_equal(pmm_alloc(&f.p, &c), PMM_OK);
	assert_int_equal(c, a);
}

static void test_alloc_lowest_first(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys;

	fix_init(&f, 200);
	pmm_release(&f.p, 100 * FS, 100 * FS);
	pmm_release(&f.p, 5 * FS, 3 * FS);
	pmm_reserve(&f.p, 130 * FS, 70 * FS);
	expect_counts(&f.p, 33, 0, 167);
	for (uint64_t want = 5; want < 8; want++) {
		assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
		assert_int_equal(phys, want * FS);
		assert_true(pmm_is_used(&f.p, phys));
	}
	for (uint64_t want = 100; want < 130; want++) {
		assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
		assert_int_equal(phys, want * FS);
	}
	expect_counts(&f.p, 0, 33, 167);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
	expect_counts(&f.p, 0, 33, 167);

	/* Freed frames come back lowest first, below where allocation had got to. */
	assert_int_equal(pmm_free(&f.p, 120 * FS), PMM_OK);
	assert_int_equal(pmm_free(&f.p, 6 * FS), PMM_OK);
	assert_int_equal(pmm_free(&f.p, 110 * FS), PMM_OK);
	expect_counts(&f.p, 3, 30, 167);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 6 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 110 * FS);
	/* A release below the current search point is found too. */
	pmm_release(&f.p, 2 * FS, FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 2 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 120 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
}

/* Word-sized runs of busy frames are skipped, and the tail word past nframes (whose
 * bits are never cleared) is never handed out. */
static void test_alloc_word_boundaries(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys;

	fix_init(&f, 130);
	pmm_release(&f.p, 63 * FS, FS);
	pmm_release(&f.p, 128 * FS, 100 * FS); /* frames 128, 129 only */
	expect_counts(&f.p, 3, 0, 127);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 63 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 128 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 129 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys;

	fix_init(&f, 1000);
	pmm_release(&f.p, 0, 1000 * FS);
	pmm_reserve(&f.p, 0, FS);
	assert_int_equal(drain(&f.p), 999);
	expect_counts(&f.p, 0, 999, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, FS, &phys), PMM_ERR_NOMEM);
	expect_counts(&f.p, 0, 999, 1);
	/* One frame back: exactly that one comes out again. */
	assert_int_equal(pmm_free(&f.p, 500 * FS), PMM_OK);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_OK);
	assert_int_equal(phys, 500 * FS);
	assert_int_equal(pmm_alloc(&f.p, &phys), PMM_ERR_NOMEM);
}

static void test_free_refused(void **state)
{
	(void)state;
	struct fix f;
	uint64_t a, b;

	fix_init(&f, 16);
	pmm_release(&f.p, 0, 8 * FS); /* 0-7 free, 8-15 reserved */
	assert_int_equal(pmm_alloc(&f.p, &a), PMM_OK);
	assert_int_equal(pmm_alloc(&f.p, &b), PMM_OK);
	expect_counts(&f.p, 6, 2, 8);

	assert_int_equal(pmm_free(&f.p, a + 1), PMM_ERR_ALIGN);
	assert_int_equal(pmm_free(&f.p, a + FS / 2), PMM_ERR_ALIGN);
	assert_int_equal(pmm_free(&f.p, UINT64_MAX), PMM_ERR_ALIGN);
	assert_int_equal(pmm_free(&f.p, 16 * FS), PMM_ERR_RANGE);
	assert_int_equal(pmm_free(&f.p, 1ull << 40), PMM_ERR_RANGE);
	assert_int_equal(pmm_free(&f.p, UINT64_MAX & ~(uint64_t)(FS - 1)), PMM_ERR_RANGE);
	assert_int_equal(pmm_free(&f.p, 5 * FS), PMM_ERR_NOT_USED);  /* free */
	assert_int_equal(pmm_free(&f.p, 8 * FS), PMM_ERR_NOT_USED);  /* reserved */
	assert_int_equal(pmm_free(&f.p, 15 * FS), PMM_ERR_NOT_USED); /* reserved */
	expect_counts(&f.p, 6, 2, 8);
	assert_true(pmm_is_used(&f.p, a));
	assert_false(pmm_is_used(&f.p, 8 * FS));
	assert_false(pmm_is_used(&f.p, 5 * FS));
	assert_false(pmm_is_used(&f.p, 16 * FS));

	/* Double free. */
	assert_int_equal(pmm_free(&f.p, a), PMM_OK);
	expect_counts(&f.p, 7, 1, 8);
	assert_int_equal(pmm_free(&f.p, a), PMM_ERR_NOT_USED);
	expect_counts(&f.p, 7, 1, 8);
	assert_false(pmm_is_used(&f.p, a));
	/* A freed frame later reserved cannot be freed either. */
	pmm_reserve(&f.p, a, FS);
	assert_int_equal(pmm_free(&f.p, a), PMM_ERR_NOT_USED);
	expect_counts(&f.p, 6, 1, 9);
	/* And the allocator never hands it out. */
	uint64_t phys;
	while (pmm_alloc(&f.p, &phys) == PMM_OK)
		assert_true(phys != a && phys < 8 * FS);
	expect_counts(&f.p, 0, 7, 9);
}

/* 16 frames (64 KiB) aligned to 64 KiB, around busy frames. */
static void test_contig_aligned(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys, one;

	fix_init(&f, 256);
	pmm_release(&f.p, 0, 256 * FS);
	pmm_reserve(&f.p, 0, FS);	/* frame 0 */
	pmm_reserve(&f.p, 20 * FS, FS); /* frame 20, inside [16, 32) */
	assert_int_equal(pmm_alloc(&f.p, &one), PMM_OK);
	assert_int_equal(one, FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 16, 0x10000, &phys), PMM_OK);
	assert_int_equal(phys, 32 * FS); /* [0,16) and [16,32) each hold a busy frame */
	for (uint64_t i = 32; i < 48; i++)
		assert_true(pmm_is_used(&f.p, i * FS));
	expect_counts(&f.p, 256 - 2 - 1 - 16, 17, 2);

	/* Single frames still come from below, lowest first. */
	assert_int_equal(pmm_alloc(&f.p, &one), PMM_OK);
	assert_int_equal(one, 2 * FS);

	/* The next aligned run skips the one just taken. */
	assert_int_equal(pmm_alloc_contig(&f.p, 16, 0x10000, &phys), PMM_OK);
	assert_int_equal(phys, 48 * FS);

	/* A busy frame at the last position of a candidate run. */
	pmm_reserve(&f.p, 79 * FS, FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 16, 0x10000, &phys), PMM_OK);
	assert_int_equal(phys, 80 * FS);

	/* Unaligned (align = one frame) contiguous runs fit in the gaps. */
	assert_int_equal(pmm_alloc_contig(&f.p, 3, FS, &phys), PMM_OK);
	assert_int_equal(phys, 3 * FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 14, FS, &phys), PMM_OK);
	assert_int_equal(phys, 6 * FS); /* [6, 20): 20 is reserved */
	assert_int_equal(pmm_alloc_contig(&f.p, 12, FS, &phys), PMM_OK);
	assert_int_equal(phys, 64 * FS); /* [21, 32) is one frame short */
	assert_int_equal(pmm_alloc_contig(&f.p, 11, FS, &phys), PMM_OK);
	assert_int_equal(phys, 21 * FS);
	assert_int_equal(pmm_free(&f.p, 25 * FS), PMM_OK);
	assert_int_equal(pmm_alloc_contig(&f.p, 2, FS, &phys), PMM_OK);
	assert_int_equal(phys, 76 * FS); /* 25 alone is too small; 76..78 free */
	assert_int_equal(pmm_free(&f.p, phys), PMM_OK);
	assert_int_equal(pmm_free(&f.p, phys + FS), PMM_OK);
	assert_int_equal(f.p.free_frames + f.p.used_frames + f.p.reserved_frames, 256);
}

static void test_contig_bad_args(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys = 0x77;

	fix_init(&f, 64);
	pmm_release(&f.p, 0, 64 * FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, 0, &phys), PMM_ERR_ALIGN);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, 1, &phys), PMM_ERR_ALIGN);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, FS / 2, &phys), PMM_ERR_ALIGN);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, 3 * FS, &phys), PMM_ERR_ALIGN);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, FS + 1, &phys), PMM_ERR_ALIGN);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, UINT64_MAX, &phys), PMM_ERR_ALIGN);
	assert_int_equal(pmm_alloc_contig(&f.p, 0, FS, &phys), PMM_ERR_ALIGN);
	assert_int_equal(phys, 0x77);
	expect_counts(&f.p, 64, 0, 0);
	/* More frames than exist, or an alignment nothing but 0 meets. */
	assert_int_equal(pmm_alloc_contig(&f.p, 65, FS, &phys), PMM_ERR_NOMEM);
	assert_int_equal(pmm_alloc_contig(&f.p, UINT64_MAX, FS, &phys), PMM_ERR_NOMEM);
	pmm_reserve(&f.p, 0, FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, 1ull << 63, &phys), PMM_ERR_NOMEM);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, 64 * FS, &phys), PMM_ERR_NOMEM);
	expect_counts(&f.p, 63, 0, 1);
	/* The whole rest fits exactly. */
	assert_int_equal(pmm_alloc_contig(&f.p, 63, FS, &phys), PMM_OK);
	assert_int_equal(phys, FS);
	expect_counts(&f.p, 0, 63, 1);
	assert_int_equal(pmm_alloc_contig(&f.p, 1, FS, &phys), PMM_ERR_NOMEM);
}

/* The run must end inside the managed frames: no frame past nframes is taken. */
static void test_contig_at_end(void **state)
{
	(void)state;
	struct fix f;
	uint64_t phys;

	fix_init(&f, 100);
	pmm_release(&f.p, 90 * FS, 10 * FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 11, FS, &phys), PMM_ERR_NOMEM);
	assert_int_equal(pmm_alloc_contig(&f.p, 8, 8 * FS, &phys), PMM_ERR_NOMEM); /* 96..103 */
	assert_int_equal(pmm_alloc_contig(&f.p, 4, 8 * FS, &phys), PMM_OK);
	assert_int_equal(phys, 96 * FS);
	assert_int_equal(pmm_alloc_contig(&f.p, 6, FS, &phys), PMM_OK);
	assert_int_equal(phys, 90 * FS);
	expect_counts(&f.p, 0, 10, 90);
}

enum shadow_state { SH_FREE, SH_USED, SH_RESERVED };

static void check_shadow(const struct pmm *p, const uint8_t *sh, uint64_t n)
{
	uint64_t c[3] = {0, 0, 0};
	for (uint64_t i = 0; i < n; i++) {
		c[sh[i]]++;
		assert_int_equal(pmm_is_used(p, i * FS), sh[i] == SH_USED);
	}
	expect_counts(p, c[SH_FREE], c[SH_USED], c[SH_RESERVED]);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random allocs, contiguous allocs, frees (good and bad), releases and reserves, each
 * checked against a shadow state per frame. */
static void test_random_against_shadow(void **state)
{
	(void)state;
	const uint64_t n = 1000;
	struct fix f;
	uint8_t *sh = test_alloc(n);
	uint64_t s = 0x123456789abcdefull;

	fix_init(&f, n);
	memset(sh, SH_RESERVED, n);
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t r = xorshift(&s), phys;
		uint64_t op = r % 100, a = (r >> 8) % (n + 20), len = (r >> 24) % (40 * FS);
		uint64_t base = a * FS + ((r >> 48) & 1 ? (r >> 40) % FS : 0);

		if (op < 40) {
			uint64_t low = n;
			for (uint64_t i = 0; i < n && low == n; i++)
				if (sh[i] == SH_FREE)
					low = i;
			enum pmm_status st = pmm_alloc(&f.p, &phys);
			if (low == n) {
				assert_int_equal(st, PMM_ERR_NOMEM);
			} else {
				assert_int_equal(st, PMM_OK);
				assert_int_equal(phys, low * FS);
				sh[low] = SH_USED;
			}
		} else if (op < 45) {
			uint64_t cnt = 1 + (r >> 32) % 8, step = 1ull << ((r >> 36) % 4);
			uint64_t want = n;
			for (uint64_t i = 0; i + cnt <= n && want == n; i += step) {
				uint64_t k = 0;
				while (k < cnt && sh[i + k] == SH_FREE)
					k++;
				if (k == cnt)
					want = i;
			}
			enum pmm_status st = pmm_alloc_contig(&f.p, cnt, step * FS, &phys);
			if (want == n) {
				assert_int_equal(st, PMM_ERR_NOMEM);
			} else {
				assert_int_equal(st, PMM_OK);
				assert_int_equal(phys, want * FS);
				memset(sh + want, SH_USED, cnt);
			}
		} else if (op < 80) {
			/* Free: usually a used frame, sometimes anything. */
			uint64_t i = a;
			if (op < 70) {
				for (uint64_t k = 0; k < n; k++)
					if (sh[(a + k) % n] == SH_USED) {
						i = (a + k) % n;
						break;
					}
			}
			uint64_t addr = i * FS + (op == 79 ? 8 : 0);
			enum pmm_status want = op == 79		  ? PMM_ERR_ALIGN
					       : i >= n		  ? PMM_ERR_RANGE
					       : sh[i] != SH_USED ? PMM_ERR_NOT_USED
								  : PMM_OK;
			assert_int_equal(pmm_free(&f.p, addr), want);
			if (want == PMM_OK)
				sh[i] = SH_FREE;
		} else if (op < 92) {
			pmm_release(&f.p, base, len);
			uint64_t first = (base + FS - 1) / FS, end = (base + len) / FS;
			for (uint64_t i = first; i < end && i < n; i++)
				if (sh[i] == SH_RESERVED)
					sh[i] = SH_FREE;
		} else {
			len /= 4;
			pmm_reserve(&f.p, base, len);
			if (len != 0) {
				uint64_t first = base / FS, end = (base + len + FS - 1) / FS;
				for (uint64_t i = first; i < end && i < n; i++)
					if (sh[i] == SH_FREE)
						sh[i] = SH_RESERVED;
			}
		}
		if (iter % 97 == 0 || op >= 80)
			check_shadow(&f.p, sh, n);
	}
	check_shadow(&f.p, sh, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_bitmap_words, teardown),
	    cmocka_unit_test_teardown(test_init_all_reserved, teardown),
	    cmocka_unit_test_teardown(test_init_zero_frames, teardown),
	    cmocka_unit_test_teardown(test_release_rounds_inward, teardown),
	    cmocka_unit_test_teardown(test_release_clipped, teardown),
	    cmocka_unit_test_teardown(test_release_top_of_address_space, teardown),
	    cmocka_unit_test_teardown(test_reserve_rounds_outward, teardown),
	    cmocka_unit_test_teardown(test_reserve_wrapping, teardown),
	    cmocka_unit_test_teardown(test_reserve_release_skip_used, teardown),
	    cmocka_unit_test_teardown(test_alloc_lowest_first, teardown),
	    cmocka_unit_test_teardown(test_alloc_word_boundaries, teardown),
	    cmocka_unit_test_teardown(test_exhaustion, teardown),
	    cmocka_unit_test_teardown(test_free_refused, teardown),
	    cmocka_unit_test_teardown(test_contig_aligned, teardown),
	    cmocka_unit_test_teardown(test_contig_bad_args, teardown),
	    cmocka_unit_test_teardown(test_contig_at_end, teardown),
	    cmocka_unit_test_teardown(test_random_against_shadow, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
