/* stresser: SMP stress of ProcessSpawner.spawn with ProcessHandle.kill and
 * wait. Holds a ProcessSpawner (slot 0), a Console (1) and a Timer (2); the
 * stress manifest runs several at once on 1 to 4 CPUs.
 *
 * Each of ROUNDS rounds spawns children of five different binaries, each
 * with a known ending:
 *   exiter     checks its own image, exits 42          (EXITED 42)
 *   hello      without capabilities, exits 2          (EXITED 2)
 *   stresser   itself, without capabilities, exits 77  (EXITED 77)
 *   forever    computes until killed                   (KILLED 0)
 *   idler      blocks in cap_enter until killed        (KILLED 0)
 * kills some right after spawning them (an exiter killed that early may have
 * exited already: EXITED 42 or KILLED 0 are both right), the rest once all
 * are spawned, waits for every child (twice for one: the same answer) and
 * releases the handles. A child started from the wrong binary, or from a torn
 * image, ends with another reason or status (or never: the smoke's timeout).
 * Every LIMIT_EVERY rounds it also fills its 16 live children: the 17th spawn
 * fails with CAPOS_E_NO_RESOURCES, and succeeds again once one has ended.
 * Last, it kills a forever and an idler and releases them without waiting,
 * then exits while they may still be ending.
 * Prints `stresser: N rounds, M spawned, K killed, all statuses right` and
 * exits 0 when everything held; otherwise a WRONG line per fault, FAILED in
 * the summary, and status 1. */
#include "lib/capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"

#define ROUNDS	    40
#define LIMIT_EVERY 8
#define MAX_CHILD   16 /* PROC_MAX_CHILD: live children one process may have */
#define SUB_STATUS  77 /* this program, started without capabilities */

int main(struct capos_ring *ring);

enum kind { EXITER, HELLO, SUB, FOREVER, IDLER, KINDS };

static const struct {
	const char *binary, *name; /* the child's name: stress.smoke checks its lines */
	int status;		   /* EXITED with this; -1: runs until killed */
} kinds[KINDS] = {
    [EXITER] = {"exiter", "st-exiter", 42},	[HELLO] = {"hello", "st-hello", 2},
    [SUB] = {"stresser", "st-sub", SUB_STATUS}, [FOREVER] = {"forever", "st-forever", -1},
    [IDLER] = {"idler", "st-idler", -1},
};

/* One round's children, in spawn order (rotated by the round number). */
static const uint8_t plan[] = {EXITER, FOREVER, HELLO, IDLER, SUB, EXITER, IDLER, EXITER};
#define PLAN_LEN (sizeof(plan) / sizeof(plan[0]))

struct child {
	struct capos_handle h;
	enum kind kind;
	bool killed; /* kill was sent */
};

static struct capos_ring *R;
static struct capos_handle spawner = {0, 1}, console = {1, 1}, timer = {2, 1};
static unsigned spawned, killed, wrong;

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}

/* ProcessSpawner.spawn(name, binary, no capabilities): the call's status. */
static int32_t spawn(enum kind k, struct child *out)
{
	uint64_t msg[16], res[4];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capnp_list caps;
	struct capos_cqe c;
	const char *name = kinds[k].name, *binary = kinds[k].binary;
	if (capnp_builder_init(&b, msg, sizeof(msg)) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_name(&b, &root, name, slen(name)) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_binary(&b, &root, binary, slen(binary)) !=
		CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_caps(&b, &root, 0, &caps) != CAPNP_OK)
		return CAPOS_E_BAD_PARAMS;
	int32_t st = capos_call_caps(R, spawner, CAPOS_PROCESS_SPAWNER_SPAWN, msg, b.used, res,
				     sizeof(res), 0, 0, false, &c);
	if (st != CAPOS_OK)
		return st;
	if (c.xfer_count != 1)
		return CAPOS_E_BAD_RESULT;
	out->h = capos_handle_of(c.aux);
	out->kind = k;
	out->killed = false;
	spawned++;
	return CAPOS_OK;
}

static int32_t simple(struct capos_handle h, uint16_t method, uint64_t *res, uint32_t rlen,
		      struct capos_cqe *c)
{
	uint64_t msg[1] = {0}; /* a root pointer to an empty struct */
	return capos_call_caps(R, h, method, msg, sizeof(msg), res, rlen, 0, 0, false, c);
}

static void fail(int round, const struct child *ch, const char *what, int a, int b)
{
	wrong++;
	console_printf(R, console, "stresser: round %d: %s WRONG: %s (%d, %d)\n", round,
		       ch != NULL ? kinds[ch->kind].name : "-", what, a, b);
}

static void kill(int round, struct child *ch)
{
	uint64_t res[4];
	struct capos_cqe c;
	int32_t st = simple(ch->h, CAPOS_PROCESS_HANDLE_KILL, res, sizeof(res), &c);
	if (st != CAPOS_OK)
		fail(round, ch, "kill failed", st, 0);
	ch->killed = true;
}

/* Waits for ch (twice when again) and checks its ending; releases its handle. */
static void wait_check(int round, struct child *ch, bool again)
{
	uint16_t reason, reason2;
	int64_t status, status2;
	int32_t st = process_wait(R, ch->h, &reason, &status);
	int expect = kinds[ch->kind].status;
	if (st != CAPOS_OK) {
		fail(round, ch, "wait failed", st, 0);
	} else if (reason == CAPOS_EXIT_REASON_KILLED) {
		killed++;
		if (!ch->killed || status != 0)
			fail(round, ch, "killed unasked, or status not 0", (int)status, 0);
	} else if (reason != CAPOS_EXIT_REASON_EXITED || expect < 0 || status != expect) {
		fail(round, ch, "reason, status", reason, (int)status);
	}
	if (st == CAPOS_OK && again &&
	    (process_wait(R, ch->h, &reason2, &status2) != CAPOS_OK || reason2 != reason ||
	     status2 != status))
		fail(round, ch, "second wait differs", reason2, (int)status2);
	if (capos_release(R, ch->h) != CAPOS_OK)
		fail(round, ch, "release failed", 0, 0);
}

static void round_mixed(int round)
{
	struct child ch[PLAN_LEN];
	unsigned n = 0;
	for (unsigned i = 0; i < PLAN_LEN; i++) {
		enum kind k = plan[(i + (unsigned)round) % PLAN_LEN];
		int32_t st = spawn(k, &ch[n]);
		if (st != CAPOS_OK) {
			fail(round, NULL, "spawn failed", st, (int)k);
			continue;
		}
		/* Some killed at once, perhaps before they first run. */
		if (((k == FOREVER || k == IDLER) && (i + (unsigned)round) % 3 == 0) ||
		    (k == EXITER && (i + (unsigned)round) % 5 == 0))
			kill(round, &ch[n]);
		n++;
	}
	if (round % 2 == 1)
		timer_sleep(R, timer, 1000000ull); /* let them run (and block) first */
	for (unsigned i = 0; i < n; i++)
		if (kinds[ch[i].kind].status < 0 && !ch[i].killed)
			kill(round, &ch[i]);
	for (unsigned i = 0; i < n; i++) {
		unsigned j = round % 2 == 0 ? i : n - 1 - i;
		wait_check(round, &ch[j], i == (unsigned)round % n);
	}
}

/* 16 live children: the 17th spawn fails; once one ended, a spawn succeeds. */
static void round_limit(int round)
{
	struct child ch[MAX_CHILD], extra;
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_CHILD; i++) {
		int32_t st = spawn(i % 8 == 3 ? FOREVER : IDLER, &ch[n]);
		if (st != CAPOS_OK)
			fail(round, NULL, "spawn below the limit failed", st, (int)i);
		else
			n++;
	}
	if (n == MAX_CHILD) {
		int32_t st = spawn(EXITER, &extra);
		if (st == CAPOS_OK) {
			fail(round, &extra, "17th spawn succeeded", st, 0);
			wait_check(round, &extra, false);
		} else if (st != CAPOS_E_NO_RESOURCES) {
			fail(round, NULL, "17th spawn: not NO_RESOURCES", st, 0);
		}
	}
	if (n == 0)
		return;
	/* One ends (is waited for): room for one again. */
	struct child *first = &ch[round % n];
	kill(round, first);
	wait_check(round, first, false);
	int32_t st = spawn(EXITER, &extra);
	if (st != CAPOS_OK)
		fail(round, NULL, "spawn after one ended failed", st, 0);
	else
		wait_check(round, &extra, false);
	for (unsigned i = 0; i < n; i++)
		if (&ch[i] != first)
			kill(round, &ch[i]);
	for (unsigned i = 0; i < n; i++)
		if (&ch[i] != first)
			wait_check(round, &ch[i], false);
}

int main(struct capos_ring *ring)
{
	uint64_t now;
	R = ring;
	/* Started without capabilities: a child of another stresser. */
	if (timer_now(ring, timer, &now) == CAPOS_E_LOOKUP)
		return SUB_STATUS;
	for (int r = 0; r < ROUNDS; r++) {
		round_mixed(r);
		if (r % LIMIT_EVERY == LIMIT_EVERY - 1)
			round_limit(r);
	}
	/* Killed and released without a wait: they end after their parent, maybe. */
	struct child last[2];
	for (int i = 0; i < 2; i++) {
		int32_t st = spawn(i == 0 ? FOREVER : IDLER, &last[i]);
		if (st != CAPOS_OK) {
			fail(ROUNDS, NULL, "last spawn failed", st, i);
			continue;
		}
		kill(ROUNDS, &last[i]);
		if (capos_release(R, last[i].h) != CAPOS_OK)
			fail(ROUNDS, &last[i], "release failed", 0, 0);
	}
	console_printf(ring, console, "stresser: %d rounds, %u spawned, %u killed, %s\n", ROUNDS,
		       spawned, killed, wrong == 0 ? "all statuses right" : "FAILED");
	return wrong == 0 ? 0 : 1;
}
