/* ACPI firmware-table layouts (ACPI 6.5 chapter 5.2, PCI Firmware 3.3 §4.1.2 for MCFG,
 * IA-PC HPET 1.0a §3.2.4 for HPET, Intel VT-d 4.1 chapter 8 for DMAR).
 *
 * Naming: `struct acpi_<table>` is a table's fixed part (starting with its header),
 * `struct acpi_<table>_<entry>` an entry inside it. Flag masks are ACPI_<TABLE>_<FIELD>_*
 * and sit under the struct that holds the field. Every struct is packed and its size is
 * asserted; fields are read by copying the struct out of the table (multi-byte fields are
 * little-endian, as is x86).
 */
#ifndef CAPOS_HW_ACPI_H
#define CAPOS_HW_ACPI_H

#include <stdint.h>

#define ACPI_PACKED __attribute__((packed))

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");

#define ACPI_GAS_SPACE_MEMORY 0x00
#define ACPI_GAS_SPACE_IO     0x01
#define ACPI_GAS_SPACE_PCI    0x02

/* Root System Description Pointer (§5.2.5.3). Revision 0 has only the first 20 bytes
 * (checksummed by `checksum`); revision 2 and later add the rest, covered by
 * `ext_checksum` over `length` bytes. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP v2 is 36 bytes");

#define ACPI_RSDP_SIGNATURE "RSD PTR "
#define ACPI_RSDP_V1_LEN    20
#define ACPI_RSDP_V2_LEN    36

/* System Description Table Header (§5.2.6). */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all `length` bytes sum to 0 mod 256 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");

/* RSDT (§5.2.7) and XSDT (§5.2.8): a header then 32- or 64-bit table addresses. The
 * XSDT's 64-bit entries sit at offset 36, so they are not naturally aligned. */
struct acpi_rsdt {
	struct acpi_sdt_header header;
	uint32_t entry[];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdt) == 36, "RSDT fixed part is 36 bytes");

struct acpi_xsdt {
	struct acpi_sdt_header header;
	uint64_t entry[];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_xsdt) == 36, "XSDT fixed part is 36 bytes");

/* Fixed ACPI Description Table, "FACP" (§5.2.9), as of FADT revision 6. Older revisions
 * are shorter: ACPI 1.0 ends after `flags` (116 bytes), ACPI 2.0 after `x_gpe1_blk`
 * (244 bytes). A field is present only when it lies within the table's length. */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl; /* FACS, 32-bit */
	uint32_t dsdt;		/* DSDT, 32-bit */
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk; /* I/O port of the PM timer */
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len; /* 4 when the PM timer is supported */
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch; /* reserved before revision 2 */
	uint8_t reserved1;
	uint32_t flags;
	/* ACPI 2.0 and later */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	/* ACPI 5.0 and later */
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	/* ACPI 6.0 and later */
	uint64_t hypervisor_vendor_id;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");

_Static_assert(__builtin_offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, flags) == 112, "FADT layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT layout");

#define ACPI_FADT_V1_LEN 116 /* ends after flags */
#define ACPI_FADT_V2_LEN 244 /* ends after x_gpe1_blk */

/* flags (§5.2.9, table 5.10) */
#define ACPI_FADT_FLAG_WBINVD	      (1u << 0)
#define ACPI_FADT_FLAG_WBINVD_FLUSH   (1u << 1)
#define ACPI_FADT_FLAG_PROC_C1	      (1u << 2)
#define ACPI_FADT_FLAG_P_LVL2_UP      (1u << 3)
#define ACPI_FADT_FLAG_PWR_BUTTON     (1u << 4)
#define ACPI_FADT_FLAG_SLP_BUTTON     (1u << 5)
#define ACPI_FADT_FLAG_FIX_RTC	      (1u << 6)
#define ACPI_FADT_FLAG_RTC_S4	      (1u << 7)
#define ACPI_FADT_FLAG_TMR_VAL_EXT    (1u << 8) /* PM timer is 32 bits, else 24 */
#define ACPI_FADT_FLAG_DCK_CAP	      (1u << 9)
#define ACPI_FADT_FLAG_RESET_REG_SUP  (1u << 10)
#define ACPI_FADT_FLAG_SEALED_CASE    (1u << 11)
#define ACPI_FADT_FLAG_HEADLESS	      (1u << 12)
#define ACPI_FADT_FLAG_CPU_SW_SLP     (1u << 13)
#define ACPI_FADT_FLAG_PCI_EXP_WAK    (1u << 14)
#define ACPI_FADT_FLAG_PLATFORM_CLOCK (1u << 15)
#define ACPI_FADT_FLAG_S4_RTC_STS_OK  (1u << 16)
#define ACPI_FADT_FLAG_REMOTE_POWER   (1u << 17)
#define ACPI_FADT_FLAG_APIC_CLUSTER   (1u << 18)
#define ACPI_FADT_FLAG_APIC_PHYSICAL  (1u << 19)
#define ACPI_FADT_FLAG_HW_REDUCED     (1u << 20)
#define ACPI_FADT_FLAG_LOW_POWER_S0   (1u << 21)

/* The PM timer (PM_TMR_BLK) counts at 3.579545 MHz (ACPI 6.5 §4.8.3.3). */
#define ACPI_PM_TIMER_HZ 3579545u

/* iapc_boot_arch (§5.2.9.3, table 5.11) */
#define ACPI_FADT_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_FADT_IAPC_8042	      (1u << 1)
#define ACPI_FADT_IAPC_NO_VGA	      (1u << 2)
#define ACPI_FADT_IAPC_NO_MSI	      (1u << 3)
#define ACPI_FADT_IAPC_NO_ASPM	      (1u << 4)
#define ACPI_FADT_IAPC_NO_CMOS_RTC    (1u << 5)

/* Firmware ACPI Control Structure (§5.2.10): no SDT header and no checksum. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");

/* Multiple APIC Description Table, "APIC" (§5.2.12): fixed part, then entries that each
 * start with a type and a length byte. */
struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_address;
	uint32_t flags;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT fixed part is 44 bytes");

#define ACPI_MADT_FLAG_PCAT_COMPAT (1u << 0) /* dual 8259s present */

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_entry) == 2, "MADT entry header is 2 bytes");

#define ACPI_MADT_TYPE_LAPIC	      0x0
#define ACPI_MADT_TYPE_IOAPIC	      0x1
#define ACPI_MADT_TYPE_ISO	      0x2
#define ACPI_MADT_TYPE_NMI_SOURCE     0x3
#define ACPI_MADT_TYPE_LAPIC_NMI      0x4
#define ACPI_MADT_TYPE_LAPIC_OVERRIDE 0x5
#define ACPI_MADT_TYPE_X2APIC	      0x9
#define ACPI_MADT_TYPE_X2APIC_NMI     0xa

/* Processor Local APIC (§5.2.12.2) */
struct acpi_madt_lapic {
	struct acpi_madt_entry entry;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "local APIC entry is 8 bytes");

/* flags of local APIC and local x2APIC entries (§5.2.12.2, table 5.23) */
#define ACPI_MADT_LAPIC_ENABLED	       (1u << 0)
#define ACPI_MADT_LAPIC_ONLINE_CAPABLE (1u << 1)

/* I/O APIC (§5.2.12.3) */
struct acpi_madt_ioapic {
	struct acpi_madt_entry entry;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "I/O APIC entry is 12 bytes");

/* Interrupt Source Override (§5.2.12.5) */
struct acpi_madt_iso {
	struct acpi_madt_entry entry;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "override entry is 10 bytes");

/* MPS INTI flags (§5.2.12.5, table 5.26) */
#define ACPI_MPS_POLARITY_MASK	   0x3u
#define ACPI_MPS_POLARITY_CONFORMS 0x0u
#define ACPI_MPS_POLARITY_HIGH	   0x1u
#define ACPI_MPS_POLARITY_LOW	   0x3u
#define ACPI_MPS_TRIGGER_MASK	   0xcu
#define ACPI_MPS_TRIGGER_CONFORMS  0x0u
#define ACPI_MPS_TRIGGER_EDGE	   0x4u
#define ACPI_MPS_TRIGGER_LEVEL	   0xcu

/* Non-Maskable Interrupt Source (§5.2.12.6) */
struct acpi_madt_nmi_source {
	struct acpi_madt_entry entry;
	uint16_t flags;
	uint32_t gsi;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_nmi_source) == 8, "NMI source entry is 8 bytes");

/* Local APIC NMI (§5.2.12.7); processor_uid 0xff means all processors. */
struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry entry;
	uint8_t processor_uid;
	uint16_t flags;
	uint8_t lint;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "local APIC NMI entry is 6 bytes");

/* Local APIC Address Override (§5.2.12.8) */
struct acpi_madt_lapic_override {
	struct acpi_madt_entry entry;
	uint16_t reserved;
	uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "LAPIC override is 12 bytes");

/* Processor Local x2APIC (§5.2.12.12) */
struct acpi_madt_x2apic {
	struct acpi_madt_entry entry;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "local x2APIC entry is 16 bytes");

/* Local x2APIC NMI (§5.2.12.13); processor_uid 0xffffffff means all processors. */
struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry entry;
	uint16_t flags;
	uint32_t processor_uid;
	uint8_t lint;
	uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "x2APIC NMI entry is 12 bytes");

/* PCI Express memory-mapped configuration, "MCFG" (PCI Firmware 3.3 §4.1.2). */
struct acpi_mcfg {
	struct acpi_sdt_header header;
	uint8_t reserved[8];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG fixed part is 44 bytes");

struct acpi_mcfg_alloc {
	uint64_t base; /* ECAM address of bus 0 of the segment, even if bus_start > 0 */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG allocation is 16 bytes");

/* High Precision Event Timer, "HPET" (IA-PC HPET 1.0a §3.2.4). */
struct acpi_hpet {
	struct acpi_sdt_header header;
	uint32_t event_timer_block_id;
	struct acpi_gas base;
	uint8_t hpet_number;
	uint16_t min_clock_tick;
	uint8_t page_protection;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table is 56 bytes");

/* event_timer_block_id: a copy of the low half of the HPET capabilities register */
#define ACPI_HPET_ID_REV_MASK	     0x000000ffu
#define ACPI_HPET_ID_COMPARATORS(id) ((((id) >> 8) & 0x1fu) + 1u)
#define ACPI_HPET_ID_COUNT_64	     (1u << 13)
#define ACPI_HPET_ID_LEGACY_ROUTE    (1u << 15)
#define ACPI_HPET_ID_VENDOR(id)	     (((id) >> 16) & 0xffffu)
#define ACPI_HPET_PAGE_PROT_MASK     0x0fu

/* DMA Remapping Reporting table, "DMAR" (VT-d 4.1 §8.1): fixed part, then remapping
 * structures that each start with a 16-bit type and a 16-bit length. */
struct acpi_dmar {
	struct acpi_sdt_header header;
	uint8_t host_address_width; /* N: DMA addresses are N+1 bits wide */
	uint8_t flags;
	uint8_t reserved[10];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar) == 48, "DMAR fixed part is 48 bytes");

#define ACPI_DMAR_FLAG_INTR_REMAP	     (1u << 0)
#define ACPI_DMAR_FLAG_X2APIC_OPT_OUT	     (1u << 1)
#define ACPI_DMAR_FLAG_DMA_CTRL_PLATFORM_OPT (1u << 2)

struct acpi_dmar_entry {
	uint16_t type;
	uint16_t length;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_entry) == 4, "DMAR structure header is 4 bytes");

/* remapping structure types (VT-d §8.2) */
#define ACPI_DMAR_TYPE_DRHD 0
#define ACPI_DMAR_TYPE_RMRR 1
#define ACPI_DMAR_TYPE_ATSR 2
#define ACPI_DMAR_TYPE_RHSA 3
#define ACPI_DMAR_TYPE_ANDD 4
#define ACPI_DMAR_TYPE_SATC 5
#define ACPI_DMAR_TYPE_SIDP 6

/* DMA Remapping Hardware Unit Definition (VT-d §8.3), then device scopes. */
struct acpi_dmar_drhd {
	struct acpi_dmar_entry entry;
	uint8_t flags;
	uint8_t size; /* register set is 2^size 4 KiB pages; reserved (0) before VT-d 3.x */
	uint16_t segment;
	uint64_t register_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_drhd) == 16, "DRHD fixed part is 16 bytes");

#define ACPI_DMAR_DRHD_INCLUDE_PCI_ALL (1u << 0)

/* Reserved Memory Region Reporting (VT-d §8.4), then device scopes. */
struct acpi_dmar_rmrr {
	struct acpi_dmar_entry entry;
	uint16_t reserved;
	uint16_t segment;
	uint64_t base;
	uint64_t limit; /* last byte of the region, inclusive */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_rmrr) == 24, "RMRR fixed part is 24 bytes");

/* Root Port ATS Capability Reporting (VT-d §8.5), then device scopes. */
struct acpi_dmar_atsr {
	struct acpi_dmar_entry entry;
	uint8_t flags;
	uint8_t reserved;
	uint16_t segment;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_atsr) == 8, "ATSR fixed part is 8 bytes");

#define ACPI_DMAR_ATSR_ALL_PORTS (1u << 0)

/* Device Scope (VT-d §8.3.1): fixed part, then (length - 6) / 2 path entries that walk
 * from start_bus through bridges to the device. */
struct acpi_dmar_scope {
	uint8_t type;
	uint8_t length;
	uint8_t flags; /* reserved before VT-d 4.0 */
	uint8_t reserved;
	uint8_t enumeration_id;
	uint8_t start_bus;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_scope) == 6, "device scope fixed part is 6 bytes");

#define ACPI_DMAR_SCOPE_ENDPOINT  1
#define ACPI_DMAR_SCOPE_BRIDGE	  2 /* PCI sub-hierarchy */
#define ACPI_DMAR_SCOPE_IOAPIC	  3
#define ACPI_DMAR_SCOPE_HPET	  4
#define ACPI_DMAR_SCOPE_NAMESPACE 5

#define ACPI_DMAR_SCOPE_FLAG_REQ_WO_PASID_NESTED (1u << 0)
#define ACPI_DMAR_SCOPE_FLAG_REQ_WO_PASID_PR	 (1u << 1)

struct acpi_dmar_path {
	uint8_t device;
	uint8_t function;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_path) == 2, "device scope path entry is 2 bytes");

#endif
