/* PCI and PCI Express configuration-space layout (PCI Local Bus 3.0 chapter 6, PCI-to-PCI
 * Bridge Architecture 1.2 chapter 3, PCI Express Base 4.0 chapter 7).
 *
 * Naming: PCI_<REG> is a register's byte offset in the type 0 header, PCI_BR_<REG> in the
 * type 1 (bridge) header, PCI_MSI_<REG> / PCI_MSIX_<REG> / PCI_EXP_<REG> offsets inside a
 * capability (relative to the capability's own offset). A field of a register is
 * PCI_<REG>_<FIELD> (a mask) with PCI_<REG>_<FIELD>_SHIFT when it is wider than one bit;
 * masks apply to the register at its natural width (16-bit registers as 16-bit values).
 * PCI_DW_* masks apply to the aligned 32-bit word that holds several registers, for code
 * that reads configuration space 32 bits at a time. Offsets are computed (PCI_BAR(n)),
 * never hand-listed.
 */
#ifndef CAPOS_HW_PCI_H
#define CAPOS_HW_PCI_H

#include <stdint.h>

#define PCI_PACKED __attribute__((packed))

/* Geometry (PCI 3.0 §3.2.2.3.2, PCIe 4.0 §7.2.2). */
#define PCI_MAX_BUS	    256
#define PCI_MAX_DEV	    32
#define PCI_MAX_FN	    8
#define PCI_CFG_SIZE	    256	 /* conventional PCI, legacy 0xCF8/0xCFC access */
#define PCI_CFG_SIZE_EXP    4096 /* PCIe, ECAM access */
#define PCI_STD_HEADER_SIZE 0x40 /* capabilities live at or above this offset */

/* Common header, both types (PCI 3.0 §6.1, figure 6-1). */
#define PCI_VENDOR_ID	   0x00 /* 16 bits; 0xFFFF: no function here (§6.2.1) */
#define PCI_DEVICE_ID	   0x02 /* 16 bits */
#define PCI_COMMAND	   0x04 /* 16 bits */
#define PCI_STATUS	   0x06 /* 16 bits */
#define PCI_REVISION_ID	   0x08
#define PCI_PROG_IF	   0x09
#define PCI_SUBCLASS	   0x0a
#define PCI_CLASS	   0x0b
#define PCI_CACHE_LINE	   0x0c
#define PCI_LATENCY	   0x0d
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BIST	   0x0f
#define PCI_BAR(n)	   (0x10 + 4 * (n)) /* type 0: n = 0..5, type 1: n = 0..1 */
#define PCI_CARDBUS_CIS	   0x28
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID	   0x2e
#define PCI_ROM		   0x30
#define PCI_CAP_PTR	   0x34 /* both header types; 8 bits */
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d /* 0: none, 1..4: INTA#..INTD# */
#define PCI_MIN_GNT	   0x3e
#define PCI_MAX_LAT	   0x3f

#define PCI_VENDOR_NONE 0xffff

#define PCI_TYPE0_NBARS 6
#define PCI_TYPE1_NBARS 2

/* Command register (§6.2.2). */
#define PCI_COMMAND_IO		 0x0001 /* I/O space decode */
#define PCI_COMMAND_MEMORY	 0x0002 /* memory space decode */
#define PCI_COMMAND_MASTER	 0x0004 /* bus master (DMA) */
#define PCI_COMMAND_SPECIAL	 0x0008
#define PCI_COMMAND_INVALIDATE	 0x0010
#define PCI_COMMAND_VGA_PALETTE	 0x0020
#define PCI_COMMAND_PARITY	 0x0040
#define PCI_COMMAND_SERR	 0x0100
#define PCI_COMMAND_FAST_BACK	 0x0200
#define PCI_COMMAND_INTX_DISABLE 0x0400

/* Status register (§6.2.3). The error bits are RW1C: writing back a value read from the
 * register clears them, so a 32-bit write to the command register must carry zeros in
 * the status half. */
#define PCI_STATUS_INTERRUPT	    0x0008
#define PCI_STATUS_CAP_LIST	    0x0010 /* PCI_CAP_PTR is valid (§6.7) */
#define PCI_STATUS_66MHZ	    0x0020
#define PCI_STATUS_FAST_BACK	    0x0080
#define PCI_STATUS_MASTER_PARITY    0x0100
#define PCI_STATUS_DEVSEL_MASK	    0x0600
#define PCI_STATUS_DEVSEL_SHIFT	    9
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY  0x8000
#define PCI_STATUS_RW1C_MASK	    0xf900

/* The 32-bit word at PCI_VENDOR_ID. */
#define PCI_DW_VENDOR_MASK	 0x0000ffffu
#define PCI_DW_DEVICE_SHIFT	 16
/* The 32-bit word at PCI_COMMAND. */
#define PCI_DW_COMMAND_MASK	 0x0000ffffu
#define PCI_DW_STATUS_SHIFT	 16
/* The 32-bit word at PCI_REVISION_ID. */
#define PCI_DW_REVISION_MASK	 0x000000ffu
#define PCI_DW_PROG_IF_SHIFT	 8
#define PCI_DW_SUBCLASS_SHIFT	 16
#define PCI_DW_CLASS_SHIFT	 24
#define PCI_DW_CLASS_CODE_SHIFT	 8 /* class, subclass, prog-if as one 24-bit value */
/* The 32-bit word at PCI_CACHE_LINE. */
#define PCI_DW_HEADER_TYPE_SHIFT 16
/* The 32-bit word at PCI_INTERRUPT_LINE. */
#define PCI_DW_INT_PIN_SHIFT	 8

/* Header type register (§6.2.1). */
#define PCI_HEADER_TYPE_MASK	0x7f
#define PCI_HEADER_TYPE_MULTIFN 0x80 /* function 0 only: functions 1..7 may exist */
#define PCI_HEADER_TYPE_NORMAL	0x00
#define PCI_HEADER_TYPE_BRIDGE	0x01
#define PCI_HEADER_TYPE_CARDBUS 0x02

/* Base address registers (§6.2.5.1). */
#define PCI_BAR_SPACE_IO       0x00000001u /* 1: I/O space, 0: memory space */
#define PCI_BAR_IO_ADDR_MASK   0xfffffffcu /* bit 1 reserved */
#define PCI_BAR_IO_FLAGS_MASK  0x00000003u
#define PCI_BAR_MEM_TYPE_MASK  0x00000006u
#define PCI_BAR_MEM_TYPE_SHIFT 1
#define PCI_BAR_MEM_TYPE_32    0x0 /* anywhere in 32-bit space */
#define PCI_BAR_MEM_TYPE_1M    0x1 /* reserved in 3.0 (was: below 1 MiB) */
#define PCI_BAR_MEM_TYPE_64    0x2 /* 64-bit: the next BAR holds the upper half */
#define PCI_BAR_MEM_TYPE_RSVD  0x3
#define PCI_BAR_MEM_PREFETCH   0x00000008u
#define PCI_BAR_MEM_ADDR_MASK  0xfffffff0u
#define PCI_BAR_MEM_FLAGS_MASK 0x0000000fu

/* Type 1 (PCI-to-PCI bridge) header (PCI-to-PCI Bridge 1.2 §3.2). */
#define PCI_BR_PRIMARY_BUS	 0x18
#define PCI_BR_SECONDARY_BUS	 0x19
#define PCI_BR_SUBORDINATE_BUS	 0x1a
#define PCI_BR_SEC_LATENCY	 0x1b
#define PCI_BR_IO_BASE		 0x1c
#define PCI_BR_IO_LIMIT		 0x1d
#define PCI_BR_SEC_STATUS	 0x1e
#define PCI_BR_MEM_BASE		 0x20
#define PCI_BR_MEM_LIMIT	 0x22
#define PCI_BR_PREF_BASE	 0x24
#define PCI_BR_PREF_LIMIT	 0x26
#define PCI_BR_PREF_BASE_UPPER	 0x28
#define PCI_BR_PREF_LIM_UPPER	 0x2c
#define PCI_BR_IO_BASE_UPPER	 0x30
#define PCI_BR_IO_LIMIT_UPPER	 0x32
#define PCI_BR_ROM		 0x38
#define PCI_BR_CONTROL		 0x3e
/* The 32-bit word at PCI_BR_PRIMARY_BUS. */
#define PCI_DW_PRIMARY_MASK	 0x000000ffu
#define PCI_DW_SECONDARY_SHIFT	 8
#define PCI_DW_SUBORDINATE_SHIFT 16

/* Capability list (§6.7). Every capability starts with an ID byte and a next-pointer
 * byte; the low two bits of every pointer are reserved and software must mask them. */
#define PCI_CAP_ID	      0x00
#define PCI_CAP_NEXT	      0x01
#define PCI_CAP_PTR_MASK      0xfc
#define PCI_DW_CAP_ID_MASK    0x000000ffu
#define PCI_DW_CAP_NEXT_SHIFT 8
#define PCI_DW_CAP_REG_SHIFT  16 /* the capability's first 16-bit register */

#define PCI_CAP_ID_PM	  0x01 /* power management */
#define PCI_CAP_ID_AGP	  0x02
#define PCI_CAP_ID_VPD	  0x03 /* vital product data */
#define PCI_CAP_ID_SLOTID 0x04
#define PCI_CAP_ID_MSI	  0x05
#define PCI_CAP_ID_CHSWP  0x06 /* CompactPCI hot swap */
#define PCI_CAP_ID_PCIX	  0x07
#define PCI_CAP_ID_HT	  0x08 /* HyperTransport */
#define PCI_CAP_ID_VNDR	  0x09 /* vendor specific */
#define PCI_CAP_ID_DBG	  0x0a
#define PCI_CAP_ID_CCRC	  0x0b
#define PCI_CAP_ID_SHPC	  0x0c /* standard hot-plug controller */
#define PCI_CAP_ID_SSVID  0x0d /* bridge subsystem vendor/device ID */
#define PCI_CAP_ID_AGP3	  0x0e
#define PCI_CAP_ID_SECDEV 0x0f
#define PCI_CAP_ID_EXP	  0x10 /* PCI Express */
#define PCI_CAP_ID_MSIX	  0x11
#define PCI_CAP_ID_SATA	  0x12
#define PCI_CAP_ID_AF	  0x13 /* advanced features */
#define PCI_CAP_ID_EA	  0x14 /* enhanced allocation */
#define PCI_CAP_ID_FPB	  0x15 /* flattening portal bridge */

/* MSI capability (§6.8.1, figure 6-9). The layout after the message address depends on
 * the 64-bit and per-vector-masking bits of message control. */
#define PCI_MSI_CTRL	       0x02 /* 16 bits */
#define PCI_MSI_ADDR_LO	       0x04
#define PCI_MSI_ADDR_HI	       0x08 /* 64-bit only */
#define PCI_MSI_DATA_32	       0x08
#define PCI_MSI_DATA_64	       0x0c
#define PCI_MSI_MASK_32	       0x0c /* per-vector masking only */
#define PCI_MSI_MASK_64	       0x10
#define PCI_MSI_PENDING_32     0x10
#define PCI_MSI_PENDING_64     0x14
#define PCI_MSI_SIZE_32	       0x0a /* structure length for each layout */
#define PCI_MSI_SIZE_64	       0x0e
#define PCI_MSI_SIZE_32_MASK   0x14
#define PCI_MSI_SIZE_64_MASK   0x18
#define PCI_MSI_CTRL_ENABLE    0x0001
#define PCI_MSI_CTRL_MMC_MASK  0x000e /* multiple message capable: log2 of vectors */
#define PCI_MSI_CTRL_MMC_SHIFT 1
#define PCI_MSI_CTRL_MME_MASK  0x0070 /* multiple message enable */
#define PCI_MSI_CTRL_MME_SHIFT 4
#define PCI_MSI_CTRL_64BIT     0x0080 /* 64-bit message address capable */
#define PCI_MSI_CTRL_MASKABLE  0x0100 /* per-vector masking capable */
#define PCI_MSI_MAX_VECTORS    32     /* MMC 6 and 7 are reserved */

/* MSI-X capability (§6.8.2, figure 6-10). */
#define PCI_MSIX_CTRL		 0x02 /* 16 bits */
#define PCI_MSIX_TABLE		 0x04 /* table offset and BIR */
#define PCI_MSIX_PBA		 0x08 /* pending bit array offset and BIR */
#define PCI_MSIX_SIZE		 0x0c
#define PCI_MSIX_CTRL_QSIZE_MASK 0x07ff /* table size minus one */
#define PCI_MSIX_CTRL_FN_MASK	 0x4000 /* function mask */
#define PCI_MSIX_CTRL_ENABLE	 0x8000
#define PCI_MSIX_BIR_MASK	 0x00000007u /* BAR register index; 6 and 7 reserved */
#define PCI_MSIX_OFFSET_MASK	 0xfffffff8u /* QWORD-aligned offset into that BAR */
#define PCI_MSIX_BIR_MAX	 5
#define PCI_MSIX_MAX_VECTORS	 2048

/* One MSI-X table entry (§6.8.2.6). The pending bit array has one bit per entry, in
 * QWORDs. */
struct pci_msix_entry {
	uint32_t addr_lo;
	uint32_t addr_hi;
	uint32_t data;
	uint32_t vector_ctrl;
} PCI_PACKED;
_Static_assert(sizeof(struct pci_msix_entry) == 16, "MSI-X table entry is 16 bytes");

#define PCI_MSIX_ENTRY_CTRL_MASKED 0x00000001u
#define PCI_MSIX_PBA_BYTES(n)	   ((((uint32_t)(n) + 63) / 64) * 8)

/* PCI Express capability (PCIe 4.0 §7.5.3); only the capabilities register (§7.5.3.2)
 * is decoded here. */
#define PCI_EXP_FLAGS		 0x02 /* 16 bits */
#define PCI_EXP_FLAGS_VERS_MASK	 0x000f
#define PCI_EXP_FLAGS_TYPE_MASK	 0x00f0 /* device/port type */
#define PCI_EXP_FLAGS_TYPE_SHIFT 4
#define PCI_EXP_FLAGS_SLOT	 0x0100
#define PCI_EXP_FLAGS_IRQ_MASK	 0x3e00
#define PCI_EXP_FLAGS_IRQ_SHIFT	 9
#define PCI_EXP_TYPE_ENDPOINT	 0x0
#define PCI_EXP_TYPE_LEG_END	 0x1 /* legacy endpoint */
#define PCI_EXP_TYPE_ROOT_PORT	 0x4
#define PCI_EXP_TYPE_UPSTREAM	 0x5	    /* switch upstream port */
#define PCI_EXP_TYPE_DOWNSTREAM	 0x6	    /* switch downstream port */
#define PCI_EXP_TYPE_PCI_BRIDGE	 0x7	    /* PCIe to PCI/PCI-X bridge */
#define PCI_EXP_TYPE_PCIE_BRIDGE 0x8	    /* PCI/PCI-X to PCIe bridge */
#define PCI_EXP_TYPE_RC_END	 0x9	    /* root complex integrated endpoint */
#define PCI_EXP_TYPE_RC_EC	 0xa	    /* root complex event collector */
#define PCI_EXP_DEVCAP		 0x04	    /* 32 bits */
#define PCI_EXP_DEVCAP_FLR	 0x10000000 /* function-level reset capable (PCIe 6.0 §7.5.3.3) */
#define PCI_EXP_DEVCTL		 0x08	    /* 16 bits */
#define PCI_EXP_DEVCTL_BCR_FLR	 0x8000	    /* initiate function-level reset */
#define PCI_EXP_DEVSTA		 0x0a	    /* 16 bits */
#define PCI_EXP_DEVSTA_TRPND	 0x0020	    /* transactions pending */

/* Power management capability (PCI PM 1.2 §3.2). */
#define PCI_PM_PMCSR		   0x04 /* 16 bits */
#define PCI_PM_PMCSR_STATE_MASK	   0x0003
#define PCI_PM_PMCSR_D0		   0x0000
#define PCI_PM_PMCSR_D3HOT	   0x0003
#define PCI_PM_PMCSR_NO_SOFT_RESET 0x0008

/* Extended capabilities (PCIe 4.0 §7.6.3): a 32-bit header at 0x100 and onwards. A header
 * of 0 at 0x100 means the list is empty. */
#define PCI_ECAP_START	    0x100
#define PCI_ECAP_ID_MASK    0x0000ffffu
#define PCI_ECAP_VER_MASK   0x000f0000u
#define PCI_ECAP_VER_SHIFT  16
#define PCI_ECAP_NEXT_MASK  0xfff00000u
#define PCI_ECAP_NEXT_SHIFT 20
#define PCI_ECAP_NEXT_ALIGN 0xffc /* low two bits reserved, masked by software */

#define PCI_ECAP_ID_NULL   0x0000
#define PCI_ECAP_ID_AER	   0x0001 /* advanced error reporting */
#define PCI_ECAP_ID_VC	   0x0002 /* virtual channel */
#define PCI_ECAP_ID_DSN	   0x0003 /* device serial number */
#define PCI_ECAP_ID_PWR	   0x0004 /* power budgeting */
#define PCI_ECAP_ID_RCLD   0x0005 /* root complex link declaration */
#define PCI_ECAP_ID_RCILC  0x0006
#define PCI_ECAP_ID_RCEC   0x0007
#define PCI_ECAP_ID_MFVC   0x0008
#define PCI_ECAP_ID_VC9	   0x0009
#define PCI_ECAP_ID_RCRB   0x000a
#define PCI_ECAP_ID_VNDR   0x000b /* vendor specific */
#define PCI_ECAP_ID_CAC	   0x000c
#define PCI_ECAP_ID_ACS	   0x000d /* access control services */
#define PCI_ECAP_ID_ARI	   0x000e /* alternative routing-ID interpretation */
#define PCI_ECAP_ID_ATS	   0x000f /* address translation services */
#define PCI_ECAP_ID_SRIOV  0x0010
#define PCI_ECAP_ID_MRIOV  0x0011
#define PCI_ECAP_ID_MCAST  0x0012
#define PCI_ECAP_ID_PRI	   0x0013 /* page request interface */
#define PCI_ECAP_ID_REBAR  0x0015 /* resizable BAR */
#define PCI_ECAP_ID_DPA	   0x0016
#define PCI_ECAP_ID_TPH	   0x0017
#define PCI_ECAP_ID_LTR	   0x0018
#define PCI_ECAP_ID_SECPCI 0x0019 /* secondary PCI Express */
#define PCI_ECAP_ID_PMUX   0x001a
#define PCI_ECAP_ID_PASID  0x001b
#define PCI_ECAP_ID_LNR	   0x001c
#define PCI_ECAP_ID_DPC	   0x001d /* downstream port containment */
#define PCI_ECAP_ID_L1SS   0x001e
#define PCI_ECAP_ID_PTM	   0x001f
#define PCI_ECAP_ID_DVSEC  0x0023
#define PCI_ECAP_ID_DLF	   0x0025 /* data link feature */
#define PCI_ECAP_ID_PL16   0x0026 /* physical layer 16 GT/s */

#endif
