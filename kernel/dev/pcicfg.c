/* pcicfg: ECAM and legacy port configuration access. */
#include "pcicfg.h"
#include "arch/x86_64/cpu.h"
#include "core/spinlock.h"
#include "hw/pci.h"
#include "mm/mmio.h"

#define ECAM_BUS_SIZE (1u << 20)
#define LEGACY_ADDR   0xcf8
#define LEGACY_DATA   0xcfc
#define LEGACY_ENABLE 0x80000000u

static struct pcicfg_window windows[PCICFG_MAX_WINDOWS];
static size_t nwindows;
/* The mapped 1 MiB slice of each window's buses, NULL until first touched. */
static volatile uint8_t *bus_map[PCICFG_MAX_WINDOWS][256];
static size_t mapped_buses;
static spinlock_t legacy_lock = SPINLOCK_INIT;
static spinlock_t ecam_lock = SPINLOCK_INIT;

bool pcicfg_add_ecam(const struct pcicfg_window *w)
{
	if (nwindows >= PCICFG_MAX_WINDOWS || w->bus_start > w->bus_end ||
	    (w->base & (ECAM_BUS_SIZE - 1)) != 0 ||
	    w->base + ((uint64_t)w->bus_end + 1) * ECAM_BUS_SIZE < w->base)
		return false;
	windows[nwindows++] = *w;
	return true;
}

const struct pcicfg_window *pcicfg_windows(size_t *count)
{
	*count = nwindows;
	return windows;
}

size_t pcicfg_mapped_buses(void)
{
	return mapped_buses;
}

/* The config space of one function through ECAM, or NULL when no window covers
 * the bus or the mapping fails. */
static volatile uint8_t *ecam_fn(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (size_t i = 0; i < nwindows; i++) {
		const struct pcicfg_window *w = &windows[i];
		if (w->seg != seg || bus < w->bus_start || bus > w->bus_end)
			continue;
		volatile uint8_t *b = __atomic_load_n(&bus_map[i][bus], __ATOMIC_ACQUIRE);
		if (b == NULL) {
			uint64_t irq = spin_lock_irqsave(&ecam_lock);
			b = bus_map[i][bus];
			if (b == NULL) {
				b = mmio_map(w->base + (uint64_t)bus * ECAM_BUS_SIZE,
					     ECAM_BUS_SIZE);
				if (b != NULL) {
					__atomic_store_n(&bus_map[i][bus], b, __ATOMIC_RELEASE);
					mapped_buses++;
				}
			}
			spin_unlock_irqrestore(&ecam_lock, irq);
			if (b == NULL)
				return NULL;
		}
		return b + ((uint32_t)dev << 15 | (uint32_t)fn << 12);
	}
	return NULL;
}

static uint32_t ecam_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			    uint16_t off)
{
	(void)ctx;
	volatile uint8_t *f = ecam_fn(seg, bus, dev & 31, fn & 7);
	if (f == NULL || off >= PCI_CFG_SIZE_EXP)
		return 0xffffffffu;
	return *(volatile uint32_t *)(f + (off & ~3u));
}

static void ecam_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			 uint16_t off, uint32_t val)
{
	(void)ctx;
	volatile uint8_t *f = ecam_fn(seg, bus, dev & 31, fn & 7);
	if (f != NULL && off < PCI_CFG_SIZE_EXP)
		*(volatile uint32_t *)(f + (off & ~3u)) = val;
}

static uint32_t legacy_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return LEGACY_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
	       (uint32_t)(fn & 7) << 8 | (off & 0xfc);
}

static uint32_t legacy_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			      uint16_t off)
{
	(void)ctx;
	if (seg != 0 || off >= PCI_CFG_SIZE)
		return 0xffffffffu;
	uint64_t irq = spin_lock_irqsave(&legacy_lock);
	outl(LEGACY_ADDR, legacy_addr(bus, dev, fn, off));
	uint32_t v = inl(LEGACY_DATA);
	spin_unlock_irqrestore(&legacy_lock, irq);
	return v;
}

static void legacy_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			   uint16_t off, uint32_t val)
{
	(void)ctx;
	if (seg != 0 || off >= PCI_CFG_SIZE)
		return;
	uint64_t irq = spin_lock_irqsave(&legacy_lock);
	outl(LEGACY_ADDR, legacy_addr(bus, dev, fn, off));
	outl(LEGACY_DATA, val);
	spin_unlock_irqrestore(&legacy_lock, irq);
}

bool pcicfg_legacy_probe(void)
{
	uint64_t irq = spin_lock_irqsave(&legacy_lock);
	uint32_t saved = inl(LEGACY_ADDR);
	outl(LEGACY_ADDR, LEGACY_ENABLE);
	bool present = inl(LEGACY_ADDR) == LEGACY_ENABLE;
	outl(LEGACY_ADDR, saved);
	spin_unlock_irqrestore(&legacy_lock, irq);
	return present;
}

static const struct pci_cfg_ops ecam_ops = {ecam_read32, ecam_write32};
static const struct pci_cfg_ops legacy_ops = {legacy_read32, legacy_write32};
static const struct pci_cfg ecam_cfg = {&ecam_ops, NULL, PCI_CFG_SIZE_EXP};
static const struct pci_cfg legacy_cfg = {&legacy_ops, NULL, PCI_CFG_SIZE};

const struct pci_cfg *pcicfg_ecam(void)
{
	return &ecam_cfg;
}

const struct pci_cfg *pcicfg_legacy(void)
{
	return &legacy_cfg;
}
