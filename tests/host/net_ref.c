/* net_ref: the lib/net host tests' shared references (net_ref.h). */
#include "net_ref.h"

#include <string.h>

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

uint16_t ref_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t ref_udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t n)
{
	uint8_t b[12 + 2048];
	put32(b, src);
	put32(b + 4, dst);
	b[8] = 0;
	b[9] = 17;
	put16(b + 10, (uint16_t)n);
	memcpy(b + 12, udp, n);
	return ref_csum(b, 12 + n);
}

size_t opts(uint8_t *o, uint8_t type, uint32_t lease, uint32_t t1, uint32_t t2)
{
	size_t i = 0;
	o[i++] = 53, o[i++] = 1, o[i++] = type;
	o[i++] = 54, o[i++] = 4, put32(o + i, SERVER), i += 4;
	if (type != 6) {
		o[i++] = 1, o[i++] = 4, put32(o + i, MASK), i += 4;
		o[i++] = 3, o[i++] = 4, put32(o + i, SERVER), i += 4;
		o[i++] = 6, o[i++] = 4, put32(o + i, DNS), i += 4;
		o[i++] = 51, o[i++] = 4, put32(o + i, lease), i += 4;
		if (t1 != 0) {
			o[i++] = 58, o[i++] = 4, put32(o + i, t1), i += 4;
			o[i++] = 59, o[i++] = 4, put32(o + i, t2), i += 4;
		}
	}
	o[i++] = 255;
	return i;
}

size_t mk_reply(uint8_t *f, uint32_t dst, uint32_t xid, uint32_t yiaddr, const uint8_t *o,
		size_t olen)
{
	uint8_t *ip = f + 14, *u = ip + 20, *b = u + 8;
	size_t blen = 240 + olen;

	memcpy(f, dst == NET_IP_BROADCAST ? BCAST : MAC, 6);
	memcpy(f + 6, GW_MAC, 6);
	put16(f + 12, 0x0800);
	memset(b, 0, 240);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	put32(b + 4, xid);
	put32(b + 16, yiaddr);
	put32(b + 20, SERVER);
	memcpy(b + 28, MAC, 6);
	put32(b + 236, 0x63825363);
	memcpy(b + 240, o, olen);
	put16(u, 67);
	put16(u + 2, 68);
	put16(u + 4, (uint16_t)(8 + blen));
	put16(u + 6, 0);
	put16(u + 6, ref_udp_csum(SERVER, dst, u, 8 + blen));
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + blen));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, SERVER);
	put32(ip + 16, dst);
	put16(ip + 10, ref_csum(ip, 20));
	return 14 + 28 + blen;
}
