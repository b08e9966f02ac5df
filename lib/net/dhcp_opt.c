/* dhcp_opt: the bounded walk over received DHCP options (RFC 2132 §2). */
#include "lib/net/dhcp_opt.h"

#include "lib/net/wire.h"
#include "lib/str.h"

/* A 4-byte option (RFC 2132 §3.3, §9.2, §9.7, §9.11, §9.12), at most once. */
static enum net_dhcp_opt_status one_addr(const uint8_t *v, size_t n, bool *has, uint32_t *out)
{
	if (*has)
		return NET_DHCP_OPT_E_DUP;
	if (n != 4)
		return NET_DHCP_OPT_E_LEN;
	*has = true;
	*out = net_get32(v);
	return NET_DHCP_OPT_OK;
}

/* A list of addresses (RFC 2132 §3.5, §3.8: length a multiple of 4, at least 4): the
 * first is kept. */
static enum net_dhcp_opt_status addr_list(const uint8_t *v, size_t n, bool *has, uint32_t *out)
{
	if (*has)
		return NET_DHCP_OPT_E_DUP;
	if (n < 4 || n % 4 != 0)
		return NET_DHCP_OPT_E_LEN;
	*has = true;
	*out = net_get32(v);
	return NET_DHCP_OPT_OK;
}

static enum net_dhcp_opt_status one(struct net_dhcp_opts *o, uint8_t code, const uint8_t *v,
				    size_t n)
{
	switch (code) {
	case NET_DHCP_OPT_MSG_TYPE:
		if (o->msg_type != 0)
			return NET_DHCP_OPT_E_DUP;
		if (n != 1 || v[0] == 0)
			return NET_DHCP_OPT_E_LEN;
		o->msg_type = v[0];
		return NET_DHCP_OPT_OK;
	case NET_DHCP_OPT_OVERLOAD:
		return NET_DHCP_OPT_E_OVERLOAD;
	case NET_DHCP_OPT_SUBNET_MASK:
		return one_addr(v, n, &o->has_mask, &o->mask);
	case NET_DHCP_OPT_SERVER_ID:
		return one_addr(v, n, &o->has_server, &o->server);
	case NET_DHCP_OPT_LEASE_TIME:
		return one_addr(v, n, &o->has_lease, &o->lease);
	case NET_DHCP_OPT_T1:
		return one_addr(v, n, &o->has_t1, &o->t1);
	case NET_DHCP_OPT_T2:
		return one_addr(v, n, &o->has_t2, &o->t2);
	case NET_DHCP_OPT_ROUTER:
		return addr_list(v, n, &o->has_router, &o->router);
	case NET_DHCP_OPT_DNS:
		return addr_list(v, n, &o->has_dns, &o->dns);
	default:
		return NET_DHCP_OPT_OK;
	}
}

enum net_dhcp_opt_status net_dhcp_opts_parse(const uint8_t *p, size_t len, struct net_dhcp_opts *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t code = p[i];
		enum net_dhcp_opt_status st;
		size_t n;

		/* RFC 2132 §3.1, §3.2: pad and end are the only options without a length. */
		if (code == NET_DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == NET_DHCP_OPT_END)
			return NET_DHCP_OPT_OK;
		if (len - i < 2)
			return NET_DHCP_OPT_E_TRUNC;
		n = p[i + 1];
		if (len - i - 2 < n)
			return NET_DHCP_OPT_E_TRUNC;
		st = one(o, code, p + i + 2, n);
		if (st != NET_DHCP_OPT_OK)
			return st;
		i += 2 + n;
	}
	return NET_DHCP_OPT_OK;
}
