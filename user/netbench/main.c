/* netbench: the network side of `make bench-net` (tools/bench_io.py): after
 * DHCP, PINGS echo requests to the gateway at 56 and at 1400 bytes, each
 * round trip timed here (Timer), printed as their median; then the UDP echo
 * service on port 7 for SERVE_MS while the host's peer times its own round
 * trips through hostfwd.
 * Slots: 0 EndpointClient (the NIC driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/capos.h"
#include "lib/nethost.h"

#define PINGS	 21u
#define SERVE_MS 6000u
#define GATEWAY	 0x0a000202u

int main(struct capos_ring *ring);

static const struct capos_handle nic = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct nethost H;

static uint64_t median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static uint64_t ping_median(size_t len)
{
	uint64_t rtt[PINGS];
	unsigned n = 0;
	nethost_ping(&H, GATEWAY, 1000, len, 2000); /* warm-up: ARP and caches */
	for (uint16_t seq = 1; seq <= PINGS; seq++) {
		uint64_t us = nethost_ping(&H, GATEWAY, seq, len, 2000);
		if (us != 0)
			rtt[n++] = us;
	}
	return n == PINGS ? median(rtt, n) : 0;
}

int main(struct capos_ring *ring)
{
	if (nethost_connect(&H, ring, nic, mem, tmr) != 0 || !nethost_dhcp(&H, 10000)) {
		console_printf(ring, con, "netbench: no NIC or no DHCP lease\n");
		return 1;
	}
	uint64_t p56 = ping_median(56), p1400 = ping_median(1400);
	console_printf(ring, con, "bench: net ping56 rtt_us=%llu\n", (unsigned long long)p56);
	console_printf(ring, con, "bench: net ping1400 rtt_us=%llu\n", (unsigned long long)p1400);
	console_printf(ring, con, "netbench: serving UDP echo on port 7 for %u ms\n", SERVE_MS);
	uint64_t t0 = nethost_now_ms(&H);
	while (nethost_now_ms(&H) - t0 < SERVE_MS)
		nethost_step(&H, 50000000ull);
	console_printf(ring, con, "netbench: echoed %llu UDP datagrams\n",
		       (unsigned long long)H.nif.rx[NET_RX_UDP_ECHO]);
	nethost_close(&H);
	return p56 && p1400 ? 0 : 2;
}
