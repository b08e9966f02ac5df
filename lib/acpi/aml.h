/* aml: bounded readers for the AML encoding primitives (ACPI 6.5 §20.2), namespace
 * paths, and the bus number range of a resource template (§6.4), for a structural walker
 * that does not execute AML.
 *
 * A struct aml_reader looks at [pos, end) of one definition block body. Every function
 * reads only below end, and end never exceeds the body's length, so no input can make a
 * read leave the body. A function that returns false has met something it does not
 * accept (truncated, malformed or of another kind); pos is then somewhere in [pos, end]
 * and the caller is expected to give up on the list it was reading.
 */
#ifndef CAPOS_LIB_ACPI_AML_H
#define CAPOS_LIB_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes (§20.2.5, §20.3). Two-byte opcodes follow AML_EXT_PREFIX. */
#define AML_ZERO_OP	   0x00
#define AML_ONE_OP	   0x01
#define AML_ALIAS_OP	   0x06
#define AML_NAME_OP	   0x08
#define AML_BYTE_PREFIX	   0x0a
#define AML_WORD_PREFIX	   0x0b
#define AML_DWORD_PREFIX   0x0c
#define AML_STRING_PREFIX  0x0d
#define AML_QWORD_PREFIX   0x0e
#define AML_SCOPE_OP	   0x10
#define AML_BUFFER_OP	   0x11
#define AML_PACKAGE_OP	   0x12
#define AML_VAR_PACKAGE_OP 0x13
#define AML_METHOD_OP	   0x14
#define AML_EXTERNAL_OP	   0x15
#define AML_DUAL_NAME	   0x2e
#define AML_MULTI_NAME	   0x2f
#define AML_EXT_PREFIX	   0x5b
#define AML_ROOT_CHAR	   0x5c /* '\' */
#define AML_PARENT_CHAR	   0x5e /* '^' */
#define AML_IF_OP	   0xa0
#define AML_ELSE_OP	   0xa1
#define AML_WHILE_OP	   0xa2
#define AML_RETURN_OP	   0xa4
#define AML_ONES_OP	   0xff
/* Second bytes after AML_EXT_PREFIX. */
#define AML_X_MUTEX	   0x01
#define AML_X_EVENT	   0x02
#define AML_X_REVISION	   0x30
#define AML_X_OP_REGION	   0x80
#define AML_X_FIELD	   0x81
#define AML_X_DEVICE	   0x82
#define AML_X_PROCESSOR	   0x83
#define AML_X_POWER_RES	   0x84
#define AML_X_THERMAL_ZONE 0x85
#define AML_X_INDEX_FIELD  0x86
#define AML_X_BANK_FIELD   0x87

/* A window on one definition block body: bytes [pos, end) of aml[]. */
struct aml_reader {
	const uint8_t *aml; /* the whole body; offsets below are into it */
	size_t pos;
	size_t end;
	uint8_t revision; /* of the table: below 2 means 32-bit integers (§5.2.11.1) */
};

/* A decoded NameString (§20.2.2): `root` for a leading '\', `parents` '^' prefixes, then
 * nseg 4-byte NameSegs stored back to back at aml[seg_off] (nseg 0: NullName). */
struct aml_name {
	bool root;
	size_t parents;
	size_t nseg;
	size_t seg_off;
};

enum aml_kind {
	AML_INTEGER,
	AML_STRING,  /* off/len: the characters, NUL excluded */
	AML_BUFFER,  /* off/len: the byte list present in the AML; size: declared size */
	AML_PACKAGE, /* off/len: NumElements then the elements (0x12 only) */
	AML_OTHER,   /* a VarPackage (skipped whole) or RevisionOp: value unknown here */
};

/* A DataRefObject as written in the AML, not evaluated. */
struct aml_value {
	enum aml_kind kind;
	uint64_t integer; /* AML_INTEGER */
	uint64_t size;	  /* AML_BUFFER */
	size_t off;
	size_t len;
};

/* An absolute namespace path of up to AML_PATH_SEGS NameSegs. */
#define AML_PATH_SEGS	 8
#define AML_PATH_STR_LEN (2 + 5 * AML_PATH_SEGS) /* a root char, "XXXX." per NameSeg, NUL */

struct aml_path {
	uint8_t seg[AML_PATH_SEGS][4];
	size_t n;
	bool valid; /* false once deeper than AML_PATH_SEGS or above the root */
};

/* aml_reader_init: a reader over the whole body (len bytes at aml). */
void aml_reader_init(struct aml_reader *r, const uint8_t *aml, size_t len, uint8_t revision);

/* aml_byte: reads one byte. False at end. */
bool aml_byte(struct aml_reader *r, uint8_t *out);

/* aml_pkg_length: reads a PkgLength (§20.2.4) at pos. The encoded length counts from the
 * PkgLength's first byte; *obj_end receives where the object ends. False when the
 * encoding is truncated, shorter than itself, or the object runs past end. */
bool aml_pkg_length(struct aml_reader *r, size_t *obj_end);

/* aml_pkg_enter: reads a PkgLength at pos; *sub becomes a reader over the rest of that
 * object and r moves past it. False as aml_pkg_length. */
bool aml_pkg_enter(struct aml_reader *r, struct aml_reader *sub);

/* aml_name_string: reads a NameString (§20.2.2). False when truncated, for a
 * MultiNamePrefix with SegCount 0, or for a NameSeg with a character outside A-Z, 0-9,
 * '_' (or a leading digit). */
bool aml_name_string(struct aml_reader *r, struct aml_name *out);

/* aml_name_is_seg: whether name is the single relative NameSeg seg (4 characters). */
bool aml_name_is_seg(const struct aml_reader *r, const struct aml_name *name, const char *seg);

/* aml_integer: reads an integer constant (§20.2.3: ZeroOp, OneOp, OnesOp, Byte/Word/
 * DWord/QWordPrefix). OnesOp is 32 bits wide in revision 0 and 1 tables; a QWordConst is
 * returned whole in any revision. False for anything else, or when truncated. */
bool aml_integer(struct aml_reader *r, uint64_t *out);

/* aml_data_object: reads a DataRefObject in its written form: an integer constant, a
 * String (0x0d ASCII 0x01-0x7f, NUL), a Buffer (0x11 PkgLength BufferSize ByteList, with
 * BufferSize an integer constant), a Package (0x12), a VarPackage (0x13, skipped), or
 * RevisionOp. False for anything else or when malformed. */
bool aml_data_object(struct aml_reader *r, struct aml_value *out);

/* aml_path_resolve: the absolute path of name (read by r), seen from scope p (§5.3,
 * §20.2.2). out is invalid when p is, or the name climbs above the root, or the result
 * is deeper than AML_PATH_SEGS. No search toward the root is made. */
void aml_path_resolve(const struct aml_reader *r, const struct aml_path *p,
		      const struct aml_name *name, struct aml_path *out);

/* aml_path_str: p written as \_SB_.PCI0 in buf (AML_PATH_STR_LEN bytes); "" when invalid. */
void aml_path_str(const struct aml_path *p, char *buf);

enum aml_res_status {
	AML_RES_FOUND,	/* *start and *end hold the first bus number range */
	AML_RES_NONE,	/* a well-formed template without a bus number range */
	AML_RES_CORRUPT /* bad descriptor length, no End Tag, or a bus range above 0xff */
};

/* aml_res_bus_range: walks the resource template in bytes [0, len) of tmpl (§6.4) up to
 * its End Tag and finds the first Word/DWord/QWord/Extended Address Space Descriptor of
 * resource type 2, bus number range (§6.4.3.5). Only a template that is well formed up
 * to its End Tag yields AML_RES_FOUND. */
enum aml_res_status aml_res_bus_range(const uint8_t *tmpl, size_t len, uint8_t *start,
				      uint8_t *end);

/* A memory window of a host bridge's _CRS: Word/DWord/QWord/Extended Address
 * Space Descriptors of resource type 0 (§6.4.3.5). */
struct aml_mem_window {
	uint64_t base;
	uint64_t len;
	bool prefetch; /* Type Specific Flags MEM_TYPE: cacheable or prefetchable (§6.4.3.5.4) */
};

/* aml_res_mem_windows: walks the template like aml_res_bus_range and stores up to max
 * memory windows with a non-zero length and no wrap in out[], *n of them. */
enum aml_res_status aml_res_mem_windows(const uint8_t *tmpl, size_t len, struct aml_mem_window *out,
					size_t max, size_t *n);

#endif
