/* Intel VT-d remapping hardware, legacy translation mode (RTADDR.TTM = 00b), as QEMU's
 * intel-iommu emulates it. Sections are those of the Intel Virtualization Technology for
 * Directed I/O Architecture Specification, rev. 5.10 (D51397-018): §11.4 registers, §9.1
 * root entry, §9.3 context entry, §9.8 second-stage paging entries, §6.5.2 queued
 * invalidation descriptors.
 *
 * Naming: registers are `enum vtd_reg` offsets from the unit's register base; a field of
 * register R is VTD_<R>_<FIELD> (a single-bit mask) or VTD_<R>_<FIELD>_SHIFT/_MASK (the
 * mask applies after the shift). Memory-resident structures are packed 128-bit pairs of
 * little-endian quadwords (lo = bits 63:0, hi = bits 127:64) read through the inline
 * accessors below. All masks are uint64_t unless the register is 32 bits wide.
 */
#ifndef CAPOS_HW_VTD_H
#define CAPOS_HW_VTD_H

#include <stdbool.h>
#include <stdint.h>

#define VTD_PAGE_SHIFT 12
#define VTD_PAGE_SIZE  4096u

/* The architectural register page (§11.4, table "Register Descriptions"). The IOTLB and
 * fault recording registers float: their offsets come from ECAP.IRO and CAP.FRO. */
enum vtd_reg {
	VTD_VER = 0x000,     /* 32 */
	VTD_CAP = 0x008,     /* 64 */
	VTD_ECAP = 0x010,    /* 64 */
	VTD_GCMD = 0x018,    /* 32 */
	VTD_GSTS = 0x01c,    /* 32 */
	VTD_RTADDR = 0x020,  /* 64 */
	VTD_CCMD = 0x028,    /* 64 */
	VTD_FSTS = 0x034,    /* 32 */
	VTD_FECTL = 0x038,   /* 32 */
	VTD_FEDATA = 0x03c,  /* 32 */
	VTD_FEADDR = 0x040,  /* 32 */
	VTD_FEUADDR = 0x044, /* 32 */
	VTD_AFLOG = 0x058,   /* 64; advanced fault logging, reserved since rev 3.x */
	VTD_PMEN = 0x064,    /* 32 */
	VTD_PLMBASE = 0x068, /* 32 */
	VTD_PLMLIMIT = 0x06c,
	VTD_PHMBASE = 0x070, /* 64 */
	VTD_PHMLIMIT = 0x078,
	VTD_IQH = 0x080,     /* 64 */
	VTD_IQT = 0x088,     /* 64 */
	VTD_IQA = 0x090,     /* 64 */
	VTD_ICS = 0x09c,     /* 32 */
	VTD_IECTL = 0x0a0,   /* 32 */
	VTD_IEDATA = 0x0a4,  /* 32 */
	VTD_IEADDR = 0x0a8,  /* 32 */
	VTD_IEUADDR = 0x0ac, /* 32 */
	VTD_IQERCD = 0x0b0,  /* 64 */
	VTD_IRTA = 0x0b8,    /* 64 */
};

/* The end of the fixed registers a legacy-mode driver programs (IRTA is the last): the
 * floating IOTLB and fault recording registers must lie at or above it. */
#define VTD_FIXED_REGS_END 0x0c0u
#define VTD_REG_PAGE_SIZE  0x1000u

/* IOTLB registers (§11.4.6.2): IVA at 16 * ECAP.IRO, IOTLB 8 bytes above it. */
#define VTD_IOTLB_REGS_SIZE 16u
#define VTD_IOTLB_IVA_OFF   0x0u
#define VTD_IOTLB_CMD_OFF   0x8u

/* Fault recording registers (§11.4.7.6): CAP.NFR + 1 of them, 16 bytes each, the first at
 * 16 * CAP.FRO. Hardware may write one as several doublewords, so read the high quadword
 * (F) first, then the low one. */
#define VTD_FRCD_SIZE	 16u
#define VTD_FRCD_LO_OFF	 0x0u
#define VTD_FRCD_HI_OFF	 0x8u
#define VTD_FRCD(fro, n) ((fro) + (uint64_t)(n)*VTD_FRCD_SIZE)

/* VER (§11.4.1) */
#define VTD_VER_MAJOR_SHIFT 4
#define VTD_VER_MAJOR_MASK  0xfu
#define VTD_VER_MINOR_MASK  0xfu

/* CAP (§11.4.2) */
#define VTD_CAP_ND_MASK	    0x7ull /* domain ids are 4 + 2 * ND bits; 7 is reserved */
#define VTD_CAP_RWBF	    (1ull << 4)
#define VTD_CAP_PLMR	    (1ull << 5)
#define VTD_CAP_PHMR	    (1ull << 6)
#define VTD_CAP_CM	    (1ull << 7)
#define VTD_CAP_SAGAW_SHIFT 8
#define VTD_CAP_SAGAW_MASK  0x1full
#define VTD_CAP_MGAW_SHIFT  16 /* width - 1 */
#define VTD_CAP_MGAW_MASK   0x3full
#define VTD_CAP_ZLR	    (1ull << 22)
#define VTD_CAP_FRO_SHIFT   24 /* in 16-byte units */
#define VTD_CAP_FRO_MASK    0x3ffull
#define VTD_CAP_SSLPS_SHIFT 34
#define VTD_CAP_SSLPS_MASK  0xfull
#define VTD_CAP_PSI	    (1ull << 39)
#define VTD_CAP_NFR_SHIFT   40 /* count - 1 */
#define VTD_CAP_NFR_MASK    0xffull
#define VTD_CAP_MAMV_SHIFT  48
#define VTD_CAP_MAMV_MASK   0x3full
#define VTD_CAP_DWD	    (1ull << 54)
#define VTD_CAP_DRD	    (1ull << 55)
#define VTD_CAP_PI	    (1ull << 59)
#define VTD_CAP_ESRTPS	    (1ull << 63)

/* CAP.SAGAW bits: which second-stage page-table depths the unit walks. */
#define VTD_SAGAW_39 (1u << 1) /* 3 levels */
#define VTD_SAGAW_48 (1u << 2) /* 4 levels */
#define VTD_SAGAW_57 (1u << 3) /* 5 levels */

/* ECAP (§11.4.3) */
#define VTD_ECAP_C	    (1ull << 0) /* page walks snoop CPU caches */
#define VTD_ECAP_QI	    (1ull << 1)
#define VTD_ECAP_DT	    (1ull << 2)
#define VTD_ECAP_IR	    (1ull << 3)
#define VTD_ECAP_EIM	    (1ull << 4)
#define VTD_ECAP_PT	    (1ull << 6)
#define VTD_ECAP_SC	    (1ull << 7)
#define VTD_ECAP_IRO_SHIFT  8 /* in 16-byte units */
#define VTD_ECAP_IRO_MASK   0x3ffull
#define VTD_ECAP_MHMV_SHIFT 20
#define VTD_ECAP_MHMV_MASK  0xfull
#define VTD_ECAP_SMTS	    (1ull << 43)

/* GCMD and GSTS (§11.4.4): one command bit per status bit, same position. Write GCMD as
 * (GSTS & VTD_GSTS_PERSIST) | the one bit being changed, then poll GSTS for it. */
#define VTD_GCMD_TE	 (1u << 31)
#define VTD_GCMD_SRTP	 (1u << 30)
#define VTD_GCMD_WBF	 (1u << 27)
#define VTD_GCMD_QIE	 (1u << 26)
#define VTD_GCMD_IRE	 (1u << 25)
#define VTD_GCMD_SIRTP	 (1u << 24)
#define VTD_GCMD_CFI	 (1u << 23)
#define VTD_GSTS_TES	 (1u << 31)
#define VTD_GSTS_RTPS	 (1u << 30)
#define VTD_GSTS_WBFS	 (1u << 27)
#define VTD_GSTS_QIES	 (1u << 26)
#define VTD_GSTS_IRES	 (1u << 25)
#define VTD_GSTS_IRTPS	 (1u << 24)
#define VTD_GSTS_CFIS	 (1u << 23)
#define VTD_GSTS_PERSIST 0x96ffffffu /* §11.4.4.1: clears the one-shot status bits */

/* RTADDR (§11.4.5) */
#define VTD_RTADDR_RTA_MASK   0xfffffffffffff000ull
#define VTD_RTADDR_TTM_SHIFT  10
#define VTD_RTADDR_TTM_MASK   0x3ull
#define VTD_RTADDR_TTM_LEGACY 0x0ull

/* Invalidation granularities shared by CCMD.CIRG, IOTLB.IIRG and the descriptors' G. */
#define VTD_INV_GLOBAL 1u
#define VTD_INV_DOMAIN 2u
#define VTD_INV_DEVICE 3u /* context cache: device-selective */
#define VTD_INV_PAGE   3u /* IOTLB: page-selective within a domain */

/* CCMD (§11.4.6.1) */
#define VTD_CCMD_ICC	    (1ull << 63)
#define VTD_CCMD_CIRG_SHIFT 61
#define VTD_CCMD_CAIG_SHIFT 59
#define VTD_CCMD_GRAN_MASK  0x3ull
#define VTD_CCMD_FM_SHIFT   32
#define VTD_CCMD_FM_MASK    0x3ull
#define VTD_CCMD_SID_SHIFT  16
#define VTD_CCMD_SID_MASK   0xffffull
#define VTD_CCMD_DID_MASK   0xffffull

/* IOTLB_REG (§11.4.6.3), at IRO + 8 */
#define VTD_IOTLB_IVT	     (1ull << 63)
#define VTD_IOTLB_IIRG_SHIFT 60
#define VTD_IOTLB_IAIG_SHIFT 57
#define VTD_IOTLB_GRAN_MASK  0x3ull
#define VTD_IOTLB_DR	     (1ull << 49)
#define VTD_IOTLB_DW	     (1ull << 48)
#define VTD_IOTLB_DID_SHIFT  32
#define VTD_IOTLB_DID_MASK   0xffffull

/* IVA_REG (§11.4.6.4), at IRO: the first page and 2^AM pages (size-aligned). */
#define VTD_IVA_ADDR_MASK 0xfffffffffffff000ull
#define VTD_IVA_IH	  (1ull << 6) /* only leaf entries changed */
#define VTD_IVA_AM_MASK	  0x3full

/* FSTS (§11.4.7.1), FECTL (§11.4.7.2); IECTL (§11.4.9.5) has the same IM/IP. */
#define VTD_FSTS_PFO	   (1u << 0)
#define VTD_FSTS_PPF	   (1u << 1)
#define VTD_FSTS_IQE	   (1u << 4)
#define VTD_FSTS_ICE	   (1u << 5)
#define VTD_FSTS_ITE	   (1u << 6)
#define VTD_FSTS_FRI_SHIFT 8
#define VTD_FSTS_FRI_MASK  0xffu
#define VTD_FECTL_IM	   (1u << 31)
#define VTD_FECTL_IP	   (1u << 30)
#define VTD_IECTL_IM	   (1u << 31)
#define VTD_IECTL_IP	   (1u << 30)

/* FRCD, low and high quadwords (§11.4.7.6). T1/T2 give the request type: 00 write,
 * 01 page request, 10 read, 11 AtomicOp (T1 is the high bit). */
#define VTD_FRCD_LO_FI_MASK    0xfffffffffffff000ull
#define VTD_FRCD_LO_IIDX_SHIFT 48 /* interrupt-remapping faults: the interrupt index */
#define VTD_FRCD_HI_SID_MASK   0xffffull
#define VTD_FRCD_HI_T2	       (1ull << 28)
#define VTD_FRCD_HI_PRIV       (1ull << 29)
#define VTD_FRCD_HI_EXE	       (1ull << 30)
#define VTD_FRCD_HI_PP	       (1ull << 31)
#define VTD_FRCD_HI_FR_SHIFT   32
#define VTD_FRCD_HI_FR_MASK    0xffull
#define VTD_FRCD_HI_PV_SHIFT   40
#define VTD_FRCD_HI_PV_MASK    0xfffffull
#define VTD_FRCD_HI_AT_SHIFT   60
#define VTD_FRCD_HI_AT_MASK    0x3ull
#define VTD_FRCD_HI_T1	       (1ull << 62)
#define VTD_FRCD_HI_F	       (1ull << 63) /* write 1 to clear */

/* PMEN (§11.4.8.1) */
#define VTD_PMEN_EPM (1u << 31)
#define VTD_PMEN_PRS (1u << 0)

/* IQH/IQT (§11.4.9.1-2): with 128-bit descriptors the index is bits 18:4, so the
 * register holds the byte offset of the descriptor in the queue. */
#define VTD_IQ_OFF_MASK	  0x7fff0ull
#define VTD_IQA_ADDR_MASK 0xfffffffffffff000ull
#define VTD_IQA_DW	  (1ull << 11) /* 256-bit descriptors: not used in legacy mode */
#define VTD_IQA_QS_MASK	  0x7ull       /* 2^QS 4 KiB pages of 256 descriptors each */
#define VTD_ICS_IWC	  (1u << 0)

/* IRTA (§11.4.10) */
#define VTD_IRTA_ADDR_MASK 0xfffffffffffff000ull
#define VTD_IRTA_EIME	   (1ull << 11)
#define VTD_IRTA_S_MASK	   0xfull /* 2^(S + 1) entries */

/* A source id (requester id, §3.4.1): bus in 15:8, device 7:3, function 2:0. */
static inline uint16_t vtd_sid(uint8_t bus, uint8_t devfn)
{
	return (uint16_t)((uint16_t)bus << 8 | devfn);
}

static inline uint8_t vtd_devfn(uint8_t dev, uint8_t fn)
{
	return (uint8_t)((dev & 0x1fu) << 3 | (fn & 0x7u));
}

/* ---- Root and context tables (§9.1, §9.3) ----
 * The root table has 256 entries, one per bus; each present one points at a context table
 * of 256 entries, one per devfn. Both tables are one 4 KiB page. */

struct vtd_root_entry {
	uint64_t lo;
	uint64_t hi; /* reserved in legacy mode */
} __attribute__((packed));
_Static_assert(sizeof(struct vtd_root_entry) == 16, "VT-d root entry is 128 bits");

#define VTD_ROOT_ENTRIES  256u
#define VTD_ROOT_P	  (1ull << 0)
#define VTD_ROOT_CTP_MASK 0xfffffffffffff000ull

static inline bool vtd_root_present(const struct vtd_root_entry *e)
{
	return (e->lo & VTD_ROOT_P) != 0;
}

static inline uint64_t vtd_root_ctp(const struct vtd_root_entry *e)
{
	return e->lo & VTD_ROOT_CTP_MASK;
}

/* vtd_root_make: a present root entry for the context table at ctp (4 KiB aligned; the
 * low 12 bits are dropped). */
static inline struct vtd_root_entry vtd_root_make(uint64_t ctp)
{
	struct vtd_root_entry e = {(ctp & VTD_ROOT_CTP_MASK) | VTD_ROOT_P, 0};
	return e;
}

struct vtd_context_entry {
	uint64_t lo;
	uint64_t hi;
} __attribute__((packed));
_Static_assert(sizeof(struct vtd_context_entry) == 16, "VT-d context entry is 128 bits");

#define VTD_CONTEXT_ENTRIES	256u
#define VTD_CTX_LO_P		(1ull << 0)
#define VTD_CTX_LO_FPD		(1ull << 1) /* do not record faults */
#define VTD_CTX_LO_TT_SHIFT	2
#define VTD_CTX_LO_TT_MASK	0x3ull
#define VTD_CTX_LO_SSPTPTR_MASK 0xfffffffffffff000ull
#define VTD_CTX_HI_AW_MASK	0x7ull
#define VTD_CTX_HI_DID_SHIFT	8
#define VTD_CTX_HI_DID_MASK	0xffffull

/* Translation types (TT): */
#define VTD_CTX_TT_UNTRANSLATED 0u /* second-stage tables; Device-TLB requests blocked */
#define VTD_CTX_TT_DEVTLB	1u /* also translated and translation requests (ECAP.DT) */
#define VTD_CTX_TT_PASSTHROUGH	2u /* no translation (ECAP.PT) */

/* Address widths (AW), the adjusted guest address width of the second-stage tables: */
#define VTD_CTX_AW_39 1u /* 3 levels */
#define VTD_CTX_AW_48 2u /* 4 levels */
#define VTD_CTX_AW_57 3u /* 5 levels */

/* vtd_aw_levels: page-table levels for an AW value (3, 4 or 5), 0 when reserved. */
static inline unsigned vtd_aw_levels(unsigned aw)
{
	return aw >= VTD_CTX_AW_39 && aw <= VTD_CTX_AW_57 ? aw + 2 : 0;
}

/* vtd_levels_aw: the AW value for 3, 4 or 5 levels, 0 otherwise. */
static inline unsigned vtd_levels_aw(unsigned levels)
{
	return levels >= 3 && levels <= 5 ? levels - 2 : 0;
}

static inline bool vtd_ctx_present(const struct vtd_context_entry *e)
{
	return (e->lo & VTD_CTX_LO_P) != 0;
}

static inline unsigned vtd_ctx_tt(const struct vtd_context_entry *e)
{
	return (unsigned)((e->lo >> VTD_CTX_LO_TT_SHIFT) & VTD_CTX_LO_TT_MASK);
}

static inline uint64_t vtd_ctx_slptptr(const struct vtd_context_entry *e)
{
	return e->lo & VTD_CTX_LO_SSPTPTR_MASK;
}

static inline unsigned vtd_ctx_aw(const struct vtd_context_entry *e)
{
	return (unsigned)(e->hi & VTD_CTX_HI_AW_MASK);
}

static inline uint16_t vtd_ctx_did(const struct vtd_context_entry *e)
{
	return (uint16_t)((e->hi >> VTD_CTX_HI_DID_SHIFT) & VTD_CTX_HI_DID_MASK);
}

/* vtd_ctx_make: a present context entry of translation type tt, address width aw and
 * domain did, whose second-stage tables start at slptptr (4 KiB aligned; the low 12 bits
 * are dropped). Fields are truncated to their widths, never spill into others. With
 * CAP.CM set, domain id 0 is reserved (§9.3): the caller must not use it. */
static inline struct vtd_context_entry vtd_ctx_make(uint64_t slptptr, unsigned aw, uint16_t did,
						    unsigned tt)
{
	struct vtd_context_entry e;
	e.lo = (slptptr & VTD_CTX_LO_SSPTPTR_MASK) |
	       ((uint64_t)(tt & VTD_CTX_LO_TT_MASK) << VTD_CTX_LO_TT_SHIFT) | VTD_CTX_LO_P;
	e.hi = ((uint64_t)aw & VTD_CTX_HI_AW_MASK) | (uint64_t)did << VTD_CTX_HI_DID_SHIFT;
	return e;
}

/* ---- Second-stage paging entries (§9.8) ----
 * 512 entries of 64 bits per 4 KiB table, indexed by 9 input-address bits per level from
 * bit 12 up. There is no present bit: an entry with R = W = 0 is not present. Non-leaf
 * entries need R and W set for any access below them to be allowed (§3.7.1). Bit 7 is
 * reserved in SS-PML5E/PML4E and is PS (large page) in PDPE/PDE; bit 11 is reserved in
 * non-leaf entries and is SNP in leaves (reserved there too unless ECAP.SC). */
#define VTD_PTE_ENTRIES	   512u
#define VTD_PTE_LEVEL_BITS 9
#define VTD_PTE_R	   (1ull << 0)
#define VTD_PTE_W	   (1ull << 1)
#define VTD_PTE_PS	   (1ull << 7)
#define VTD_PTE_SNP	   (1ull << 11)
#define VTD_PTE_ADDR_MASK  0x000ffffffffff000ull /* bits 51:12 */

/* vtd_pte_index: the index into a table at `level` (1 = leaf table) for input address
 * iova. */
static inline unsigned vtd_pte_index(uint64_t iova, unsigned level)
{
	return (unsigned)(iova >> (VTD_PAGE_SHIFT + VTD_PTE_LEVEL_BITS * (level - 1))) &
	       (VTD_PTE_ENTRIES - 1);
}

/* ---- Queued invalidation descriptors, 128-bit form (§6.5.2) ----
 * In legacy mode with IQA.DW = 0 the queue holds these, types 1 to 5 (table 26). Type
 * bits 11:9 (the high part of the 7-bit type) are zero for all of them. */
struct vtd_inv_desc {
	uint64_t lo;
	uint64_t hi;
} __attribute__((packed));
_Static_assert(sizeof(struct vtd_inv_desc) == 16, "VT-d invalidation descriptor is 128 bits");

#define VTD_INV_TYPE_MASK	   0xfull
#define VTD_INV_TYPE_CC		   0x1ull /* context cache, §6.5.2.1 */
#define VTD_INV_TYPE_IOTLB	   0x2ull /* §6.5.2.3 */
#define VTD_INV_TYPE_DEVTLB	   0x3ull /* §6.5.2.5 */
#define VTD_INV_TYPE_IEC	   0x4ull /* interrupt entry cache, §6.5.2.8 */
#define VTD_INV_TYPE_WAIT	   0x5ull /* §6.5.2.9 */
#define VTD_INV_G_SHIFT		   4 /* cc and iotlb: 2 bits, VTD_INV_GLOBAL/DOMAIN/DEVICE/PAGE */
#define VTD_INV_G_MASK		   0x3ull
#define VTD_INV_DID_SHIFT	   16
#define VTD_INV_DID_MASK	   0xffffull
#define VTD_INV_CC_SID_SHIFT	   32
#define VTD_INV_CC_SID_MASK	   0xffffull
#define VTD_INV_CC_FM_SHIFT	   48
#define VTD_INV_CC_FM_MASK	   0x3ull
#define VTD_INV_IOTLB_DW	   (1ull << 6)
#define VTD_INV_IOTLB_DR	   (1ull << 7)
#define VTD_INV_IOTLB_HI_ADDR_MASK 0xfffffffffffff000ull
#define VTD_INV_IOTLB_HI_IH	   (1ull << 6)
#define VTD_INV_IOTLB_HI_AM_MASK   0x3full
#define VTD_INV_IEC_INDEX	   (1ull << 4) /* G: index-selective (clear: global) */
#define VTD_INV_IEC_IM_SHIFT	   27
#define VTD_INV_IEC_IM_MASK	   0x1full
#define VTD_INV_IEC_IIDX_SHIFT	   32
#define VTD_INV_IEC_IIDX_MASK	   0xffffull
#define VTD_INV_WAIT_IF		   (1ull << 4) /* raise the completion event */
#define VTD_INV_WAIT_SW		   (1ull << 5) /* write status data to the status address */
#define VTD_INV_WAIT_FN		   (1ull << 6) /* fence: later descriptors wait for this one */
#define VTD_INV_WAIT_PD		   (1ull << 7)
#define VTD_INV_WAIT_DATA_SHIFT	   32
#define VTD_INV_WAIT_HI_ADDR_MASK  0xfffffffffffffffcull /* dword aligned */

/* vtd_inv_cc: a context-cache invalidation of granularity g (VTD_INV_GLOBAL, _DOMAIN or
 * _DEVICE); did, sid and fm matter for the narrower ones. */
static inline struct vtd_inv_desc vtd_inv_cc(unsigned g, uint16_t did, uint16_t sid, unsigned fm)
{
	struct vtd_inv_desc d;
	d.lo = VTD_INV_TYPE_CC | ((uint64_t)(g & VTD_INV_G_MASK) << VTD_INV_G_SHIFT) |
	       (uint64_t)did << VTD_INV_DID_SHIFT | (uint64_t)sid << VTD_INV_CC_SID_SHIFT |
	       ((uint64_t)fm & VTD_INV_CC_FM_MASK) << VTD_INV_CC_FM_SHIFT;
	d.hi = 0;
	return d;
}

/* vtd_inv_iotlb: an IOTLB invalidation of granularity g (VTD_INV_GLOBAL, _DOMAIN or
 * _PAGE); for _PAGE, addr is the first page (its low 12 bits are dropped) of 2^am pages,
 * size-aligned, and ih says only leaf entries changed. drain sets DR and DW (ignored by
 * version 2+ hardware, which always drains, §6.5.2.3). */
static inline struct vtd_inv_desc vtd_inv_iotlb(unsigned g, uint16_t did, uint64_t addr,
						unsigned am, bool ih, bool drain)
{
	struct vtd_inv_desc d;
	d.lo = VTD_INV_TYPE_IOTLB | ((uint64_t)(g & VTD_INV_G_MASK) << VTD_INV_G_SHIFT) |
	       (uint64_t)did << VTD_INV_DID_SHIFT |
	       (drain ? VTD_INV_IOTLB_DR | VTD_INV_IOTLB_DW : 0);
	d.hi = (addr & VTD_INV_IOTLB_HI_ADDR_MASK) | (ih ? VTD_INV_IOTLB_HI_IH : 0) |
	       ((uint64_t)am & VTD_INV_IOTLB_HI_AM_MASK);
	return d;
}

/* vtd_inv_iec: an interrupt-entry-cache invalidation: global when !index_selective, else
 * the 2^im entries from index (size-aligned). */
static inline struct vtd_inv_desc vtd_inv_iec(bool index_selective, uint16_t index, unsigned im)
{
	struct vtd_inv_desc d;
	d.lo = VTD_INV_TYPE_IEC;
	if (index_selective)
		d.lo |= VTD_INV_IEC_INDEX |
			((uint64_t)im & VTD_INV_IEC_IM_MASK) << VTD_INV_IEC_IM_SHIFT |
			(uint64_t)index << VTD_INV_IEC_IIDX_SHIFT;
	d.hi = 0;
	return d;
}

/* vtd_inv_wait: a fenced wait descriptor that writes the dword `data` to status_pa (a
 * dword-aligned physical address; hardware writes it coherently) once every descriptor
 * before it has completed. */
static inline struct vtd_inv_desc vtd_inv_wait(uint64_t status_pa, uint32_t data)
{
	struct vtd_inv_desc d;
	d.lo = VTD_INV_TYPE_WAIT | VTD_INV_WAIT_SW | VTD_INV_WAIT_FN |
	       (uint64_t)data << VTD_INV_WAIT_DATA_SHIFT;
	d.hi = status_pa & VTD_INV_WAIT_HI_ADDR_MASK;
	return d;
}

/* Register-based invalidation commands (§11.4.6), for units without QI. */

/* vtd_ccmd: a CCMD value requesting a context-cache invalidation (ICC set). */
static inline uint64_t vtd_ccmd(unsigned g, uint16_t did, uint16_t sid, unsigned fm)
{
	return VTD_CCMD_ICC | ((uint64_t)g & VTD_CCMD_GRAN_MASK) << VTD_CCMD_CIRG_SHIFT |
	       ((uint64_t)fm & VTD_CCMD_FM_MASK) << VTD_CCMD_FM_SHIFT |
	       (uint64_t)sid << VTD_CCMD_SID_SHIFT | did;
}

/* vtd_iotlb_cmd: an IOTLB_REG value requesting an IOTLB invalidation (IVT set); for
 * VTD_INV_PAGE write vtd_iva() to IVA_REG first. */
static inline uint64_t vtd_iotlb_cmd(unsigned g, uint16_t did, bool drain)
{
	return VTD_IOTLB_IVT | ((uint64_t)g & VTD_IOTLB_GRAN_MASK) << VTD_IOTLB_IIRG_SHIFT |
	       (drain ? VTD_IOTLB_DR | VTD_IOTLB_DW : 0) | (uint64_t)did << VTD_IOTLB_DID_SHIFT;
}

/* vtd_iva: an IVA_REG value for 2^am pages from addr. */
static inline uint64_t vtd_iva(uint64_t addr, unsigned am, bool ih)
{
	return (addr & VTD_IVA_ADDR_MASK) | (ih ? VTD_IVA_IH : 0) | (am & VTD_IVA_AM_MASK);
}

/* ---- Interrupt remapping table entries (VT-d §9.10, remapped format) ---- */
struct vtd_irte {
	uint64_t lo;
	uint64_t hi;
} __attribute__((packed));
_Static_assert(sizeof(struct vtd_irte) == 16, "VT-d IRTE is 128 bits");

#define VTD_IRTE_ENTRIES      256u /* one 4 KiB page; IRTA.S = 7 */
#define VTD_IRTA_S_256	      7u
#define VTD_IRTE_LO_P	      (1ull << 0)
#define VTD_IRTE_LO_FPD	      (1ull << 1) /* do not record faults */
#define VTD_IRTE_LO_TM	      (1ull << 4) /* level-triggered (an I/O APIC pin) */
#define VTD_IRTE_LO_VEC_SHIFT 16
#define VTD_IRTE_LO_DST_SHIFT 32 /* xAPIC: APIC id in bits 47:40; x2APIC: all 32 bits */
#define VTD_IRTE_HI_SID_MASK  0xffffull
#define VTD_IRTE_HI_SVT_SHIFT 18
#define VTD_IRTE_SVT_ALL      1ull /* verify the requester id against SID (SQ 0: all bits) */

/* vtd_irte_make: a present, remapped-format entry: fixed delivery, edge or level, physical
 * destination apic_id (x2apic: 32-bit id; else 8-bit xAPIC id), vector, and requests
 * accepted only from source id sid. */
static inline struct vtd_irte vtd_irte_make(uint8_t vector, uint32_t apic_id, bool x2apic,
					    uint16_t sid, bool level)
{
	struct vtd_irte e;
	uint64_t dst = x2apic ? apic_id : (uint64_t)(apic_id & 0xff) << 8;
	e.lo = VTD_IRTE_LO_P | (uint64_t)vector << VTD_IRTE_LO_VEC_SHIFT |
	       dst << VTD_IRTE_LO_DST_SHIFT | (level ? VTD_IRTE_LO_TM : 0);
	e.hi = sid | VTD_IRTE_SVT_ALL << VTD_IRTE_HI_SVT_SHIFT;
	return e;
}

/* Remappable-format MSI address (VT-d §5.1.5.2): 0xFEE, handle[14:0] in bits 19:5,
 * interrupt format (bit 4) set, SHV clear, handle[15] in bit 2; the data is unused. */
#define VTD_MSI_REMAP_IF (1u << 4)
static inline uint32_t vtd_msi_remap_addr(uint16_t handle)
{
	return 0xfee00000u | (uint32_t)(handle & 0x7fff) << 5 | VTD_MSI_REMAP_IF |
	       (uint32_t)(handle >> 15) << 2;
}

#endif
