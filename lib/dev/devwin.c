/* devwin: DeviceMmio windows and pool buffers (pure). */
#include "devwin.h"

#include "lib/str.h"

static uint64_t floor_page(uint64_t a)
{
	return a & ~(uint64_t)(DEVWIN_PAGE - 1);
}

/* [a, a + len) rounded out to pages, with len > 0 and no overflow. */
static bool page_span(uint64_t a, uint64_t len, uint64_t *lo, uint64_t *hi)
{
	if (len == 0 || a + len < a || a + len > UINT64_MAX - DEVWIN_PAGE)
		return false;
	*lo = floor_page(a);
	*hi = floor_page(a + len + DEVWIN_PAGE - 1);
	return true;
}

static bool overlaps(uint64_t lo, uint64_t hi, uint64_t lo2, uint64_t hi2)
{
	return lo < hi2 && lo2 < hi;
}

/* Whether [lo, hi) (offsets in the BAR) shares a page with the MSI-X table or PBA. */
static bool hits_msix(const struct pci_fn *f, unsigned bar, uint64_t lo, uint64_t hi)
{
	uint64_t a, b;
	if (!(f->flags & PCI_FN_MSIX))
		return false;
	const struct pci_msix *m = &f->msix;
	if (m->table_bir == bar && page_span(m->table_off, (uint64_t)m->table_size * 16, &a, &b) &&
	    overlaps(lo, hi, a, b))
		return true;
	uint64_t pba_len = ((uint64_t)m->table_size + 63) / 64 * 8;
	return m->pba_bir == bar && page_span(m->pba_off, pba_len, &a, &b) &&
	       overlaps(lo, hi, a, b);
}

enum devwin_status devwin_check(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
				struct devwin *out)
{
	const struct pci_bar *b = f == NULL ? NULL : pci_fn_bar_by_index(f, bar);
	uint64_t lo, hi;
	if (b == NULL || (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) ||
	    !pci_bar_assigned(b))
		return DEVWIN_E_BAR;
	if (len == 0 || off + len < off || off + len > b->size || !page_span(off, len, &lo, &hi))
		return DEVWIN_E_RANGE;
	if ((b->addr & (DEVWIN_PAGE - 1)) != 0 || b->size < DEVWIN_PAGE || hi > b->size ||
	    b->addr + b->size < b->addr)
		return DEVWIN_E_SUBPAGE;
	if (hits_msix(f, bar, lo, hi))
		return DEVWIN_E_MSIX;
	out->phys = b->addr + lo;
	out->pages = (hi - lo) / DEVWIN_PAGE;
	out->first = off - lo;
	return DEVWIN_OK;
}

void devbuf_init(struct devbuf_pool *p, uint64_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = size;
}

bool devbuf_alloc(struct devbuf_pool *p, uint64_t len, uint64_t align, uint32_t tag, uint64_t *off)
{
	if (align == 0)
		align = 64;
	if (len == 0 || len > p->size || (align & (align - 1)) != 0 || align > p->size ||
	    p->n >= DEVBUF_MAX)
		return false;
	uint64_t at = 0;
	for (uint32_t i = 0; i <= p->n; i++) {
		uint64_t end = i < p->n ? p->b[i].off : p->size;
		uint64_t a = (at + align - 1) & ~(align - 1);
		if (a >= at && a <= end && end - a >= len) {
			memmove(&p->b[i + 1], &p->b[i], (p->n - i) * sizeof(p->b[0]));
			p->b[i].off = a;
			p->b[i].len = len;
			p->b[i].tag = tag;
			p->n++;
			*off = a;
			return true;
		}
		if (i < p->n)
			at = p->b[i].off + p->b[i].len;
	}
	return false;
}

static int find(const struct devbuf_pool *p, uint32_t tag)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (p->b[i].tag == tag)
			return (int)i;
	return -1;
}

bool devbuf_find(const struct devbuf_pool *p, uint32_t tag, uint64_t *off, uint64_t *len)
{
	int i = find(p, tag);
	if (i < 0)
		return false;
	*off = p->b[i].off;
	*len = p->b[i].len;
	return true;
}

bool devbuf_free(struct devbuf_pool *p, uint32_t tag)
{
	int i = find(p, tag);
	if (i < 0)
		return false;
	memmove(&p->b[i], &p->b[i + 1], (p->n - (uint32_t)i - 1) * sizeof(p->b[0]));
	p->n--;
	return true;
}

uint64_t devbuf_used(const struct devbuf_pool *p)
{
	uint64_t u = 0;
	for (uint32_t i = 0; i < p->n; i++)
		u += p->b[i].len;
	return u;
}
