/* nvme_poke: just enough of an NVMe controller to make it raise interrupts on
 * demand (admin Identify commands completing on the admin completion queue,
 * which always uses MSI-X entry 0). Used by `selftest=irq` to prove MSI-X
 * delivery and masking; not a storage driver (those live in userspace). */
#ifndef CAPOS_DEV_NVME_POKE_H
#define CAPOS_DEV_NVME_POKE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pci/pci_fn.h"

struct nvme_poke {
	const struct pci_fn *fn;
	volatile uint8_t *regs;
	uint64_t regs_len;
	uint64_t sq_phys, cq_phys, buf_phys;
	uint32_t dstrd; /* doorbell stride in bytes */
	uint16_t sq_tail, cq_head, cid;
	uint8_t phase;
};

/* nvme_poke_start: maps BAR0, resets and enables the controller with an 8-entry
 * admin queue pair, bus mastering on. false (with why) on any timeout or error. */
bool nvme_poke_start(struct nvme_poke *n, const struct pci_fn *fn, const char **why);

/* nvme_poke_submit: queues one Identify Controller command. */
void nvme_poke_submit(struct nvme_poke *n);

/* nvme_poke_reap: consumes completions that arrived; returns how many. */
unsigned nvme_poke_reap(struct nvme_poke *n);

/* nvme_poke_stop: disables the controller, bus mastering off, frees memory. */
void nvme_poke_stop(struct nvme_poke *n);

#endif
