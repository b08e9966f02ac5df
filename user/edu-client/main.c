/* edu-client: uses edu through edu-driver's Endpoint (slot 0 an
 * EndpointClient, slot 1 a Console): factorials edu computes, checked here,
 * and data sent through edu's DMA engine and back, checked byte for byte. */
#include "edu-driver/edu_proto.h"
#include "lib/capos.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle ep = {0, 1}, con = {1, 1};
	static uint8_t data[EDU_XFER_MAX], back[EDU_XFER_MAX];
	uint32_t expect = 1;
	for (uint32_t n = 1; n <= 12; n++) {
		uint32_t got = 0;
		expect *= n;
		int32_t st = capos_call(ring, ep, EDU_FACTORIAL, &n, sizeof(n), &got, sizeof(got));
		if (st != CAPOS_OK || got != expect) {
			console_printf(ring, con, "edu-client: %u! = %u, expected %u (status %d)\n",
				       n, got, expect, st);
			return 1;
		}
	}
	console_printf(ring, con, "edu-client: 1! .. 12! computed by edu, all right (12! = %u)\n",
		       expect);
	for (unsigned round = 0; round < 4; round++) {
		uint32_t len = round == 3 ? EDU_XFER_MAX : 100u + round * 500u;
		for (uint32_t i = 0; i < len; i++)
			data[i] = (uint8_t)(i * 13 + round * 7 + 1);
		int32_t st = capos_call(ring, ep, EDU_DMA, data, len, back, sizeof(back));
		for (uint32_t i = 0; st == CAPOS_OK && i < len; i++)
			if (back[i] != data[i]) {
				console_printf(ring, con, "edu-client: DMA byte %u differs\n", i);
				return 2;
			}
		if (st != CAPOS_OK) {
			console_printf(ring, con, "edu-client: DMA call failed (%d)\n", st);
			return 3;
		}
	}
	console_printf(ring, con, "edu-client: 4 transfers through edu's DMA came back intact\n");
	uint64_t none = 0;
	capos_call(ring, ep, EDU_QUIT, &none, sizeof(none), 0, 0);
	return 0;
}
