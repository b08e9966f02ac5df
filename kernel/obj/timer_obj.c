/* timer_obj: the Timer interface (schema/capos.capnp): now and sleep. */
#include "kobj.h"
#include "arch/x86_64/clock.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "proc/proc.h"

static bool sleep_ns(const struct kcall *c, uint64_t *ns)
{
	struct capnp_struct root;
	return capnp_get_root(c->params, c->params_len, &root) == CAPNP_OK &&
	       capos_timer_sleep_params_get_ns(c->params, c->params_len, &root, ns) == CAPNP_OK;
}

static enum capos_status timer_decode(struct kobj *o, const struct kcall *c)
{
	uint64_t ns;
	(void)o;
	if (c->iface != CAPOS_IFACE_TIMER)
		return CAPOS_E_INVOKE;
	if (c->method == CAPOS_TIMER_NOW)
		return CAPOS_OK;
	if (c->method == CAPOS_TIMER_SLEEP)
		return sleep_ns(c, &ns) ? CAPOS_OK : CAPOS_E_BAD_PARAMS;
	return CAPOS_E_INVOKE;
}

static enum capos_status timer_invoke(struct kobj *o, struct kcall *c)
{
	struct capnp_struct root;
	struct capnp_builder b;
	uint64_t ns;
	(void)o;
	switch (c->method) {
	case CAPOS_TIMER_NOW:
		if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
		    capos_timer_now_results_init_root(&b, &root) != CAPNP_OK ||
		    capos_timer_now_results_set_ns(&b, &root, clock_ns()) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	case CAPOS_TIMER_SLEEP:
		sleep_ns(c, &ns); /* decoded already */
		proc_sleep_current(ns);
		c->result_len = 0;
		return CAPOS_OK;
	default:
		return CAPOS_E_INVOKE;
	}
}

static const struct kobj_ops timer_ops = {
    .name = "Timer", .decode = timer_decode, .invoke = timer_invoke};
struct kobj kobj_timer = {.ops = &timer_ops, .refs = 1};
