/* vdev: the virtio PCI transport for userspace drivers (virtio 1.2 §4.1), over a
 * Device capability: structures found through Device.configRead, mapped through
 * DeviceMmio windows, accessed at their natural width only (§4.1.3.1); queues
 * in a DMAPool, interrupts by MSI-X through Interrupt capabilities. */
#ifndef CAPOS_USER_VDEV_H
#define CAPOS_USER_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "capos/ring.h"
#include "hw/virtio.h"
#include "lib/capdev.h"
#include "lib/virtio/virtio_pci.h"
#include "lib/virtio/virtq.h"

struct vdev {
	struct capos_ring *r;
	struct capos_handle dev, pool;
	struct capdev_info info;
	struct virtio_pci_caps caps;
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *isr, *devcfg, *notify;
	uint64_t features; /* negotiated */
	uint64_t pool_used, pool_bytes;
	volatile uint8_t *pool_va;
	uint64_t pool_iova;
	char why[96]; /* what went wrong, for the caller to print */
};

/* vdev_open: finds the structures, maps them, gets a DMA pool of pool_bytes,
 * resets the device (waits, bounded, for status to read 0: firmware may have
 * left it running) and sets ACKNOWLEDGE and DRIVER. false: v->why says. */
bool vdev_open(struct vdev *v, struct capos_ring *r, struct capos_handle dev, uint64_t pool_bytes);
/* vdev_negotiate: offers VERSION_1 (required), ACCESS_PLATFORM when the device
 * offers it (it must then be accepted: the device sees IOVAs), and what of
 * `want` the device offers; sets FEATURES_OK and reads it back. */
bool vdev_negotiate(struct vdev *v, uint64_t want);
/* vdev_alloc: bytes of the pool (aligned to align, a power of two), its CPU
 * and device addresses; false when the pool is exhausted. */
bool vdev_alloc(struct vdev *v, uint64_t bytes, uint64_t align, volatile void **va, uint64_t *iova);
/* vdev_queue: sets up queue index with at most max_size entries, its MSI-X
 * entry msix (read back; VIRTIO_MSI_NO_VECTOR: none), and enables it. */
bool vdev_queue(struct vdev *v, uint16_t index, uint16_t max_size, uint16_t msix, struct virtq *q,
		volatile uint16_t **notify_addr);
/* vdev_driver_ok: DRIVER_OK; vdev_reset: status 0 and wait for it to read 0
 * (the device then stops all DMA, §2.1.1 / §4.1.4.3.2). */
void vdev_driver_ok(struct vdev *v);
bool vdev_reset(struct vdev *v);
/* vdev_cfg32: 32 bits of the device configuration at off. */
uint32_t vdev_cfg32(struct vdev *v, unsigned off);

#endif
