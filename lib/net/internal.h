/* net internals: frame building and the per-protocol halves of net_input and net_tick,
 * shared by the files of lib/net and nothing else. */
#ifndef CAPOS_LIB_NET_INTERNAL_H
#define CAPOS_LIB_NET_INTERNAL_H

#include "lib/net/net.h"

/* Offsets in a frame we build (no IPv4 options). */
#define NET_L3_OFF	 NET_ETH_HLEN
#define NET_L4_OFF	 (NET_L3_OFF + NET_IP_HLEN)
#define NET_UDP_DATA_OFF (NET_L4_OFF + NET_UDP_HLEN)

/* A received IPv4 datagram, its header checked (net_input). */
struct net_ip_rx {
	const uint8_t *eth_src;
	uint32_t src;
	uint32_t dst;
	bool to_us;	   /* dst is our address */
	bool bcast;	   /* dst is the limited or our subnet's broadcast */
	const uint8_t *l4; /* the payload: l4len bytes, within the frame */
	size_t l4len;
};

/* net_ip_unicast_ok: ip can be a unicast host address: not 0, loopback (127/8),
 * multicast (224/4), reserved (240/4) or the limited broadcast (RFC 1122 §3.2.1.3). */
bool net_ip_unicast_ok(uint32_t ip);

/* net_ip_config_ok: ip with mask can be an interface address: a unicast address, a
 * nonzero contiguous mask, and not the subnet's own or broadcast address. */
bool net_ip_config_ok(uint32_t ip, uint32_t mask);

/* net_ip_is_bcast: ip is the limited broadcast or our subnet's directed broadcast. */
bool net_ip_is_bcast(const struct net_if *nif, uint32_t ip);

/* net_out_slot: the next free frame of out, or NULL (counted in tx.full). */
struct net_frame *net_out_slot(struct net_if *nif, struct net_out *out);

/* net_out_commit: appends the slot net_out_slot returned, len bytes, padded with zeros
 * to the Ethernet minimum. */
void net_out_commit(struct net_if *nif, struct net_out *out, struct net_frame *f, size_t len);

/* net_ip_frame: writes the Ethernet header (destination zero, filled by the caller or
 * net_ip_send) and an IPv4 header without options at f for l4len bytes of payload,
 * already at f + NET_L4_OFF. Returns the frame length. */
size_t net_ip_frame(struct net_if *nif, uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto,
		    size_t l4len);

/* net_udp_frame: as net_ip_frame, plus the UDP header and checksum, for len bytes of
 * data already at f + NET_UDP_DATA_OFF. Returns the frame length. */
size_t net_udp_frame(struct net_if *nif, uint8_t *f, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport, size_t len);

/* net_ip_send: routes the IPv4 frame of len bytes built in slot f (from net_out_slot) to
 * dst: a broadcast goes to the Ethernet broadcast; otherwise the next hop's MAC comes
 * from the ARP cache, or the frame is held and f becomes an ARP request (NET_PENDING).
 * Commits f unless it fails with NET_E_NOROUTE. */
enum net_status net_ip_send(struct net_if *nif, struct net_out *out, struct net_frame *f,
			    size_t len, uint32_t dst, uint64_t now_ms);

/* net_ip_input: the IPv4 datagram in the len bytes at p (the Ethernet payload) of a frame
 * from eth_src, sent to the Ethernet broadcast if eth_bcast. */
enum net_rx net_ip_input(struct net_if *nif, const uint8_t *eth_src, bool eth_bcast,
			 const uint8_t *p, size_t len, struct net_out *out, uint64_t now_ms);

/* ARP (arp.c). */
enum net_rx net_arp_input(struct net_if *nif, const uint8_t *p, size_t len, struct net_out *out,
			  uint64_t now_ms);
void net_arp_request_frame(struct net_if *nif, uint8_t *f, uint32_t target);
void net_arp_tick(struct net_if *nif, uint64_t now_ms, struct net_out *out);

/* ICMP and UDP input (icmp.c, udp.c). */
enum net_rx net_icmp_input(struct net_if *nif, const struct net_ip_rx *ip, struct net_out *out,
			   uint64_t now_ms);
enum net_rx net_udp_input(struct net_if *nif, const struct net_ip_rx *ip, struct net_out *out,
			  uint64_t now_ms);

/* The DHCP client (dhcp.c): a reply from port 67 of len bytes at msg. */
enum net_rx net_dhcp_input(struct net_if *nif, const uint8_t *msg, size_t len, struct net_out *out,
			   uint64_t now_ms);
void net_dhcp_tick(struct net_if *nif, uint64_t now_ms, struct net_out *out);

#endif
