/* lockorder: run-time check of the kernel's lock order. Locks are ranked by
 * class (lib/irq/registry.h): the device manager's lock (LOCK_CLASS_DEVMGR)
 * comes before the interrupt routes' lock (LOCK_CLASS_IRQ_ROUTES). Taking a
 * lower class while holding a higher one is a bug: with CAPOS_DEBUG_LOCKS
 * (make DEBUG=1) it panics, naming both; otherwise it is counted. */
#ifndef CAPOS_CORE_LOCKORDER_H
#define CAPOS_CORE_LOCKORDER_H

#include <stdbool.h>
#include <stdint.h>

/* lockorder_acquire: records that this CPU takes a lock of class; returns false
 * when that breaks the order (and panics in debug builds). Call with interrupts
 * off (inside the lock's irqsave). */
bool lockorder_acquire(uint32_t cls);
/* lockorder_release: records that this CPU dropped it. */
void lockorder_release(uint32_t cls);
/* lockorder_violations: order violations seen (non-debug builds). */
uint64_t lockorder_violations(void);

#endif
