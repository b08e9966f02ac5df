/* spinlock: a test-and-test-and-set lock that also disables interrupts. */
#ifndef CAPOS_CORE_SPINLOCK_H
#define CAPOS_CORE_SPINLOCK_H

#include <stdint.h>

typedef struct {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0                                                                                  \
	}

/* spin_lock_irqsave: takes the lock with interrupts off; returns the old RFLAGS. */
static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0)
			__asm__ volatile("pause");
	}
	return flags;
}

/* spin_unlock_irqrestore: releases the lock and restores the interrupt flag. */
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	if (flags & (1u << 9))
		__asm__ volatile("sti" : : : "memory");
}

/* spin_lock_class / spin_unlock_class: the same, for a lock of a class in the
 * kernel's lock table (lib/irq/registry.h), checked by lockorder. */
#include "core/lockorder.h"
static inline uint64_t spin_lock_class(spinlock_t *l, uint32_t cls)
{
	uint64_t flags = spin_lock_irqsave(l);
	lockorder_acquire(cls);
	return flags;
}

static inline void spin_unlock_class(spinlock_t *l, uint32_t cls, uint64_t flags)
{
	lockorder_release(cls);
	spin_unlock_irqrestore(l, flags);
}

#endif
