/* selftest: the registry of in-kernel tests and the runner. */
#include "selftest.h"
#include "console.h"
#include "lib/cmdline.h"
#include "lib/str.h"

#define FAULT_PREFIX	 "fault:"
#define FAULT_PREFIX_LEN 6

struct selftest_group {
	const struct selftest *tests;
	const size_t *count;
};

static const struct selftest_group groups[] = {
    {selftests_core, &selftests_core_count},   {selftests_mm, &selftests_mm_count},
    {selftests_dev, &selftests_dev_count},     {selftests_irq, &selftests_irq_count},
    {selftests_bench, &selftests_bench_count}, {selftests_nmi, &selftests_nmi_count},
    {selftests_dma, &selftests_dma_count},     {selftests_ir, &selftests_ir_count},
};

static const struct selftest *find(const char *name, size_t len)
{
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < *groups[g].count; i++)
			if (cmdline_word_eq(name, len, groups[g].tests[i].name))
				return &groups[g].tests[i];
	return NULL;
}

static bool is_fault(const char *name, size_t len)
{
	return len >= FAULT_PREFIX_LEN && cmdline_word_eq(name, FAULT_PREFIX_LEN, FAULT_PREFIX);
}

bool selftest_validate(const char *list, size_t len)
{
	const char *cur = list, *item;
	size_t n;
	bool ok = true;

	if (len == 0) {
		kprintf("cmdline: selftest= needs a list of tests\n");
		return false;
	}
	while (cmdline_list_next(&cur, list + len, &item, &n)) {
		if (is_fault(item, n)) {
			if (!selftest_fault_known(item + FAULT_PREFIX_LEN, n - FAULT_PREFIX_LEN)) {
				kprintf("cmdline: selftest: unknown fault kind '%.*s' (known: pf, "
					"gp, ud, de, df)\n",
					(int)(n - FAULT_PREFIX_LEN), item + FAULT_PREFIX_LEN);
				ok = false;
			}
		} else if (n == 0) {
			kprintf("cmdline: selftest: empty test name\n");
			ok = false;
		}
	}
	return ok;
}

unsigned selftest_run(const char *list, size_t len)
{
	const char *cur = list, *item;
	size_t n;
	unsigned failed = 0, run = 0;

	while (cmdline_list_next(&cur, list + len, &item, &n)) {
		if (is_fault(item, n)) {
			kprintf("selftest %.*s: raising\n", (int)n, item);
			selftest_fault(item + FAULT_PREFIX_LEN, n - FAULT_PREFIX_LEN);
			kprintf("selftest %.*s: FAIL no exception\n", (int)n, item);
			failed++;
			continue;
		}
		const struct selftest *t = find(item, n);
		run++;
		if (t == NULL) {
			kprintf("selftest %.*s: FAIL unknown test\n", (int)n, item);
			failed++;
			continue;
		}
		const char *why = t->fn();
		if (why == NULL) {
			kprintf("selftest %s: ok\n", t->name);
		} else if (strncmp(why, SELFTEST_SKIP, sizeof(SELFTEST_SKIP) - 1) == 0) {
			kprintf("selftest %s: skip (%s)\n", t->name,
				why + sizeof(SELFTEST_SKIP) - 1);
		} else {
			kprintf("selftest %s: FAIL %s\n", t->name, why);
			failed++;
		}
	}
	kprintf("selftests: %u run, %u failed\n", run, failed);
	return failed;
}
