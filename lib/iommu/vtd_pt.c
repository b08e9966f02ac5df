/* vtd_pt: VT-d second-stage page tables (VT-d rev 5.10 §9.8), 4 KiB pages only. */
#include "lib/iommu/vtd_pt.h"

#include "hw/vtd.h"

#define PAGE_MASK  ((uint64_t)VTD_PAGE_SIZE - 1)
#define PTE_RW	   (VTD_PTE_R | VTD_PTE_W)
#define PA_LIMIT   (VTD_PTE_ADDR_MASK | PAGE_MASK) /* last byte an entry can address */
#define ENTRY_SIZE sizeof(uint64_t)

uint64_t vtd_pt_space(unsigned levels)
{
	if (levels != 3 && levels != 4)
		return 0;
	return 1ull << (VTD_PAGE_SHIFT + VTD_PTE_LEVEL_BITS * levels);
}

/* §9.8: there is no present bit; R = W = 0 is not present. A table pointer has both. */
static bool pte_present(uint64_t e)
{
	return (e & PTE_RW) != 0;
}

/* The unit reads entries concurrently: store each one whole. */
static void pte_set(uint64_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

static void flush(const struct vtd_pt *pt, void *va, size_t len)
{
	if (pt->ops->flush != NULL)
		pt->ops->flush(pt->ops->ctx, va, len);
}

static uint64_t *table_va(const struct vtd_pt *pt, uint64_t pa)
{
	return pt->ops->virt(pt->ops->ctx, pa);
}

/* Allocates a table frame, counted in table_pages, and flushes its zeros so that a
 * non-coherent unit never sees stale lines in it once it is linked. */
static enum vtd_pt_status table_new(struct vtd_pt *pt, uint64_t *pa_out, uint64_t **va_out)
{
	uint64_t pa;
	uint64_t *va;

	if (!pt->ops->alloc(pt->ops->ctx, &pa))
		return VTD_PT_ERR_NOMEM;
	va = table_va(pt, pa);
	if ((pa & ~VTD_PTE_ADDR_MASK) != 0 || va == NULL) {
		pt->ops->free(pt->ops->ctx, pa);
		return VTD_PT_ERR_INVALID;
	}
	pt->table_pages++;
	flush(pt, va, VTD_PAGE_SIZE);
	*pa_out = pa;
	*va_out = va;
	return VTD_PT_OK;
}

/* The leaf table (level 1) covering iova, or NULL when a table on the way is absent. */
static uint64_t *leaf_lookup(const struct vtd_pt *pt, uint64_t iova)
{
	uint64_t *t = table_va(pt, pt->root);

	for (unsigned level = pt->levels; level > 1 && t != NULL; level--) {
		uint64_t e = t[vtd_pte_index(iova, level)];
		if (!pte_present(e))
			return NULL;
		t = table_va(pt, e & VTD_PTE_ADDR_MASK);
	}
	return t;
}

/* The leaf table covering iova, creating the missing tables on the way down. */
static enum vtd_pt_status leaf_ensure(struct vtd_pt *pt, uint64_t iova)
{
	uint64_t *t = table_va(pt, pt->root);

	for (unsigned level = pt->levels; level > 1; level--) {
		if (t == NULL)
			return VTD_PT_ERR_INVALID;
		uint64_t *e = &t[vtd_pte_index(iova, level)];
		if (pte_present(*e)) {
			t = table_va(pt, *e & VTD_PTE_ADDR_MASK);
			continue;
		}
		uint64_t pa;
		enum vtd_pt_status st = table_new(pt, &pa, &t);
		if (st != VTD_PT_OK)
			return st;
		pte_set(e, pa | PTE_RW);
		flush(pt, e, ENTRY_SIZE);
	}
	return t != NULL ? VTD_PT_OK : VTD_PT_ERR_INVALID;
}

/* Pages from iova to the end of its leaf table, at most left. */
static uint64_t chunk(uint64_t iova, uint64_t left)
{
	uint64_t n = VTD_PTE_ENTRIES - vtd_pte_index(iova, 1);
	return n < left ? n : left;
}

static bool pt_ready(const struct vtd_pt *pt)
{
	return pt != NULL && vtd_pt_space(pt->levels) != 0 && pt->ops != NULL;
}

/* The checks map and unmap share on [iova, iova + pages pages). */
static enum vtd_pt_status check_range(const struct vtd_pt *pt, uint64_t iova, uint64_t pages)
{
	uint64_t end;

	if (!pt_ready(pt) || pages == 0)
		return VTD_PT_ERR_INVALID;
	if ((iova & PAGE_MASK) != 0)
		return VTD_PT_ERR_ALIGN;
	end = vtd_pt_space(pt->levels);
	if (iova >= end || pages > (end - iova) >> VTD_PAGE_SHIFT)
		return VTD_PT_ERR_RANGE;
	return VTD_PT_OK;
}

/* Writes the leaf entries of [iova, iova + pages pages), whose tables exist: each
 * (pa of its page) | leaf, or 0 (not present) when leaf is 0; flushed per table. */
static void write_leaves(struct vtd_pt *pt, uint64_t iova, uint64_t pages, uint64_t pa,
			 uint64_t leaf)
{
	uint64_t n;
	for (uint64_t done = 0; done < pages; done += n) {
		uint64_t va = iova + (done << VTD_PAGE_SHIFT);
		uint64_t *t = leaf_lookup(pt, va);
		unsigned first = vtd_pte_index(va, 1);
		n = chunk(va, pages - done);
		for (uint64_t i = 0; i < n; i++)
			pte_set(&t[first + i],
				leaf ? (pa + ((done + i) << VTD_PAGE_SHIFT)) | leaf : 0);
		flush(pt, &t[first], n * ENTRY_SIZE);
	}
}

enum vtd_pt_status vtd_pt_init(struct vtd_pt *pt, unsigned levels, const struct vtd_pt_ops *ops)
{
	uint64_t *va;
	enum vtd_pt_status st;

	pt->levels = 0;
	if (vtd_pt_space(levels) == 0 || ops == NULL || ops->alloc == NULL || ops->free == NULL ||
	    ops->virt == NULL)
		return VTD_PT_ERR_INVALID;
	pt->ops = ops;
	pt->mapped_pages = 0;
	pt->table_pages = 0;
	st = table_new(pt, &pt->root, &va);
	if (st == VTD_PT_OK)
		pt->levels = levels;
	return st;
}

enum vtd_pt_status vtd_pt_map(struct vtd_pt *pt, uint64_t iova, uint64_t pa, uint64_t pages,
			      unsigned perm)
{
	enum vtd_pt_status st = check_range(pt, iova, pages);
	uint64_t n, leaf;

	if (st != VTD_PT_OK)
		return st;
	if (perm == 0 || (perm & ~(VTD_PT_READ | VTD_PT_WRITE)) != 0)
		return VTD_PT_ERR_INVALID;
	if ((pa & PAGE_MASK) != 0)
		return VTD_PT_ERR_ALIGN;
	if (pa > PA_LIMIT || pages > ((PA_LIMIT - pa) >> VTD_PAGE_SHIFT) + 1)
		return VTD_PT_ERR_RANGE;

	/* Decide before changing anything: no page of the range may be mapped. */
	for (uint64_t done = 0; done < pages; done += n) {
		uint64_t va = iova + (done << VTD_PAGE_SHIFT);
		const uint64_t *t = leaf_lookup(pt, va);
		n = chunk(va, pages - done);
		for (uint64_t i = 0; t != NULL && i < n; i++)
			if (pte_present(t[vtd_pte_index(va, 1) + i]))
				return VTD_PT_ERR_EXISTS;
	}
	/* Allocate every missing table before the first leaf is written, so that running out
	 * leaves nothing mapped. */
	for (uint64_t done = 0; done < pages; done += n) {
		uint64_t va = iova + (done << VTD_PAGE_SHIFT);
		n = chunk(va, pages - done);
		st = leaf_ensure(pt, va);
		if (st != VTD_PT_OK)
			return st;
	}
	leaf = (perm & VTD_PT_READ ? VTD_PTE_R : 0) | (perm & VTD_PT_WRITE ? VTD_PTE_W : 0);
	write_leaves(pt, iova, pages, pa, leaf);
	pt->mapped_pages += pages;
	return VTD_PT_OK;
}

enum vtd_pt_status vtd_pt_unmap(struct vtd_pt *pt, uint64_t iova, uint64_t pages)
{
	enum vtd_pt_status st = check_range(pt, iova, pages);
	uint64_t n;

	if (st != VTD_PT_OK)
		return st;
	for (uint64_t done = 0; done < pages; done += n) {
		uint64_t va = iova + (done << VTD_PAGE_SHIFT);
		const uint64_t *t = leaf_lookup(pt, va);
		n = chunk(va, pages - done);
		if (t == NULL)
			return VTD_PT_ERR_NOTMAPPED;
		for (uint64_t i = 0; i < n; i++)
			if (!pte_present(t[vtd_pte_index(va, 1) + i]))
				return VTD_PT_ERR_NOTMAPPED;
	}
	write_leaves(pt, iova, pages, 0, 0);
	pt->mapped_pages -= pages;
	return VTD_PT_OK;
}

bool vtd_pt_walk(const struct vtd_pt *pt, uint64_t iova, uint64_t *pa, unsigned *perm)
{
	const uint64_t *t;
	uint64_t e;

	if (!pt_ready(pt) || iova >= vtd_pt_space(pt->levels))
		return false;
	t = leaf_lookup(pt, iova);
	if (t == NULL)
		return false;
	e = t[vtd_pte_index(iova, 1)];
	if (!pte_present(e))
		return false;
	if (pa != NULL)
		*pa = (e & VTD_PTE_ADDR_MASK) | (iova & PAGE_MASK);
	if (perm != NULL)
		*perm = (e & VTD_PTE_R ? VTD_PT_READ : 0) | (e & VTD_PTE_W ? VTD_PT_WRITE : 0);
	return true;
}

/* Frees the table at pa (at `level`) and every table below it; recursion depth is at
 * most levels. */
static void table_free(struct vtd_pt *pt, uint64_t pa, unsigned level)
{
	const uint64_t *t = table_va(pt, pa);

	for (unsigned i = 0; level > 1 && t != NULL && i < VTD_PTE_ENTRIES; i++)
		if (pte_present(t[i]))
			table_free(pt, t[i] & VTD_PTE_ADDR_MASK, level - 1);
	pt->ops->free(pt->ops->ctx, pa);
	pt->table_pages--;
}

void vtd_pt_destroy(struct vtd_pt *pt)
{
	if (!pt_ready(pt))
		return;
	table_free(pt, pt->root, pt->levels);
	pt->levels = 0;
	pt->root = 0;
	pt->mapped_pages = 0;
}
