/* dhcp_opt: the options of a received DHCP message (RFC 2132), read in one bounded walk
 * into a struct, for the client (dhcp.c). */
#ifndef CAPOS_LIB_NET_DHCP_OPT_H
#define CAPOS_LIB_NET_DHCP_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum net_dhcp_opt_status {
	NET_DHCP_OPT_OK = 0,
	NET_DHCP_OPT_E_TRUNC = -1,    /* a length byte or a value runs past the end */
	NET_DHCP_OPT_E_LEN = -2,      /* a known option with a wrong length */
	NET_DHCP_OPT_E_DUP = -3,      /* a known option twice (RFC 3396 splitting is refused) */
	NET_DHCP_OPT_E_OVERLOAD = -4, /* option 52: options in sname/file are refused */
};

/* What the client reads. Each has_* says the option was present. */
struct net_dhcp_opts {
	uint8_t msg_type; /* option 53; 0 if absent */
	bool has_mask, has_router, has_dns, has_server, has_lease, has_t1, has_t2;
	uint32_t mask;	 /* 1 */
	uint32_t router; /* 3: the first */
	uint32_t dns;	 /* 6: the first */
	uint32_t server; /* 54 */
	uint32_t lease;	 /* 51, seconds */
	uint32_t t1;	 /* 58, seconds */
	uint32_t t2;	 /* 59, seconds */
};

/* net_dhcp_opts_parse: walks the len bytes of options at p (after the magic cookie) up
 * to the end option or the end of the buffer, whichever comes first; pads are skipped,
 * unknown options stepped over by their length. Every step moves forward by at least
 * one byte and never reads past p + len. Returns NET_DHCP_OPT_OK with *o filled, or an
 * error (the message is to be dropped). */
enum net_dhcp_opt_status net_dhcp_opts_parse(const uint8_t *p, size_t len, struct net_dhcp_opts *o);

#endif
