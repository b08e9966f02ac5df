/* dhcp: the client (RFC 2131 §3.1 "Client-server interaction - allocating a network
 * address", §4.4 "DHCP client behavior"): INIT/SELECTING, REQUESTING, BOUND, RENEWING,
 * REBINDING. INIT-REBOOT (asking again for an old address) is not done: every start is
 * a DISCOVER. The offered address is not ARP-probed first (§4.4.1 SHOULD). */
#include "lib/net/dhcp_opt.h"
#include "lib/net/internal.h"
#include "lib/str.h"

#define REQ_TRIES     4	     /* REQUESTs sent before going back to DISCOVER */
#define BACKOFF_MS    4000u  /* first retransmission, doubling ... */
#define BACKOFF_MAX   4u     /* ... four times, to 64 s (RFC 2131 §4.1) */
#define JITTER_MS     1000u  /* +-1 s (RFC 2131 §4.1) */
#define RENEW_MIN_MS  60000u /* RFC 2131 §4.4.5: at least 60 s between renewals */
#define LEASE_FOREVER 0xffffffffu
#define CLIENT_ID_LEN (1 + NET_ETH_ALEN) /* RFC 2132 §9.14: hardware type, address */

static const uint8_t param_list[] = {
    NET_DHCP_OPT_SUBNET_MASK, NET_DHCP_OPT_ROUTER, NET_DHCP_OPT_DNS,
    NET_DHCP_OPT_LEASE_TIME,  NET_DHCP_OPT_T1,	   NET_DHCP_OPT_T2,
};

static uint32_t rng_next(struct net_dhcp *d)
{
	uint32_t x = d->rng; /* xorshift32; never 0 */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	d->rng = x;
	return x;
}

/* RFC 2131 §4.1: 4 s, doubling to 64 s, each randomised by +-1 s. */
static uint64_t backoff_ms(struct net_dhcp *d)
{
	uint32_t shift = d->tries > BACKOFF_MAX ? BACKOFF_MAX : d->tries - 1;
	return ((uint64_t)BACKOFF_MS << shift) - JITTER_MS + rng_next(d) % (2 * JITTER_MS + 1);
}

static uint8_t *put_opt(uint8_t *p, uint8_t code, const void *v, uint8_t n)
{
	p[0] = code;
	p[1] = n;
	memcpy(p + 2, v, n);
	return p + 2 + n;
}

static uint8_t *put_opt32(uint8_t *p, uint8_t code, uint32_t v)
{
	uint8_t b[4];
	net_put32(b, v);
	return put_opt(p, code, b, 4);
}

/* Builds and sends one DISCOVER or REQUEST for the current state (RFC 2131 §4.4.1
 * Table 5): ciaddr and the IP source are our address only while renewing or
 * rebinding; options 50 and 54 only in a REQUEST answering an offer; the REQUEST goes
 * by unicast to the server only while renewing. */
static enum net_status dhcp_send(struct net_if *nif, uint8_t type, uint64_t now_ms,
				 struct net_out *out)
{
	struct net_dhcp *d = &nif->dhcp;
	bool renew = d->state == NET_DHCP_RENEWING || d->state == NET_DHCP_REBINDING;
	uint32_t src = renew ? nif->ip : 0;
	uint32_t dst = d->state == NET_DHCP_RENEWING ? d->server : NET_IP_BROADCAST;
	uint64_t secs = (now_ms - d->start_ms) / 1000;
	struct net_frame *f = net_out_slot(nif, out);
	struct net_dhcp_hdr h;
	uint8_t cid[CLIENT_ID_LEN];
	uint8_t *m, *p;
	size_t len;

	d->tries++;
	if (f == NULL)
		return NET_E_FULL;
	m = f->data + NET_UDP_DATA_OFF;
	memset(&h, 0, sizeof(h));
	h.op = NET_DHCP_OP_REQUEST;
	h.htype = NET_DHCP_HTYPE_ETHER;
	h.hlen = NET_ETH_ALEN;
	h.xid = net_htonl(d->xid);
	h.secs = net_htons(secs > 0xffff ? 0xffff : (uint16_t)secs);
	h.ciaddr = net_htonl(src);
	memcpy(h.chaddr, nif->mac, NET_ETH_ALEN);
	memcpy(m, &h, sizeof(h));
	net_put32(m + NET_DHCP_FIXED_LEN, NET_DHCP_COOKIE);

	p = put_opt(m + NET_DHCP_OPT_OFF, NET_DHCP_OPT_MSG_TYPE, &type, 1);
	cid[0] = NET_DHCP_HTYPE_ETHER;
	memcpy(cid + 1, nif->mac, NET_ETH_ALEN);
	p = put_opt(p, NET_DHCP_OPT_CLIENT_ID, cid, sizeof(cid));
	if (type == NET_DHCP_MSG_REQUEST && !renew) {
		p = put_opt32(p, NET_DHCP_OPT_REQUESTED_IP, d->offer);
		p = put_opt32(p, NET_DHCP_OPT_SERVER_ID, d->server);
	}
	p = put_opt(p, NET_DHCP_OPT_PARAM_LIST, param_list, sizeof(param_list));
	*p++ = NET_DHCP_OPT_END;
	len = (size_t)(p - m);
	/* RFC 951's 64-byte vendor area makes 300 bytes the smallest BOOTP message; some
	 * servers and relays drop shorter ones (RFC 1542 §2.1). */
	if (len < NET_DHCP_MIN_LEN) {
		memset(p, 0, NET_DHCP_MIN_LEN - len);
		len = NET_DHCP_MIN_LEN;
	}
	len = net_udp_frame(nif, f->data, src, dst, NET_UDP_PORT_DHCPC, NET_UDP_PORT_DHCPS, len);
	return net_ip_send(nif, out, f, len, dst, now_ms);
}

/* Back to INIT: drop the address, new transaction, DISCOVER (RFC 2131 §3.1 step 5 on a
 * NAK, §4.4.5 when the lease ends). */
static enum net_status discover(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	struct net_dhcp *d = &nif->dhcp;
	enum net_status st;

	/* A packet waiting for ARP carries the address being given up. */
	if (nif->ip != 0 && nif->held.used) {
		nif->held.used = false;
		nif->tx.arp_drop++;
	}
	nif->ip = nif->mask = nif->gw = 0;
	d->dns = 0;
	d->state = NET_DHCP_SELECTING;
	d->start_ms = now_ms;
	d->tries = 0;
	st = dhcp_send(nif, NET_DHCP_MSG_DISCOVER, now_ms, out);
	d->next_ms = now_ms + backoff_ms(d);
	return st;
}

static void restart(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	nif->dhcp.restarts++;
	nif->dhcp.xid = rng_next(&nif->dhcp);
	discover(nif, now_ms, out);
}

enum net_status net_dhcp_start(struct net_if *nif, uint32_t xid, uint64_t now_ms,
			       struct net_out *out)
{
	struct net_dhcp *d = &nif->dhcp;

	memset(d, 0, sizeof(*d));
	d->xid = xid;
	d->rng = xid ^ net_get32(nif->mac + 2);
	if (d->rng == 0)
		d->rng = 1;
	return discover(nif, now_ms, out);
}

static void request(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	dhcp_send(nif, NET_DHCP_MSG_REQUEST, now_ms, out);
	nif->dhcp.next_ms = now_ms + backoff_ms(&nif->dhcp);
}

/* While renewing or rebinding, retransmit after half the time left to T2 or the end of
 * the lease, but not sooner than 60 s (RFC 2131 §4.4.5). */
static void renew(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	struct net_dhcp *d = &nif->dhcp;
	uint64_t until = d->state == NET_DHCP_RENEWING ? d->t2_ms : d->end_ms;
	uint64_t wait = (until - now_ms) / 2;

	dhcp_send(nif, NET_DHCP_MSG_REQUEST, now_ms, out);
	d->next_ms = now_ms + (wait < RENEW_MIN_MS ? RENEW_MIN_MS : wait);
}

/* The mask of the address's class (RFC 791 §3.2), when the server sends none. */
static uint32_t natural_mask(uint32_t ip)
{
	if (ip < NET_IP4(128, 0, 0, 0))
		return 0xff000000u;
	if (ip < NET_IP4(192, 0, 0, 0))
		return 0xffff0000u;
	return 0xffffff00u;
}

/* The ACK's configuration, checked, then taken: the lease counts from the first
 * REQUEST of the exchange (RFC 2131 §4.4.1); T1 and T2 default to 1/2 and 7/8 of it
 * (§4.4.5). Returns false, changing nothing, for an unusable address or mask. */
static bool dhcp_bind(struct net_if *nif, uint32_t addr, const struct net_dhcp_opts *o)
{
	struct net_dhcp *d = &nif->dhcp;
	uint32_t mask = o->has_mask ? o->mask : natural_mask(addr);
	uint32_t gw = o->has_router ? o->router : 0;
	uint64_t lease = o->lease;
	uint64_t t1 = o->has_t1 ? o->t1 : lease / 2;
	uint64_t t2 = o->has_t2 ? o->t2 : lease * 7 / 8;

	if (!net_ip_config_ok(addr, mask))
		return false;
	if (gw != 0 && (!net_ip_config_ok(gw, mask) || ((gw ^ addr) & mask) != 0 || gw == addr))
		gw = 0; /* a router off our subnet cannot be reached */
	if (t1 > t2 || t2 > lease) {
		t1 = lease / 2;
		t2 = lease * 7 / 8;
	}
	nif->ip = addr;
	nif->mask = mask;
	nif->gw = gw;
	d->dns = o->has_dns ? o->dns : 0;
	d->lease_s = o->lease;
	if (o->lease == LEASE_FOREVER) {
		d->t1_ms = d->t2_ms = d->end_ms = UINT64_MAX;
	} else {
		d->t1_ms = d->sent_ms + t1 * 1000;
		d->t2_ms = d->sent_ms + t2 * 1000;
		d->end_ms = d->sent_ms + lease * 1000;
	}
	d->state = NET_DHCP_BOUND;
	return true;
}

enum net_rx net_dhcp_input(struct net_if *nif, const uint8_t *msg, size_t len, struct net_out *out,
			   uint64_t now_ms)
{
	struct net_dhcp *d = &nif->dhcp;
	struct net_dhcp_opts o;
	struct net_dhcp_hdr h;
	uint32_t yiaddr;

	if (len < NET_DHCP_OPT_OFF)
		return NET_RX_DHCP_BAD;
	memcpy(&h, msg, sizeof(h));
	if (h.op != NET_DHCP_OP_REPLY || h.htype != NET_DHCP_HTYPE_ETHER ||
	    h.hlen != NET_ETH_ALEN || net_get32(msg + NET_DHCP_FIXED_LEN) != NET_DHCP_COOKIE)
		return NET_RX_DHCP_BAD;
	if (net_dhcp_opts_parse(msg + NET_DHCP_OPT_OFF, len - NET_DHCP_OPT_OFF, &o) !=
		NET_DHCP_OPT_OK ||
	    o.msg_type == 0)
		return NET_RX_DHCP_BAD;
	if (net_ntohl(h.xid) != d->xid || memcmp(h.chaddr, nif->mac, NET_ETH_ALEN) != 0)
		return NET_RX_DHCP_IGNORED;
	yiaddr = net_ntohl(h.yiaddr);

	if (o.msg_type == NET_DHCP_MSG_OFFER) {
		if (d->state != NET_DHCP_SELECTING)
			return NET_RX_DHCP_IGNORED;
		/* RFC 2131 §4.3.1 Table 3: an offer MUST carry the server identifier. The
		 * first acceptable offer is taken (§4.4.1 lets the client choose). */
		if (!o.has_server || !net_ip_unicast_ok(o.server) || !net_ip_unicast_ok(yiaddr))
			return NET_RX_DHCP_BAD;
		d->offer = yiaddr;
		d->server = o.server;
		d->state = NET_DHCP_REQUESTING;
		d->tries = 0;
		d->sent_ms = now_ms;
		request(nif, now_ms, out);
		return NET_RX_DHCP;
	}
	if ((o.msg_type != NET_DHCP_MSG_ACK && o.msg_type != NET_DHCP_MSG_NAK) ||
	    (d->state != NET_DHCP_REQUESTING && d->state != NET_DHCP_RENEWING &&
	     d->state != NET_DHCP_REBINDING))
		return NET_RX_DHCP_IGNORED;
	/* The answer comes from the server we asked; while rebinding, any server may. */
	if (d->state != NET_DHCP_REBINDING && o.has_server && o.server != d->server)
		return NET_RX_DHCP_IGNORED;
	if (o.msg_type == NET_DHCP_MSG_NAK) {
		restart(nif, now_ms, out);
		return NET_RX_DHCP;
	}
	/* RFC 2131 §4.3.1 Table 3: an ACK to a REQUEST MUST carry the lease time. */
	if (yiaddr != (d->state == NET_DHCP_REQUESTING ? d->offer : nif->ip) || !o.has_lease)
		return NET_RX_DHCP_BAD;
	if (!dhcp_bind(nif, yiaddr, &o))
		return NET_RX_DHCP_BAD;
	if (o.has_server)
		d->server = o.server;
	return NET_RX_DHCP;
}

void net_dhcp_tick(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	struct net_dhcp *d = &nif->dhcp;

	switch (d->state) {
	case NET_DHCP_OFF:
		return;
	case NET_DHCP_SELECTING:
		if (now_ms >= d->next_ms) {
			dhcp_send(nif, NET_DHCP_MSG_DISCOVER, now_ms, out);
			d->next_ms = now_ms + backoff_ms(d);
		}
		return;
	case NET_DHCP_REQUESTING:
		/* RFC 2131 §4.4.1: no ACK or NAK after the retransmissions: back to INIT. */
		if (now_ms >= d->next_ms) {
			if (d->tries >= REQ_TRIES)
				restart(nif, now_ms, out);
			else
				request(nif, now_ms, out);
		}
		return;
	case NET_DHCP_BOUND:
	case NET_DHCP_RENEWING:
	case NET_DHCP_REBINDING:
		break;
	}
	/* RFC 2131 §4.4.5: at T1 renew with the server, at T2 rebind with any, at the end
	 * of the lease stop using the address and start again. */
	if (now_ms >= d->end_ms) {
		restart(nif, now_ms, out);
	} else if (d->state == NET_DHCP_BOUND && now_ms >= d->t1_ms) {
		d->state = NET_DHCP_RENEWING;
		d->xid = rng_next(d);
		d->start_ms = d->sent_ms = now_ms;
		d->tries = 0;
		renew(nif, now_ms, out);
	} else if (d->state == NET_DHCP_RENEWING && now_ms >= d->t2_ms) {
		d->state = NET_DHCP_REBINDING;
		d->tries = 0;
		renew(nif, now_ms, out);
	} else if (d->state != NET_DHCP_BOUND && now_ms >= d->next_ms) {
		renew(nif, now_ms, out);
	}
}
