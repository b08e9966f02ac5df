/* mmio: a bump allocator over the MMIO window, with uncached page mappings. */
#include "lib/irq/registry.h"
#include "mmio.h"
#include "layout.h"
#include "arch/x86_64/paging.h"
#include "core/spinlock.h"

static uint64_t mmio_next = MMIO_BASE;
static uint64_t mmio_bytes;
static spinlock_t mmio_lock = SPINLOCK_INIT;

void *mmio_map(uint64_t phys, size_t len)
{
	if (len == 0 || phys + len < phys)
		return NULL;
	uint64_t first = phys & ~PAGE_MASK;
	uint64_t span = ((phys + len + PAGE_MASK) & ~PAGE_MASK) - first;

	uint64_t irq = spin_lock_class(&mmio_lock, LOCK_CLASS_MMIO);
	/* One unmapped guard page after each mapping. */
	if (span > MMIO_BASE + MMIO_SIZE - mmio_next - PAGE_SIZE) {
		spin_unlock_class(&mmio_lock, LOCK_CLASS_MMIO, irq);
		return NULL;
	}
	uint64_t va = mmio_next;
	mmio_next += span + PAGE_SIZE;
	spin_unlock_class(&mmio_lock, LOCK_CLASS_MMIO, irq);

	for (uint64_t off = 0; off < span; off += PAGE_SIZE) {
		if (paging_map(va + off, first + off, PTE_W | PTE_PCD | PTE_PWT | PTE_NX) !=
		    PAGING_OK) {
			for (uint64_t u = 0; u < off; u += PAGE_SIZE)
				paging_unmap(va + u);
			return NULL;
		}
	}
	__atomic_add_fetch(&mmio_bytes, span, __ATOMIC_RELAXED);
	return (void *)(uintptr_t)(va + (phys - first));
}

void mmio_unmap(void *p, size_t len)
{
	uint64_t va = (uint64_t)(uintptr_t)p;
	uint64_t first = va & ~PAGE_MASK;
	uint64_t span = ((va + len + PAGE_MASK) & ~PAGE_MASK) - first;
	if (len == 0 || first < MMIO_BASE || first >= MMIO_BASE + MMIO_SIZE)
		return;
	for (uint64_t off = 0; off < span; off += PAGE_SIZE)
		paging_unmap(first + off);
	__atomic_sub_fetch(&mmio_bytes, span, __ATOMIC_RELAXED);
}

uint64_t mmio_mapped_bytes(void)
{
	return __atomic_load_n(&mmio_bytes, __ATOMIC_RELAXED);
}
