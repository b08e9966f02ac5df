/* devhostile: a hostile driver (proof 9). It holds a Device for QEMU's edu
 * (slot 0), a Console (1) and a Timer (2), and, where the manifest grants them,
 * an Endpoint (3) and a client facet of it (4), nobody else's.
 *
 * From a seeded xorshift it makes at least TOTAL calls across Device,
 * DeviceMmio, Interrupt and DMAPool: valid methods and ordinals past the last;
 * well-formed messages with random field values, random bytes, truncated,
 * empty, oversized and unreadable ones (kernel, non-canonical, unmapped and
 * device-window addresses); results too small, unwritable or read-only;
 * Device.reset at random moments; releases and double releases; handles it
 * never received; capabilities that may not leave it sent beside calls, to
 * itself among others; bus mastering on and off; edu's interrupt raised
 * through a window of BAR0 and waited for; and, only where an IOMMU confines
 * edu, DMA into its own buffers and to random IOVAs.
 *
 * It keeps a model of what it holds (each sub-handle live, stale once a reset
 * ended its claim, or released) and checks every completion against it: every
 * status is a defined one; a released or never-issued handle answers
 * CAPOS_E_LOOKUP; a stale one never succeeds, and answers CAPOS_E_STALE to any
 * call its object would otherwise run; a live one answers what its arguments
 * call for, budgets included. A window or pool is touched only while live (a
 * stale one is unmapped: touching it would fault). The first disagreement is
 * printed with the seed, step and call number, and the exit status is 1. */
#include "devhostile.h"

int main(struct capos_ring *ring);

bool dh_have_ep;
uint64_t dh_n_stale, dh_n_resets, dh_n_windows, dh_n_irqs, dh_n_pools, dh_n_bufs, dh_n_waits,
    dh_n_taken;
uint64_t dh_n_refused, dh_n_dma, dh_n_dma_checked, dh_n_dma_stray, dh_n_forged;

/* Whether slot names a capability: a CALL with one capability beside it at an
 * unreadable address fails the lookup when the slot is empty, the copy when
 * it is not (nothing is invoked either way). */
static bool slot_held(struct capos_handle h)
{
	struct capos_cqe c;
	struct call k = {.t = h, .nx = 1, .x = NO_DATA};
	dh_lay_out(&k, P_GOOD, R_GOOD,
		   dh_build(CAPOS_IFACE_DEVICE, CAPOS_DEVICE_INFO, (struct fields){0}));
	int32_t st = dh_issue(&k, &c);
	dh_check(st, A(CAPOS_E_LOOKUP) | A(CAPOS_E_BAD_PARAMS), "probing a slot");
	return st == CAPOS_E_BAD_PARAMS;
}

static void release_all(void)
{
	dh_what = "releasing everything";
	while (dh_nheld != 0) {
		struct held *h = &dh_held[dh_nheld - 1];
		struct capos_handle was = h->h;
		dh_check(dh_release(was, 0, 0), A(CAPOS_OK), "releasing a held handle at the end");
		dh_forget(h);
		dh_check(dh_release(was, 0, 0), A(CAPOS_E_LOOKUP), "releasing it twice");
	}
}

int main(struct capos_ring *ring)
{
	uint64_t t0 = 0, t1 = 0;
	dh_ring = ring;
	for (uint32_t i = 0; i < sizeof(dh_pbuf) / 8; i++)
		dh_pbuf[i] = dh_rnd();
	timer_now(dh_ring, tim, &t0);
	dh_device_info();
	dh_have_ep = slot_held(self_ep) && slot_held(self_cl);
	console_printf(dh_ring, con,
		       "devhostile: seed 0x%llx, edu epoch %llu, BAR0 %llu bytes, %u MSI, "
		       "isolation %s, own endpoint %s\n",
		       (unsigned long long)SEED, (unsigned long long)dh_epoch,
		       (unsigned long long)dh_bar0_size, dh_msi_count,
		       dh_isolation == CAPOS_DMA_ISOLATION_IOMMU ? "iommu" : "UNCONFINED",
		       dh_have_ep ? "yes" : "no");
	while (dh_calls < TOTAL) {
		unsigned x = (unsigned)dh_below(1000);
		dh_step++;
		if (dh_nheld + 4 >= MAX_HELD && x < 500)
			x = 650; /* releases: keep room for what comes back */
		if (x < 230)
			dh_attack_device();
		else if (x < 430)
			dh_attack_held();
		else if (x < 540)
			dh_attack_pool();
		else if (x < 600)
			dh_attack_gone();
		else if (x < 680)
			dh_attack_release();
		else if (x < 730)
			dh_attack_xfer();
		else if (x < 830)
			dh_attack_regs();
		else if (x < 850)
			dh_attack_bus_master();
		else if (x < 854)
			dh_attack_reset();
		else if (x < 862)
			dh_attack_dma();
		else if (x < 900)
			dh_attack_raw();
		else
			dh_attack_held();
	}
	release_all();
	timer_now(dh_ring, tim, &t1);
	console_printf(dh_ring, con,
		       "devhostile: %llu calls: ok %llu, stale %llu, lookup %llu, bad-params %llu, "
		       "invoke %llu, no-resources %llu, no-device %llu, malformed %llu, bad-result "
		       "%llu, reserved-opcode %llu\n",
		       (unsigned long long)dh_calls, (unsigned long long)dh_nst[0],
		       (unsigned long long)dh_nst[8], (unsigned long long)dh_nst[4],
		       (unsigned long long)dh_nst[2], (unsigned long long)dh_nst[5],
		       (unsigned long long)dh_nst[7], (unsigned long long)dh_nst[9],
		       (unsigned long long)dh_nst[1], (unsigned long long)dh_nst[3],
		       (unsigned long long)dh_nst[6]);
	console_printf(dh_ring, con,
		       "devhostile: %llu resets, %llu windows, %llu interrupt routes, %llu pools, "
		       "%llu buffers, %llu interrupts taken (%llu waits), %llu DMAs (%llu checked, "
		       "%llu stray)\n",
		       (unsigned long long)dh_n_resets, (unsigned long long)dh_n_windows,
		       (unsigned long long)dh_n_irqs, (unsigned long long)dh_n_pools,
		       (unsigned long long)dh_n_bufs, (unsigned long long)dh_n_taken,
		       (unsigned long long)dh_n_waits, (unsigned long long)dh_n_dma,
		       (unsigned long long)dh_n_dma_checked, (unsigned long long)dh_n_dma_stray);
	console_printf(dh_ring, con,
		       "devhostile: %llu calls on stale handles, %llu on released or never-issued "
		       "ones, %llu sends refused, %llu ms\n",
		       (unsigned long long)dh_n_stale, (unsigned long long)dh_n_forged,
		       (unsigned long long)dh_n_refused, (unsigned long long)((t1 - t0) / 1000000));
	console_printf(dh_ring, con,
		       "devhostile: all statuses defined, stale handles stayed stale\n");
	dh_what = "releasing the Device";
	dh_check(dh_release(dev, 0, 0), A(CAPOS_OK), "releasing the Device");
	struct capos_cqe c;
	dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_INFO, (struct fields){0}, &c),
		 A(CAPOS_E_LOOKUP), "the Device after its release");
	return 0;
}
