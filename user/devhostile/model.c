/* model: what devhostile holds (each sub-handle live or stale, its window,
 * route or pool, the budgets it is charged) and what each call must answer. */
#include "devhostile.h"

struct held dh_held[MAX_HELD];
uint32_t dh_nheld, dh_ngone, dh_noldbuf, dh_ndeadiova;
struct capos_handle dh_gone[MAX_OLD];
struct name dh_oldbuf[MAX_OLD];
uint64_t dh_deadiova[MAX_OLD];
uint64_t dh_epoch, dh_bar0_size, dh_mmio_used, dh_pool_used;
uint16_t dh_isolation, dh_msi_count;

static uint64_t dev_va_hi;

void dh_device_info(void)
{
	struct capos_cqe c;
	struct capnp_struct root, info, e;
	struct capnp_list bars;
	uint16_t vendor = 0, device = 0;
	uint64_t size = 0;
	dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_INFO, (struct fields){0}, &c),
		 A(CAPOS_OK), "Device.info of the live Device");
	size_t n = dh_res_len(&c);
	if (capnp_get_root(dh_rbuf, n, &root) != CAPNP_OK ||
	    capos_device_info_results_get_info(dh_rbuf, n, &root, &info) != CAPNP_OK ||
	    capos_device_info_get_bars(dh_rbuf, n, &info, &bars) != CAPNP_OK ||
	    capnp_list_struct(n, &bars, 0, &e) != CAPNP_OK)
		dh_fail("Device.info's reply does not parse", 0);
	capos_device_info_get_vendor(dh_rbuf, n, &info, &vendor);
	capos_device_info_get_device(dh_rbuf, n, &info, &device);
	capos_device_info_get_epoch(dh_rbuf, n, &info, &dh_epoch);
	capos_device_info_get_isolation(dh_rbuf, n, &info, &dh_isolation);
	capos_device_info_get_msi_count(dh_rbuf, n, &info, &dh_msi_count);
	capos_bar_info_get_size(dh_rbuf, n, &e, &size);
	if (vendor != EDU_VENDOR || device != EDU_DEVICE || size < PAGE)
		dh_fail("the Device is not edu with its BAR0", 0);
	dh_bar0_size = size;
}

uint64_t dh_device_epoch(void)
{
	uint64_t e = dh_epoch;
	dh_device_info();
	uint64_t now = dh_epoch;
	dh_epoch = e;
	return now;
}

bool dh_bus_master(void)
{
	struct capos_cqe c;
	struct capnp_struct root;
	uint32_t v = 0;
	dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_CONFIG_READ,
			   (struct fields){CFG_COMMAND, 2, 0}, &c),
		 A(CAPOS_OK), "Device.configRead of the command register");
	if (capnp_get_root(dh_rbuf, dh_res_len(&c), &root) != CAPNP_OK ||
	    capos_device_config_read_results_get_value(dh_rbuf, dh_res_len(&c), &root, &v) !=
		CAPNP_OK)
		dh_fail("configRead's reply does not parse", 0);
	return (v & CMD_MASTER) != 0;
}

/* Interrupt.info of a live Interrupt: the count so far (kept in h->total). */
uint64_t dh_irq_total(struct held *h)
{
	struct capos_cqe c;
	struct capnp_struct root;
	uint64_t n = 0;
	uint16_t kind = 0, index = 1;
	dh_check(
	    dh_simple(h->h, CAPOS_IFACE_INTERRUPT, CAPOS_INTERRUPT_INFO, (struct fields){0}, &c),
	    A(CAPOS_OK), "Interrupt.info of a live Interrupt");
	size_t len = dh_res_len(&c);
	if (capnp_get_root(dh_rbuf, len, &root) != CAPNP_OK ||
	    capos_interrupt_info_results_get_count(dh_rbuf, len, &root, &n) != CAPNP_OK ||
	    capos_interrupt_info_results_get_kind(dh_rbuf, len, &root, &kind) != CAPNP_OK ||
	    capos_interrupt_info_results_get_index(dh_rbuf, len, &root, &index) != CAPNP_OK)
		dh_fail("Interrupt.info's reply does not parse", 0);
	if (kind != CAPOS_INTERRUPT_KIND_MSI || index != 0)
		dh_fail("an Interrupt of edu that is not its MSI", kind);
	if (n < h->total || n < h->consumed)
		dh_fail("an interrupt count went back", 0);
	h->total = n;
	return n;
}

struct held *dh_live_irq(void)
{
	for (uint32_t i = 0; i < dh_nheld; i++)
		if (dh_held[i].kind == K_IRQ && dh_held[i].state == S_LIVE)
			return &dh_held[i];
	return NULL;
}

struct held *dh_find_held(struct capos_handle h)
{
	for (uint32_t i = 0; i < dh_nheld; i++)
		if (dh_same(dh_held[i].h, h))
			return &dh_held[i];
	return NULL;
}

struct held *dh_any_live(int kind)
{
	uint32_t n = 0, pick;
	for (uint32_t i = 0; i < dh_nheld; i++)
		n += dh_held[i].kind == kind && dh_held[i].state == S_LIVE;
	if (n == 0)
		return NULL;
	pick = (uint32_t)dh_below(n);
	for (uint32_t i = 0; i < dh_nheld; i++)
		if (dh_held[i].kind == kind && dh_held[i].state == S_LIVE && pick-- == 0)
			return &dh_held[i];
	return NULL;
}

static void remember_gone(struct capos_handle h)
{
	dh_gone[dh_ngone++ % MAX_OLD] = h;
}

static void remember_buf(uint32_t id, uint32_t gen)
{
	dh_oldbuf[dh_noldbuf++ % MAX_OLD] = (struct name){id, gen};
}

/* The buffers of h are dead (freed with their pool, or by a teardown). */
static void bufs_dead(struct held *h)
{
	for (uint32_t i = 0; i < h->nbuf; i++)
		remember_buf(h->buf[i].id, h->buf[i].gen);
	h->nbuf = 0;
}

/* h's charges leave the budget model (released while live, or torn down). */
static void uncharge(struct held *h)
{
	if (h->kind == K_MMIO)
		dh_mmio_used -= h->charge;
	if (h->kind == K_POOL)
		dh_pool_used -= h->charge;
	if (h->kind == K_MMIO)
		dh_remember_va(h->addr);
	if (h->kind == K_POOL) {
		dh_remember_va(h->va);
		dh_deadiova[dh_ndeadiova++ % MAX_OLD] = h->iova;
		bufs_dead(h);
	}
}

void dh_forget(struct held *h)
{
	if (h->state == S_LIVE)
		uncharge(h);
	remember_gone(h->h);
	*h = dh_held[--dh_nheld];
}

int32_t dh_release(struct capos_handle h, uint8_t flags, uint32_t stray)
{
	struct capos_cqe c;
	struct call k = {.t = h, .op = CAPOS_OP_RELEASE, .flags = flags};
	if (stray != 0) {
		k.p = (uint64_t)(uintptr_t)dh_pbuf;
		k.plen = stray;
	}
	dh_last_ps = dh_last_rs = -1;
	return dh_issue(&k, &c);
}

/* A new page of the device area must lie above every earlier one: a stale
 * pointer is never given new memory. */
static void check_fresh(uint64_t addr, uint64_t len)
{
	uint64_t lo = addr & ~(PAGE - 1);
	if (lo < dev_va_hi || lo < DEV_VA)
		dh_fail("a device mapping at an address used before", 0);
	dev_va_hi = (addr + len + PAGE - 1) & ~(PAGE - 1);
}

static void adopt_mmio(struct held *e)
{
	struct capos_cqe c;
	struct capnp_struct root;
	uint8_t bar = 9;
	dh_check(dh_simple(e->h, CAPOS_IFACE_DEVICE_MMIO, CAPOS_DEVICE_MMIO_INFO,
			   (struct fields){0}, &c),
		 A(CAPOS_OK), "DeviceMmio.info of a new window");
	size_t n = dh_res_len(&c);
	if (capnp_get_root(dh_rbuf, n, &root) != CAPNP_OK ||
	    capos_device_mmio_info_results_get_address(dh_rbuf, n, &root, &e->addr) != CAPNP_OK ||
	    capos_device_mmio_info_results_get_length(dh_rbuf, n, &root, &e->len) != CAPNP_OK ||
	    capos_device_mmio_info_results_get_bar(dh_rbuf, n, &root, &bar) != CAPNP_OK ||
	    capos_device_mmio_info_results_get_offset(dh_rbuf, n, &root, &e->off) != CAPNP_OK)
		dh_fail("DeviceMmio.info's reply does not parse", 0);
	if (bar != 0 || e->len == 0 || e->off + e->len < e->off || e->off + e->len > dh_bar0_size ||
	    (e->addr & (PAGE - 1)) != (e->off & (PAGE - 1)))
		dh_fail("a window outside edu's BAR0", bar);
	uint64_t lo = e->off & ~(PAGE - 1), hi = (e->off + e->len + PAGE - 1) & ~(PAGE - 1);
	e->charge = hi - lo;
	check_fresh(e->addr, e->len);
	dh_mmio_used += e->charge;
	if (dh_mmio_used > MMIO_BUDGET)
		dh_fail("windows past the MMIO budget", 0);
	dh_n_windows++;
}

static void adopt_pool(struct held *e)
{
	struct capos_cqe c;
	struct capnp_struct root;
	uint16_t iso = 9;
	uint64_t used = 1;
	dh_check(dh_simple(e->h, CAPOS_IFACE_DMAPOOL, CAPOS_DMAPOOL_INFO, (struct fields){0}, &c),
		 A(CAPOS_OK), "DMAPool.info of a new pool");
	size_t n = dh_res_len(&c);
	if (capnp_get_root(dh_rbuf, n, &root) != CAPNP_OK ||
	    capos_dmapool_info_results_get_isolation(dh_rbuf, n, &root, &iso) != CAPNP_OK ||
	    capos_dmapool_info_results_get_bytes(dh_rbuf, n, &root, &e->charge) != CAPNP_OK ||
	    capos_dmapool_info_results_get_used(dh_rbuf, n, &root, &used) != CAPNP_OK ||
	    capos_dmapool_info_results_get_address(dh_rbuf, n, &root, &e->va) != CAPNP_OK ||
	    capos_dmapool_info_results_get_iova(dh_rbuf, n, &root, &e->iova) != CAPNP_OK)
		dh_fail("DMAPool.info's reply does not parse", 0);
	if (iso != dh_isolation || used != 0 || e->charge == 0 || (e->charge & (PAGE - 1)) != 0 ||
	    (e->va & (PAGE - 1)) != 0 || (e->iova & (PAGE - 1)) != 0 ||
	    (iso == CAPOS_DMA_ISOLATION_IOMMU && e->iova + e->charge > IOVA_MAX + 1))
		dh_fail("a new pool that is not as the Device said", iso);
	check_fresh(e->va, e->charge);
	dh_pool_used += e->charge;
	if (dh_pool_used > POOL_BUDGET)
		dh_fail("pools past the DMA budget", 0);
	dh_n_pools++;
}

/* A capability the Device handed out: followed (with its info), or given back
 * at once when MAX_HELD are held. */
void dh_adopt(uint16_t method, struct capos_handle h)
{
	const char *was = dh_what;
	dh_what = "adopting a new handle";
	if (dh_find_held(h) != NULL || dh_same(h, dev) || dh_same(h, con) || dh_same(h, tim))
		dh_fail("a new handle naming one already held", 0);
	if (dh_nheld == MAX_HELD) {
		dh_check(dh_release(h, 0, 0), A(CAPOS_OK), "releasing a handle just received");
		remember_gone(h);
		dh_what = was;
		return;
	}
	struct held *e = &dh_held[dh_nheld++];
	memset(e, 0, sizeof(*e));
	e->h = h;
	e->state = S_LIVE;
	e->kind = method == CAPOS_DEVICE_MMIO	     ? K_MMIO
		  : method == CAPOS_DEVICE_INTERRUPT ? K_IRQ
						     : K_POOL;
	if (e->kind == K_MMIO)
		adopt_mmio(e);
	else if (e->kind == K_POOL)
		adopt_pool(e);
	else {
		for (uint32_t i = 0; i + 1 < dh_nheld; i++)
			if (dh_held[i].kind == K_IRQ && dh_held[i].state == S_LIVE)
				dh_fail("a second route for edu's one MSI", 0);
		dh_irq_total(e);
		dh_n_irqs++;
	}
	dh_what = was;
}

/* Device.reset ended the claim: every sub-handle held is stale, its windows
 * and pools unmapped, its charges returned, bus mastering off. */
void dh_on_reset(uint64_t now)
{
	if (now <= dh_epoch)
		dh_fail("the epoch did not move forward", 0);
	dh_epoch = now;
	for (uint32_t i = 0; i < dh_nheld; i++)
		if (dh_held[i].state == S_LIVE) {
			uncharge(&dh_held[i]);
			dh_held[i].state = S_STALE;
		}
	if (dh_mmio_used != 0 || dh_pool_used != 0)
		dh_fail("the budget model did not return to zero", 0);
	dh_n_resets++;
}

static bool pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* A method ordinal past the last of an interface whose last valid one is first - 1. */
uint16_t dh_invalid_method(uint16_t first)
{
	return dh_below(2) ? (uint16_t)(first + dh_below(8))
			   : (uint16_t)(first + dh_below(65536u - first));
}

uint32_t dh_expect_device(uint16_t m, struct fields f)
{
	uint64_t off = f.b, len = f.c, end = off + len;
	switch (m) {
	case CAPOS_DEVICE_INFO:
		return A(CAPOS_OK);
	case CAPOS_DEVICE_CONFIG_READ: {
		uint16_t o = (uint16_t)f.a;
		uint8_t w = (uint8_t)f.b;
		return (w == 1 || w == 2 || w == 4) && o < 256 && (o & (w - 1)) == 0
			   ? A(CAPOS_OK)
			   : A(CAPOS_E_BAD_PARAMS);
	}
	case CAPOS_DEVICE_MMIO: {
		if ((uint8_t)f.a != 0 || len == 0 || end < off || end > dh_bar0_size)
			return A(CAPOS_E_BAD_PARAMS);
		uint64_t charge = ((end + PAGE - 1) & ~(PAGE - 1)) - (off & ~(PAGE - 1));
		return dh_mmio_used + charge > MMIO_BUDGET ? A(CAPOS_E_NO_RESOURCES)
							   : A(CAPOS_OK) | A(CAPOS_E_NO_RESOURCES);
	}
	case CAPOS_DEVICE_INTERRUPT: {
		uint16_t index = (uint16_t)f.a, kind = (uint16_t)f.b;
		if (index != 0 || dh_msi_count == 0 ||
		    (kind != CAPOS_INTERRUPT_KIND_AUTO && kind != CAPOS_INTERRUPT_KIND_MSI))
			return A(CAPOS_E_NO_DEVICE);
		return dh_live_irq() != NULL ? A(CAPOS_E_NO_DEVICE) | A(CAPOS_E_NO_RESOURCES)
					     : A(CAPOS_OK) | A(CAPOS_E_NO_RESOURCES);
	}
	case CAPOS_DEVICE_DMA_POOL: {
		if (f.a == 0)
			return A(CAPOS_E_BAD_PARAMS);
		if (f.a > POOL_BUDGET ||
		    dh_pool_used + ((f.a + PAGE - 1) & ~(PAGE - 1)) > POOL_BUDGET)
			return A(CAPOS_E_NO_RESOURCES);
		return A(CAPOS_OK) | A(CAPOS_E_NO_RESOURCES);
	}
	case CAPOS_DEVICE_SET_BUS_MASTER:
		return A(CAPOS_OK) | A(CAPOS_E_NO_DEVICE);
	case CAPOS_DEVICE_RESET:
		return A(CAPOS_OK);
	default:
		return A(CAPOS_E_INVOKE);
	}
}

/* Where a pair (id, gen) stands for pool h: 0 one of its live buffers, 1 one
 * known dead or another pool's, 2 unknown. */
static int buf_where(const struct held *h, uint32_t id, uint32_t gen, uint32_t *at)
{
	for (uint32_t i = 0; i < h->nbuf; i++)
		if (h->buf[i].id == id && h->buf[i].gen == gen) {
			*at = i;
			return 0;
		}
	for (uint32_t i = 0; i < dh_nheld; i++)
		for (uint32_t j = 0; j < dh_held[i].nbuf; j++)
			if (&dh_held[i] != h && dh_held[i].buf[j].id == id &&
			    dh_held[i].buf[j].gen == gen)
				return 1;
	for (uint32_t i = 0; i < dh_noldbuf && i < MAX_OLD; i++)
		if (dh_oldbuf[i].id == id && dh_oldbuf[i].gen == gen)
			return 1;
	return 2;
}

uint32_t dh_expect_sub(const struct held *h, uint16_t m, struct fields f)
{
	uint32_t at;
	switch (h->kind) {
	case K_MMIO:
		return m == CAPOS_DEVICE_MMIO_INFO ? A(CAPOS_OK) : A(CAPOS_E_INVOKE);
	case K_IRQ:
		return m <= CAPOS_INTERRUPT_INFO ? A(CAPOS_OK) : A(CAPOS_E_INVOKE);
	default:
		break;
	}
	switch (m) {
	case CAPOS_DMAPOOL_ALLOC:
		if (f.a == 0 || (f.b != 0 && !pow2(f.b)))
			return A(CAPOS_E_BAD_PARAMS) | A(CAPOS_E_NO_RESOURCES);
		if (f.a > h->charge || f.b > h->charge)
			return A(CAPOS_E_NO_RESOURCES);
		return A(CAPOS_OK) | A(CAPOS_E_NO_RESOURCES);
	case CAPOS_DMAPOOL_FREE:
		switch (buf_where(h, (uint32_t)f.a, (uint32_t)f.b, &at)) {
		case 0:
			return A(CAPOS_OK);
		case 1:
			return A(CAPOS_E_STALE);
		default:
			return h->dirty ? A(CAPOS_OK) | A(CAPOS_E_STALE) : A(CAPOS_E_STALE);
		}
	case CAPOS_DMAPOOL_INFO:
		return A(CAPOS_OK);
	default:
		return A(CAPOS_E_INVOKE);
	}
}

/* Whether method m of iface looks at its parameters (else any message does). */
bool dh_reads_params(uint64_t iface, uint16_t m)
{
	if (iface == CAPOS_IFACE_DEVICE)
		return m >= CAPOS_DEVICE_CONFIG_READ && m <= CAPOS_DEVICE_SET_BUS_MASTER;
	if (iface == CAPOS_IFACE_DMAPOOL)
		return m == CAPOS_DMAPOOL_ALLOC || m == CAPOS_DMAPOOL_FREE;
	return iface == CAPOS_IFACE_INTERRUPT && m == CAPOS_INTERRUPT_BIND_EVENT;
}

bool dh_method_valid(uint64_t iface, uint16_t m)
{
	if (iface == CAPOS_IFACE_DEVICE)
		return m <= CAPOS_DEVICE_RESET;
	if (iface == CAPOS_IFACE_DEVICE_MMIO)
		return m == CAPOS_DEVICE_MMIO_INFO;
	if (iface == CAPOS_IFACE_INTERRUPT)
		return m <= CAPOS_INTERRUPT_BIND_EVENT;
	return m <= CAPOS_DMAPOOL_INFO;
}

uint64_t dh_iface_of(int kind)
{
	return kind == K_MMIO  ? CAPOS_IFACE_DEVICE_MMIO
	       : kind == K_IRQ ? CAPOS_IFACE_INTERRUPT
			       : CAPOS_IFACE_DMAPOOL;
}

static void after_alloc(struct held *h, int32_t st, int rs, struct fields f,
			const struct capos_cqe *c)
{
	struct capnp_struct root, b;
	struct buf nb;
	if (st == CAPOS_E_BAD_RESULT || (st == CAPOS_OK && rs != R_GOOD))
		h->dirty = true; /* allocated, its name lost on the way */
	if (st != CAPOS_OK || rs != R_GOOD)
		return;
	size_t n = dh_res_len(c);
	if (capnp_get_root(dh_rbuf, n, &root) != CAPNP_OK ||
	    capos_dmapool_alloc_results_get_buffer(dh_rbuf, n, &root, &b) != CAPNP_OK ||
	    capos_dma_buffer_get_id(dh_rbuf, n, &b, &nb.id) != CAPNP_OK ||
	    capos_dma_buffer_get_generation(dh_rbuf, n, &b, &nb.gen) != CAPNP_OK ||
	    capos_dma_buffer_get_iova(dh_rbuf, n, &b, &nb.iova) != CAPNP_OK ||
	    capos_dma_buffer_get_address(dh_rbuf, n, &b, &nb.va) != CAPNP_OK ||
	    capos_dma_buffer_get_length(dh_rbuf, n, &b, &nb.len) != CAPNP_OK)
		dh_fail("DMAPool.alloc's reply does not parse", st);
	nb.off = nb.va - h->va;
	uint64_t align = f.b == 0 ? 64 : f.b;
	if (nb.va < h->va || nb.off + nb.len > h->charge || nb.off + nb.len < nb.off ||
	    nb.iova != h->iova + nb.off || nb.len == 0 ||
	    (dh_last_ps == P_GOOD && (nb.len != f.a || nb.off % align != 0)))
		dh_fail("a buffer not as asked, or outside its pool", st);
	for (uint32_t i = 0; i < h->nbuf; i++)
		if (nb.off < h->buf[i].off + h->buf[i].len && h->buf[i].off < nb.off + nb.len)
			dh_fail("two live buffers overlap", st);
	dh_n_bufs++;
	if (h->nbuf == MAX_BUFS) {
		h->dirty = true; /* not followed: it stays until its pool goes */
		return;
	}
	h->buf[h->nbuf++] = nb;
	/* Its memory is the holder's: write it and read it back. */
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)nb.va;
	p[0] = 0xa5;
	p[nb.len - 1] = 0x5a;
	if ((nb.len > 1 && p[0] != 0xa5) || p[nb.len - 1] != 0x5a)
		dh_fail("a pool buffer does not hold what was written", 0);
}

void dh_after_sub(struct held *h, uint16_t m, int32_t st, int rs, struct fields f,
		  const struct capos_cqe *c)
{
	struct capnp_struct root;
	uint32_t at;
	uint64_t n = 0;
	if (h->state != S_LIVE)
		return;
	if (h->kind == K_IRQ && st == CAPOS_OK) {
		if (m == CAPOS_INTERRUPT_MASK || m == CAPOS_INTERRUPT_UNMASK)
			h->masked = m == CAPOS_INTERRUPT_MASK;
		if (m == CAPOS_INTERRUPT_WAIT) {
			if (capnp_get_root(dh_rbuf, dh_res_len(c), &root) != CAPNP_OK ||
			    capos_interrupt_wait_results_get_count(dh_rbuf, dh_res_len(c), &root,
								   &n) != CAPNP_OK ||
			    n == 0)
				dh_fail("Interrupt.wait returned without an interrupt", st);
			h->consumed += n;
			dh_n_waits++;
			if (dh_irq_total(h) < h->consumed)
				dh_fail("Interrupt.wait counted more than arrived", st);
		}
		if (m == CAPOS_INTERRUPT_INFO && rs == R_GOOD)
			dh_irq_total(h);
	}
	if (h->kind != K_POOL)
		return;
	if (m == CAPOS_DMAPOOL_ALLOC)
		after_alloc(h, st, rs, f, c);
	if (m == CAPOS_DMAPOOL_FREE && st == CAPOS_OK) {
		if (buf_where(h, (uint32_t)f.a, (uint32_t)f.b, &at) == 0) {
			remember_buf(h->buf[at].id, h->buf[at].gen);
			h->buf[at] = h->buf[--h->nbuf];
		} else if (dh_last_ps != P_GOOD && dh_last_ps != P_BIG) {
			h->dirty = true; /* a random message freed one: which is not known */
			h->nbuf = 0;
		}
	}
	if (m == CAPOS_DMAPOOL_INFO && st == CAPOS_OK && rs == R_GOOD && !h->dirty) {
		uint64_t used = 0, sum = 0;
		if (capnp_get_root(dh_rbuf, dh_res_len(c), &root) != CAPNP_OK ||
		    capos_dmapool_info_results_get_used(dh_rbuf, dh_res_len(c), &root, &used) !=
			CAPNP_OK)
			dh_fail("DMAPool.info's reply does not parse", st);
		for (uint32_t i = 0; i < h->nbuf; i++)
			sum += h->buf[i].len;
		if (used != sum)
			dh_fail("a pool's used bytes disagree with its buffers", st);
	}
}
