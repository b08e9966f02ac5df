/* vector: per-CPU device vector bitmaps. */
#include "lib/irq/vector.h"

#include "lib/str.h"

enum irq_status irq_vector_init(struct irq_vector_pool *p, uint32_t ncpu)
{
	memset(p, 0, sizeof(*p));
	if (ncpu == 0 || ncpu > IRQ_VECTOR_MAX_CPUS)
		return IRQ_ERR_INVALID;
	p->ncpu = ncpu;
	return IRQ_OK;
}

static bool bit_get(const uint64_t *map, uint32_t bit)
{
	return (map[bit / 64] >> (bit % 64)) & 1u;
}

enum irq_status irq_vector_alloc(struct irq_vector_pool *p, uint32_t cpu, uint8_t *vector)
{
	if (cpu >= p->ncpu || p->ncpu > IRQ_VECTOR_MAX_CPUS)
		return IRQ_ERR_INVALID;
	uint64_t *map = p->used[cpu];
	for (uint32_t w = 0; w < IRQ_VECTOR_POOL_WORDS; w++) {
		uint64_t free_bits = ~map[w];
		if (free_bits == 0)
			continue;
		uint32_t bit = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		if (bit >= IRQ_VECTOR_POOL_SIZE)
			break; /* only the unused tail of the last word is left */
		map[w] |= 1ull << (bit % 64);
		p->used_count[cpu]++;
		*vector = (uint8_t)(IRQ_VECTOR_DEVICE_FIRST + bit);
		return IRQ_OK;
	}
	return IRQ_ERR_NOSPACE;
}

enum irq_status irq_vector_alloc_on_any(struct irq_vector_pool *p, uint32_t *cpu, uint8_t *vector)
{
	if (p->ncpu == 0 || p->ncpu > IRQ_VECTOR_MAX_CPUS)
		return IRQ_ERR_INVALID;
	uint32_t best = 0;
	for (uint32_t c = 1; c < p->ncpu; c++)
		if (p->used_count[c] < p->used_count[best])
			best = c;
	enum irq_status s = irq_vector_alloc(p, best, vector);
	if (s == IRQ_OK)
		*cpu = best;
	return s;
}

enum irq_status irq_vector_free(struct irq_vector_pool *p, uint32_t cpu, uint8_t vector)
{
	if (cpu >= p->ncpu || p->ncpu > IRQ_VECTOR_MAX_CPUS || !irq_vector_is_device(vector))
		return IRQ_ERR_INVALID;
	uint32_t bit = vector - IRQ_VECTOR_DEVICE_FIRST;
	if (!bit_get(p->used[cpu], bit))
		return IRQ_ERR_STATE;
	p->used[cpu][bit / 64] &= ~(1ull << (bit % 64));
	p->used_count[cpu]--;
	return IRQ_OK;
}

bool irq_vector_in_use(const struct irq_vector_pool *p, uint32_t cpu, uint8_t vector)
{
	if (cpu >= p->ncpu || p->ncpu > IRQ_VECTOR_MAX_CPUS || !irq_vector_is_device(vector))
		return false;
	return bit_get(p->used[cpu], vector - IRQ_VECTOR_DEVICE_FIRST);
}

uint32_t irq_vector_free_count(const struct irq_vector_pool *p, uint32_t cpu)
{
	if (cpu >= p->ncpu || p->ncpu > IRQ_VECTOR_MAX_CPUS)
		return 0;
	return IRQ_VECTOR_POOL_SIZE - p->used_count[cpu];
}
