/* wire: the on-the-wire layouts of the IPv4 stack (lib/net): Ethernet II, ARP for IPv4
 * over Ethernet (RFC 826), IPv4 (RFC 791), ICMP echo (RFC 792), UDP (RFC 768) and the
 * fixed part of a BOOTP/DHCP message (RFC 951, RFC 2131 §2), with their constants.
 *
 * Naming: NET_ETH_* Ethernet, NET_ARP_* ARP, NET_IP_* IPv4, NET_ICMP_* ICMP, NET_UDP_*
 * UDP, NET_DHCP_* DHCP (NET_DHCP_OPT_* option codes, NET_DHCP_MSG_* message types).
 *
 * Every multi-byte field is big-endian (network order) on the wire. The structs are
 * packed and never overlaid on a buffer: code copies a header out of the frame with
 * memcpy, converts with net_ntoh*, and writes one back the same way, so alignment and
 * aliasing never matter. IPv4 addresses are uint32_t in host order everywhere else
 * (NET_IP4(10, 0, 2, 15) is 10.0.2.15).
 */
#ifndef CAPOS_LIB_NET_WIRE_H
#define CAPOS_LIB_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define NET_PACKED __attribute__((packed))

#define NET_IP4(a, b, c, d)                                                                        \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define NET_IP_BROADCAST 0xffffffffu

/* Byte order. x86_64 is little-endian; the big-endian case is there so the header says
 * what it means. */
static inline uint16_t net_htons(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

static inline uint32_t net_htonl(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

static inline uint16_t net_ntohs(uint16_t v)
{
	return net_htons(v);
}

static inline uint32_t net_ntohl(uint32_t v)
{
	return net_htonl(v);
}

/* Big-endian loads and stores at any byte address (options, addresses in ARP). */
static inline uint16_t net_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t net_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void net_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Ethernet II header. Frames exclude the preamble and the FCS; a frame shorter than
 * NET_ETH_MIN_FRAME is padded with zeros on output (IEEE 802.3 minimum of 64 bytes with
 * the FCS). */
#define NET_ETH_ALEN	  6
#define NET_ETH_HLEN	  14
#define NET_ETH_MTU	  1500
#define NET_ETH_MIN_FRAME 60
#define NET_ETH_MAX_FRAME (NET_ETH_HLEN + NET_ETH_MTU)
#define NET_ETH_P_IPV4	  0x0800
#define NET_ETH_P_ARP	  0x0806
/* The I/G bit: set in the first octet of group (multicast and broadcast) addresses. */
#define NET_ETH_GROUP_BIT 0x01

struct net_eth_hdr {
	uint8_t dst[NET_ETH_ALEN];
	uint8_t src[NET_ETH_ALEN];
	uint16_t type; /* NET_ETH_P_* */
} NET_PACKED;
_Static_assert(sizeof(struct net_eth_hdr) == NET_ETH_HLEN, "net_eth_hdr");

/* ARP for IPv4 over Ethernet (RFC 826 "Packet format"): 28 bytes. */
#define NET_ARP_LEN	    28
#define NET_ARP_HTYPE_ETHER 1
#define NET_ARP_OP_REQUEST  1
#define NET_ARP_OP_REPLY    2

struct net_arp_pkt {
	uint16_t htype; /* NET_ARP_HTYPE_ETHER */
	uint16_t ptype; /* NET_ETH_P_IPV4 */
	uint8_t hlen;	/* NET_ETH_ALEN */
	uint8_t plen;	/* 4 */
	uint16_t op;	/* NET_ARP_OP_* */
	uint8_t sha[NET_ETH_ALEN];
	uint8_t spa[4];
	uint8_t tha[NET_ETH_ALEN];
	uint8_t tpa[4];
} NET_PACKED;
_Static_assert(sizeof(struct net_arp_pkt) == NET_ARP_LEN, "net_arp_pkt");

/* IPv4 header (RFC 791 §3.1) without options: 20 bytes. ver_ihl holds the version (4) in
 * the high nibble and the header length in 32-bit words (5..15) in the low one. */
#define NET_IP_HLEN	   20
#define NET_IP_VERSION	   4
#define NET_IP_VER(vi)	   ((uint8_t)(vi) >> 4)
#define NET_IP_IHL(vi)	   ((uint8_t)(vi)&0x0fu)
#define NET_IP_VER_IHL	   ((NET_IP_VERSION << 4) | (NET_IP_HLEN / 4))
#define NET_IP_FLAG_DF	   0x4000 /* frag: don't fragment */
#define NET_IP_FLAG_MF	   0x2000 /* frag: more fragments */
#define NET_IP_FRAG_OFFSET 0x1fff /* frag: fragment offset, 8-byte units */
#define NET_IP_TTL	   64
#define NET_IP_PROTO_ICMP  1
#define NET_IP_PROTO_UDP   17

struct net_ip_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t total_len; /* header, options and payload */
	uint16_t id;
	uint16_t frag; /* flags and fragment offset */
	uint8_t ttl;
	uint8_t proto; /* NET_IP_PROTO_* */
	uint16_t csum; /* over the header and options (RFC 791 §3.1 "Header Checksum") */
	uint32_t src;
	uint32_t dst;
} NET_PACKED;
_Static_assert(sizeof(struct net_ip_hdr) == NET_IP_HLEN, "net_ip_hdr");

/* ICMP echo and echo reply (RFC 792 "Echo or Echo Reply Message"): 8 bytes, then the
 * data. The checksum covers the whole ICMP message. */
#define NET_ICMP_HLEN	      8
#define NET_ICMP_ECHO_REPLY   0
#define NET_ICMP_ECHO_REQUEST 8

struct net_icmp_echo {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	uint16_t id;
	uint16_t seq;
} NET_PACKED;
_Static_assert(sizeof(struct net_icmp_echo) == NET_ICMP_HLEN, "net_icmp_echo");

/* UDP header (RFC 768): 8 bytes. len counts the header and the data; a checksum of 0
 * means the sender computed none. */
#define NET_UDP_HLEN	   8
#define NET_UDP_PORT_ECHO  7 /* RFC 862 */
#define NET_UDP_PORT_DHCPS 67
#define NET_UDP_PORT_DHCPC 68

struct net_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t csum;
} NET_PACKED;
_Static_assert(sizeof(struct net_udp_hdr) == NET_UDP_HLEN, "net_udp_hdr");

/* BOOTP/DHCP fixed part (RFC 2131 §2, Figure 1): 236 bytes, then the magic cookie
 * 99.130.83.99 (RFC 2131 §3) and the options. RFC 951 gave the vendor area 64 bytes, so a
 * BOOTP message is at least 300 bytes (NET_DHCP_MIN_LEN). */
#define NET_DHCP_FIXED_LEN   236
#define NET_DHCP_COOKIE	     0x63825363u
#define NET_DHCP_OPT_OFF     (NET_DHCP_FIXED_LEN + 4)
#define NET_DHCP_MIN_LEN     300
#define NET_DHCP_OP_REQUEST  1
#define NET_DHCP_OP_REPLY    2
#define NET_DHCP_HTYPE_ETHER 1

/* Options (RFC 2132) the client sends or reads. */
#define NET_DHCP_OPT_PAD	  0
#define NET_DHCP_OPT_SUBNET_MASK  1
#define NET_DHCP_OPT_ROUTER	  3
#define NET_DHCP_OPT_DNS	  6
#define NET_DHCP_OPT_REQUESTED_IP 50
#define NET_DHCP_OPT_LEASE_TIME	  51
#define NET_DHCP_OPT_OVERLOAD	  52
#define NET_DHCP_OPT_MSG_TYPE	  53
#define NET_DHCP_OPT_SERVER_ID	  54
#define NET_DHCP_OPT_PARAM_LIST	  55
#define NET_DHCP_OPT_T1		  58
#define NET_DHCP_OPT_T2		  59
#define NET_DHCP_OPT_CLIENT_ID	  61
#define NET_DHCP_OPT_END	  255

/* Message types, option 53 (RFC 2132 §9.6). */
#define NET_DHCP_MSG_DISCOVER 1
#define NET_DHCP_MSG_OFFER    2
#define NET_DHCP_MSG_REQUEST  3
#define NET_DHCP_MSG_DECLINE  4
#define NET_DHCP_MSG_ACK      5
#define NET_DHCP_MSG_NAK      6
#define NET_DHCP_MSG_RELEASE  7

struct net_dhcp_hdr {
	uint8_t op; /* NET_DHCP_OP_* */
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
} NET_PACKED;
_Static_assert(sizeof(struct net_dhcp_hdr) == NET_DHCP_FIXED_LEN, "net_dhcp_hdr");
_Static_assert(offsetof(struct net_dhcp_hdr, chaddr) == 28, "net_dhcp_hdr chaddr");
_Static_assert(offsetof(struct net_dhcp_hdr, sname) == 44, "net_dhcp_hdr sname");
_Static_assert(offsetof(struct net_dhcp_hdr, file) == 108, "net_dhcp_hdr file");

#endif
