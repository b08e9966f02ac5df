/* capshm: shared memory and event stubs. */
#include "capshm.h"
#include "capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"

static const uint64_t none[1];

int32_t mem_create_shared(struct capos_ring *r, struct capos_handle mem, uint64_t bytes,
			  struct capos_handle *shm)
{
	uint64_t p[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_memory_create_shared_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_memory_create_shared_params_set_bytes(&b, &root, bytes) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call_cap(r, mem, CAPOS_MEMORY_CREATE_SHARED, p, b.used, shm);
}

int32_t mem_create_event(struct capos_ring *r, struct capos_handle mem, struct capos_handle *ev)
{
	return capos_call_cap(r, mem, CAPOS_MEMORY_CREATE_EVENT, none, sizeof(none), ev);
}

int32_t shm_map(struct capos_ring *r, struct capos_handle shm, struct capos_handle *mapping,
		volatile uint8_t **addr, uint64_t *bytes)
{
	uint64_t res[4], a = 0;
	struct capnp_struct root;
	int32_t st = capos_call_cap(r, shm, CAPOS_SHARED_MEMORY_MAP, none, sizeof(none), mapping);
	if (st != CAPOS_OK)
		return st;
	st = capos_call(r, *mapping, CAPOS_SHARED_MAPPING_INFO, none, sizeof(none), res,
			sizeof(res));
	if (st == CAPOS_OK && (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
			       capos_shared_mapping_info_results_get_address(
				   res, sizeof(res), &root, &a) != CAPNP_OK ||
			       capos_shared_mapping_info_results_get_bytes(res, sizeof(res), &root,
									   bytes) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	*addr = (volatile uint8_t *)(uintptr_t)a;
	return st;
}

int32_t event_signal(struct capos_ring *r, struct capos_handle ev)
{
	return capos_call(r, ev, CAPOS_EVENT_SIGNAL, none, sizeof(none), 0, 0);
}

int32_t event_wait(struct capos_ring *r, struct capos_handle ev, uint64_t *count)
{
	uint64_t res[2];
	struct capnp_struct root;
	int32_t st = capos_call(r, ev, CAPOS_EVENT_WAIT, none, sizeof(none), res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_event_wait_results_get_count(res, sizeof(res), &root, count) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t event_wait_for(struct capos_ring *r, struct capos_handle ev, uint64_t ns, uint64_t *count)
{
	uint64_t p[2], res[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, p, sizeof(p)) != CAPNP_OK ||
	    capos_event_wait_for_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_event_wait_for_params_set_ns(&b, &root, ns) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	int32_t st = capos_call(r, ev, CAPOS_EVENT_WAIT_FOR, p, b.used, res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_event_wait_for_results_get_count(res, sizeof(res), &root, count) != CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}
