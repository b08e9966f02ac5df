/* nvme_poke: admin queue bring-up and Identify submissions (NVMe 2.0 §3.5.1
 * controller initialisation). */
#include "nvme_poke.h"
#include "pci.h"
#include "arch/x86_64/clock.h"
#include "hw/nvme.h"
#include "hw/pci.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/layout.h"

#define QUEUE_ENTRIES 8
#define READY_WAIT_US 2000000

static uint32_t rd32(struct nvme_poke *n, enum nvme_reg r)
{
	return *(volatile uint32_t *)(n->regs + r);
}

static void wr32(struct nvme_poke *n, enum nvme_reg r, uint32_t v)
{
	*(volatile uint32_t *)(n->regs + r) = v;
}

static void wr64(struct nvme_poke *n, enum nvme_reg r, uint64_t v)
{
	wr32(n, r, (uint32_t)v);
	wr32(n, (enum nvme_reg)(r + 4), (uint32_t)(v >> 32));
}

static bool wait_ready(struct nvme_poke *n, bool want)
{
	for (uint64_t t = 0; t < READY_WAIT_US; t += 10) {
		uint32_t csts = rd32(n, NVME_CSTS);
		if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS))
			return false;
		if (((csts & NVME_CSTS_RDY) != 0) == want)
			return true;
		clock_delay_us(10);
	}
	return false;
}

static volatile uint32_t *doorbell(struct nvme_poke *n, unsigned idx)
{
	return (volatile uint32_t *)(n->regs + NVME_DOORBELL + idx * n->dstrd);
}

bool nvme_poke_start(struct nvme_poke *n, const struct pci_fn *fn, const char **why)
{
	const struct pci_bar *b = pci_fn_bar_by_index(fn, 0);
	void *va;
	memset(n, 0, sizeof(*n));
	n->fn = fn;
	if (b == NULL || b->size < 0x2000) {
		*why = "NVMe BAR0 missing or too small";
		return false;
	}
	n->regs_len = 0x2000;
	if (pci_bar_map(fn, 0, 0, n->regs_len, &va) != PCI_MAP_OK) {
		*why = "cannot map NVMe BAR0";
		return false;
	}
	n->regs = va;
	uint64_t cap = rd32(n, NVME_CAP) | (uint64_t)rd32(n, (enum nvme_reg)(NVME_CAP + 4)) << 32;
	n->dstrd = 4u << ((cap >> NVME_CAP_DSTRD_SHIFT) & NVME_CAP_DSTRD_MASK);
	if (2 * n->dstrd + NVME_DOORBELL > n->regs_len) {
		*why = "NVMe doorbell stride beyond the mapping";
		goto unmap;
	}
	if (!frame_alloc(&n->sq_phys) || !frame_alloc(&n->cq_phys) || !frame_alloc(&n->buf_phys)) {
		*why = "no memory for NVMe queues";
		goto unmap;
	}
	uint16_t cmd = pci_cfg_read16(fn, PCI_COMMAND);
	pci_cfg_write16(fn, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr32(n, NVME_CC, 0);
	if (!wait_ready(n, false)) {
		*why = "NVMe did not reset";
		goto unmap;
	}
	wr32(n, NVME_AQA, (QUEUE_ENTRIES - 1) << 16 | (QUEUE_ENTRIES - 1));
	wr64(n, NVME_ASQ, n->sq_phys);
	wr64(n, NVME_ACQ, n->cq_phys);
	wr32(n, NVME_CC, NVME_CC_EN | 6u << NVME_CC_IOSQES_SHIFT | 4u << NVME_CC_IOCQES_SHIFT);
	if (!wait_ready(n, true)) {
		*why = "NVMe did not become ready";
		goto unmap;
	}
	n->phase = 1;
	return true;
unmap:
	nvme_poke_stop(n);
	return false;
}

void nvme_poke_submit(struct nvme_poke *n)
{
	struct nvme_sqe *sq = phys_to_virt(n->sq_phys);
	struct nvme_sqe *e = &sq[n->sq_tail];
	memset(e, 0, sizeof(*e));
	e->cdw0 = NVME_ADMIN_IDENTIFY | (uint32_t)(++n->cid) << 16;
	e->prp1 = n->buf_phys;
	e->cdw10 = NVME_IDENTIFY_CTRL;
	n->sq_tail = (uint16_t)((n->sq_tail + 1) % QUEUE_ENTRIES);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*doorbell(n, 0) = n->sq_tail;
}

unsigned nvme_poke_reap(struct nvme_poke *n)
{
	volatile struct nvme_cqe *cq = phys_to_virt(n->cq_phys);
	unsigned got = 0;
	while ((cq[n->cq_head].status & 1) == n->phase && got < QUEUE_ENTRIES) {
		n->cq_head = (uint16_t)((n->cq_head + 1) % QUEUE_ENTRIES);
		if (n->cq_head == 0)
			n->phase ^= 1;
		got++;
	}
	if (got)
		*doorbell(n, 1) = n->cq_head;
	return got;
}

void nvme_poke_stop(struct nvme_poke *n)
{
	if (n->regs != NULL) {
		wr32(n, NVME_CC, 0);
		wait_ready(n, false);
		uint16_t cmd = pci_cfg_read16(n->fn, PCI_COMMAND);
		pci_cfg_write16(n->fn, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
		pci_bar_unmap(n->fn, (void *)(uintptr_t)n->regs, n->regs_len);
		n->regs = NULL;
	}
	if (n->sq_phys)
		frame_free(n->sq_phys);
	if (n->cq_phys)
		frame_free(n->cq_phys);
	if (n->buf_phys)
		frame_free(n->buf_phys);
	n->sq_phys = n->cq_phys = n->buf_phys = 0;
}
