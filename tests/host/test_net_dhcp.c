/* test_net_dhcp: the DHCP client against a server scripted here, playing QEMU's slirp
 * (10.0.2.2 serving 10.0.2.15/24, DNS 10.0.2.3). Every message the client sends is
 * parsed and checked field by field (Ethernet, IP and UDP headers and checksums, the
 * BOOTP fixed part, each option, the 300-byte minimum). The exchange DISCOVER, OFFER,
 * REQUEST, ACK; a NAK and the restart; retransmission times (4, 8, 16, 32, 64, 64 s,
 * +-1 s) and the REQUEST give-up; renewal through ARP at T1, rebinding at T2, the end
 * of the lease; replies that must be ignored or refused. Hostile options and replies:
 * test_net_dhcp_opt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/net/net.h"
#include "net_ref.h"

#define XID 0xc0ffee01u

/* --- the client's messages, as the server sees them --- */

struct cmsg {
	const uint8_t *edst;
	uint32_t src, dst;
	uint32_t xid, ciaddr;
	uint16_t secs;
	int type;
	bool has_req_ip, has_server;
	uint32_t req_ip, server;
	uint8_t prl[64];
	size_t prl_len;
};

static void parse_client(const struct net_frame *f, struct cmsg *m)
{
	const uint8_t *ip = f->data + 14, *u = ip + 20, *b = u + 8;
	memset(m, 0, sizeof(*m));
	m->edst = f->data;
	assert_memory_equal(f->data + 6, MAC, 6);
	assert_int_equal(get16(f->data + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ref_csum(ip, 20), 0);
	assert_int_equal(ip[9], 17);
	m->src = get32(ip + 12);
	m->dst = get32(ip + 16);
	size_t total = get16(ip + 2);
	assert_int_equal(14 + total, f->len);
	assert_int_equal(get16(u), 68);
	assert_int_equal(get16(u + 2), 67);
	assert_int_equal(get16(u + 4), total - 20);
	assert_int_not_equal(get16(u + 6), 0);
	assert_int_equal(ref_udp_csum(m->src, m->dst, u, total - 20), 0);
	size_t blen = total - 28;
	assert_true(blen >= 300); /* RFC 951 minimum */
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 6);
	assert_int_equal(b[3], 0);
	m->xid = get32(b + 4);
	m->secs = get16(b + 8);
	assert_int_equal(get16(b + 10), 0); /* flags: we take unicast */
	m->ciaddr = get32(b + 12);
	assert_int_equal(get32(b + 16) | get32(b + 20) | get32(b + 24), 0);
	assert_memory_equal(b + 28, MAC, 6);
	for (size_t i = 34; i < 236; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(get32(b + 236), 0x63825363);
	bool end = false, has_cid = false;
	for (size_t i = 240; i < blen && !end;) {
		uint8_t code = b[i];
		if (code == 0) {
			i++;
			continue;
		}
		if (code == 255) {
			end = true;
			break;
		}
		assert_true(i + 2 <= blen && i + 2 + b[i + 1] <= blen);
		const uint8_t *v = b + i + 2;
		size_t n = b[i + 1];
		switch (code) {
		case 53:
			assert_int_equal(n, 1);
			assert_int_equal(m->type, 0);
			m->type = v[0];
			break;
		case 50:
			assert_int_equal(n, 4);
			assert_false(m->has_req_ip);
			m->has_req_ip = true;
			m->req_ip = get32(v);
			break;
		case 54:
			assert_int_equal(n, 4);
			assert_false(m->has_server);
			m->has_server = true;
			m->server = get32(v);
			break;
		case 55:
			assert_true(n > 0 && n <= sizeof(m->prl));
			memcpy(m->prl, v, n);
			m->prl_len = n;
			break;
		case 61: /* RFC 2132 §9.14: type 1 (Ethernet), then the MAC */
			assert_int_equal(n, 7);
			assert_int_equal(v[0], 1);
			assert_memory_equal(v + 1, MAC, 6);
			has_cid = true;
			break;
		default:
			fail_msg("unexpected option %u", code);
		}
		i += 2 + n;
	}
	assert_true(end);
	assert_true(has_cid);
	assert_true(m->type == 1 || m->type == 3);
	/* The parameter request list asks for mask, router and DNS. */
	bool want[256] = {false};
	for (size_t i = 0; i < m->prl_len; i++)
		want[m->prl[i]] = true;
	assert_true(want[1] && want[3] && want[6]);
}

/* The one frame in out, parsed. */
static void take(struct net_out *out, struct cmsg *m)
{
	assert_int_equal(out->n, 1);
	parse_client(&out->frame[0], m);
	net_out_clear(out);
}

static void check_discover(const struct cmsg *m)
{
	assert_int_equal(m->type, 1);
	assert_memory_equal(m->edst, BCAST, 6);
	assert_int_equal(m->src, 0);
	assert_int_equal(m->dst, NET_IP_BROADCAST);
	assert_int_equal(m->ciaddr, 0);
	assert_false(m->has_req_ip);
	assert_false(m->has_server);
}

/* RFC 2131 §4.4.1 Table 5, REQUEST in SELECTING: ciaddr 0, options 50 and 54. */
static void check_select_request(const struct cmsg *m, uint32_t xid)
{
	assert_int_equal(m->type, 3);
	assert_int_equal(m->xid, xid);
	assert_memory_equal(m->edst, BCAST, 6);
	assert_int_equal(m->src, 0);
	assert_int_equal(m->dst, NET_IP_BROADCAST);
	assert_int_equal(m->ciaddr, 0);
	assert_true(m->has_req_ip);
	assert_int_equal(m->req_ip, US);
	assert_true(m->has_server);
	assert_int_equal(m->server, SERVER);
}

/* --- the server's replies --- */

static enum net_rx reply(struct net_if *nif, struct net_out *out, uint64_t now, uint32_t xid,
			 uint8_t type, uint32_t lease)
{
	uint8_t f[1600], o[300];
	size_t n =
	    mk_reply(f, NET_IP_BROADCAST, xid, type == 6 ? 0 : US, o, opts(o, type, lease, 0, 0));
	return net_input(nif, f, n, out, now);
}

/* A client bound at t=1000 (DISCOVER), OFFER at 1200, ACK at 1300. */
static void bind_client(struct net_if *nif, struct net_out *out, uint32_t lease, uint32_t t1,
			uint32_t t2)
{
	uint8_t f[1600], o[300];
	struct cmsg m;
	net_if_init(nif, MAC);
	net_out_clear(out);
	assert_int_equal(net_dhcp_start(nif, XID, 1000, out), NET_OK);
	take(out, &m);
	assert_int_equal(reply(nif, out, 1200, XID, 2, lease), NET_RX_DHCP);
	take(out, &m);
	size_t n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, opts(o, 5, lease, t1, t2));
	assert_int_equal(net_input(nif, f, n, out, 1300), NET_RX_DHCP);
	assert_int_equal(out->n, 0);
	assert_int_equal(nif->dhcp.state, NET_DHCP_BOUND);
}

/* The server's ARP reply to us. */
static const uint8_t arp[42] = {
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02,
    10,	  0,	2,    2,    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10,   0,    2,	  15,
};

/* The one message in out; an ARP request for the server first is answered. */
static void take_via_arp(struct net_if *nif, struct net_out *out, uint64_t now, struct cmsg *m)
{
	assert_int_equal(out->n, 1);
	if (get16(out->frame[0].data + 12) == 0x0806) {
		assert_int_equal(get32(out->frame[0].data + 38), SERVER);
		net_out_clear(out);
		assert_int_equal(net_input(nif, arp, sizeof(arp), out, now), NET_RX_ARP_REPLY);
	}
	take(out, m);
}

/* --- tests --- */

static void test_exchange(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	struct cmsg m;
	net_if_init(&nif, MAC);
	net_out_clear(&out);

	assert_int_equal(net_dhcp_start(&nif, XID, 1000, &out), NET_OK);
	assert_int_equal(nif.dhcp.state, NET_DHCP_SELECTING);
	take(&out, &m);
	check_discover(&m);
	assert_int_equal(m.xid, XID);
	assert_int_equal(m.secs, 0);

	assert_int_equal(reply(&nif, &out, 3500, XID, 2, 86400), NET_RX_DHCP);
	assert_int_equal(nif.dhcp.state, NET_DHCP_REQUESTING);
	assert_int_equal(nif.ip, 0);
	take(&out, &m);
	check_select_request(&m, XID);
	assert_int_equal(m.secs, 2);
	/* A second offer is not taken. */
	assert_int_equal(reply(&nif, &out, 3600, XID, 2, 86400), NET_RX_DHCP_IGNORED);

	assert_int_equal(reply(&nif, &out, 3700, XID, 5, 86400), NET_RX_DHCP);
	assert_int_equal(out.n, 0);
	assert_int_equal(nif.dhcp.state, NET_DHCP_BOUND);
	assert_int_equal(nif.ip, US);
	assert_int_equal(nif.mask, MASK);
	assert_int_equal(nif.gw, SERVER);
	assert_int_equal(nif.dhcp.dns, DNS);
	assert_int_equal(nif.dhcp.server, SERVER);
	assert_int_equal(nif.dhcp.lease_s, 86400);
	/* The lease counts from the REQUEST (3500); T1 and T2 default to 1/2 and 7/8. */
	assert_int_equal(nif.dhcp.t1_ms, 3500 + 43200000ull);
	assert_int_equal(nif.dhcp.t2_ms, 3500 + 75600000ull);
	assert_int_equal(nif.dhcp.end_ms, 3500 + 86400000ull);
	assert_int_equal(nif.rx[NET_RX_DHCP], 2);
	/* A late ACK, or any reply, while bound is ignored. */
	assert_int_equal(reply(&nif, &out, 3800, XID, 5, 86400), NET_RX_DHCP_IGNORED);
	/* Nothing more until T1. */
	for (uint64_t t = 3800; t < 3500 + 43200000ull; t += 997)
		net_tick(&nif, t, &out);
	assert_int_equal(out.n, 0);
	/* Configured: the address answers ARP. */
	assert_int_equal(net_ping(&nif, SERVER, 1, 1, 8, 5000, &out), NET_PENDING);
	net_out_clear(&out);

	/* A server that unicasts the offer to yiaddr (RFC 2131 §4.1) is heard too. */
	uint8_t f[1600], o[300];
	net_if_init(&nif, MAC);
	net_dhcp_start(&nif, XID, 0, &out);
	net_out_clear(&out);
	size_t n = mk_reply(f, US, XID, US, o, opts(o, 2, 600, 0, 0));
	assert_int_equal(net_input(&nif, f, n, &out, 10), NET_RX_DHCP);
	take(&out, &m);
	check_select_request(&m, XID);
}

static void test_nak(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	struct cmsg m;
	net_if_init(&nif, MAC);
	net_out_clear(&out);

	net_dhcp_start(&nif, XID, 0, &out);
	take(&out, &m);
	assert_int_equal(reply(&nif, &out, 100, XID, 2, 3600), NET_RX_DHCP);
	take(&out, &m);
	assert_int_equal(reply(&nif, &out, 200, XID, 6, 0), NET_RX_DHCP);
	/* RFC 2131 §3.1 step 5: start again, a new transaction. */
	assert_int_equal(nif.dhcp.state, NET_DHCP_SELECTING);
	assert_int_equal(nif.dhcp.restarts, 1);
	assert_int_equal(nif.ip, 0);
	take(&out, &m);
	check_discover(&m);
	assert_int_not_equal(m.xid, XID);
	uint32_t xid2 = m.xid;
	assert_int_equal(m.secs, 0);
	/* The old transaction is over. */
	assert_int_equal(reply(&nif, &out, 300, XID, 2, 3600), NET_RX_DHCP_IGNORED);
	assert_int_equal(reply(&nif, &out, 400, xid2, 2, 3600), NET_RX_DHCP);
	take(&out, &m);
	check_select_request(&m, xid2);
	assert_int_equal(reply(&nif, &out, 500, xid2, 5, 3600), NET_RX_DHCP);
	assert_int_equal(nif.ip, US);
	assert_int_equal(nif.dhcp.end_ms, 400 + 3600000ull);
}

static void test_retransmit(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	struct cmsg m;
	uint64_t last = 0;
	unsigned k = 0;
	const uint64_t base[] = {4000, 8000, 16000, 32000, 64000, 64000, 64000};
	net_if_init(&nif, MAC);
	net_out_clear(&out);

	net_dhcp_start(&nif, XID, 0, &out);
	take(&out, &m);
	/* RFC 2131 §4.1: 4 s doubling to 64 s, each +-1 s; the xid stays, secs counts. */
	for (uint64_t t = 100; t <= 260000; t += 100) {
		net_tick(&nif, t, &out);
		if (out.n == 0)
			continue;
		take(&out, &m);
		check_discover(&m);
		assert_int_equal(m.xid, XID);
		assert_int_equal(m.secs, t / 1000);
		assert_true(k < sizeof(base) / sizeof(base[0]));
		assert_true(t - last >= base[k] - 1000 && t - last <= base[k] + 1100);
		last = t;
		k++;
	}
	assert_int_equal(k, 7); /* 4+8+16+32+64+64+64 = 252 s */

	/* REQUEST: retransmitted likewise, then back to DISCOVER after 4. */
	assert_int_equal(reply(&nif, &out, 260000, XID, 2, 3600), NET_RX_DHCP);
	take(&out, &m);
	check_select_request(&m, XID);
	unsigned requests = 1, discovers = 0;
	last = 260000;
	k = 0;
	for (uint64_t t = 260100; t <= 340000 && discovers == 0; t += 100) {
		net_tick(&nif, t, &out);
		if (out.n == 0)
			continue;
		take(&out, &m);
		assert_true(t - last >= base[k] - 1000 && t - last <= base[k] + 1100);
		last = t;
		k++;
		if (m.type == 3) {
			check_select_request(&m, XID);
			requests++;
		} else {
			check_discover(&m);
			assert_int_not_equal(m.xid, XID);
			discovers++;
		}
	}
	assert_int_equal(requests, 4);
	assert_int_equal(discovers, 1);
	assert_int_equal(nif.dhcp.state, NET_DHCP_SELECTING);
	assert_int_equal(nif.dhcp.restarts, 1);
}

static void test_renew_rebind_expire(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	struct cmsg m;
	uint8_t f[1600], o[300];
	/* Lease 1000 s from t=1200 (the REQUEST): T1 1700 s, T2 2075 s, end 2200 s. */
	bind_client(&nif, &out, 1000, 500, 875);
	const uint64_t t1 = 1200 + 500000, t2 = 1200 + 875000, end = 1200 + 1000000;
	assert_int_equal(nif.dhcp.t1_ms, t1);
	assert_int_equal(nif.dhcp.t2_ms, t2);
	assert_int_equal(nif.dhcp.end_ms, end);

	net_tick(&nif, t1 - 1, &out);
	assert_int_equal(out.n, 0);
	/* T1: RENEWING, unicast to the server: its MAC first. */
	net_tick(&nif, t1, &out);
	assert_int_equal(nif.dhcp.state, NET_DHCP_RENEWING);
	assert_int_equal(out.n, 1);
	assert_int_equal(get16(out.frame[0].data + 12), 0x0806);
	assert_int_equal(get32(out.frame[0].data + 38), SERVER);
	net_out_clear(&out);
	assert_int_equal(net_input(&nif, arp, sizeof(arp), &out, t1 + 5), NET_RX_ARP_REPLY);
	take(&out, &m);
	/* Table 5, RENEWING: ciaddr set, no 50 or 54, from our address to the server. */
	assert_int_equal(m.type, 3);
	assert_memory_equal(m.edst, GW_MAC, 6);
	assert_int_equal(m.src, US);
	assert_int_equal(m.dst, SERVER);
	assert_int_equal(m.ciaddr, US);
	assert_false(m.has_req_ip);
	assert_false(m.has_server);
	uint32_t rxid = m.xid;
	assert_int_not_equal(rxid, XID);
	/* Retransmitted after half the time to T2 (187.5 s). */
	net_tick(&nif, t1 + 187000, &out);
	assert_int_equal(out.n, 0);
	net_tick(&nif, t1 + 187500, &out);
	take_via_arp(&nif, &out, t1 + 187500, &m);
	assert_int_equal(m.xid, rxid);
	assert_int_equal(m.ciaddr, US);
	/* The ACK, unicast: the lease runs from the first renewal REQUEST. */
	size_t n = mk_reply(f, US, rxid, US, o, opts(o, 5, 1000, 0, 0));
	assert_int_equal(net_input(&nif, f, n, &out, t1 + 190000), NET_RX_DHCP);
	assert_int_equal(nif.dhcp.state, NET_DHCP_BOUND);
	assert_int_equal(nif.dhcp.end_ms, t1 + 1000000);
	assert_int_equal(nif.ip, US);

	/* Next time the server stays silent: RENEWING at T1, REBINDING (broadcast) at T2,
	 * and at the end of the lease the address goes and DISCOVER starts again. */
	uint64_t s = t1, nt1 = s + 500000, nt2 = s + 875000, nend = s + 1000000;
	unsigned renews = 0, rebinds = 0;
	uint64_t last = 0;
	for (uint64_t t = nt1; t < nend; t += 100) {
		net_tick(&nif, t, &out);
		for (uint32_t i = 0; i < out.n; i++) {
			const struct net_frame *fr = &out.frame[i];
			if (get16(fr->data + 12) == 0x0806) {
				net_input(&nif, arp, sizeof(arp), &out, t);
				continue;
			}
			parse_client(fr, &m);
			assert_int_equal(m.type, 3);
			assert_int_equal(m.ciaddr, US);
			if (t < nt2) {
				assert_int_equal(m.dst, SERVER);
				renews++;
			} else {
				if (rebinds == 0)
					last = 0; /* T2 starts a new schedule */
				assert_int_equal(m.dst, NET_IP_BROADCAST);
				assert_memory_equal(m.edst, BCAST, 6);
				assert_int_equal(m.src, US);
				rebinds++;
			}
			/* RFC 2131 §4.4.5: within a state, never more often than every 60 s. */
			assert_true(last == 0 || t - last >= 60000);
			last = t;
		}
		net_out_clear(&out);
	}
	assert_int_equal(renews, 4);  /* T1, +187.5 s, +93.75 s, +60 s */
	assert_int_equal(rebinds, 3); /* T2, +62.5 s, +60 s */
	assert_int_equal(nif.ip, US);
	net_tick(&nif, nend, &out);
	assert_int_equal(nif.ip, 0);
	assert_int_equal(nif.dhcp.state, NET_DHCP_SELECTING);
	take(&out, &m);
	check_discover(&m);

	/* A NAK while renewing drops the address at once (§4.4.5). */
	bind_client(&nif, &out, 1000, 0, 0);
	net_tick(&nif, 501200, &out);
	take_via_arp(&nif, &out, 501200, &m);
	assert_int_equal(nif.dhcp.state, NET_DHCP_RENEWING);
	/* A datagram held for ARP, from the address about to go, goes with it. */
	assert_int_equal(net_udp_send(&nif, NET_IP4(10, 0, 2, 9), 9, 9, "x", 1, 501250, &out),
			 NET_PENDING);
	net_out_clear(&out);
	n = mk_reply(f, US, m.xid, 0, o, opts(o, 6, 0, 0, 0));
	assert_int_equal(net_input(&nif, f, n, &out, 501300), NET_RX_DHCP);
	assert_int_equal(nif.ip, 0);
	assert_false(nif.held.used);
	take(&out, &m);
	check_discover(&m);
}

static void test_ignored_and_refused(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	struct cmsg m;
	uint8_t f[1600], o[300];
	size_t n;
	net_if_init(&nif, MAC);
	net_out_clear(&out);
	net_dhcp_start(&nif, XID, 0, &out);
	take(&out, &m);

	/* Another transaction or another client; an ACK before any offer. */
	assert_int_equal(reply(&nif, &out, 1, XID + 1, 2, 600), NET_RX_DHCP_IGNORED);
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, opts(o, 2, 600, 0, 0));
	f[42 + 28 + 5] ^= 1; /* chaddr */
	put16(f + 40, 0);    /* drop the UDP checksum rather than recompute it */
	assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_IGNORED);
	assert_int_equal(reply(&nif, &out, 1, XID, 5, 600), NET_RX_DHCP_IGNORED);
	/* Not a reply, not Ethernet, no cookie, no message type (plain BOOTP). */
	const size_t edits[] = {42 + 0, 42 + 1, 42 + 2, 42 + 236};
	for (size_t i = 0; i < 4; i++) {
		n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, opts(o, 2, 600, 0, 0));
		f[edits[i]] ^= 0x10;
		put16(f + 40, 0);
		assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_BAD);
	}
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, (const uint8_t[]){255}, 1);
	assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_BAD);
	/* An offer without a server identifier, or of an unusable address. */
	size_t k = opts(o, 2, 600, 0, 0);
	o[3] = 12; /* 54 becomes 12 (host name) */
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k);
	assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_BAD);
	const uint32_t bad_yi[] = {0, NET_IP4(127, 0, 0, 1), NET_IP4(224, 0, 0, 9),
				   NET_IP_BROADCAST};
	for (size_t i = 0; i < 4; i++) {
		n = mk_reply(f, NET_IP_BROADCAST, XID, bad_yi[i], o, opts(o, 2, 600, 0, 0));
		assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_BAD);
	}
	assert_int_equal(out.n, 0);
	assert_int_equal(nif.dhcp.state, NET_DHCP_SELECTING);

	assert_int_equal(reply(&nif, &out, 2, XID, 2, 600), NET_RX_DHCP);
	take(&out, &m);
	/* In REQUESTING: an ACK from another server; for another address; without a lease;
	 * with a mask that is not contiguous or that makes us the broadcast address. */
	k = opts(o, 5, 600, 0, 0);
	put32(o + 5, NET_IP4(10, 0, 2, 4));
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k);
	assert_int_equal(net_input(&nif, f, n, &out, 3), NET_RX_DHCP_IGNORED);
	n = mk_reply(f, NET_IP_BROADCAST, XID, US + 1, o, opts(o, 5, 600, 0, 0));
	assert_int_equal(net_input(&nif, f, n, &out, 3), NET_RX_DHCP_BAD);
	k = opts(o, 5, 600, 0, 0);
	o[k - 7] = 12; /* 51 becomes 12 */
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k);
	assert_int_equal(net_input(&nif, f, n, &out, 3), NET_RX_DHCP_BAD);
	k = opts(o, 5, 600, 0, 0);
	put32(o + 11, NET_IP4(255, 0, 255, 0));
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k);
	assert_int_equal(net_input(&nif, f, n, &out, 3), NET_RX_DHCP_BAD);
	put32(o + 11, NET_IP4(255, 255, 255, 240)); /* 10.0.2.15 is then 10.0.2.0/28's bcast */
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k);
	assert_int_equal(net_input(&nif, f, n, &out, 3), NET_RX_DHCP_BAD);
	assert_int_equal(nif.dhcp.state, NET_DHCP_REQUESTING);
	assert_int_equal(nif.ip, 0);
	/* A router off the subnet is left out; T1 > T2 falls back to the defaults; no
	 * mask means the class's (10/8). */
	k = opts(o, 5, 600, 400, 300);
	memmove(o + 9, o + 15, k - 15); /* drop option 1 */
	k -= 6;
	put32(o + 11, NET_IP4(192, 168, 1, 1)); /* the router, now at 9 */
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k);
	assert_int_equal(net_input(&nif, f, n, &out, 3), NET_RX_DHCP);
	assert_int_equal(nif.ip, US);
	assert_int_equal(nif.mask, NET_IP4(255, 0, 0, 0));
	assert_int_equal(nif.gw, 0);
	assert_int_equal(nif.dhcp.t1_ms, 2 + 300000);
	assert_int_equal(nif.dhcp.t2_ms, 2 + 525000);
	/* Not started: everything is ignored. */
	net_if_init(&nif, MAC);
	assert_int_equal(reply(&nif, &out, 0, 0, 2, 600), NET_RX_DHCP_IGNORED);
	assert_int_equal(reply(&nif, &out, 0, 0, 5, 600), NET_RX_DHCP_IGNORED);
	assert_int_equal(nif.ip, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exchange),
	    cmocka_unit_test(test_nak),
	    cmocka_unit_test(test_retransmit),
	    cmocka_unit_test(test_renew_rebind_expire),
	    cmocka_unit_test(test_ignored_and_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
