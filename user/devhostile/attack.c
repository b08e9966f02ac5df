/* attack: random and corrupt calls on Device, DeviceMmio, Interrupt and
 * DMAPool, on released and never-issued handles, releases, capabilities sent
 * beside calls, bus mastering, resets and other opcodes. */
#include "devhostile.h"

static uint16_t device_method(void)
{
	static const uint8_t w[] = {
	    CAPOS_DEVICE_INFO,	    CAPOS_DEVICE_CONFIG_READ,	CAPOS_DEVICE_CONFIG_READ,
	    CAPOS_DEVICE_MMIO,	    CAPOS_DEVICE_MMIO,		CAPOS_DEVICE_MMIO,
	    CAPOS_DEVICE_INTERRUPT, CAPOS_DEVICE_INTERRUPT,	CAPOS_DEVICE_DMA_POOL,
	    CAPOS_DEVICE_DMA_POOL,  CAPOS_DEVICE_SET_BUS_MASTER};
	if (dh_below(100) < 12) /* never reset here: attack_reset follows what it does */
		return dh_invalid_method(CAPOS_DEVICE_RESET + 1);
	return w[dh_below(sizeof(w))];
}

static struct fields device_fields(uint16_t m)
{
	struct fields f = {dh_rnd(), dh_rnd(), dh_rnd()};
	switch (m) {
	case CAPOS_DEVICE_CONFIG_READ:
		f.a = dh_below(4) ? dh_below(256) & ~dh_below(4) : dh_wild();
		f.b = dh_below(5) ? (uint64_t)1 << dh_below(3) : dh_rnd();
		break;
	case CAPOS_DEVICE_MMIO:
		f.a = dh_below(10) < 7 ? 0 : dh_below(2) ? dh_below(8) : dh_rnd();
		f.b = dh_below(2)   ? dh_below(dh_bar0_size / PAGE) * PAGE
		      : dh_below(3) ? dh_below(dh_bar0_size)
				    : dh_wild();
		f.c = dh_below(2)   ? (1 + dh_below(16)) * PAGE
		      : dh_below(3) ? 1 + dh_below(8192)
				    : dh_wild();
		if (dh_below(8) == 0) { /* a window for the registers */
			f.a = 0;
			f.b = 0;
			f.c = 0x100 + dh_below(PAGE);
		}
		break;
	case CAPOS_DEVICE_INTERRUPT:
		f.a = dh_below(5) ? 0 : dh_rnd();
		f.b = dh_below(5)
			  ? (dh_below(2) ? CAPOS_INTERRUPT_KIND_AUTO : CAPOS_INTERRUPT_KIND_MSI)
		      : dh_below(2) ? dh_below(6)
				    : dh_rnd();
		break;
	case CAPOS_DEVICE_DMA_POOL:
		f.a = dh_below(5) < 3
			  ? (dh_below(2) ? (1 + dh_below(16)) * PAGE : 1 + dh_below(65536))
			  : dh_wild();
		break;
	default:
		break;
	}
	return f;
}

static struct fields pool_fields(const struct held *h, uint16_t m)
{
	struct fields f = {dh_rnd(), dh_rnd(), dh_rnd()};
	if (m == CAPOS_DMAPOOL_ALLOC) {
		f.a = dh_below(5) < 3 ? 1 + dh_below(8192) : dh_wild();
		f.b = dh_below(2) ? (uint64_t)1 << dh_below(17) : dh_below(4) == 0 ? 0 : dh_wild();
	} else if (m == CAPOS_DMAPOOL_FREE) {
		unsigned x = (unsigned)dh_below(100);
		const struct held *o = dh_nheld ? &dh_held[dh_below(dh_nheld)] : NULL;
		if (x < 30 && h->nbuf != 0) {
			uint32_t i = (uint32_t)dh_below(h->nbuf);
			f.a = h->buf[i].id;
			f.b = h->buf[i].gen;
		} else if (x < 45 && o != NULL && o->nbuf != 0) { /* another pool's */
			uint32_t i = (uint32_t)dh_below(o->nbuf);
			f.a = o->buf[i].id;
			f.b = o->buf[i].gen;
		} else if (x < 65 && dh_noldbuf != 0) { /* freed, or of an ended claim */
			struct name old =
			    dh_oldbuf[dh_below(dh_noldbuf < MAX_OLD ? dh_noldbuf : MAX_OLD)];
			f.a = old.id;
			f.b = old.gen;
		} else { /* forged */
			f.a = dh_below(2) ? dh_below(70) : dh_rnd();
			f.b = dh_below(2) ? dh_below(8) : dh_rnd();
		}
	}
	return f;
}

/* A call with random method, fields and shapes on the Device, a held
 * sub-handle (live or stale) or a released one, checked against the model. */
static void attack(int target, struct held *h, struct capos_handle t, int kind)
{
	struct capos_cqe c;
	struct call k = {.t = t};
	uint64_t iface = target == T_DEV ? CAPOS_IFACE_DEVICE : dh_iface_of(kind);
	uint16_t m;
	struct fields f;
	dh_what = target == T_DEV    ? "Device calls"
		  : target == T_GONE ? "calls on released handles"
		  : kind == K_MMIO   ? "DeviceMmio calls"
		  : kind == K_IRQ    ? "Interrupt calls"
				     : "DMAPool calls";
	if (target == T_DEV) {
		m = device_method();
		f = device_fields(m);
	} else if (kind == K_MMIO) {
		m = dh_below(5) ? CAPOS_DEVICE_MMIO_INFO
				: dh_invalid_method(CAPOS_DEVICE_MMIO_INFO + 1);
		f = (struct fields){dh_rnd(), dh_rnd(), dh_rnd()};
	} else if (kind == K_IRQ) {
		m = dh_below(6) ? (uint16_t)(1 + dh_below(5))
				: dh_invalid_method(CAPOS_INTERRUPT_BIND_EVENT + 1);
		/* wait blocks until edu fires: only when an interrupt is known pending */
		if (target == T_HELD && h->state == S_LIVE && h->total > h->consumed && dh_below(2))
			m = CAPOS_INTERRUPT_WAIT;
		else if (target != T_HELD || h->state != S_LIVE)
			m = dh_below(5) ? (uint16_t)dh_below(6) : (uint16_t)dh_rnd();
		f = (struct fields){dh_below(2) ? 0 : dh_rnd(), dh_rnd(), dh_rnd()};
	} else {
		unsigned x = (unsigned)dh_below(100);
		m = x < 35   ? CAPOS_DMAPOOL_ALLOC
		    : x < 70 ? CAPOS_DMAPOOL_FREE
		    : x < 85 ? CAPOS_DMAPOOL_INFO
			     : dh_invalid_method(CAPOS_DMAPOOL_INFO + 1);
		f = target == T_HELD ? pool_fields(h, m)
				     : (struct fields){dh_rnd(), dh_rnd(), dh_rnd()};
	}
	int ps = dh_pick_ps(), rs = dh_pick_rs();
	bool waits =
	    target == T_HELD && kind == K_IRQ && m == CAPOS_INTERRUPT_WAIT && h->state == S_LIVE;
	if (waits)
		rs = R_GOOD; /* the count it returns is what keeps later waits safe */
	dh_lay_out(&k, ps, rs, dh_build(iface, m, f));
	k.method = m;
	int32_t pre = dh_pre_status(ps, rs, target != T_GONE, 0, false);
	uint32_t allowed = ANY;
	bool known = ps == P_GOOD || ps == P_BIG || !dh_reads_params(iface, m);
	bool stale = target == T_HELD && h->state == S_STALE;
	if (pre != 0)
		allowed = A(pre);
	else if (!dh_method_valid(iface, m))
		allowed = A(CAPOS_E_INVOKE);
	else if (iface == CAPOS_IFACE_INTERRUPT && m == CAPOS_INTERRUPT_BIND_EVENT)
		allowed = A(CAPOS_E_BAD_PARAMS); /* decode: the Event must come beside it */
	else if (stale)
		allowed = known ? A(CAPOS_E_STALE) : ERR;
	else if (known) {
		allowed = target == T_DEV ? dh_expect_device(m, f) : dh_expect_sub(h, m, f);
		if ((allowed & A(CAPOS_OK)) && rs != R_GOOD)
			allowed |= A(CAPOS_E_BAD_RESULT);
	}
	if (ps == P_DEVVA && pre == 0) /* the copy fails where nothing is mapped */
		allowed = dh_last_dead ? A(CAPOS_E_BAD_PARAMS) : allowed | A(CAPOS_E_BAD_PARAMS);
	int32_t st = dh_issue(&k, &c);
	if (stale) {
		dh_n_stale++;
		if (st == CAPOS_OK)
			dh_fail("a stale handle answered ok", st);
	}
	if (target == T_GONE && pre == CAPOS_E_LOOKUP)
		dh_n_forged++;
	dh_check(st, allowed, "a status the model does not allow");
	if (target == T_HELD)
		dh_after_sub(h, m, st, rs, f, &c);
	if (target == T_DEV && m == CAPOS_DEVICE_SET_BUS_MASTER && st == CAPOS_OK && known) {
		if (dh_bus_master() != ((f.a & 1) != 0))
			dh_fail("setBusMaster said ok but the command register disagrees", st);
	}
}

void dh_attack_device(void)
{
	attack(T_DEV, NULL, dev, 0);
}

void dh_attack_held(void)
{
	if (dh_nheld == 0) {
		dh_attack_device();
		return;
	}
	struct held *h = &dh_held[dh_below(dh_nheld)];
	attack(T_HELD, h, h->h, h->kind);
}

void dh_attack_pool(void)
{
	struct held *h = dh_any_live(K_POOL);
	if (h == NULL) {
		struct capos_cqe c;
		struct fields f = {(1 + dh_below(4)) * PAGE, 0, 0};
		uint32_t allowed = dh_expect_device(CAPOS_DEVICE_DMA_POOL, f);
		dh_what = "making a pool";
		dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_DMA_POOL, f, &c), allowed,
			 "Device.dmaPool");
		return;
	}
	attack(T_HELD, h, h->h, K_POOL);
}

/* A handle never received: a random slot and generation, none held. */
static struct capos_handle forged(void)
{
	for (;;) {
		struct capos_handle h = {dh_below(4) ? (uint32_t)dh_below(80) : (uint32_t)dh_rnd(),
					 dh_below(2) ? (uint32_t)dh_below(16) : (uint32_t)dh_rnd()};
		if (h.slot <= 4 && h.gen == 1)
			continue; /* the five it was started with */
		if (dh_find_held(h) == NULL)
			return h;
	}
}

void dh_attack_gone(void)
{
	struct capos_handle t = dh_ngone != 0 && dh_below(2)
				    ? dh_gone[dh_below(dh_ngone < MAX_OLD ? dh_ngone : MAX_OLD)]
				    : forged();
	if (dh_find_held(t) != NULL)
		return; /* cannot be: a released slot's generation moves on */
	attack(T_GONE, NULL, t, (int)dh_below(3));
}

void dh_attack_release(void)
{
	dh_what = "releases";
	unsigned x = (unsigned)dh_below(100);
	if (x < 10 && dh_nheld != 0) { /* a corrupt RELEASE releases nothing */
		struct held *h = &dh_held[dh_below(dh_nheld)];
		int32_t st = dh_below(2) ? dh_release(h->h, CAPOS_SQE_F_MOVE, 0)
					 : dh_release(h->h, 0, 1 + (uint32_t)dh_below(64));
		dh_check(st, A(CAPOS_E_MALFORMED), "a corrupt RELEASE");
	} else if (x < 65 && dh_nheld != 0) {
		struct held *h = &dh_held[dh_below(dh_nheld)];
		dh_check(dh_release(h->h, 0, 0), A(CAPOS_OK), "releasing a held handle");
		struct capos_handle was = h->h;
		dh_forget(h);
		if (dh_below(3) == 0)
			dh_check(dh_release(was, 0, 0), A(CAPOS_E_LOOKUP), "releasing it again");
	} else {
		struct capos_handle t =
		    dh_ngone != 0 && dh_below(2)
			? dh_gone[dh_below(dh_ngone < MAX_OLD ? dh_ngone : MAX_OLD)]
			: forged();
		if (dh_find_held(t) == NULL)
			dh_check(dh_release(t, 0, 0), A(CAPOS_E_LOOKUP),
				 "releasing a handle not held");
	}
}

/* Whether a held handle still answers as before (after it was sent). */
static void still_there(struct held *h)
{
	struct capos_cqe c;
	uint16_t m = h->kind == K_MMIO	? CAPOS_DEVICE_MMIO_INFO
		     : h->kind == K_IRQ ? CAPOS_INTERRUPT_INFO
					: CAPOS_DMAPOOL_INFO;
	int32_t st = dh_simple(h->h, dh_iface_of(h->kind), m, (struct fields){0}, &c);
	dh_check(st, h->state == S_LIVE ? A(CAPOS_OK) : A(CAPOS_E_STALE),
		 "a handle after a refused send");
	if (h->state == S_STALE)
		dh_n_stale++;
}

/* Capabilities beside a call: to objects that take none (Device, Console,
 * Timer, the sub-handles), or to this process's own Endpoint, always with at
 * least one that may not leave (a window or a pool) or that is not held, so
 * the call is refused and nothing moves. */
void dh_attack_xfer(void)
{
	struct capos_handle x[RING_MAX_XFER];
	struct held *in[RING_MAX_XFER];
	struct capos_cqe c;
	struct call k = {0};
	uint32_t n = 1 + (uint32_t)dh_below(RING_MAX_XFER), pinned = 0;
	bool has_dev = false;
	dh_what = "capabilities sent beside calls";
	for (uint32_t i = 0; i < n; i++) {
		unsigned y = (unsigned)dh_below(100);
		in[i] = NULL;
		if (y < 55 && dh_nheld != 0) {
			in[i] = &dh_held[dh_below(dh_nheld)];
			x[i] = in[i]->h;
			pinned += in[i]->kind != K_IRQ;
		} else if (y < 65) {
			x[i] = dev;
			has_dev = true;
		} else if (y < 75) {
			x[i] = dh_below(2) ? con : tim;
		} else if (y < 80 && dh_have_ep) {
			x[i] = dh_below(2) ? self_ep : self_cl;
		} else {
			x[i] = dh_ngone != 0 && dh_below(2)
				   ? dh_gone[dh_below(dh_ngone < MAX_OLD ? dh_ngone : MAX_OLD)]
				   : forged();
			pinned++;
		}
	}
	bool to_self = dh_have_ep && pinned != 0 && dh_below(3) == 0;
	struct held *th = NULL;
	if (to_self)
		k.t = dh_below(2) ? self_cl : self_ep;
	else if (dh_nheld != 0 && dh_below(2)) {
		th = &dh_held[dh_below(dh_nheld)];
		k.t = th->h;
	} else
		k.t = dh_below(3) == 0 ? dev : dh_below(2) ? con : tim;
	int ps = dh_below(4) ? P_GOOD : dh_pick_ps(), rs = dh_below(4) ? R_GOOD : dh_pick_rs();
	bool to_irq = th != NULL && th->kind == K_IRQ;
	k.method = (uint16_t)dh_below(8);
	/* An Interrupt takes one capability, an Event, for bindEvent: none here is one. */
	if (to_irq && dh_below(2))
		k.method = CAPOS_INTERRUPT_BIND_EVENT;
	dh_lay_out(&k, ps, rs,
		   dh_build(to_irq ? CAPOS_IFACE_INTERRUPT : CAPOS_IFACE_DEVICE, k.method,
			    (struct fields){dh_below(4) ? 0 : dh_rnd(), 0, 0}));
	k.flags = dh_below(2) ? CAPOS_SQE_F_MOVE : 0;
	k.nx = n;
	k.x = (uint64_t)(uintptr_t)x;
	int32_t pre = dh_pre_status(ps, rs, true, n, to_self || to_irq);
	uint32_t allowed = A(pre);
	if (pre == 0) /* the Endpoint or the Interrupt looks at them: refused all the same */
		allowed =
		    to_irq ? A(CAPOS_E_INVOKE) | A(CAPOS_E_BAD_PARAMS) | A(CAPOS_E_STALE) : ERR;
	if (ps == P_DEVVA && (pre == 0 || pre == CAPOS_E_INVOKE))
		allowed = dh_last_dead ? A(CAPOS_E_BAD_PARAMS) : allowed | A(CAPOS_E_BAD_PARAMS);
	int32_t st = dh_issue(&k, &c);
	dh_check(st, allowed, to_self ? "a send to its own Endpoint" : "a send to an object");
	if (th != NULL && th->state == S_STALE)
		dh_n_stale++;
	dh_n_refused++;
	for (uint32_t i = 0; i < n; i++)
		if (in[i] != NULL && (i == 0 || in[i] != in[i - 1]))
			still_there(in[i]);
	if (has_dev)
		dh_device_info();
}

void dh_attack_bus_master(void)
{
	struct capos_cqe c;
	dh_what = "bus mastering";
	bool on = dh_below(2);
	dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_SET_BUS_MASTER,
			   (struct fields){on, 0, 0}, &c),
		 A(CAPOS_OK) | A(CAPOS_E_NO_DEVICE), "setBusMaster");
	if (c.status == CAPOS_OK && dh_bus_master() != on)
		dh_fail("setBusMaster said ok but the command register disagrees", 0);
}

/* Device.reset, often with a strange message or result: whatever it answers,
 * the epoch says whether the claim was torn down and made again. */
void dh_attack_reset(void)
{
	struct capos_cqe c;
	struct call k = {.t = dev, .method = CAPOS_DEVICE_RESET};
	dh_what = "Device.reset";
	volatile uint8_t *r = dh_live_regs(0, EDU_IRQ_ACK + 4);
	if (r != NULL && dh_below(2)) /* an interrupt on its way while the claim ends */
		dh_wr32(r, EDU_IRQ_RAISE, 1u << dh_below(32));
	int ps = dh_below(3) ? P_GOOD : dh_pick_ps(), rs = dh_below(3) ? R_GOOD : dh_pick_rs();
	dh_lay_out(&k, ps, rs,
		   dh_build(CAPOS_IFACE_DEVICE, CAPOS_DEVICE_RESET, (struct fields){0}));
	int32_t pre = dh_pre_status(ps, rs, true, 0, false);
	uint32_t allowed =
	    pre != 0 ? A(pre) : A(CAPOS_OK) | (rs != R_GOOD ? A(CAPOS_E_BAD_RESULT) : 0);
	if (ps == P_DEVVA && pre == 0)
		allowed = dh_last_dead ? A(CAPOS_E_BAD_PARAMS) : allowed | A(CAPOS_E_BAD_PARAMS);
	int32_t st = dh_issue(&k, &c);
	if (st == CAPOS_E_NO_DEVICE)
		dh_fail("Device.reset refused: edu did not come back (retired?)", st);
	dh_check(st, allowed, "Device.reset");
	bool ran = st == CAPOS_OK || (st == CAPOS_E_BAD_RESULT && pre == 0);
	uint64_t now = dh_device_epoch();
	if (now != dh_epoch && ran)
		dh_on_reset(now);
	else if (now != dh_epoch || ran)
		dh_fail(ran ? "Device.reset ran but the epoch stayed"
			    : "the epoch moved without a reset",
			st);
}

/* Random SQEs of other opcodes on its handles: none may succeed but NOP. */
void dh_attack_raw(void)
{
	struct capos_cqe c;
	struct call k = {.t = dh_nheld != 0 && dh_below(2) ? dh_held[dh_below(dh_nheld)].h
			      : dh_below(2)		   ? dev
							   : forged()};
	/* RECV on this process's own Endpoint would wait for ever: it is never a target here */
	dh_what = "other opcodes";
	dh_last_ps = dh_last_rs = -1;
	switch (dh_below(4)) {
	case 0: /* RECV on what is not an Endpoint's server facet */
		k.op = CAPOS_OP_RECV;
		k.r = (uint64_t)(uintptr_t)dh_rbuf;
		k.rlen = sizeof(dh_rbuf);
		dh_check(dh_issue(&k, &c), A(CAPOS_E_INVOKE) | A(CAPOS_E_LOOKUP),
			 "RECV on a non-Endpoint");
		break;
	case 1: /* RETURN of a call never received */
		k.op = CAPOS_OP_RETURN;
		k.t = (struct capos_handle){(uint32_t)dh_rnd(), (uint32_t)dh_rnd()};
		dh_check(dh_issue(&k, &c), ERR, "RETURN with a forged token");
		break;
	case 2:
		k.op = (uint8_t)(CAPOS_OP_RELEASE + 1 + dh_below(251));
		dh_check(dh_issue(&k, &c), A(CAPOS_E_RESERVED_OPCODE), "a reserved opcode");
		break;
	default:
		k.op = CAPOS_OP_NOP;
		k.t = (struct capos_handle){0, 0};
		dh_check(dh_issue(&k, &c), A(CAPOS_OK), "NOP");
		break;
	}
}
