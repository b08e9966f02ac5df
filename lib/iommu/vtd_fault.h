/* vtd_fault: decoding VT-d primary fault records (VT-d rev 5.10 §11.4.7.6) and naming
 * their reasons (§7.1.3 table 30 for address translation, §5.1.4.1 table 15 for interrupt
 * remapping).
 */
#ifndef CAPOS_LIB_IOMMU_VTD_FAULT_H
#define CAPOS_LIB_IOMMU_VTD_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* The request type a record reports (T1:T2). */
enum vtd_fault_type {
	VTD_FAULT_WRITE = 0,
	VTD_FAULT_PAGE_REQ = 1,
	VTD_FAULT_READ = 2,
	VTD_FAULT_ATOMIC = 3,
};

struct vtd_fault {
	bool valid;	/* F was set: the rest is meaningful only then */
	uint16_t sid;	/* requester: bus 15:8, device 7:3, function 2:0 */
	uint8_t reason; /* FR */
	bool read;	/* a read request (T1 = 1, T2 = 0); false for a write */
	uint64_t addr;	/* the faulting page (FI, 4 KiB aligned); 0 for interrupt faults */
	uint8_t type;	/* enum vtd_fault_type */
	bool intr;	/* an interrupt-remapping fault (reason 0x20..0x2f) */
	bool intr_index_valid;
	uint16_t intr_index; /* the interrupt index, for the reasons that report one */
	bool pasid_present;  /* PP: the request carried a PASID (never in legacy mode) */
	uint32_t pasid;
};

/* vtd_fault_decode: decodes the 128-bit fault recording register whose low quadword is
 * lo and high quadword hi into *out (fully overwritten). When F is clear only valid
 * (false) is set and the rest is zero; reserved bits are ignored. */
void vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *out);

/* vtd_fault_reason_name: a short description of fault reason r; "unknown fault reason"
 * for codes with no name here (scalable-mode reasons among them). Never NULL. */
const char *vtd_fault_reason_name(uint8_t r);

#endif
