/* icmp: echo request and reply (RFC 792), both ways. */
#include "lib/net/csum.h"
#include "lib/net/internal.h"
#include "lib/str.h"

/* Answers an echo request: the reply carries the request's identifier, sequence number
 * and all of its data (RFC 1122 §3.2.2.6), back to the MAC it came from. */
static enum net_rx echo(struct net_if *nif, const struct net_ip_rx *ip, struct net_out *out)
{
	struct net_icmp_echo e;
	struct net_frame *f;
	size_t flen;

	if (NET_L4_OFF + ip->l4len > NET_ETH_MAX_FRAME)
		return NET_RX_ICMP_BAD; /* came with IP options, or in a jumbo frame */
	f = net_out_slot(nif, out);
	if (f == NULL)
		return NET_RX_NO_ROOM;
	memcpy(f->data + NET_L4_OFF, ip->l4, ip->l4len);
	memcpy(&e, ip->l4, sizeof(e));
	e.type = NET_ICMP_ECHO_REPLY;
	e.code = 0;
	e.csum = 0;
	memcpy(f->data + NET_L4_OFF, &e, sizeof(e));
	e.csum = net_htons(net_csum(f->data + NET_L4_OFF, ip->l4len));
	memcpy(f->data + NET_L4_OFF, &e, sizeof(e));
	flen = net_ip_frame(nif, f->data, nif->ip, ip->src, NET_IP_PROTO_ICMP, ip->l4len);
	memcpy(f->data, ip->eth_src, NET_ETH_ALEN);
	net_out_commit(nif, out, f, flen);
	return NET_RX_ECHO_REQUEST;
}

enum net_rx net_icmp_input(struct net_if *nif, const struct net_ip_rx *ip, struct net_out *out,
			   uint64_t now_ms)
{
	struct net_ping *p = &nif->ping;
	struct net_icmp_echo e;

	if (ip->l4len < NET_ICMP_HLEN)
		return NET_RX_ICMP_BAD;
	if (net_csum(ip->l4, ip->l4len) != 0)
		return NET_RX_ICMP_CSUM;
	memcpy(&e, ip->l4, sizeof(e));
	/* Broadcast echoes are not answered (RFC 1122 §3.2.2.6 allows it): no amplifier. */
	if (!ip->to_us || e.code != 0)
		return NET_RX_ICMP_OTHER;
	if (e.type == NET_ICMP_ECHO_REQUEST)
		return echo(nif, ip, out);
	if (e.type == NET_ICMP_ECHO_REPLY && p->waiting && ip->src == p->dst &&
	    net_ntohs(e.id) == p->id && net_ntohs(e.seq) == p->seq) {
		p->waiting = false;
		p->replied = true;
		p->rtt_ms = now_ms - p->sent_ms;
		return NET_RX_ECHO_REPLY;
	}
	return NET_RX_ICMP_OTHER;
}

enum net_status net_ping(struct net_if *nif, uint32_t dst, uint16_t id, uint16_t seq, size_t len,
			 uint64_t now_ms, struct net_out *out)
{
	struct net_ping *p = &nif->ping;
	struct net_icmp_echo e;
	struct net_frame *f;
	enum net_status st;
	size_t flen;

	if (nif->ip == 0)
		return NET_E_NOADDR;
	if (len > NET_PING_MAX_DATA || !net_ip_unicast_ok(dst) || net_ip_is_bcast(nif, dst) ||
	    dst == nif->ip)
		return NET_E_INVAL;
	f = net_out_slot(nif, out);
	if (f == NULL)
		return NET_E_FULL;
	e.type = NET_ICMP_ECHO_REQUEST;
	e.code = 0;
	e.csum = 0;
	e.id = net_htons(id);
	e.seq = net_htons(seq);
	memcpy(f->data + NET_L4_OFF, &e, sizeof(e));
	for (size_t i = 0; i < len; i++)
		f->data[NET_L4_OFF + NET_ICMP_HLEN + i] = (uint8_t)i;
	e.csum = net_htons(net_csum(f->data + NET_L4_OFF, NET_ICMP_HLEN + len));
	memcpy(f->data + NET_L4_OFF, &e, sizeof(e));
	flen = net_ip_frame(nif, f->data, nif->ip, dst, NET_IP_PROTO_ICMP, NET_ICMP_HLEN + len);
	st = net_ip_send(nif, out, f, flen, dst, now_ms);
	if (st < 0)
		return st;
	p->waiting = true;
	p->replied = false;
	p->dst = dst;
	p->id = id;
	p->seq = seq;
	p->sent_ms = now_ms;
	return st;
}

bool net_ping_reply(struct net_if *nif, uint16_t *seq, uint64_t *rtt_ms)
{
	struct net_ping *p = &nif->ping;

	if (!p->replied)
		return false;
	p->replied = false;
	*seq = p->seq;
	*rtt_ms = p->rtt_ms;
	return true;
}
