/* net_ref: what the lib/net host tests share, written independently of the
 * library: byte order by hand, the Internet checksum (RFC 1071) and the UDP
 * pseudo-header sum the naive way, QEMU user network addresses, and the DHCP
 * server's replies (options and whole BOOTREPLY frames). */
#ifndef CAPOS_TESTS_NET_REF_H
#define CAPOS_TESTS_NET_REF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/net/net.h"

#define NET_REF_UNUSED __attribute__((unused))
static const uint8_t MAC[6] NET_REF_UNUSED = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};    /* QEMU's */
static const uint8_t GW_MAC[6] NET_REF_UNUSED = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02}; /* slirp */
static const uint8_t PEER_MAC[6] NET_REF_UNUSED = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
static const uint8_t BCAST[6] NET_REF_UNUSED = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define US     NET_IP4(10, 0, 2, 15)
#define GW     NET_IP4(10, 0, 2, 2)
#define SERVER NET_IP4(10, 0, 2, 2)
#define DNS    NET_IP4(10, 0, 2, 3)
#define PEER   NET_IP4(10, 0, 2, 7)
#define MASK   NET_IP4(255, 255, 255, 0)

void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);
uint16_t ref_csum(const uint8_t *p, size_t n);
uint16_t ref_udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t n);

/* opts: DHCP options 53 (type) and the usual set: 54, 1, 3, 6, 51 (and 58, 59
 * if t1), end; returns their length. */
size_t opts(uint8_t *o, uint8_t type, uint32_t lease, uint32_t t1, uint32_t t2);
/* mk_reply: a BOOTREPLY from the server's port 67 to the client's 68, to dst
 * (broadcast, as slirp sends, unless told otherwise), carrying options o. */
size_t mk_reply(uint8_t *f, uint32_t dst, uint32_t xid, uint32_t yiaddr, const uint8_t *o,
		size_t olen);

#endif
