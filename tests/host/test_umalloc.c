/* test_umalloc: libcapos's arena allocator. A random workload is checked
 * against a model (alignment, no overlap, contents kept), then the arena must
 * be whole again; bad frees and overwritten headers are refused, never followed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/umalloc/umalloc.h"

#define ARENA 65536
#define LIVE  64

static _Alignas(16) uint8_t arena[ARENA + 16];

static uint32_t rng = 12345;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_init_bounds(void **state)
{
	(void)state;
	struct umalloc a;
	assert_int_equal(umalloc_init(&a, arena, 31), UMALLOC_E_INVALID);
	assert_int_equal(umalloc_init(&a, NULL, 4096), UMALLOC_E_INVALID);
	/* A misaligned start is aligned up; the usable size shrinks accordingly. */
	assert_int_equal(umalloc_init(&a, arena + 3, 4096), UMALLOC_OK);
	assert_int_equal((uintptr_t)a.base % 16, 0);
	assert_true(a.size <= 4096 - 13 && a.size % 16 == 0);
	assert_int_equal(umalloc_check(&a), UMALLOC_OK);
}

static void test_random_against_model(void **state)
{
	(void)state;
	struct umalloc a;
	struct {
		uint8_t *p;
		size_t n;
		uint8_t fill;
	} live[LIVE] = {0};
	assert_int_equal(umalloc_init(&a, arena, ARENA), UMALLOC_OK);
	for (int step = 0; step < 20000; step++) {
		int i = (int)(next() % LIVE);
		if (live[i].p != NULL) {
			for (size_t k = 0; k < live[i].n; k++)
				assert_int_equal(live[i].p[k], live[i].fill);
			assert_int_equal(umalloc_free(&a, live[i].p), UMALLOC_OK);
			live[i].p = NULL;
			continue;
		}
		size_t n = 1 + next() % (next() % 8 == 0 ? 8000 : 200);
		uint8_t *p = umalloc(&a, n);
		if (p == NULL)
			continue; /* full for now: fine, frees come */
		assert_int_equal((uintptr_t)p % UMALLOC_ALIGN, 0);
		assert_true(p >= a.base && p + n <= a.base + a.size);
		for (int j = 0; j < LIVE; j++)
			if (live[j].p != NULL)
				assert_true(p + n <= live[j].p || live[j].p + live[j].n <= p);
		live[i].p = p;
		live[i].n = n;
		live[i].fill = (uint8_t)next();
		memset(p, live[i].fill, n);
		if (step % 512 == 0)
			assert_int_equal(umalloc_check(&a), UMALLOC_OK);
	}
	for (int i = 0; i < LIVE; i++)
		assert_int_equal(umalloc_free(&a, live[i].p), UMALLOC_OK);
	assert_int_equal(a.in_use, 0);
	assert_int_equal(a.blocks_used, 0);
	assert_int_equal(umalloc_check(&a), UMALLOC_OK);
	/* Everything merges back: the whole arena (less one header) fits again. */
	void *all = umalloc(&a, a.size - 16);
	assert_non_null(all);
	assert_null(umalloc(&a, 1));
	assert_int_equal(umalloc_free(&a, all), UMALLOC_OK);
}

static void test_bad_frees(void **state)
{
	(void)state;
	struct umalloc a;
	assert_int_equal(umalloc_init(&a, arena, 4096), UMALLOC_OK);
	uint8_t *p = umalloc(&a, 100), *q = umalloc(&a, 100);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(umalloc_free(&a, NULL), UMALLOC_OK);
	assert_int_equal(umalloc_free(&a, p + 16), UMALLOC_E_BAD_POINTER); /* inside a block */
	assert_int_equal(umalloc_free(&a, p + 1), UMALLOC_E_BAD_POINTER);
	assert_int_equal(umalloc_free(&a, arena + 8192), UMALLOC_E_BAD_POINTER); /* outside */
	assert_int_equal(umalloc_free(&a, a.base), UMALLOC_E_BAD_POINTER);
	assert_int_equal(umalloc_free(&a, p), UMALLOC_OK);
	assert_int_equal(umalloc_free(&a, p), UMALLOC_E_BAD_POINTER); /* twice */
	assert_int_equal(umalloc_check(&a), UMALLOC_OK);
	assert_int_equal(umalloc_free(&a, q), UMALLOC_OK);
	assert_null(umalloc(&a, 0));
	assert_null(umalloc(&a, SIZE_MAX));
	assert_null(umalloc(&a, 4096));
}

static void test_overwritten_header(void **state)
{
	(void)state;
	struct umalloc a;
	assert_int_equal(umalloc_init(&a, arena, 4096), UMALLOC_OK);
	uint8_t *p = umalloc(&a, 32), *q = umalloc(&a, 32);
	assert_non_null(q);
	/* An overrun of p writes q's header with a huge size: the walk must stop. */
	memset(p, 0xff, 48 + 8);
	assert_int_equal(umalloc_check(&a), UMALLOC_E_CORRUPT);
	assert_null(umalloc(&a, 64));
	assert_int_equal(umalloc_free(&a, q), UMALLOC_E_CORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_bounds),
	    cmocka_unit_test(test_random_against_model),
	    cmocka_unit_test(test_bad_frees),
	    cmocka_unit_test(test_overwritten_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
