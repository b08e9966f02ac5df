/* iova: allocating I/O virtual address ranges inside one IOMMU domain.
 *
 * A space covers [base, limit) (byte addresses, page aligned) and hands out page runs,
 * lowest address first, each aligned as asked and ending at or below the device's DMA
 * limit. Address 0 is never handed out: a device DMA to 0 is more likely a bug than a
 * buffer. Memory is bounded: at most IOVA_MAX_RANGES runs are live per space, and asking
 * for one more is an error, not an allocation. Every free must name exactly one live run
 * (its start and size), so a double or partial free is refused and changes nothing.
 *
 * Not locked: the caller serialises use of one space.
 */
#ifndef CAPOS_LIB_IOMMU_IOVA_H
#define CAPOS_LIB_IOMMU_IOVA_H

#include <stdint.h>

#define IOVA_MAX_RANGES 64
#define IOVA_PAGE_SHIFT 12
#define IOVA_PAGE_SIZE	4096u

/* The int results of the functions below. */
enum iova_status {
	IOVA_OK = 0,
	IOVA_ERR_INVALID,  /* bad argument: unaligned or empty space, zero pages, alignment not
			      a power of two */
	IOVA_ERR_NOSPACE,  /* no aligned free run below min(limit, max_addr) */
	IOVA_ERR_FULL,	   /* IOVA_MAX_RANGES runs already live */
	IOVA_ERR_NOTALLOC, /* free: (iova, pages) is not a live run */
};

struct iova_run {
	uint64_t start; /* bytes */
	uint64_t pages;
};

struct iova_space {
	uint64_t base, limit; /* [base, limit), bytes */
	uint32_t count;	      /* live runs */
	uint64_t used_pages;
	struct iova_run run[IOVA_MAX_RANGES]; /* sorted by start, disjoint */
};

/* iova_init: an empty space over [base, limit); base 0 becomes one page so that 0 is
 * never handed out. IOVA_ERR_INVALID when base or limit is not page aligned or the space
 * is empty. */
int iova_init(struct iova_space *s, uint64_t base, uint64_t limit);

/* iova_alloc: finds the lowest address a in the space, a multiple of align_pages pages
 * (0 means 1), such that the `pages` pages from a are free and end at or below max_addr
 * (exclusive: the device's DMA mask + 1; 0 means no limit beyond the space's), records
 * the run and stores a in *iova. On error *iova is untouched and nothing changes. */
int iova_alloc(struct iova_space *s, uint64_t pages, uint64_t align_pages, uint64_t max_addr,
	       uint64_t *iova);

/* iova_reserve: takes [iova, iova + pages pages) out of the space as a live run (an RMRR
 * that must stay identity-mapped), so iova_alloc never hands it out. A range wholly
 * outside the space is IOVA_OK and changes nothing; one overlapping a live run is
 * IOVA_ERR_NOSPACE, one straddling the space's edge or unaligned IOVA_ERR_INVALID, and
 * IOVA_ERR_FULL when no run is left; nothing changes on failure. */
int iova_reserve(struct iova_space *s, uint64_t iova, uint64_t pages);

/* iova_free: releases the live run that starts at iova and is `pages` pages long. Anything
 * else (a never-allocated or already-freed address, a different size, part of a run) is
 * IOVA_ERR_NOTALLOC and changes nothing. */
int iova_free(struct iova_space *s, uint64_t iova, uint64_t pages);

#endif
