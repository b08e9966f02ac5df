/* arp: address resolution for IPv4 over Ethernet (RFC 826), a cache of NET_ARP_SLOTS
 * entries that expire after NET_ARP_TTL_MS, and the one held packet (net_ip_send). */
#include "lib/net/internal.h"
#include "lib/str.h"

static bool fresh(const struct net_arp_entry *e, uint64_t now_ms)
{
	/* A clock that went backwards makes now - stamp huge: the entry counts as stale. */
	return e->ip != 0 && now_ms - e->stamp_ms < NET_ARP_TTL_MS;
}

static struct net_arp_entry *find(struct net_if *nif, uint32_t ip)
{
	for (unsigned i = 0; i < NET_ARP_SLOTS; i++)
		if (nif->arp[i].ip == ip)
			return &nif->arp[i];
	return NULL;
}

bool net_arp_lookup(const struct net_if *nif, uint32_t ip, uint64_t now_ms,
		    uint8_t mac[NET_ETH_ALEN])
{
	for (unsigned i = 0; i < NET_ARP_SLOTS; i++) {
		const struct net_arp_entry *e = &nif->arp[i];
		if (ip != 0 && e->ip == ip && fresh(e, now_ms)) {
			memcpy(mac, e->mac, NET_ETH_ALEN);
			return true;
		}
	}
	return false;
}

/* A slot for a new entry: a free one, else a stale one, else the oldest. */
static struct net_arp_entry *victim(struct net_if *nif, uint64_t now_ms)
{
	struct net_arp_entry *old = &nif->arp[0];

	for (unsigned i = 0; i < NET_ARP_SLOTS; i++) {
		struct net_arp_entry *e = &nif->arp[i];
		if (!fresh(e, now_ms))
			return e;
		if (e->stamp_ms < old->stamp_ms)
			old = e;
	}
	return old;
}

void net_arp_request_frame(struct net_if *nif, uint8_t *f, uint32_t target)
{
	struct net_eth_hdr eth;
	struct net_arp_pkt a;

	memset(eth.dst, 0xff, NET_ETH_ALEN);
	memcpy(eth.src, nif->mac, NET_ETH_ALEN);
	eth.type = net_htons(NET_ETH_P_ARP);
	a.htype = net_htons(NET_ARP_HTYPE_ETHER);
	a.ptype = net_htons(NET_ETH_P_IPV4);
	a.hlen = NET_ETH_ALEN;
	a.plen = 4;
	a.op = net_htons(NET_ARP_OP_REQUEST);
	memcpy(a.sha, nif->mac, NET_ETH_ALEN);
	net_put32(a.spa, nif->ip);
	memset(a.tha, 0, NET_ETH_ALEN);
	net_put32(a.tpa, target);
	memcpy(f, &eth, sizeof(eth));
	memcpy(f + NET_ETH_HLEN, &a, sizeof(a));
}

/* Sends the held packet if its next hop is now known. */
static void release_held(struct net_if *nif, struct net_out *out, uint64_t now_ms)
{
	struct net_held *h = &nif->held;
	uint8_t mac[NET_ETH_ALEN];
	struct net_frame *f;

	if (!h->used || !net_arp_lookup(nif, h->next_hop, now_ms, mac))
		return;
	f = net_out_slot(nif, out);
	if (f == NULL)
		return; /* stays held; net_arp_tick tries again */
	memcpy(f->data, h->data, h->len);
	memcpy(f->data, mac, NET_ETH_ALEN);
	net_out_commit(nif, out, f, h->len);
	h->used = false;
}

static enum net_rx reply(struct net_if *nif, const struct net_arp_pkt *req, struct net_out *out)
{
	struct net_frame *f = net_out_slot(nif, out);
	struct net_eth_hdr eth;
	struct net_arp_pkt a = *req;

	if (f == NULL)
		return NET_RX_NO_ROOM;
	memcpy(eth.dst, req->sha, NET_ETH_ALEN);
	memcpy(eth.src, nif->mac, NET_ETH_ALEN);
	eth.type = net_htons(NET_ETH_P_ARP);
	/* RFC 826 "Packet Reception": swap sender and target, put in our hardware address. */
	a.op = net_htons(NET_ARP_OP_REPLY);
	memcpy(a.tha, req->sha, NET_ETH_ALEN);
	memcpy(a.tpa, req->spa, 4);
	memcpy(a.sha, nif->mac, NET_ETH_ALEN);
	net_put32(a.spa, nif->ip);
	memcpy(f->data, &eth, sizeof(eth));
	memcpy(f->data + NET_ETH_HLEN, &a, sizeof(a));
	net_out_commit(nif, out, f, NET_ETH_HLEN + NET_ARP_LEN);
	return NET_RX_ARP_REQUEST;
}

enum net_rx net_arp_input(struct net_if *nif, const uint8_t *p, size_t len, struct net_out *out,
			  uint64_t now_ms)
{
	struct net_arp_entry *e;
	struct net_arp_pkt a;
	uint32_t spa, tpa;
	uint16_t op;
	bool merged = false;

	if (len < NET_ARP_LEN)
		return NET_RX_ARP_BAD;
	memcpy(&a, p, sizeof(a));
	op = net_ntohs(a.op);
	spa = net_get32(a.spa);
	tpa = net_get32(a.tpa);
	if (net_ntohs(a.htype) != NET_ARP_HTYPE_ETHER || net_ntohs(a.ptype) != NET_ETH_P_IPV4 ||
	    a.hlen != NET_ETH_ALEN || a.plen != 4 ||
	    (op != NET_ARP_OP_REQUEST && op != NET_ARP_OP_REPLY))
		return NET_RX_ARP_BAD;
	/* A group or our own hardware address, or our own protocol address, as the sender
	 * is a loop or a conflict: learn nothing from it. A sender of 0.0.0.0 is a probe
	 * (RFC 5227 §2.1.1): answered, not learned. */
	if ((a.sha[0] & NET_ETH_GROUP_BIT) != 0 || memcmp(a.sha, nif->mac, NET_ETH_ALEN) == 0 ||
	    (spa != 0 && (!net_ip_unicast_ok(spa) || spa == nif->ip)))
		return NET_RX_ARP_BAD;

	/* RFC 826 "Packet Reception": update an existing entry for the sender whoever the
	 * target is; add one only when the packet is for us, so others' traffic cannot
	 * fill the cache. */
	if (spa != 0 && (e = find(nif, spa)) != NULL) {
		memcpy(e->mac, a.sha, NET_ETH_ALEN);
		e->stamp_ms = now_ms;
		merged = true;
	}
	if (nif->ip == 0 || tpa != nif->ip) {
		if (merged)
			release_held(nif, out, now_ms);
		return NET_RX_ARP_OTHER;
	}
	if (!merged && spa != 0) {
		e = victim(nif, now_ms);
		e->ip = spa;
		memcpy(e->mac, a.sha, NET_ETH_ALEN);
		e->stamp_ms = now_ms;
	}
	if (op == NET_ARP_OP_REQUEST) {
		enum net_rx r = reply(nif, &a, out);
		release_held(nif, out, now_ms);
		return r;
	}
	release_held(nif, out, now_ms);
	return NET_RX_ARP_REPLY;
}

void net_arp_tick(struct net_if *nif, uint64_t now_ms, struct net_out *out)
{
	struct net_held *h = &nif->held;
	struct net_frame *f;

	if (!h->used)
		return;
	release_held(nif, out, now_ms);
	if (!h->used || now_ms - h->sent_ms < NET_ARP_RETRY_MS)
		return;
	if (h->tries >= NET_ARP_TRIES) {
		h->used = false;
		nif->tx.arp_drop++;
		return;
	}
	f = net_out_slot(nif, out);
	if (f == NULL)
		return;
	net_arp_request_frame(nif, f->data, h->next_hop);
	net_out_commit(nif, out, f, NET_ETH_HLEN + NET_ARP_LEN);
	h->tries++;
	h->sent_ms = now_ms;
}
