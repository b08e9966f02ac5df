/* ip: IPv4 input checks, header building and routing to the next hop (RFC 791, RFC 1122
 * §3). */
#include "lib/net/csum.h"
#include "lib/net/internal.h"
#include "lib/str.h"

bool net_ip_unicast_ok(uint32_t ip)
{
	uint8_t a = (uint8_t)(ip >> 24);
	return a != 0 && a != 127 && a < 224;
}

bool net_ip_config_ok(uint32_t ip, uint32_t mask)
{
	/* Contiguous: the host part plus one is a power of two. */
	uint32_t host = ~mask;

	if (!net_ip_unicast_ok(ip) || mask == 0 || (host & (host + 1)) != 0)
		return false;
	/* Not the subnet's own or broadcast address (RFC 1122 §3.2.1.3), except in /31
	 * and /32 subnets, which have neither (RFC 3021). */
	return mask >= 0xfffffffeu || ((ip & host) != 0 && (ip & host) != host);
}

/* Our subnet's directed broadcast, or 0 when there is none (no address, or a /32 or /31
 * subnet, RFC 3021). */
static uint32_t subnet_bcast(const struct net_if *nif)
{
	if (nif->ip == 0 || nif->mask >= 0xfffffffeu)
		return 0;
	return nif->ip | ~nif->mask;
}

bool net_ip_is_bcast(const struct net_if *nif, uint32_t ip)
{
	return ip == NET_IP_BROADCAST || (ip != 0 && ip == subnet_bcast(nif));
}

enum net_rx net_ip_input(struct net_if *nif, const uint8_t *eth_src, bool eth_bcast,
			 const uint8_t *p, size_t len, struct net_out *out, uint64_t now_ms)
{
	struct net_ip_hdr h;
	struct net_ip_rx rx;
	size_t hlen, total;
	uint16_t frag;

	if (len < NET_IP_HLEN)
		return NET_RX_IP_BAD;
	memcpy(&h, p, sizeof(h));
	hlen = (size_t)NET_IP_IHL(h.ver_ihl) * 4;
	total = net_ntohs(h.total_len);
	/* RFC 791 §3.1: IHL counts 32-bit words, at least 5; options are accepted and
	 * skipped. Ethernet may pad a short datagram, so the frame may be longer than total
	 * length, never shorter. */
	if (NET_IP_VER(h.ver_ihl) != NET_IP_VERSION || hlen < NET_IP_HLEN || hlen > len ||
	    total < hlen || total > len)
		return NET_RX_IP_BAD;
	if (net_csum(p, hlen) != 0)
		return NET_RX_IP_CSUM;
	frag = net_ntohs(h.frag);
	if ((frag & (NET_IP_FLAG_MF | NET_IP_FRAG_OFFSET)) != 0)
		return NET_RX_IP_FRAG;

	rx.eth_src = eth_src;
	rx.src = net_ntohl(h.src);
	rx.dst = net_ntohl(h.dst);
	rx.to_us = nif->ip != 0 && rx.dst == nif->ip;
	rx.bcast = net_ip_is_bcast(nif, rx.dst);
	rx.l4 = p + hlen;
	rx.l4len = total - hlen;
	/* RFC 1122 §3.2.1.3: discard a datagram whose source is not a unicast address; ours
	 * as the source is a reflection. */
	if (!net_ip_unicast_ok(rx.src) || net_ip_is_bcast(nif, rx.src) ||
	    (nif->ip != 0 && rx.src == nif->ip))
		return NET_RX_IP_ADDR;
	/* RFC 1122 §3.3.6: a datagram that came as a link-layer broadcast must name an IP
	 * broadcast destination. Until we have an address, unicast to any address is taken
	 * for DHCP (RFC 2131 §4.1: a server may unicast to yiaddr); net_udp_input admits
	 * only the DHCP client port then. */
	if (!rx.bcast && !rx.to_us) {
		if (nif->ip != 0 || h.proto != NET_IP_PROTO_UDP)
			return NET_RX_IP_ADDR;
	} else if (eth_bcast && !rx.bcast) {
		return NET_RX_IP_ADDR;
	}
	switch (h.proto) {
	case NET_IP_PROTO_ICMP:
		return net_icmp_input(nif, &rx, out, now_ms);
	case NET_IP_PROTO_UDP:
		return net_udp_input(nif, &rx, out, now_ms);
	default:
		return NET_RX_IP_PROTO;
	}
}

size_t net_ip_frame(struct net_if *nif, uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto,
		    size_t l4len)
{
	struct net_eth_hdr eth;
	struct net_ip_hdr h;

	memset(eth.dst, 0, NET_ETH_ALEN);
	memcpy(eth.src, nif->mac, NET_ETH_ALEN);
	eth.type = net_htons(NET_ETH_P_IPV4);
	memcpy(f, &eth, sizeof(eth));

	h.ver_ihl = NET_IP_VER_IHL;
	h.tos = 0;
	h.total_len = net_htons((uint16_t)(NET_IP_HLEN + l4len));
	h.id = net_htons(nif->ip_id++);
	/* DF: we never fragment, and a path MTU below 1500 should say so (RFC 1191). */
	h.frag = net_htons(NET_IP_FLAG_DF);
	h.ttl = NET_IP_TTL;
	h.proto = proto;
	h.csum = 0;
	h.src = net_htonl(src);
	h.dst = net_htonl(dst);
	h.csum = net_htons(net_csum(&h, sizeof(h)));
	memcpy(f + NET_L3_OFF, &h, sizeof(h));
	return NET_L4_OFF + l4len;
}

enum net_status net_ip_send(struct net_if *nif, struct net_out *out, struct net_frame *f,
			    size_t len, uint32_t dst, uint64_t now_ms)
{
	struct net_held *held = &nif->held;
	uint32_t hop;

	if (net_ip_is_bcast(nif, dst)) {
		memset(f->data, 0xff, NET_ETH_ALEN);
		net_out_commit(nif, out, f, len);
		return NET_OK;
	}
	/* RFC 1122 §3.3.1.1: on the subnet, straight to dst; otherwise to the gateway. */
	if (nif->ip != 0 && ((dst ^ nif->ip) & nif->mask) == 0)
		hop = dst;
	else if (nif->gw != 0)
		hop = nif->gw;
	else {
		nif->tx.no_route++;
		return NET_E_NOROUTE;
	}
	if (net_arp_lookup(nif, hop, now_ms, f->data)) {
		net_out_commit(nif, out, f, len);
		return NET_OK;
	}
	/* RFC 1122 §2.3.2.2: keep (at least) the latest packet for an unresolved hop. */
	if (held->used)
		nif->tx.arp_drop++;
	held->used = true;
	held->tries = 1;
	held->next_hop = hop;
	held->sent_ms = now_ms;
	held->len = (uint16_t)len;
	memcpy(held->data, f->data, len);
	net_arp_request_frame(nif, f->data, hop);
	net_out_commit(nif, out, f, NET_ETH_HLEN + NET_ARP_LEN);
	return NET_PENDING;
}
