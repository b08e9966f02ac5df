/* capdev: typed stubs for userspace device authority (schema/capos.capnp):
 * DeviceSlot, Device, DeviceMmio, Interrupt, DMAPool. Each returns the CQE
 * status: CAPOS_E_STALE once the claim a handle belongs to has ended. */
#ifndef CAPOS_USER_CAPDEV_H
#define CAPOS_USER_CAPDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "capos/ring.h"

struct capdev_info {
	uint16_t vendor, device;
	uint32_t class_code;
	uint8_t bus, dev, fn, intx_pin;
	uint16_t msi_count, msix_count;
	uint8_t bar_kind[6];
	uint64_t bar_size[6];
	uint16_t isolation; /* CAPOS_DMA_ISOLATION_* */
	uint64_t epoch;
};

struct capdev_buf {
	uint32_t id, gen;
	uint64_t iova;
	volatile void *va;
	uint64_t len;
};

int32_t devslot_claim(struct capos_ring *r, struct capos_handle slot, struct capos_handle *dev);
int32_t devslot_revoke(struct capos_ring *r, struct capos_handle slot);

int32_t dev_info(struct capos_ring *r, struct capos_handle dev, struct capdev_info *out);
int32_t dev_config_read(struct capos_ring *r, struct capos_handle dev, uint16_t off, uint8_t width,
			uint32_t *v);
/* dev_mmio: Device.mmio, then DeviceMmio.info for the mapped address. */
int32_t dev_mmio(struct capos_ring *r, struct capos_handle dev, uint8_t bar, uint64_t off,
		 uint64_t len, struct capos_handle *win, volatile uint8_t **addr);
int32_t dev_interrupt(struct capos_ring *r, struct capos_handle dev, uint16_t index, uint16_t kind,
		      struct capos_handle *irq);
int32_t dev_dma_pool(struct capos_ring *r, struct capos_handle dev, uint64_t bytes,
		     struct capos_handle *pool);
int32_t dev_set_bus_master(struct capos_ring *r, struct capos_handle dev, bool on);
int32_t dev_reset(struct capos_ring *r, struct capos_handle dev, uint64_t *epoch);

int32_t mmio_info(struct capos_ring *r, struct capos_handle win, uint64_t *addr, uint64_t *len);

int32_t irq_wait(struct capos_ring *r, struct capos_handle irq, uint64_t *count);
int32_t irq_ack(struct capos_ring *r, struct capos_handle irq);
int32_t irq_mask(struct capos_ring *r, struct capos_handle irq, bool masked);
int32_t irq_total(struct capos_ring *r, struct capos_handle irq, uint64_t *total);
/* irq_bind_event: each firing also signals ev (Interrupt.bindEvent). */
int32_t irq_bind_event(struct capos_ring *r, struct capos_handle irq, struct capos_handle ev);

int32_t pool_alloc(struct capos_ring *r, struct capos_handle pool, uint64_t bytes, uint64_t align,
		   struct capdev_buf *out);
int32_t pool_free(struct capos_ring *r, struct capos_handle pool, uint32_t id, uint32_t gen);
int32_t pool_info(struct capos_ring *r, struct capos_handle pool, uint16_t *isolation,
		  uint64_t *bytes, uint64_t *used);

#endif
