/* stop: the ways the kernel ends a run. */
#ifndef CAPOS_CORE_STOP_H
#define CAPOS_CORE_STOP_H

#include <stdbool.h>

/* Exit values written to QEMU's isa-debug-exit port (QEMU exits with 2*value+1). */
enum stop_code {
	STOP_OK = 0,		/* boot work and every selftest passed */
	STOP_SELFTEST_FAIL = 1, /* a selftest failed */
	STOP_BAD_BOOT = 2,	/* bad boot input (memory map, magic, command line) */
	STOP_PANIC = 3,		/* panic or fatal exception */
};

/* stop_set_poweroff: whether kernel_stop should exit QEMU (the `poweroff` key). */
void stop_set_poweroff(bool on);

/* kernel_stop: prints the stop reason, exits through isa-debug-exit (port 0xf4)
 * when poweroff was asked for, and otherwise (or where no such device exists)
 * halts with interrupts off. Never returns. */
__attribute__((noreturn)) void kernel_stop(enum stop_code code);

/* panic: prints "panic: <message>" and stops with STOP_PANIC. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
