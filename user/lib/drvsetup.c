/* drvsetup: INFO and CONNECT for userspace drivers. */
#include "drvsetup.h"
#include "capos.h"
#include "capshm.h"

bool drvsetup_accept(struct capos_ring *r, struct capos_handle ep, const struct drvsetup *s,
		     struct capos_handle *shm, struct capos_handle *mapping,
		     struct capos_handle *cli_ev)
{
	uint64_t buf[4];
	struct capos_handle got[2];
	struct capos_cqe c;
	for (;;) {
		if (capos_recv(r, ep, buf, sizeof(buf), got, 2, &c) != CAPOS_OK)
			return false;
		if (c.method == s->info_method) {
			capos_return(r, c.aux, s->info, s->info_len, 0, false);
			continue;
		}
		uint64_t bytes = 0;
		volatile uint8_t *base = 0;
		if (c.method != s->connect_method || c.xfer_count != 2 ||
		    shm_map(r, got[0], mapping, &base, &bytes) != CAPOS_OK ||
		    !s->attach(s->ctx, base, bytes)) {
			uint64_t no = 0;
			capos_return(r, c.aux, &no, sizeof(no), 0, false);
			for (uint32_t i = 0; i < c.xfer_count && i < 2; i++)
				capos_release(r, got[i]);
			continue;
		}
		*shm = got[0];
		*cli_ev = got[1];
		uint64_t yes = 1;
		capos_return(r, c.aux, &yes, sizeof(yes), &s->drv_ev, false);
		return true;
	}
}
