/* csum: the Internet checksum (RFC 1071). */
#include "lib/net/csum.h"

#include "lib/net/wire.h"

void net_csum_init(struct net_csum *c)
{
	c->sum = 0;
	c->odd = false;
}

void net_csum_add(struct net_csum *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i = 0;

	if (len == 0)
		return;
	if (c->odd) {
		c->sum += p[0];
		i = 1;
	}
	/* A uint64_t holds the sum of 2^48 words without overflow: no fold inside the loop
	 * (RFC 1071 §2(C), deferred carries). */
	for (; i + 1 < len; i += 2)
		c->sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		c->sum += (uint32_t)p[i] << 8;
	c->odd = ((len - (c->odd ? 1 : 0)) & 1) != 0;
}

uint16_t net_csum_fold(const struct net_csum *c)
{
	uint64_t s = c->sum;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t net_csum(const void *buf, size_t len)
{
	struct net_csum c;

	net_csum_init(&c);
	net_csum_add(&c, buf, len);
	return net_csum_fold(&c);
}

void net_csum_pseudo(struct net_csum *c, uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint8_t ph[12];

	net_put32(ph, src);
	net_put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	net_put16(ph + 10, len);
	net_csum_add(c, ph, sizeof(ph));
}

uint16_t net_csum_udp(uint32_t src, uint32_t dst, const void *udp, size_t len)
{
	struct net_csum c;

	net_csum_init(&c);
	net_csum_pseudo(&c, src, dst, NET_IP_PROTO_UDP, (uint16_t)len);
	net_csum_add(&c, udp, len);
	return net_csum_fold(&c);
}
