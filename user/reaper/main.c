/* reaper: holds a ProcessSpawner (slot 0), a Console (1) and a Timer (2).
 * Starts `forever` (computing) and `idler` (blocked in cap_enter), lets them
 * run, kills both through their ProcessHandles and checks that wait reports
 * each killed with status 0; killing an ended process again is harmless. */
#include "lib/capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"

int main(struct capos_ring *ring);

static struct capos_ring *R;

static int spawn(struct capos_handle spawner, const char *name, struct capos_handle *out)
{
	uint64_t msg[16], res[4];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capnp_list caps;
	struct capos_cqe c;
	size_t n = 0;
	while (name[n] != '\0')
		n++;
	if (capnp_builder_init(&b, msg, sizeof(msg)) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_name(&b, &root, name, n) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_binary(&b, &root, name, n) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_caps(&b, &root, 0, &caps) != CAPNP_OK)
		return -1;
	if (capos_call_caps(R, spawner, CAPOS_PROCESS_SPAWNER_SPAWN, msg, b.used, res, sizeof(res),
			    0, 0, false, &c) != CAPOS_OK ||
	    c.xfer_count != 1)
		return -1;
	*out = capos_handle_of(c.aux);
	return 0;
}

static int32_t simple(struct capos_handle h, uint16_t method, uint64_t *res, uint32_t rlen,
		      struct capos_cqe *c)
{
	uint64_t msg[1] = {0}; /* a root pointer to an empty struct */
	return capos_call_caps(R, h, method, msg, sizeof(msg), res, rlen, 0, 0, false, c);
}

/* Kills h, waits, and checks the ending was "killed", status 0. */
static int kill_and_wait(struct capos_handle h)
{
	uint64_t res[8];
	struct capos_cqe c;
	struct capnp_struct root;
	uint16_t reason;
	int64_t status;
	if (simple(h, CAPOS_PROCESS_HANDLE_KILL, res, sizeof(res), &c) != CAPOS_OK ||
	    simple(h, CAPOS_PROCESS_HANDLE_WAIT, res, sizeof(res), &c) != CAPOS_OK ||
	    capnp_get_root(res, c.result_len, &root) != CAPNP_OK ||
	    capos_process_handle_wait_results_get_reason(res, c.result_len, &root, &reason) !=
		CAPNP_OK ||
	    capos_process_handle_wait_results_get_status(res, c.result_len, &root, &status) !=
		CAPNP_OK)
		return -1;
	if (reason != CAPOS_EXIT_REASON_KILLED || status != 0)
		return -2;
	/* Once more, on a process that has ended: no error, nothing else happens. */
	if (simple(h, CAPOS_PROCESS_HANDLE_KILL, res, sizeof(res), &c) != CAPOS_OK)
		return -3;
	return capos_release(R, h) == CAPOS_OK ? 0 : -4;
}

int main(struct capos_ring *ring)
{
	struct capos_handle spawner = {0, 1}, console = {1, 1}, timer = {2, 1}, busy, idle;
	R = ring;
	if (spawn(spawner, "forever", &busy) != 0 || spawn(spawner, "idler", &idle) != 0)
		return 1;
	if (timer_sleep(ring, timer, 30000000ull) != CAPOS_OK)
		return 2;
	int a = kill_and_wait(busy), b = kill_and_wait(idle);
	console_printf(ring, console, "reaper: killed forever (%s) and idler (%s)\n",
		       a == 0 ? "reported killed" : "FAILED",
		       b == 0 ? "reported killed" : "FAILED");
	return a == 0 && b == 0 ? 0 : 3;
}
