/* test_token: RETURN-token generations retire instead of wrapping
 * (lib/ring ring_token_gen_after). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/ring/ring.h"

static void test_ordinary_generations_stay(void **state)
{
	(void)state;
	assert_int_equal(ring_token_gen_after(0), 0);
	assert_int_equal(ring_token_gen_after(1), 1);
	assert_int_equal(ring_token_gen_after(0x7fffffff), 0x7fffffff);
	assert_int_equal(ring_token_gen_after(UINT32_MAX - 2), UINT32_MAX - 2);
}

/* The last generation a call may have is UINT32_MAX - 1: after it, the slot
 * retires, and a retired slot stays retired. */
static void test_last_generation_retires(void **state)
{
	(void)state;
	assert_int_equal(ring_token_gen_after(UINT32_MAX - 1), RING_TOKEN_RETIRED);
	assert_int_equal(ring_token_gen_after(RING_TOKEN_RETIRED), RING_TOKEN_RETIRED);
}

/* Walking a slot through every generation (as the kernel does: +1 per call,
 * then gen_after) never yields a generation seen before. */
static void test_no_generation_comes_back(void **state)
{
	(void)state;
	uint32_t gen = UINT32_MAX - 5, prev = gen;
	int calls = 0;
	while (gen != RING_TOKEN_RETIRED) {
		gen++; /* a call received */
		assert_true(gen > prev);
		assert_int_not_equal(gen, RING_TOKEN_RETIRED);
		prev = gen;
		gen = ring_token_gen_after(gen); /* returned */
		calls++;
	}
	assert_int_equal(calls, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ordinary_generations_stay),
	    cmocka_unit_test(test_last_generation_retires),
	    cmocka_unit_test(test_no_generation_comes_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
