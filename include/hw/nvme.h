/* NVMe controller registers and admin structures used by the kernel's MSI-X
 * proof (NVM Express Base Specification 2.0, §3.1 controller registers, §4.2
 * submission and §4.6 completion queue entries). */
#ifndef CAPOS_HW_NVME_H
#define CAPOS_HW_NVME_H

#include <stdint.h>

enum nvme_reg {
	NVME_CAP = 0x00, /* 64 bits */
	NVME_VS = 0x08,
	NVME_INTMS = 0x0c,
	NVME_INTMC = 0x10,
	NVME_CC = 0x14,
	NVME_CSTS = 0x1c,
	NVME_AQA = 0x24,
	NVME_ASQ = 0x28, /* 64 bits */
	NVME_ACQ = 0x30, /* 64 bits */
	NVME_DOORBELL = 0x1000,
};

#define NVME_CAP_DSTRD_SHIFT 32 /* doorbell stride: 4 << DSTRD bytes */
#define NVME_CAP_DSTRD_MASK  0xfull
#define NVME_CAP_TO_SHIFT    24 /* ready timeout, 500 ms units */
#define NVME_CAP_TO_MASK     0xffull

#define NVME_CC_EN	     (1u << 0)
#define NVME_CC_IOSQES_SHIFT 16
#define NVME_CC_IOCQES_SHIFT 20
#define NVME_CSTS_RDY	     (1u << 0)
#define NVME_CSTS_CFS	     (1u << 1)

#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_IDENTIFY_CTRL  0x01

struct nvme_sqe {
	uint32_t cdw0; /* opcode 7:0, command id 31:16 */
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_sqe) == 64, "NVMe submission queue entry");

struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sq_head;
	uint16_t sq_id;
	uint16_t cid;
	uint16_t status; /* bit 0: phase tag; 15:1 status field */
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_cqe) == 16, "NVMe completion queue entry");

#endif
