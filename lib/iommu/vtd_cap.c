/* vtd_cap: VT-d capability decoding and the checks a legacy-mode driver needs. */
#include "lib/iommu/vtd_cap.h"

#include "hw/vtd.h"
#include "lib/fmt.h"

#define FIELD(reg, name) (((reg) >> name##_SHIFT) & name##_MASK)

void vtd_caps_decode(uint64_t cap, uint64_t ecap, struct vtd_caps *out)
{
	struct vtd_caps c = {0};

	c.cap = cap;
	c.ecap = ecap;
	c.nd = (uint8_t)(cap & VTD_CAP_ND_MASK);
	c.ndomains = 1u << (4 + 2 * c.nd); /* 2^18 for the reserved 7: refused by usable */
	c.rwbf = (cap & VTD_CAP_RWBF) != 0;
	c.plmr = (cap & VTD_CAP_PLMR) != 0;
	c.phmr = (cap & VTD_CAP_PHMR) != 0;
	c.cm = (cap & VTD_CAP_CM) != 0;
	c.sagaw = (uint8_t)FIELD(cap, VTD_CAP_SAGAW);
	c.mgaw = (uint8_t)(FIELD(cap, VTD_CAP_MGAW) + 1);
	c.zlr = (cap & VTD_CAP_ZLR) != 0;
	c.fro = (uint32_t)FIELD(cap, VTD_CAP_FRO) * 16;
	c.sslps = (uint8_t)FIELD(cap, VTD_CAP_SSLPS);
	c.psi = (cap & VTD_CAP_PSI) != 0;
	c.nfr = (uint16_t)(FIELD(cap, VTD_CAP_NFR) + 1);
	c.mamv = (uint8_t)FIELD(cap, VTD_CAP_MAMV);
	c.drd = (cap & VTD_CAP_DRD) != 0;
	c.dwd = (cap & VTD_CAP_DWD) != 0;

	c.c = (ecap & VTD_ECAP_C) != 0;
	c.qi = (ecap & VTD_ECAP_QI) != 0;
	c.dt = (ecap & VTD_ECAP_DT) != 0;
	c.ir = (ecap & VTD_ECAP_IR) != 0;
	c.eim = (ecap & VTD_ECAP_EIM) != 0;
	c.pt = (ecap & VTD_ECAP_PT) != 0;
	c.sc = (ecap & VTD_ECAP_SC) != 0;
	c.iro = (uint32_t)FIELD(ecap, VTD_ECAP_IRO) * 16;
	c.mhmv = (uint8_t)FIELD(ecap, VTD_ECAP_MHMV);
	c.smts = (ecap & VTD_ECAP_SMTS) != 0;
	*out = c;
}

int vtd_caps_levels(const struct vtd_caps *c, unsigned want_levels)
{
	bool has3 = (c->sagaw & VTD_SAGAW_39) != 0, has4 = (c->sagaw & VTD_SAGAW_48) != 0;

	switch (want_levels) {
	case 0:
		return has3 ? 3 : has4 ? 4 : -1;
	case 3:
		return has3 ? 3 : -1;
	case 4:
		return has4 ? 4 : -1;
	default:
		return -1;
	}
}

uint64_t vtd_caps_iova_limit(const struct vtd_caps *c, unsigned levels)
{
	unsigned bits;

	if (levels != 3 && levels != 4)
		return 0;
	bits = VTD_PAGE_SHIFT + VTD_PTE_LEVEL_BITS * levels;
	if (c->mgaw < bits)
		bits = c->mgaw;
	return 1ull << bits;
}

bool vtd_caps_psi(const struct vtd_caps *c, uint64_t iova, uint64_t pages, uint64_t *addr,
		  unsigned *am)
{
	uint64_t first = iova >> VTD_PAGE_SHIFT, last, diff;
	unsigned m = 0;

	if (!c->psi || pages == 0 || pages - 1 > (~0ull >> VTD_PAGE_SHIFT) - first)
		return false;
	last = first + pages - 1;
	/* The block is the one where first and last agree above bit am. */
	for (diff = first ^ last; diff != 0; diff >>= 1)
		m++;
	if (m > c->mamv)
		return false;
	*addr = (first >> m) << m << VTD_PAGE_SHIFT;
	*am = m;
	return true;
}

/* Whether [off, off + len) lies in [VTD_FIXED_REGS_END, reg_size). */
static bool block_fits(uint64_t off, uint64_t len, uint64_t reg_size)
{
	return off >= VTD_FIXED_REGS_END && off <= reg_size && len <= reg_size - off;
}

bool vtd_caps_usable(const struct vtd_caps *c, uint64_t reg_size, char *why, size_t n)
{
	uint64_t frcd_len = (uint64_t)c->nfr * VTD_FRCD_SIZE;
	const char *r = NULL;

	if (c->cap == ~0ull || c->ecap == ~0ull)
		r = "CAP or ECAP reads all ones (no unit there)";
	else if (c->nd > 6)
		r = "CAP.ND is the reserved value 7";
	else if (c->mgaw < 39)
		r = "MGAW below 39 bits";
	else if (vtd_caps_levels(c, 0) < 0)
		r = "SAGAW offers neither 39-bit nor 48-bit tables";
	else if (reg_size < VTD_REG_PAGE_SIZE)
		r = "register set smaller than 4 KiB";
	else if (!block_fits(c->fro, frcd_len, reg_size))
		r = "fault recording registers outside the register set";
	else if (!block_fits(c->iro, VTD_IOTLB_REGS_SIZE, reg_size))
		r = "IOTLB registers outside the register set";
	else if (c->iro < c->fro + frcd_len && c->fro < c->iro + VTD_IOTLB_REGS_SIZE)
		r = "IOTLB registers overlap the fault recording registers";
	if (r == NULL)
		return true;
	if (why != NULL && n > 0)
		fmt_snprintf(why, n, "%s (cap 0x%llx ecap 0x%llx)", r, (unsigned long long)c->cap,
			     (unsigned long long)c->ecap);
	return false;
}
