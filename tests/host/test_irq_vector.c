/* test_irq_vector: the per-CPU device vector pools: lowest-first allocation inside
 * 0x30..0xEF only, exhaustion, refused frees (double, outside the pool, unknown CPU),
 * least-loaded placement across CPUs, and a random run against a shadow copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/irq/vector.h"

static struct irq_vector_pool pool;

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(IRQ_VECTOR_POOL_SIZE, 192);
	assert_false(irq_vector_is_device(0x2f));
	assert_true(irq_vector_is_device(0x30));
	assert_true(irq_vector_is_device(0xef));
	assert_false(irq_vector_is_device(0xf0));
	assert_false(irq_vector_is_device(IRQ_VECTOR_SPURIOUS));
}

static void test_init(void **state)
{
	uint8_t v = 0;
	uint32_t cpu = 0;
	(void)state;

	assert_int_equal(irq_vector_init(&pool, 0), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_alloc(&pool, 0, &v), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_alloc_on_any(&pool, &cpu, &v), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_init(&pool, IRQ_VECTOR_MAX_CPUS + 1), IRQ_ERR_INVALID);
	assert_int_equal(pool.ncpu, 0);
	assert_int_equal(irq_vector_init(&pool, IRQ_VECTOR_MAX_CPUS), IRQ_OK);
	assert_int_equal(irq_vector_free_count(&pool, 63), 192);
	assert_int_equal(irq_vector_free_count(&pool, 64), 0);
	assert_int_equal(irq_vector_alloc(&pool, 64, &v), IRQ_ERR_INVALID);
}

static void test_exhaustion(void **state)
{
	uint8_t v;
	(void)state;

	assert_int_equal(irq_vector_init(&pool, 2), IRQ_OK);
	for (uint32_t want = 0x30; want <= 0xef; want++) {
		assert_int_equal(irq_vector_alloc(&pool, 1, &v), IRQ_OK);
		assert_int_equal(v, want);
		assert_true(irq_vector_in_use(&pool, 1, v));
		assert_false(irq_vector_in_use(&pool, 0, v));
	}
	assert_int_equal(irq_vector_free_count(&pool, 1), 0);
	v = 0x77;
	assert_int_equal(irq_vector_alloc(&pool, 1, &v), IRQ_ERR_NOSPACE);
	assert_int_equal(v, 0x77);
	/* The other CPU is untouched. */
	assert_int_equal(irq_vector_alloc(&pool, 0, &v), IRQ_OK);
	assert_int_equal(v, 0x30);

	/* A freed vector is the lowest free one again. */
	assert_int_equal(irq_vector_free(&pool, 1, 0x95), IRQ_OK);
	assert_int_equal(irq_vector_free(&pool, 1, 0x41), IRQ_OK);
	assert_int_equal(irq_vector_alloc(&pool, 1, &v), IRQ_OK);
	assert_int_equal(v, 0x41);
	assert_int_equal(irq_vector_alloc(&pool, 1, &v), IRQ_OK);
	assert_int_equal(v, 0x95);
	assert_int_equal(irq_vector_alloc(&pool, 1, &v), IRQ_ERR_NOSPACE);
}

static void test_free_refused(void **state)
{
	uint8_t v;
	(void)state;

	assert_int_equal(irq_vector_init(&pool, 1), IRQ_OK);
	assert_int_equal(irq_vector_alloc(&pool, 0, &v), IRQ_OK);
	struct irq_vector_pool before = pool;

	assert_int_equal(irq_vector_free(&pool, 0, 0x31), IRQ_ERR_STATE); /* never handed out */
	assert_int_equal(irq_vector_free(&pool, 0, 0x2f), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_free(&pool, 0, 0x20), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_free(&pool, 0, 0x0e), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_free(&pool, 0, 0xf0), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_free(&pool, 0, 0xff), IRQ_ERR_INVALID);
	assert_int_equal(irq_vector_free(&pool, 1, 0x30), IRQ_ERR_INVALID); /* no CPU 1 */
	assert_memory_equal(&before, &pool, sizeof(pool));

	assert_int_equal(irq_vector_free(&pool, 0, 0x30), IRQ_OK);
	before = pool;
	assert_int_equal(irq_vector_free(&pool, 0, 0x30), IRQ_ERR_STATE); /* double free */
	assert_memory_equal(&before, &pool, sizeof(pool));
	assert_int_equal(irq_vector_free_count(&pool, 0), 192);
	assert_false(irq_vector_in_use(&pool, 0, 0x30));
	assert_false(irq_vector_in_use(&pool, 0, 0xff));
}

static void test_alloc_on_any(void **state)
{
	uint8_t v;
	uint32_t cpu;
	(void)state;

	assert_int_equal(irq_vector_init(&pool, 4), IRQ_OK);
	/* Least loaded, lowest index on a tie: round robin from an empty pool. */
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(irq_vector_alloc_on_any(&pool, &cpu, &v), IRQ_OK);
		assert_int_equal(cpu, i % 4);
		assert_int_equal(v, 0x30 + i / 4);
	}
	/* CPU 2 gives two back: it is the least loaded now. */
	assert_int_equal(irq_vector_free(&pool, 2, 0x30), IRQ_OK);
	assert_int_equal(irq_vector_free(&pool, 2, 0x31), IRQ_OK);
	assert_int_equal(irq_vector_alloc_on_any(&pool, &cpu, &v), IRQ_OK);
	assert_int_equal(cpu, 2);
	assert_int_equal(v, 0x30);
	assert_int_equal(irq_vector_alloc_on_any(&pool, &cpu, &v), IRQ_OK);
	assert_int_equal(cpu, 2);
	assert_int_equal(v, 0x31);

	/* Fill everything: 4 * 192 vectors in all, then exhaustion. */
	for (uint32_t n = 8; n < 4 * IRQ_VECTOR_POOL_SIZE; n++)
		assert_int_equal(irq_vector_alloc_on_any(&pool, &cpu, &v), IRQ_OK);
	cpu = 77;
	assert_int_equal(irq_vector_alloc_on_any(&pool, &cpu, &v), IRQ_ERR_NOSPACE);
	assert_int_equal(cpu, 77);
	for (uint32_t c = 0; c < 4; c++)
		assert_int_equal(irq_vector_free_count(&pool, c), 0);
}

/* Random alloc/free on 3 CPUs against a shadow bitmap. */
static void test_random(void **state)
{
	bool shadow[3][256] = {{false}};
	uint32_t seed = 12345;
	(void)state;

	assert_int_equal(irq_vector_init(&pool, 3), IRQ_OK);
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t cpu = (seed >> 8) % 3;
		uint8_t v = (uint8_t)(seed >> 16);
		if ((seed >> 30) & 1) {
			enum irq_status want = !irq_vector_is_device(v) ? IRQ_ERR_INVALID
					       : shadow[cpu][v]		? IRQ_OK
									: IRQ_ERR_STATE;
			assert_int_equal(irq_vector_free(&pool, cpu, v), want);
			if (want == IRQ_OK)
				shadow[cpu][v] = false;
		} else {
			uint32_t lowest = 0;
			for (uint32_t x = 0x30; x <= 0xef && lowest == 0; x++)
				if (!shadow[cpu][x])
					lowest = x;
			enum irq_status s = irq_vector_alloc(&pool, cpu, &v);
			assert_int_equal(s, lowest ? IRQ_OK : IRQ_ERR_NOSPACE);
			if (s == IRQ_OK) {
				assert_int_equal(v, lowest);
				shadow[cpu][v] = true;
			}
		}
	}
	for (uint32_t c = 0; c < 3; c++) {
		uint32_t used = 0;
		for (uint32_t x = 0; x < 256; x++) {
			assert_int_equal(irq_vector_in_use(&pool, c, (uint8_t)x), shadow[c][x]);
			used += shadow[c][x];
		}
		assert_int_equal(irq_vector_free_count(&pool, c), 192 - used);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),	 cmocka_unit_test(test_init),
	    cmocka_unit_test(test_exhaustion),	 cmocka_unit_test(test_free_refused),
	    cmocka_unit_test(test_alloc_on_any), cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
