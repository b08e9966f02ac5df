/* stop: clean stops (isa-debug-exit or halt) and panic. */
#include "stop.h"
#include "console.h"
#include "arch/x86_64/cpu.h"

#define DEBUG_EXIT_PORT 0xf4

static bool stop_poweroff;

void stop_set_poweroff(bool on)
{
	stop_poweroff = on;
}

void kernel_stop(enum stop_code code)
{
	cpu_cli();
	kprintf("capos: stopped code=%d\n", (int)code);
	if (stop_poweroff)
		outl(DEBUG_EXIT_PORT, (uint32_t)code);
	/* Still here: no isa-debug-exit device, or poweroff was not asked for. */
	kprintf("capos: halted\n");
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	cpu_cli();
	console_emergency();
	kprintf("panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	kernel_stop(STOP_PANIC);
}
