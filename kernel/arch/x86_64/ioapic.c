/* ioapic: indirect register access to each I/O APIC, under one lock per chip. */
#include "lib/irq/registry.h"
#include "ioapic.h"
#include "core/spinlock.h"
#include "hw/ioapic.h"
#include "mm/mmio.h"

#include <stddef.h>

struct chip {
	volatile uint32_t *mmio;
	unsigned entries;
	spinlock_t lock;
};

static struct chip chips[IOAPIC_MAX];

static uint32_t reg_read(struct chip *c, uint32_t reg)
{
	c->mmio[IOAPIC_IOREGSEL / 4] = reg;
	return c->mmio[IOAPIC_IOWIN / 4];
}

static void reg_write(struct chip *c, uint32_t reg, uint32_t v)
{
	c->mmio[IOAPIC_IOREGSEL / 4] = reg;
	c->mmio[IOAPIC_IOWIN / 4] = v;
}

bool ioapic_chip_init(unsigned index, uint64_t phys, uint32_t *ver)
{
	if (index >= IOAPIC_MAX)
		return false;
	struct chip *c = &chips[index]; /* index checked above */
	c->mmio = mmio_map(phys, IOAPIC_MMIO_SIZE);
	if (c->mmio == NULL)
		return false;
	*ver = reg_read(c, IOAPIC_REG_VER);
	if (*ver == IOAPIC_ALL_ONES)
		return true;
	c->entries = ((*ver & IOAPIC_VER_MAX_REDIR_MASK) >> IOAPIC_VER_MAX_REDIR_SHIFT) + 1;
	for (unsigned pin = 0; pin < c->entries; pin++) {
		reg_write(c, IOAPIC_REG_REDTBL_LO(pin), (uint32_t)IOAPIC_REDIR_MASKED);
		reg_write(c, IOAPIC_REG_REDTBL_HI(pin), 0);
	}
	return true;
}

/* The chip of an entry, or NULL when index or pin is out of range. */
static struct chip *chip_pin(unsigned index, unsigned pin)
{
	if (index >= IOAPIC_MAX || pin >= chips[index].entries)
		return NULL;
	return &chips[index];
}

unsigned ioapic_entries(unsigned index)
{
	return index < IOAPIC_MAX ? chips[index].entries : 0;
}

void ioapic_write_entry(unsigned index, unsigned pin, uint64_t entry)
{
	struct chip *c = chip_pin(index, pin);
	if (c == NULL)
		return;
	uint64_t irq = spin_lock_class(&c->lock, LOCK_CLASS_IOAPIC);
	reg_write(c, IOAPIC_REG_REDTBL_LO(pin), (uint32_t)IOAPIC_REDIR_MASKED);
	reg_write(c, IOAPIC_REG_REDTBL_HI(pin), (uint32_t)(entry >> 32));
	reg_write(c, IOAPIC_REG_REDTBL_LO(pin), (uint32_t)entry);
	spin_unlock_class(&c->lock, LOCK_CLASS_IOAPIC, irq);
}

uint64_t ioapic_read_entry(unsigned index, unsigned pin)
{
	struct chip *c = chip_pin(index, pin);
	if (c == NULL)
		return IOAPIC_REDIR_MASKED;
	uint64_t irq = spin_lock_class(&c->lock, LOCK_CLASS_IOAPIC);
	uint64_t v = reg_read(c, IOAPIC_REG_REDTBL_LO(pin));
	v |= (uint64_t)reg_read(c, IOAPIC_REG_REDTBL_HI(pin)) << 32;
	spin_unlock_class(&c->lock, LOCK_CLASS_IOAPIC, irq);
	return v;
}

void ioapic_set_masked(unsigned index, unsigned pin, bool masked)
{
	struct chip *c = chip_pin(index, pin);
	if (c == NULL)
		return;
	uint64_t irq = spin_lock_class(&c->lock, LOCK_CLASS_IOAPIC);
	uint32_t lo = reg_read(c, IOAPIC_REG_REDTBL_LO(pin));
	lo = masked ? lo | (uint32_t)IOAPIC_REDIR_MASKED : lo & ~(uint32_t)IOAPIC_REDIR_MASKED;
	reg_write(c, IOAPIC_REG_REDTBL_LO(pin), lo);
	spin_unlock_class(&c->lock, LOCK_CLASS_IOAPIC, irq);
}
