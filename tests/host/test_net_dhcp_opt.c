/* test_net_dhcp_opt: the DHCP client's option walk and replies against hostile bytes.
 * net_dhcp_opts_parse on every truncation of a real option block, lengths past the end,
 * overload (52), wrong lengths and duplicates of the options it reads, a thousand
 * zero-length options and pads, and 100000 random blocks checked against a plainer
 * reading of the same rules; then replies through net_input cut at every option length
 * (UDP and IP lengths kept consistent), with a length past the end or overload, and
 * 20000 random option tails, leaving a usable configuration or none. Every buffer is
 * exactly its length, so ASan sees any read past it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/net/dhcp_opt.h"
#include "lib/net/net.h"
#include "net_ref.h"

#define XID 0xc0ffee01u

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A second, plainer reading of the rules in dhcp_opt.h, for the random blocks. */
static int ref_parse(const uint8_t *p, size_t n, uint8_t *type)
{
	bool seen[256] = {false};
	*type = 0;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c == 0) {
			i++;
			continue;
		}
		if (c == 255)
			return NET_DHCP_OPT_OK;
		if (i + 1 >= n || i + 2 + p[i + 1] > n)
			return NET_DHCP_OPT_E_TRUNC;
		size_t l = p[i + 1];
		if (c == 52)
			return NET_DHCP_OPT_E_OVERLOAD;
		if (c == 1 || c == 3 || c == 6 || c == 51 || c == 53 || c == 54 || c == 58 ||
		    c == 59) {
			if (seen[c])
				return NET_DHCP_OPT_E_DUP;
			seen[c] = true;
			bool bad = c == 53	      ? l != 1 || p[i + 2] == 0
				   : c == 3 || c == 6 ? l < 4 || l % 4 != 0
						      : l != 4;
			if (bad)
				return NET_DHCP_OPT_E_LEN;
			if (c == 53)
				*type = p[i + 2];
		}
		i += 2 + l;
	}
	return NET_DHCP_OPT_OK;
}

/* Parses n bytes of options from a buffer of exactly that size. */
static enum net_dhcp_opt_status parse(const uint8_t *p, size_t n, struct net_dhcp_opts *o)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, p, n);
	enum net_dhcp_opt_status st = net_dhcp_opts_parse(n ? b : b + 1, n, o);
	free(b);
	return st;
}

static void test_options_hostile(void **state)
{
	(void)state;
	struct net_dhcp_opts d;
	uint8_t o[2048];
	size_t k = opts(o, 5, 600, 300, 500);

	assert_int_equal(parse(o, k, &d), NET_DHCP_OPT_OK);
	assert_int_equal(d.msg_type, 5);
	assert_true(d.has_mask && d.has_router && d.has_dns && d.has_server && d.has_lease);
	assert_int_equal(d.t1, 300);
	assert_int_equal(d.t2, 500);
	/* Every truncation: OK at an option boundary, E_TRUNC inside one. */
	size_t bounds[32], nb = 0;
	for (size_t i = 0; i < k; i += 2 + o[i + 1]) {
		bounds[nb++] = i;
		if (o[i] == 255)
			break;
	}
	for (size_t n = 0; n < k; n++) {
		bool at = false;
		for (size_t b = 0; b < nb; b++)
			at |= bounds[b] == n;
		assert_int_equal(parse(o, n, &d), at ? NET_DHCP_OPT_OK : NET_DHCP_OPT_E_TRUNC);
	}
	/* A length past the end; overload; wrong lengths; duplicates. */
	assert_int_equal(parse((const uint8_t[]){53, 1, 2, 6, 9, 1, 2, 3}, 8, &d),
			 NET_DHCP_OPT_E_TRUNC);
	assert_int_equal(parse((const uint8_t[]){53, 1, 2, 200, 255}, 5, &d), NET_DHCP_OPT_E_TRUNC);
	assert_int_equal(parse((const uint8_t[]){53, 1, 2, 52, 1, 3, 255}, 7, &d),
			 NET_DHCP_OPT_E_OVERLOAD);
	assert_int_equal(parse((const uint8_t[]){53, 0, 255}, 3, &d), NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){53, 2, 2, 2, 255}, 5, &d), NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){53, 1, 0}, 3, &d), NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){53, 1, 2, 53, 1, 5}, 6, &d), NET_DHCP_OPT_E_DUP);
	assert_int_equal(parse((const uint8_t[]){1, 3, 255, 255, 0}, 5, &d), NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){1, 0}, 2, &d), NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){3, 6, 1, 2, 3, 4, 5, 6}, 8, &d),
			 NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){3, 0}, 2, &d), NET_DHCP_OPT_E_LEN);
	assert_int_equal(parse((const uint8_t[]){51, 4, 0, 0, 0, 1, 51, 4, 0, 0, 0, 2}, 12, &d),
			 NET_DHCP_OPT_E_DUP);
	/* Lists keep the first address; nothing after the end option is read. */
	assert_int_equal(parse((const uint8_t[]){6, 8, 1, 1, 1, 1, 8, 8, 8, 8, 255, 53}, 12, &d),
			 NET_DHCP_OPT_OK);
	assert_int_equal(d.dns, NET_IP4(1, 1, 1, 1));
	assert_int_equal(d.msg_type, 0);
	/* Zero-length unknown options and pads, a thousand of each: the walk advances. */
	for (size_t i = 0; i < 2000; i += 2)
		o[i] = 200, o[i + 1] = 0;
	assert_int_equal(parse(o, 2000, &d), NET_DHCP_OPT_OK);
	o[1999] = 1; /* the last one's value runs off the end */
	assert_int_equal(parse(o, 2000, &d), NET_DHCP_OPT_E_TRUNC);
	memset(o, 0, 2000);
	assert_int_equal(parse(o, 2000, &d), NET_DHCP_OPT_OK);
	assert_int_equal(parse(o, 0, &d), NET_DHCP_OPT_OK);

	/* Random blocks: never out of bounds; what is accepted is consistent. */
	for (int iter = 0; iter < 100000; iter++) {
		size_t n = next() % 320;
		for (size_t i = 0; i < n; i++) {
			uint32_t r = next();
			/* Mostly codes and lengths the parser cares about. */
			static const uint8_t interesting[] = {0,  1,  3,  4,  6,  51,
							      52, 53, 54, 58, 59, 255};
			o[i] = (r & 3) == 0   ? interesting[(r >> 2) % sizeof(interesting)]
			       : (r & 3) == 1 ? (uint8_t)((r >> 2) % 9)
					      : (uint8_t)(r >> 8);
		}
		uint8_t type;
		enum net_dhcp_opt_status st = parse(o, n, &d);
		assert_int_equal(st, ref_parse(o, n, &type));
		if (st == NET_DHCP_OPT_OK)
			assert_int_equal(d.msg_type, type);
	}
}

/* Hostile replies through net_input: options cut at every length (UDP and IP lengths kept
 * consistent), an option length past the end, and random options. */
static void test_replies_hostile(void **state)
{
	(void)state;
	struct net_if nif;
	struct net_out out;
	uint8_t f[1600], o[400];
	net_if_init(&nif, MAC);
	net_out_clear(&out);
	net_dhcp_start(&nif, XID, 0, &out);
	net_out_clear(&out);

	size_t k = opts(o, 2, 600, 0, 0);
	for (size_t cut = 0; cut < k; cut++) {
		size_t n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, cut);
		uint8_t *b = malloc(n);
		memcpy(b, f, n);
		enum net_rx r = net_input(&nif, b, n, &out, 1);
		free(b);
		/* Cut right after the server identifier: a usable offer. */
		if (r == NET_RX_DHCP) {
			assert_true(cut >= 9);
			assert_int_equal(out.n, 1); /* the REQUEST */
			net_out_clear(&out);
			net_dhcp_start(&nif, XID, 0, &out);
			net_out_clear(&out);
		} else {
			assert_int_equal(r, NET_RX_DHCP_BAD);
		}
	}
	/* The last option's length runs one byte past the message. */
	o[k - 1] = 12;
	o[k] = 1;
	size_t n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k + 1);
	assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_BAD);
	/* Overload, which would move options into sname and file. */
	k = opts(o, 2, 600, 0, 0);
	o[k - 1] = 52, o[k] = 1, o[k + 1] = 3, o[k + 2] = 255;
	n = mk_reply(f, NET_IP_BROADCAST, XID, US, o, k + 3);
	assert_int_equal(net_input(&nif, f, n, &out, 1), NET_RX_DHCP_BAD);
	assert_int_equal(nif.dhcp.state, NET_DHCP_SELECTING);
	assert_int_equal(out.n, 0);

	/* Random options after a valid start (53, 54): whatever is accepted leaves the
	 * interface with a usable configuration or none. */
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t type = (next() & 1) ? 2 : 5;
		k = opts(o, type, 600, 0, 0);
		size_t extra = next() % 100;
		size_t at = (next() & 1) ? 9 : k - 1;
		for (size_t i = 0; i < extra; i++)
			o[at + i] = (uint8_t)((next() & 1) ? next() % 8 : next());
		n = mk_reply(f, NET_IP_BROADCAST, XID, next() % 8 ? US : next(), o, at + extra);
		uint8_t *b = malloc(n);
		memcpy(b, f, n);
		enum net_rx r = net_input(&nif, b, n, &out, (uint64_t)iter);
		free(b);
		assert_true(r == NET_RX_DHCP || r == NET_RX_DHCP_BAD || r == NET_RX_DHCP_IGNORED);
		if (nif.ip != 0) {
			assert_int_equal(nif.dhcp.state, NET_DHCP_BOUND);
			assert_true(nif.mask != 0 && ((~nif.mask) & (~nif.mask + 1)) == 0);
			net_dhcp_start(&nif, XID, (uint64_t)iter, &out);
		}
		net_out_clear(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options_hostile),
	    cmocka_unit_test(test_replies_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
