/* vtd_pt: one VT-d domain's second-stage page tables (VT-d rev 5.10 §9.8 formats, §3.7
 * translation), 3 levels (39-bit input addresses) or 4 levels (48-bit).
 *
 * 4 KiB pages only: no large-page (PS) entries are ever written, so CAP.SSLPS does not
 * matter. Table pages come from the caller's ops and are kept until vtd_pt_destroy, even
 * when they empty: freeing one would need an IOTLB and paging-structure-cache flush
 * before its frame could be reused, and that flush belongs to the caller.
 *
 * Memory the unit reads is written with single 64-bit stores and, when ops->flush is set
 * (ECAP.C clear: the unit's walks do not snoop CPU caches), flushed after every change: a
 * new table as a whole before it is linked, then each changed entry. Leaf entries get R
 * and/or W, never SNP (reserved unless ECAP.SC). The caller still invalidates the IOTLB
 * after vtd_pt_unmap, and after vtd_pt_map too when CAP.CM is set (not-present entries
 * may be cached then, §6.1).
 *
 * Not locked: one owner at a time. Every walk visits at most `levels` tables.
 */
#ifndef CAPOS_LIB_IOMMU_VTD_PT_H
#define CAPOS_LIB_IOMMU_VTD_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_pt_ops {
	/* alloc: a zeroed 4 KiB frame at *pa; false when none is left. */
	bool (*alloc)(void *ctx, uint64_t *pa);
	/* free: gives back a frame that alloc handed out. */
	void (*free)(void *ctx, uint64_t pa);
	/* virt: where the CPU reaches the frame at pa (NULL: unknown frame). */
	void *(*virt)(void *ctx, uint64_t pa);
	/* flush: writes [va, va + len) back to memory for a non-coherent unit; NULL when the
	 * unit is coherent (ECAP.C set). */
	void (*flush)(void *ctx, void *va, size_t len);
	void *ctx;
};

struct vtd_pt {
	uint64_t root;	 /* physical address of the top table: the context entry's SSPTPTR */
	unsigned levels; /* 3 or 4; 0 before init and after destroy */
	const struct vtd_pt_ops *ops;
	uint64_t mapped_pages; /* leaf entries present */
	uint64_t table_pages;  /* table frames held, the root included */
};

enum vtd_pt_status {
	VTD_PT_OK = 0,
	VTD_PT_ERR_ALIGN,     /* iova or pa not 4 KiB aligned */
	VTD_PT_ERR_RANGE,     /* beyond the tables' input width, or pa beyond 52 bits */
	VTD_PT_ERR_NOMEM,     /* ops->alloc failed */
	VTD_PT_ERR_EXISTS,    /* map: a page in the range is already mapped */
	VTD_PT_ERR_NOTMAPPED, /* unmap: a page in the range is not mapped */
	VTD_PT_ERR_INVALID,   /* bad argument (perm, zero pages, levels, uninitialised pt, an
				 ops callback breaking its contract) */
};

#define VTD_PT_READ  1u
#define VTD_PT_WRITE 2u

/* vtd_pt_space: the exclusive end of the input addresses a `levels`-level table
 * translates (2^39 or 2^48); 0 for other levels. */
uint64_t vtd_pt_space(unsigned levels);

/* vtd_pt_init: sets up *pt with an empty top table from ops. Returns VTD_PT_ERR_INVALID for
 * levels other than 3 or 4 or ops missing alloc/free/virt, VTD_PT_ERR_NOMEM when the
 * allocation fails (*pt is then left uninitialised: levels 0). */
enum vtd_pt_status vtd_pt_init(struct vtd_pt *pt, unsigned levels, const struct vtd_pt_ops *ops);

/* vtd_pt_map: maps `pages` pages from iova to the frames from pa, with perm (VTD_PT_READ
 * and/or VTD_PT_WRITE). All or nothing: on any error no page of the range is mapped and
 * no entry changed, though tables allocated before a VTD_PT_ERR_NOMEM stay (counted in
 * table_pages). Refuses a zero page count or perm outside 1..3 (INVALID), unaligned iova
 * or pa (ALIGN), a range reaching past vtd_pt_space(levels) or pa past 2^52 (RANGE), and
 * a range holding a mapped page (EXISTS). */
enum vtd_pt_status vtd_pt_map(struct vtd_pt *pt, uint64_t iova, uint64_t pa, uint64_t pages,
			      unsigned perm);

/* vtd_pt_unmap: unmaps `pages` pages from iova, all of which must be mapped: otherwise
 * returns VTD_PT_ERR_NOTMAPPED and changes nothing. ALIGN, RANGE and INVALID as for map.
 * The caller must invalidate the IOTLB for the range before reusing the frames. */
enum vtd_pt_status vtd_pt_unmap(struct vtd_pt *pt, uint64_t iova, uint64_t pages);

/* vtd_pt_walk: translates iova (any byte) as the unit would: true with *pa (the byte's
 * physical address) and *perm when mapped; false when not, or iova is out of range. pa
 * and perm may be NULL. */
bool vtd_pt_walk(const struct vtd_pt *pt, uint64_t iova, uint64_t *pa, unsigned *perm);

/* vtd_pt_destroy: frees every table frame (never the mapped frames) and leaves *pt
 * uninitialised. The caller must first detach the domain from every context entry and
 * invalidate, since the unit may still walk the tables until then. */
void vtd_pt_destroy(struct vtd_pt *pt);

#endif
