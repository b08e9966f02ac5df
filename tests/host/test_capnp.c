/* test_capnp: capos/capnp_msg.h list decoding of hostile pointers. Every refusal
 * leaves the result empty, as a null pointer does, so that a caller never holds a
 * list (say, billions of zero-sized elements) the reader refused. The first message
 * is what fuzz_capnp found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capos/capnp_msg.h"

/* Root: struct at word 1 with no data and one pointer, the list pointer. */
#define ROOT_ONE_PTR 0x0001000000000000ull

/* A list pointer at word 1 to word 2: element size es, count (or words) n. */
static uint64_t list_ptr(uint32_t es, uint32_t n)
{
	return ((uint64_t)(es | n << 3) << 32) | CAPNP_PTR_LIST;
}

static void assert_list_empty(const struct capnp_list *l)
{
	assert_int_equal(l->off, 0);
	assert_int_equal(l->count, 0);
	assert_int_equal(l->elem_size, 0);
	assert_int_equal(l->data_words, 0);
	assert_int_equal(l->ptr_count, 0);
}

/* Reads pointer 0 of the root of msg (len bytes) as a list, expecting status want and an
 * empty result. */
static void expect_refused(const uint8_t *msg, size_t len, int want)
{
	struct capnp_struct root;
	struct capnp_list l;
	assert_int_equal(capnp_get_root(msg, len, &root), CAPNP_OK);
	assert_int_equal(capnp_get_list(msg, len, &root, 0, &l), want);
	assert_list_empty(&l);
}

static void test_fuzz_void_list(void **state)
{
	(void)state;
	/* A void list of 499712 elements in 36 bytes. */
	static const uint8_t msg[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
				      0x18, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
				      0x00, 0x00, 0x00, 0x00, 0x3d, 0x00, 0x00, 0x09, 0x09,
				      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x0a};
	expect_refused(msg, sizeof(msg), CAPNP_E_BOUNDS);
}

static void test_refusals_are_empty(void **state)
{
	(void)state;
	uint8_t msg[32];
	memset(msg, 0, sizeof(msg));
	capnp_store64(msg, ROOT_ONE_PTR);

	/* Zero-sized elements beyond the message length. */
	capnp_store64(msg + 8, list_ptr(CAPNP_ELEM_VOID, 1000));
	expect_refused(msg, 16, CAPNP_E_BOUNDS);

	/* A composite list whose tag is not a struct pointer. */
	capnp_store64(msg + 8, list_ptr(CAPNP_ELEM_COMPOSITE, 1));
	capnp_store64(msg + 16, (1ull << 32) | (1u << 2) | CAPNP_PTR_LIST);
	expect_refused(msg, 32, CAPNP_E_KIND);

	/* Two one-word elements claimed in one word. */
	capnp_store64(msg + 16, (1ull << 32) | (2u << 2) | CAPNP_PTR_STRUCT);
	expect_refused(msg, 32, CAPNP_E_BOUNDS);

	/* Zero-sized composite elements beyond the message length. */
	capnp_store64(msg + 8, list_ptr(CAPNP_ELEM_COMPOSITE, 0));
	capnp_store64(msg + 16, (100u << 2) | CAPNP_PTR_STRUCT);
	expect_refused(msg, 24, CAPNP_E_BOUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz_void_list),
	    cmocka_unit_test(test_refusals_are_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
