/* vtd: VT-d remapping units: bring-up, register-based invalidation, faults.
 * (Domains: vtd_domain.c. Formats and checks: lib/iommu, include/hw/vtd.h.)
 *
 * Every status poll is bounded (VTD_WAIT_US) and a timeout is reported and
 * returned, never waited out. GCMD is written as GSTS's persistent bits plus
 * the one command (VT-d §11.4.4: GCMD has no read-back; writing a one-shot
 * bit again would repeat its command). */
#include "vtd_internal.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "dev/acpi.h"
#include "dev/pci.h"
#include "lib/iommu/vtd_scope.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/layout.h"
#include "mm/mmio.h"

#define VTD_WAIT_US	 100000
#define VTD_FAULT_PRINTS 32 /* fault lines printed per boot; the rest are counted */

struct vtd_unit vtd_units[VTD_MAX_UNITS];
unsigned vtd_nunits;
static unsigned fault_prints;
static struct {
	uint16_t sid;
	uint64_t count;
} fault_by_sid[VTD_FAULT_SIDS];

uint32_t vtd_rd32(struct vtd_unit *u, uint32_t off)
{
	return *(volatile uint32_t *)(u->regs + off);
}

uint64_t vtd_rd64(struct vtd_unit *u, uint32_t off)
{
	return *(volatile uint64_t *)(u->regs + off);
}

void vtd_wr32(struct vtd_unit *u, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(u->regs + off) = v;
}

void vtd_wr64(struct vtd_unit *u, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(u->regs + off) = v;
}

void vtd_flush_cache(struct vtd_unit *u, void *va, size_t len)
{
	/* A unit whose walks do not snoop (ECAP.C clear) reads memory: write the
	 * lines back (VT-d §6.8). */
	if (u->caps.c || len == 0)
		return;
	uintptr_t a = (uintptr_t)va & ~(uintptr_t)63, end = (uintptr_t)va + len;
	for (; a < end; a += 64)
		__asm__ volatile("clflush (%0)" : : "r"(a) : "memory");
	__asm__ volatile("mfence" : : : "memory");
}

/* Polls until (read(off) & mask) == want; false after VTD_WAIT_US. */
static bool wait32(struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want)
{
	uint64_t end = clock_ns() + (uint64_t)VTD_WAIT_US * 1000;
	while ((vtd_rd32(u, off) & mask) != want)
		if (clock_ns() > end)
			return false;
	return true;
}

static bool wait64_clear(struct vtd_unit *u, uint32_t off, uint64_t bit)
{
	uint64_t end = clock_ns() + (uint64_t)VTD_WAIT_US * 1000;
	while (vtd_rd64(u, off) & bit)
		if (clock_ns() > end)
			return false;
	return true;
}

/* Sets (on) or clears one GCMD command bit and waits for its status bit. */
bool vtd_gcmd(struct vtd_unit *u, uint32_t cmd, uint32_t status, bool on)
{
	uint32_t keep = vtd_rd32(u, VTD_GSTS) & VTD_GSTS_PERSIST;
	vtd_wr32(u, VTD_GCMD, on ? keep | cmd : keep & ~cmd);
	return wait32(u, VTD_GSTS, status, on ? status : 0);
}

/* One-shot commands (SRTP, WBF): the status bit says when it is done. */
bool vtd_gcmd_oneshot(struct vtd_unit *u, uint32_t cmd, uint32_t status, bool set_when_done)
{
	uint32_t keep = vtd_rd32(u, VTD_GSTS) & VTD_GSTS_PERSIST;
	vtd_wr32(u, VTD_GCMD, keep | cmd);
	return wait32(u, VTD_GSTS, status, set_when_done ? status : 0);
}

void vtd_write_buffer_flush(struct vtd_unit *u)
{
	if (u->caps.rwbf && !vtd_gcmd_oneshot(u, VTD_GCMD_WBF, VTD_GSTS_WBFS, false))
		u->timeouts++;
}

#define VTD_IQ_ENTRIES (VTD_PAGE_SIZE / sizeof(struct vtd_inv_desc))

/* Queues d and a fenced wait descriptor after it, and waits (bounded) for the
 * unit to write the wait's status: then d is done (VT-d §6.5.2.9). */
bool vtd_qi_submit(struct vtd_unit *u, struct vtd_inv_desc d)
{
	uint32_t seq = ++u->status_seq;
	uint32_t t = u->iq_tail, w = (t + 1) % VTD_IQ_ENTRIES;
	uint32_t head = (uint32_t)(vtd_rd64(u, VTD_IQH) >> 4) % VTD_IQ_ENTRIES;
	/* Two slots must be free, or pending descriptors would be overwritten. */
	if ((t + 1) % VTD_IQ_ENTRIES == head || (t + 2) % VTD_IQ_ENTRIES == head) {
		u->timeouts++;
		return false;
	}
	u->iq[t] = d;
	u->iq[w] = vtd_inv_wait(u->status_pa, seq);
	vtd_flush_cache(u, &u->iq[t], sizeof(d));
	vtd_flush_cache(u, &u->iq[w], sizeof(d));
	u->iq_tail = (w + 1) % VTD_IQ_ENTRIES;
	vtd_wr64(u, VTD_IQT, (uint64_t)u->iq_tail << 4);
	uint64_t end = clock_ns() + (uint64_t)VTD_WAIT_US * 1000;
	while (__atomic_load_n(u->status, __ATOMIC_ACQUIRE) != seq) {
		if (vtd_rd32(u, VTD_FSTS) & VTD_FSTS_IQE) {
			/* The unit stopped at the bad descriptor and fetches it again
			 * once IQE is cleared (§6.5.2.10): it becomes a harmless wait
			 * first, so the queue moves on; this request failed. */
			uint32_t bad = (uint32_t)(vtd_rd64(u, VTD_IQH) >> 4) % VTD_IQ_ENTRIES;
			u->iq[bad] = vtd_inv_wait(u->status_pa, seq - 1);
			vtd_flush_cache(u, &u->iq[bad], sizeof(u->iq[bad]));
			vtd_wr32(u, VTD_FSTS, VTD_FSTS_IQE);
			kprintf("iommu: unit %u: invalidation queue error at descriptor %u\n",
				u->index, bad);
			return false;
		}
		if (clock_ns() > end) {
			u->timeouts++;
			return false;
		}
	}
	return true;
}

/* Queued invalidation (needed for interrupt remapping): the queue, its status
 * word, then QIE. From here on every invalidation goes through the queue. */
static bool qi_enable(struct vtd_unit *u)
{
	uint64_t spa;
	if (!frame_alloc(&u->iq_pa))
		return false;
	if (!frame_alloc(&spa)) {
		frame_free(u->iq_pa);
		return false;
	}
	u->iq = phys_to_virt(u->iq_pa);
	u->status_pa = spa;
	u->status = phys_to_virt(spa);
	u->iq_tail = 0;
	vtd_wr64(u, VTD_IQT, 0);
	vtd_wr64(u, VTD_IQA, u->iq_pa); /* 128-bit descriptors, one page (QS 0) */
	if (!vtd_gcmd(u, VTD_GCMD_QIE, VTD_GSTS_QIES, true)) {
		kprintf("iommu: unit %u: queued invalidation does not turn on\n", u->index);
		return false;
	}
	u->qi = true;
	return true;
}

bool vtd_inv_ctx(struct vtd_unit *u, unsigned gran, uint16_t did, uint16_t sid)
{
	if (u->qi) {
		u->inv_context++;
		return vtd_qi_submit(u, vtd_inv_cc(gran, did, sid, 0));
	}
	vtd_wr64(u, VTD_CCMD, vtd_ccmd(gran, did, sid, 0));
	u->inv_context++;
	if (!wait64_clear(u, VTD_CCMD, VTD_CCMD_ICC)) {
		u->timeouts++;
		return false;
	}
	return true;
}

bool vtd_inv_tlb(struct vtd_unit *u, unsigned gran, uint16_t did, uint64_t addr, unsigned am)
{
	bool drain = u->caps.drd && u->caps.dwd;
	if (gran == VTD_INV_PAGE && !u->caps.psi)
		gran = VTD_INV_DOMAIN; /* page-selective is optional (CAP.PSI) */
	if (u->qi) {
		u->inv_iotlb++;
		return vtd_qi_submit(u, vtd_inv_iotlb(gran, did, addr, am, false, drain));
	}
	if (gran == VTD_INV_PAGE)
		vtd_wr64(u, u->caps.iro + VTD_IOTLB_IVA_OFF, vtd_iva(addr, am, false));
	vtd_wr64(u, u->caps.iro + VTD_IOTLB_CMD_OFF, vtd_iotlb_cmd(gran, did, drain));
	u->inv_iotlb++;
	if (!wait64_clear(u, u->caps.iro + VTD_IOTLB_CMD_OFF, VTD_IOTLB_IVT)) {
		u->timeouts++;
		return false;
	}
	/* IAIG 0: the request was not carried out (VT-d §11.4.8.1). */
	uint64_t done = vtd_rd64(u, u->caps.iro + VTD_IOTLB_CMD_OFF);
	return ((done >> VTD_IOTLB_IAIG_SHIFT) & VTD_IOTLB_GRAN_MASK) != 0;
}

static uint8_t table_secondary_bus(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const struct pci_table *t = pci_devices();
	(void)ctx;
	const struct pci_fn *f = t ? pci_table_find(t, 0, bus, dev, fn) : NULL;
	return f != NULL && (f->flags & PCI_FN_BRIDGE) ? f->sec_bus : 0;
}

static uint8_t table_subordinate_bus(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const struct pci_table *t = pci_devices();
	(void)ctx;
	const struct pci_fn *f = t ? pci_table_find(t, 0, bus, dev, fn) : NULL;
	return f != NULL && (f->flags & PCI_FN_BRIDGE) ? f->sub_bus : 0;
}

const struct vtd_bridge_ops vtd_bridge_ops = {table_secondary_bus, table_subordinate_bus, NULL};

struct vtd_unit *vtd_unit_for(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	const struct acpi_info *ai = acpi_get();
	size_t idx;
	if (ai == NULL || !ai->has_dmar ||
	    vtd_drhd_find(&ai->dmar, seg, &vtd_bridge_ops, bus, devfn, &idx) != VTD_SCOPE_OK)
		return NULL;
	for (unsigned i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].drhd == idx && vtd_units[i].te)
			return &vtd_units[i];
	return NULL;
}

bool vtd_active(void)
{
	for (unsigned i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].te)
			return true;
	return false;
}

bool vtd_covers(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	return vtd_unit_for(seg, bus, devfn) != NULL;
}

/* Brings one unit up: checks, root table, invalidations, translation on. */
static bool unit_up(struct vtd_unit *u)
{
	char why[96];
	u->ver = vtd_rd32(u, VTD_VER);
	vtd_caps_decode(vtd_rd64(u, VTD_CAP), vtd_rd64(u, VTD_ECAP), &u->caps);
	if (!vtd_caps_usable(&u->caps, VTD_REG_PAGE_SIZE, why, sizeof(why))) {
		kprintf("iommu: unit %u at 0x%llx not used: %s\n", u->index,
			(unsigned long long)u->base, why);
		return false;
	}
	u->usable = true;
	/* The widest the unit offers, 4 levels (48 bits) or 3 (39 bits): a wider
	 * space costs one table page per domain and nothing per map. */
	int levels = vtd_caps_levels(&u->caps, 4);
	if (levels < 0)
		levels = vtd_caps_levels(&u->caps, 3);
	if (levels < 0) {
		kprintf("iommu: unit %u: no 3- or 4-level tables (sagaw 0x%x)\n", u->index,
			u->caps.sagaw);
		return false;
	}
	u->levels = (unsigned)levels;
	/* Left on by firmware or a previous kernel: queued invalidation (the
	 * command registers may not be used under it, §6.5.2) and remapping (its
	 * table is memory we do not own) go off first. */
	if ((vtd_rd32(u, VTD_GSTS) & VTD_GSTS_IRES) &&
	    !vtd_gcmd(u, VTD_GCMD_IRE, VTD_GSTS_IRES, false))
		return false;
	if (vtd_rd32(u, VTD_GSTS) & VTD_GSTS_QIES) {
		uint64_t end = clock_ns() + (uint64_t)VTD_WAIT_US * 1000;
		while (vtd_rd64(u, VTD_IQH) != vtd_rd64(u, VTD_IQT) && clock_ns() < end)
			;
		if (!vtd_gcmd(u, VTD_GCMD_QIE, VTD_GSTS_QIES, false))
			return false;
	}
	if (vtd_rd32(u, VTD_GSTS) & VTD_GSTS_TES) {
		/* Firmware left translation on: off first, on our tables after. */
		if (!vtd_gcmd(u, VTD_GCMD_TE, VTD_GSTS_TES, false)) {
			kprintf("iommu: unit %u: translation does not turn off\n", u->index);
			return false;
		}
	}
	if (!frame_alloc(&u->root_pa)) {
		kprintf("iommu: unit %u: no frame for the root table\n", u->index);
		return false;
	}
	u->root = phys_to_virt(u->root_pa);
	vtd_flush_cache(u, u->root, VTD_PAGE_SIZE);
	vtd_wr64(u, VTD_RTADDR, u->root_pa); /* TTM 0: legacy mode */
	if (!vtd_gcmd_oneshot(u, VTD_GCMD_SRTP, VTD_GSTS_RTPS, true) ||
	    !vtd_inv_ctx(u, VTD_INV_GLOBAL, 0, 0) || !vtd_inv_tlb(u, VTD_INV_GLOBAL, 0, 0, 0)) {
		kprintf("iommu: unit %u: root table or invalidation timed out\n", u->index);
		return false;
	}
	vtd_write_buffer_flush(u);
	if (u->caps.qi && !qi_enable(u))
		return false;
	if (u->caps.ir && u->qi)
		vtd_ir_enable(u); /* reported either way; translation does not depend on it */
	vtd_poll_faults(NULL);	  /* whatever firmware left */
	if (!vtd_gcmd(u, VTD_GCMD_TE, VTD_GSTS_TES, true)) {
		kprintf("iommu: unit %u: translation does not turn on\n", u->index);
		return false;
	}
	u->te = true;
	return true;
}

/* The fault event (VT-d §7.3): an MSI the unit writes from FEADDR/FEDATA,
 * masked by FECTL.IM; a source of its own in the interrupt registry. */
static void fe_mask(void *ctx, bool masked)
{
	struct vtd_unit *u = ctx;
	vtd_wr32(u, VTD_FECTL, masked ? VTD_FECTL_IM : 0);
}

static void fe_program(void *ctx, uint64_t addr, uint32_t data)
{
	struct vtd_unit *u = ctx;
	vtd_wr32(u, VTD_FEDATA, data);
	vtd_wr32(u, VTD_FEADDR, (uint32_t)addr);
	vtd_wr32(u, VTD_FEUADDR, (uint32_t)(addr >> 32));
}

static const struct irq_msg_ops fe_ops = {fe_mask, fe_program};

static void on_fault_event(void *ctx)
{
	struct vtd_unit *u = ctx;
	u->fault_irqs++;
	vtd_poll_faults(NULL);
}

static void route_fault_event(struct vtd_unit *u)
{
	if (irq_route_iommu(u->index, 0, &fe_ops, u, on_fault_event, u, &u->irq) != IRQ_OK ||
	    irq_enable(u->irq) != IRQ_OK) {
		kprintf("iommu: unit %u: fault event not routed; faults are polled\n", u->index);
		return;
	}
	u->irq_routed = true;
}

bool vtd_last_fault(struct vtd_fault *out, uint64_t *count, uint64_t *irqs)
{
	bool any = false;
	*count = *irqs = 0;
	for (unsigned i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
		if (u->has_last) {
			*out = u->last;
			any = true;
		}
		*count += u->faults;
		*irqs += u->fault_irqs;
		spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	}
	return any;
}

unsigned vtd_init(void)
{
	const struct acpi_info *ai = acpi_get();
	unsigned up = 0;
	if (ai == NULL || !ai->has_dmar)
		return 0;
	for (size_t i = 0; i < ai->dmar.ndrhd && vtd_nunits < VTD_MAX_UNITS; i++) {
		const struct acpi_drhd *d = &ai->dmar.drhd[i];
		struct vtd_unit *u = &vtd_units[vtd_nunits];
		memset(u, 0, sizeof(*u));
		u->index = vtd_nunits;
		u->drhd = i;
		u->seg = d->segment;
		u->base = d->base;
		u->regs = mmio_map(d->base, VTD_REG_PAGE_SIZE);
		if (u->regs == NULL || d->segment != 0) {
			kprintf("iommu: unit at 0x%llx (segment %u) not used: %s\n",
				(unsigned long long)d->base, d->segment,
				u->regs == NULL ? "cannot map its registers" : "segment not 0");
			continue;
		}
		vtd_nunits++;
		if (!unit_up(u))
			continue;
		up++;
		route_fault_event(u);
		kprintf("iommu: unit %u at 0x%llx version %u.%u: %u-level tables, %u domains, "
			"cm=%s psi=%s invalidation=%s remapping=%s coherent=%s; translation on, "
			"every device "
			"denied until given a domain\n",
			u->index, (unsigned long long)u->base,
			(u->ver >> VTD_VER_MAJOR_SHIFT) & 0xf, u->ver & 0xf, u->levels,
			u->caps.ndomains, u->caps.cm ? "on" : "off", u->caps.psi ? "yes" : "no",
			u->qi ? "queued" : "registers", u->ir ? "on" : "off",
			u->caps.c ? "yes" : "no");
	}
	return up;
}

static void count_fault(uint16_t sid)
{
	for (unsigned i = 0; i < VTD_FAULT_SIDS; i++)
		if (fault_by_sid[i].count == 0 || fault_by_sid[i].sid == sid) {
			fault_by_sid[i].sid = sid;
			fault_by_sid[i].count++;
			return;
		}
}

uint64_t vtd_faults_for(uint16_t sid)
{
	for (unsigned i = 0; i < VTD_FAULT_SIDS; i++)
		if (fault_by_sid[i].count != 0 && fault_by_sid[i].sid == sid)
			return fault_by_sid[i].count;
	return 0;
}

unsigned vtd_poll_faults(struct vtd_fault *last)
{
	unsigned found = 0;
	for (unsigned i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		if (!u->usable)
			continue; /* its fault registers may lie anywhere (or nowhere) */
		uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
		uint32_t fsts = vtd_rd32(u, VTD_FSTS);
		unsigned idx = (fsts >> VTD_FSTS_FRI_SHIFT) & VTD_FSTS_FRI_MASK;
		/* At most one pass over the recording registers (CAP.NFR). */
		for (unsigned n = 0; n < u->caps.nfr && (fsts & VTD_FSTS_PPF); n++) {
			unsigned r = (idx + n) % u->caps.nfr;
			uint32_t off = (uint32_t)VTD_FRCD(u->caps.fro, r);
			uint64_t hi = vtd_rd64(u, off + VTD_FRCD_HI_OFF);
			if (!(hi & VTD_FRCD_HI_F))
				break;
			struct vtd_fault f;
			vtd_fault_decode(vtd_rd64(u, off + VTD_FRCD_LO_OFF), hi, &f);
			vtd_wr64(u, off + VTD_FRCD_HI_OFF, VTD_FRCD_HI_F); /* RW1C */
			u->faults++;
			u->last = f;
			u->has_last = true;
			count_fault(f.sid);
			if (last != NULL)
				*last = f;
			found++;
			if (fault_prints++ < VTD_FAULT_PRINTS)
				kprintf(
				    "iommu: fault: %s %02x:%02x.%u %s 0x%llx: %s (reason 0x%x)\n",
				    f.read ? "read by" : "write by", f.sid >> 8,
				    (f.sid >> 3) & 0x1f, f.sid & 7, f.read ? "from" : "to",
				    (unsigned long long)f.addr, vtd_fault_reason_name(f.reason),
				    f.reason);
		}
		if (fsts & VTD_FSTS_PFO)
			vtd_wr32(u, VTD_FSTS, VTD_FSTS_PFO); /* overflowed: clear it too */
		spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	}
	return found;
}
