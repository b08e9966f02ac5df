/* vtd_domain: one domain per device: its page tables (lib/iommu/vtd_pt), its
 * IOVA space (lib/iommu/iova), its context entry, and the invalidations that
 * make a change true before anything relies on it. */
#include "vtd_internal.h"
#include "core/console.h"
#include "dev/acpi.h"
#include "lib/iommu/vtd_scope.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "mm/layout.h"

struct vtd_domain *vtd_domains[VTD_MAX_DOMAINS];
spinlock_t vtd_domains_lock = SPINLOCK_INIT; /* the table above; never with a unit's lock */

static bool pt_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return frame_alloc(pa);
}

static void pt_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	frame_free(pa);
}

static void *pt_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static void pt_flush(void *ctx, void *va, size_t len)
{
	vtd_flush_cache(ctx, va, len);
}

/* Per unit: the ops its tables use (flush only where walks do not snoop). */
static struct vtd_pt_ops pt_ops[VTD_MAX_UNITS];

static int alloc_did(struct vtd_unit *u)
{
	uint32_t n = u->caps.ndomains < VTD_DID_MAX ? u->caps.ndomains : VTD_DID_MAX;
	/* Id 0 is reserved in caching mode (VT-d §6.1); never used here. */
	for (uint32_t d = 1; d < n; d++)
		if (!(u->did_used[d / 8] & (1u << (d % 8)))) {
			u->did_used[d / 8] |= (uint8_t)(1u << (d % 8));
			return (int)d;
		}
	return -1;
}

/* Reserved memory regions the DMAR names for this device (VT-d §8.4) stay
 * reachable, identity-mapped: firmware may still DMA there. Their IOVAs are
 * taken out of the allocator so no pool lands on them. */
static bool map_rmrrs(struct vtd_domain *d)
{
	const struct acpi_info *ai = acpi_get();
	size_t cursor = 0, i;
	while (ai != NULL && ai->has_dmar &&
	       vtd_rmrr_next(&ai->dmar, d->seg, &vtd_bridge_ops, d->bus, d->devfn, &cursor, &i)) {
		const struct acpi_rmrr *r = &ai->dmar.rmrr[i];
		uint64_t base = r->base & ~(uint64_t)(VTD_PAGE_SIZE - 1);
		uint64_t pages = ((r->limit | (VTD_PAGE_SIZE - 1)) + 1 - base) / VTD_PAGE_SIZE;
		/* A firmware region is small (a USB or graphics buffer); a huge one
		 * would cost table frames by the gigabyte: refused, so is the device. */
		if (pages > VTD_RMRR_MAX_PAGES || iova_reserve(&d->iova, base, pages) != IOVA_OK ||
		    vtd_pt_map(&d->pt, base, base, pages, VTD_PT_READ | VTD_PT_WRITE) !=
			VTD_PT_OK) {
			kprintf("iommu: %02x:%02x.%u: RMRR 0x%llx-0x%llx refused (over 64 MiB, "
				"overlapping, or no memory for its tables)\n",
				d->bus, d->devfn >> 3, d->devfn & 7, (unsigned long long)r->base,
				(unsigned long long)r->limit);
			return false;
		}
		kprintf("iommu: %02x:%02x.%u: RMRR 0x%llx-0x%llx identity-mapped\n", d->bus,
			d->devfn >> 3, d->devfn & 7, (unsigned long long)r->base,
			(unsigned long long)r->limit);
	}
	return true;
}

enum vtd_status vtd_domain_create(uint16_t seg, uint8_t bus, uint8_t devfn, uint64_t iova_limit,
				  struct vtd_domain **out)
{
	struct vtd_unit *u = vtd_unit_for(seg, bus, devfn);
	if (u == NULL)
		return VTD_E_NONE;
	struct vtd_domain *d = kmalloc(sizeof(*d));
	if (d == NULL)
		return VTD_E_NOMEM;
	memset(d, 0, sizeof(*d));
	d->unit = u;
	d->seg = seg;
	d->bus = bus;
	d->devfn = devfn;
	/* The tables' width, or less where MGAW says the unit walks fewer bits. */
	uint64_t limit = vtd_caps_iova_limit(&u->caps, u->levels);
	if (iova_limit != 0 && iova_limit < limit)
		limit = iova_limit & ~(uint64_t)(VTD_PAGE_SIZE - 1);
	pt_ops[u->index] =
	    (struct vtd_pt_ops){pt_alloc, pt_free, pt_virt, u->caps.c ? NULL : pt_flush, u};
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	int did = alloc_did(u);
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	int slot = -1;
	fl = spin_lock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU);
	for (int i = 0; i < VTD_MAX_DOMAINS && slot < 0 && did > 0; i++)
		if (vtd_domains[i] == NULL)
			slot = i;
	if (slot >= 0)
		vtd_domains[slot] = d;
	spin_unlock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU, fl);
	if (did < 0 || slot < 0 || iova_init(&d->iova, VTD_PAGE_SIZE, limit) != IOVA_OK ||
	    vtd_pt_init(&d->pt, u->levels, &pt_ops[u->index]) != VTD_PT_OK) {
		fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
		if (did > 0)
			u->did_used[did / 8] &= (uint8_t) ~(1u << (did % 8));
		spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
		fl = spin_lock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU);
		if (slot >= 0 && vtd_domains[slot] == d)
			vtd_domains[slot] = NULL;
		spin_unlock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU, fl);
		kfree(d);
		return VTD_E_NOMEM;
	}
	d->did = (uint16_t)did;
	if (!map_rmrrs(d)) {
		vtd_domain_destroy(d);
		return VTD_E_NOMEM;
	}
	*out = d;
	return VTD_OK;
}

static struct vtd_context_entry *context_of(struct vtd_unit *u, uint8_t bus, uint8_t devfn,
					    bool make)
{
	if (u->ctx_pa[bus] == 0) {
		if (!make || !frame_alloc(&u->ctx_pa[bus]))
			return NULL;
		vtd_flush_cache(u, phys_to_virt(u->ctx_pa[bus]), VTD_PAGE_SIZE);
		u->root[bus] = vtd_root_make(u->ctx_pa[bus]);
		vtd_flush_cache(u, &u->root[bus], sizeof(u->root[bus]));
	}
	return (struct vtd_context_entry *)phys_to_virt(u->ctx_pa[bus]) + devfn;
}

void vtd_prepare(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	struct vtd_unit *u = vtd_unit_for(seg, bus, devfn);
	if (u == NULL)
		return;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	(void)context_of(u, bus, devfn, true); /* every entry not present: still denied */
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
}

enum vtd_status vtd_domain_attach(struct vtd_domain *d)
{
	struct vtd_unit *u = d->unit;
	enum vtd_status st = VTD_OK;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	struct vtd_context_entry *c = context_of(u, d->bus, d->devfn, true);
	if (c == NULL || d->attached || vtd_ctx_present(c)) {
		st = c == NULL ? VTD_E_NOMEM : VTD_E_INVALID;
		goto out;
	}
	struct vtd_context_entry e =
	    vtd_ctx_make(d->pt.root, vtd_levels_aw(u->levels), d->did, VTD_CTX_TT_UNTRANSLATED);
	/* The high half first: the entry turns present with its low half. */
	c->hi = e.hi;
	__atomic_store_n(&c->lo, e.lo, __ATOMIC_RELEASE);
	vtd_flush_cache(u, c, sizeof(*c));
	vtd_write_buffer_flush(u);
	/* A not-present entry may be cached in caching mode (VT-d §6.1), under
	 * domain id 0 (§9.3): the device's context entry and the domain's IOTLB
	 * are invalidated always. */
	if (!vtd_inv_ctx(u, VTD_INV_DEVICE, u->caps.cm ? 0 : d->did, vtd_sid(d->bus, d->devfn)) ||
	    !vtd_inv_tlb(u, VTD_INV_DOMAIN, d->did, 0, 0))
		st = VTD_E_TIMEOUT;
	d->attached = true;
out:
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	return st;
}

enum vtd_status vtd_domain_detach(struct vtd_domain *d)
{
	struct vtd_unit *u = d->unit;
	enum vtd_status st = VTD_OK;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	struct vtd_context_entry *c = context_of(u, d->bus, d->devfn, false);
	if (!d->attached || c == NULL) {
		st = VTD_E_INVALID;
		goto out;
	}
	__atomic_store_n(&c->lo, 0, __ATOMIC_RELEASE); /* not present first */
	c->hi = 0;
	vtd_flush_cache(u, c, sizeof(*c));
	vtd_write_buffer_flush(u);
	/* VT-d §6.5.3.3: context cache, then the domain's IOTLB, both waited for. */
	if (!vtd_inv_ctx(u, VTD_INV_DEVICE, d->did, vtd_sid(d->bus, d->devfn)) ||
	    !vtd_inv_tlb(u, VTD_INV_DOMAIN, d->did, 0, 0))
		st = VTD_E_TIMEOUT; /* not proven detached: it stays attached */
	else
		d->attached = false;
out:
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	return st;
}

void vtd_domain_destroy(struct vtd_domain *d)
{
	struct vtd_unit *u = d->unit;
	if (d->attached && vtd_domain_detach(d) != VTD_OK) {
		/* The unit may still walk these tables or cache this id: both are
		 * kept, never reused (a leak, not a hole). */
		kprintf("iommu: domain %u of %02x:%02x.%u not proven detached; its tables and id "
			"are kept\n",
			d->did, d->bus, d->devfn >> 3, d->devfn & 7);
		return;
	}
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	vtd_pt_destroy(&d->pt);
	u->did_used[d->did / 8] &= (uint8_t) ~(1u << (d->did % 8));
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	fl = spin_lock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU);
	for (int i = 0; i < VTD_MAX_DOMAINS; i++)
		if (vtd_domains[i] == d)
			vtd_domains[i] = NULL;
	spin_unlock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU, fl);
	kfree(d);
}

/* The IOTLB invalidation of [iova, iova + pages): page-selective for one page,
 * else the whole domain. */
static bool inv_range(struct vtd_unit *u, struct vtd_domain *d, uint64_t iova, uint64_t pages)
{
	if (pages == 1)
		return vtd_inv_tlb(u, VTD_INV_PAGE, d->did, iova, 0);
	return vtd_inv_tlb(u, VTD_INV_DOMAIN, d->did, 0, 0);
}

enum vtd_status vtd_map(struct vtd_domain *d, uint64_t iova, uint64_t pa, uint64_t pages,
			unsigned perm)
{
	struct vtd_unit *u = d->unit;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	enum vtd_pt_status ps = vtd_pt_map(&d->pt, iova, pa, pages, perm);
	enum vtd_status st = ps == VTD_PT_OK	      ? VTD_OK
			     : ps == VTD_PT_ERR_NOMEM ? VTD_E_NOMEM
						      : VTD_E_INVALID;
	if (st == VTD_OK) {
		d->maps += pages;
		vtd_write_buffer_flush(u);
		/* In caching mode not-present entries may be cached (VT-d §6.1). */
		if (u->caps.cm && !inv_range(u, d, iova, pages))
			st = VTD_E_TIMEOUT;
	}
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	return st;
}

enum vtd_status vtd_unmap(struct vtd_domain *d, uint64_t iova, uint64_t pages)
{
	struct vtd_unit *u = d->unit;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	enum vtd_status st =
	    vtd_pt_unmap(&d->pt, iova, pages) == VTD_PT_OK ? VTD_OK : VTD_E_INVALID;
	if (st == VTD_OK) {
		d->unmaps += pages;
		vtd_write_buffer_flush(u);
		if (!inv_range(u, d, iova, pages))
			st = VTD_E_TIMEOUT; /* the frames must not be reused */
	}
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	return st;
}

int vtd_iova_alloc(struct vtd_domain *d, uint64_t pages, uint64_t limit, uint64_t *iova)
{
	uint64_t fl = spin_lock_class(&d->unit->lock, LOCK_CLASS_IOMMU);
	int st = iova_alloc(&d->iova, pages, 1, limit, iova);
	spin_unlock_class(&d->unit->lock, LOCK_CLASS_IOMMU, fl);
	return st;
}

void vtd_iova_free(struct vtd_domain *d, uint64_t iova, uint64_t pages)
{
	uint64_t fl = spin_lock_class(&d->unit->lock, LOCK_CLASS_IOMMU);
	iova_free(&d->iova, iova, pages);
	spin_unlock_class(&d->unit->lock, LOCK_CLASS_IOMMU, fl);
}
