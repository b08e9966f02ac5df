/* edu_proto: what edu-driver serves on its Endpoint (raw little-endian bytes;
 * the kernel does not interpret EndpointClient calls). */
#ifndef CAPOS_USER_EDU_PROTO_H
#define CAPOS_USER_EDU_PROTO_H

#include <stdint.h>

enum edu_method {
	EDU_FACTORIAL = 1, /* params: uint32 n; result: uint32 n! (mod 2^32), computed by edu */
	EDU_DMA = 2,	   /* params: 1..EDU_XFER_MAX bytes; result: the same bytes, having gone
			    * RAM -> edu's buffer -> RAM by edu's DMA engine */
	EDU_QUIT = 3,	   /* the driver releases its Device and exits */
};

/* QEMU 7.2's edu refuses a transfer that ends exactly at its buffer's end. */
#define EDU_XFER_MAX 2048u

#endif
