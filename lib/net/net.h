/* net: a small IPv4 host over Ethernet, as pure functions over caller-provided buffers,
 * for a userspace service on a NIC driver (virtio-net hands it Ethernet frames without
 * the virtio header). One interface: ARP (RFC 826) with a bounded cache and one packet
 * held per unresolved next hop, IPv4 (RFC 791; options accepted on input, never sent;
 * fragments dropped), ICMP echo both ways (RFC 792), UDP (RFC 768) with the echo service
 * on port 7 (RFC 862), and a DHCP client (RFC 2131).
 *
 * Nothing here keeps time, allocates or sends: every call takes the current time in
 * milliseconds (monotonic) and appends the frames to send to a struct net_out the caller
 * provides; the caller then sends out->frame[0 .. out->n-1] and clears it (net_out_clear).
 * A frame that does not fit in out is dropped and counted (tx.full).
 *
 * Trust. Every received frame is hostile: each length and field is checked before use,
 * every option walk is bounded by the message, and net_input accounts for every frame
 * exactly once in rx[] (the enum net_rx it returns).
 *
 * Use, on QEMU's user network (-netdev user: 10.0.2.2 gateway and DHCP server):
 *	struct net_if nif; struct net_out out;
 *	net_if_init(&nif, mac);
 *	net_out_clear(&out);
 *	net_dhcp_start(&nif, xid, now(), &out);		  xid: random per boot
 *	loop: for each received frame: net_input(&nif, f, len, &out, now());
 *	      every ~100 ms: net_tick(&nif, now(), &out);
 *	      send out's frames; net_out_clear(&out);
 *	once nif.dhcp.state == NET_DHCP_BOUND: net_ping, net_udp_send, ...
 */
#ifndef CAPOS_LIB_NET_NET_H
#define CAPOS_LIB_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net/wire.h"

#define NET_OUT_MAX	  4	/* frames one call may emit */
#define NET_ARP_SLOTS	  8	/* ARP cache entries */
#define NET_ARP_TTL_MS	  60000 /* an entry is used for this long after it was learned */
#define NET_ARP_RETRY_MS  1000	/* ARP request retransmission for the held packet */
#define NET_ARP_TRIES	  3	/* requests sent before the held packet is dropped */
#define NET_UDP_MAX_DATA  (NET_ETH_MTU - NET_IP_HLEN - NET_UDP_HLEN)  /* 1472 */
#define NET_PING_MAX_DATA (NET_ETH_MTU - NET_IP_HLEN - NET_ICMP_HLEN) /* 1472 */

enum net_status {
	NET_OK = 0,	    /* the frame is in out */
	NET_PENDING = 1,    /* held until ARP resolves the next hop; an ARP request is in out */
	NET_E_INVAL = -1,   /* bad argument (length, address, port) */
	NET_E_NOADDR = -2,  /* the interface has no address yet */
	NET_E_NOROUTE = -3, /* off the subnet and no gateway */
	NET_E_FULL = -4,    /* out has no room (counted in tx.full) */
};

/* What net_input did with a frame; also the index of the counter it incremented. The
 * values before NET_RX_DROPPED are frames consumed; the others are dropped. */
enum net_rx {
	NET_RX_ARP_REQUEST,  /* an ARP request for our address: answered */
	NET_RX_ARP_REPLY,    /* an ARP reply to us: learned */
	NET_RX_ARP_OTHER,    /* a valid ARP packet for someone else (may refresh an entry) */
	NET_RX_ECHO_REQUEST, /* an ICMP echo request to us: answered */
	NET_RX_ECHO_REPLY,   /* the reply to our outstanding ping: recorded */
	NET_RX_UDP_ECHO,     /* a datagram to UDP port 7: echoed */
	NET_RX_DHCP,	     /* a DHCP reply the client acted on */
	NET_RX_DROPPED,	     /* first drop reason */
	NET_RX_ETH_BAD = NET_RX_DROPPED, /* shorter than a header, or a group or our own source */
	NET_RX_NOT_MINE,		 /* Ethernet destination neither us nor broadcast */
	NET_RX_ETHERTYPE,		 /* neither IPv4 nor ARP */
	NET_RX_ARP_BAD,			 /* truncated, not IPv4 over Ethernet, bad op or sender */
	NET_RX_IP_BAD,			 /* truncated, version, IHL, total length */
	NET_RX_IP_CSUM,			 /* header checksum */
	NET_RX_IP_FRAG,			 /* a fragment (reassembly is not done) */
	NET_RX_IP_ADDR,			 /* bad source, or destination not us */
	NET_RX_IP_PROTO,		 /* neither ICMP nor UDP */
	NET_RX_ICMP_BAD,		 /* truncated, or a reply too large to send */
	NET_RX_ICMP_CSUM,
	NET_RX_ICMP_OTHER, /* other types, broadcast echoes, replies nobody waits for */
	NET_RX_UDP_BAD,	   /* truncated, length field, or an echo too large or from port 0/7 */
	NET_RX_UDP_CSUM,
	NET_RX_UDP_PORT,     /* no service on the port, or an echo to a broadcast */
	NET_RX_DHCP_BAD,     /* malformed BOOTP or options, or an unusable offer or ACK */
	NET_RX_DHCP_IGNORED, /* well-formed but not for this exchange or state */
	NET_RX_NO_ROOM,	     /* the answer did not fit in out */
	NET_RX_COUNT
};

struct net_tx_counters {
	uint64_t frames;   /* appended to an out */
	uint64_t full;	   /* dropped: out had no room */
	uint64_t arp_drop; /* held packets dropped: replaced, or the next hop never answered */
	uint64_t no_route; /* refused with NET_E_NOROUTE */
};

struct net_frame {
	uint16_t len;
	uint8_t data[NET_ETH_MAX_FRAME];
};

struct net_out {
	uint32_t n;
	struct net_frame frame[NET_OUT_MAX];
};

struct net_arp_entry {
	uint32_t ip; /* 0: free */
	uint8_t mac[NET_ETH_ALEN];
	uint64_t stamp_ms; /* learned or last refreshed */
};

/* The one packet waiting for its next hop's MAC (RFC 1122 §2.3.2.2: at least one). */
struct net_held {
	bool used;
	uint8_t tries; /* ARP requests sent */
	uint32_t next_hop;
	uint64_t sent_ms; /* last ARP request */
	uint16_t len;
	uint8_t data[NET_ETH_MAX_FRAME]; /* the whole frame; its Ethernet destination unset */
};

struct net_ping {
	bool waiting; /* a request is out, no reply yet */
	bool replied; /* a reply arrived and net_ping_reply has not taken it */
	uint32_t dst;
	uint16_t id;
	uint16_t seq;
	uint64_t sent_ms;
	uint64_t rtt_ms;
};

enum net_dhcp_state {
	NET_DHCP_OFF,	     /* not started (or a static address) */
	NET_DHCP_SELECTING,  /* DISCOVER sent, waiting for an OFFER */
	NET_DHCP_REQUESTING, /* REQUEST sent for an offer, waiting for ACK or NAK */
	NET_DHCP_BOUND,	     /* configured; renewing at T1 */
	NET_DHCP_RENEWING,   /* REQUEST unicast to the server, until T2 */
	NET_DHCP_REBINDING,  /* REQUEST broadcast, until the lease ends */
};

struct net_dhcp {
	enum net_dhcp_state state;
	uint32_t xid;
	uint32_t rng;	   /* retransmission jitter (RFC 2131 §4.1), seeded from the xid */
	uint32_t server;   /* server identifier (option 54) of the offer or lease */
	uint32_t offer;	   /* yiaddr of the offer being requested */
	uint32_t dns;	   /* first DNS server (option 6), 0 if none */
	uint32_t lease_s;  /* lease time (option 51); 0xffffffff is infinite */
	uint32_t tries;	   /* transmissions of the current message */
	uint64_t start_ms; /* this exchange began (the secs field) */
	uint64_t sent_ms;  /* first REQUEST of this exchange: the lease counts from here */
	uint64_t next_ms;  /* next retransmission */
	uint64_t t1_ms, t2_ms, end_ms; /* absolute; UINT64_MAX for an infinite lease */
	uint32_t restarts;	       /* NAKs, give-ups and expiries that began again */
};

struct net_if {
	uint8_t mac[NET_ETH_ALEN];
	uint32_t ip;   /* 0 until configured */
	uint32_t mask; /* contiguous */
	uint32_t gw;   /* 0: none */
	uint16_t ip_id;
	struct net_dhcp dhcp;
	struct net_arp_entry arp[NET_ARP_SLOTS];
	struct net_held held;
	struct net_ping ping;
	uint64_t rx[NET_RX_COUNT];
	struct net_tx_counters tx;
};

/* net_out_clear: empties out. */
static inline void net_out_clear(struct net_out *out)
{
	out->n = 0;
}

/* net_if_init: an unconfigured interface with the given unicast MAC, every counter 0. */
void net_if_init(struct net_if *nif, const uint8_t mac[NET_ETH_ALEN]);

/* net_if_set_addr: a static configuration (DHCP off). Returns NET_E_INVAL for a 0,
 * broadcast or multicast address, a non-contiguous mask, or a gateway off the subnet. */
enum net_status net_if_set_addr(struct net_if *nif, uint32_t ip, uint32_t mask, uint32_t gw);

/* net_input: one received Ethernet frame (no FCS) of len bytes. Answers ARP requests for
 * our address, learns ARP replies (sending a held packet), answers ICMP echo requests,
 * records the reply to our ping, echoes UDP port 7, feeds DHCP replies to the client.
 * Returns what it did (and counted); never reads outside frame[0 .. len-1]. */
enum net_rx net_input(struct net_if *nif, const uint8_t *frame, size_t len, struct net_out *out,
		      uint64_t now_ms);

/* net_tick: timers. DHCP retransmission and lease renewal, ARP retransmission for the
 * held packet (dropped after NET_ARP_TRIES requests). Call every 100 ms or so. */
void net_tick(struct net_if *nif, uint64_t now_ms, struct net_out *out);

/* net_dhcp_start: drops any address and begins DHCP: a DISCOVER with transaction id xid
 * (random, RFC 2131 §4.4.1), retransmitted by net_tick until an offer comes. */
enum net_status net_dhcp_start(struct net_if *nif, uint32_t xid, uint64_t now_ms,
			       struct net_out *out);

/* net_ping: an ICMP echo request to dst with identifier id, sequence seq and len bytes
 * of data (at most NET_PING_MAX_DATA, a byte pattern), through ARP. Replaces any earlier
 * outstanding ping. Returns NET_OK, NET_PENDING, or an error. */
enum net_status net_ping(struct net_if *nif, uint32_t dst, uint16_t id, uint16_t seq, size_t len,
			 uint64_t now_ms, struct net_out *out);

/* net_ping_reply: true once if the reply to the last ping arrived, with its sequence
 * number and round-trip time. */
bool net_ping_reply(struct net_if *nif, uint16_t *seq, uint64_t *rtt_ms);

/* net_udp_send: a datagram of len bytes (at most NET_UDP_MAX_DATA) to dst:dport from our
 * address, port sport, through ARP (dst 255.255.255.255 or the subnet broadcast goes to
 * the Ethernet broadcast). Returns NET_OK, NET_PENDING, or an error. */
enum net_status net_udp_send(struct net_if *nif, uint32_t dst, uint16_t sport, uint16_t dport,
			     const void *data, size_t len, uint64_t now_ms, struct net_out *out);

/* net_arp_lookup: the MAC learned for ip, if any and younger than NET_ARP_TTL_MS. */
bool net_arp_lookup(const struct net_if *nif, uint32_t ip, uint64_t now_ms,
		    uint8_t mac[NET_ETH_ALEN]);

#endif
