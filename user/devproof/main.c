/* devproof: init of manifests/devproof*. It holds the DeviceSlots of two edu
 * devices and runs the proofs of docs/device-authority.md with drivers it
 * starts (devdrv, one role each), revoking, reassigning and letting them
 * crash at the points they ask for (devproof.h).
 * Slots: 0 Console, 1 ProcessSpawner, 2 BootManifest, 3 Timer, 4 DeviceSlot
 * edu0, 5 DeviceSlot edu1, 6 Endpoint. */
#include "devdrv/devproof.h"
#include "capos/gen/capos_schema.h"
#include "lib/capdev.h"
#include "lib/capos.h"

int main(struct capos_ring *ring, uint64_t start);

static struct capos_ring *R;
static const struct capos_handle con = {0, 1}, spawner = {1, 1}, tmr = {3, 1}, edu0 = {4, 1},
				 edu1 = {5, 1}, chan = {6, 1};
static unsigned failed;

static void fail(const char *what, int64_t v)
{
	failed++;
	console_printf(R, con, "devproof: FAILED: %s (%lld)\n", what, (long long)v);
}

/* A pending call of a driver: its token and its message. */
struct pending {
	uint64_t token;
	uint16_t method;
	uint64_t w[2];
};

static void recv(struct pending *p)
{
	struct capos_cqe c;
	uint64_t buf[8] = {0};
	if (capos_recv(R, chan, buf, sizeof(buf), 0, 0, &c) != CAPOS_OK) {
		fail("recv", 0);
		p->token = 0;
		return;
	}
	p->token = c.aux;
	p->method = c.method;
	p->w[0] = buf[0];
	p->w[1] = buf[1];
}

static void reply(const struct pending *p, uint64_t a, uint64_t b)
{
	uint64_t r[2] = {a, b};
	if (capos_return(R, p->token, r, sizeof(r), 0, false) != CAPOS_OK)
		fail("return", 0);
}

/* Receives the next call, which must be `method` (and for SYNC, `code`). */
static void expect_call(struct pending *p, uint16_t method, uint64_t code)
{
	recv(p);
	if (p->method != method || (method == DP_SYNC && p->w[0] != code))
		fail("unexpected call from a driver", (int64_t)p->method);
}

/* Claims slot's device and starts devdrv with it; answers its HELLO with
 * role and arg. */
static int start(struct capos_handle slot, uint64_t role, uint64_t arg, struct capos_handle *ph)
{
	struct capos_handle devh, client, caps[4];
	struct capos_cqe c;
	struct pending p;
	uint64_t res[4];
	int32_t st = devslot_claim(R, slot, &devh);
	if (st != CAPOS_OK) {
		console_printf(R, con, "devproof: claim refused (%d)\n", st);
		return -1;
	}
	static const uint64_t none[1];
	st = capos_call_caps(R, chan, CAPOS_ENDPOINT_NEW_CLIENT, none, sizeof(none), res,
			     sizeof(res), 0, 0, false, &c);
	if (st != CAPOS_OK) {
		fail("newClient", st);
		return -1;
	}
	client = capos_handle_of(c.aux);
	caps[0] = devh;
	caps[1] = client;
	caps[2] = con;
	caps[3] = tmr;
	/* A copying spawn: the Device, never copied, is moved (its handle
	 * here goes stale), the rest copied. */
	st = capos_spawn(R, spawner, "devdrv", caps, 4, false, ph);
	capos_release(R, client);
	if (st != CAPOS_OK) {
		fail("spawn", st);
		return -1;
	}
	struct capdev_info info;
	if (dev_info(R, devh, &info) != CAPOS_E_LOOKUP)
		fail("the Device stayed behind after the spawn", 0);
	expect_call(&p, DP_HELLO, 0);
	reply(&p, role, arg);
	return 0;
}

/* Waits for a driver; reason and status must be as given. */
static void finish(struct capos_handle ph, uint16_t reason, int64_t status, const char *who)
{
	uint16_t r = 99;
	int64_t s = -1;
	if (process_wait(R, ph, &r, &s) != CAPOS_OK || r != reason || s != status) {
		console_printf(R, con, "devproof: %s ended with reason %u status %lld\n", who, r,
			       (long long)s);
		fail(who, s);
	}
	capos_release(R, ph);
}

static void revoke(struct capos_handle slot)
{
	int32_t st = devslot_revoke(R, slot);
	if (st != CAPOS_OK)
		fail("revoke", st);
}

/* Proof 1: after revoke, every handle kind is stale and the window faults. */
static void proof_revoke(void)
{
	struct capos_handle a;
	struct pending p;
	if (start(edu0, DP_STALE_REVOKE, 0, &a) != 0)
		return;
	expect_call(&p, DP_SYNC, DP_ARMED);
	revoke(edu0);
	reply(&p, 0, 0);
	finish(a, CAPOS_EXIT_REASON_FAULTED, 14, "the revoked driver (must fault on its window)");
	console_printf(R, con, "devproof: 1 revoke: done\n");
}

static void proof_reset_misc(void)
{
	struct capos_handle a;
	if (start(edu0, DP_RESET, 0, &a) == 0)
		finish(a, CAPOS_EXIT_REASON_EXITED, 0, "the resetting driver");
	console_printf(R, con, "devproof: 1 reset: done\n");
	struct pending p;
	if (start(edu0, DP_MISC, 0, &a) != 0)
		return;
	(void)p;
	finish(a, CAPOS_EXIT_REASON_FAULTED, 14, "the misc driver (must fault on its window)");
	console_printf(R, con, "devproof: 1 reuse, 6, 7, 8: done\n");
}

/* Proof 2, and proof 1 after reassignment. */
static void proof_irq(void)
{
	struct capos_handle a, b;
	struct pending p;
	if (start(edu0, DP_IRQ_A, 0, &a) != 0)
		return;
	expect_call(&p, DP_SYNC, DP_RAISED);
	revoke(edu0);
	if (start(edu0, DP_IRQ_B, 0, &b) != 0)
		return;
	reply(&p, 0, 0);
	finish(a, CAPOS_EXIT_REASON_EXITED, 0, "driver A");
	finish(b, CAPOS_EXIT_REASON_EXITED, 0, "driver B");
	console_printf(R, con, "devproof: 2 stale interrupt: done\n");
}

/* Proofs 3 (revoked) and 5 (crashed) while edu's DMA is pending. */
static void proof_dma(int crash)
{
	struct capos_handle a, b;
	struct pending p;
	uint64_t t0 = 0, t1 = 0;
	if (start(edu0, crash ? DP_DMA_CRASH : DP_DMA_A, 0, &a) != 0)
		return;
	if (crash) {
		finish(a, CAPOS_EXIT_REASON_FAULTED, 14, "the crashing driver");
	} else {
		expect_call(&p, DP_SYNC, DP_STARTED);
		revoke(edu0);
		reply(&p, 0, 0);
	}
	timer_now(R, tmr, &t0);
	if (start(edu0, DP_DMA_B, 0, &b) != 0)
		return;
	timer_now(R, tmr, &t1);
	console_printf(R, con, "devproof: the next claim of edu waited %llu ms (no reset: held)\n",
		       (unsigned long long)((t1 - t0) / 1000000));
	if (!crash)
		finish(a, CAPOS_EXIT_REASON_EXITED, 0, "driver A");
	finish(b, CAPOS_EXIT_REASON_EXITED, 0, "driver B");
	console_printf(R, con, "devproof: %s: done\n",
		       crash ? "5 teardown under DMA (crash)" : "3 stale DMA completion");
}

/* Proof 4: edu0's driver points edu at IOVAs it does not own. */
static void proof_ood(void)
{
	struct capos_handle a, x;
	struct pending p, hold;
	if (start(edu1, DP_OOD_X, 0, &x) != 0)
		return;
	expect_call(&p, DP_SYNC, DP_READY);
	uint64_t x_iova = p.w[1];
	reply(&p, 0, 0);
	expect_call(&hold, DP_SYNC, DP_HOLD);
	if (start(edu0, DP_OOD_A, x_iova, &a) != 0)
		return;
	expect_call(&p, DP_SYNC, DP_DONE);
	reply(&p, 0, 0);
	reply(&hold, 0, 0);
	finish(a, CAPOS_EXIT_REASON_EXITED, 0, "the out-of-domain driver");
	finish(x, CAPOS_EXIT_REASON_EXITED, 0, "driver X");
	console_printf(R, con, "devproof: 4 out-of-domain DMA: done\n");
}

/* Teardown by kill: the driver blocked in Interrupt.wait ends at once, its
 * claim is torn down (the next claim succeeds). */
static void proof_kill(void)
{
	struct capos_handle a;
	struct pending p;
	if (start(edu0, DP_KILLED, 0, &a) != 0)
		return;
	expect_call(&p, DP_SYNC, DP_ARMED);
	if (p.w[1] != 0)
		fail("the driver's sub-handle releases", (int64_t)p.w[1]);
	reply(&p, 0, 0);
	timer_sleep(R, tmr, 50000000ull);
	if (process_kill(R, a) != CAPOS_OK)
		fail("kill", 0);
	finish(a, CAPOS_EXIT_REASON_KILLED, 0, "the killed driver");
	struct capos_handle d;
	int32_t st = devslot_claim(R, edu0, &d);
	if (st != CAPOS_OK)
		fail("a claim after the kill's teardown", st);
	else
		capos_release(R, d);
	console_printf(R, con, "devproof: teardown by kill: done\n");
}

int main(struct capos_ring *ring, uint64_t start_handle)
{
	(void)start_handle;
	R = ring;
	struct capos_handle d;
	/* Claimed and not moved: released at once (a teardown, epoch 2). */
	int32_t st = devslot_claim(R, edu0, &d);
	if (st != CAPOS_OK) {
		console_printf(R, con,
			       "devproof: edu's claim refused (%d): no IOMMU and the "
			       "manifest requires one\n",
			       st);
		return 0;
	}
	struct capos_handle d2;
	if (devslot_claim(R, edu0, &d2) != CAPOS_E_NO_DEVICE)
		fail("a second claim of a claimed device", 0);
	capos_release(R, d);
	proof_revoke();
	proof_reset_misc();
	proof_irq();
	proof_dma(0);
	proof_dma(1);
	proof_ood();
	proof_kill();
	console_printf(R, con, "devproof: %s (%u failed)\n",
		       failed == 0 ? "all proofs held" : "PROOFS FAILED", failed);
	return (int)failed;
}
