/* epattack: a server and a parent that attack the endpoint implementation
 * together with their children. Holds a Console (slot 0), a ProcessSpawner
 * (1), a Timer (2) and an Endpoint (3).
 *  1. epcaller: an echo is returned, and returned again (a RETURN race: the
 *     second finds no call); its 5000-byte call never reaches this server's
 *     4096-byte buffer (the kernel refuses it to the caller and serves the
 *     next call); its third call is held here while the caller is killed: the
 *     kill ends it (wait says killed) without this server returning, and the
 *     late RETURN, with the Timer moved beside it, finds the call gone
 *     (CAPOS_E_INVOKE) and leaves the Timer here.
 *  2. epqueued (spawned under a name with terminal control bytes, which the
 *     kernel must print sanitised): killed while its call is still queued;
 *     the call is withdrawn, this server never receives it.
 *  3. epmover: its call carries its only client facet, moved; this server
 *     releases that facet and its own Endpoint and returns, all in one batch,
 *     so nothing but the sleeping caller's call refers to the endpoint.
 * Exits 0 when everything held; each step says what it saw. */
#include "lib/capos.h"
#include "capos/gen/capos_schema.h"

#define BUF 4096

int main(struct capos_ring *ring);

static struct capos_ring *R;
static struct capos_handle console = {0, 1}, spawner = {1, 1}, timer = {2, 1}, ep = {3, 1};
static uint64_t buf[BUF / 8];

static int fail(int code, const char *what)
{
	console_printf(R, console, "epattack: FAILED: %s\n", what);
	return code;
}

/* Step 2: the batch that leaves the caller's call as the endpoint's only user. */
static int release_all_and_return(uint64_t token, struct capos_handle moved)
{
	struct capos_sqe sq[3] = {
	    {.opcode = CAPOS_OP_RELEASE, .target = moved, .user_data = 101},
	    {.opcode = CAPOS_OP_RELEASE, .target = ep, .user_data = 102},
	    {.opcode = CAPOS_OP_RETURN,
	     .target = capos_handle_of(token),
	     .params_addr = (uint64_t)(uintptr_t)buf,
	     .params_len = 24,
	     .user_data = 103},
	};
	uint32_t tail = R->sq_tail;
	for (int i = 0; i < 3; i++)
		R->sq[(tail + i) % CAPOS_RING_SQ_ENTRIES] = sq[i];
	__atomic_store_n(&R->sq_tail, tail + 3, __ATOMIC_RELEASE);
	int bad = 0, seen = 0;
	while (seen < 3) {
		uint32_t head = R->cq_head;
		if (head == __atomic_load_n(&R->cq_tail, __ATOMIC_ACQUIRE)) {
			cap_enter(1, 0);
			continue;
		}
		struct capos_cqe c = R->cq[head % CAPOS_RING_CQ_ENTRIES];
		__atomic_store_n(&R->cq_head, head + 1, __ATOMIC_RELEASE);
		bad += c.status != CAPOS_OK;
		seen++;
	}
	return bad;
}

int main(struct capos_ring *ring)
{
	struct capos_handle cf, child, got[1];
	struct capos_cqe c;
	uint16_t reason;
	int64_t status;
	uint64_t nm[1] = {0}, nr[4];
	R = ring;
	if (capos_call_caps(ring, ep, CAPOS_ENDPOINT_NEW_CLIENT, nm, sizeof(nm), nr, sizeof(nr), 0,
			    0, false, &c) != CAPOS_OK ||
	    c.xfer_count != 1)
		return fail(1, "newClient");
	cf = capos_handle_of(c.aux);

	struct capos_handle give[2] = {console, cf};
	if (capos_spawn(ring, spawner, "epcaller", give, 2, false, &child) != CAPOS_OK)
		return fail(2, "spawn epcaller");
	if (capos_recv(ring, ep, buf, BUF, got, 1, &c) != CAPOS_OK || c.method != 1)
		return fail(3, "the echo call");
	uint64_t token = c.aux;
	if (capos_return(ring, token, buf, c.result_len, 0, false) != CAPOS_OK ||
	    capos_return(ring, token, buf, c.result_len, 0, false) != CAPOS_E_LOOKUP)
		return fail(4, "RETURN twice");
	/* The oversized call is refused by the kernel: the next one received is
	 * the caller's third. */
	if (capos_recv(ring, ep, buf, BUF, got, 1, &c) != CAPOS_OK || c.method != 3)
		return fail(5, "the call after the oversized one");
	token = c.aux;
	if (process_kill(ring, child) != CAPOS_OK ||
	    process_wait(ring, child, &reason, &status) != CAPOS_OK ||
	    reason != CAPOS_EXIT_REASON_KILLED)
		return fail(6, "kill of a caller whose call this server holds");
	int32_t late = capos_return(ring, token, buf, 24, &timer, true);
	uint64_t now;
	int32_t tst = timer_now(ring, timer, &now);
	console_printf(ring, console,
		       "epattack: caller killed while its call was held here: wait says killed; "
		       "late RETURN %d, the Timer beside it still mine: %s\n",
		       (int)late, tst == CAPOS_OK ? "yes" : "NO");
	if (late != CAPOS_E_INVOKE || tst != CAPOS_OK)
		return 7;
	capos_release(ring, child);

	/* Step 2: a call killed while queued is withdrawn. */
	if (capos_spawn_named(ring, spawner, "evil\x1b[2J\n", "epqueued", give, 2, false, &child) !=
	    CAPOS_OK)
		return fail(13, "spawn epqueued");
	timer_sleep(ring, timer, 20000000ull); /* its call is queued by now */
	if (process_kill(ring, child) != CAPOS_OK ||
	    process_wait(ring, child, &reason, &status) != CAPOS_OK ||
	    reason != CAPOS_EXIT_REASON_KILLED)
		return fail(14, "kill of a caller whose call is queued");
	capos_release(ring, child);
	console_printf(ring, console, "epattack: caller killed while its call was queued\n");

	/* Step 3: init released its own Endpoint handle once every service was
	 * started (long before now); what is left is this server's facet and
	 * epmover's client facet. The next call received must be epmover's: the
	 * withdrawn one is gone. */
	give[1] = cf;
	if (capos_spawn(ring, spawner, "epmover", give, 2, false, &child) != CAPOS_OK)
		return fail(8, "spawn epmover");
	if (capos_release(ring, cf) != CAPOS_OK)
		return fail(9, "release of my client facet");
	if (capos_recv(ring, ep, buf, BUF, got, 1, &c) != CAPOS_OK || c.method != 4 ||
	    c.xfer_count != 1)
		return fail(10, c.method == 5 ? "the withdrawn call was received"
					      : "the call with the moved facet");
	if (release_all_and_return(c.aux, got[0]) != 0)
		return fail(11, "release, release, return");
	if (process_wait(ring, child, &reason, &status) != CAPOS_OK ||
	    reason != CAPOS_EXIT_REASON_EXITED || status != 0)
		return fail(12, "epmover's ending");
	console_printf(ring, console, "epattack: all attacks held\n");
	return 0;
}
