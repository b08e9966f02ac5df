/* teardown: the one ordered teardown of a device record, a step sequencer driven by the
 * kernel (which does each step's hardware work); see devmgr.h for the steps and rules. */
#include "lib/dev/devmgr.h"

#include "lib/dev/devmgr_internal.h"
#include "lib/str.h"

static bool dev_tearing_down(const struct dev_record *rec)
{
	return rec->state == DEV_REVOKING || rec->state == DEV_QUARANTINED;
}

enum dev_status dev_teardown_begin(struct dev_record *rec, enum dev_trigger why)
{
	if (rec == NULL || (unsigned)why >= DEV_TRIGGERS)
		return DEV_E_INVALID;
	if (dev_tearing_down(rec))
		return DEV_E_TEARDOWN;
	if (rec->state != DEV_CLAIMED)
		return DEV_E_STATE;
	if (rec->pending != 0)
		return DEV_E_BUSY;
	memset(rec->result, 0, sizeof(rec->result));
	rec->retire = false;
	rec->trigger = (uint8_t)why;
	rec->step = DEV_STEP_BUSMASTER_OFF;
	/* From here dev_handle_check fails for every handle of the claim (DEV_E_STATE). */
	rec->state = DEV_REVOKING;
	return DEV_OK;
}

enum dev_step dev_teardown_next(const struct dev_record *rec)
{
	if (rec == NULL || !dev_tearing_down(rec))
		return DEV_STEP_NONE;
	return (enum dev_step)rec->step;
}

bool dev_quiet(const struct dev_record *rec)
{
	const uint8_t *res;

	if (rec == NULL)
		return false;
	res = rec->result;
	if (res[DEV_STEP_IOMMU_DETACH] == DEV_SR_OK || res[DEV_STEP_RESET] == DEV_SR_OK)
		return true;
	/* Otherwise only the device's word: every step it took part in confirmed, and every
	 * step that could have proven more was reached and found unavailable. */
	for (unsigned s = DEV_STEP_BUSMASTER_OFF; s < DEV_STEPS; s++) {
		if (res[s] == DEV_SR_FAILED)
			return false;
	}
	return res[DEV_STEP_BUSMASTER_OFF] == DEV_SR_OK && res[DEV_STEP_IRQ_MASK] == DEV_SR_OK &&
	       res[DEV_STEP_IRQ_DRAIN] == DEV_SR_OK && res[DEV_STEP_RESET] != DEV_SR_PENDING;
}

/* Every LIVE slot vacated (its generation moves on), every budget back to zero. No slot
 * is RESERVED: a teardown does not begin while a transaction is pending. */
static void dev_clear_handles(struct dev_record *rec)
{
	for (uint32_t i = 0; i < DEV_MAX_HANDLES; i++) {
		if (rec->slot[i].state == DEV_SLOT_LIVE)
			dev_slot_vacate(rec, &rec->slot[i]);
	}
	memset(&rec->budget, 0, sizeof(rec->budget));
}

static bool dev_result_valid(enum dev_step s, enum dev_step_result r)
{
	if (r == DEV_SR_OK || r == DEV_SR_FAILED)
		return true;
	return r == DEV_SR_UNAVAILABLE && (s == DEV_STEP_IOMMU_DETACH || s == DEV_STEP_RESET);
}

enum dev_status dev_teardown_report(struct dev_record *rec, enum dev_step s, enum dev_step_result r)
{
	if (rec == NULL || s == DEV_STEP_NONE || (unsigned)s >= DEV_STEPS ||
	    !dev_result_valid(s, r))
		return DEV_E_INVALID;
	if (!dev_tearing_down(rec))
		return DEV_E_STATE;
	if ((unsigned)s != rec->step)
		return DEV_E_ORDER;
	rec->result[s] = (uint8_t)r;
	if (r == DEV_SR_FAILED)
		rec->retire = true; /* never handed to a new owner */
	switch (s) {
	case DEV_STEP_QUARANTINE:
		rec->state = DEV_QUARANTINED;
		if (r == DEV_SR_OK && dev_quiet(rec)) {
			rec->step = DEV_STEP_SCRUB;
		} else {
			/* Not proven quiet: the frames stay quarantined for good; the owner's
			 * accounting still ends here. */
			rec->result[DEV_STEP_SCRUB] = DEV_SR_SKIPPED;
			dev_clear_handles(rec);
			rec->step = DEV_STEP_EPOCH;
		}
		break;
	case DEV_STEP_SCRUB:
		dev_clear_handles(rec);
		rec->step = DEV_STEP_EPOCH;
		break;
	case DEV_STEP_EPOCH:
		/* Bumped even on a record about to retire, so stale arrivals keep failing. */
		if (rec->epoch == UINT64_MAX)
			rec->retire = true;
		else
			rec->epoch++;
		rec->step = DEV_STEP_DONE;
		break;
	case DEV_STEP_DONE:
		rec->state = rec->retire ? DEV_RETIRED : DEV_UNCLAIMED;
		rec->step = DEV_STEP_NONE;
		break;
	default:
		rec->step = (uint8_t)(s + 1);
		break;
	}
	return DEV_OK;
}

enum dev_status dev_teardown_done(struct dev_record *rec, enum dev_step s, bool ok)
{
	return dev_teardown_report(rec, s, ok ? DEV_SR_OK : DEV_SR_FAILED);
}

bool dev_frames_reusable(const struct dev_record *rec)
{
	/* SCRUB is asked only when QUARANTINE succeeded and the device was quiet. */
	return rec != NULL && rec->result[DEV_STEP_SCRUB] == DEV_SR_OK &&
	       rec->result[DEV_STEP_EPOCH] == DEV_SR_OK;
}

bool dev_vectors_reusable(const struct dev_record *rec)
{
	return rec != NULL && rec->result[DEV_STEP_IRQ_MASK] == DEV_SR_OK &&
	       rec->result[DEV_STEP_IRQ_DRAIN] == DEV_SR_OK &&
	       rec->result[DEV_STEP_EPOCH] == DEV_SR_OK;
}

const char *dev_step_name(enum dev_step s)
{
	static const char *const names[DEV_STEPS] = {
	    "none",  "busmaster-off", "irq-mask", "irq-drain", "iommu-detach",
	    "reset", "quarantine",    "scrub",	  "epoch",     "done",
	};
	return (unsigned)s < DEV_STEPS ? names[s] : "?";
}
