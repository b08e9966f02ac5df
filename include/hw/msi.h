/* Message Signalled Interrupts as the x86 local APIC receives them: the message address
 * and data formats (Intel SDM vol. 3A §11.11.1 and §11.11.2, xAPIC format without
 * interrupt remapping) and the MSI-X table entry (PCI Local Bus 3.0 §6.8.2.9).
 *
 * Naming: MSI_ADDR_<FIELD> masks apply to the low 32 bits of the message address (the
 * high 32 bits are zero in this format), MSI_DATA_<FIELD> to the 32-bit message data
 * (the device sends its low 16 bits), with _SHIFT for fields wider than one bit.
 * MSIX_ENTRY_<REG> are byte offsets inside one MSI-X table entry.
 */
#ifndef CAPOS_HW_MSI_H
#define CAPOS_HW_MSI_H

#include <stdint.h>

/* Message address (§11.11.1, figure 11-24). */
#define MSI_ADDR_BASE	       0xfee00000u
#define MSI_ADDR_BASE_MASK     0xfff00000u
#define MSI_ADDR_DEST_ID_MASK  0x000ff000u
#define MSI_ADDR_DEST_ID_SHIFT 12
#define MSI_ADDR_RH	       0x00000008u /* redirection hint: lowest priority */
#define MSI_ADDR_DM_LOGICAL    0x00000004u /* destination mode, only read when RH=1 */

/* Message data (§11.11.2, figure 11-25). */
#define MSI_DATA_VECTOR_MASK   0x000000ffu
#define MSI_DATA_DELMODE_MASK  0x00000700u
#define MSI_DATA_DELMODE_SHIFT 8
#define MSI_DATA_LEVEL_ASSERT  0x00004000u /* level triggered only: 1 assert */
#define MSI_DATA_TRIGGER_LEVEL 0x00008000u /* 0: edge */

/* Delivery modes (bits 10:8). */
#define MSI_DELMODE_FIXED  0x0u
#define MSI_DELMODE_LOWEST 0x1u
#define MSI_DELMODE_SMI	   0x2u
#define MSI_DELMODE_NMI	   0x4u
#define MSI_DELMODE_INIT   0x5u
#define MSI_DELMODE_EXTINT 0x7u

/* MSI-X table entry (PCI 3.0 §6.8.2.9, figure 6-11); the table is an array of these
 * in a BAR (same layout as struct pci_msix_entry in hw/pci.h). */
#define MSIX_ENTRY_ADDR_LO     0x0
#define MSIX_ENTRY_ADDR_HI     0x4
#define MSIX_ENTRY_DATA	       0x8
#define MSIX_ENTRY_VECTOR_CTRL 0xc
#define MSIX_ENTRY_SIZE	       16u
#define MSIX_ENTRY_OFFSET(n)   ((uint32_t)(n)*MSIX_ENTRY_SIZE)

/* Vector control (§6.8.2.9): bit 0 masks the entry; other bits are reserved (keep them). */
#define MSIX_ENTRY_CTRL_MASKED 0x00000001u

struct msix_table_entry {
	uint32_t addr_lo;
	uint32_t addr_hi;
	uint32_t data;
	uint32_t vector_ctrl;
} __attribute__((packed));
_Static_assert(sizeof(struct msix_table_entry) == MSIX_ENTRY_SIZE, "MSI-X entry is 16 bytes");

#endif
