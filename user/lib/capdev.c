/* capdev: device authority stubs. */
#include "capdev.h"
#include "capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"

/* A CALL always carries a message: methods without parameters send an empty
 * one (a null root pointer reads as the default struct). */
static const uint64_t none[1];

int32_t devslot_claim(struct capos_ring *r, struct capos_handle slot, struct capos_handle *dev)
{
	return capos_call_cap(r, slot, CAPOS_DEVICE_SLOT_CLAIM, none, sizeof(none), dev);
}

int32_t devslot_revoke(struct capos_ring *r, struct capos_handle slot)
{
	return capos_call(r, slot, CAPOS_DEVICE_SLOT_REVOKE, none, sizeof(none), 0, 0);
}

int32_t dev_info(struct capos_ring *r, struct capos_handle dev, struct capdev_info *o)
{
	uint64_t res[48];
	struct capnp_struct root, info, e;
	struct capnp_list bars;
	int32_t st = capos_call(r, dev, CAPOS_DEVICE_INFO, none, sizeof(none), res, sizeof(res));
	if (st != CAPOS_OK)
		return st;
	size_t n = sizeof(res);
	if (capnp_get_root(res, n, &root) != CAPNP_OK ||
	    capos_device_info_results_get_info(res, n, &root, &info) != CAPNP_OK ||
	    capos_device_info_get_bars(res, n, &info, &bars) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	capos_device_info_get_vendor(res, n, &info, &o->vendor);
	capos_device_info_get_device(res, n, &info, &o->device);
	capos_device_info_get_class_code(res, n, &info, &o->class_code);
	capos_device_info_get_bus(res, n, &info, &o->bus);
	capos_device_info_get_dev(res, n, &info, &o->dev);
	capos_device_info_get_function(res, n, &info, &o->fn);
	capos_device_info_get_intx_pin(res, n, &info, &o->intx_pin);
	capos_device_info_get_msi_count(res, n, &info, &o->msi_count);
	capos_device_info_get_msix_count(res, n, &info, &o->msix_count);
	capos_device_info_get_isolation(res, n, &info, &o->isolation);
	capos_device_info_get_epoch(res, n, &info, &o->epoch);
	for (uint32_t i = 0; i < 6; i++) {
		uint16_t k = 0;
		o->bar_kind[i] = 0;
		o->bar_size[i] = 0;
		if (i < bars.count && capnp_list_struct(n, &bars, i, &e) == CAPNP_OK) {
			capos_bar_info_get_kind(res, n, &e, &k);
			capos_bar_info_get_size(res, n, &e, &o->bar_size[i]);
			o->bar_kind[i] = (uint8_t)k;
		}
	}
	return CAPOS_OK;
}

int32_t dev_config_read(struct capos_ring *r, struct capos_handle dev, uint16_t off, uint8_t width,
			uint32_t *v)
{
	uint64_t p[2], res[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_device_config_read_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_device_config_read_params_set_offset(&b, &root, off) != CAPNP_OK ||
	    capos_device_config_read_params_set_width(&b, &root, width) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	int32_t st = capos_call(r, dev, CAPOS_DEVICE_CONFIG_READ, p, b.used, res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_device_config_read_results_get_value(res, sizeof(res), &root, v) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t mmio_info(struct capos_ring *r, struct capos_handle win, uint64_t *addr, uint64_t *len)
{
	uint64_t res[6];
	struct capnp_struct root;
	int32_t st =
	    capos_call(r, win, CAPOS_DEVICE_MMIO_INFO, none, sizeof(none), res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_device_mmio_info_results_get_address(res, sizeof(res), &root, addr) !=
		 CAPNP_OK ||
	     capos_device_mmio_info_results_get_length(res, sizeof(res), &root, len) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t dev_mmio(struct capos_ring *r, struct capos_handle dev, uint8_t bar, uint64_t off,
		 uint64_t len, struct capos_handle *win, volatile uint8_t **addr)
{
	uint64_t p[4], a = 0, l = 0;
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_device_mmio_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_device_mmio_params_set_bar(&b, &root, bar) != CAPNP_OK ||
	    capos_device_mmio_params_set_offset(&b, &root, off) != CAPNP_OK ||
	    capos_device_mmio_params_set_length(&b, &root, len) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	int32_t st = capos_call_cap(r, dev, CAPOS_DEVICE_MMIO, p, b.used, win);
	if (st == CAPOS_OK && addr != 0) {
		st = mmio_info(r, *win, &a, &l);
		*addr = (volatile uint8_t *)(uintptr_t)a;
	}
	return st;
}

int32_t dev_interrupt(struct capos_ring *r, struct capos_handle dev, uint16_t index, uint16_t kind,
		      struct capos_handle *irq)
{
	uint64_t p[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_device_interrupt_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_device_interrupt_params_set_index(&b, &root, index) != CAPNP_OK ||
	    capos_device_interrupt_params_set_kind(&b, &root, kind) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call_cap(r, dev, CAPOS_DEVICE_INTERRUPT, p, b.used, irq);
}

int32_t dev_dma_pool(struct capos_ring *r, struct capos_handle dev, uint64_t bytes,
		     struct capos_handle *pool)
{
	uint64_t p[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_device_dma_pool_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_device_dma_pool_params_set_bytes(&b, &root, bytes) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call_cap(r, dev, CAPOS_DEVICE_DMA_POOL, p, b.used, pool);
}

int32_t dev_set_bus_master(struct capos_ring *r, struct capos_handle dev, bool on)
{
	uint64_t p[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_device_set_bus_master_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_device_set_bus_master_params_set_on(&b, &root, on) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call(r, dev, CAPOS_DEVICE_SET_BUS_MASTER, p, b.used, 0, 0);
}

int32_t dev_reset(struct capos_ring *r, struct capos_handle dev, uint64_t *epoch)
{
	uint64_t res[2];
	struct capnp_struct root;
	int32_t st = capos_call(r, dev, CAPOS_DEVICE_RESET, none, sizeof(none), res, sizeof(res));
	if (st == CAPOS_OK && epoch != 0 &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_device_reset_results_get_epoch(res, sizeof(res), &root, epoch) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t irq_wait(struct capos_ring *r, struct capos_handle irq, uint64_t *count)
{
	uint64_t res[2];
	struct capnp_struct root;
	int32_t st = capos_call(r, irq, CAPOS_INTERRUPT_WAIT, none, sizeof(none), res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_interrupt_wait_results_get_count(res, sizeof(res), &root, count) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t irq_ack(struct capos_ring *r, struct capos_handle irq)
{
	return capos_call(r, irq, CAPOS_INTERRUPT_ACK, none, sizeof(none), 0, 0);
}

int32_t irq_mask(struct capos_ring *r, struct capos_handle irq, bool masked)
{
	return capos_call(r, irq, masked ? CAPOS_INTERRUPT_MASK : CAPOS_INTERRUPT_UNMASK, none,
			  sizeof(none), 0, 0);
}

int32_t irq_total(struct capos_ring *r, struct capos_handle irq, uint64_t *total)
{
	uint64_t res[4];
	struct capnp_struct root;
	int32_t st = capos_call(r, irq, CAPOS_INTERRUPT_INFO, none, sizeof(none), res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_interrupt_info_results_get_count(res, sizeof(res), &root, total) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t pool_alloc(struct capos_ring *r, struct capos_handle pool, uint64_t bytes, uint64_t align,
		   struct capdev_buf *out)
{
	uint64_t p[3], res[8], va = 0;
	struct capnp_builder b;
	struct capnp_struct root, buf;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_dmapool_alloc_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_dmapool_alloc_params_set_bytes(&b, &root, bytes) != CAPNP_OK ||
	    capos_dmapool_alloc_params_set_align(&b, &root, align) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	int32_t st = capos_call(r, pool, CAPOS_DMAPOOL_ALLOC, p, b.used, res, sizeof(res));
	if (st != CAPOS_OK)
		return st;
	size_t n = sizeof(res);
	if (capnp_get_root(res, n, &root) != CAPNP_OK ||
	    capos_dmapool_alloc_results_get_buffer(res, n, &root, &buf) != CAPNP_OK ||
	    capos_dma_buffer_get_id(res, n, &buf, &out->id) != CAPNP_OK ||
	    capos_dma_buffer_get_generation(res, n, &buf, &out->gen) != CAPNP_OK ||
	    capos_dma_buffer_get_iova(res, n, &buf, &out->iova) != CAPNP_OK ||
	    capos_dma_buffer_get_address(res, n, &buf, &va) != CAPNP_OK ||
	    capos_dma_buffer_get_length(res, n, &buf, &out->len) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	out->va = (volatile void *)(uintptr_t)va;
	return CAPOS_OK;
}

int32_t pool_free(struct capos_ring *r, struct capos_handle pool, uint32_t id, uint32_t gen)
{
	uint64_t p[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_dmapool_free_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_dmapool_free_params_set_id(&b, &root, id) != CAPNP_OK ||
	    capos_dmapool_free_params_set_generation(&b, &root, gen) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call(r, pool, CAPOS_DMAPOOL_FREE, p, b.used, 0, 0);
}

int32_t pool_info(struct capos_ring *r, struct capos_handle pool, uint16_t *isolation,
		  uint64_t *bytes, uint64_t *used)
{
	uint64_t res[8];
	struct capnp_struct root;
	int32_t st = capos_call(r, pool, CAPOS_DMAPOOL_INFO, none, sizeof(none), res, sizeof(res));
	size_t n = sizeof(res);
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, n, &root) != CAPNP_OK ||
	     capos_dmapool_info_results_get_isolation(res, n, &root, isolation) != CAPNP_OK ||
	     capos_dmapool_info_results_get_bytes(res, n, &root, bytes) != CAPNP_OK ||
	     capos_dmapool_info_results_get_used(res, n, &root, used) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t irq_bind_event(struct capos_ring *r, struct capos_handle irq, struct capos_handle ev)
{
	uint64_t p[2];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capos_cqe c;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_interrupt_bind_event_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_interrupt_bind_event_params_set_event(&b, &root, 0) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call_caps(r, irq, CAPOS_INTERRUPT_BIND_EVENT, p, b.used, 0, 0, &ev, 1, false,
			       &c);
}
