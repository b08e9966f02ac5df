/* netup: what `make run` shows of its network: a DHCP lease and a ping to the
 * gateway, through the virtio-net driver, which it leaves running.
 * Slots: 0 EndpointClient (the NIC driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/capos.h"
#include "lib/nethost.h"

#define GATEWAY 0x0a000202u

int main(struct capos_ring *ring);

static const struct capos_handle nic = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct nethost H;

int main(struct capos_ring *ring)
{
	char a[16], g[16];
	if (nethost_connect(&H, ring, nic, mem, tmr) != 0 || !nethost_dhcp(&H, 10000)) {
		console_printf(ring, con, "netup: no NIC or no DHCP lease\n");
		return 1;
	}
	nethost_ip_str(a, H.nif.ip);
	nethost_ip_str(g, H.nif.gw);
	console_printf(ring, con, "netup: DHCP lease %s/%u, gateway %s\n", a,
		       32 - __builtin_ctz(H.nif.mask), g);
	uint64_t us = nethost_ping(&H, GATEWAY, 1, 56, 2000);
	if (us == 0)
		console_printf(ring, con, "netup: ping %s: no reply\n", g);
	else
		console_printf(ring, con, "netup: ping %s: reply in %llu us\n", g,
			       (unsigned long long)us);
	return us == 0;
}
