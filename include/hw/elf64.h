/* ELF-64 layouts (System V ABI, ELF-64 Object File Format 1.5; x86-64 psABI). */
#ifndef CAPOS_HW_ELF64_H
#define CAPOS_HW_ELF64_H

#include <stdint.h>

#define ELF_MAG0	 0x7f
#define ELF_CLASS64	 2
#define ELF_DATA2LSB	 1
#define ELF_VERSION	 1
#define ELF_ET_EXEC	 2
#define ELF_EM_X86_64	 62
#define ELF_PT_NULL	 0
#define ELF_PT_LOAD	 1
#define ELF_PT_GNU_STACK 0x6474e551u
#define ELF_PF_X	 0x1
#define ELF_PF_W	 0x2
#define ELF_PF_R	 0x4

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 header");

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 program header");

#endif
