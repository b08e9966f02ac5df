/* vtd_fault: VT-d fault record decoding. */
#include "lib/iommu/vtd_fault.h"

#include <stddef.h>

#include "hw/vtd.h"

#define IR_FIRST 0x20u
#define IR_LAST	 0x2fu

/* Interrupt-remapping reasons whose FI holds no interrupt index (§11.4.7.6, FI). */
static bool ir_reports_index(uint8_t r)
{
	return r != 0x20 && r != 0x25 && r != 0x29 && r != 0x2a && r != 0x2b;
}

void vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *out)
{
	struct vtd_fault f = {0};

	if ((hi & VTD_FRCD_HI_F) != 0) {
		f.valid = true;
		f.sid = (uint16_t)(hi & VTD_FRCD_HI_SID_MASK);
		f.reason = (uint8_t)((hi >> VTD_FRCD_HI_FR_SHIFT) & VTD_FRCD_HI_FR_MASK);
		f.type = (uint8_t)(((hi & VTD_FRCD_HI_T1) != 0 ? 2 : 0) |
				   ((hi & VTD_FRCD_HI_T2) != 0 ? 1 : 0));
		f.intr = f.reason >= IR_FIRST && f.reason <= IR_LAST;
		if (f.intr) {
			/* T is defined only for address translation faults. */
			f.type = VTD_FAULT_WRITE;
			f.intr_index_valid = ir_reports_index(f.reason);
			if (f.intr_index_valid)
				f.intr_index = (uint16_t)(lo >> VTD_FRCD_LO_IIDX_SHIFT);
		} else {
			f.read = f.type == VTD_FAULT_READ;
			f.addr = lo & VTD_FRCD_LO_FI_MASK;
		}
		f.pasid_present = (hi & VTD_FRCD_HI_PP) != 0;
		if (f.pasid_present)
			f.pasid = (uint32_t)((hi >> VTD_FRCD_HI_PV_SHIFT) & VTD_FRCD_HI_PV_MASK);
	}
	*out = f;
}

/* Legacy-mode address translation reasons, table 30 of §7.1.3 (LRT, LCT, LSS, LGN). */
static const char *const dma_reasons[] = {
    [0x1] = "root entry not present",
    [0x2] = "context entry not present",
    [0x3] = "invalid context entry (AW, TT or table pointer)",
    [0x4] = "address beyond the address width",
    [0x5] = "write to a page without write permission",
    [0x6] = "read from a page without read permission",
    [0x7] = "second-stage paging entry unreadable",
    [0x8] = "root table unreadable",
    [0x9] = "context table unreadable",
    [0xa] = "reserved bits set in root entry",
    [0xb] = "reserved bits set in context entry",
    [0xc] = "reserved bits set in second-stage paging entry",
    [0xd] = "translation or translated request blocked by context entry TT",
    [0xe] = "remapped address in the interrupt range",
};

/* Interrupt remapping reasons, table 15 of §5.1.4.1. */
static const char *const ir_reasons[] = {
    [0x0] = "reserved bits set in remappable interrupt request",
    [0x1] = "interrupt index beyond the remapping table",
    [0x2] = "remapping table entry not present",
    [0x3] = "interrupt remapping table unreadable",
    [0x4] = "reserved bits set in remapping table entry",
    [0x5] = "compatibility-format interrupt blocked",
    [0x6] = "interrupt source id check failed",
    [0x7] = "posted interrupt descriptor unreadable",
    [0x8] = "reserved bits set in posted interrupt descriptor",
    [0x9] = "malformed interrupt request",
    [0xa] = "interrupt blocked: x2APIC mode required",
    [0xb] = "interrupt blocked: remapping required but disabled",
};

const char *vtd_fault_reason_name(uint8_t r)
{
	const char *name = NULL;

	if (r < sizeof(dma_reasons) / sizeof(dma_reasons[0]))
		name = dma_reasons[r];
	else if (r >= IR_FIRST && r - IR_FIRST < sizeof(ir_reasons) / sizeof(ir_reasons[0]))
		name = ir_reasons[r - IR_FIRST];
	else if (r == 0x30)
		name = "invalid root table address register programming";
	return name != NULL ? name : "unknown fault reason";
}
