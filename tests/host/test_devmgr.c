/* test_devmgr: the device manager's ledger of record: the lifecycle; budgets (exhaustion,
 * exact limits, no wrap, exact restore on abort); sub-handle generations retiring at
 * UINT32_MAX; owner epochs never wrapping (UINT64_MAX - 1 through two teardowns); the
 * handle validator over every combination of state, epoch, slot, generation and kind;
 * the teardown order under every trigger; failed and unavailable steps over every
 * combination of results against the quarantine rules; bad input of every kind leaving
 * the record byte for byte unchanged; random operation sequences against a shadow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/dev/devmgr.h"

static struct dev_record rec, before;

static const struct dev_id nvme_id = {
    .seg = 0, .bus = 0, .dev = 4, .fn = 0, .vendor = 0x1b36, .device = 0x0010, .class = 0x010802};

static const uint64_t big[DEV_R_COUNT] = {UINT64_MAX, UINT64_MAX, UINT64_MAX,
					  UINT64_MAX, UINT64_MAX, UINT64_MAX};
static const uint64_t none[DEV_R_COUNT];

/* The order every teardown takes when every step succeeds. */
static const enum dev_step full_order[] = {
    DEV_STEP_BUSMASTER_OFF, DEV_STEP_IRQ_MASK, DEV_STEP_IRQ_DRAIN,
    DEV_STEP_IOMMU_DETACH,  DEV_STEP_RESET,    DEV_STEP_QUARANTINE,
    DEV_STEP_SCRUB,	    DEV_STEP_EPOCH,    DEV_STEP_DONE,
};
#define NFULL (sizeof(full_order) / sizeof(full_order[0]))

static int setup(void **state)
{
	(void)state;
	assert_int_equal(dev_record_init(&rec, &nvme_id), DEV_OK);
	return 0;
}

static void snap(void)
{
	memcpy(&before, &rec, sizeof(rec));
}

static void assert_unchanged(void)
{
	assert_memory_equal(&before, &rec, sizeof(rec));
}

static uint64_t claim(const uint64_t *limits)
{
	uint64_t e = 0;
	assert_int_equal(dev_claim(&rec, limits, &e), DEV_OK);
	assert_int_equal(e, rec.epoch);
	return e;
}

static struct dev_handle_ref issue(enum dev_kind kind, const uint64_t *charge)
{
	struct dev_txn t;
	struct dev_handle_ref h;
	assert_int_equal(dev_handle_reserve(&rec, kind, charge, &t), DEV_OK);
	assert_int_equal(dev_handle_commit(&t, &h), DEV_OK);
	assert_int_equal(dev_handle_check(&rec, &h), DEV_OK);
	return h;
}

/* Runs the teardown to its end, every step reported ok. */
static void teardown_all_ok(enum dev_trigger why)
{
	enum dev_step s;
	assert_int_equal(dev_teardown_begin(&rec, why), DEV_OK);
	while ((s = dev_teardown_next(&rec)) != DEV_STEP_NONE)
		assert_int_equal(dev_teardown_done(&rec, s, true), DEV_OK);
}

static void assert_budget_zero(void)
{
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		assert_int_equal(rec.budget.used[r], 0);
		assert_int_equal(rec.budget.reserved[r], 0);
	}
}

/* ---- lifecycle ---- */

static void test_init_claim(void **state)
{
	uint64_t e = 77;
	(void)state;
	assert_int_equal(dev_record_init(NULL, &nvme_id), DEV_E_INVALID);
	assert_int_equal(dev_record_init(&rec, NULL), DEV_E_INVALID);
	assert_int_equal(rec.state, DEV_UNCLAIMED);
	assert_int_equal(rec.epoch, 1);
	assert_int_equal(rec.id.class, 0x010802);
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		assert_int_equal(rec.slot[i].gen, 1);
		assert_int_equal(rec.slot[i].state, DEV_SLOT_FREE);
	}
	assert_int_equal(dev_teardown_next(&rec), DEV_STEP_NONE);
	assert_false(dev_frames_reusable(&rec));

	snap();
	assert_int_equal(dev_claim(NULL, big, &e), DEV_E_INVALID);
	assert_int_equal(dev_claim(&rec, NULL, &e), DEV_E_INVALID);
	assert_int_equal(dev_claim(&rec, big, NULL), DEV_E_INVALID);
	assert_unchanged();
	assert_int_equal(e, 77);

	assert_int_equal(claim(big), 1);
	assert_int_equal(rec.state, DEV_CLAIMED);
	snap();
	assert_int_equal(dev_claim(&rec, big, &e), DEV_E_STATE);
	assert_unchanged();

	/* Refused in every other state too. */
	for (unsigned st = 0; st < DEV_STATES; st++) {
		if (st == DEV_UNCLAIMED)
			continue;
		rec.state = (uint8_t)st;
		snap();
		assert_int_equal(dev_claim(&rec, big, &e), DEV_E_STATE);
		assert_unchanged();
	}
}

static void test_lifecycle(void **state)
{
	const uint64_t c_mmio[DEV_R_COUNT] = {[DEV_R_MMIO_BYTES] = 0x4000};
	const uint64_t c_irq[DEV_R_COUNT] = {[DEV_R_IRQS] = 1};
	const uint64_t c_pool[DEV_R_COUNT] = {
	    [DEV_R_POOL_BYTES] = 0x10000, [DEV_R_POOL_PAGES] = 16};
	const uint64_t c_buf[DEV_R_COUNT] = {[DEV_R_RING_DEPTH] = 1, [DEV_R_INFLIGHT] = 1};
	const uint64_t limits[DEV_R_COUNT] = {0x20000, 32, 0x4000, 4, 64, 64};
	struct dev_handle_ref m, i, p, b, b2;
	uint64_t e;
	(void)state;

	e = claim(limits);
	m = issue(DEV_H_MMIO, c_mmio);
	i = issue(DEV_H_IRQ, c_irq);
	p = issue(DEV_H_POOL, c_pool);
	b = issue(DEV_H_BUFFER, c_buf);
	assert_int_equal(m.epoch, e);
	assert_int_equal(m.kind, DEV_H_MMIO);
	assert_int_equal(m.slot, 0);
	assert_int_equal(b.slot, 3);
	assert_int_equal(m.gen, 1);
	for (unsigned k = 0; k < DEV_KINDS; k++)
		assert_int_equal(rec.count[k], 1);
	assert_int_equal(rec.budget.used[DEV_R_POOL_PAGES], 16);
	assert_int_equal(rec.budget.used[DEV_R_MMIO_BYTES], 0x4000);
	assert_int_equal(rec.budget.used[DEV_R_INFLIGHT], 1);

	/* Release: charges back, the slot FREE at the next generation, the handle dead. */
	assert_int_equal(dev_handle_release(&rec, &b), DEV_OK);
	assert_int_equal(rec.budget.used[DEV_R_INFLIGHT], 0);
	assert_int_equal(rec.count[DEV_H_BUFFER], 0);
	assert_int_equal(dev_handle_check(&rec, &b), DEV_E_FREE);
	assert_int_equal(dev_handle_release(&rec, &b), DEV_E_FREE);
	b2 = issue(DEV_H_BUFFER, c_buf);
	assert_int_equal(b2.slot, b.slot);
	assert_int_equal(b2.gen, b.gen + 1);
	assert_int_equal(dev_handle_check(&rec, &b), DEV_E_GEN);

	/* Teardown: every handle dead at once, from begin on. */
	assert_int_equal(dev_teardown_begin(&rec, DEV_T_RELEASE), DEV_OK);
	assert_int_equal(rec.state, DEV_REVOKING);
	assert_int_equal(rec.trigger, DEV_T_RELEASE);
	assert_int_equal(dev_handle_check(&rec, &m), DEV_E_STATE);
	assert_int_equal(dev_handle_check(&rec, &i), DEV_E_STATE);
	assert_int_equal(dev_handle_check(&rec, &p), DEV_E_STATE);
	assert_int_equal(dev_handle_check(&rec, &b2), DEV_E_STATE);
	snap();
	assert_int_equal(dev_handle_release(&rec, &m), DEV_E_STATE);
	assert_unchanged();
	for (enum dev_step s; (s = dev_teardown_next(&rec)) != DEV_STEP_NONE;) {
		assert_int_equal(dev_frames_reusable(&rec), s == DEV_STEP_DONE);
		assert_int_equal(dev_teardown_done(&rec, s, true), DEV_OK);
	}
	assert_int_equal(rec.state, DEV_UNCLAIMED);
	assert_int_equal(rec.epoch, e + 1);
	assert_true(dev_frames_reusable(&rec));
	assert_true(dev_vectors_reusable(&rec));
	assert_budget_zero();
	for (unsigned k = 0; k < DEV_KINDS; k++)
		assert_int_equal(rec.count[k], 0);
	/* Every slot that was LIVE moved on a generation. */
	assert_int_equal(rec.slot[m.slot].gen, 2);
	assert_int_equal(rec.slot[b2.slot].gen, 3);
	assert_int_equal(rec.slot[m.slot].state, DEV_SLOT_FREE);

	/* A new owner: the old handles fail on their epoch, even one whose slot and
	 * generation now name a live handle again. */
	assert_int_equal(claim(limits), e + 1);
	assert_false(dev_frames_reusable(&rec));
	assert_int_equal(dev_handle_check(&rec, &m), DEV_E_EPOCH);
	struct dev_handle_ref m2 = issue(DEV_H_MMIO, c_mmio);
	assert_int_equal(m2.slot, m.slot);
	struct dev_handle_ref forged = m;
	forged.gen = m2.gen;
	assert_int_equal(dev_handle_check(&rec, &forged), DEV_E_EPOCH);
	assert_int_equal(dev_handle_release(&rec, &forged), DEV_E_EPOCH);
	assert_int_equal(dev_handle_check(&rec, &m2), DEV_OK);
}

/* ---- budgets and transactions ---- */

static void test_budget_exhaustion(void **state)
{
	const uint64_t limits[DEV_R_COUNT] = {[DEV_R_IRQS] = 2, [DEV_R_POOL_PAGES] = 10};
	const uint64_t one_irq[DEV_R_COUNT] = {[DEV_R_IRQS] = 1};
	const uint64_t pages[DEV_R_COUNT] = {[DEV_R_POOL_PAGES] = 6};
	struct dev_txn t, t2;
	struct dev_handle_ref h1, h2;
	(void)state;

	claim(limits);
	h1 = issue(DEV_H_IRQ, one_irq);
	/* A pending reservation counts against the limit. */
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_IRQ, one_irq, &t), DEV_OK);
	snap();
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_IRQ, one_irq, &t2), DEV_E_BUDGET);
	assert_unchanged();
	assert_int_equal(dev_handle_commit(&t, &h2), DEV_OK);
	assert_int_equal(rec.budget.used[DEV_R_IRQS], 2);
	snap();
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_IRQ, one_irq, &t2), DEV_E_BUDGET);
	assert_unchanged();
	/* Any one resource over its limit refuses the whole handle. */
	const uint64_t mixed[DEV_R_COUNT] = {[DEV_R_POOL_PAGES] = 1, [DEV_R_IRQS] = 1};
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_POOL, mixed, &t2), DEV_E_BUDGET);
	assert_unchanged();
	/* Exactly to the limit fits; one more does not. */
	issue(DEV_H_POOL, pages);
	const uint64_t four[DEV_R_COUNT] = {[DEV_R_POOL_PAGES] = 4};
	const uint64_t five[DEV_R_COUNT] = {[DEV_R_POOL_PAGES] = 5};
	snap();
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_POOL, five, &t2), DEV_E_BUDGET);
	assert_unchanged();
	struct dev_handle_ref p4 = issue(DEV_H_POOL, four);
	assert_int_equal(rec.budget.used[DEV_R_POOL_PAGES], 10);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_BUFFER, none, &t2), DEV_OK);
	assert_int_equal(dev_handle_abort(&t2), DEV_OK);
	/* Release returns exactly what was charged. */
	assert_int_equal(dev_handle_release(&rec, &p4), DEV_OK);
	assert_int_equal(rec.budget.used[DEV_R_POOL_PAGES], 6);
	assert_int_equal(dev_handle_release(&rec, &h1), DEV_OK);
	assert_int_equal(rec.budget.used[DEV_R_IRQS], 1);
	assert_int_equal(dev_handle_release(&rec, &h2), DEV_OK);
	assert_int_equal(rec.budget.used[DEV_R_IRQS], 0);
}

static void test_budget_no_wrap(void **state)
{
	const uint64_t limits[DEV_R_COUNT] = {[DEV_R_POOL_BYTES] = UINT64_MAX};
	const uint64_t most[DEV_R_COUNT] = {[DEV_R_POOL_BYTES] = UINT64_MAX - 1};
	const uint64_t two[DEV_R_COUNT] = {[DEV_R_POOL_BYTES] = 2};
	const uint64_t huge[DEV_R_COUNT] = {[DEV_R_POOL_BYTES] = UINT64_MAX};
	struct dev_txn t;
	(void)state;

	claim(limits);
	issue(DEV_H_POOL, most);
	snap();
	/* used + 2 would wrap to 0 and pass a naive check. */
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_POOL, two, &t), DEV_E_BUDGET);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_POOL, huge, &t), DEV_E_BUDGET);
	assert_unchanged();
	const uint64_t one[DEV_R_COUNT] = {[DEV_R_POOL_BYTES] = 1};
	issue(DEV_H_POOL, one);
	assert_int_equal(rec.budget.used[DEV_R_POOL_BYTES], UINT64_MAX);
	teardown_all_ok(DEV_T_EXIT);
	assert_budget_zero();
}

static void test_full(void **state)
{
	struct dev_txn t;
	struct dev_handle_ref h[DEV_MAX_HANDLES];
	(void)state;

	claim(big);
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		h[i] = issue((enum dev_kind)(i % DEV_KINDS), none);
		assert_int_equal(h[i].slot, i);
	}
	snap();
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_MMIO, none, &t), DEV_E_FULL);
	assert_unchanged();
	assert_int_equal(dev_handle_release(&rec, &h[37]), DEV_OK);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_MMIO, none, &t), DEV_OK);
	assert_int_equal(t.slot, 37);
	/* A pending transaction keeps a teardown from starting. */
	snap();
	assert_int_equal(dev_teardown_begin(&rec, DEV_T_CRASH), DEV_E_BUSY);
	assert_unchanged();
	assert_int_equal(dev_handle_abort(&t), DEV_OK);
	teardown_all_ok(DEV_T_CRASH);
	assert_int_equal(rec.state, DEV_UNCLAIMED);
}

static void test_abort_exact(void **state)
{
	const uint64_t c[DEV_R_COUNT] = {3, 1, 4, 1, 5, 9};
	struct dev_txn t, t2, copy;
	struct dev_handle_ref h;
	(void)state;

	claim(big);
	issue(DEV_H_MMIO, c);
	struct dev_handle_ref gone = issue(DEV_H_IRQ, c);
	issue(DEV_H_POOL, c);
	assert_int_equal(dev_handle_release(&rec, &gone), DEV_OK);
	snap();
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_BUFFER, c, &t), DEV_OK);
	assert_int_equal(t.slot, gone.slot);
	assert_int_equal(rec.pending, 1);
	assert_int_equal(rec.budget.reserved[DEV_R_INFLIGHT], 9);
	/* A reserved slot names nothing. */
	h = (struct dev_handle_ref){rec.epoch, t.slot, rec.slot[t.slot].gen, DEV_H_BUFFER};
	assert_int_equal(dev_handle_check(&rec, &h), DEV_E_FREE);
	copy = t;
	assert_int_equal(dev_handle_abort(&t), DEV_OK);
	assert_unchanged();
	/* A transaction ends once: a second abort, a commit after it, or a stale copy of it
	 * change nothing. */
	assert_int_equal(dev_handle_abort(&t), DEV_E_INVALID);
	assert_int_equal(dev_handle_commit(&t, &h), DEV_E_INVALID);
	assert_int_equal(dev_handle_commit(&copy, &h), DEV_E_INVALID);
	assert_int_equal(dev_handle_abort(&copy), DEV_E_INVALID);
	assert_unchanged();

	/* Two pending at once, aborted in either order, restore exactly too. */
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_BUFFER, c, &t), DEV_OK);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_MMIO, c, &t2), DEV_OK);
	assert_int_equal(dev_handle_abort(&t), DEV_OK);
	assert_int_equal(dev_handle_abort(&t2), DEV_OK);
	assert_unchanged();

	/* NULL output: refused, and the transaction still stands. */
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_BUFFER, c, &t), DEV_OK);
	assert_int_equal(dev_handle_commit(&t, NULL), DEV_E_INVALID);
	assert_int_equal(dev_handle_commit(NULL, &h), DEV_E_INVALID);
	assert_int_equal(dev_handle_abort(NULL), DEV_E_INVALID);
	/* A transaction whose fields were changed no longer matches its slot. */
	copy = t;
	copy.kind = DEV_H_MMIO;
	assert_int_equal(dev_handle_commit(&copy, &h), DEV_E_INVALID);
	copy = t;
	copy.slot = DEV_MAX_HANDLES;
	assert_int_equal(dev_handle_commit(&copy, &h), DEV_E_INVALID);
	copy = t;
	copy.slot = 0; /* a LIVE slot */
	assert_int_equal(dev_handle_abort(&copy), DEV_E_INVALID);
	copy = t;
	copy.charge[DEV_R_IRQS] = 0;
	assert_int_equal(dev_handle_abort(&copy), DEV_E_INVALID);
	assert_int_equal(dev_handle_commit(&t, &h), DEV_OK);
	assert_int_equal(dev_handle_check(&rec, &h), DEV_OK);
	assert_int_equal(rec.budget.used[DEV_R_INFLIGHT], 27);
	assert_int_equal(rec.budget.reserved[DEV_R_INFLIGHT], 0);
	assert_int_equal(rec.pending, 0);
}

/* ---- generations and epochs ---- */

static void test_generation_retire(void **state)
{
	struct dev_handle_ref a, b, c;
	struct dev_txn t;
	(void)state;

	rec.slot[0].gen = UINT32_MAX - 1;
	rec.slot[1].gen = UINT32_MAX;
	claim(big);
	a = issue(DEV_H_IRQ, none);
	assert_int_equal(a.gen, UINT32_MAX - 1);
	assert_int_equal(dev_handle_release(&rec, &a), DEV_OK);
	b = issue(DEV_H_IRQ, none);
	assert_int_equal(b.slot, 0);
	assert_int_equal(b.gen, UINT32_MAX);
	assert_int_equal(dev_handle_check(&rec, &a), DEV_E_GEN);
	assert_int_equal(dev_handle_release(&rec, &b), DEV_OK);
	/* Retired, not wrapped: gen 0 and gen 1 never come back in slot 0. */
	assert_int_equal(rec.slot[0].state, DEV_SLOT_RETIRED);
	assert_int_equal(rec.slot[0].gen, UINT32_MAX);
	assert_int_equal(rec.retired, 1);
	assert_int_equal(dev_handle_check(&rec, &b), DEV_E_FREE);
	assert_int_equal(dev_handle_check(&rec, &a), DEV_E_FREE);
	c = issue(DEV_H_IRQ, none);
	assert_int_equal(c.slot, 1);
	assert_int_equal(c.gen, UINT32_MAX);

	/* A teardown vacating a slot at UINT32_MAX retires it as well. */
	teardown_all_ok(DEV_T_REVOKE);
	assert_int_equal(rec.slot[1].state, DEV_SLOT_RETIRED);
	assert_int_equal(rec.retired, 2);
	claim(big);
	assert_int_equal(issue(DEV_H_MMIO, none).slot, 2);

	/* Every slot retired: the record stays claimable but holds nothing. */
	teardown_all_ok(DEV_T_REVOKE);
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		rec.slot[i].state = DEV_SLOT_RETIRED;
		rec.slot[i].gen = UINT32_MAX;
	}
	claim(big);
	snap();
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_MMIO, none, &t), DEV_E_FULL);
	assert_unchanged();
}

static void test_epoch_never_wraps(void **state)
{
	struct dev_handle_ref h1, h2;
	uint64_t e;
	(void)state;

	rec.epoch = UINT64_MAX - 1;
	assert_int_equal(claim(big), UINT64_MAX - 1);
	h1 = issue(DEV_H_POOL, none);
	teardown_all_ok(DEV_T_RESET);
	assert_int_equal(rec.state, DEV_UNCLAIMED);
	assert_int_equal(rec.epoch, UINT64_MAX);

	assert_int_equal(claim(big), UINT64_MAX);
	assert_int_equal(dev_handle_check(&rec, &h1), DEV_E_EPOCH);
	h2 = issue(DEV_H_POOL, none);
	teardown_all_ok(DEV_T_DISABLE);
	/* The next epoch would be 0 and then 1, a handle of the first claim: retired. */
	assert_int_equal(rec.state, DEV_RETIRED);
	assert_int_equal(rec.epoch, UINT64_MAX);
	assert_true(dev_frames_reusable(&rec)); /* quiet and scrubbed: nobody will own it */
	assert_int_equal(dev_handle_check(&rec, &h2), DEV_E_STATE);
	assert_int_equal(dev_handle_check(&rec, &h1), DEV_E_STATE);
	snap();
	assert_int_equal(dev_claim(&rec, big, &e), DEV_E_STATE);
	assert_int_equal(dev_teardown_begin(&rec, DEV_T_REVOKE), DEV_E_STATE);
	assert_int_equal(dev_teardown_done(&rec, DEV_STEP_BUSMASTER_OFF, true), DEV_E_STATE);
	assert_int_equal(dev_teardown_next(&rec), DEV_STEP_NONE);
	assert_unchanged();
}

static void test_epochs_monotonic(void **state)
{
	uint64_t last = 0;
	(void)state;
	for (unsigned round = 0; round < 50; round++) {
		uint64_t e = claim(big);
		assert_true(e > last);
		last = e;
		issue(DEV_H_MMIO, none);
		teardown_all_ok((enum dev_trigger)(round % DEV_TRIGGERS));
		assert_int_equal(rec.epoch, e + 1);
	}
}

/* ---- the validator, exhaustively ---- */

/* The record the validator is run on: slots in every state, several generations. */
static void validator_record(struct dev_txn *pending)
{
	const uint64_t c[DEV_R_COUNT] = {1, 1, 1, 1, 1, 1};
	rec.slot[0].gen = 5;
	rec.slot[4].gen = UINT32_MAX;
	rec.epoch = 9;
	claim(big);
	issue(DEV_H_MMIO, c);				/* 0: LIVE, gen 5 */
	issue(DEV_H_IRQ, c);				/* 1: LIVE, gen 1 */
	struct dev_handle_ref r = issue(DEV_H_POOL, c); /* 2: FREE, gen 2 */
	assert_int_equal(dev_handle_release(&rec, &r), DEV_OK);
	issue(DEV_H_BUFFER, c);	 /* 2: LIVE, gen 2 */
	r = issue(DEV_H_IRQ, c); /* 3: FREE, gen 2 */
	assert_int_equal(dev_handle_release(&rec, &r), DEV_OK);
	r = issue(DEV_H_POOL, c); /* 3 again: LIVE gen 2; 4 retires below */
	(void)r;
	struct dev_handle_ref s4 = issue(DEV_H_MMIO, c);
	assert_int_equal(s4.slot, 4);
	assert_int_equal(dev_handle_release(&rec, &s4), DEV_OK);
	assert_int_equal(rec.slot[4].state, DEV_SLOT_RETIRED);
	for (unsigned i = 5; i < DEV_MAX_HANDLES - 1; i++)
		issue((enum dev_kind)(i % DEV_KINDS), c);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_BUFFER, c, pending), DEV_OK);
	assert_int_equal(pending->slot, DEV_MAX_HANDLES - 1); /* 63: RESERVED */
}

/* What the validator must answer, written as a list of checks in priority order. */
static enum dev_status oracle(uint8_t state, uint64_t epoch, const struct dev_handle_ref *h)
{
	bool bad[7] = {false};
	bad[1] = state != DEV_CLAIMED;
	bad[2] = h->epoch != epoch;
	bad[3] = h->slot >= DEV_MAX_HANDLES;
	bad[4] = !bad[3] && rec.slot[h->slot].state != DEV_SLOT_LIVE;
	bad[5] = !bad[3] && rec.slot[h->slot].gen != h->gen;
	bad[6] = !bad[3] && rec.slot[h->slot].kind != h->kind;
	static const enum dev_status st[7] = {DEV_OK,	  DEV_E_STATE, DEV_E_EPOCH, DEV_E_SLOT,
					      DEV_E_FREE, DEV_E_GEN,   DEV_E_KIND};
	for (unsigned i = 1; i < 7; i++) {
		if (bad[i])
			return st[i];
	}
	return DEV_OK;
}

static void test_validator_exhaustive(void **state)
{
	static struct dev_record copy;
	struct dev_txn pending;
	const uint64_t epochs[] = {9, 8, 10, 0, 1, UINT64_MAX, 9 + (1ull << 32)};
	const uint32_t slots[] = {0, 1, 2, 3, 4, 5, 62, 63, 64, 65, 255, 65535};
	const uint32_t gens[] = {0, 1, 2, 3, 4, 5, 6, UINT32_MAX - 1, UINT32_MAX};
	const uint32_t kinds[] = {DEV_H_MMIO, DEV_H_IRQ, DEV_H_POOL, DEV_H_BUFFER, DEV_KINDS, 255};
	unsigned ok = 0, seen[DEV_E_KIND + 1] = {0};
	(void)state;

	validator_record(&pending);
	snap();
	for (unsigned st = 0; st < DEV_STATES; st++) {
		rec.state = (uint8_t)st;
		for (unsigned e = 0; e < sizeof(epochs) / sizeof(epochs[0]); e++)
			for (unsigned s = 0; s < sizeof(slots) / sizeof(slots[0]); s++)
				for (unsigned g = 0; g < sizeof(gens) / sizeof(gens[0]); g++)
					for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]);
					     k++) {
						struct dev_handle_ref h = {
						    epochs[e], (uint16_t)slots[s], gens[g],
						    (uint8_t)kinds[k]};
						enum dev_status want =
						    oracle(rec.state, rec.epoch, &h);
						memcpy(&copy, &rec, sizeof(rec));
						assert_int_equal(dev_handle_check(&rec, &h), want);
						/* Release answers the same and, failing, changes
						 * nothing; succeeding, it is undone by the copy. */
						assert_int_equal(dev_handle_release(&rec, &h),
								 want);
						if (want != DEV_OK)
							assert_memory_equal(&copy, &rec,
									    sizeof(rec));
						memcpy(&rec, &copy, sizeof(rec));
						seen[want]++;
						ok += want == DEV_OK;
					}
	}
	rec.state = DEV_CLAIMED;
	assert_unchanged();
	/* Every status was reached, and OK only for the exact live handles: of the listed
	 * slots 0, 1, 2, 3, 5 and 62 are LIVE, each at one (gen, kind), at the one epoch. */
	for (unsigned i = 0; i <= DEV_E_KIND; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(ok, 6);
	assert_int_equal(dev_handle_check(NULL, &(struct dev_handle_ref){0}), DEV_E_INVALID);
	assert_int_equal(dev_handle_check(&rec, NULL), DEV_E_INVALID);
	assert_int_equal(dev_handle_release(NULL, &(struct dev_handle_ref){0}), DEV_E_INVALID);
	assert_int_equal(dev_handle_release(&rec, NULL), DEV_E_INVALID);
	assert_unchanged();
	assert_int_equal(dev_handle_abort(&pending), DEV_OK);
}

/* ---- the teardown order ---- */

static void test_teardown_order_every_trigger(void **state)
{
	(void)state;
	for (unsigned why = 0; why < DEV_TRIGGERS; why++) {
		const uint64_t c[DEV_R_COUNT] = {4096, 1, 4096, 1, 8, 2};
		struct dev_handle_ref h[DEV_KINDS];
		uint64_t e;
		unsigned n = 0;

		assert_int_equal(dev_record_init(&rec, &nvme_id), DEV_OK);
		e = claim(big);
		for (unsigned k = 0; k < DEV_KINDS; k++)
			h[k] = issue((enum dev_kind)k, c);
		assert_int_equal(dev_teardown_begin(&rec, (enum dev_trigger)why), DEV_OK);
		assert_int_equal(rec.trigger, why);
		for (enum dev_step s; (s = dev_teardown_next(&rec)) != DEV_STEP_NONE; n++) {
			assert_true(n < NFULL);
			assert_int_equal(s, full_order[n]);
			/* REVOKING until the frames are quarantined, QUARANTINED until done. */
			assert_int_equal(rec.state, n <= 5 ? DEV_REVOKING : DEV_QUARANTINED);
			for (unsigned k = 0; k < DEV_KINDS; k++)
				assert_int_equal(dev_handle_check(&rec, &h[k]), DEV_E_STATE);
			/* Charges stay on the ledger until the frames are scrubbed. */
			assert_int_equal(rec.budget.used[DEV_R_INFLIGHT],
					 n <= 6 ? 2 * DEV_KINDS : 0);
			/* Another trigger meanwhile joins this teardown, changing nothing. */
			snap();
			assert_int_equal(
			    dev_teardown_begin(&rec, (enum dev_trigger)((why + 1) % DEV_TRIGGERS)),
			    DEV_E_TEARDOWN);
			/* Any other step reported now is out of order. */
			for (unsigned o = DEV_STEP_BUSMASTER_OFF; o < DEV_STEPS; o++) {
				if (o != s)
					assert_int_equal(
					    dev_teardown_done(&rec, (enum dev_step)o, true),
					    DEV_E_ORDER);
			}
			assert_unchanged();
			/* Reuse only from the DONE step, after the epoch moved on. */
			assert_int_equal(dev_frames_reusable(&rec), s == DEV_STEP_DONE);
			assert_int_equal(dev_vectors_reusable(&rec), s == DEV_STEP_DONE);
			assert_int_equal(rec.epoch, s == DEV_STEP_DONE ? e + 1 : e);
			assert_int_equal(dev_teardown_done(&rec, s, true), DEV_OK);
		}
		assert_int_equal(n, NFULL);
		assert_int_equal(rec.state, DEV_UNCLAIMED);
		assert_int_equal(rec.epoch, e + 1);
		assert_budget_zero();
		for (unsigned k = 0; k < DEV_KINDS; k++) {
			assert_int_equal(rec.count[k], 0);
			assert_int_equal(rec.slot[h[k].slot].state, DEV_SLOT_FREE);
			assert_int_equal(rec.slot[h[k].slot].gen, h[k].gen + 1);
		}
		/* The record is claimable again, from a clean slate. */
		assert_int_equal(claim(big), e + 1);
		assert_int_equal(dev_teardown_next(&rec), DEV_STEP_NONE);
		assert_false(dev_frames_reusable(&rec));
	}
}

/* ---- failed and unavailable steps ---- */

/* The rules of devmgr.h, restated for the test. */
static bool rule_quiet(const enum dev_step_result *r)
{
	if (r[DEV_STEP_IOMMU_DETACH] == DEV_SR_OK || r[DEV_STEP_RESET] == DEV_SR_OK)
		return true;
	for (unsigned s = DEV_STEP_BUSMASTER_OFF; s <= DEV_STEP_QUARANTINE; s++)
		if (r[s] == DEV_SR_FAILED)
			return false;
	return true;
}

/* Every combination of results, as a mixed-radix counter: per step, its choices. */
static const enum dev_step_result choices[DEV_STEPS][3] = {
    [DEV_STEP_BUSMASTER_OFF] = {DEV_SR_OK, DEV_SR_FAILED},
    [DEV_STEP_IRQ_MASK] = {DEV_SR_OK, DEV_SR_FAILED},
    [DEV_STEP_IRQ_DRAIN] = {DEV_SR_OK, DEV_SR_FAILED},
    [DEV_STEP_IOMMU_DETACH] = {DEV_SR_OK, DEV_SR_FAILED, DEV_SR_UNAVAILABLE},
    [DEV_STEP_RESET] = {DEV_SR_OK, DEV_SR_FAILED, DEV_SR_UNAVAILABLE},
    [DEV_STEP_QUARANTINE] = {DEV_SR_OK, DEV_SR_FAILED},
    [DEV_STEP_SCRUB] = {DEV_SR_OK, DEV_SR_FAILED},
    [DEV_STEP_EPOCH] = {DEV_SR_OK, DEV_SR_FAILED},
    [DEV_STEP_DONE] = {DEV_SR_OK, DEV_SR_FAILED},
};
static const unsigned nchoices[DEV_STEPS] = {1, 2, 2, 2, 3, 3, 2, 2, 2, 2};

static void run_with_results(const enum dev_step_result *want, bool *reusable, bool *vectors)
{
	const uint64_t c[DEV_R_COUNT] = {8192, 2, 0, 1, 4, 4};
	struct dev_handle_ref h[3];
	enum dev_step s;
	enum dev_step_result got[DEV_STEPS] = {DEV_SR_PENDING};
	bool asked[DEV_STEPS] = {false};
	unsigned prev = DEV_STEP_NONE;
	uint64_t e;

	assert_int_equal(dev_record_init(&rec, &nvme_id), DEV_OK);
	e = claim(big);
	h[0] = issue(DEV_H_POOL, c);
	h[1] = issue(DEV_H_IRQ, c);
	h[2] = issue(DEV_H_BUFFER, c);
	assert_int_equal(dev_teardown_begin(&rec, DEV_T_CRASH), DEV_OK);
	while ((s = dev_teardown_next(&rec)) != DEV_STEP_NONE) {
		assert_true((unsigned)s > prev); /* forward only, never repeated */
		prev = s;
		asked[s] = true;
		got[s] = want[s];
		*reusable = dev_frames_reusable(&rec);
		*vectors = dev_vectors_reusable(&rec);
		assert_int_equal(dev_teardown_report(&rec, s, want[s]), DEV_OK);
	}
	/* Every physical step is asked whatever failed before it. */
	for (unsigned st = DEV_STEP_BUSMASTER_OFF; st < DEV_STEPS; st++) {
		if (st != DEV_STEP_SCRUB)
			assert_true(asked[st]);
	}
	bool quiet = rule_quiet(got);
	bool scrub = quiet && got[DEV_STEP_QUARANTINE] == DEV_SR_OK;
	assert_int_equal(asked[DEV_STEP_SCRUB], scrub);
	assert_int_equal(rec.result[DEV_STEP_SCRUB], scrub ? want[DEV_STEP_SCRUB] : DEV_SR_SKIPPED);
	bool failed = false;
	for (unsigned st = DEV_STEP_BUSMASTER_OFF; st < DEV_STEPS; st++)
		failed |= got[st] == DEV_SR_FAILED;
	/* Anything failed: never handed out again. */
	assert_int_equal(rec.state, failed ? DEV_RETIRED : DEV_UNCLAIMED);
	/* What the kernel saw at the DONE step, and what stays true after it. */
	bool frames = scrub && got[DEV_STEP_SCRUB] == DEV_SR_OK && got[DEV_STEP_EPOCH] == DEV_SR_OK;
	bool vec = got[DEV_STEP_IRQ_MASK] == DEV_SR_OK && got[DEV_STEP_IRQ_DRAIN] == DEV_SR_OK &&
		   got[DEV_STEP_EPOCH] == DEV_SR_OK;
	assert_int_equal(*reusable, frames);
	assert_int_equal(*vectors, vec);
	assert_int_equal(dev_frames_reusable(&rec), frames);
	assert_int_equal(dev_vectors_reusable(&rec), vec);
	/* The owner's accounting ends and the epoch moves on either way. */
	assert_budget_zero();
	assert_int_equal(rec.epoch, e + 1);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(rec.slot[h[i].slot].state, DEV_SLOT_FREE);
}

static void test_failed_steps_every_combination(void **state)
{
	unsigned idx[DEV_STEPS] = {0}, n = 0, retired = 0, stuck = 0;
	(void)state;
	for (;;) {
		enum dev_step_result want[DEV_STEPS] = {DEV_SR_PENDING};
		bool reusable = false, vectors = false;
		for (unsigned s = DEV_STEP_BUSMASTER_OFF; s < DEV_STEPS; s++)
			want[s] = choices[s][idx[s]];
		run_with_results(want, &reusable, &vectors);
		n++;
		retired += rec.state == DEV_RETIRED;
		stuck += !reusable;
		unsigned s = DEV_STEP_BUSMASTER_OFF;
		while (s < DEV_STEPS && ++idx[s] == nchoices[s])
			idx[s++] = 0;
		if (s == DEV_STEPS)
			break;
	}
	assert_int_equal(n, 2 * 2 * 2 * 3 * 3 * 2 * 2 * 2 * 2);
	assert_true(retired > 0 && retired < n);
	assert_true(stuck > 0 && stuck < n);
}

/* The cases the rules are about, by name. */
static void named(enum dev_step_result bm, enum dev_step_result iommu, enum dev_step_result rst,
		  bool want_frames, enum dev_state want_state)
{
	enum dev_step_result want[DEV_STEPS];
	bool reusable = false, vectors = false;
	for (unsigned s = 0; s < DEV_STEPS; s++)
		want[s] = DEV_SR_OK;
	want[DEV_STEP_BUSMASTER_OFF] = bm;
	want[DEV_STEP_IOMMU_DETACH] = iommu;
	want[DEV_STEP_RESET] = rst;
	run_with_results(want, &reusable, &vectors);
	assert_int_equal(reusable, want_frames);
	assert_int_equal(rec.state, want_state);
	assert_true(vectors);
}

static void test_quarantine_rules(void **state)
{
	(void)state;
	/* Bus master off failed, no IOMMU, no reset: the frames never leave quarantine. */
	named(DEV_SR_FAILED, DEV_SR_UNAVAILABLE, DEV_SR_UNAVAILABLE, false, DEV_RETIRED);
	named(DEV_SR_FAILED, DEV_SR_UNAVAILABLE, DEV_SR_FAILED, false, DEV_RETIRED);
	named(DEV_SR_FAILED, DEV_SR_FAILED, DEV_SR_UNAVAILABLE, false, DEV_RETIRED);
	/* ... a reset or a completed IOMMU detach proves it quiet: frames back, device not. */
	named(DEV_SR_FAILED, DEV_SR_UNAVAILABLE, DEV_SR_OK, true, DEV_RETIRED);
	named(DEV_SR_FAILED, DEV_SR_OK, DEV_SR_UNAVAILABLE, true, DEV_RETIRED);
	named(DEV_SR_FAILED, DEV_SR_OK, DEV_SR_FAILED, true, DEV_RETIRED);
	/* Unconfined and without reset, but it obeyed every step: taken at its word. */
	named(DEV_SR_OK, DEV_SR_UNAVAILABLE, DEV_SR_UNAVAILABLE, true, DEV_UNCLAIMED);
	named(DEV_SR_OK, DEV_SR_OK, DEV_SR_UNAVAILABLE, true, DEV_UNCLAIMED);
	named(DEV_SR_OK, DEV_SR_UNAVAILABLE, DEV_SR_OK, true, DEV_UNCLAIMED);
	/* A failed reset with the bus master confirmed off and no IOMMU: not trusted. */
	named(DEV_SR_OK, DEV_SR_UNAVAILABLE, DEV_SR_FAILED, false, DEV_RETIRED);

	/* dev_quiet mid-sequence: the device's word counts only once RESET was reached. */
	assert_int_equal(dev_record_init(&rec, &nvme_id), DEV_OK);
	claim(big);
	assert_int_equal(dev_teardown_begin(&rec, DEV_T_REVOKE), DEV_OK);
	assert_false(dev_quiet(&rec));
	assert_int_equal(dev_teardown_done(&rec, DEV_STEP_BUSMASTER_OFF, true), DEV_OK);
	assert_int_equal(dev_teardown_done(&rec, DEV_STEP_IRQ_MASK, true), DEV_OK);
	assert_int_equal(dev_teardown_done(&rec, DEV_STEP_IRQ_DRAIN, true), DEV_OK);
	assert_false(dev_quiet(&rec));
	assert_int_equal(dev_teardown_report(&rec, DEV_STEP_IOMMU_DETACH, DEV_SR_UNAVAILABLE),
			 DEV_OK);
	assert_false(dev_quiet(&rec));
	assert_int_equal(dev_teardown_report(&rec, DEV_STEP_RESET, DEV_SR_UNAVAILABLE), DEV_OK);
	assert_true(dev_quiet(&rec));
	assert_false(dev_quiet(NULL));
}

/* ---- bad input never changes the record ---- */

static void test_bad_input(void **state)
{
	const uint64_t c[DEV_R_COUNT] = {1, 1, 1, 1, 1, 1};
	struct dev_txn t;
	(void)state;

	claim(big);
	struct dev_handle_ref h = issue(DEV_H_IRQ, c);
	snap();
	assert_int_equal(dev_handle_reserve(NULL, DEV_H_IRQ, c, &t), DEV_E_INVALID);
	assert_int_equal(dev_handle_reserve(&rec, DEV_KINDS, c, &t), DEV_E_INVALID);
	assert_int_equal(dev_handle_reserve(&rec, (enum dev_kind) - 1, c, &t), DEV_E_INVALID);
	assert_int_equal(dev_handle_reserve(&rec, (enum dev_kind)200, c, &t), DEV_E_INVALID);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_IRQ, NULL, &t), DEV_E_INVALID);
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_IRQ, c, NULL), DEV_E_INVALID);
	assert_int_equal(dev_teardown_begin(NULL, DEV_T_RELEASE), DEV_E_INVALID);
	assert_int_equal(dev_teardown_begin(&rec, DEV_TRIGGERS), DEV_E_INVALID);
	assert_int_equal(dev_teardown_begin(&rec, (enum dev_trigger) - 1), DEV_E_INVALID);
	/* No teardown in progress: reporting any step is refused. */
	assert_int_equal(dev_teardown_done(&rec, DEV_STEP_BUSMASTER_OFF, true), DEV_E_STATE);
	assert_int_equal(dev_teardown_next(&rec), DEV_STEP_NONE);
	assert_int_equal(dev_teardown_next(NULL), DEV_STEP_NONE);
	assert_false(dev_frames_reusable(NULL));
	assert_false(dev_vectors_reusable(NULL));
	assert_unchanged();

	assert_int_equal(dev_teardown_begin(&rec, DEV_T_REVOKE), DEV_OK);
	snap();
	/* Reserving, or releasing a handle, during a teardown. */
	assert_int_equal(dev_handle_reserve(&rec, DEV_H_IRQ, c, &t), DEV_E_STATE);
	assert_int_equal(dev_handle_release(&rec, &h), DEV_E_STATE);
	/* Unknown steps and results, and results a step does not take. */
	assert_int_equal(dev_teardown_report(NULL, DEV_STEP_BUSMASTER_OFF, DEV_SR_OK),
			 DEV_E_INVALID);
	assert_int_equal(dev_teardown_report(&rec, DEV_STEP_NONE, DEV_SR_OK), DEV_E_INVALID);
	assert_int_equal(dev_teardown_report(&rec, DEV_STEPS, DEV_SR_OK), DEV_E_INVALID);
	assert_int_equal(dev_teardown_report(&rec, (enum dev_step) - 1, DEV_SR_OK), DEV_E_INVALID);
	for (unsigned s = DEV_STEP_BUSMASTER_OFF; s < DEV_STEPS; s++) {
		assert_int_equal(dev_teardown_report(&rec, (enum dev_step)s, DEV_SR_PENDING),
				 DEV_E_INVALID);
		assert_int_equal(dev_teardown_report(&rec, (enum dev_step)s, DEV_SR_SKIPPED),
				 DEV_E_INVALID);
		assert_int_equal(
		    dev_teardown_report(&rec, (enum dev_step)s, (enum dev_step_result)99),
		    DEV_E_INVALID);
		if (s != DEV_STEP_IOMMU_DETACH && s != DEV_STEP_RESET)
			assert_int_equal(
			    dev_teardown_report(&rec, (enum dev_step)s, DEV_SR_UNAVAILABLE),
			    DEV_E_INVALID);
	}
	assert_unchanged();
	assert_int_equal(dev_teardown_next(&rec), DEV_STEP_BUSMASTER_OFF);

	assert_int_equal(dev_state_name(DEV_QUARANTINED)[0], 'q');
	assert_string_equal(dev_state_name((enum dev_state)99), "?");
	assert_string_equal(dev_step_name(DEV_STEP_IOMMU_DETACH), "iommu-detach");
	assert_string_equal(dev_step_name((enum dev_step)99), "?");
	assert_string_equal(dev_trigger_name(DEV_T_CRASH), "crash");
	assert_string_equal(dev_trigger_name((enum dev_trigger)99), "?");
	assert_string_equal(dev_status_name(DEV_E_ORDER), "order");
	assert_string_equal(dev_status_name((enum dev_status)99), "?");
}

/* ---- random sequences against a shadow ---- */

#define NTXN 4
#define NREF 96

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned rnd(unsigned n)
{
	return (unsigned)(xorshift() % n);
}

/* The shadow: the same record, kept by the rules of devmgr.h written out plainly. */
static struct {
	int state;
	uint64_t epoch;
	struct {
		int st; /* enum dev_slot_state */
		uint32_t gen;
		unsigned kind;
		uint64_t ch[DEV_R_COUNT];
	} s[DEV_MAX_HANDLES];
	uint64_t limit[DEV_R_COUNT], used[DEV_R_COUNT], resv[DEV_R_COUNT];
	int step;
	int res[DEV_STEPS];
	bool wrapped; /* the EPOCH step found the epoch at UINT64_MAX */
} sh;

static struct dev_txn txn[NTXN];
static bool txn_open[NTXN];
static struct dev_handle_ref refs[NREF];
static unsigned nref;
static unsigned stat_st[DEV_E_ORDER + 1], stat_retired, stat_stuck, stat_slot_retired;
static bool filling; /* a phase of uncharged handles, none released, no teardown */

static void sh_init(void)
{
	struct dev_id id = nvme_id;
	id.fn = (uint8_t)rnd(8);
	assert_int_equal(dev_record_init(&rec, &id), DEV_OK);
	memset(&sh, 0, sizeof(sh));
	sh.state = DEV_UNCLAIMED;
	/* Some records start near the end of their epochs, some slots of their generations. */
	sh.epoch = rnd(3) == 0 ? UINT64_MAX - rnd(3) : 1;
	rec.epoch = sh.epoch;
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		sh.s[i].gen = i < 4 ? UINT32_MAX - rnd(3) : 1;
		rec.slot[i].gen = sh.s[i].gen;
	}
	memset(txn_open, 0, sizeof(txn_open));
	nref = 0;
}

static bool sh_tearing(void)
{
	return sh.state == DEV_REVOKING || sh.state == DEV_QUARANTINED;
}

static bool sh_quiet(void)
{
	bool failed = false;
	for (int s = 0; s < DEV_STEPS; s++)
		failed |= sh.res[s] == DEV_SR_FAILED;
	return sh.res[DEV_STEP_IOMMU_DETACH] == DEV_SR_OK || sh.res[DEV_STEP_RESET] == DEV_SR_OK ||
	       !failed;
}

static void sh_vacate(unsigned i)
{
	for (unsigned r = 0; r < DEV_R_COUNT; r++)
		sh.used[r] -= sh.s[i].ch[r];
	memset(sh.s[i].ch, 0, sizeof(sh.s[i].ch));
	sh.s[i].kind = 0;
	if (sh.s[i].gen == UINT32_MAX) {
		sh.s[i].st = DEV_SLOT_RETIRED;
		stat_slot_retired++;
	} else {
		sh.s[i].gen++;
		sh.s[i].st = DEV_SLOT_FREE;
	}
}

static void sh_end_accounting(void)
{
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++)
		if (sh.s[i].st == DEV_SLOT_LIVE)
			sh_vacate(i);
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		assert_int_equal(sh.used[r], 0);
		sh.limit[r] = 0;
	}
}

static enum dev_status sh_check(const struct dev_handle_ref *h)
{
	if (sh.state != DEV_CLAIMED)
		return DEV_E_STATE;
	if (h->epoch != sh.epoch)
		return DEV_E_EPOCH;
	if (h->slot >= DEV_MAX_HANDLES)
		return DEV_E_SLOT;
	if (sh.s[h->slot].st != DEV_SLOT_LIVE)
		return DEV_E_FREE;
	if (sh.s[h->slot].gen != h->gen)
		return DEV_E_GEN;
	return sh.s[h->slot].kind == h->kind ? DEV_OK : DEV_E_KIND;
}

static void check_all(void)
{
	uint32_t count[DEV_KINDS] = {0}, pending = 0, retired = 0;
	assert_int_equal(rec.state, sh.state);
	assert_int_equal(rec.epoch, sh.epoch);
	assert_int_equal(dev_teardown_next(&rec), sh_tearing() ? sh.step : DEV_STEP_NONE);
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		const struct dev_slot *s = &rec.slot[i];
		assert_int_equal(s->state, sh.s[i].st);
		assert_int_equal(s->gen, sh.s[i].gen);
		assert_int_equal(s->kind, sh.s[i].kind);
		assert_memory_equal(s->charge, sh.s[i].ch, sizeof(s->charge));
		count[sh.s[i].kind] += sh.s[i].st == DEV_SLOT_LIVE;
		pending += sh.s[i].st == DEV_SLOT_RESERVED;
		retired += sh.s[i].st == DEV_SLOT_RETIRED;
	}
	assert_memory_equal(rec.count, count, sizeof(count));
	assert_int_equal(rec.pending, pending);
	assert_int_equal(rec.retired, retired);
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		assert_int_equal(rec.budget.limit[r], sh.limit[r]);
		assert_int_equal(rec.budget.used[r], sh.used[r]);
		assert_int_equal(rec.budget.reserved[r], sh.resv[r]);
		assert_true(sh.used[r] + sh.resv[r] <= sh.limit[r]);
	}
	for (unsigned s = DEV_STEP_BUSMASTER_OFF; s < DEV_STEPS; s++)
		assert_int_equal(rec.result[s], sh.res[s]);
	assert_int_equal(dev_frames_reusable(&rec), sh.res[DEV_STEP_SCRUB] == DEV_SR_OK &&
							sh.res[DEV_STEP_EPOCH] == DEV_SR_OK);
}

static void op_claim(void)
{
	uint64_t lim[DEV_R_COUNT], e = 0;
	for (unsigned r = 0; r < DEV_R_COUNT; r++)
		lim[r] = rnd(4) == 0 ? UINT64_MAX : rnd(9);
	enum dev_status want = sh.state == DEV_UNCLAIMED ? DEV_OK : DEV_E_STATE;
	assert_int_equal(dev_claim(&rec, lim, &e), want);
	stat_st[want]++;
	if (want != DEV_OK)
		return;
	assert_int_equal(e, sh.epoch);
	memcpy(sh.limit, lim, sizeof(lim));
	memset(sh.res, 0, sizeof(sh.res));
	sh.step = DEV_STEP_NONE;
	sh.state = DEV_CLAIMED;
}

static void op_reserve(void)
{
	unsigned t = rnd(NTXN), kind = rnd(10) == 0 ? DEV_KINDS + rnd(3) : rnd(DEV_KINDS);
	uint64_t ch[DEV_R_COUNT] = {0};
	enum dev_status want = DEV_OK;
	int free = -1;

	if (txn_open[t])
		return;
	if (!filling && rnd(2))
		for (unsigned r = 0; r < DEV_R_COUNT; r++)
			ch[r] = rnd(3);
	for (unsigned i = 0; i < DEV_MAX_HANDLES && free < 0; i++)
		if (sh.s[i].st == DEV_SLOT_FREE)
			free = (int)i;
	if (kind >= DEV_KINDS)
		want = DEV_E_INVALID;
	else if (sh.state != DEV_CLAIMED)
		want = DEV_E_STATE;
	else if (free < 0)
		want = DEV_E_FULL;
	for (unsigned r = 0; r < DEV_R_COUNT && want == DEV_OK; r++)
		if (sh.used[r] + sh.resv[r] + ch[r] > sh.limit[r] ||
		    sh.used[r] + sh.resv[r] + ch[r] < ch[r])
			want = DEV_E_BUDGET;
	assert_int_equal(dev_handle_reserve(&rec, (enum dev_kind)kind, ch, &txn[t]), want);
	stat_st[want]++;
	if (want != DEV_OK)
		return;
	assert_int_equal(txn[t].slot, free);
	sh.s[free].st = DEV_SLOT_RESERVED;
	sh.s[free].kind = kind;
	memcpy(sh.s[free].ch, ch, sizeof(ch));
	for (unsigned r = 0; r < DEV_R_COUNT; r++)
		sh.resv[r] += ch[r];
	txn_open[t] = true;
}

static void op_end_txn(bool commit)
{
	unsigned t = rnd(NTXN);
	struct dev_handle_ref h;
	enum dev_status want = txn_open[t] ? DEV_OK : DEV_E_INVALID;
	unsigned i = txn[t].slot;

	if (!txn_open[t] && rnd(4) != 0)
		return; /* an ended (or never used) transaction now and then */
	assert_int_equal(commit ? dev_handle_commit(&txn[t], &h) : dev_handle_abort(&txn[t]), want);
	stat_st[want]++;
	if (want != DEV_OK)
		return;
	txn_open[t] = false;
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		sh.resv[r] -= sh.s[i].ch[r];
		if (commit)
			sh.used[r] += sh.s[i].ch[r];
	}
	if (commit) {
		sh.s[i].st = DEV_SLOT_LIVE;
		assert_int_equal(h.epoch, sh.epoch);
		assert_int_equal(h.slot, i);
		assert_int_equal(h.gen, sh.s[i].gen);
		assert_int_equal(h.kind, sh.s[i].kind);
		refs[nref < NREF ? nref++ : rnd(NREF)] = h;
	} else {
		sh.s[i].st = DEV_SLOT_FREE;
		sh.s[i].kind = 0;
		memset(sh.s[i].ch, 0, sizeof(sh.s[i].ch));
	}
}

/* A handle that was issued (live or stale), or one of them with a field bent. */
static struct dev_handle_ref random_ref(void)
{
	struct dev_handle_ref h = {sh.epoch, (uint16_t)rnd(DEV_MAX_HANDLES + 2), 1, 0};
	if (nref > 0 && rnd(8) != 0)
		h = refs[rnd(nref)];
	switch (rnd(12)) {
	case 0:
		h.epoch += rnd(3) - 1ull;
		break;
	case 1:
		h.gen += rnd(3) - 1u;
		break;
	case 2:
		h.kind = (uint8_t)rnd(DEV_KINDS + 1);
		break;
	case 3:
		h.slot = (uint16_t)rnd(DEV_MAX_HANDLES + 2);
		break;
	}
	return h;
}

static void op_handle(bool release)
{
	struct dev_handle_ref h = random_ref();
	enum dev_status want = sh_check(&h);
	assert_int_equal(release ? dev_handle_release(&rec, &h) : dev_handle_check(&rec, &h), want);
	stat_st[want]++;
	if (release && want == DEV_OK)
		sh_vacate(h.slot);
}

static void op_begin(void)
{
	unsigned why = rnd(20) == 0 ? DEV_TRIGGERS : rnd(DEV_TRIGGERS);
	bool busy = false;
	for (unsigned t = 0; t < NTXN; t++)
		busy |= txn_open[t];
	enum dev_status want = why >= DEV_TRIGGERS	 ? DEV_E_INVALID
			       : sh_tearing()		 ? DEV_E_TEARDOWN
			       : sh.state != DEV_CLAIMED ? DEV_E_STATE
			       : busy			 ? DEV_E_BUSY
							 : DEV_OK;
	assert_int_equal(dev_teardown_begin(&rec, (enum dev_trigger)why), want);
	stat_st[want]++;
	if (want != DEV_OK)
		return;
	sh.state = DEV_REVOKING;
	sh.step = DEV_STEP_BUSMASTER_OFF;
	sh.wrapped = false;
	memset(sh.res, 0, sizeof(sh.res));
}

static void op_step(void)
{
	static const enum dev_step_result pick[] = {
	    DEV_SR_OK, DEV_SR_OK, DEV_SR_OK,	 DEV_SR_OK,	     DEV_SR_OK,
	    DEV_SR_OK, DEV_SR_OK, DEV_SR_FAILED, DEV_SR_UNAVAILABLE, DEV_SR_SKIPPED};
	enum dev_step_result r = pick[rnd(10)];
	int s = sh_tearing() && rnd(8) != 0 ? sh.step : (int)rnd(DEV_STEPS + 1);
	bool r_ok =
	    r == DEV_SR_OK || r == DEV_SR_FAILED ||
	    (r == DEV_SR_UNAVAILABLE && (s == DEV_STEP_IOMMU_DETACH || s == DEV_STEP_RESET));
	enum dev_status want = s == DEV_STEP_NONE || s >= DEV_STEPS || !r_ok ? DEV_E_INVALID
			       : !sh_tearing()				     ? DEV_E_STATE
			       : s != sh.step				     ? DEV_E_ORDER
									     : DEV_OK;
	assert_int_equal(dev_teardown_report(&rec, (enum dev_step)s, r), want);
	stat_st[want]++;
	if (want != DEV_OK)
		return;
	sh.res[s] = r;
	if (s == DEV_STEP_QUARANTINE) {
		sh.state = DEV_QUARANTINED;
		if (r == DEV_SR_OK && sh_quiet()) {
			sh.step = DEV_STEP_SCRUB;
		} else {
			sh.res[DEV_STEP_SCRUB] = DEV_SR_SKIPPED;
			sh_end_accounting();
			sh.step = DEV_STEP_EPOCH;
		}
	} else if (s == DEV_STEP_SCRUB) {
		sh_end_accounting();
		sh.step = DEV_STEP_EPOCH;
	} else if (s == DEV_STEP_EPOCH) {
		if (sh.epoch != UINT64_MAX)
			sh.epoch++;
		else
			sh.wrapped = true;
		sh.step = DEV_STEP_DONE;
	} else if (s == DEV_STEP_DONE) {
		bool failed = sh.wrapped;
		for (int x = 0; x < DEV_STEPS; x++)
			failed |= sh.res[x] == DEV_SR_FAILED;
		sh.state = failed ? DEV_RETIRED : DEV_UNCLAIMED;
		sh.step = DEV_STEP_NONE;
		stat_retired += failed;
		stat_stuck += sh.res[DEV_STEP_SCRUB] != DEV_SR_OK;
	} else {
		sh.step = s + 1;
	}
}

static void test_random_against_shadow(void **state)
{
	uint64_t last_epoch = 0;
	(void)state;
	sh_init();
	for (unsigned n = 0; n < 300000; n++) {
		unsigned op = rnd(100);
		filling = n / 4000 % 4 == 1;
		if (filling && op >= 40 && op < 64)
			continue;
		if (op < 6)
			op_claim();
		else if (op < 26)
			op_reserve();
		else if (op < 36)
			op_end_txn(true);
		else if (op < 40)
			op_end_txn(false);
		else if (op < 48)
			op_handle(true);
		else if (op < 60)
			op_handle(false);
		else if (op < 64)
			op_begin();
		else
			op_step();
		check_all();
		/* Epochs never go back within a record. */
		assert_true(sh.epoch >= last_epoch);
		last_epoch = sh.epoch;
		if (sh.state == DEV_RETIRED && rnd(20) == 0) {
			sh_init();
			last_epoch = 0;
			check_all();
		}
	}
	for (unsigned st = 0; st <= DEV_E_ORDER; st++)
		assert_true(stat_st[st] > 0);
	assert_true(stat_retired > 10);
	assert_true(stat_stuck > 10);
	assert_true(stat_slot_retired > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_init_claim, setup),
	    cmocka_unit_test_setup(test_lifecycle, setup),
	    cmocka_unit_test_setup(test_budget_exhaustion, setup),
	    cmocka_unit_test_setup(test_budget_no_wrap, setup),
	    cmocka_unit_test_setup(test_full, setup),
	    cmocka_unit_test_setup(test_abort_exact, setup),
	    cmocka_unit_test_setup(test_generation_retire, setup),
	    cmocka_unit_test_setup(test_epoch_never_wraps, setup),
	    cmocka_unit_test_setup(test_epochs_monotonic, setup),
	    cmocka_unit_test_setup(test_validator_exhaustive, setup),
	    cmocka_unit_test_setup(test_teardown_order_every_trigger, setup),
	    cmocka_unit_test_setup(test_failed_steps_every_combination, setup),
	    cmocka_unit_test_setup(test_quarantine_rules, setup),
	    cmocka_unit_test_setup(test_bad_input, setup),
	    cmocka_unit_test_setup(test_random_against_shadow, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
