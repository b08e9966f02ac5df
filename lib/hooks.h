/* hooks: the only way code in lib/ reaches its environment.
 *
 * The kernel implements these in kernel/core/hooks.c; host tests in
 * tests/host/hooks_host.c (which records log lines so tests can assert on them).
 */
#ifndef CAPOS_LIB_HOOKS_H
#define CAPOS_LIB_HOOKS_H

#include <stddef.h>
#include <stdint.h>

/* hook_log: prints one diagnostic line (printf format, no trailing newline needed:
 * the hook ends the line). Used for reports such as "acpi: MCFG bad checksum, ignored". */
void hook_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
