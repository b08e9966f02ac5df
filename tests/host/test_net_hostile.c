/* test_net_hostile: net_input against frames an attacker on the link could send. Every
 * truncation of valid ARP, ICMP and UDP frames (each in a buffer of exactly its length,
 * so ASan sees any read past it); each IPv4 header field wrong in turn (version, IHL
 * below 5 or past the frame, total length short or long, options past the end, checksum,
 * fragments, addresses, broadcast rules); ARP fields; UDP and ICMP lengths; and 100000
 * fuzzed frames (random bytes, and valid frames mutated with their IP checksum repaired
 * so the upper layers see them), checking that every frame is counted exactly once and
 * every frame sent is well formed. */
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

static const uint8_t ZERO6[6] = {0};

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* An Ethernet frame carrying IPv4 with ihl words of header (options are NOPs). */
static size_t mk_ip(uint8_t *f, const uint8_t *edst, uint32_t src, uint32_t dst, uint8_t proto,
		    unsigned ihl, const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + 14;
	size_t hl = ihl * 4;

	memcpy(f, edst, 6);
	memcpy(f + 6, PEER_MAC, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = (uint8_t)(0x40 | ihl);
	put16(ip + 2, (uint16_t)(hl + l4len));
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	memset(ip + 20, 1, hl - 20);
	put16(ip + 10, ref_csum(ip, hl));
	memcpy(ip + hl, l4, l4len);
	return 14 + hl + l4len;
}

static void fix_ip_csum(uint8_t *f)
{
	size_t hl = (size_t)(f[14] & 15) * 4;
	put16(f + 24, 0);
	put16(f + 24, ref_csum(f + 14, hl));
}

static size_t mk_echo(uint8_t *l4, size_t n)
{
	memset(l4, 0, 8);
	l4[0] = 8;
	put16(l4 + 4, 0x1234);
	put16(l4 + 6, 1);
	for (size_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)i;
	put16(l4 + 2, ref_csum(l4, 8 + n));
	return 8 + n;
}

/* UDP from PEER to US without a checksum (0: none, RFC 768). */
static size_t mk_udp(uint8_t *l4, uint16_t sport, uint16_t dport, size_t n)
{
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + n));
	put16(l4 + 6, 0);
	for (size_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)(i ^ 0x5a);
	return 8 + n;
}

static size_t mk_arp(uint8_t *f, uint16_t op, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	memcpy(f, BCAST, 6);
	memcpy(f + 6, PEER_MAC, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, op);
	memcpy(f + 22, sha, 6);
	put32(f + 28, spa);
	memcpy(f + 32, ZERO6, 6);
	put32(f + 38, tpa);
	return 42;
}

static void setup_if(struct net_if *nif, struct net_out *out)
{
	net_if_init(nif, MAC);
	assert_int_equal(net_if_set_addr(nif, US, MASK, GW), NET_OK);
	net_out_clear(out);
}

/* Feeds len bytes of f from a buffer of exactly that size. */
static enum net_rx feed(struct net_if *nif, const uint8_t *f, size_t len, struct net_out *out,
			uint64_t now)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, f, len);
	enum net_rx r = net_input(nif, len ? b : b + 1, len, out, now);
	free(b);
	return r;
}

static uint64_t rx_total(const struct net_if *nif)
{
	uint64_t s = 0;
	for (int i = 0; i < NET_RX_COUNT; i++)
		s += nif->rx[i];
	return s;
}

/* Every output frame: Ethernet-sized, from us, with a correct IPv4 header checksum. */
static void check_out(const struct net_out *out)
{
	assert_true(out->n <= NET_OUT_MAX);
	for (uint32_t i = 0; i < out->n; i++) {
		const struct net_frame *f = &out->frame[i];
		assert_true(f->len >= 60 && f->len <= 1514);
		assert_memory_equal(f->data + 6, MAC, 6);
		if (get16(f->data + 12) == 0x0800) {
			assert_int_equal(f->data[14], 0x45);
			assert_int_equal(ref_csum(f->data + 14, 20), 0);
			assert_true(14u + get16(f->data + 16) <= f->len);
		} else {
			assert_int_equal(get16(f->data + 12), 0x0806);
		}
	}
}

static void test_truncations(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[4][1600], l4[1500];
	size_t len[4];
	const enum net_rx ok[4] = {NET_RX_ARP_REQUEST, NET_RX_ECHO_REQUEST, NET_RX_ECHO_REQUEST,
				   NET_RX_UDP_ECHO};
	setup_if(&nif, &out);

	len[0] = mk_arp(f[0], 1, PEER_MAC, PEER, US);
	len[1] = mk_ip(f[1], MAC, PEER, US, 1, 5, l4, mk_echo(l4, 40));
	len[2] = mk_ip(f[2], MAC, PEER, US, 1, 9, l4, mk_echo(l4, 3));
	len[3] = mk_ip(f[3], MAC, PEER, US, 17, 5, l4, mk_udp(l4, 3333, 7, 21));
	for (int k = 0; k < 4; k++) {
		for (size_t n = 0; n < len[k]; n++) {
			enum net_rx r = feed(&nif, f[k], n, &out, 0);
			enum net_rx want = n < 14   ? NET_RX_ETH_BAD
					   : k == 0 ? NET_RX_ARP_BAD
						    : NET_RX_IP_BAD;
			assert_int_equal(r, want);
			assert_int_equal(out.n, 0);
		}
		assert_int_equal(feed(&nif, f[k], len[k], &out, 0), ok[k]);
		check_out(&out);
		net_out_clear(&out);
	}
	/* The IP header says the datagram is shorter: each shorter ICMP or UDP payload,
	 * with lengths made consistent, is refused by its own layer. */
	for (size_t n = 0; n < 8; n++) {
		uint8_t g[1600];
		memcpy(g, f[1], len[1]);
		put16(g + 16, (uint16_t)(20 + n));
		fix_ip_csum(g);
		assert_int_equal(feed(&nif, g, 34 + n, &out, 0), NET_RX_ICMP_BAD);
		memcpy(g, f[3], len[3]);
		put16(g + 16, (uint16_t)(20 + n));
		fix_ip_csum(g);
		assert_int_equal(feed(&nif, g, 34 + n, &out, 0), NET_RX_UDP_BAD);
	}
	assert_int_equal(out.n, 0);
}

static void test_ip_fields(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], g[1600], l4[64];
	setup_if(&nif, &out);
	size_t n = mk_ip(f, MAC, PEER, US, 1, 5, l4, mk_echo(l4, 8));
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_ECHO_REQUEST);
	net_out_clear(&out);

#define EDIT(stmt, want)                                                                           \
	do {                                                                                       \
		memcpy(g, f, n);                                                                   \
		stmt;                                                                              \
		fix_ip_csum(g);                                                                    \
		assert_int_equal(feed(&nif, g, n, &out, 0), want);                                 \
		assert_int_equal(out.n, 0);                                                        \
	} while (0)

	/* IHL below 5 (the checksum then covers the 20 bytes anyway). */
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(g, f, n);
		g[14] = (uint8_t)(0x40 | ihl);
		put16(g + 24, 0);
		put16(g + 24, ref_csum(g + 14, 20));
		assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_IP_BAD);
	}
	EDIT(g[14] = 0x65, NET_RX_IP_BAD);			/* version 6 */
	EDIT(g[14] = 0x05, NET_RX_IP_BAD);			/* version 0 */
	EDIT(put16(g + 16, 19), NET_RX_IP_BAD);			/* total length below the header */
	EDIT(put16(g + 16, 0), NET_RX_IP_BAD);			/* total length 0 */
	EDIT(put16(g + 16, (uint16_t)(n - 13)), NET_RX_IP_BAD); /* one past the frame */
	EDIT(put16(g + 16, 0xffff), NET_RX_IP_BAD);
	EDIT(put16(g + 20, 0x2000), NET_RX_IP_FRAG); /* more fragments */
	EDIT(put16(g + 20, 0x0001), NET_RX_IP_FRAG); /* offset 8 */
	EDIT(put16(g + 20, 0x1fff), NET_RX_IP_FRAG);
	EDIT(g[23] = 6, NET_RX_IP_PROTO); /* TCP */
	EDIT(g[23] = 0, NET_RX_IP_PROTO);
	/* Sources that are not a unicast host; destinations not us. */
	const uint32_t bad_src[] = {0,
				    NET_IP_BROADCAST,
				    NET_IP4(10, 0, 2, 255),
				    NET_IP4(127, 0, 0, 1),
				    NET_IP4(224, 0, 0, 1),
				    NET_IP4(240, 0, 0, 1),
				    US};
	for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++)
		EDIT(put32(g + 26, bad_src[i]), NET_RX_IP_ADDR);
	EDIT(put32(g + 30, PEER), NET_RX_IP_ADDR);
	EDIT(put32(g + 30, NET_IP4(10, 0, 3, 255)), NET_RX_IP_ADDR);
	EDIT(put32(g + 30, NET_IP4(224, 0, 0, 1)), NET_RX_IP_ADDR);
	/* RFC 1122 §3.3.6: a link-layer broadcast must carry an IP broadcast. */
	EDIT(memcpy(g, BCAST, 6), NET_RX_IP_ADDR);
	/* Checksum wrong (edited after the fix). */
	memcpy(g, f, n);
	g[25] ^= 1;
	assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_IP_CSUM);
	/* DF alone is fine; so are options (IHL 15, 40 bytes of NOPs). */
	memcpy(g, f, n);
	put16(g + 20, 0x4000);
	fix_ip_csum(g);
	assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_ECHO_REQUEST);
	net_out_clear(&out);
	size_t m = mk_ip(g, MAC, PEER, US, 1, 15, l4, mk_echo(l4, 8));
	assert_int_equal(feed(&nif, g, m, &out, 0), NET_RX_ECHO_REQUEST);
	check_out(&out);
	net_out_clear(&out);
	/* Options running past the total length, and past the frame. */
	put16(g + 16, 59);
	fix_ip_csum(g);
	assert_int_equal(feed(&nif, g, m, &out, 0), NET_RX_IP_BAD);
	assert_int_equal(feed(&nif, g, 14 + 40, &out, 0), NET_RX_IP_BAD);
	assert_int_equal(feed(&nif, g, 14 + 59, &out, 0), NET_RX_IP_BAD);
	/* Ethernet: not for us, group destination, group or our own source, other types. */
	EDIT(g[5] ^= 1, NET_RX_NOT_MINE);
	EDIT(memcpy(g, ((uint8_t[]){0x01, 0x00, 0x5e, 0, 0, 1}), 6), NET_RX_NOT_MINE);
	EDIT(g[6] |= 1, NET_RX_ETH_BAD);
	EDIT(memcpy(g + 6, MAC, 6), NET_RX_ETH_BAD);
	EDIT(put16(g + 12, 0x86dd), NET_RX_ETHERTYPE);
	EDIT(put16(g + 12, 0x8100), NET_RX_ETHERTYPE);
	EDIT(put16(g + 12, 0x0000), NET_RX_ETHERTYPE);
#undef EDIT
}

static void test_arp_fields(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[64], g[64], mac[6];
	setup_if(&nif, &out);
	size_t n = mk_arp(f, 1, PEER_MAC, PEER, US);

	const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
	    {15, 6},	/* htype */
	    {16, 0x86}, /* ptype */
	    {18, 8},	/* hlen */
	    {19, 16},	/* plen */
	    {21, 0},	/* op 0 */
	    {21, 3},	/* op 3 (RARP) */
	    {22, 0x01}, /* group sender */
	    {28, 127},	/* loopback sender */
	    {28, 224},	/* multicast sender */
	    {28, 255},	/* broadcast-ish sender */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(g, f, n);
		g[bad[i].off] = bad[i].val;
		assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_ARP_BAD);
	}
	/* Our own address or MAC as the sender: a conflict or a loop, nothing learned. */
	memcpy(g, f, n);
	put32(g + 28, US);
	assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_ARP_BAD);
	memcpy(g, f, n);
	memcpy(g + 22, MAC, 6);
	assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_ARP_BAD);
	assert_int_equal(out.n, 0);
	/* A probe (sender 0.0.0.0, RFC 5227) for our address is answered, not learned. */
	memcpy(g, f, n);
	put32(g + 28, 0);
	assert_int_equal(feed(&nif, g, n, &out, 0), NET_RX_ARP_REQUEST);
	assert_int_equal(out.n, 1);
	assert_false(net_arp_lookup(&nif, 0, 0, mac));
	for (unsigned i = 0; i < NET_ARP_SLOTS; i++)
		assert_int_equal(nif.arp[i].ip, 0);
	/* Trailing bytes (Ethernet padding) are fine. */
	net_out_clear(&out);
	memset(f + n, 0xcc, 60 - n);
	assert_int_equal(feed(&nif, f, 60, &out, 0), NET_RX_ARP_REQUEST);
	check_out(&out);
}

static void test_l4_lengths(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], l4[1500];
	setup_if(&nif, &out);

	/* UDP length below the header, above the IP payload, and each value between. */
	size_t m = mk_udp(l4, 3333, 7, 10);
	for (unsigned ulen = 0; ulen < 40; ulen++) {
		put16(l4 + 4, (uint16_t)ulen);
		size_t n = mk_ip(f, MAC, PEER, US, 17, 5, l4, m);
		enum net_rx r = feed(&nif, f, n, &out, 0);
		assert_int_equal(r, ulen < 8 || ulen > m ? NET_RX_UDP_BAD : NET_RX_UDP_ECHO);
		check_out(&out);
		net_out_clear(&out);
	}
	/* A datagram too large to echo in one frame (it came in a jumbo frame). */
	m = mk_udp(l4, 3333, 7, 1480);
	size_t n = mk_ip(f, MAC, PEER, US, 17, 5, l4, m);
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_UDP_BAD);
	m = mk_echo(l4, 1480);
	n = mk_ip(f, MAC, PEER, US, 1, 5, l4, m);
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_ICMP_BAD);
	/* An echo request with IP options and the largest data still fits: options are not
	 * copied into the reply. */
	m = mk_echo(l4, 1472);
	n = mk_ip(f, MAC, PEER, US, 1, 6, l4, m);
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_ECHO_REQUEST);
	assert_int_equal(out.frame[0].len, 1514);
	check_out(&out);
	/* Unconfigured: unicast UDP is taken only for the DHCP client port. */
	net_if_init(&nif, MAC);
	net_out_clear(&out);
	n = mk_ip(f, MAC, PEER, US, 17, 5, l4, mk_udp(l4, 3333, 7, 4));
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_IP_ADDR);
	n = mk_ip(f, MAC, PEER, US, 1, 5, l4, mk_echo(l4, 4));
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_IP_ADDR);
	n = mk_ip(f, MAC, PEER, US, 17, 5, l4, mk_udp(l4, 67, 68, 4));
	assert_int_equal(feed(&nif, f, n, &out, 0), NET_RX_DHCP_BAD);
	assert_int_equal(out.n, 0);
}

/* Valid frames for the fuzzer to start from. */
static size_t template(unsigned k, uint8_t *f)
{
	uint8_t l4[1500];
	switch (k % 6) {
	case 0:
		return mk_arp(f, 1 + (next() & 1), PEER_MAC, (next() & 1) ? PEER : GW, US);
	case 1:
		return mk_ip(f, MAC, PEER, US, 1, 5 + next() % 11, l4, mk_echo(l4, next() % 100));
	case 2:
		return mk_ip(f, MAC, PEER, US, 17, 5, l4, mk_udp(l4, 3333, 7, next() % 100));
	case 3: {
		/* A DHCP-sized reply to the client port, options random below. */
		size_t n = mk_udp(l4, 67, 68, 240 + next() % 60);
		l4[8] = 2;
		l4[9] = 1;
		l4[10] = 6;
		put32(l4 + 8 + 236, 0x63825363);
		return mk_ip(f, BCAST, GW, NET_IP_BROADCAST, 17, 5, l4, n);
	}
	case 4: /* the reply to the pings test_fuzz sends */
		mk_echo(l4, 16);
		l4[0] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 2, ref_csum(l4, 24));
		return mk_ip(f, MAC, GW, US, 1, 5, l4, 24);
	default:
		return mk_ip(f, BCAST, PEER, NET_IP4(10, 0, 2, 255), 17, 5, l4,
			     mk_udp(l4, 3333, 7, 8));
	}
}

static void test_fuzz(void **state)
{
	(void)state;
	static struct net_if nif;
	static struct net_out out;
	static uint64_t seen[NET_RX_COUNT];
	uint8_t f[2048];
	uint64_t now = 0;

	for (int iter = 0; iter < 100000; iter++) {
		size_t n;
		if (iter % 25000 == 0) {
			setup_if(&nif, &out);
			if (iter % 50000 != 0) { /* half the run as a DHCP client */
				net_if_init(&nif, MAC);
				net_dhcp_start(&nif, 0x11223344, now, &out);
				net_out_clear(&out);
			}
		}
		switch (next() % 4) {
		case 0: /* random bytes, sometimes addressed to us */
			n = next() % 1600;
			for (size_t i = 0; i < n; i++)
				f[i] = (uint8_t)next();
			if (n >= 14 && (next() & 1)) {
				memcpy(f, MAC, 6);
				put16(f + 12, (next() & 1) ? 0x0800 : 0x0806);
			}
			break;
		default: { /* a valid frame, mutated, resized, maybe with its checksum fixed */
			n = template(next(), f);
			unsigned edits = next() % 6;
			for (unsigned e = 0; e < edits; e++)
				f[next() % n] = (uint8_t)next();
			if (next() % 4 == 0) {
				size_t m = next() % 1600;
				if (m > n)
					memset(f + n, (int)next(), m - n);
				n = m;
			}
			if (n >= 34 && get16(f + 12) == 0x0800 && (next() & 1)) {
				size_t hl = (size_t)(f[14] & 15) * 4;
				if (hl >= 20 && 14 + hl <= n)
					fix_ip_csum(f);
			}
			break;
		}
		}
		uint64_t before = rx_total(&nif);
		uint32_t sent = out.n;
		enum net_rx r = feed(&nif, f, n, &out, now);
		assert_true((unsigned)r < NET_RX_COUNT);
		assert_int_equal(rx_total(&nif), before + 1);
		seen[r]++;
		if (r >= NET_RX_DROPPED)
			assert_int_equal(out.n, sent); /* a dropped frame sends nothing */
		now += next() % 50;
		if (next() % 8 == 0)
			net_tick(&nif, now, &out);
		if (next() % 64 == 0)
			net_ping(&nif, NET_IP4(10, 0, 2, 2 + next() % 2), 0x1234, 1, next() % 64,
				 now, &out);
		check_out(&out);
		if (next() % 3 == 0)
			net_out_clear(&out);
	}
	/* The run reached every layer. */
	const enum net_rx must[] = {NET_RX_ARP_REQUEST, NET_RX_ECHO_REQUEST, NET_RX_ECHO_REPLY,
				    NET_RX_UDP_ECHO,	NET_RX_ETH_BAD,	     NET_RX_NOT_MINE,
				    NET_RX_ARP_BAD,	NET_RX_IP_BAD,	     NET_RX_IP_CSUM,
				    NET_RX_IP_ADDR,	NET_RX_ICMP_CSUM,    NET_RX_UDP_BAD,
				    NET_RX_DHCP_BAD,	NET_RX_NO_ROOM};
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		assert_true(seen[must[i]] > 0);
	if (getenv("NET_FUZZ_VERBOSE"))
		for (int i = 0; i < NET_RX_COUNT; i++)
			print_message("rx[%d] = %llu\n", i, (unsigned long long)seen[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truncations), cmocka_unit_test(test_ip_fields),
	    cmocka_unit_test(test_arp_fields),	cmocka_unit_test(test_l4_lengths),
	    cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
