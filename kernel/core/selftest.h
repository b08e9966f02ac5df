/* selftest: in-kernel tests named on the command line (`selftest=a,b`). */
#ifndef CAPOS_CORE_SELFTEST_H
#define CAPOS_CORE_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>

/* A test returns NULL when it passed, or a short reason when it failed; a
 * reason starting with SELFTEST_SKIP ("skip:") means the machine lacks what the
 * test needs, printed as `selftest NAME: skip (<why>)` and not a failure. */
#define SELFTEST_SKIP "skip:"
typedef const char *(*selftest_fn)(void);

struct selftest {
	const char *name;
	selftest_fn fn;
};

/* selftest_validate: checks every name in the list [list, list+len) is a known
 * test or fault:<kind>; prints what is wrong and returns false otherwise. */
bool selftest_validate(const char *list, size_t len);

/* selftest_run: runs the list in order, printing `selftest NAME: ok` or
 * `selftest NAME: FAIL <reason>`; returns the number that failed. */
unsigned selftest_run(const char *list, size_t len);

/* The tests of each subsystem (defined next to it). */
extern const struct selftest selftests_mm[];
extern const size_t selftests_mm_count;
extern const struct selftest selftests_core[];
extern const size_t selftests_core_count;
extern const struct selftest selftests_dev[];
extern const size_t selftests_dev_count;
extern const struct selftest selftests_irq[];
extern const size_t selftests_irq_count;
extern const struct selftest selftests_ir[];
extern const size_t selftests_ir_count;
extern const struct selftest selftests_dma[];
extern const size_t selftests_dma_count;
extern const struct selftest selftests_nmi[];
extern const size_t selftests_nmi_count;
extern const struct selftest selftests_bench[];
extern const size_t selftests_bench_count;

/* selftest_fault: raises the named exception on purpose (pf, gp, ud, de, df);
 * returns only when kind is unknown. */
void selftest_fault(const char *kind, size_t len);
bool selftest_fault_known(const char *kind, size_t len);

#endif
