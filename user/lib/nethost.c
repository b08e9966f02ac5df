/* nethost: lib/net over the Nic protocol. */
#include "nethost.h"
#include "capos.h"
#include "capshm.h"
#include "lib/fmt.h"
#include "lib/str.h"

uint64_t nethost_now_ms(struct nethost *h)
{
	uint64_t ns = 0;
	timer_now(h->r, h->timer, &ns);
	return ns / 1000000;
}

static uint64_t now_us(struct nethost *h)
{
	uint64_t ns = 0;
	timer_now(h->r, h->timer, &ns);
	return ns / 1000;
}

void nethost_ip_str(char *b, uint32_t ip)
{
	fmt_snprintf(b, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int nethost_connect(struct nethost *h, struct capos_ring *r, struct capos_handle nic,
		    struct capos_handle mem, struct capos_handle timer)
{
	h->r = r;
	h->nic = nic;
	h->timer = timer;
	int err = nethost_reconnect(h, mem);
	if (err == 0) {
		net_if_init(&h->nif, h->info.mac);
		net_out_clear(&h->out);
	}
	return err;
}

int nethost_reconnect(struct nethost *h, struct capos_handle mem)
{
	struct capos_ring *r = h->r;
	struct capos_handle nic = h->nic;
	struct capos_handle shm, map, caps[2];
	struct pktq_layout lay;
	struct capos_cqe c;
	volatile uint8_t *base;
	uint64_t bytes, none = 0, ok = 0;
	if (capos_call(r, nic, NIC_INFO, &none, sizeof(none), &h->info, sizeof(h->info)) !=
	    CAPOS_OK)
		return 1;
	if (pktq_layout(NETHOST_SLOTS, ~0ull, &lay) != PKTQ_OK ||
	    mem_create_shared(r, mem, lay.size, &shm) != CAPOS_OK ||
	    mem_create_event(r, mem, &h->cli_ev) != CAPOS_OK ||
	    shm_map(r, shm, &map, &base, &bytes) != CAPOS_OK ||
	    pktq_init((void *)base, bytes, NETHOST_SLOTS) != PKTQ_OK ||
	    pktq_attach((void *)base, bytes, false, &h->q) != PKTQ_OK)
		return 2;
	caps[0] = shm;
	caps[1] = h->cli_ev;
	if (capos_call_caps(r, nic, NIC_CONNECT, &none, sizeof(none), &ok, sizeof(ok), caps, 2,
			    false, &c) != CAPOS_OK ||
	    ok != 1 || c.xfer_count != 1)
		return 3;
	h->drv_ev = capos_handle_of(c.aux);
	h->ntx_free = 0;
	for (uint32_t s = 0; s < NETHOST_TXSLOTS; s++)
		h->tx_free[h->ntx_free++] = s;
	for (uint32_t s = NETHOST_TXSLOTS; s < NETHOST_SLOTS; s++)
		pktq_rx_give(&h->q, s);
	event_signal(r, h->drv_ev);
	return 0;
}

void nethost_flush(struct nethost *h)
{
	uint32_t slot;
	bool any = false;
	while (pktq_tx_reap(&h->q, &slot) == 1)
		h->tx_free[h->ntx_free++] = slot;
	for (uint32_t i = 0; i < h->out.n && h->ntx_free != 0; i++) {
		slot = h->tx_free[--h->ntx_free];
		memcpy(pktq_slot(&h->q, slot), h->out.frame[i].data, h->out.frame[i].len);
		if (pktq_tx_put(&h->q, slot, h->out.frame[i].len))
			any = true;
		else
			h->tx_free[h->ntx_free++] = slot;
	}
	net_out_clear(&h->out);
	if (any)
		event_signal(h->r, h->drv_ev);
}

/* Every received frame through lib/net, its slot back to the driver. */
static void receive(struct nethost *h)
{
	uint32_t slot, len;
	unsigned n = 0;
	uint64_t now = 0;
	while (pktq_rx_get(&h->q, &slot, &len) == 1) {
		if (n == 0)
			now = nethost_now_ms(h); /* one Timer call a batch, not a frame */
		net_input(&h->nif, pktq_slot(&h->q, slot), len, &h->out, now);
		pktq_rx_give(&h->q, slot);
		n++;
		if (h->out.n == NET_OUT_MAX)
			nethost_flush(h);
	}
	if (n != 0)
		event_signal(h->r, h->drv_ev); /* free slots again */
}

void nethost_step(struct nethost *h, uint64_t wait_ns)
{
	uint64_t k;
	receive(h);
	net_tick(&h->nif, nethost_now_ms(h), &h->out);
	nethost_flush(h);
	event_wait_for(h->r, h->cli_ev, wait_ns, &k);
}

bool nethost_dhcp(struct nethost *h, uint64_t timeout_ms)
{
	uint64_t t0 = nethost_now_ms(h);
	net_dhcp_start(&h->nif, (uint32_t)(t0 * 2654435761u) | 1, t0, &h->out);
	while (h->nif.dhcp.state != NET_DHCP_BOUND && nethost_now_ms(h) - t0 < timeout_ms)
		nethost_step(h, 50000000ull);
	return h->nif.dhcp.state == NET_DHCP_BOUND;
}

uint64_t nethost_ping(struct nethost *h, uint32_t dst, uint16_t seq, size_t len,
		      uint64_t timeout_ms)
{
	uint16_t rseq;
	uint64_t rtt_ms, t0 = nethost_now_ms(h), start = now_us(h);
	net_ping(&h->nif, dst, 0x4350, seq, len, t0, &h->out);
	nethost_flush(h);
	while (nethost_now_ms(h) - t0 < timeout_ms) {
		receive(h);
		if (net_ping_reply(&h->nif, &rseq, &rtt_ms) && rseq == seq)
			return now_us(h) - start + 1; /* never 0 for a reply */
		nethost_flush(h);
		uint64_t k;
		event_wait_for(h->r, h->cli_ev, 10000000ull, &k);
	}
	return 0;
}

void nethost_close_frame(struct nethost *h, uint8_t b)
{
	uint32_t slot;
	while (pktq_tx_reap(&h->q, &slot) == 1)
		h->tx_free[h->ntx_free++] = slot;
	if (h->ntx_free == 0)
		return;
	slot = h->tx_free[--h->ntx_free];
	uint8_t *f = pktq_slot(&h->q, slot);
	memset(f, 0, 60);
	memcpy(f, h->info.mac, 6);
	memcpy(f + 6, h->info.mac, 6);
	f[12] = (uint8_t)(NIC_CLOSE_TYPE >> 8);
	f[13] = (uint8_t)NIC_CLOSE_TYPE;
	f[14] = b;
	pktq_tx_put(&h->q, slot, 60);
	event_signal(h->r, h->drv_ev);
}

void nethost_close(struct nethost *h)
{
	nethost_close_frame(h, 0);
}
