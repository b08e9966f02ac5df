/* vtd_cap: decoding a VT-d unit's Capability and Extended Capability registers (VT-d rev
 * 5.10 §11.4.2, §11.4.3) and deciding whether a legacy-mode driver can use the unit.
 *
 * The registers come from a device, so they are untrusted: vtd_caps_usable refuses values
 * that would make the driver touch registers outside the mapped register set or build
 * page tables the unit cannot walk.
 *
 * Levels: the driver uses 3-level (39-bit) second-stage tables when SAGAW offers them, and
 * 4-level (48-bit) ones otherwise. 39 bits of IOVA (512 GiB per domain) is far more than a
 * device's DMA buffers need since IOVAs are allocated, not identity-mapped; a 3-level walk
 * costs the unit one memory access less per IOTLB miss and a domain one table page less;
 * and QEMU's intel-iommu with its default aw-bits=39 offers only 39-bit SAGAW.
 */
#ifndef CAPOS_LIB_IOMMU_VTD_CAP_H
#define CAPOS_LIB_IOMMU_VTD_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_caps {
	uint64_t cap, ecap; /* the raw registers */
	/* CAP */
	uint8_t nd;	   /* raw ND field */
	uint32_t ndomains; /* domain ids are 0 .. ndomains - 1 (2^(4 + 2 * nd)) */
	bool rwbf;	   /* software must flush write buffers (GCMD.WBF) after table updates */
	bool plmr, phmr;   /* protected low / high memory regions */
	bool cm;	   /* caching mode: not-present entries may be cached (QEMU sets this
			      with caching-mode=on); every table change needs an invalidation */
	uint8_t sagaw;	   /* VTD_SAGAW_* bits */
	uint8_t mgaw;	   /* maximum guest address width, bits (field + 1) */
	bool zlr;
	uint32_t fro;  /* byte offset of the first fault recording register */
	uint8_t sslps; /* second-stage large pages: bit 0 2 MiB, bit 1 1 GiB */
	bool psi;      /* page-selective IOTLB invalidation */
	uint16_t nfr;  /* number of fault recording registers (field + 1, 1..256) */
	uint8_t mamv;  /* largest address mask for page-selective invalidation */
	bool drd, dwd; /* read / write draining */
	/* ECAP */
	bool c;	      /* page walks snoop CPU caches; if clear, flush table updates */
	bool qi;      /* queued invalidation */
	bool dt;      /* Device-TLBs */
	bool ir;      /* interrupt remapping */
	bool eim;     /* x2APIC (32-bit destination) interrupt remapping */
	bool pt;      /* pass-through translation type */
	bool sc;      /* SNP may be set in leaf entries */
	uint32_t iro; /* byte offset of the IOTLB registers (IVA; IOTLB_REG at +8) */
	uint8_t mhmv;
	bool smts; /* scalable mode exists (unused here; legacy mode is chosen) */
};

/* vtd_caps_decode: fills *out from the CAP and ECAP register values. Never fails; the
 * values still have to pass vtd_caps_usable. */
void vtd_caps_decode(uint64_t cap, uint64_t ecap, struct vtd_caps *out);

/* vtd_caps_levels: with want_levels 3 or 4, returns it when SAGAW supports it, else -1;
 * with want_levels 0, returns the driver's choice: 3 if SAGAW has 39-bit, else 4 if it has
 * 48-bit, else -1. Any other want_levels gives -1 (5 levels are not supported here). */
int vtd_caps_levels(const struct vtd_caps *c, unsigned want_levels);

/* vtd_caps_iova_limit: the exclusive end of the IOVA space a domain of `levels` levels
 * can use on this unit: 2^min(MGAW, 39 or 48) (§11.4.2: requests above MGAW fault even
 * when the tables reach further). 0 for levels other than 3 or 4. */
uint64_t vtd_caps_iova_limit(const struct vtd_caps *c, unsigned levels);

/* vtd_caps_psi: whether one page-selective IOTLB invalidation can cover the `pages` pages
 * from iova: true when CAP.PSI is set and the smallest size-aligned block of 2^am pages
 * holding the range has am <= MAMV (§11.4.6.4, §6.5.2.3); then *addr is the block's first
 * page and *am its mask. False (outputs untouched) otherwise, or for zero pages or a range
 * wrapping 2^64: invalidate the whole domain instead. The block may be larger than the
 * range; invalidating more than was changed is harmless. */
bool vtd_caps_psi(const struct vtd_caps *c, uint64_t iova, uint64_t pages, uint64_t *addr,
		  unsigned *am);

/* vtd_caps_usable: whether a legacy-mode driver can use the unit whose register set is
 * reg_size bytes (4 KiB, or 2^DRHD.size pages). Refuses: either register all ones (no
 * device answered), ND 7 (reserved), MGAW below 39 bits, no 39- or 48-bit SAGAW, fault
 * recording or IOTLB registers overlapping the fixed registers, each other, or the end
 * of the register set. On refusal writes a one-line reason to why (n bytes, always
 * terminated when n > 0; why may be NULL). */
bool vtd_caps_usable(const struct vtd_caps *c, uint64_t reg_size, char *why, size_t n);

#endif
