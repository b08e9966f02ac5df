/* pmm: bitmap frame allocator. */
#include "lib/pmm.h"

static inline bool bit_get(const uint64_t *b, uint64_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static inline void bit_set(uint64_t *b, uint64_t i)
{
	b[i / 64] |= 1ull << (i % 64);
}

static inline void bit_clear(uint64_t *b, uint64_t i)
{
	b[i / 64] &= ~(1ull << (i % 64));
}

void pmm_init(struct pmm *p, uint64_t *storage, uint64_t nframes)
{
	uint64_t words = pmm_bitmap_words(nframes);
	p->busy = storage;
	p->reserved = storage + words;
	p->nframes = nframes;
	for (uint64_t i = 0; i < 2 * words; i++)
		storage[i] = ~0ull;
	p->free_frames = 0;
	p->used_frames = 0;
	p->reserved_frames = nframes;
	p->hint = nframes;
}

void pmm_release(struct pmm *p, uint64_t base, uint64_t len)
{
	/* Rounds inward; a range touching the top of the address space is clipped
	 * there (no whole frame can lie beyond it), never wrapped to 0. */
	if (len == 0 || base > UINT64_MAX - (PMM_FRAME_SIZE - 1))
		return;
	uint64_t end_addr = len > UINT64_MAX - base ? UINT64_MAX : base + len;
	uint64_t first = (base + PMM_FRAME_SIZE - 1) >> PMM_FRAME_SHIFT;
	uint64_t end = end_addr >> PMM_FRAME_SHIFT;
	if (end > p->nframes)
		end = p->nframes;
	for (uint64_t i = first; i < end; i++) {
		if (!bit_get(p->reserved, i))
			continue;
		bit_clear(p->reserved, i);
		bit_clear(p->busy, i);
		p->reserved_frames--;
		p->free_frames++;
		if (i < p->hint)
			p->hint = i;
	}
}

void pmm_reserve(struct pmm *p, uint64_t base, uint64_t len)
{
	if (len == 0)
		return;
	uint64_t end_addr = base + len < base ? UINT64_MAX : base + len;
	uint64_t first = base >> PMM_FRAME_SHIFT;
	uint64_t end = (end_addr >> PMM_FRAME_SHIFT) + ((end_addr & (PMM_FRAME_SIZE - 1)) != 0);
	if (end > p->nframes)
		end = p->nframes;
	for (uint64_t i = first; i < end; i++) {
		if (bit_get(p->busy, i))
			continue;
		bit_set(p->busy, i);
		bit_set(p->reserved, i);
		p->free_frames--;
		p->reserved_frames++;
	}
}

/* Finds the first free frame at or after start, skipping full words. */
static uint64_t find_free(const struct pmm *p, uint64_t start)
{
	uint64_t i = start;
	while (i < p->nframes) {
		if (i % 64 == 0 && p->busy[i / 64] == ~0ull) {
			i += 64;
			continue;
		}
		if (!bit_get(p->busy, i))
			return i;
		i++;
	}
	return p->nframes;
}

static void take(struct pmm *p, uint64_t i)
{
	bit_set(p->busy, i);
	p->free_frames--;
	p->used_frames++;
}

enum pmm_status pmm_alloc(struct pmm *p, uint64_t *phys)
{
	uint64_t i = find_free(p, p->hint);
	if (i >= p->nframes) {
		p->hint = p->nframes;
		return PMM_ERR_NOMEM;
	}
	take(p, i);
	p->hint = i + 1;
	*phys = i << PMM_FRAME_SHIFT;
	return PMM_OK;
}

enum pmm_status pmm_alloc_contig(struct pmm *p, uint64_t n, uint64_t align, uint64_t *phys)
{
	if (n == 0 || align < PMM_FRAME_SIZE || (align & (align - 1)) != 0)
		return PMM_ERR_ALIGN;
	uint64_t step = align >> PMM_FRAME_SHIFT;
	uint64_t i = find_free(p, p->hint);
	i = (i + step - 1) & ~(step - 1);
	while (i < p->nframes && n <= p->nframes - i) {
		uint64_t k = 0;
		while (k < n && !bit_get(p->busy, i + k))
			k++;
		if (k == n) {
			for (k = 0; k < n; k++)
				take(p, i + k);
			*phys = i << PMM_FRAME_SHIFT;
			return PMM_OK;
		}
		/* Frame i+k is busy: restart at the next aligned index past it. */
		i = (i + k + 1 + step - 1) & ~(step - 1);
	}
	return PMM_ERR_NOMEM;
}

enum pmm_status pmm_free(struct pmm *p, uint64_t phys)
{
	if (phys & (PMM_FRAME_SIZE - 1))
		return PMM_ERR_ALIGN;
	uint64_t i = phys >> PMM_FRAME_SHIFT;
	if (i >= p->nframes)
		return PMM_ERR_RANGE;
	if (!bit_get(p->busy, i) || bit_get(p->reserved, i))
		return PMM_ERR_NOT_USED;
	bit_clear(p->busy, i);
	p->used_frames--;
	p->free_frames++;
	if (i < p->hint)
		p->hint = i;
	return PMM_OK;
}

bool pmm_is_used(const struct pmm *p, uint64_t phys)
{
	uint64_t i = phys >> PMM_FRAME_SHIFT;
	return i < p->nframes && bit_get(p->busy, i) && !bit_get(p->reserved, i);
}
