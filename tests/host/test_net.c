/* test_net: the IPv4 stack's normal paths. Wire layouts and byte order; the Internet
 * checksum against RFC 1071's worked example, a real IPv4 header and a naive reference
 * over random buffers split every way; ARP requests answered byte for byte, the cache
 * bounded and aged; ICMP echo answered (with IP options in the request too) and not
 * for broadcasts; UDP echo on port 7; ping and UDP sends resolved through ARP (held
 * packet released by the reply, retried, given up); a full out array. Frames are built
 * here by hand, and checksums checked with a reference written here, not the library's.
 * Hostile input: test_net_hostile.c; DHCP: test_net_dhcp.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/net/csum.h"
#include "lib/net/net.h"
#include "net_ref.h"

/* --- reference helpers, independent of the library --- */

/* An Ethernet frame carrying IPv4 with ihl words of header (options are NOPs). */
static size_t mk_ip(uint8_t *f, const uint8_t *edst, const uint8_t *esrc, uint32_t src,
		    uint32_t dst, uint8_t proto, unsigned ihl, const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + 14;
	size_t hl = ihl * 4;

	memcpy(f, edst, 6);
	memcpy(f + 6, esrc, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = (uint8_t)(0x40 | ihl);
	put16(ip + 2, (uint16_t)(hl + l4len));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	memset(ip + 20, 1, hl - 20);
	put16(ip + 10, ref_csum(ip, hl));
	memcpy(ip + hl, l4, l4len);
	return 14 + hl + l4len;
}

static size_t mk_echo(uint8_t *l4, uint8_t type, uint16_t id, uint16_t seq, size_t n)
{
	l4[0] = type;
	l4[1] = 0;
	put16(l4 + 2, 0);
	put16(l4 + 4, id);
	put16(l4 + 6, seq);
	for (size_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)(0xa0 + i * 7);
	put16(l4 + 2, ref_csum(l4, 8 + n));
	return 8 + n;
}

static size_t mk_udp(uint8_t *l4, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     const uint8_t *data, size_t n)
{
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + n));
	put16(l4 + 6, 0);
	memcpy(l4 + 8, data, n);
	uint16_t c = ref_udp_csum(src, dst, l4, 8 + n);
	put16(l4 + 6, c == 0 ? 0xffff : c);
	return 8 + n;
}

static size_t mk_arp(uint8_t *f, const uint8_t *edst, uint16_t op, const uint8_t *sha, uint32_t spa,
		     const uint8_t *tha, uint32_t tpa)
{
	memcpy(f, edst, 6);
	memcpy(f + 6, sha, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, op);
	memcpy(f + 22, sha, 6);
	put32(f + 28, spa);
	memcpy(f + 32, tha, 6);
	put32(f + 38, tpa);
	return 42;
}

/* Checks an emitted IPv4 frame's Ethernet and IP headers; returns its payload. */
static const uint8_t *check_ip(const struct net_frame *f, const uint8_t *edst, uint32_t src,
			       uint32_t dst, uint8_t proto, size_t *l4len)
{
	const uint8_t *ip = f->data + 14;
	assert_true(f->len >= 60 && f->len <= 1514);
	assert_memory_equal(f->data, edst, 6);
	assert_memory_equal(f->data + 6, MAC, 6);
	assert_int_equal(get16(f->data + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ref_csum(ip, 20), 0);
	assert_int_equal(get16(ip + 6), 0x4000); /* DF, no fragment */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], proto);
	assert_int_equal(get32(ip + 12), src);
	assert_int_equal(get32(ip + 16), dst);
	size_t total = get16(ip + 2);
	assert_true(total >= 20 && 14 + total <= f->len);
	/* Only Ethernet's minimum pads a frame. */
	assert_true(14 + total == f->len || f->len == 60);
	*l4len = total - 20;
	return ip + 20;
}

static void check_arp_request(const struct net_frame *f, uint32_t spa, uint32_t tpa)
{
	uint8_t want[60] = {0};
	mk_arp(want, BCAST, 1, MAC, spa, (const uint8_t[6]){0}, tpa);
	assert_int_equal(f->len, 60);
	assert_memory_equal(f->data, want, 60);
}

static void setup_if(struct net_if *nif, struct net_out *out)
{
	net_if_init(nif, MAC);
	assert_int_equal(net_if_set_addr(nif, US, MASK, GW), NET_OK);
	net_out_clear(out);
}

static uint64_t rx_total(const struct net_if *nif)
{
	uint64_t s = 0;
	for (int i = 0; i < NET_RX_COUNT; i++)
		s += nif->rx[i];
	return s;
}

/* --- tests --- */

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct net_eth_hdr), 14);
	assert_int_equal(sizeof(struct net_arp_pkt), 28);
	assert_int_equal(sizeof(struct net_ip_hdr), 20);
	assert_int_equal(sizeof(struct net_icmp_echo), 8);
	assert_int_equal(sizeof(struct net_udp_hdr), 8);
	assert_int_equal(sizeof(struct net_dhcp_hdr), 236);
	assert_int_equal(offsetof(struct net_arp_pkt, spa), 14);
	assert_int_equal(offsetof(struct net_arp_pkt, tpa), 24);
	assert_int_equal(offsetof(struct net_ip_hdr, src), 12);
	assert_int_equal(offsetof(struct net_dhcp_hdr, xid), 4);
	assert_int_equal(offsetof(struct net_dhcp_hdr, yiaddr), 16);
	assert_int_equal(NET_IP4(10, 0, 2, 15), 0x0a00020f);
}

static void test_byte_order(void **state)
{
	(void)state;
	uint16_t s = net_htons(0x1234);
	uint32_t l = net_htonl(0x0a00020f);
	uint8_t b[4];
	memcpy(b, &s, 2);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(b[1], 0x34);
	memcpy(b, &l, 4);
	assert_memory_equal(b, ((uint8_t[]){10, 0, 2, 15}), 4);
	assert_int_equal(net_ntohs(s), 0x1234);
	assert_int_equal(net_ntohl(l), 0x0a00020f);
	net_put32(b, 0xc0a80001);
	assert_int_equal(net_get32(b), 0xc0a80001);
	assert_int_equal(net_get16(b + 2), 0x0001);
}

static void test_csum_vectors(void **state)
{
	(void)state;
	/* RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement), so the
	 * checksum is its complement, 220d. */
	static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(net_csum(rfc, sizeof(rfc)), 0x220d);
	for (size_t cut = 0; cut <= sizeof(rfc); cut++) {
		for (size_t cut2 = cut; cut2 <= sizeof(rfc); cut2++) {
			struct net_csum c;
			net_csum_init(&c);
			net_csum_add(&c, rfc, cut);
			net_csum_add(&c, rfc + cut, cut2 - cut);
			net_csum_add(&c, rfc + cut2, sizeof(rfc) - cut2);
			assert_int_equal(net_csum_fold(&c), 0x220d);
		}
	}
	/* A captured IPv4 header, 192.168.0.1 -> 192.168.0.199, checksum b861. */
	uint8_t ip[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	assert_int_equal(net_csum(ip, sizeof(ip)), 0);
	ip[10] = ip[11] = 0;
	assert_int_equal(net_csum(ip, sizeof(ip)), 0xb861);
	/* Odd length: the last byte is padded with zero (RFC 1071 §1). */
	assert_int_equal(net_csum((const uint8_t[]){0x12}, 1), (uint16_t)~0x1200);
	assert_int_equal(net_csum(NULL, 0), 0xffff);
}

static void test_csum_random(void **state)
{
	(void)state;
	uint8_t buf[1600];
	srand(1071);
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = (size_t)rand() % sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand();
		struct net_csum c;
		net_csum_init(&c);
		size_t at = 0;
		while (at < n) {
			size_t k = (size_t)rand() % 7;
			if (k > n - at)
				k = n - at;
			net_csum_add(&c, buf + at, k);
			at += k;
		}
		assert_int_equal(net_csum_fold(&c), ref_csum(buf, n));
		assert_int_equal(net_csum(buf, n), ref_csum(buf, n));
	}
	/* The pseudo-header: a datagram, its checksum filled in, verifies to 0. */
	uint8_t udp[8 + 5];
	mk_udp(udp, US, GW, 1234, 53, (const uint8_t *)"hello", 5);
	assert_int_equal(net_csum_udp(US, GW, udp, sizeof(udp)), 0);
	udp[8] ^= 1;
	assert_int_not_equal(net_csum_udp(US, GW, udp, sizeof(udp)), 0);
}

static void test_arp_reply(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[64], mac[6];
	setup_if(&nif, &out);

	size_t n = mk_arp(f, BCAST, 1, PEER_MAC, PEER, (const uint8_t[6]){0}, US);
	assert_int_equal(net_input(&nif, f, n, &out, 5), NET_RX_ARP_REQUEST);
	assert_int_equal(out.n, 1);
	static const uint8_t want[60] = {
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
	    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	    10,	  0,	2,    15,   0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 10,   0,    2,	  7,
	};
	assert_int_equal(out.frame[0].len, 60);
	assert_memory_equal(out.frame[0].data, want, 60);
	/* The asker is learned (RFC 826: the target was us). */
	assert_true(net_arp_lookup(&nif, PEER, 6, mac));
	assert_memory_equal(mac, PEER_MAC, 6);

	/* A request for someone else: no answer, nothing learned. */
	net_out_clear(&out);
	const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x09};
	n = mk_arp(f, BCAST, 1, other, NET_IP4(10, 0, 2, 9), (const uint8_t[6]){0}, GW);
	assert_int_equal(net_input(&nif, f, n, &out, 7), NET_RX_ARP_OTHER);
	assert_int_equal(out.n, 0);
	assert_false(net_arp_lookup(&nif, NET_IP4(10, 0, 2, 9), 8, mac));
	/* ... but a known sender is refreshed, whoever it asks about. */
	const uint8_t moved[6] = {0x02, 0, 0, 0, 0, 0x77};
	n = mk_arp(f, BCAST, 1, moved, PEER, (const uint8_t[6]){0}, GW);
	assert_int_equal(net_input(&nif, f, n, &out, 9), NET_RX_ARP_OTHER);
	assert_true(net_arp_lookup(&nif, PEER, 10, mac));
	assert_memory_equal(mac, moved, 6);

	/* Unconfigured: requests are not answered. */
	net_if_init(&nif, MAC);
	n = mk_arp(f, BCAST, 1, PEER_MAC, PEER, (const uint8_t[6]){0}, US);
	assert_int_equal(net_input(&nif, f, n, &out, 5), NET_RX_ARP_OTHER);
	assert_int_equal(out.n, 0);
}

static void test_arp_cache_bounded(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[64], mac[6], sha[6] = {0x02, 0, 0, 0, 0, 0};
	setup_if(&nif, &out);

	for (unsigned i = 0; i < 40; i++) {
		sha[5] = (uint8_t)(i + 1);
		size_t n = mk_arp(f, MAC, 2, sha, NET_IP4(10, 0, 2, 100 + i), MAC, US);
		assert_int_equal(net_input(&nif, f, n, &out, 1000 + i), NET_RX_ARP_REPLY);
	}
	unsigned used = 0;
	for (unsigned i = 0; i < NET_ARP_SLOTS; i++)
		used += nif.arp[i].ip != 0;
	assert_int_equal(used, NET_ARP_SLOTS);
	/* The newest eight remain. */
	for (unsigned i = 0; i < 40; i++) {
		bool have = net_arp_lookup(&nif, NET_IP4(10, 0, 2, 100 + i), 1100, mac);
		assert_int_equal(have, i >= 40 - NET_ARP_SLOTS);
		if (have)
			assert_int_equal(mac[5], i + 1);
	}
	/* A sender heard again is updated in place, not added twice. */
	for (unsigned k = 0; k < 3; k++) {
		size_t n = mk_arp(f, MAC, 2, sha, NET_IP4(10, 0, 2, 139), MAC, US);
		assert_int_equal(net_input(&nif, f, n, &out, 1039), NET_RX_ARP_REPLY);
	}
	used = 0;
	for (unsigned i = 0; i < NET_ARP_SLOTS; i++)
		used += nif.arp[i].ip == NET_IP4(10, 0, 2, 139);
	assert_int_equal(used, 1);
	assert_true(net_arp_lookup(&nif, NET_IP4(10, 0, 2, 132), 1100, mac));
	/* They age out. */
	assert_true(net_arp_lookup(&nif, NET_IP4(10, 0, 2, 139), 1039 + NET_ARP_TTL_MS - 1, mac));
	assert_false(net_arp_lookup(&nif, NET_IP4(10, 0, 2, 139), 1039 + NET_ARP_TTL_MS, mac));
	assert_int_equal(out.n, 0);
}

static void test_icmp_echo(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], l4[1500];
	size_t l4len;
	setup_if(&nif, &out);

	for (unsigned ihl = 5; ihl <= 15; ihl += 10) {
		net_out_clear(&out);
		size_t n = mk_echo(l4, 8, 0xbeef, 42, 56);
		n = mk_ip(f, MAC, PEER_MAC, PEER, US, 1, ihl, l4, n);
		assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ECHO_REQUEST);
		assert_int_equal(out.n, 1);
		const uint8_t *r = check_ip(&out.frame[0], PEER_MAC, US, PEER, 1, &l4len);
		assert_int_equal(l4len, 64);
		assert_int_equal(r[0], 0); /* echo reply */
		assert_int_equal(r[1], 0);
		assert_int_equal(get16(r + 4), 0xbeef);
		assert_int_equal(get16(r + 6), 42);
		assert_memory_equal(r + 8, l4 + 8, 56);
		assert_int_equal(ref_csum(r, l4len), 0);
	}
	/* Largest that fits, and the smallest (no data). */
	size_t big = 1500 - 20 - 8;
	for (size_t d = 0; d <= big; d += big) {
		net_out_clear(&out);
		size_t n = mk_ip(f, MAC, PEER_MAC, PEER, US, 1, 5, l4, mk_echo(l4, 8, 1, 2, d));
		assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ECHO_REQUEST);
		check_ip(&out.frame[0], PEER_MAC, US, PEER, 1, &l4len);
		assert_int_equal(l4len, 8 + d);
	}
	/* Not to broadcasts; a corrupt checksum; another type; a reply nobody waits for. */
	net_out_clear(&out);
	size_t n = mk_ip(f, BCAST, PEER_MAC, PEER, NET_IP4(10, 0, 2, 255), 1, 5, l4,
			 mk_echo(l4, 8, 1, 2, 8));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ICMP_OTHER);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 1, 5, l4, mk_echo(l4, 8, 1, 2, 8));
	f[n - 1] ^= 0x40;
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ICMP_CSUM);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 1, 5, l4, mk_echo(l4, 13, 1, 2, 8));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ICMP_OTHER);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 1, 5, l4, mk_echo(l4, 0, 1, 2, 8));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ICMP_OTHER);
	assert_int_equal(out.n, 0);
	assert_int_equal(rx_total(&nif), nif.rx[NET_RX_ECHO_REQUEST] + 4);
}

static void test_udp_echo(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], l4[1500], data[1472];
	size_t l4len;
	setup_if(&nif, &out);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);

	const size_t sizes[] = {0, 1, 5, 18, 100, 1472};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		net_out_clear(&out);
		size_t n = mk_udp(l4, NET_IP4(8, 8, 4, 4), US, 40000, 7, data, sizes[k]);
		n = mk_ip(f, MAC, GW_MAC, NET_IP4(8, 8, 4, 4), US, 17, 5, l4, n);
		assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_ECHO);
		assert_int_equal(out.n, 1);
		/* Back through the router the request came from. */
		const uint8_t *u =
		    check_ip(&out.frame[0], GW_MAC, US, NET_IP4(8, 8, 4, 4), 17, &l4len);
		assert_int_equal(l4len, 8 + sizes[k]);
		assert_int_equal(get16(u), 7);
		assert_int_equal(get16(u + 2), 40000);
		assert_int_equal(get16(u + 4), 8 + sizes[k]);
		assert_int_not_equal(get16(u + 6), 0);
		assert_int_equal(ref_udp_csum(US, NET_IP4(8, 8, 4, 4), u, l4len), 0);
		assert_memory_equal(u + 8, data, sizes[k]);
	}
	/* No checksum (0) is accepted; Ethernet padding after the datagram is ignored. */
	net_out_clear(&out);
	size_t n = mk_udp(l4, PEER, US, 5555, 7, data, 3);
	put16(l4 + 6, 0);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 17, 5, l4, n);
	memset(f + n, 0xee, 60 - n);
	assert_int_equal(net_input(&nif, f, 60, &out, 0), NET_RX_UDP_ECHO);
	const uint8_t *u = check_ip(&out.frame[0], PEER_MAC, US, PEER, 17, &l4len);
	assert_int_equal(l4len, 11);
	assert_memory_equal(u + 8, data, 3);
	/* The IP payload may run past the UDP length: only the datagram is echoed. */
	net_out_clear(&out);
	n = mk_udp(l4, PEER, US, 5555, 7, data, 3);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 17, 5, l4, n + 4);
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_ECHO);
	check_ip(&out.frame[0], PEER_MAC, US, PEER, 17, &l4len);
	assert_int_equal(l4len, 11);

	/* A bad checksum; no service; from port 7 or 0; to a broadcast. */
	net_out_clear(&out);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 17, 5, l4, mk_udp(l4, PEER, US, 5555, 7, data, 9));
	f[n - 2] ^= 1;
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_CSUM);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 17, 5, l4, mk_udp(l4, PEER, US, 5555, 9, data, 9));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_PORT);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 17, 5, l4, mk_udp(l4, PEER, US, 7, 7, data, 9));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_BAD);
	n = mk_ip(f, MAC, PEER_MAC, PEER, US, 17, 5, l4, mk_udp(l4, PEER, US, 0, 7, data, 9));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_BAD);
	n = mk_ip(f, BCAST, PEER_MAC, PEER, NET_IP_BROADCAST, 17, 5, l4,
		  mk_udp(l4, PEER, NET_IP_BROADCAST, 5555, 7, data, 9));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_UDP_PORT);
	assert_int_equal(out.n, 0);
}

static void test_ping_through_arp(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], l4[1500];
	size_t l4len;
	uint16_t seq;
	uint64_t rtt;
	setup_if(&nif, &out);

	/* Unknown next hop: an ARP request goes out, the echo request is held. */
	assert_int_equal(net_ping(&nif, GW, 0x77, 1, 32, 1000, &out), NET_PENDING);
	assert_int_equal(out.n, 1);
	check_arp_request(&out.frame[0], US, GW);
	assert_true(nif.held.used);
	assert_false(net_ping_reply(&nif, &seq, &rtt));

	/* The reply releases it, addressed to the learned MAC. */
	net_out_clear(&out);
	size_t n = mk_arp(f, MAC, 2, GW_MAC, GW, MAC, US);
	assert_int_equal(net_input(&nif, f, n, &out, 1003), NET_RX_ARP_REPLY);
	assert_int_equal(out.n, 1);
	assert_false(nif.held.used);
	const uint8_t *r = check_ip(&out.frame[0], GW_MAC, US, GW, 1, &l4len);
	assert_int_equal(l4len, 40);
	assert_int_equal(r[0], 8);
	assert_int_equal(get16(r + 4), 0x77);
	assert_int_equal(get16(r + 6), 1);
	assert_int_equal(ref_csum(r, l4len), 0);
	memcpy(l4, r, l4len);

	/* The echo reply completes the ping; a duplicate does not count twice. */
	l4[0] = 0;
	put16(l4 + 2, 0);
	put16(l4 + 2, ref_csum(l4, l4len));
	net_out_clear(&out);
	n = mk_ip(f, MAC, GW_MAC, GW, US, 1, 5, l4, l4len);
	assert_int_equal(net_input(&nif, f, n, &out, 1010), NET_RX_ECHO_REPLY);
	assert_int_equal(net_input(&nif, f, n, &out, 1011), NET_RX_ICMP_OTHER);
	assert_true(net_ping_reply(&nif, &seq, &rtt));
	assert_int_equal(seq, 1);
	assert_int_equal(rtt, 10);
	assert_false(net_ping_reply(&nif, &seq, &rtt));

	/* Off the subnet: through the gateway, now known, so sent at once. A reply with
	 * the wrong sequence number or from the wrong host is not ours. */
	assert_int_equal(net_ping(&nif, NET_IP4(1, 1, 1, 1), 0x77, 2, 0, 2000, &out), NET_OK);
	assert_int_equal(out.n, 1);
	check_ip(&out.frame[0], GW_MAC, US, NET_IP4(1, 1, 1, 1), 1, &l4len);
	assert_int_equal(l4len, 8);
	n = mk_ip(f, MAC, GW_MAC, NET_IP4(1, 1, 1, 1), US, 1, 5, l4, mk_echo(l4, 0, 0x77, 3, 0));
	assert_int_equal(net_input(&nif, f, n, &out, 2001), NET_RX_ICMP_OTHER);
	n = mk_ip(f, MAC, GW_MAC, NET_IP4(1, 1, 1, 2), US, 1, 5, l4, mk_echo(l4, 0, 0x77, 2, 0));
	assert_int_equal(net_input(&nif, f, n, &out, 2001), NET_RX_ICMP_OTHER);
	n = mk_ip(f, MAC, GW_MAC, NET_IP4(1, 1, 1, 1), US, 1, 5, l4, mk_echo(l4, 0, 0x77, 2, 0));
	assert_int_equal(net_input(&nif, f, n, &out, 2025), NET_RX_ECHO_REPLY);
	assert_true(net_ping_reply(&nif, &seq, &rtt));
	assert_int_equal(seq, 2);
	assert_int_equal(rtt, 25);

	/* Refusals. */
	assert_int_equal(net_ping(&nif, US, 1, 1, 0, 0, &out), NET_E_INVAL);
	assert_int_equal(net_ping(&nif, NET_IP4(10, 0, 2, 255), 1, 1, 0, 0, &out), NET_E_INVAL);
	assert_int_equal(net_ping(&nif, NET_IP4(224, 0, 0, 1), 1, 1, 0, 0, &out), NET_E_INVAL);
	assert_int_equal(net_ping(&nif, GW, 1, 1, NET_PING_MAX_DATA + 1, 0, &out), NET_E_INVAL);
	net_if_init(&nif, MAC);
	assert_int_equal(net_ping(&nif, GW, 1, 1, 0, 0, &out), NET_E_NOADDR);
	assert_int_equal(net_if_set_addr(&nif, US, MASK, 0), NET_OK);
	assert_int_equal(net_ping(&nif, NET_IP4(1, 1, 1, 1), 1, 1, 0, 0, &out), NET_E_NOROUTE);
	assert_int_equal(nif.tx.no_route, 1);
}

static void test_arp_retry(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	setup_if(&nif, &out);

	assert_int_equal(net_udp_send(&nif, PEER, 1000, 2000, "x", 1, 0, &out), NET_PENDING);
	assert_int_equal(out.n, 1);
	/* A second packet for an unresolved hop replaces the first (counted). */
	assert_int_equal(net_udp_send(&nif, PEER, 1000, 2000, "yz", 2, 10, &out), NET_PENDING);
	assert_int_equal(nif.tx.arp_drop, 1);
	assert_int_equal(nif.held.len, 14 + 20 + 8 + 2);
	net_out_clear(&out);
	uint64_t sent_at[4];
	unsigned sent = 0;
	for (uint64_t t = 10; t < 10000; t += 100) {
		net_tick(&nif, t, &out);
		for (uint32_t i = 0; i < out.n; i++) {
			check_arp_request(&out.frame[i], US, PEER);
			assert_true(sent < 4);
			sent_at[sent++] = t;
		}
		net_out_clear(&out);
	}
	/* NET_ARP_TRIES requests in all (the first from the send), a second apart. */
	assert_int_equal(sent, NET_ARP_TRIES - 1);
	assert_int_equal(sent_at[0], 1010);
	assert_int_equal(sent_at[1], 2010);
	assert_false(nif.held.used);
	assert_int_equal(nif.tx.arp_drop, 2);
}

static void test_udp_send(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[64];
	size_t l4len;
	setup_if(&nif, &out);

	size_t n = mk_arp(f, MAC, 2, PEER_MAC, PEER, MAC, US);
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_ARP_REPLY);
	assert_int_equal(net_udp_send(&nif, PEER, 1234, 4321, "abcdef", 6, 1, &out), NET_OK);
	const uint8_t *u = check_ip(&out.frame[0], PEER_MAC, US, PEER, 17, &l4len);
	assert_int_equal(l4len, 14);
	assert_int_equal(get16(u), 1234);
	assert_int_equal(get16(u + 2), 4321);
	assert_int_equal(get16(u + 4), 14);
	assert_int_equal(ref_udp_csum(US, PEER, u, 14), 0);
	assert_memory_equal(u + 8, "abcdef", 6);
	/* Broadcasts need no ARP. */
	assert_int_equal(net_udp_send(&nif, NET_IP_BROADCAST, 1, 2, NULL, 0, 1, &out), NET_OK);
	check_ip(&out.frame[1], BCAST, US, NET_IP_BROADCAST, 17, &l4len);
	assert_int_equal(net_udp_send(&nif, NET_IP4(10, 0, 2, 255), 1, 2, "", 0, 1, &out), NET_OK);
	check_ip(&out.frame[2], BCAST, US, NET_IP4(10, 0, 2, 255), 17, &l4len);
	/* The largest datagram. */
	static uint8_t big[NET_UDP_MAX_DATA + 1];
	assert_int_equal(net_udp_send(&nif, PEER, 1, 2, big, NET_UDP_MAX_DATA, 1, &out), NET_OK);
	assert_int_equal(out.frame[3].len, 1514);
	/* Full. */
	assert_int_equal(net_udp_send(&nif, PEER, 1, 2, "a", 1, 1, &out), NET_E_FULL);
	assert_int_equal(nif.tx.full, 1);
	assert_int_equal(nif.tx.frames, 4);
	net_out_clear(&out);
	assert_int_equal(net_udp_send(&nif, PEER, 1, 2, big, sizeof(big), 1, &out), NET_E_INVAL);
	assert_int_equal(net_udp_send(&nif, PEER, 0, 2, "a", 1, 1, &out), NET_E_INVAL);
	assert_int_equal(net_udp_send(&nif, PEER, 1, 0, "a", 1, 1, &out), NET_E_INVAL);
	assert_int_equal(net_udp_send(&nif, 0, 1, 2, "a", 1, 1, &out), NET_E_INVAL);
	assert_int_equal(net_udp_send(&nif, US, 1, 2, "a", 1, 1, &out), NET_E_INVAL);
	assert_int_equal(out.n, 0);
}

static void test_out_full(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], l4[64];
	setup_if(&nif, &out);
	out.n = NET_OUT_MAX;
	size_t n = mk_ip(f, MAC, PEER_MAC, PEER, US, 1, 5, l4, mk_echo(l4, 8, 1, 1, 4));
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_NO_ROOM);
	n = mk_arp(f, BCAST, 1, PEER_MAC, PEER, (const uint8_t[6]){0}, US);
	assert_int_equal(net_input(&nif, f, n, &out, 0), NET_RX_NO_ROOM);
	assert_int_equal(nif.tx.full, 2);
	assert_int_equal(out.n, NET_OUT_MAX);
}

static void test_set_addr(void **state)
{
	(void)state;
	struct net_if nif;
	net_if_init(&nif, MAC);
	assert_int_equal(net_if_set_addr(&nif, 0, MASK, 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, NET_IP4(127, 0, 0, 1), MASK, 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, NET_IP4(224, 0, 0, 1), MASK, 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, US, NET_IP4(255, 0, 255, 0), 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, US, 0, 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, NET_IP4(10, 0, 2, 0), MASK, 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, NET_IP4(10, 0, 2, 255), MASK, 0), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, US, MASK, NET_IP4(10, 0, 3, 1)), NET_E_INVAL);
	assert_int_equal(net_if_set_addr(&nif, US, MASK, US), NET_E_INVAL);
	assert_int_equal(nif.ip, 0);
	assert_int_equal(net_if_set_addr(&nif, NET_IP4(10, 0, 0, 0), NET_IP4(255, 255, 255, 254),
					 NET_IP4(10, 0, 0, 1)),
			 NET_OK); /* RFC 3021 */
	assert_int_equal(net_if_set_addr(&nif, US, 0xffffffff, 0), NET_OK);
	assert_int_equal(net_if_set_addr(&nif, US, MASK, GW), NET_OK);
	assert_int_equal(nif.ip, US);
	assert_int_equal(nif.gw, GW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),	     cmocka_unit_test(test_byte_order),
	    cmocka_unit_test(test_csum_vectors),     cmocka_unit_test(test_csum_random),
	    cmocka_unit_test(test_arp_reply),	     cmocka_unit_test(test_arp_cache_bounded),
	    cmocka_unit_test(test_icmp_echo),	     cmocka_unit_test(test_udp_echo),
	    cmocka_unit_test(test_ping_through_arp), cmocka_unit_test(test_arp_retry),
	    cmocka_unit_test(test_udp_send),	     cmocka_unit_test(test_out_full),
	    cmocka_unit_test(test_set_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
