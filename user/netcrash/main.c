/* netcrash: a network client that survives its NIC driver's crash (init
 * restarts the driver, manifests/netcrash). After DHCP and pings to the
 * gateway it asks the driver to crash (NIC_CRASH_BYTE) with frames going both
 * ways, finds the pings unanswered, reconnects to the new instance on the same
 * Endpoint keeping its address, and pings again; then closes.
 * Slots: 0 EndpointClient (the NIC driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/capos.h"
#include "lib/nethost.h"

#define GATEWAY 0x0a000202u

int main(struct capos_ring *ring);

static const struct capos_handle nic = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct nethost H;

static unsigned pings(uint16_t first, unsigned n)
{
	unsigned ok = 0;
	for (uint16_t seq = first; seq < first + n; seq++)
		ok += nethost_ping(&H, GATEWAY, seq, 56, 500) != 0;
	return ok;
}

int main(struct capos_ring *ring)
{
	char a[16];
	if (nethost_connect(&H, ring, nic, mem, tmr) != 0 || !nethost_dhcp(&H, 10000))
		return 1;
	nethost_ip_str(a, H.nif.ip);
	unsigned before = pings(1, 3);
	console_printf(ring, con, "netcrash: %s: %u of 3 pings answered; crashing the driver\n", a,
		       before);
	net_ping(&H.nif, GATEWAY, 0x4350, 100, 56, nethost_now_ms(&H), &H.out);
	nethost_flush(&H); /* a frame on its way out beside the crash */
	nethost_close_frame(&H, NIC_CRASH_BYTE);
	unsigned during = pings(101, 2);
	console_printf(ring, con, "netcrash: %u of 2 pings answered with the driver gone\n",
		       during);
	int err = 1;
	for (int tries = 0; tries < 50 && err != 0; tries++) {
		err = nethost_reconnect(&H, mem);
		if (err != 0)
			timer_sleep(ring, tmr, 20000000ull);
	}
	if (err != 0) {
		console_printf(ring, con, "netcrash: FAILED: no new driver instance (%d)\n", err);
		return 2;
	}
	unsigned after = pings(201, 3);
	nethost_ip_str(a, H.nif.ip);
	console_printf(ring, con,
		       "netcrash: reconnected to the new driver instance as %s: %u of 3 pings "
		       "answered\n",
		       a, after);
	nethost_close(&H);
	return before == 3 && during == 0 && after == 3 ? 0 : 3;
}
