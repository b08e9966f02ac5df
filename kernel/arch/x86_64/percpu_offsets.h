/* percpu_offsets: offsets of struct percpu fields for assembly (percpu.h
 * asserts they match). */
#ifndef CAPOS_ARCH_PERCPU_OFFSETS_H
#define CAPOS_ARCH_PERCPU_OFFSETS_H

#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP	  16

#endif
