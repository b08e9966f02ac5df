/* irq_parts: run and report the parts of the interrupt selftest. */
#include "irq_parts.h"
#include "core/console.h"
#include "core/selftest.h"
#include "lib/fmt.h"
#include "lib/str.h"

#include <stdarg.h>

const char *irq_run_parts(const struct irq_part *parts, size_t n)
{
	static char why[64];
	unsigned failed = 0;
	for (size_t i = 0; i < n; i++) {
		const char *r = parts[i].fn();
		if (r == NULL)
			kprintf("selftest irq.%s: ok\n", parts[i].name);
		else if (strncmp(r, SELFTEST_SKIP, sizeof(SELFTEST_SKIP) - 1) == 0)
			kprintf("selftest irq.%s: skip (%s)\n", parts[i].name,
				r + sizeof(SELFTEST_SKIP) - 1);
		else {
			kprintf("selftest irq.%s: FAIL %s\n", parts[i].name, r);
			failed++;
		}
	}
	if (failed == 0)
		return NULL;
	fmt_snprintf(why, sizeof(why), "%u part(s) failed", failed);
	return why;
}

void irq_why(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}
