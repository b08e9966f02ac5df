/* test_cmdline: word iteration, key lookup and comma lists over the kernel command line.
 * Command lines live in heap blocks of exactly strlen+1 bytes, so ASan sees any read
 * past the terminator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cmdline.h"

static char *dup_exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	assert_non_null(d);
	memcpy(d, s, n);
	return d;
}

/* Splits s with cmdline_next and requires exactly the words in want (NULL-ended). */
static void expect_words(const char *s, const char *const *want)
{
	char *line = dup_exact(s);
	const char *cur = line, *w = NULL;
	size_t len = 0, i = 0;

	while (cmdline_next(&cur, &w, &len)) {
		assert_non_null(want[i]);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(w, want[i], len);
		assert_true(w >= line && w + len <= line + strlen(line));
		assert_ptr_equal(cur, w + len);
		i++;
	}
	assert_null(want[i]);
	/* At the end the cursor rests on the terminator and stays there. */
	assert_int_equal(*cur, '\0');
	assert_false(cmdline_next(&cur, &w, &len));
	assert_int_equal(*cur, '\0');
	free(line);
}

static void test_next_words(void **state)
{
	(void)state;
	static const char *const none[] = {NULL};
	static const char *const one[] = {"poweroff", NULL};
	static const char *const three[] = {"a", "b=c", "ddd", NULL};
	static const char *const mixed[] = {"x=1", "y", "z=", NULL};

	expect_words("", none);
	expect_words(" ", none);
	expect_words(" \t \t\n\r ", none);
	expect_words("poweroff", one);
	expect_words("   poweroff   ", one);
	expect_words("\tpoweroff\t", one);
	expect_words("a b=c ddd", three);
	expect_words("a   b=c\t\tddd", three);
	expect_words("  a \t b=c \r\n ddd \t", three);
	expect_words("x=1\ty\n z=", mixed);
}

/* Looks key up in s; returns what cmdline_find returned and the value as a string
 * ("<bare>" for a word without '='). */
static bool find(const char *s, const char *key, char *val, size_t vsize)
{
	char *line = dup_exact(s);
	const char *v = (const char *)1;
	size_t vlen = 12345;
	bool found = cmdline_find(line, key, &v, &vlen);

	if (!found) {
		/* Not found: the outputs are left as they were. */
		assert_ptr_equal(v, (const char *)1);
		assert_int_equal(vlen, 12345);
		val[0] = '\0';
	} else if (v == NULL) {
		assert_int_equal(vlen, 0);
		snprintf(val, vsize, "<bare>");
	} else {
		assert_true(v >= line && v + vlen <= line + strlen(line));
		assert_true(vlen < vsize);
		memcpy(val, v, vlen);
		val[vlen] = '\0';
	}
	free(line);
	return found;
}

static void test_find_bare_and_value(void **state)
{
	(void)state;
	char v[64];

	assert_true(find("quiet poweroff", "poweroff", v, sizeof(v)));
	assert_string_equal(v, "<bare>");
	assert_true(find("quiet poweroff", "quiet", v, sizeof(v)));
	assert_string_equal(v, "<bare>");
	assert_true(find("console=ttyS0 debug", "console", v, sizeof(v)));
	assert_string_equal(v, "ttyS0");
	assert_true(find("a=b=c", "a", v, sizeof(v)));
	assert_string_equal(v, "b=c"); /* the value is everything after the first '=' */
	assert_true(find("\tx=1\t", "x", v, sizeof(v)));
	assert_string_equal(v, "1");
	assert_false(find("", "poweroff", v, sizeof(v)));
	assert_false(find("   ", "poweroff", v, sizeof(v)));
	assert_false(find("console=ttyS0", "ttyS0", v, sizeof(v)));
	assert_false(find("console=ttyS0", "console=ttyS0", v, sizeof(v)));
}

/* `selftest=` is present with an empty value: a non-NULL pointer and length 0, which
 * tells it apart from a bare `selftest`. */
static void test_find_empty_value(void **state)
{
	(void)state;
	char *line = dup_exact("selftest= quiet");
	const char *v = NULL;
	size_t vlen = 99;

	assert_true(cmdline_find(line, "selftest", &v, &vlen));
	assert_ptr_equal(v, line + strlen("selftest="));
	assert_int_equal(vlen, 0);
	free(line);

	char got[8];
	assert_true(find("selftest=", "selftest", got, sizeof(got)));
	assert_string_equal(got, "");
	assert_true(find("selftest", "selftest", got, sizeof(got)));
	assert_string_equal(got, "<bare>");
}

static void test_find_prefix_keys(void **state)
{
	(void)state;
	char v[32];

	assert_false(find("poweroff", "pow", v, sizeof(v)));
	assert_false(find("poweroff=1", "pow", v, sizeof(v)));
	assert_false(find("pow", "poweroff", v, sizeof(v)));
	assert_false(find("pow=1", "poweroff", v, sizeof(v)));
	assert_true(find("poweroff pow=2", "pow", v, sizeof(v)));
	assert_string_equal(v, "2");
	assert_true(find("pow=2 poweroff", "poweroff", v, sizeof(v)));
	assert_string_equal(v, "<bare>");
	assert_false(find("xpoweroff", "poweroff", v, sizeof(v)));
	assert_false(find("poweroffx", "poweroff", v, sizeof(v)));
}

static void test_find_last_wins(void **state)
{
	(void)state;
	char v[32];

	assert_true(find("a=1 a=2 a=3", "a", v, sizeof(v)));
	assert_string_equal(v, "3");
	assert_true(find("a=1 a", "a", v, sizeof(v)));
	assert_string_equal(v, "<bare>");
	assert_true(find("a a=1", "a", v, sizeof(v)));
	assert_string_equal(v, "1");
	assert_true(find("a=1 a= b=7", "a", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_true(find("a=1 b=2 c=3 a=4 b=5", "b", v, sizeof(v)));
	assert_string_equal(v, "5");
}

static void test_find_null_outputs(void **state)
{
	(void)state;
	char *line = dup_exact("x=1 y");
	const char *v = NULL;
	size_t vlen = 0;

	assert_true(cmdline_find(line, "x", NULL, NULL));
	assert_true(cmdline_find(line, "y", NULL, NULL));
	assert_false(cmdline_find(line, "z", NULL, NULL));
	assert_true(cmdline_find(line, "x", &v, NULL));
	assert_ptr_equal(v, line + 2);
	assert_true(cmdline_find(line, "x", NULL, &vlen));
	assert_int_equal(vlen, 1);
	free(line);
}

/* Iterates the list [s, s+strlen(s)) and requires exactly the items in want. */
static void expect_items(const char *s, const char *const *want)
{
	char *buf = dup_exact(s);
	const char *end = buf + strlen(buf);
	const char *cur = buf, *item = NULL;
	size_t len = 0, i = 0;

	while (cmdline_list_next(&cur, end, &item, &len)) {
		assert_non_null(want[i]);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(item, want[i], len);
		assert_true(item >= buf && item + len <= end);
		i++;
		assert_true(i < 64);
	}
	assert_null(want[i]);
	/* Done stays done. */
	assert_false(cmdline_list_next(&cur, end, &item, &len));
	free(buf);
}

static void test_list(void **state)
{
	(void)state;
	static const char *const single[] = {"pci", NULL};
	static const char *const three[] = {"pci", "acpi", "mem", NULL};
	static const char *const empties[] = {"a", "", "b", NULL};
	static const char *const trailing[] = {"a", "b", "", NULL};
	static const char *const leading[] = {"", "a", NULL};
	static const char *const only_commas[] = {"", "", "", NULL};
	static const char *const empty[] = {"", NULL};

	expect_items("pci", single);
	expect_items("pci,acpi,mem", three);
	expect_items("a,,b", empties);
	expect_items("a,b,", trailing);
	expect_items(",a", leading);
	expect_items(",,", only_commas);
	/* An empty value is one empty item. */
	expect_items("", empty);
}

/* The list stops at end, not at a comma or terminator beyond it. */
static void test_list_bounded_by_end(void **state)
{
	(void)state;
	const char *s = "ab,cd,ef";
	const char *cur = s, *item;
	size_t len;

	assert_true(cmdline_list_next(&cur, s + 4, &item, &len));
	assert_int_equal(len, 2);
	assert_memory_equal(item, "ab", 2);
	assert_true(cmdline_list_next(&cur, s + 4, &item, &len));
	assert_int_equal(len, 1);
	assert_memory_equal(item, "c", 1);
	assert_false(cmdline_list_next(&cur, s + 4, &item, &len));
}

/* The value of a bare flag is NULL: iterating it yields nothing. */
static void test_list_null_cursor(void **state)
{
	(void)state;
	const char *cur = NULL, *item = NULL;
	size_t len = 0;

	assert_false(cmdline_list_next(&cur, NULL, &item, &len));
}

/* A value found by cmdline_find, iterated as a list. */
static void test_list_from_find(void **state)
{
	(void)state;
	char *line = dup_exact("quiet drivers=virtio-net,,nvme, poweroff");
	const char *v, *item;
	size_t vlen, len, n = 0;
	static const char *const want[] = {"virtio-net", "", "nvme", ""};

	assert_true(cmdline_find(line, "drivers", &v, &vlen));
	const char *cur = v;
	while (cmdline_list_next(&cur, v + vlen, &item, &len)) {
		assert_true(n < 4);
		assert_true(cmdline_word_eq(item, len, want[n]));
		n++;
	}
	assert_int_equal(n, 4);
	free(line);
}

static void test_word_eq(void **state)
{
	(void)state;
	const char *w = "poweroff=1";

	assert_true(cmdline_word_eq(w, 8, "poweroff"));
	assert_false(cmdline_word_eq(w, 8, "power"));
	assert_false(cmdline_word_eq(w, 3, "poweroff"));
	assert_true(cmdline_word_eq(w, 3, "pow"));
	assert_false(cmdline_word_eq(w, 8, "poweroffx"));
	assert_false(cmdline_word_eq(w, 8, "Poweroff"));
	assert_true(cmdline_word_eq(w, 10, "poweroff=1"));
	assert_true(cmdline_word_eq(w, 0, ""));
	assert_false(cmdline_word_eq(w, 0, "p"));
	assert_false(cmdline_word_eq(w, 1, ""));
	/* The counted word need not be terminated: a 3-byte heap block. */
	char *t = malloc(3);
	assert_non_null(t);
	memcpy(t, "abc", 3);
	assert_true(cmdline_word_eq(t, 3, "abc"));
	assert_false(cmdline_word_eq(t, 3, "abcd"));
	assert_false(cmdline_word_eq(t, 3, "ab"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_next_words),
	    cmocka_unit_test(test_find_bare_and_value),
	    cmocka_unit_test(test_find_empty_value),
	    cmocka_unit_test(test_find_prefix_keys),
	    cmocka_unit_test(test_find_last_wins),
	    cmocka_unit_test(test_find_null_outputs),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_list_bounded_by_end),
	    cmocka_unit_test(test_list_null_cursor),
	    cmocka_unit_test(test_list_from_find),
	    cmocka_unit_test(test_word_eq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
