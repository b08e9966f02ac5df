/* nethost: an IPv4 host (lib/net) on a NIC driver's Nic protocol
 * (user/virtio-net/nic_proto.h), for user programs: connect with a pktq region
 * in shared memory, move frames between lib/net and the driver, and wait for
 * either side or the next timer tick. */
#ifndef CAPOS_USER_NETHOST_H
#define CAPOS_USER_NETHOST_H

#include <stdint.h>

#include "capos/ring.h"
#include "lib/net/net.h"
#include "lib/pktq/pktq.h"
#include "virtio-net/nic_proto.h"

#define NETHOST_SLOTS	64u
#define NETHOST_TXSLOTS 32u /* slots [0, 32) carry frames out, [32, 64) in */

struct nethost {
	struct capos_ring *r;
	struct capos_handle nic, timer, drv_ev, cli_ev;
	struct pktq_view q;
	struct nic_info info;
	struct net_if nif;
	struct net_out out;
	uint32_t tx_free[NETHOST_TXSLOTS], ntx_free;
};

/* nethost_connect: NIC_INFO, the region, NIC_CONNECT, receive slots given,
 * lib/net initialised with the NIC's MAC. 0 or a small error number.
 * nethost_reconnect: the same to a new driver instance on the same Endpoint,
 * keeping lib/net's state (address, lease, ARP cache). */
int nethost_connect(struct nethost *h, struct capos_ring *r, struct capos_handle nic,
		    struct capos_handle mem, struct capos_handle timer);
int nethost_reconnect(struct nethost *h, struct capos_handle mem);
/* nethost_close_frame: the close frame, with payload byte `b` (0: a plain close). */
void nethost_close_frame(struct nethost *h, uint8_t b);
uint64_t nethost_now_ms(struct nethost *h);
/* nethost_flush: sends what lib/net put in h->out (frames beyond free slots
 * are dropped and counted by the caller's lib/net counters). */
void nethost_flush(struct nethost *h);
/* nethost_step: received frames through lib/net, its timers, the frames it
 * made sent; then waits for the driver at most wait_ns. */
void nethost_step(struct nethost *h, uint64_t wait_ns);
/* nethost_dhcp: DHCP until bound or timeout_ms; true when bound. */
bool nethost_dhcp(struct nethost *h, uint64_t timeout_ms);
/* nethost_ping: one echo request of len bytes to dst; its round trip in
 * microseconds (measured here, by the Timer), or 0 when no reply came within
 * timeout_ms. */
uint64_t nethost_ping(struct nethost *h, uint32_t dst, uint16_t seq, size_t len,
		      uint64_t timeout_ms);
/* nethost_close: the close frame (the driver stops the device and ends). */
void nethost_close(struct nethost *h);
/* nethost_ip_str: dotted quad into b (16 bytes). */
void nethost_ip_str(char *b, uint32_t ip);

#endif
