/* csum: the Internet checksum (RFC 1071), the 16-bit one's complement of the one's
 * complement sum of the data taken as big-endian 16-bit words, summed incrementally over
 * several buffers, and the UDP checksum over the IPv4 pseudo-header (RFC 768).
 *
 * Use:
 *	struct net_csum c;
 *	net_csum_init(&c);
 *	net_csum_add(&c, hdr, 8);
 *	net_csum_add(&c, data, n);	   any split, odd lengths included
 *	uint16_t v = net_csum_fold(&c);	   store with net_put16 (or net_htons)
 * Verifying: the checksum of data that includes a correct checksum field is 0.
 */
#ifndef CAPOS_LIB_NET_CSUM_H
#define CAPOS_LIB_NET_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_csum {
	uint64_t sum; /* of big-endian 16-bit words; folded only at the end */
	bool odd;     /* an odd number of bytes so far: the next one is a low byte */
};

/* net_csum_init: an empty sum. */
void net_csum_init(struct net_csum *c);

/* net_csum_add: adds len bytes at buf, continuing the word an odd earlier length left
 * open (RFC 1071 §2(A): the sum is independent of how the data is split). */
void net_csum_add(struct net_csum *c, const void *buf, size_t len);

/* net_csum_fold: the checksum (the complement of the folded sum) of everything added, in
 * host order. An odd final byte counts as padded with a zero byte (RFC 1071 §1). */
uint16_t net_csum_fold(const struct net_csum *c);

/* net_csum: the checksum of one buffer. */
uint16_t net_csum(const void *buf, size_t len);

/* net_csum_pseudo: adds the IPv4 pseudo-header (RFC 768 "Fields": source, destination,
 * zero, protocol, length) to c; the caller then adds the transport header and data. */
void net_csum_pseudo(struct net_csum *c, uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* net_csum_udp: the UDP checksum of the len bytes at udp (header, with its csum field as
 * it is, and data) sent from src to dst. To compute it, zero the field first; a computed
 * 0 is sent as 0xffff (RFC 768: 0 means "no checksum"). Verifying a nonzero received
 * field: the result is 0. */
uint16_t net_csum_udp(uint32_t src, uint32_t dst, const void *udp, size_t len);

#endif
