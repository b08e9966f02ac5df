/* test_captable: the capability table, transfers and the ledger: install, lookup,
 * release and stale handles; generation retirement; copy and move transfers committed,
 * aborted (state byte-identical to before) and failing midway (stale source, source
 * moved twice, destination full, ledger exhausted); ledger limits; teardown with
 * callbacks; random operation sequences checked against an independent shadow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cap/captable.h"

#define NSLOT 8

/* Objects are bytes of this array; their address is the identity. */
static uint8_t objs[4096];

static struct cap_slot sa[NSLOT], sb[NSLOT];
static struct cap_table ta, tb;
static struct cap_ledger la, lb;

static int setup(void **state)
{
	(void)state;
	cap_ledger_init(&la, NSLOT, 4, 16);
	cap_ledger_init(&lb, NSLOT, 4, 16);
	assert_int_equal(cap_table_init(&ta, sa, NSLOT, &la), CAP_OK);
	assert_int_equal(cap_table_init(&tb, sb, NSLOT, &lb), CAP_OK);
	return 0;
}

static struct capos_handle install(struct cap_table *t, unsigned obj)
{
	struct capos_handle h;
	assert_int_equal(cap_install(t, &objs[obj], (uint16_t)obj, 0x1000 + obj, &h), CAP_OK);
	return h;
}

static void *looked_up(const struct cap_table *t, struct capos_handle h)
{
	struct cap_ref r;
	if (cap_lookup(t, h, &r) != CAP_OK)
		return NULL;
	assert_int_equal(r.iface, 0x1000 + (uint64_t)(r.type));
	return r.obj;
}

/* Everything a transaction may touch, for byte-for-byte comparison. */
struct snap {
	struct cap_slot sa[NSLOT], sb[NSLOT];
	struct cap_table ta, tb;
	struct cap_ledger la, lb;
};

static void take_snap(struct snap *s)
{
	memcpy(s->sa, sa, sizeof(sa));
	memcpy(s->sb, sb, sizeof(sb));
	s->ta = ta;
	s->tb = tb;
	s->la = la;
	s->lb = lb;
}

static void assert_unchanged(const struct snap *s)
{
	struct snap now;
	take_snap(&now);
	assert_memory_equal(&now, s, sizeof(now));
}

static void test_install_lookup_release(void **state)
{
	(void)state;
	struct capos_handle h = install(&ta, 1), h2;
	struct cap_ref r;
	assert_int_equal(h.slot, 0);
	assert_int_equal(h.gen, 1);
	assert_ptr_equal(looked_up(&ta, h), &objs[1]);
	assert_int_equal(la.res[CAP_RES_SLOTS].used, 1);
	assert_int_equal(cap_release(&ta, h, &r), CAP_OK);
	assert_ptr_equal(r.obj, &objs[1]);
	assert_int_equal(r.type, 1);
	assert_int_equal(la.res[CAP_RES_SLOTS].used, 0);
	assert_null(looked_up(&ta, h));
	assert_int_equal(cap_release(&ta, h, NULL), CAP_E_LOOKUP);
	/* Reuse: the old handle stays dead. */
	h2 = install(&ta, 2);
	assert_int_equal(h2.slot, 0);
	assert_int_equal(h2.gen, 2);
	assert_null(looked_up(&ta, h));
	assert_ptr_equal(looked_up(&ta, h2), &objs[2]);
	/* Fail closed: out of range, generation 0, a FREE slot at its next generation. */
	assert_int_equal(cap_lookup(&ta, (struct capos_handle){NSLOT, 1}, &r), CAP_E_LOOKUP);
	assert_int_equal(cap_lookup(&ta, (struct capos_handle){UINT32_MAX, 1}, &r), CAP_E_LOOKUP);
	assert_int_equal(cap_lookup(&ta, (struct capos_handle){0, 0}, &r), CAP_E_LOOKUP);
	assert_int_equal(cap_lookup(&ta, (struct capos_handle){1, 1}, &r), CAP_E_LOOKUP);
	assert_int_equal(cap_install(&ta, NULL, 0, 0, &h), CAP_E_INVALID);
	for (unsigned i = 1; i < NSLOT; i++)
		install(&ta, 10 + i);
	assert_int_equal(cap_install(&ta, &objs[99], 0, 0, &h), CAP_E_FULL);
	assert_int_equal(ta.live, NSLOT);
	assert_int_equal(cap_table_init(&tb, sb, 0, NULL), CAP_E_INVALID);
	assert_int_equal(cap_table_init(&tb, NULL, 4, NULL), CAP_E_INVALID);
}

static void test_install_ledger(void **state)
{
	(void)state;
	struct capos_handle h;
	cap_ledger_init(&la, 2, 0, 0);
	install(&ta, 1);
	install(&ta, 2);
	struct snap s;
	take_snap(&s);
	assert_int_equal(cap_install(&ta, &objs[3], 3, 0, &h), CAP_E_LEDGER);
	assert_unchanged(&s);
	/* No ledger, no accounting. */
	assert_int_equal(cap_table_init(&tb, sb, NSLOT, NULL), CAP_OK);
	for (unsigned i = 0; i < NSLOT; i++)
		install(&tb, i);
}

static void test_generation_retirement(void **state)
{
	(void)state;
	struct capos_handle h;
	sa[0].gen = UINT32_MAX - 1;
	h = install(&ta, 1);
	assert_int_equal(h.gen, UINT32_MAX - 1);
	assert_int_equal(cap_release(&ta, h, NULL), CAP_OK);
	h = install(&ta, 2);
	assert_int_equal(h.slot, 0);
	assert_int_equal(h.gen, UINT32_MAX);
	assert_int_equal(cap_release(&ta, h, NULL), CAP_OK);
	assert_int_equal(sa[0].state, CAP_SLOT_RETIRED);
	assert_int_equal(ta.retired, 1);
	assert_int_equal(la.res[CAP_RES_SLOTS].used, 0);
	assert_null(looked_up(&ta, h));
	assert_null(looked_up(&ta, (struct capos_handle){0, 0}));
	h = install(&ta, 3);
	assert_int_equal(h.slot, 1);
	/* A one-slot table whose slot retired is full for good. */
	struct cap_slot one[1];
	struct cap_table t1;
	assert_int_equal(cap_table_init(&t1, one, 1, NULL), CAP_OK);
	one[0].gen = UINT32_MAX;
	h = install(&t1, 4);
	assert_int_equal(cap_release(&t1, h, NULL), CAP_OK);
	assert_int_equal(cap_install(&t1, &objs[5], 5, 0, &h), CAP_E_FULL);
}

static void test_xfer_copy_commit(void **state)
{
	(void)state;
	struct capos_handle h[2] = {install(&ta, 1), install(&ta, 2)};
	struct cap_xfer_txn txn;
	install(&tb, 3);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 2, false, &txn), CAP_OK);
	assert_int_equal(sb[1].state, CAP_SLOT_RESERVED);
	assert_int_equal(sb[2].state, CAP_SLOT_RESERVED);
	assert_null(looked_up(&tb, (struct capos_handle){1, 1}));
	assert_ptr_equal(looked_up(&ta, h[0]), &objs[1]); /* copy: the source stays usable */
	assert_int_equal(lb.res[CAP_RES_SLOTS].reserved, 2);
	assert_int_equal(cap_table_clear(&tb, NULL, NULL), CAP_E_BUSY);
	assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
	assert_ptr_equal(looked_up(&tb, txn.out[0]), &objs[1]);
	assert_ptr_equal(looked_up(&tb, txn.out[1]), &objs[2]);
	assert_ptr_equal(looked_up(&ta, h[1]), &objs[2]);
	assert_int_equal(ta.live, 2);
	assert_int_equal(tb.live, 3);
	assert_int_equal(lb.res[CAP_RES_SLOTS].used, 3);
	assert_int_equal(lb.res[CAP_RES_SLOTS].reserved, 0);
	assert_int_equal(ta.pending + tb.pending, 0);
	assert_int_equal(cap_xfer_commit(&txn), CAP_E_INVALID);
	assert_int_equal(cap_xfer_abort(&txn), CAP_E_INVALID);
}

static void test_xfer_move_commit(void **state)
{
	(void)state;
	struct capos_handle h[2] = {install(&ta, 1), install(&ta, 2)};
	struct cap_xfer_txn txn;
	struct cap_ref r;
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 2, true, &txn), CAP_OK);
	assert_int_equal(cap_lookup(&ta, h[0], &r), CAP_E_BUSY);
	assert_int_equal(cap_release(&ta, h[1], &r), CAP_E_BUSY);
	assert_int_equal(cap_table_clear(&ta, NULL, NULL), CAP_E_BUSY);
	assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
	assert_null(looked_up(&ta, h[0]));
	assert_null(looked_up(&ta, h[1]));
	assert_int_equal(sa[0].gen, 2);
	assert_ptr_equal(looked_up(&tb, txn.out[0]), &objs[1]);
	assert_ptr_equal(looked_up(&tb, txn.out[1]), &objs[2]);
	assert_int_equal(ta.live, 0);
	assert_int_equal(tb.live, 2);
	assert_int_equal(la.res[CAP_RES_SLOTS].used, 0);
	assert_int_equal(lb.res[CAP_RES_SLOTS].used, 2);
	/* Within one table, and an empty transfer. */
	struct capos_handle first = txn.out[0];
	assert_int_equal(cap_xfer_prepare(&tb, &tb, &first, 1, true, &txn), CAP_OK);
	assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
	assert_ptr_equal(looked_up(&tb, txn.out[0]), &objs[1]);
	assert_int_equal(tb.live, 2);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, NULL, 0, true, &txn), CAP_OK);
	assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
}

/* Object 2 is move-only: a copy transfer moves it and copies the others; an
 * abort leaves it LIVE in the source. */
static bool obj2_move_only(const struct cap_ref *ref)
{
	return ref->obj == &objs[2];
}

static void test_xfer_move_only(void **state)
{
	(void)state;
	struct capos_handle h[3] = {install(&ta, 1), install(&ta, 2), install(&ta, 3)};
	struct cap_xfer_txn txn;
	struct cap_ref r;
	ta.move_only = obj2_move_only;
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 3, false, &txn), CAP_OK);
	assert_false(txn.moved[0]);
	assert_true(txn.moved[1]);
	assert_false(txn.moved[2]);
	assert_int_equal(cap_lookup(&ta, h[1], &r), CAP_E_BUSY);
	assert_int_equal(cap_xfer_abort(&txn), CAP_OK);
	assert_ptr_equal(looked_up(&ta, h[1]), &objs[2]);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 3, false, &txn), CAP_OK);
	assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
	assert_ptr_equal(looked_up(&ta, h[0]), &objs[1]);
	assert_null(looked_up(&ta, h[1])); /* moved, never copied */
	assert_ptr_equal(looked_up(&ta, h[2]), &objs[3]);
	assert_ptr_equal(looked_up(&tb, txn.out[1]), &objs[2]);
	assert_int_equal(ta.live, 2);
	assert_int_equal(tb.live, 3);
	ta.move_only = NULL;
}

static void test_xfer_abort_exact(void **state)
{
	(void)state;
	struct capos_handle h[3] = {install(&ta, 1), install(&ta, 2), install(&ta, 3)};
	struct cap_xfer_txn txn;
	struct snap s;
	install(&tb, 4);
	assert_int_equal(cap_release(&ta, install(&ta, 5), NULL), CAP_OK);
	take_snap(&s);
	for (int move = 0; move < 2; move++) {
		assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 3, move, &txn), CAP_OK);
		assert_int_equal(cap_xfer_abort(&txn), CAP_OK);
		assert_unchanged(&s);
		assert_int_equal(cap_xfer_commit(&txn), CAP_E_INVALID);
	}
}

static void test_xfer_fail_midway(void **state)
{
	(void)state;
	struct capos_handle h[CAP_XFER_MAX + 1];
	struct cap_xfer_txn txn;
	struct snap s;
	for (unsigned i = 0; i < 4; i++)
		h[i] = install(&ta, i + 1);
	for (unsigned i = 0; i < NSLOT - 2; i++)
		install(&tb, 20 + i);
	take_snap(&s);
	/* Destination full at the third. */
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 3, true, &txn), CAP_E_FULL);
	assert_unchanged(&s);
	/* Ledger exhausted at the second (slots remain). */
	assert_int_equal(cap_release(&tb, (struct capos_handle){0, 1}, NULL), CAP_OK);
	lb.res[CAP_RES_SLOTS].limit = lb.res[CAP_RES_SLOTS].used + 1;
	take_snap(&s);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 2, false, &txn), CAP_E_LEDGER);
	assert_unchanged(&s);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 2, true, &txn), CAP_E_LEDGER);
	assert_unchanged(&s);
	/* A stale source, the same source moved twice, too many handles. */
	lb.res[CAP_RES_SLOTS].limit = NSLOT;
	take_snap(&s);
	struct capos_handle stale[2] = {h[0], {h[1].slot, h[1].gen + 1}};
	assert_int_equal(cap_xfer_prepare(&ta, &tb, stale, 2, false, &txn), CAP_E_LOOKUP);
	assert_unchanged(&s);
	struct capos_handle twice[2] = {h[2], h[2]};
	assert_int_equal(cap_xfer_prepare(&ta, &tb, twice, 2, true, &txn), CAP_E_BUSY);
	assert_unchanged(&s);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, CAP_XFER_MAX + 1, false, &txn),
			 CAP_E_INVALID);
	assert_unchanged(&s);
	/* Copying one capability twice is fine. */
	assert_int_equal(cap_xfer_prepare(&ta, &tb, twice, 2, false, &txn), CAP_OK);
	assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
	assert_ptr_equal(looked_up(&tb, txn.out[0]), looked_up(&tb, txn.out[1]));
}

static void test_ledger(void **state)
{
	(void)state;
	struct cap_ledger l;
	cap_ledger_init(&l, 1, 3, UINT64_MAX);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_CALLS, 2), CAP_OK);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_CALLS, 2), CAP_E_LEDGER);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_CALLS, 1), CAP_OK);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_CALLS, 1), CAP_E_LEDGER);
	assert_int_equal(cap_ledger_commit(&l, CAP_RES_CALLS, 4), CAP_E_INVALID);
	assert_int_equal(cap_ledger_commit(&l, CAP_RES_CALLS, 2), CAP_OK);
	assert_int_equal(cap_ledger_rollback(&l, CAP_RES_CALLS, 2), CAP_E_INVALID);
	assert_int_equal(cap_ledger_rollback(&l, CAP_RES_CALLS, 1), CAP_OK);
	assert_int_equal(l.res[CAP_RES_CALLS].used, 2);
	assert_int_equal(l.res[CAP_RES_CALLS].reserved, 0);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_CALLS, 2), CAP_E_LEDGER);
	assert_int_equal(cap_ledger_release(&l, CAP_RES_CALLS, 3), CAP_E_INVALID);
	assert_int_equal(cap_ledger_release(&l, CAP_RES_CALLS, 2), CAP_OK);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_CALLS, 3), CAP_OK);
	/* Resources are independent; huge counts do not wrap. */
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_SLOTS, 1), CAP_OK);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_SLOTS, UINT64_MAX), CAP_E_LEDGER);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_PAGES, UINT64_MAX - 1), CAP_OK);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_PAGES, 2), CAP_E_LEDGER);
	assert_int_equal(cap_ledger_reserve(&l, CAP_RES_COUNT, 1), CAP_E_INVALID);
	assert_int_equal(cap_ledger_reserve(&l, (enum cap_res) - 1, 1), CAP_E_INVALID);
	assert_int_equal(cap_status_to_capos(CAP_E_LEDGER), CAPOS_E_NO_RESOURCES);
	assert_int_equal(cap_status_to_capos(CAP_E_FULL), CAPOS_E_NO_RESOURCES);
	assert_int_equal(cap_status_to_capos(CAP_E_LOOKUP), CAPOS_E_LOOKUP);
	assert_int_equal(cap_status_to_capos(CAP_E_BUSY), CAPOS_E_LOOKUP);
	assert_int_equal(cap_status_to_capos(CAP_E_INVALID), CAPOS_E_MALFORMED);
	assert_int_equal(cap_status_to_capos(CAP_OK), CAPOS_OK);
}

struct released {
	unsigned n;
	uint8_t seen[NSLOT];
};

static void on_release(void *ctx, const struct cap_ref *r)
{
	struct released *rel = ctx;
	assert_true(rel->n < NSLOT);
	rel->seen[rel->n++] = (uint8_t)((uint8_t *)r->obj - objs);
	assert_int_equal(r->iface, 0x1000 + (uint64_t)r->type);
}

static void test_clear(void **state)
{
	(void)state;
	struct capos_handle h[5];
	struct released rel = {0};
	struct cap_xfer_txn txn;
	for (unsigned i = 0; i < 5; i++)
		h[i] = install(&ta, 10 + i);
	assert_int_equal(cap_release(&ta, h[2], NULL), CAP_OK);
	assert_int_equal(cap_xfer_prepare(&ta, &tb, h, 1, true, &txn), CAP_OK);
	assert_int_equal(cap_table_clear(&ta, on_release, &rel), CAP_E_BUSY);
	assert_int_equal(rel.n, 0);
	assert_int_equal(cap_xfer_abort(&txn), CAP_OK);
	assert_int_equal(cap_table_clear(&ta, on_release, &rel), CAP_OK);
	assert_int_equal(rel.n, 4);
	assert_memory_equal(rel.seen, ((uint8_t[]){10, 11, 13, 14}), 4);
	assert_int_equal(ta.live, 0);
	assert_int_equal(la.res[CAP_RES_SLOTS].used, 0);
	for (unsigned i = 0; i < 5; i++)
		assert_null(looked_up(&ta, h[i]));
	assert_int_equal(sa[0].gen, 2);
	assert_int_equal(cap_table_clear(&ta, NULL, NULL), CAP_OK);
}

/* ---- random sequences against a shadow ---- */

#define NT   3
#define NOBJ 4000

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct shadow_slot {
	int obj; /* -1: free; -2: retired */
	uint32_t gen;
};

static struct cap_slot rs[NT][NSLOT];
static struct cap_table rt[NT];
static struct cap_ledger rl[NT];
static struct shadow_slot sh[NT][NSLOT];
static int refs[NOBJ]; /* capabilities naming each object, across all tables */
static int nobj;       /* objects created by install so far */

static unsigned sh_live(int t)
{
	unsigned n = 0;
	for (int i = 0; i < NSLOT; i++)
		n += sh[t][i].obj >= 0;
	return n;
}

static int sh_lowest_free(int t, const bool *taken)
{
	for (int i = 0; i < NSLOT; i++)
		if (sh[t][i].obj == -1 && !taken[i])
			return i;
	return -1;
}

static void sh_vacate(int t, int i)
{
	refs[sh[t][i].obj]--;
	if (sh[t][i].gen == UINT32_MAX) {
		sh[t][i].obj = -2;
	} else {
		sh[t][i].gen++;
		sh[t][i].obj = -1;
	}
}

/* A handle that is live, stale, free or out of range. */
static struct capos_handle random_handle(int t)
{
	struct capos_handle h = {(uint32_t)(xorshift() % (NSLOT + 1)), 0};
	h.gen = h.slot < NSLOT ? sh[t][h.slot].gen : 1;
	if (xorshift() % 6 == 0)
		h.gen += (uint32_t)(xorshift() % 3) - 1;
	return h;
}

static bool sh_valid(int t, struct capos_handle h)
{
	return h.slot < NSLOT && sh[t][h.slot].obj >= 0 && sh[t][h.slot].gen == h.gen;
}

static enum cap_status sh_expect_xfer(int s, int d, const struct capos_handle *h, uint32_t n,
				      bool move, int *dst)
{
	bool taken[NSLOT] = {false}, moving[NSLOT] = {false};
	uint64_t room = rl[d].res[CAP_RES_SLOTS].limit - rl[d].res[CAP_RES_SLOTS].used;
	for (uint32_t i = 0; i < n; i++) {
		if (!sh_valid(s, h[i]))
			return CAP_E_LOOKUP;
		if (moving[h[i].slot])
			return CAP_E_BUSY;
		dst[i] = sh_lowest_free(d, taken);
		if (dst[i] < 0)
			return CAP_E_FULL;
		if (room-- == 0)
			return CAP_E_LEDGER;
		taken[dst[i]] = true;
		moving[h[i].slot] = move;
	}
	return CAP_OK;
}

static void check_all(void)
{
	int count[NOBJ] = {0};
	for (int t = 0; t < NT; t++) {
		assert_int_equal(rt[t].live, sh_live(t));
		assert_int_equal(rt[t].pending, 0);
		assert_int_equal(rl[t].res[CAP_RES_SLOTS].used, sh_live(t));
		assert_int_equal(rl[t].res[CAP_RES_SLOTS].reserved, 0);
		for (int i = 0; i < NSLOT; i++) {
			const struct cap_slot *c = &rs[t][i];
			assert_int_equal(c->gen, sh[t][i].gen);
			if (sh[t][i].obj < 0) {
				assert_int_equal(c->state, sh[t][i].obj == -1 ? CAP_SLOT_FREE
									      : CAP_SLOT_RETIRED);
				assert_null(c->obj);
				continue;
			}
			/* Every capability names an object some install created. */
			assert_int_equal(c->state, CAP_SLOT_LIVE);
			assert_ptr_equal(c->obj, &objs[sh[t][i].obj]);
			assert_true(sh[t][i].obj < nobj);
			count[sh[t][i].obj]++;
		}
	}
	for (int o = 0; o < nobj; o++)
		assert_int_equal(count[o], refs[o]);
}

static void random_step(void)
{
	int t = (int)(xorshift() % NT), u = (int)(xorshift() % NT);
	struct capos_handle h, hs[CAP_XFER_MAX];
	struct cap_ref r;
	struct cap_xfer_txn txn;
	uint64_t op = xorshift() % 100;
	if (op < 30 && nobj < NOBJ) {
		int i = sh_lowest_free(t, (bool[NSLOT]){false});
		enum cap_status want = i < 0					      ? CAP_E_FULL
				       : sh_live(t) >= rl[t].res[CAP_RES_SLOTS].limit ? CAP_E_LEDGER
										      : CAP_OK;
		assert_int_equal(cap_install(&rt[t], &objs[nobj], 0, 0, &h), want);
		if (want == CAP_OK) {
			assert_int_equal(h.slot, i);
			sh[t][i].obj = nobj;
			refs[nobj++]++;
		}
	} else if (op < 50) {
		h = random_handle(t);
		bool valid = sh_valid(t, h);
		assert_int_equal(cap_release(&rt[t], h, &r), valid ? CAP_OK : CAP_E_LOOKUP);
		if (valid) {
			assert_ptr_equal(r.obj, &objs[sh[t][h.slot].obj]);
			sh_vacate(t, (int)h.slot);
		}
	} else if (op < 65) {
		h = random_handle(t);
		enum cap_status st = cap_lookup(&rt[t], h, &r);
		assert_int_equal(st, sh_valid(t, h) ? CAP_OK : CAP_E_LOOKUP);
	} else if (op < 99) {
		uint32_t n = (uint32_t)(xorshift() % (CAP_XFER_MAX + 1));
		bool move = xorshift() & 1, commit = xorshift() % 4 != 0;
		int dst[CAP_XFER_MAX];
		for (uint32_t i = 0; i < n; i++)
			hs[i] = random_handle(t);
		enum cap_status want = sh_expect_xfer(t, u, hs, n, move, dst);
		assert_int_equal(cap_xfer_prepare(&rt[t], &rt[u], hs, n, move, &txn), want);
		if (want != CAP_OK)
			return;
		if (!commit) {
			assert_int_equal(cap_xfer_abort(&txn), CAP_OK);
			return;
		}
		assert_int_equal(cap_xfer_commit(&txn), CAP_OK);
		for (uint32_t i = 0; i < n; i++) {
			int o = sh[t][hs[i].slot].obj;
			assert_int_equal(txn.out[i].slot, dst[i]);
			assert_int_equal(txn.out[i].gen, sh[u][dst[i]].gen);
			sh[u][dst[i]].obj = o;
			refs[o]++;
			if (move)
				sh_vacate(t, (int)hs[i].slot);
		}
	} else {
		assert_int_equal(cap_table_clear(&rt[t], NULL, NULL), CAP_OK);
		for (int i = 0; i < NSLOT; i++)
			if (sh[t][i].obj >= 0)
				sh_vacate(t, i);
	}
}

static void test_random_against_shadow(void **state)
{
	(void)state;
	for (int t = 0; t < NT; t++) {
		cap_ledger_init(&rl[t], 3 + (uint64_t)t * 2, 0, 0);
		assert_int_equal(cap_table_init(&rt[t], rs[t], NSLOT, &rl[t]), CAP_OK);
		for (int i = 0; i < NSLOT; i++) {
			/* A few slots near the end of their generations, to see retirement. */
			if (i == 1)
				rs[t][i].gen = UINT32_MAX - 2 - (uint32_t)t;
			sh[t][i].obj = -1;
			sh[t][i].gen = rs[t][i].gen;
		}
	}
	for (int step = 0; step < 200000 && nobj < NOBJ; step++) {
		random_step();
		check_all();
	}
	assert_true(nobj > 1000);
	assert_true(rt[0].retired + rt[1].retired + rt[2].retired > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_install_lookup_release, setup),
	    cmocka_unit_test_setup(test_install_ledger, setup),
	    cmocka_unit_test_setup(test_generation_retirement, setup),
	    cmocka_unit_test_setup(test_xfer_copy_commit, setup),
	    cmocka_unit_test_setup(test_xfer_move_commit, setup),
	    cmocka_unit_test_setup(test_xfer_move_only, setup),
	    cmocka_unit_test_setup(test_xfer_abort_exact, setup),
	    cmocka_unit_test_setup(test_xfer_fail_midway, setup),
	    cmocka_unit_test(test_ledger),
	    cmocka_unit_test_setup(test_clear, setup),
	    cmocka_unit_test(test_random_against_shadow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
