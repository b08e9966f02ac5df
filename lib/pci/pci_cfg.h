/* pci_cfg: how lib/pci reaches configuration space, and the counters of that traffic.
 *
 * The environment injects the access method: the kernel provides ECAM (one window per
 * MCFG segment and bus range, 4096 bytes per function) or the legacy 0xCF8/0xCFC ports
 * (256 bytes per function); host tests provide a fake bus. Only aligned 32-bit accesses
 * are used, which both methods support; narrower reads are derived here. There is no
 * narrower write on purpose: the 16-bit status register next to the command register
 * is write-one-to-clear (PCI 3.0 §6.2.3), so the only sub-word write lib/pci needs
 * (the command register) is built explicitly with zeros in the status half.
 */
#ifndef CAPOS_LIB_PCI_CFG_H
#define CAPOS_LIB_PCI_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one error enum of the PCI layer. */
enum pci_status {
	PCI_OK = 0,
	PCI_ERR_ARG,	   /* bad arguments: no ops, config size not 256/4096, bad root */
	PCI_ERR_TRUNCATED, /* the result table filled up; the rest was counted, not kept */
};

/* pci_status_str: a short name for s ("ok", "bad argument", ...). */
const char *pci_status_str(enum pci_status s);

/* Configuration accessors. `off` is 4-byte aligned and below the config size; a read of
 * a function that does not exist (or of a bus the access method cannot reach) must
 * return 0xFFFFFFFF, as the hardware does on a master abort (PCI 3.0 §6.1). Neither may
 * fail otherwise. */
struct pci_cfg_ops {
	uint32_t (*read32)(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			   uint16_t off);
	void (*write32)(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off,
			uint32_t val);
};

/* An access method: ops, their context and the per-function config size it reaches
 * (PCI_CFG_SIZE for legacy access, PCI_CFG_SIZE_EXP for ECAM). */
struct pci_cfg {
	const struct pci_cfg_ops *ops;
	void *ctx;
	uint16_t size;
};

/* Counters of one enumeration, printed by the `pci-stats` diagnostic. */
struct pci_stats {
	uint32_t functions; /* functions found (kept or not) */
	uint32_t buses;	    /* buses scanned */
	uint32_t cfg_reads;
	uint32_t cfg_writes;
	uint32_t overflow; /* functions found after the table was full */
	uint32_t problems; /* hostile or inconsistent findings, each reported by hook_log */
};

/* Configuration space of one function, with the counters of the walk using it. `gone`
 * latches once the function has been seen to vanish (see pci_fn_read). */
struct pci_fn_cfg {
	const struct pci_cfg *cfg;
	struct pci_stats *stats;
	uint16_t seg;
	uint8_t bus, dev, fn;
	bool gone;
};

/* pci_fn_read_raw: one counted 32-bit read at `off` (rounded down to 4 bytes). An offset
 * at or above the config size reads as all-ones without reaching the hardware. */
uint32_t pci_fn_read_raw(struct pci_fn_cfg *f, uint16_t off);

/* pci_fn_read: pci_fn_read_raw, for registers that cannot read as all-ones on a live
 * function. When the value is 0xFFFFFFFF the vendor ID is read again (one more access);
 * if it is now 0xFFFF the function has vanished (surprise removal, or a device that
 * stops answering): f->gone is set and the finding is reported once. */
uint32_t pci_fn_read(struct pci_fn_cfg *f, uint16_t off);

/* pci_fn_write: one counted 32-bit write; dropped when off is beyond the config size or
 * the function is gone. */
void pci_fn_write(struct pci_fn_cfg *f, uint16_t off, uint32_t val);

/* pci_fn_write_command: writes the 16-bit command register with zeros in the status
 * half, so no RW1C status bit is cleared (PCI 3.0 §6.2.3). */
void pci_fn_write_command(struct pci_fn_cfg *f, uint16_t cmd);

/* pci_fn_read16 / pci_fn_read8: narrower reads derived from one counted 32-bit read. */
uint16_t pci_fn_read16(struct pci_fn_cfg *f, uint16_t off);
uint8_t pci_fn_read8(struct pci_fn_cfg *f, uint16_t off);

/* pci_fn_report: reports a finding about this function with hook_log, prefixed
 * "pci: SSSS:BB:DD.F ", and counts it in stats->problems. */
void pci_fn_report(struct pci_fn_cfg *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
