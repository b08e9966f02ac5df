/* net: the interface, the Ethernet layer of net_input, net_tick, and the out array. */
#include "lib/net/net.h"

#include "lib/net/internal.h"
#include "lib/str.h"

static const uint8_t eth_bcast[NET_ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void net_if_init(struct net_if *nif, const uint8_t mac[NET_ETH_ALEN])
{
	memset(nif, 0, sizeof(*nif));
	memcpy(nif->mac, mac, NET_ETH_ALEN);
}

enum net_status net_if_set_addr(struct net_if *nif, uint32_t ip, uint32_t mask, uint32_t gw)
{
	if (!net_ip_config_ok(ip, mask))
		return NET_E_INVAL;
	if (gw != 0 && (!net_ip_config_ok(gw, mask) || ((gw ^ ip) & mask) != 0 || gw == ip))
		return NET_E_INVAL;
	nif->dhcp.state = NET_DHCP_OFF;
	nif->ip = ip;
	nif->mask = mask;
	nif->gw = gw;
	return NET_OK;
}

struct net_frame *net_out_slot(struct net_if *nif, struct net_out *out)
{
	if (out->n >= NET_OUT_MAX) {
		nif->tx.full++;
		return NULL;
	}
	return &out->frame[out->n];
}

void net_out_commit(struct net_if *nif, struct net_out *out, struct net_frame *f, size_t len)
{
	if (len < NET_ETH_MIN_FRAME) {
		memset(f->data + len, 0, NET_ETH_MIN_FRAME - len);
		len = NET_ETH_MIN_FRAME;
	}
	f->len = (uint16_t)len;
	out->n++;
	nif->tx.frames++;
}

enum net_rx net_input(struct net_if *nif, const uint8_t *frame, size_t len, struct net_out *out,
		      uint64_t now_ms)
{
	struct net_eth_hdr eth;
	enum net_rx r;
	bool bcast;

	if (len < NET_ETH_HLEN) {
		r = NET_RX_ETH_BAD;
		goto count;
	}
	memcpy(&eth, frame, sizeof(eth));
	/* A group address is never a valid source (IEEE 802.3 §3.2.3); our own is a loop. */
	if ((eth.src[0] & NET_ETH_GROUP_BIT) != 0 || memcmp(eth.src, nif->mac, NET_ETH_ALEN) == 0) {
		r = NET_RX_ETH_BAD;
		goto count;
	}
	bcast = memcmp(eth.dst, eth_bcast, NET_ETH_ALEN) == 0;
	if (!bcast && memcmp(eth.dst, nif->mac, NET_ETH_ALEN) != 0) {
		r = NET_RX_NOT_MINE;
		goto count;
	}
	switch (net_ntohs(eth.type)) {
	case NET_ETH_P_ARP:
		r = net_arp_input(nif, frame + NET_ETH_HLEN, len - NET_ETH_HLEN, out, now_ms);
		break;
	case NET_ETH_P_IPV4:
		r = net_ip_input(nif, eth.src, bcast, frame + NET_ETH_HLEN, len - NET_ETH_HLEN, out,
				 now_ms);
		break;
	default:
		r = NET_RX_ETHERTYPE;
		break;
	}
count:
	nif->rx[r]++;
	return r;
}

void net_tick(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	net_dhcp_tick(nif, now_ms, out);
	net_arp_tick(nif, now_ms, out);
}
