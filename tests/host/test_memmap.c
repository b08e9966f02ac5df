/* test_memmap: normalisation of the boot memory map (sort, merge, drop empty entries,
 * refuse ambiguous overlaps and wrap-around) and the usable-bytes total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/memmap.h"

#define U MEM_USABLE
#define R MEM_RESERVED
#define A MEM_ACPI_RECLAIM
#define N MEM_ACPI_NVS
#define B MEM_BAD

/* Normalises a heap copy of in[0..n) (exact size, so ASan sees any access past it) and
 * requires success and exactly want[0..nwant). */
static void expect_ok(const struct memmap_entry *in, size_t n, const struct memmap_entry *want,
		      size_t nwant)
{
	struct memmap_entry *e = malloc((n ? n : 1) * sizeof(*e));
	char err[128] = "untouched";
	size_t cnt = n;

	assert_non_null(e);
	memcpy(e, in, n * sizeof(*e));
	assert_true(memmap_normalize(e, &cnt, err, sizeof(err)));
	assert_int_equal(cnt, nwant);
	for (size_t i = 0; i < nwant; i++) {
		assert_int_equal(e[i].base, want[i].base);
		assert_int_equal(e[i].len, want[i].len);
		assert_int_equal(e[i].type, want[i].type);
	}
	free(e);
}

/* Normalises a copy of in[0..n), requires failure, and returns the reason in err. */
static void expect_fail(const struct memmap_entry *in, size_t n, char *err, size_t errlen)
{
	struct memmap_entry *e = malloc(n * sizeof(*e));
	assert_non_null(e);
	memcpy(e, in, n * sizeof(*e));
	err[0] = '\0';
	assert_false(memmap_normalize(e, &n, err, errlen));
	assert_true(strlen(err) > 0);
	free(e);
}

static void test_empty(void **state)
{
	(void)state;
	struct memmap_entry e[1] = {{0, 0, U}};
	size_t n = 0;
	char err[16];

	assert_true(memmap_normalize(e, &n, err, sizeof(err)));
	assert_int_equal(n, 0);
	assert_int_equal(memmap_usable_bytes(e, 0), 0);
}

static void test_sorted_already(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {{0x0, 0x9fc00, U},
					  {0x9fc00, 0x400, R},
					  {0xf0000, 0x10000, R},
					  {0x100000, 0x7ee0000, U}};
	expect_ok(in, 4, in, 4);
}

static void test_sort(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {{0x100000, 0x100000, U},
					  {0xfec00000, 0x1000, R},
					  {0x0, 0x9f000, U},
					  {0xe0000, 0x20000, R}};
	const struct memmap_entry want[] = {{0x0, 0x9f000, U},
					    {0xe0000, 0x20000, R},
					    {0x100000, 0x100000, U},
					    {0xfec00000, 0x1000, R}};
	expect_ok(in, 4, want, 4);
}

static void test_sort_reverse_many(void **state)
{
	(void)state;
	struct memmap_entry in[MEMMAP_MAX], want[MEMMAP_MAX];

	/* Disjoint, alternating types so nothing merges: 0x1000 apart with a gap. */
	for (size_t i = 0; i < MEMMAP_MAX; i++) {
		size_t k = MEMMAP_MAX - 1 - i;
		in[i] = (struct memmap_entry){k * 0x2000, 0x1000, (k % 2) ? R : U};
		want[k] = in[i];
	}
	expect_ok(in, MEMMAP_MAX, want, MEMMAP_MAX);
}

static void test_merge_adjacent(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {
	    {0x2000, 0x1000, U}, {0x0, 0x1000, U}, {0x1000, 0x1000, U}, {0x3000, 0x1000, R}};
	const struct memmap_entry want[] = {{0x0, 0x3000, U}, {0x3000, 0x1000, R}};
	expect_ok(in, 4, want, 2);
}

static void test_merge_overlapping_same_type(void **state)
{
	(void)state;
	/* Partial overlap, containment, and an identical duplicate. */
	const struct memmap_entry in[] = {{0x1000, 0x3000, U},	{0x2000, 0x4000, U},
					  {0x2800, 0x100, U},	{0x1000, 0x3000, U},
					  {0x10000, 0x1000, R}, {0x10800, 0x1000, R}};
	const struct memmap_entry want[] = {{0x1000, 0x5000, U}, {0x10000, 0x1800, R}};
	expect_ok(in, 6, want, 2);
}

/* A contained same-type entry does not shrink the one containing it. */
static void test_merge_contained(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {{0x0, 0x10000, A}, {0x1000, 0x1000, A}};
	const struct memmap_entry want[] = {{0x0, 0x10000, A}};
	expect_ok(in, 2, want, 1);
}

/* Different types that touch but do not overlap stay separate. */
static void test_touching_different_types(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {
	    {0x1000, 0x1000, R}, {0x0, 0x1000, U}, {0x2000, 0x1000, A}, {0x3000, 0x1000, N}};
	const struct memmap_entry want[] = {
	    {0x0, 0x1000, U}, {0x1000, 0x1000, R}, {0x2000, 0x1000, A}, {0x3000, 0x1000, N}};
	expect_ok(in, 4, want, 4);
}

static void test_drop_zero_length(void **state)
{
	(void)state;
	/* A zero-length entry inside a region of another type is not an overlap. */
	const struct memmap_entry in[] = {{0x5000, 0, R},	{0x0, 0x10000, U},  {0x0, 0, B},
					  {0x20000, 0x1000, R}, {UINT64_MAX, 0, R}, {0x8000, 0, A}};
	const struct memmap_entry want[] = {{0x0, 0x10000, U}, {0x20000, 0x1000, R}};
	expect_ok(in, 6, want, 2);

	const struct memmap_entry all_empty[] = {{0x0, 0, U}, {0x1000, 0, R}};
	expect_ok(all_empty, 2, NULL, 0);
}

/* The last byte of the address space can be described; the map merely may not wrap. */
static void test_top_of_address_space(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {{UINT64_MAX - 0x1fff, 0x1000, R}, {0x0, 0x1000, U}};
	const struct memmap_entry want[] = {{0x0, 0x1000, U}, {UINT64_MAX - 0x1fff, 0x1000, R}};
	expect_ok(in, 2, want, 2);
}

static void test_overlap_different_types(void **state)
{
	(void)state;
	char err[256];

	const struct memmap_entry a[] = {{0x100000, 0x100000, U}, {0x180000, 0x1000, R}};
	expect_fail(a, 2, err, sizeof(err));
	assert_string_equal(err, "memory map regions overlap: [0x100000-0x200000) usable and "
				 "[0x180000-0x181000) reserved");

	/* The order in the input does not matter: the message follows address order. */
	const struct memmap_entry b[] = {{0x180000, 0x1000, R}, {0x100000, 0x100000, U}};
	expect_fail(b, 2, err, sizeof(err));
	assert_string_equal(err, "memory map regions overlap: [0x100000-0x200000) usable and "
				 "[0x180000-0x181000) reserved");

	/* Same base. */
	const struct memmap_entry c[] = {{0x0, 0x1000, A}, {0x0, 0x2000, N}};
	expect_fail(c, 2, err, sizeof(err));
	assert_non_null(strstr(err, "overlap"));
	assert_non_null(strstr(err, "acpi"));
	assert_non_null(strstr(err, "acpi-nvs"));

	/* By one byte. */
	const struct memmap_entry d[] = {{0x0, 0x1001, U}, {0x1000, 0x1000, B}};
	expect_fail(d, 2, err, sizeof(err));
	assert_string_equal(err, "memory map regions overlap: [0x0-0x1001) usable and "
				 "[0x1000-0x2000) bad");
}

/* An entry of another type overlapping a region grown by merging is still caught, even
 * when it does not overlap the last entry merged in. */
static void test_overlap_after_merge(void **state)
{
	(void)state;
	char err[256];
	const struct memmap_entry in[] = {
	    {0x0, 0x10000, U}, {0x1000, 0x1000, U}, {0x8000, 0x1000, R}};

	expect_fail(in, 3, err, sizeof(err));
	assert_string_equal(err, "memory map regions overlap: [0x0-0x10000) usable and "
				 "[0x8000-0x9000) reserved");
}

/* An unknown type is named "unknown" in the message. */
static void test_overlap_unknown_type(void **state)
{
	(void)state;
	char err[256];
	const struct memmap_entry in[] = {{0x0, 0x2000, 99}, {0x1000, 0x2000, U}};

	expect_fail(in, 2, err, sizeof(err));
	assert_string_equal(err, "memory map regions overlap: [0x0-0x2000) unknown and "
				 "[0x1000-0x3000) usable");
}

static void test_wrap(void **state)
{
	(void)state;
	char err[256];

	const struct memmap_entry a[] = {{0x0, 0x1000, U}, {UINT64_MAX - 0xfff, 0x2000, R}};
	expect_fail(a, 2, err, sizeof(err));
	assert_string_equal(err, "memory map region 0xfffffffffffff000+0x2000 wraps");

	const struct memmap_entry b[] = {{0x1000, UINT64_MAX, U}};
	expect_fail(b, 1, err, sizeof(err));
	assert_string_equal(err, "memory map region 0x1000+0xffffffffffffffff wraps");
}

/* A short error buffer gets a terminated prefix; no byte past errlen is written. */
static void test_error_truncated(void **state)
{
	(void)state;
	const struct memmap_entry in[] = {{0x0, 0x2000, U}, {0x1000, 0x2000, R}};
	char *err = malloc(10);

	assert_non_null(err);
	expect_fail(in, 2, err, 10);
	assert_string_equal(err, "memory ma");
	free(err);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(memmap_type_name(MEM_USABLE), "usable");
	assert_string_equal(memmap_type_name(MEM_RESERVED), "reserved");
	assert_string_equal(memmap_type_name(MEM_ACPI_RECLAIM), "acpi");
	assert_string_equal(memmap_type_name(MEM_ACPI_NVS), "acpi-nvs");
	assert_string_equal(memmap_type_name(MEM_BAD), "bad");
	assert_string_equal(memmap_type_name(0), "unknown");
	assert_string_equal(memmap_type_name(6), "unknown");
	assert_string_equal(memmap_type_name(UINT32_MAX), "unknown");
}

static void test_usable_bytes(void **state)
{
	(void)state;
	const struct memmap_entry e[] = {{0x0, 0x9fc00, U},	   {0x9fc00, 0x400, R},
					 {0x100000, 0x7ee0000, U}, {0x7fe0000, 0x20000, A},
					 {0xfffc0000, 0x40000, R}, {0x100000000, 0x80000000, U},
					 {0x180000000, 0x1000, B}};

	assert_int_equal(memmap_usable_bytes(e, 7), 0x9fc00 + 0x7ee0000 + 0x80000000ull);
	assert_int_equal(memmap_usable_bytes(e, 2), 0x9fc00);
	assert_int_equal(memmap_usable_bytes(e + 1, 1), 0);
	assert_int_equal(memmap_usable_bytes(e, 0), 0);
}

/* After normalising, the map is sorted, non-empty per entry, disjoint, and same-type
 * neighbours do not touch; usable bytes equal the union of the usable input. */
static void test_random_invariants(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int iter = 0; iter < 2000; iter++) {
		struct memmap_entry e[32];
		size_t n = 1 + (size_t)(iter % 32);
		/* A page bitmap of 256 pages: which type covers each page (0 none). */
		uint32_t page[256] = {0};
		bool conflict = false;

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint64_t first = x % 256, cnt = (x >> 8) % 16;
			uint32_t type = (x >> 16) % 4 == 0 ? R : U;
			if (first + cnt > 256)
				cnt = 256 - first;
			e[i] = (struct memmap_entry){first * 0x1000, cnt * 0x1000, type};
			for (uint64_t p = first; p < first + cnt; p++) {
				if (page[p] != 0 && page[p] != type)
					conflict = true;
				page[p] = type;
			}
		}
		char err[160];
		size_t m = n;
		bool ok = memmap_normalize(e, &m, err, sizeof(err));
		assert_int_equal(ok, !conflict);
		if (!ok) {
			assert_non_null(strstr(err, "overlap"));
			continue;
		}
		uint64_t usable = 0;
		for (size_t p = 0; p < 256; p++)
			usable += page[p] == U ? 0x1000 : 0;
		assert_int_equal(memmap_usable_bytes(e, m), usable);
		for (size_t i = 0; i < m; i++) {
			assert_true(e[i].len > 0);
			for (uint64_t p = e[i].base / 0x1000; p < (e[i].base + e[i].len) / 0x1000;
			     p++)
				assert_int_equal(page[p], e[i].type);
			if (i == 0)
				continue;
			uint64_t prev_end = e[i - 1].base + e[i - 1].len;
			assert_true(e[i].base >= prev_end);
			if (e[i].base == prev_end)
				assert_int_not_equal(e[i].type, e[i - 1].type);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_sorted_already),
	    cmocka_unit_test(test_sort),
	    cmocka_unit_test(test_sort_reverse_many),
	    cmocka_unit_test(test_merge_adjacent),
	    cmocka_unit_test(test_merge_overlapping_same_type),
	    cmocka_unit_test(test_merge_contained),
	    cmocka_unit_test(test_touching_different_types),
	    cmocka_unit_test(test_drop_zero_length),
	    cmocka_unit_test(test_top_of_address_space),
	    cmocka_unit_test(test_overlap_different_types),
	    cmocka_unit_test(test_overlap_after_merge),
	    cmocka_unit_test(test_overlap_unknown_type),
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_error_truncated),
	    cmocka_unit_test(test_type_names),
	    cmocka_unit_test(test_usable_bytes),
	    cmocka_unit_test(test_random_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
