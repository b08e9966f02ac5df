/* hooks: the kernel side of lib/hooks.h. */
#include "lib/hooks.h"
#include "console.h"

#include <stdarg.h>

void hook_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}
