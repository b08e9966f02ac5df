/* udp: datagrams (RFC 768), the echo service on port 7 (RFC 862), and the hand-off of
 * DHCP replies to the client. */
#include "lib/net/csum.h"
#include "lib/net/internal.h"
#include "lib/str.h"

size_t net_udp_frame(struct net_if *nif, uint8_t *f, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport, size_t len)
{
	struct net_udp_hdr u;
	uint16_t sum;

	u.sport = net_htons(sport);
	u.dport = net_htons(dport);
	u.len = net_htons((uint16_t)(NET_UDP_HLEN + len));
	u.csum = 0;
	memcpy(f + NET_L4_OFF, &u, sizeof(u));
	sum = net_csum_udp(src, dst, f + NET_L4_OFF, NET_UDP_HLEN + len);
	/* RFC 768: a computed 0 is sent as all ones; 0 means "no checksum". */
	u.csum = net_htons(sum == 0 ? 0xffff : sum);
	memcpy(f + NET_L4_OFF, &u, sizeof(u));
	return net_ip_frame(nif, f, src, dst, NET_IP_PROTO_UDP, NET_UDP_HLEN + len);
}

/* RFC 862: send back the data to the sender's address and port. Not to a datagram from
 * port 0 (cannot be answered) or from another echo port: two echo services would bounce
 * one datagram between them for ever. */
static enum net_rx echo(struct net_if *nif, const struct net_ip_rx *ip, uint16_t sport,
			const uint8_t *data, size_t len, struct net_out *out)
{
	struct net_frame *f;
	size_t flen;

	if (ip->bcast)
		return NET_RX_UDP_PORT;
	if (sport == 0 || sport == NET_UDP_PORT_ECHO || NET_UDP_DATA_OFF + len > NET_ETH_MAX_FRAME)
		return NET_RX_UDP_BAD;
	f = net_out_slot(nif, out);
	if (f == NULL)
		return NET_RX_NO_ROOM;
	memcpy(f->data + NET_UDP_DATA_OFF, data, len);
	flen = net_udp_frame(nif, f->data, nif->ip, ip->src, NET_UDP_PORT_ECHO, sport, len);
	memcpy(f->data, ip->eth_src, NET_ETH_ALEN);
	net_out_commit(nif, out, f, flen);
	return NET_RX_UDP_ECHO;
}

enum net_rx net_udp_input(struct net_if *nif, const struct net_ip_rx *ip, struct net_out *out,
			  uint64_t now_ms)
{
	struct net_udp_hdr u;
	uint16_t sport, dport;
	size_t ulen;

	if (ip->l4len < NET_UDP_HLEN)
		return NET_RX_UDP_BAD;
	memcpy(&u, ip->l4, sizeof(u));
	ulen = net_ntohs(u.len);
	/* RFC 768: the length counts header and data; octets past it are not the datagram's. */
	if (ulen < NET_UDP_HLEN || ulen > ip->l4len)
		return NET_RX_UDP_BAD;
	if (u.csum != 0 && net_csum_udp(ip->src, ip->dst, ip->l4, ulen) != 0)
		return NET_RX_UDP_CSUM;
	sport = net_ntohs(u.sport);
	dport = net_ntohs(u.dport);
	if (dport == NET_UDP_PORT_DHCPC && sport == NET_UDP_PORT_DHCPS)
		return net_dhcp_input(nif, ip->l4 + NET_UDP_HLEN, ulen - NET_UDP_HLEN, out, now_ms);
	if (!ip->to_us && !ip->bcast)
		return NET_RX_IP_ADDR; /* admitted before we had an address, for DHCP only */
	if (dport == NET_UDP_PORT_ECHO)
		return echo(nif, ip, sport, ip->l4 + NET_UDP_HLEN, ulen - NET_UDP_HLEN, out);
	return NET_RX_UDP_PORT;
}

enum net_status net_udp_send(struct net_if *nif, uint32_t dst, uint16_t sport, uint16_t dport,
			     const void *data, size_t len, uint64_t now_ms, struct net_out *out)
{
	struct net_frame *f;
	size_t flen;

	if (nif->ip == 0)
		return NET_E_NOADDR;
	if (len > NET_UDP_MAX_DATA || sport == 0 || dport == 0 || dst == nif->ip ||
	    (dst != NET_IP_BROADCAST && !net_ip_unicast_ok(dst)))
		return NET_E_INVAL;
	f = net_out_slot(nif, out);
	if (f == NULL)
		return NET_E_FULL;
	if (len != 0)
		memcpy(f->data + NET_UDP_DATA_OFF, data, len);
	flen = net_udp_frame(nif, f->data, nif->ip, dst, sport, dport, len);
	return net_ip_send(nif, out, f, flen, dst, now_ms);
}
