/* umalloc: first-fit allocator over one arena; see umalloc.h. */
#include "lib/umalloc/umalloc.h"

#include <stdbool.h>

#define HDR	  UMALLOC_ALIGN
#define USED_BIT  1u
#define HDR_MAGIC 0x75616c6cu /* "ualloc": marks a header, catches stray pointers */

struct hdr {
	uint64_t size_flags; /* block size (multiple of 16, header included) | USED_BIT */
	uint32_t magic;
	uint32_t pad;
};
_Static_assert(sizeof(struct hdr) == HDR, "umalloc header is one alignment unit");

static struct hdr *at(struct umalloc *a, size_t off)
{
	return (struct hdr *)(void *)(a->base + off);
}

static size_t bsize(const struct hdr *h)
{
	return (size_t)(h->size_flags & ~(uint64_t)(UMALLOC_ALIGN - 1));
}

static bool used(const struct hdr *h)
{
	return (h->size_flags & USED_BIT) != 0;
}

/* The header at off is sane: magic, a size of at least one header, inside the arena. */
static bool sane(struct umalloc *a, size_t off)
{
	const struct hdr *h = at(a, off);
	size_t s = bsize(h);
	return h->magic == HDR_MAGIC && s >= HDR && s <= a->size - off &&
	       (h->size_flags & (UMALLOC_ALIGN - 1) & ~(uint64_t)USED_BIT) == 0;
}

static void set(struct umalloc *a, size_t off, size_t size, bool in_use)
{
	struct hdr *h = at(a, off);
	h->size_flags = (uint64_t)size | (in_use ? USED_BIT : 0);
	h->magic = HDR_MAGIC;
	h->pad = 0;
}

enum umalloc_status umalloc_init(struct umalloc *a, void *mem, size_t size)
{
	if (a == NULL || mem == NULL)
		return UMALLOC_E_INVALID;
	uintptr_t start = (uintptr_t)mem;
	uintptr_t aligned = (start + UMALLOC_ALIGN - 1) & ~(uintptr_t)(UMALLOC_ALIGN - 1);
	if (aligned < start || aligned - start >= size)
		return UMALLOC_E_INVALID;
	size_t usable = (size - (aligned - start)) & ~(size_t)(UMALLOC_ALIGN - 1);
	if (usable < 2 * HDR)
		return UMALLOC_E_INVALID;
	a->base = (uint8_t *)aligned;
	a->size = usable;
	a->in_use = 0;
	a->blocks_used = 0;
	a->corrupt = 0;
	set(a, 0, usable, false);
	return UMALLOC_OK;
}

void *umalloc(struct umalloc *a, size_t n)
{
	if (a->corrupt || n == 0 || n > a->size)
		return NULL;
	size_t need = HDR + ((n + UMALLOC_ALIGN - 1) & ~(size_t)(UMALLOC_ALIGN - 1));
	for (size_t off = 0; off < a->size;) {
		if (!sane(a, off)) {
			a->corrupt = 1;
			return NULL;
		}
		struct hdr *h = at(a, off);
		size_t s = bsize(h);
		if (!used(h)) {
			/* Merge the free blocks that follow into this one. */
			while (off + s < a->size && sane(a, off + s) && !used(at(a, off + s)))
				s += bsize(at(a, off + s));
			set(a, off, s, false);
			if (s >= need) {
				if (s - need >= 2 * HDR) {
					set(a, off + need, s - need, false);
					s = need;
				}
				set(a, off, s, true);
				a->in_use += s - HDR;
				a->blocks_used++;
				return a->base + off + HDR;
			}
		}
		off += s;
	}
	return NULL;
}

enum umalloc_status umalloc_free(struct umalloc *a, void *p)
{
	if (p == NULL)
		return UMALLOC_OK;
	if (a->corrupt)
		return UMALLOC_E_CORRUPT;
	uintptr_t up = (uintptr_t)p, b = (uintptr_t)a->base;
	if (up < b + HDR || up - b > a->size || (up - b) % UMALLOC_ALIGN != 0)
		return UMALLOC_E_BAD_POINTER;
	size_t target = up - b - HDR;
	for (size_t off = 0; off < a->size; off += bsize(at(a, off))) {
		if (!sane(a, off)) {
			a->corrupt = 1;
			return UMALLOC_E_CORRUPT;
		}
		if (off == target) {
			struct hdr *h = at(a, off);
			if (!used(h))
				return UMALLOC_E_BAD_POINTER; /* freed already */
			set(a, off, bsize(h), false);
			a->in_use -= bsize(h) - HDR;
			a->blocks_used--;
			return UMALLOC_OK;
		}
		if (off > target)
			break;
	}
	return UMALLOC_E_BAD_POINTER;
}

enum umalloc_status umalloc_check(struct umalloc *a)
{
	size_t in_use = 0, blocks = 0, off = 0;
	if (a->corrupt)
		return UMALLOC_E_CORRUPT;
	while (off < a->size) {
		if (!sane(a, off))
			return UMALLOC_E_CORRUPT;
		if (used(at(a, off))) {
			in_use += bsize(at(a, off)) - HDR;
			blocks++;
		}
		off += bsize(at(a, off));
	}
	return off == a->size && in_use == a->in_use && blocks == a->blocks_used
		   ? UMALLOC_OK
		   : UMALLOC_E_CORRUPT;
}
