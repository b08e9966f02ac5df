/* fadt: decoding the Fixed ACPI Description Table (ACPI 6.5 §5.2.9). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

/* A field is present only when it ends within the table's length: older revisions are
 * shorter (1.0: 116 bytes, 2.0: 244), and ACPICA likewise reads only that far. */
#define HAS(len, field)                                                                            \
	(__builtin_offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field) <=   \
	 (len))

/* The last field the 32-bit DSDT pointer needs: anything shorter is not a FADT. */
#define FADT_MIN_LEN (__builtin_offsetof(struct acpi_fadt, dsdt) + sizeof(uint32_t))

static void decode_pm_timer(const struct acpi_fadt *f, size_t len, struct acpi_fadt_info *out)
{
	struct acpi_pm_timer *t = &out->pm_timer;

	/* §5.2.9 (table 5.9): the X_ field, when non-zero, supersedes PM_TMR_BLK; the timer
	 * is absent when PM_TMR_LEN is 0. Hardware-reduced platforms have none. */
	if (out->flags & ACPI_FADT_FLAG_HW_REDUCED)
		return;
	if (HAS(len, x_pm_tmr_blk) && f->x_pm_tmr_blk.address != 0 &&
	    (f->x_pm_tmr_blk.space_id == ACPI_GAS_SPACE_IO ||
	     f->x_pm_tmr_blk.space_id == ACPI_GAS_SPACE_MEMORY)) {
		t->space = f->x_pm_tmr_blk.space_id;
		t->address = f->x_pm_tmr_blk.address;
	} else if (HAS(len, pm_tmr_len) && f->pm_tmr_blk != 0 && f->pm_tmr_len >= 4) {
		t->space = ACPI_GAS_SPACE_IO;
		t->address = f->pm_tmr_blk;
	} else {
		return;
	}
	t->present = true;
	t->is_32bit = (out->flags & ACPI_FADT_FLAG_TMR_VAL_EXT) != 0;
}

enum acpi_status acpi_fadt_parse(const void *table, size_t len, struct acpi_fadt_info *out)
{
	struct acpi_sdt_header hdr;
	struct acpi_fadt f;

	memset(out, 0, sizeof(*out));
	if (acpi_check_header(table, len, FADT_MIN_LEN, "FACP", &hdr) != ACPI_OK)
		return ACPI_ERR_CORRUPT;
	len = hdr.length;
	/* One copy, zero-filled past the table's end, so absent fields read as 0. */
	memset(&f, 0, sizeof(f));
	memcpy(&f, table, len < sizeof(f) ? len : sizeof(f));

	out->revision = hdr.revision;
	out->length = hdr.length;
	/* Revision 3 and later (ACPI 2.0+) promise the 64-bit fields. */
	if (hdr.revision >= 3 && len < ACPI_FADT_V2_LEN)
		acpi_report("FACP", "truncated for its revision");
	out->flags = f.flags;
	out->sci_int = f.sci_int;
	out->smi_cmd = f.smi_cmd;
	out->acpi_enable = f.acpi_enable;
	out->acpi_disable = f.acpi_disable;
	out->century = f.century;
	/* §5.2.9.3: IAPC_BOOT_ARCH was reserved before ACPI 2.0 (FADT revision 2). */
	if (hdr.revision >= 2)
		out->iapc_boot_arch = f.iapc_boot_arch;

	/* §5.2.9: a non-zero X_DSDT / X_FIRMWARE_CTRL is used and the 32-bit one ignored. */
	out->dsdt = f.dsdt;
	if (HAS(len, x_dsdt) && f.x_dsdt != 0) {
		if (f.dsdt != 0 && f.dsdt != f.x_dsdt)
			acpi_report("FACP", "32-bit DSDT differs from X_DSDT");
		out->dsdt = f.x_dsdt;
	}
	out->facs = f.firmware_ctrl;
	if (HAS(len, x_firmware_ctrl) && f.x_firmware_ctrl != 0)
		out->facs = f.x_firmware_ctrl;

	if ((f.flags & ACPI_FADT_FLAG_RESET_REG_SUP) && HAS(len, reset_value)) {
		out->has_reset_reg = true;
		out->reset_reg = f.reset_reg;
		out->reset_value = f.reset_value;
	}
	decode_pm_timer(&f, len, out);
	return ACPI_OK;
}
