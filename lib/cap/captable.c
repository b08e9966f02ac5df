/* captable: capability table, transfer transactions and ledger; see captable.h. */
#include "lib/cap/captable.h"

#include "lib/str.h"

void cap_ledger_init(struct cap_ledger *l, uint64_t slots, uint64_t calls, uint64_t pages)
{
	memset(l, 0, sizeof(*l));
	l->res[CAP_RES_SLOTS].limit = slots;
	l->res[CAP_RES_CALLS].limit = calls;
	l->res[CAP_RES_PAGES].limit = pages;
}

static struct cap_ledger_entry *cap_ledger_entry(struct cap_ledger *l, enum cap_res r);

enum cap_status cap_ledger_set_limit(struct cap_ledger *l, enum cap_res r, uint64_t limit)
{
	struct cap_ledger_entry *e = cap_ledger_entry(l, r);
	if (e == NULL || limit < e->used + e->reserved)
		return CAP_E_INVALID;
	e->limit = limit;
	return CAP_OK;
}

static struct cap_ledger_entry *cap_ledger_entry(struct cap_ledger *l, enum cap_res r)
{
	if (l == NULL || (unsigned)r >= CAP_RES_COUNT)
		return NULL;
	return &l->res[r];
}

enum cap_status cap_ledger_reserve(struct cap_ledger *l, enum cap_res r, uint64_t n)
{
	struct cap_ledger_entry *e = cap_ledger_entry(l, r);
	if (e == NULL)
		return CAP_E_INVALID;
	/* used + reserved <= limit always holds, so this subtraction cannot wrap. */
	if (n > e->limit - e->used - e->reserved)
		return CAP_E_LEDGER;
	e->reserved += n;
	return CAP_OK;
}

enum cap_status cap_ledger_commit(struct cap_ledger *l, enum cap_res r, uint64_t n)
{
	struct cap_ledger_entry *e = cap_ledger_entry(l, r);
	if (e == NULL || n > e->reserved)
		return CAP_E_INVALID;
	e->reserved -= n;
	e->used += n;
	return CAP_OK;
}

enum cap_status cap_ledger_rollback(struct cap_ledger *l, enum cap_res r, uint64_t n)
{
	struct cap_ledger_entry *e = cap_ledger_entry(l, r);
	if (e == NULL || n > e->reserved)
		return CAP_E_INVALID;
	e->reserved -= n;
	return CAP_OK;
}

enum cap_status cap_ledger_release(struct cap_ledger *l, enum cap_res r, uint64_t n)
{
	struct cap_ledger_entry *e = cap_ledger_entry(l, r);
	if (e == NULL || n > e->used)
		return CAP_E_INVALID;
	e->used -= n;
	return CAP_OK;
}

/* The table's own ledger calls: with no ledger they do nothing; with one, commit,
 * rollback and release cannot fail because every slot charge was reserved first. */
static enum cap_status cap_charge_reserve(struct cap_table *t)
{
	return t->ledger == NULL ? CAP_OK : cap_ledger_reserve(t->ledger, CAP_RES_SLOTS, 1);
}

static void cap_charge_commit(struct cap_table *t)
{
	if (t->ledger != NULL)
		(void)cap_ledger_commit(t->ledger, CAP_RES_SLOTS, 1);
}

static void cap_charge_rollback(struct cap_table *t)
{
	if (t->ledger != NULL)
		(void)cap_ledger_rollback(t->ledger, CAP_RES_SLOTS, 1);
}

static void cap_charge_release(struct cap_table *t)
{
	if (t->ledger != NULL)
		(void)cap_ledger_release(t->ledger, CAP_RES_SLOTS, 1);
}

enum cap_status cap_table_init(struct cap_table *t, struct cap_slot *slots, uint32_t capacity,
			       struct cap_ledger *ledger)
{
	if (slots == NULL || capacity == 0)
		return CAP_E_INVALID;
	memset(t, 0, sizeof(*t));
	memset(slots, 0, sizeof(*slots) * capacity);
	for (uint32_t i = 0; i < capacity; i++)
		slots[i].gen = 1;
	t->slot = slots;
	t->capacity = capacity;
	t->ledger = ledger;
	return CAP_OK;
}

/* The slot h names at its generation, in any state, or NULL. */
static struct cap_slot *cap_slot_of(const struct cap_table *t, struct capos_handle h)
{
	if (h.slot >= t->capacity || t->slot[h.slot].gen != h.gen)
		return NULL;
	return &t->slot[h.slot];
}

static enum cap_status cap_check_live(const struct cap_slot *s)
{
	if (s == NULL)
		return CAP_E_LOOKUP;
	if (s->state == CAP_SLOT_MOVING)
		return CAP_E_BUSY;
	return s->state == CAP_SLOT_LIVE ? CAP_OK : CAP_E_LOOKUP;
}

static bool cap_find_free(const struct cap_table *t, uint32_t *out)
{
	for (uint32_t i = 0; i < t->capacity; i++) {
		if (t->slot[i].state == CAP_SLOT_FREE) {
			*out = i;
			return true;
		}
	}
	return false;
}

static struct cap_ref cap_ref_of(const struct cap_slot *s)
{
	struct cap_ref r = {.obj = s->obj, .iface = s->iface, .type = s->type};
	return r;
}

/* Empties a LIVE or MOVING slot: FREE at the next generation, or RETIRED at the last. */
static void cap_vacate(struct cap_table *t, struct cap_slot *s)
{
	s->obj = NULL;
	s->iface = 0;
	s->type = 0;
	if (s->gen == UINT32_MAX) {
		s->state = CAP_SLOT_RETIRED;
		t->retired++;
	} else {
		s->gen++;
		s->state = CAP_SLOT_FREE;
	}
	t->live--;
	cap_charge_release(t);
}

enum cap_status cap_install(struct cap_table *t, void *obj, uint16_t type, uint64_t iface,
			    struct capos_handle *out)
{
	uint32_t i;
	if (obj == NULL)
		return CAP_E_INVALID;
	if (!cap_find_free(t, &i))
		return CAP_E_FULL;
	enum cap_status st = cap_charge_reserve(t);
	if (st != CAP_OK)
		return st;
	struct cap_slot *s = &t->slot[i];
	s->obj = obj;
	s->type = type;
	s->iface = iface;
	s->state = CAP_SLOT_LIVE;
	t->live++;
	cap_charge_commit(t);
	out->slot = i;
	out->gen = s->gen;
	return CAP_OK;
}

enum cap_status cap_lookup(const struct cap_table *t, struct capos_handle h, struct cap_ref *out)
{
	const struct cap_slot *s = cap_slot_of(t, h);
	enum cap_status st = cap_check_live(s);
	if (st != CAP_OK)
		return st;
	*out = cap_ref_of(s);
	return CAP_OK;
}

enum cap_status cap_release(struct cap_table *t, struct capos_handle h, struct cap_ref *out)
{
	struct cap_slot *s = cap_slot_of(t, h);
	enum cap_status st = cap_check_live(s);
	if (st != CAP_OK)
		return st;
	if (out != NULL)
		*out = cap_ref_of(s);
	cap_vacate(t, s);
	return CAP_OK;
}

/* Undoes entries [0, txn->n) of a (possibly partial) preparation, last first. */
static void cap_xfer_unwind(struct cap_xfer_txn *txn)
{
	for (uint32_t i = txn->n; i-- > 0;) {
		/* A RESERVED slot differs from its FREE self only in its state. */
		txn->dst->slot[txn->dst_slot[i]].state = CAP_SLOT_FREE;
		cap_charge_rollback(txn->dst);
		if (txn->moved[i])
			txn->src->slot[txn->src_slot[i]].state = CAP_SLOT_LIVE;
	}
	txn->n = 0;
}

enum cap_status cap_xfer_prepare(struct cap_table *src, struct cap_table *dst,
				 const struct capos_handle *handles, uint32_t n, bool move,
				 struct cap_xfer_txn *txn)
{
	enum cap_status st = CAP_OK;
	memset(txn, 0, sizeof(*txn));
	if (n > CAP_XFER_MAX || (n > 0 && handles == NULL))
		return CAP_E_INVALID;
	txn->src = src;
	txn->dst = dst;
	txn->move = move;
	for (uint32_t i = 0; i < n; i++) {
		struct cap_slot *s = cap_slot_of(src, handles[i]);
		uint32_t d;
		st = cap_check_live(s);
		if (st != CAP_OK)
			goto unwind;
		if (!cap_find_free(dst, &d)) {
			st = CAP_E_FULL;
			goto unwind;
		}
		st = cap_charge_reserve(dst);
		if (st != CAP_OK)
			goto unwind;
		dst->slot[d].state = CAP_SLOT_RESERVED;
		txn->ref[i] = cap_ref_of(s);
		txn->moved[i] = move || (src->move_only != NULL && src->move_only(&txn->ref[i]));
		if (txn->moved[i])
			s->state = CAP_SLOT_MOVING;
		txn->src_slot[i] = handles[i].slot;
		txn->dst_slot[i] = d;
		txn->n = i + 1;
	}
	src->pending++;
	dst->pending++;
	txn->prepared = true;
	return CAP_OK;

unwind:
	cap_xfer_unwind(txn);
	return st;
}

enum cap_status cap_xfer_commit(struct cap_xfer_txn *txn)
{
	if (!txn->prepared)
		return CAP_E_INVALID;
	for (uint32_t i = 0; i < txn->n; i++) {
		struct cap_slot *d = &txn->dst->slot[txn->dst_slot[i]];
		d->obj = txn->ref[i].obj;
		d->iface = txn->ref[i].iface;
		d->type = txn->ref[i].type;
		d->state = CAP_SLOT_LIVE;
		txn->dst->live++;
		cap_charge_commit(txn->dst);
		txn->out[i].slot = txn->dst_slot[i];
		txn->out[i].gen = d->gen;
		if (txn->moved[i])
			cap_vacate(txn->src, &txn->src->slot[txn->src_slot[i]]);
	}
	txn->src->pending--;
	txn->dst->pending--;
	txn->prepared = false;
	return CAP_OK;
}

enum cap_status cap_xfer_abort(struct cap_xfer_txn *txn)
{
	if (!txn->prepared)
		return CAP_E_INVALID;
	cap_xfer_unwind(txn);
	txn->src->pending--;
	txn->dst->pending--;
	txn->prepared = false;
	return CAP_OK;
}

enum cap_status cap_table_clear(struct cap_table *t, cap_release_fn on_release, void *ctx)
{
	if (t->pending != 0)
		return CAP_E_BUSY;
	for (uint32_t i = 0; i < t->capacity; i++) {
		struct cap_slot *s = &t->slot[i];
		if (s->state != CAP_SLOT_LIVE)
			continue;
		if (on_release != NULL) {
			struct cap_ref r = cap_ref_of(s);
			on_release(ctx, &r);
		}
		cap_vacate(t, s);
	}
	return CAP_OK;
}

enum capos_status cap_status_to_capos(enum cap_status st)
{
	switch (st) {
	case CAP_OK:
		return CAPOS_OK;
	case CAP_E_LOOKUP:
	case CAP_E_BUSY:
		return CAPOS_E_LOOKUP;
	case CAP_E_FULL:
	case CAP_E_LEDGER:
		return CAPOS_E_NO_RESOURCES;
	case CAP_E_INVALID:
		break;
	}
	return CAPOS_E_MALFORMED;
}
