/* console: serialised formatted output to the COM1 UART. */
#include "lib/irq/registry.h"
#include "console.h"
#include "spinlock.h"
#include "arch/x86_64/uart.h"
#include "lib/fmt.h"

static spinlock_t console_lock = SPINLOCK_INIT;

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

void console_init(void)
{
	uart_init();
}

void kvprintf(const char *fmt, va_list ap)
{
	uint64_t flags = spin_lock_class(&console_lock, LOCK_CLASS_CONSOLE);
	fmt_vformat(console_sink, 0, fmt, ap);
	spin_unlock_class(&console_lock, LOCK_CLASS_CONSOLE, flags);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void console_emergency(void)
{
	__atomic_store_n(&console_lock.locked, 0, __ATOMIC_RELEASE);
}
