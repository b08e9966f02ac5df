/* status: the one error enum of the ACPI layer. */
#ifndef CAPOS_LIB_ACPI_STATUS_H
#define CAPOS_LIB_ACPI_STATUS_H

enum acpi_status {
	ACPI_OK = 0,
	ACPI_ERR_NOT_FOUND, /* no RSDP there, or no such table */
	ACPI_ERR_UNMAPPED,  /* the map hook refused a range */
	ACPI_ERR_CORRUPT,   /* a signature, length, checksum or structure check failed */
};

/* acpi_status_str: a short name for s ("ok", "not found", ...). */
const char *acpi_status_str(enum acpi_status s);

#endif
