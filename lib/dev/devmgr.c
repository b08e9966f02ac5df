/* devmgr: device records, claims, sub-handle transactions and the validator; the
 * teardown sequencer is in teardown.c. See devmgr.h. */
#include "lib/dev/devmgr.h"

#include "lib/dev/devmgr_internal.h"
#include "lib/str.h"

enum dev_status dev_record_init(struct dev_record *rec, const struct dev_id *id)
{
	if (rec == NULL || id == NULL)
		return DEV_E_INVALID;
	memset(rec, 0, sizeof(*rec));
	rec->id = *id;
	rec->state = DEV_UNCLAIMED;
	rec->epoch = DEV_EPOCH_FIRST;
	for (uint32_t i = 0; i < DEV_MAX_HANDLES; i++)
		rec->slot[i].gen = DEV_GEN_FIRST;
	return DEV_OK;
}

enum dev_status dev_claim(struct dev_record *rec, const uint64_t limits[DEV_R_COUNT],
			  uint64_t *epoch)
{
	if (rec == NULL || limits == NULL || epoch == NULL)
		return DEV_E_INVALID;
	if (rec->state != DEV_UNCLAIMED)
		return DEV_E_STATE;
	/* A teardown left every budget at zero and every slot FREE or RETIRED. */
	for (unsigned r = 0; r < DEV_R_COUNT; r++)
		rec->budget.limit[r] = limits[r];
	memset(rec->result, 0, sizeof(rec->result));
	rec->step = DEV_STEP_NONE;
	rec->retire = false;
	rec->state = DEV_CLAIMED;
	*epoch = rec->epoch;
	return DEV_OK;
}

static bool dev_kind_valid(unsigned kind)
{
	return kind < DEV_KINDS;
}

enum dev_status dev_handle_reserve(struct dev_record *rec, enum dev_kind kind,
				   const uint64_t charge[DEV_R_COUNT], struct dev_txn *t)
{
	struct dev_budget *b;
	uint32_t i;

	if (rec == NULL || charge == NULL || t == NULL || !dev_kind_valid((unsigned)kind))
		return DEV_E_INVALID;
	if (rec->state != DEV_CLAIMED)
		return DEV_E_STATE;
	for (i = 0; i < DEV_MAX_HANDLES; i++) {
		if (rec->slot[i].state == DEV_SLOT_FREE)
			break;
	}
	if (i == DEV_MAX_HANDLES)
		return DEV_E_FULL;
	b = &rec->budget;
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		/* used + reserved <= limit always holds, so this cannot wrap. */
		if (charge[r] > b->limit[r] - b->used[r] - b->reserved[r])
			return DEV_E_BUDGET;
	}
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		b->reserved[r] += charge[r];
		rec->slot[i].charge[r] = charge[r];
		t->charge[r] = charge[r];
	}
	rec->slot[i].kind = (uint8_t)kind;
	rec->slot[i].state = DEV_SLOT_RESERVED;
	rec->pending++;
	t->rec = rec;
	t->slot = (uint16_t)i;
	t->kind = (uint8_t)kind;
	return DEV_OK;
}

/* The slot of a transaction that reserve returned and nothing has ended, or NULL. */
static struct dev_slot *dev_txn_slot(const struct dev_txn *t)
{
	struct dev_record *rec;
	struct dev_slot *s;

	if (t == NULL || t->rec == NULL || t->slot >= DEV_MAX_HANDLES)
		return NULL;
	rec = t->rec;
	s = &rec->slot[t->slot];
	if (rec->state != DEV_CLAIMED || rec->pending == 0 || s->state != DEV_SLOT_RESERVED ||
	    s->kind != t->kind)
		return NULL;
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		if (s->charge[r] != t->charge[r] || rec->budget.reserved[r] < t->charge[r])
			return NULL;
	}
	return s;
}

enum dev_status dev_handle_commit(struct dev_txn *t, struct dev_handle_ref *out)
{
	struct dev_slot *s = dev_txn_slot(t);
	struct dev_record *rec;

	if (s == NULL || out == NULL)
		return DEV_E_INVALID;
	rec = t->rec;
	for (unsigned r = 0; r < DEV_R_COUNT; r++) {
		rec->budget.reserved[r] -= s->charge[r];
		rec->budget.used[r] += s->charge[r];
	}
	s->state = DEV_SLOT_LIVE;
	rec->pending--;
	rec->count[s->kind]++;
	out->epoch = rec->epoch;
	out->slot = t->slot;
	out->gen = s->gen;
	out->kind = s->kind;
	t->rec = NULL;
	return DEV_OK;
}

enum dev_status dev_handle_abort(struct dev_txn *t)
{
	struct dev_slot *s = dev_txn_slot(t);
	struct dev_record *rec;

	if (s == NULL)
		return DEV_E_INVALID;
	rec = t->rec;
	for (unsigned r = 0; r < DEV_R_COUNT; r++)
		rec->budget.reserved[r] -= s->charge[r];
	/* A FREE slot keeps no kind and no charge, so this is the slot as it was. */
	memset(s->charge, 0, sizeof(s->charge));
	s->kind = 0;
	s->state = DEV_SLOT_FREE;
	rec->pending--;
	t->rec = NULL;
	return DEV_OK;
}

enum dev_status dev_handle_check(const struct dev_record *rec, const struct dev_handle_ref *h)
{
	const struct dev_slot *s;

	if (rec == NULL || h == NULL)
		return DEV_E_INVALID;
	if (rec->state != DEV_CLAIMED)
		return DEV_E_STATE;
	if (h->epoch != rec->epoch)
		return DEV_E_EPOCH;
	if (h->slot >= DEV_MAX_HANDLES)
		return DEV_E_SLOT;
	s = &rec->slot[h->slot];
	if (s->state != DEV_SLOT_LIVE)
		return DEV_E_FREE;
	if (s->gen != h->gen)
		return DEV_E_GEN;
	if (s->kind != h->kind)
		return DEV_E_KIND;
	return DEV_OK;
}

void dev_slot_vacate(struct dev_record *rec, struct dev_slot *s)
{
	for (unsigned r = 0; r < DEV_R_COUNT; r++)
		rec->budget.used[r] -= s->charge[r];
	memset(s->charge, 0, sizeof(s->charge));
	rec->count[s->kind]--;
	s->kind = 0;
	if (s->gen == UINT32_MAX) {
		/* Bumping would wrap and revive every handle ever issued from this slot. */
		s->state = DEV_SLOT_RETIRED;
		rec->retired++;
	} else {
		s->gen++;
		s->state = DEV_SLOT_FREE;
	}
}

enum dev_status dev_handle_release(struct dev_record *rec, const struct dev_handle_ref *h)
{
	enum dev_status st = dev_handle_check(rec, h);
	if (st != DEV_OK)
		return st;
	dev_slot_vacate(rec, &rec->slot[h->slot]);
	return DEV_OK;
}

const char *dev_state_name(enum dev_state s)
{
	static const char *const names[DEV_STATES] = {"unclaimed", "claimed", "revoking",
						      "quarantined", "retired"};
	return (unsigned)s < DEV_STATES ? names[s] : "?";
}

const char *dev_trigger_name(enum dev_trigger t)
{
	static const char *const names[DEV_TRIGGERS] = {"release", "exit",  "crash",
							"revoke",  "reset", "disable"};
	return (unsigned)t < DEV_TRIGGERS ? names[t] : "?";
}

const char *dev_status_name(enum dev_status st)
{
	static const char *const names[] = {
	    "ok",      "state",	 "epoch", "slot", "free",     "gen",   "kind",
	    "invalid", "budget", "full",  "busy", "teardown", "order",
	};
	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}
