/* elf: ELF-64 executable validation (ELF-64 Object File Format §3, §4). */
#include "lib/elf/elf.h"
#include "hw/elf64.h"
#include "lib/fmt.h"
#include "lib/str.h"

#define PAGE 4096ull

static enum elf_status fail(enum elf_status st, char *err, size_t errlen, const char *why)
{
	fmt_snprintf(err, errlen, "%s", why);
	return st;
}

enum elf_status elf_check(const uint8_t *file, size_t len, uint64_t user_limit,
			  struct elf_image *out, char *err, size_t errlen)
{
	struct elf64_ehdr eh;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(eh))
		return fail(ELF_ERR_HEADER, err, errlen, "shorter than an ELF header");
	memcpy(&eh, file, sizeof(eh));
	if (eh.ident[0] != ELF_MAG0 || eh.ident[1] != 'E' || eh.ident[2] != 'L' ||
	    eh.ident[3] != 'F')
		return fail(ELF_ERR_HEADER, err, errlen, "no ELF magic");
	if (eh.ident[4] != ELF_CLASS64 || eh.ident[5] != ELF_DATA2LSB ||
	    eh.ident[6] != ELF_VERSION || eh.version != ELF_VERSION)
		return fail(ELF_ERR_HEADER, err, errlen, "not little-endian ELF-64 version 1");
	if (eh.type != ELF_ET_EXEC || eh.machine != ELF_EM_X86_64)
		return fail(ELF_ERR_HEADER, err, errlen, "not an x86-64 executable");
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > 64)
		return fail(ELF_ERR_PHDR, err, errlen, "bad program header size or count");
	if (eh.phoff > len || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > len - eh.phoff)
		return fail(ELF_ERR_PHDR, err, errlen, "program headers outside the file");

	for (uint16_t i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, file + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type != ELF_PT_LOAD || ph.memsz == 0)
			continue;
		if (out->nseg == ELF_MAX_SEGMENTS)
			return fail(ELF_ERR_PHDR, err, errlen, "too many loadable segments");
		if (ph.filesz > ph.memsz || ph.offset > len || ph.filesz > len - ph.offset)
			return fail(ELF_ERR_SEGMENT, err, errlen, "segment bytes outside the file");
		if (ph.vaddr >= user_limit || ph.memsz > user_limit - ph.vaddr || ph.vaddr < PAGE)
			return fail(ELF_ERR_SEGMENT, err, errlen, "segment outside user space");
		/* The file offset and address must agree modulo the page (§4: p_align). */
		if ((ph.offset & (PAGE - 1)) != (ph.vaddr & (PAGE - 1)))
			return fail(ELF_ERR_SEGMENT, err, errlen,
				    "segment offset and address differ in page offset");
		if ((ph.flags & ELF_PF_W) && (ph.flags & ELF_PF_X))
			return fail(ELF_ERR_WX, err, errlen,
				    "segment both writable and executable");
		struct elf_segment *s = &out->seg[out->nseg];
		s->vaddr = ph.vaddr & ~(PAGE - 1);
		uint64_t end = ph.vaddr + ph.memsz;
		if (end > user_limit - (PAGE - 1))
			return fail(ELF_ERR_SEGMENT, err, errlen, "segment outside user space");
		s->memsz = ((end + PAGE - 1) & ~(PAGE - 1)) - s->vaddr;
		s->file_off = ph.offset;
		s->file_vaddr = ph.vaddr;
		s->filesz = ph.filesz;
		s->write = (ph.flags & ELF_PF_W) != 0;
		s->exec = (ph.flags & ELF_PF_X) != 0;
		for (size_t k = 0; k < out->nseg; k++) {
			const struct elf_segment *o = &out->seg[k];
			if (s->vaddr < o->vaddr + o->memsz && o->vaddr < s->vaddr + s->memsz)
				return fail(ELF_ERR_SEGMENT, err, errlen,
					    "segments overlap (in pages)");
		}
		out->nseg++;
	}
	if (out->nseg == 0)
		return fail(ELF_ERR_SEGMENT, err, errlen, "no loadable segment");
	for (size_t k = 0; k < out->nseg; k++) {
		const struct elf_segment *s = &out->seg[k];
		if (s->exec && eh.entry >= s->file_vaddr && eh.entry < s->vaddr + s->memsz) {
			out->entry = eh.entry;
			return ELF_OK;
		}
	}
	return fail(ELF_ERR_ENTRY, err, errlen, "entry point not in an executable segment");
}
