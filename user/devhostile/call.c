/* call: the one way devhostile makes calls (issue: every status counted and
 * checked, every capability that comes back adopted), the messages it sends
 * and the shapes it gives them and their result buffers. */
#include "devhostile.h"

struct capos_ring *dh_ring;
uint64_t dh_step, dh_calls, dh_nst[10];
const char *dh_what = "setup";
int dh_last_ps, dh_last_rs;
bool dh_last_dead;
uint64_t dh_pbuf[RING_MAX_MSG / 8], dh_rbuf[64];

static uint64_t rng = SEED;
static struct call last;
static const uint64_t rodata[16] = {0x5eed}; /* a result here must not be written */
static uint64_t deadva[MAX_OLD];
static uint32_t ndeadva;

uint64_t dh_rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

uint64_t dh_below(uint64_t n)
{
	return n == 0 ? 0 : dh_rnd() % n;
}

/* Values around every edge the kernel checks, and plain noise. */
uint64_t dh_wild(void)
{
	static const uint64_t edge[] = {0,
					1,
					2,
					3,
					63,
					64,
					4095,
					4096,
					4097,
					8192,
					65535,
					65536,
					65537,
					0xfffff,
					0x100000,
					0x100001,
					0xffffffffull,
					0x100000000ull,
					0x7fffffffffffffffull,
					0x8000000000000000ull,
					UINT64_MAX - 4096,
					UINT64_MAX - 4095,
					UINT64_MAX};
	switch (dh_below(4)) {
	case 0:
		return edge[dh_below(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return dh_rnd();
	case 2:
		return dh_below(0x101000);
	default:
		return dh_below(258) * PAGE + (dh_below(4) == 0 ? dh_below(PAGE) : 0);
	}
}

__attribute__((noreturn)) void dh_fail(const char *why, int32_t st)
{
	console_printf(dh_ring, con,
		       "devhostile: FAILED: %s (status %d) in %s: call %llu, step %llu, seed "
		       "0x%llx; target %u.%u method %u params shape %d len %u, result shape %d "
		       "len %u, xfer %u\n",
		       why, (int)st, dh_what, (unsigned long long)dh_calls,
		       (unsigned long long)dh_step, (unsigned long long)SEED, last.t.slot,
		       last.t.gen, last.method, dh_last_ps, last.plen, dh_last_rs, last.rlen,
		       last.nx);
	sys_exit(1);
}

void dh_check(int32_t st, uint32_t allowed, const char *why)
{
	if ((allowed & A(st)) == 0)
		dh_fail(why, st);
}

bool dh_same(struct capos_handle a, struct capos_handle b)
{
	return a.slot == b.slot && a.gen == b.gen;
}

/* One request, one completion: queues e and waits for the CQE that answers
 * it; any other CQE is an error (one request is outstanding at a time). */
static int32_t submit(struct capos_sqe *e, struct capos_cqe *out)
{
	static uint64_t next = 1ull << 48; /* apart from libcapos's own numbering */
	uint32_t tail = dh_ring->sq_tail;
	e->user_data = next++;
	dh_ring->sq[tail % CAPOS_RING_SQ_ENTRIES] = *e;
	__atomic_store_n(&dh_ring->sq_tail, tail + 1, __ATOMIC_RELEASE);
	for (;;) {
		uint32_t head = dh_ring->cq_head;
		if (head == __atomic_load_n(&dh_ring->cq_tail, __ATOMIC_ACQUIRE)) {
			cap_enter(1, 0);
			continue;
		}
		*out = dh_ring->cq[head % CAPOS_RING_CQ_ENTRIES];
		__atomic_store_n(&dh_ring->cq_head, head + 1, __ATOMIC_RELEASE);
		if (out->user_data != e->user_data)
			dh_fail("a completion that answers no request", out->status);
		return out->status;
	}
}

/* Submits k; every status must be a defined one, and a capability may come
 * back only from the three Device methods that hand one out (it is adopted
 * whatever the status: a reply lost on the way still installed it). */
int32_t dh_issue(const struct call *k, struct capos_cqe *c)
{
	struct capos_sqe e = {.opcode = k->op,
			      .flags = k->flags,
			      .method = k->method,
			      .xfer_count = k->nx,
			      .target = k->t,
			      .params_addr = k->p,
			      .params_len = k->plen,
			      .result_addr = k->r,
			      .result_len = k->rlen,
			      .xfer_addr = k->x};
	last = *k;
	int32_t st = submit(&e, c);
	dh_calls++;
	if (st > 0 || st < CAPOS_E_NO_DEVICE)
		dh_fail("a status outside the defined set", st);
	dh_nst[-st]++;
	if (c->xfer_count > 1 || (c->xfer_count == 1 && st != CAPOS_OK && st != CAPOS_E_BAD_RESULT))
		dh_fail("a completion carrying capabilities it cannot", st);
	if (c->xfer_count == 1) {
		if (k->op != CAPOS_OP_CALL || !dh_same(k->t, dev) ||
		    k->method < CAPOS_DEVICE_MMIO || k->method > CAPOS_DEVICE_DMA_POOL)
			dh_fail("a capability from a call that hands out none", st);
		struct call saved = last;
		dh_adopt(k->method, capos_handle_of(c->aux));
		last = saved;
	}
	return st;
}

/* A well-formed message for iface.method with field values f at pbuf; its
 * length. Methods without parameters, and ordinals past the last, get an
 * empty struct. */
uint32_t dh_build(uint64_t iface, uint16_t m, struct fields f)
{
	struct capnp_builder b;
	struct capnp_struct s;
	bool ok = capnp_builder_init(&b, dh_pbuf, 64) == CAPNP_OK;
	if (iface == CAPOS_IFACE_DEVICE && m == CAPOS_DEVICE_CONFIG_READ)
		ok =
		    ok && capos_device_config_read_params_init_root(&b, &s) == CAPNP_OK &&
		    capos_device_config_read_params_set_offset(&b, &s, (uint16_t)f.a) == CAPNP_OK &&
		    capos_device_config_read_params_set_width(&b, &s, (uint8_t)f.b) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_DEVICE && m == CAPOS_DEVICE_MMIO)
		ok = ok && capos_device_mmio_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_device_mmio_params_set_bar(&b, &s, (uint8_t)f.a) == CAPNP_OK &&
		     capos_device_mmio_params_set_offset(&b, &s, f.b) == CAPNP_OK &&
		     capos_device_mmio_params_set_length(&b, &s, f.c) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_DEVICE && m == CAPOS_DEVICE_INTERRUPT)
		ok = ok && capos_device_interrupt_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_device_interrupt_params_set_index(&b, &s, (uint16_t)f.a) == CAPNP_OK &&
		     capos_device_interrupt_params_set_kind(&b, &s, (uint16_t)f.b) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_DEVICE && m == CAPOS_DEVICE_DMA_POOL)
		ok = ok && capos_device_dma_pool_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_device_dma_pool_params_set_bytes(&b, &s, f.a) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_DEVICE && m == CAPOS_DEVICE_SET_BUS_MASTER)
		ok = ok && capos_device_set_bus_master_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_device_set_bus_master_params_set_on(&b, &s, f.a & 1) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_DMAPOOL && m == CAPOS_DMAPOOL_ALLOC)
		ok = ok && capos_dmapool_alloc_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_dmapool_alloc_params_set_bytes(&b, &s, f.a) == CAPNP_OK &&
		     capos_dmapool_alloc_params_set_align(&b, &s, f.b) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_INTERRUPT && m == CAPOS_INTERRUPT_BIND_EVENT)
		ok = ok && capos_interrupt_bind_event_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_interrupt_bind_event_params_set_event(&b, &s, (uint32_t)f.a) == CAPNP_OK;
	else if (iface == CAPOS_IFACE_DMAPOOL && m == CAPOS_DMAPOOL_FREE)
		ok = ok && capos_dmapool_free_params_init_root(&b, &s) == CAPNP_OK &&
		     capos_dmapool_free_params_set_id(&b, &s, (uint32_t)f.a) == CAPNP_OK &&
		     capos_dmapool_free_params_set_generation(&b, &s, (uint32_t)f.b) == CAPNP_OK;
	else
		ok = ok && capos_device_info_params_init_root(&b, &s) == CAPNP_OK;
	if (!ok)
		dh_fail("could not build a message", 0);
	return b.used;
}

int dh_pick_ps(void)
{
	unsigned x = (unsigned)dh_below(100);
	return x < 62	? P_GOOD
	       : x < 66 ? P_BIG
	       : x < 76 ? P_RANDOM
	       : x < 83 ? P_TRUNC
	       : x < 86 ? P_DEVVA
	       : x < 89 ? P_UNMAPPED
	       : x < 93 ? P_EMPTY
	       : x < 95 ? P_HUGE
	       : x < 98 ? P_KERNEL
			: P_HOLE;
}

int dh_pick_rs(void)
{
	unsigned x = (unsigned)dh_below(100);
	return x < 84	? R_GOOD
	       : x < 88 ? R_NONE
	       : x < 92 ? R_SMALL
	       : x < 95 ? R_UNMAPPED
	       : x < 98 ? R_RDONLY
			: R_KERNEL;
}

void dh_remember_va(uint64_t va)
{
	deadva[ndeadva++ % MAX_OLD] = va;
}

static uint64_t dead_va(void)
{
	return ndeadva == 0 ? NO_DATA : deadva[dh_below(ndeadva < MAX_OLD ? ndeadva : MAX_OLD)];
}

/* An address in the device area: a window (reading edu's registers has no
 * side effect) or a pool, live or unmapped since (*dead: certainly unmapped). */
static uint64_t devva_addr(bool *dead)
{
	struct held *h = dh_nheld != 0 ? &dh_held[dh_below(dh_nheld)] : NULL;
	*dead = true;
	switch (dh_below(3)) {
	case 0:
		if (h != NULL && h->kind != K_IRQ) {
			*dead = h->state == S_STALE;
			return h->kind == K_MMIO ? h->addr : h->va + dh_below(h->charge);
		}
		return dead_va();
	case 1:
		return dead_va();
	default:
		*dead = false;
		return DEV_VA + dh_below(1ull << 32);
	}
}

/* Lays out k's parameters and result by shape; the well-formed message of
 * glen bytes is at pbuf. */
void dh_lay_out(struct call *k, int ps, int rs, uint32_t glen)
{
	dh_last_ps = ps;
	dh_last_rs = rs;
	k->op = CAPOS_OP_CALL;
	k->p = (uint64_t)(uintptr_t)dh_pbuf;
	k->plen = glen;
	switch (ps) {
	case P_BIG: /* the message, then noise to the largest length accepted */
		k->plen = glen + (uint32_t)dh_below(RING_MAX_MSG - glen + 1);
		break;
	case P_RANDOM:
		k->plen = 1 + (uint32_t)dh_below(256);
		for (uint32_t i = 0; i < (k->plen + 7) / 8; i++)
			dh_pbuf[i] = dh_rnd();
		break;
	case P_TRUNC:
		k->plen = glen > 1 ? 1 + (uint32_t)dh_below(glen - 1) : 1;
		break;
	case P_DEVVA:
		k->p = devva_addr(&dh_last_dead);
		break;
	case P_UNMAPPED:
		k->p = NO_DATA + dh_below(1ull << 36);
		break;
	case P_EMPTY:
		k->p = 0;
		k->plen = 0;
		break;
	case P_HUGE:
		k->plen = RING_MAX_MSG + 1 + (uint32_t)dh_below(UINT32_MAX - RING_MAX_MSG);
		break;
	case P_KERNEL:
		k->p = KERNEL_VA + dh_below(1ull << 30);
		break;
	case P_HOLE: /* non-canonical, or running past the user half */
		k->p = dh_below(2) ? RING_USER_LIMIT + dh_below(1ull << 46)
				   : RING_USER_LIMIT - dh_below(glen);
		break;
	default:
		break;
	}
	k->r = (uint64_t)(uintptr_t)dh_rbuf;
	k->rlen = sizeof(dh_rbuf);
	switch (rs) {
	case R_NONE:
		k->r = 0;
		k->rlen = 0;
		break;
	case R_SMALL:
		k->rlen = 1 + (uint32_t)dh_below(15);
		break;
	case R_UNMAPPED:
		k->r = dh_below(2) ? NO_DATA + dh_below(1ull << 36) : dead_va();
		k->rlen = 64;
		break;
	case R_RDONLY:
		k->r = (uint64_t)(uintptr_t)rodata;
		k->rlen = sizeof(rodata);
		break;
	case R_KERNEL:
		k->r = KERNEL_VA + dh_below(1ull << 30);
		k->rlen = 64;
		break;
	default:
		break;
	}
}

/* The status the ring or the call path gives before the target object sees
 * the call (exact), or 0 when the object decides. Order: the SQE's
 * parameters, its result, the target's lookup, the copy of the message, the
 * capabilities beside a call to an object that takes none (takes_caps). */
int32_t dh_pre_status(int ps, int rs, bool valid_target, uint32_t nx, bool takes_caps)
{
	if (ps == P_EMPTY || ps == P_HUGE || ps == P_KERNEL || ps == P_HOLE)
		return CAPOS_E_BAD_PARAMS;
	if (rs == R_KERNEL)
		return CAPOS_E_BAD_RESULT;
	if (!valid_target)
		return CAPOS_E_LOOKUP;
	if (ps == P_UNMAPPED)
		return CAPOS_E_BAD_PARAMS;
	if (nx != 0 && !takes_caps)
		return CAPOS_E_INVOKE;
	return 0;
}

/* A plain, well-formed call on t with fields f; the status. */
int32_t dh_simple(struct capos_handle t, uint64_t iface, uint16_t m, struct fields f,
		  struct capos_cqe *c)
{
	struct call k = {.t = t, .method = m};
	dh_lay_out(&k, P_GOOD, R_GOOD, dh_build(iface, m, f));
	return dh_issue(&k, c);
}

uint32_t dh_res_len(const struct capos_cqe *c)
{
	return c->result_len <= sizeof(dh_rbuf) ? c->result_len : sizeof(dh_rbuf);
}
