/* blk_proto: the BlockDevice protocol virtio-blk serves on its Endpoint (raw
 * little-endian words; docs/virtio.md). Setup goes through calls; data moves
 * through a lib/blkq region in the client's SharedMemory, with an Event each
 * way:
 *   BLK_INFO    -> {capacity in blocks, block size, read-only}
 *   BLK_CONNECT with [SharedMemory (a blkq the client initialised), the
 *               client's Event] beside it -> the driver's Event beside the
 *               reply. The client signals the driver's Event after submitting;
 *               the driver signals the client's after completing. */
#ifndef CAPOS_USER_BLK_PROTO_H
#define CAPOS_USER_BLK_PROTO_H

#include <stdint.h>

enum blk_method {
	BLK_INFO = 1,
	BLK_CONNECT = 2,
};

struct blk_info {
	uint64_t capacity; /* blocks of block_size */
	uint32_t block_size;
	uint32_t read_only;
};

#define BLK_MAX_REQUEST (64u * 1024u) /* bytes per request; larger ones: BLKQ_E_BAD */

/* A FLUSH with this id closes the connection: once it completes the driver
 * stops the device and ends (one client per driver instance, for now). */
#define BLK_CLOSE_ID 0xffffffffffffffffull

/* Fault injection for the restart test (tests/qemu/virtio.smoke): a request
 * with this id makes the driver fault on the spot, requests in flight. */
#define BLK_CRASH_ID 0xdeadd00ddeadd00dull

#endif
