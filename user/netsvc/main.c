/* netsvc: a small IPv4 host (lib/net through user/lib/nethost) on a NIC
 * driver: DHCP for its address, ARP, ICMP echo both ways, the UDP echo
 * service on port 7 (RFC 862). It pings the gateway a few times once it has a
 * lease, serves echoes for RUN_MS, and closes.
 * Slots: 0 EndpointClient (the NIC driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/capos.h"
#include "lib/nethost.h"

#define PINGS	4u
#define RUN_MS	4000u	    /* after the pings: serving UDP echo for the host's test */
#define GATEWAY 0x0a000202u /* 10.0.2.2, QEMU's user network */

int main(struct capos_ring *ring);

static const struct capos_handle nic = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct nethost H;

int main(struct capos_ring *ring)
{
	char a[16], g[16];
	int err = nethost_connect(&H, ring, nic, mem, tmr);
	if (err != 0) {
		console_printf(ring, con, "netsvc: cannot connect to the NIC (%d)\n", err);
		return err;
	}
	if (!nethost_dhcp(&H, 10000)) {
		console_printf(ring, con, "netsvc: FAILED: no DHCP lease\n");
		nethost_close(&H);
		return 4;
	}
	nethost_ip_str(a, H.nif.ip);
	nethost_ip_str(g, H.nif.gw);
	console_printf(ring, con, "netsvc: DHCP lease %s/%u, gateway %s, lease %u s\n", a,
		       32 - __builtin_ctz(H.nif.mask), g, H.nif.dhcp.lease_s);
	unsigned answered = 0;
	for (uint16_t seq = 1; seq <= PINGS; seq++) {
		uint64_t us = nethost_ping(&H, GATEWAY, seq, 56, 2000);
		if (us != 0) {
			answered++;
			console_printf(ring, con, "netsvc: ping %s seq %u: reply in %llu us\n", g,
				       seq, (unsigned long long)us);
		}
	}
	console_printf(ring, con, "netsvc: %u of %u pings to the gateway answered\n", answered,
		       PINGS);
	console_printf(ring, con, "netsvc: serving UDP echo on port 7 for %u ms\n", RUN_MS);
	uint64_t t0 = nethost_now_ms(&H);
	while (nethost_now_ms(&H) - t0 < RUN_MS)
		nethost_step(&H, 50000000ull);
	console_printf(ring, con, "netsvc: echoed %llu UDP datagrams; %llu frames dropped\n",
		       (unsigned long long)H.nif.rx[NET_RX_UDP_ECHO],
		       (unsigned long long)(H.nif.rx[NET_RX_IP_CSUM] + H.nif.rx[NET_RX_UDP_CSUM]));
	nethost_close(&H);
	return answered == PINGS ? 0 : 5;
}
