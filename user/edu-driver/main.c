/* edu-driver: a userspace driver for QEMU's edu device (QEMU docs/specs/edu.rst)
 * holding nothing but its Device (slot 0), an Endpoint to serve (slot 1) and a
 * Console (slot 2). It maps BAR0 through a DeviceMmio, takes edu's MSI as an
 * Interrupt, and moves data through a DMAPool: factorials are computed by edu
 * and signalled by its interrupt, DMA goes RAM -> edu -> RAM at IOVAs of the
 * pool, each completion waited for with Interrupt.wait. */
#include "edu-driver/edu_proto.h"
#include "capos/gen/capos_schema.h"
#include "hw/edu.h"
#include "lib/capdev.h"
#include "lib/capos.h"

#define EDU_FACT     0x08
#define EDU_STATUS   0x20
#define EDU_ST_BUSY  0x01u
#define EDU_ST_IRQ   0x80u /* raise interrupt 0x1 when the factorial is done */
#define EDU_IRQ_FACT 0x001u
#define EDU_IRQ_DMA  0x100u
#define POOL_BYTES   8192u

int main(struct capos_ring *ring);

static struct capos_ring *R;
static struct capos_handle dev = {0, 1}, ep = {1, 1}, con = {2, 1}, win, irq, pool;
static volatile uint8_t *regs;
static struct capdev_buf in, out;

static uint32_t rd32(unsigned off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void wr32(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static void wr64(unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(regs + off) = v;
}

/* Waits for edu's interrupt `bit` through the Interrupt capability, then acks
 * it at the device. */
static int wait_irq(uint32_t bit)
{
	uint64_t n;
	for (int tries = 0; tries < 8; tries++) {
		if ((rd32(EDU_IRQ_STATUS) & bit) != 0) {
			wr32(EDU_IRQ_ACK, bit);
			return 0;
		}
		if (irq_wait(R, irq, &n) != CAPOS_OK)
			return -1;
	}
	return -1;
}

static int32_t factorial(uint32_t n, uint32_t *res)
{
	wr32(EDU_STATUS, EDU_ST_IRQ);
	wr32(EDU_FACT, n);
	if (wait_irq(EDU_IRQ_FACT) != 0 || (rd32(EDU_STATUS) & EDU_ST_BUSY))
		return CAPOS_E_INVOKE;
	*res = rd32(EDU_FACT);
	return CAPOS_OK;
}

/* One edu transfer with its completion interrupt. */
static int dma(uint64_t src, uint64_t dst, uint32_t len, int to_ram)
{
	wr64(EDU_DMA_SRC, src);
	wr64(EDU_DMA_DST, dst);
	wr64(EDU_DMA_COUNT, len);
	wr64(EDU_DMA_CMD, EDU_DMA_CMD_START | EDU_DMA_CMD_IRQ | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
	return wait_irq(EDU_IRQ_DMA);
}

static int32_t roundtrip(const uint8_t *data, uint32_t len, uint8_t *res)
{
	volatile uint8_t *a = in.va, *b = out.va;
	if (len == 0 || len > EDU_XFER_MAX)
		return CAPOS_E_BAD_PARAMS;
	for (uint32_t i = 0; i < len; i++) {
		a[i] = data[i];
		b[i] = (uint8_t)~data[i];
	}
	if (dma(in.iova, EDU_DMA_BUF, len, 0) != 0 || dma(EDU_DMA_BUF, out.iova, len, 1) != 0)
		return CAPOS_E_INVOKE;
	for (uint32_t i = 0; i < len; i++)
		res[i] = b[i];
	return CAPOS_OK;
}

static int setup(void)
{
	struct capdev_info info;
	uint16_t iso;
	uint64_t bytes, used;
	if (dev_info(R, dev, &info) != CAPOS_OK || info.vendor != EDU_VENDOR ||
	    info.device != EDU_DEVICE)
		return 1;
	if (dev_mmio(R, dev, 0, 0, 4096, &win, &regs) != CAPOS_OK || rd32(EDU_ID) != EDU_ID_VALUE)
		return 2;
	wr32(EDU_LIVENESS, 0x12345678);
	if (rd32(EDU_LIVENESS) != ~0x12345678u)
		return 3;
	wr32(EDU_IRQ_ACK, 0xffffffffu); /* whatever an earlier owner left raised */
	if (dev_interrupt(R, dev, 0, 0, &irq) != CAPOS_OK)
		return 4;
	if (dev_dma_pool(R, dev, POOL_BYTES, &pool) != CAPOS_OK ||
	    pool_alloc(R, pool, EDU_XFER_MAX, 4096, &in) != CAPOS_OK ||
	    pool_alloc(R, pool, EDU_XFER_MAX, 4096, &out) != CAPOS_OK ||
	    pool_info(R, pool, &iso, &bytes, &used) != CAPOS_OK)
		return 5;
	if (dev_set_bus_master(R, dev, true) != CAPOS_OK)
		return 6;
	console_printf(R, con,
		       "edu-driver: %02x:%02x.%u epoch %llu: BAR0 at %p, MSI, pool %llu bytes (%s) "
		       "at iova 0x%llx\n",
		       info.bus, info.dev, info.fn, (unsigned long long)info.epoch, (void *)regs,
		       (unsigned long long)bytes,
		       iso == CAPOS_DMA_ISOLATION_IOMMU ? "iommu" : "UNCONFINED",
		       (unsigned long long)in.iova);
	return 0;
}

int main(struct capos_ring *ring)
{
	static uint64_t buf[EDU_XFER_MAX / 8 + 1], res[EDU_XFER_MAX / 8 + 1];
	R = ring;
	int err = setup();
	if (err != 0) {
		console_printf(ring, con, "edu-driver: setup failed (%d)\n", err);
		return 10 + err;
	}
	unsigned served = 0;
	for (;;) {
		struct capos_cqe c;
		uint32_t v = 0, len = 0;
		int32_t st;
		if (capos_recv(ring, ep, buf, sizeof(buf), 0, 0, &c) != CAPOS_OK)
			return 30;
		switch (c.method) {
		case EDU_FACTORIAL:
			st = c.result_len >= 4 ? factorial((uint32_t)buf[0], &v)
					       : CAPOS_E_BAD_PARAMS;
			res[0] = v;
			len = st == CAPOS_OK ? 4 : 0;
			break;
		case EDU_DMA:
			st = roundtrip((const uint8_t *)buf, c.result_len, (uint8_t *)res);
			len = st == CAPOS_OK ? c.result_len : 0;
			break;
		case EDU_QUIT:
			capos_return(ring, c.aux, 0, 0, 0, false);
			console_printf(ring, con, "edu-driver: served %u calls, releasing edu\n",
				       served);
			capos_release(ring, dev);
			return 0;
		default:
			len = 0;
			break;
		}
		capos_return(ring, c.aux, res, len, 0, false);
		served++;
	}
}
