/* elf: checks an ELF-64 executable before anything of it is loaded. Every
 * offset and size is checked against the file, every segment against the user
 * address range; segments may not overlap, and none may be writable and
 * executable (W^X). */
#ifndef CAPOS_LIB_ELF_H
#define CAPOS_LIB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16

enum elf_status {
	ELF_OK = 0,
	ELF_ERR_HEADER,	 /* not an x86-64 ELF-64 executable, or a malformed header */
	ELF_ERR_PHDR,	 /* program headers out of the file or too many */
	ELF_ERR_SEGMENT, /* a segment out of the file, out of user space, or overlapping */
	ELF_ERR_WX,	 /* a segment both writable and executable */
	ELF_ERR_ENTRY,	 /* the entry point is not in an executable segment */
};

struct elf_segment {
	uint64_t vaddr;	     /* page aligned down */
	uint64_t memsz;	     /* from vaddr, page aligned up */
	uint64_t file_off;   /* of the first file byte, with its offset in the page */
	uint64_t file_vaddr; /* where that byte goes */
	uint64_t filesz;
	bool write, exec;
};

struct elf_image {
	uint64_t entry;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	size_t nseg;
};

/* elf_check: validates [file, file+len) as an executable for user space below
 * user_limit and describes its loadable segments in *out. A reason goes to err. */
enum elf_status elf_check(const uint8_t *file, size_t len, uint64_t user_limit,
			  struct elf_image *out, char *err, size_t errlen);

#endif
