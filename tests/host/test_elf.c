/* test_elf: ELF-64 executable validation over built and hostile images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/elf64.h"
#include "lib/elf/elf.h"

#define LIMIT 0x0000800000000000ull

struct img {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[3];
	uint8_t body[3 * 4096];
};

/* text at 0x400000 (file 0x1000, RX), data at 0x401000 (file 0x2000, RW, bss). */
static size_t build(struct img *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->eh.ident,
	       "\x7f"
	       "ELF",
	       4);
	m->eh.ident[4] = ELF_CLASS64;
	m->eh.ident[5] = ELF_DATA2LSB;
	m->eh.ident[6] = ELF_VERSION;
	m->eh.type = ELF_ET_EXEC;
	m->eh.machine = ELF_EM_X86_64;
	m->eh.version = ELF_VERSION;
	m->eh.entry = 0x400010;
	m->eh.phoff = sizeof(m->eh);
	m->eh.phentsize = sizeof(struct elf64_phdr);
	m->eh.phnum = 2;
	/* type, flags, offset, vaddr, paddr, filesz, memsz, align */
	m->ph[0] = (struct elf64_phdr){
	    ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x400000, 0, 0x100, 0x100, 0x1000};
	m->ph[1] = (struct elf64_phdr){
	    ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0x401000, 0, 0x10, 0x3000, 0x1000};
	return 0x2010; /* the file ends with the data segment's bytes */
}

static enum elf_status check(struct img *m, size_t len, struct elf_image *out)
{
	char err[96];
	/* The image as a file: header and program headers, then the body at 0x1000. */
	uint8_t *file = calloc(1, len);
	memcpy(file, m, sizeof(m->eh) + sizeof(m->ph) < len ? sizeof(m->eh) + sizeof(m->ph) : len);
	enum elf_status st = elf_check(file, len, LIMIT, out, err, sizeof(err));
	free(file);
	return st;
}

static void test_valid(void **state)
{
	(void)state;
	struct img m;
	struct elf_image out;
	size_t len = build(&m);
	assert_int_equal(check(&m, len, &out), ELF_OK);
	assert_int_equal(out.nseg, 2);
	assert_int_equal(out.entry, 0x400010);
	assert_true(out.seg[0].exec && !out.seg[0].write);
	assert_int_equal(out.seg[1].vaddr, 0x401000);
	assert_int_equal(out.seg[1].memsz, 0x3000);
}

static void test_hostile(void **state)
{
	(void)state;
	struct img m;
	struct elf_image out;
	size_t len = build(&m);

	assert_int_equal(check(&m, 10, &out), ELF_ERR_HEADER);
	build(&m);
	m.eh.ident[0] = 0;
	assert_int_equal(check(&m, len, &out), ELF_ERR_HEADER);
	build(&m);
	m.eh.machine = 3;
	assert_int_equal(check(&m, len, &out), ELF_ERR_HEADER);
	build(&m);
	m.eh.phnum = 60000;
	assert_int_equal(check(&m, len, &out), ELF_ERR_PHDR);
	build(&m);
	m.eh.phoff = len - 8;
	assert_int_equal(check(&m, len, &out), ELF_ERR_PHDR);
	build(&m);
	m.ph[0].filesz = len; /* runs past the file */
	m.ph[0].memsz = len;
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
	build(&m);
	m.ph[0].offset = UINT64_MAX - 4; /* offset + filesz wraps */
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
	build(&m);
	m.ph[0].vaddr = LIMIT - 0x1000 + 0x0; /* memsz crosses the user limit */
	m.ph[0].memsz = 0x2000;
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
	build(&m);
	m.ph[0].vaddr = 0; /* page 0 stays unmapped */
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
	build(&m);
	m.ph[0].flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
	assert_int_equal(check(&m, len, &out), ELF_ERR_WX);
	build(&m);
	m.ph[1].vaddr = 0x400000; /* overlaps the text */
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
	build(&m);
	m.eh.entry = 0x401008; /* in the data segment */
	assert_int_equal(check(&m, len, &out), ELF_ERR_ENTRY);
	build(&m);
	m.ph[0].memsz = 1;
	m.ph[0].filesz = 2; /* filesz > memsz */
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
	build(&m);
	m.ph[1].offset = 0x2001; /* offset and address disagree in the page */
	assert_int_equal(check(&m, len, &out), ELF_ERR_SEGMENT);
}

/* Random corruption of the headers never crashes (ASan/UBSan watch). */
static void test_random(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0, bad = 0;
	for (int i = 0; i < 20000; i++) {
		struct img m;
		struct elf_image out;
		size_t len = build(&m);
		uint8_t *b = (uint8_t *)&m;
		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[x % (sizeof(m.eh) + sizeof(m.ph))] = (uint8_t)(x >> 32);
		}
		if (check(&m, len, &out) == ELF_OK) {
			ok++;
			assert_true(out.nseg >= 1 && out.nseg <= ELF_MAX_SEGMENTS);
		} else {
			bad++;
		}
	}
	assert_true(ok > 0 && bad > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
