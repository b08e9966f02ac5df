/* heap: size-class free lists for small objects, contiguous frames for large. */
#include "lib/irq/registry.h"
#include "heap.h"
#include "frames.h"
#include "layout.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "lib/str.h"

#define HEAP_HDR     16u
#define HEAP_MIN     32u /* smallest chunk, header included */
#define HEAP_CLASSES 8	 /* 32 .. 4096 */
#define HEAP_MAX     (1ull << 30)
#define MAGIC_USED   0xC0A1100Cu
#define MAGIC_FREE   0xF4EEF4EEu
#define CLASS_LARGE  0xffu

struct heap_hdr {
	uint32_t magic;
	uint8_t cls;
	uint8_t pad[3];
	uint64_t size; /* requested bytes (large: frames) */
};
_Static_assert(sizeof(struct heap_hdr) == HEAP_HDR, "heap header");

struct free_chunk {
	struct heap_hdr hdr;
	struct free_chunk *next;
};

static struct free_chunk *free_lists[HEAP_CLASSES];
static uint64_t heap_in_use, heap_pages;
static spinlock_t heap_lock = SPINLOCK_INIT;

static unsigned size_class(size_t total)
{
	unsigned c = 0;
	size_t s = HEAP_MIN;
	while (s < total) {
		s <<= 1;
		c++;
	}
	return c;
}

/* Carves a fresh frame into chunks of class c. Called with the lock held. */
static bool refill(unsigned c)
{
	uint64_t phys;
	if (!frame_alloc(&phys))
		return false;
	size_t chunk = (size_t)HEAP_MIN << c;
	uint8_t *page = phys_to_virt(phys);
	for (size_t off = 0; off + chunk <= PAGE_SIZE; off += chunk) {
		struct free_chunk *f = (struct free_chunk *)(page + off);
		f->hdr.magic = MAGIC_FREE;
		f->hdr.cls = (uint8_t)c;
		f->next = free_lists[c];
		free_lists[c] = f;
	}
	heap_pages++;
	return true;
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > HEAP_MAX)
		return NULL;
	size_t total = size + HEAP_HDR;
	struct heap_hdr *h;

	if (total <= PAGE_SIZE) {
		unsigned c = size_class(total);
		uint64_t irq = spin_lock_class(&heap_lock, LOCK_CLASS_HEAP);
		if (free_lists[c] == NULL && !refill(c)) {
			spin_unlock_class(&heap_lock, LOCK_CLASS_HEAP, irq);
			return NULL;
		}
		struct free_chunk *f = free_lists[c];
		free_lists[c] = f->next;
		heap_in_use += size;
		spin_unlock_class(&heap_lock, LOCK_CLASS_HEAP, irq);
		h = &f->hdr;
		h->cls = (uint8_t)c;
		memset(h + 1, 0, ((size_t)HEAP_MIN << c) - HEAP_HDR);
	} else {
		uint64_t frames = (total + PAGE_MASK) / PAGE_SIZE, phys;
		if (!frame_alloc_contig(frames, PAGE_SIZE, &phys))
			return NULL;
		h = phys_to_virt(phys);
		h->cls = CLASS_LARGE;
		uint64_t irq = spin_lock_class(&heap_lock, LOCK_CLASS_HEAP);
		heap_in_use += size;
		heap_pages += frames;
		spin_unlock_class(&heap_lock, LOCK_CLASS_HEAP, irq);
	}
	h->magic = MAGIC_USED;
	h->size = size;
	return h + 1;
}

void kfree(void *p)
{
	if (p == NULL)
		return;
	struct heap_hdr *h = (struct heap_hdr *)p - 1;
	if (((uintptr_t)p & (HEAP_HDR - 1)) != 0 || (uintptr_t)h < DIRECT_MAP_BASE ||
	    h->magic != MAGIC_USED || (h->cls >= HEAP_CLASSES && h->cls != CLASS_LARGE)) {
		kprintf("heap: kfree(%p) refused: not a live allocation\n", p);
		return;
	}
	uint64_t irq = spin_lock_class(&heap_lock, LOCK_CLASS_HEAP);
	heap_in_use -= h->size;
	h->magic = MAGIC_FREE;
	if (h->cls == CLASS_LARGE) {
		uint64_t frames = (h->size + HEAP_HDR + PAGE_MASK) / PAGE_SIZE;
		uint64_t phys = (uint64_t)(uintptr_t)h - DIRECT_MAP_BASE;
		heap_pages -= frames;
		spin_unlock_class(&heap_lock, LOCK_CLASS_HEAP, irq);
		for (uint64_t i = 0; i < frames; i++)
			frame_free(phys + i * PAGE_SIZE);
		return;
	}
	/* Poison what was handed out: a use after free reads 0x6b bytes (a lock
	 * that never opens, a state nothing expects), not plausible old data. */
	memset(h + 1, 0x6b, ((size_t)HEAP_MIN << h->cls) - HEAP_HDR);
	struct free_chunk *f = (struct free_chunk *)h;
	f->next = free_lists[h->cls];
	free_lists[h->cls] = f;
	spin_unlock_class(&heap_lock, LOCK_CLASS_HEAP, irq);
}

void heap_stats(uint64_t *bytes_in_use, uint64_t *pages)
{
	uint64_t irq = spin_lock_class(&heap_lock, LOCK_CLASS_HEAP);
	*bytes_in_use = heap_in_use;
	*pages = heap_pages;
	spin_unlock_class(&heap_lock, LOCK_CLASS_HEAP, irq);
}
