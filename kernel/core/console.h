/* console: kernel output on COM1 (the boot log, panics, diagnostics). */
#ifndef CAPOS_CORE_CONSOLE_H
#define CAPOS_CORE_CONSOLE_H

#include <stdarg.h>

/* console_init: brings up COM1; output before this is dropped. */
void console_init(void);
/* kprintf: formatted output (lib/fmt.h conversions); '\n' becomes CR LF. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
/* console_emergency: makes the console usable from a fault handler even when a
 * CPU died holding its lock. */
void console_emergency(void);

#endif
