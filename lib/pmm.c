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

/* Bits of word w that lie in frames [first, end) (first < end). */
static uint64_t range_mask(uint64_t w, uint64_t first, uint64_t end)
{
	uint64_t lo = w == first / 64 ? first % 64 : 0;
	uint64_t hi = w == (end - 1) / 64 ? (end - 1) % 64 : 63;
	return (~0ull >> (63 - hi)) & (~0ull << lo);
}

/* Set bits of v (SWAR: no popcount instruction is assumed, and the kernel links no
 * libgcc). */
static uint64_t popcount64(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (v * 0x0101010101010101ull) >> 56;
}

/* Both range operations work a bitmap word (64 frames) at a time: a boot releases
 * every usable frame, a million of them in 4 GiB. */
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
	for (uint64_t w = first / 64; first < end && w <= (end - 1) / 64; w++) {
		uint64_t m = p->reserved[w] & range_mask(w, first, end);
		if (m == 0)
			continue;
		p->reserved[w] &= ~m;
		p->busy[w] &= ~m;
		p->reserved_frames -= popcount64(m);
		p->free_frames += popcount64(m);
		if (w * 64 + (uint64_t)__builtin_ctzll(m) < p->hint)
			p->hint = w * 64 + (uint64_t)__builtin_ctzll(m);
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
	for (uint64_t w = first / 64; first < end && w <= (end - 1) / 64; w++) {
		uint64_t m = ~p->busy[w] & range_mask(w, first, end);
		p->busy[w] |= m;
		p->reserved[w] |= m;
		p->free_frames -= popcount64(m);
		p->reserved_frames += popcount64(m);
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
