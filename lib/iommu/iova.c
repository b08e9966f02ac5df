/* iova: lowest-fit allocation of page runs in a bounded, sorted array. */
#include "lib/iommu/iova.h"

#include "lib/str.h"

#define PAGE_MASK ((uint64_t)IOVA_PAGE_SIZE - 1)

int iova_init(struct iova_space *s, uint64_t base, uint64_t limit)
{
	s->count = 0;
	s->used_pages = 0;
	s->base = s->limit = 0;
	if ((base & PAGE_MASK) != 0 || (limit & PAGE_MASK) != 0)
		return IOVA_ERR_INVALID;
	if (base == 0)
		base = IOVA_PAGE_SIZE;
	if (base >= limit)
		return IOVA_ERR_INVALID;
	s->base = base;
	s->limit = limit;
	return IOVA_OK;
}

static uint64_t run_end(const struct iova_run *r)
{
	return r->start + (r->pages << IOVA_PAGE_SHIFT);
}

int iova_reserve(struct iova_space *s, uint64_t iova, uint64_t pages)
{
	if (pages == 0 || (iova & PAGE_MASK) != 0 || pages > (UINT64_MAX - iova) >> IOVA_PAGE_SHIFT)
		return IOVA_ERR_INVALID;
	uint64_t end = iova + (pages << IOVA_PAGE_SHIFT);
	if (end <= s->base || iova >= s->limit)
		return IOVA_OK; /* outside: nothing here can collide with it */
	if (iova < s->base || end > s->limit)
		return IOVA_ERR_INVALID;
	if (s->count >= IOVA_MAX_RANGES)
		return IOVA_ERR_FULL;
	uint32_t i = 0;
	while (i < s->count && s->run[i].start < iova)
		i++;
	if ((i > 0 && run_end(&s->run[i - 1]) > iova) || (i < s->count && s->run[i].start < end))
		return IOVA_ERR_NOSPACE;
	memmove(&s->run[i + 1], &s->run[i], (s->count - i) * sizeof(s->run[0]));
	s->run[i].start = iova;
	s->run[i].pages = pages;
	s->count++;
	s->used_pages += pages;
	return IOVA_OK;
}

int iova_alloc(struct iova_space *s, uint64_t pages, uint64_t align_pages, uint64_t max_addr,
	       uint64_t *iova)
{
	uint64_t top = s->limit, size, mask, cand = s->base;

	if (align_pages == 0)
		align_pages = 1;
	if (pages == 0 || (align_pages & (align_pages - 1)) != 0 || s->base >= s->limit)
		return IOVA_ERR_INVALID;
	if (max_addr != 0 && max_addr < top)
		top = max_addr & ~PAGE_MASK;
	/* Sizes are checked in pages first so that the byte counts cannot wrap. */
	if (top <= s->base || pages > (top - s->base) >> IOVA_PAGE_SHIFT ||
	    align_pages > (top >> IOVA_PAGE_SHIFT))
		return IOVA_ERR_NOSPACE;
	if (s->count >= IOVA_MAX_RANGES)
		return IOVA_ERR_FULL;
	size = pages << IOVA_PAGE_SHIFT;
	mask = (align_pages << IOVA_PAGE_SHIFT) - 1;

	/* The gaps are [base, run[0]), [end of run[i-1], run[i]), ..., [end of last, top). */
	for (uint32_t i = 0; i <= s->count; i++) {
		uint64_t gap_end = i < s->count && s->run[i].start < top ? s->run[i].start : top;
		uint64_t a = (cand + mask) & ~mask;

		if (a >= cand && a < gap_end && gap_end - a >= size) {
			memmove(&s->run[i + 1], &s->run[i], (s->count - i) * sizeof(s->run[0]));
			s->run[i].start = a;
			s->run[i].pages = pages;
			s->count++;
			s->used_pages += pages;
			*iova = a;
			return IOVA_OK;
		}
		if (i == s->count || s->run[i].start >= top)
			break;
		cand = run_end(&s->run[i]);
	}
	return IOVA_ERR_NOSPACE;
}

int iova_free(struct iova_space *s, uint64_t iova, uint64_t pages)
{
	for (uint32_t i = 0; i < s->count; i++) {
		if (s->run[i].start != iova)
			continue;
		if (s->run[i].pages != pages)
			return IOVA_ERR_NOTALLOC;
		memmove(&s->run[i], &s->run[i + 1], (s->count - i - 1) * sizeof(s->run[0]));
		s->count--;
		s->used_pages -= pages;
		return IOVA_OK;
	}
	return IOVA_ERR_NOTALLOC;
}
