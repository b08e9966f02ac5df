/* nic_proto: the Nic protocol virtio-net serves on its Endpoint (raw
 * little-endian words; docs/virtio.md). Setup through calls, frames through a
 * lib/pktq region in the client's SharedMemory, with an Event each way:
 *   NIC_INFO    -> struct nic_info
 *   NIC_CONNECT with [SharedMemory (a pktq the client initialised), the
 *               client's Event] beside it -> the driver's Event beside the reply.
 * The client signals the driver's Event after queueing frames or free slots;
 * the driver signals the client's after sending or receiving. A TX frame to
 * the NIC's own MAC with EtherType NIC_CLOSE_TYPE (IEEE 802 local experimental)
 * is not sent: it closes the connection, and the driver stops the device and
 * ends (one client per driver instance, for now). */
#ifndef CAPOS_USER_NIC_PROTO_H
#define CAPOS_USER_NIC_PROTO_H

#include <stdint.h>

enum nic_method {
	NIC_INFO = 1,
	NIC_CONNECT = 2,
};

struct nic_info {
	uint8_t mac[6];
	uint16_t link_up; /* 1 up, 0 down (or the device does not say) */
	uint32_t mtu;
};

#define NIC_CLOSE_TYPE 0x88b5u

/* Fault injection for the restart test (tests/qemu/virtio.smoke): a close
 * frame whose first payload byte is NIC_CRASH_BYTE makes the driver fault on
 * the spot instead. */
#define NIC_CRASH_BYTE 'C'

#endif
