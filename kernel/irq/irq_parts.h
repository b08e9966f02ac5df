/* irq_parts: the part runner behind `selftest=irq`. */
#ifndef CAPOS_IRQ_PARTS_H
#define CAPOS_IRQ_PARTS_H

#include <stddef.h>

struct irq_part {
	const char *name;
	const char *(*fn)(void); /* NULL ok, SELFTEST_SKIP "why", or a failure */
};

/* Device parts (irq_selftest_dev.c). */
extern const struct irq_part irq_parts_dev[];
extern const size_t irq_parts_dev_count;

/* irq_run_parts: runs each part, printing `selftest irq.<part>: ok`, `skip (why)`
 * or `FAIL why`; returns NULL when none failed, else a summary reason. */
const char *irq_run_parts(const struct irq_part *parts, size_t n);

/* irq_why: formats a failure reason into buf. */
void irq_why(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
