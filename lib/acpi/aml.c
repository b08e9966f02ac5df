/* aml: bounded readers for AML encoding primitives (ACPI 6.5 §20.2) and resource
 * templates (§6.4). Every read goes through aml_byte or checks end - pos first. */
#include "lib/acpi/aml.h"

#include "lib/str.h"

/* Resource descriptor tags (§6.4.2, §6.4.3). */
#define RES_LARGE	    0x80 /* bit 7 set: large item, 16-bit length at bytes 1-2 */
#define RES_SMALL_LEN(tag)  ((size_t)((tag)&0x07))
#define RES_SMALL_NAME(tag) (((tag) >> 3) & 0x0f)
#define RES_SMALL_END	    0x0f /* End Tag (§6.4.2.9), written 0x79 */
#define RES_LARGE_NAME(tag) ((tag)&0x7f)
#define RES_DWORD_ADDR	    0x07
#define RES_WORD_ADDR	    0x08
#define RES_QWORD_ADDR	    0x0a
#define RES_EXT_ADDR	    0x0b
#define RES_TYPE_BUS	    2 /* Resource Type byte of an address space descriptor */

void aml_reader_init(struct aml_reader *r, const uint8_t *aml, size_t len, uint8_t revision)
{
	r->aml = aml;
	r->pos = 0;
	r->end = aml == NULL ? 0 : len;
	r->revision = revision;
}

bool aml_byte(struct aml_reader *r, uint8_t *out)
{
	if (r->pos >= r->end)
		return false;
	*out = r->aml[r->pos++];
	return true;
}

/* Reads an n-byte little-endian value (n <= 8). */
static bool read_le(struct aml_reader *r, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (r->end - r->pos < n)
		return false;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->aml[r->pos + i] << (8 * i);
	r->pos += n;
	*out = v;
	return true;
}

bool aml_pkg_length(struct aml_reader *r, size_t *obj_end)
{
	size_t start = r->pos;
	uint8_t lead, b;
	size_t follow;
	uint32_t v;

	if (!aml_byte(r, &lead))
		return false;
	/* §20.2.4: bits 7-6 count the bytes that follow. With none, bits 5-0 are the
	 * length; otherwise bits 3-0 are its low nibble (bits 5-4 are reserved and, as in
	 * ACPICA, ignored) and each following byte adds 8 more bits: at most 2^28 - 1. */
	follow = lead >> 6;
	v = follow == 0 ? (uint32_t)(lead & 0x3f) : (uint32_t)(lead & 0x0f);
	for (size_t i = 0; i < follow; i++) {
		if (!aml_byte(r, &b))
			return false;
		v |= (uint32_t)b << (4 + 8 * i);
	}
	/* The length counts the PkgLength bytes themselves. */
	if (v < 1 + follow || v > r->end - start)
		return false;
	*obj_end = start + v;
	return true;
}

bool aml_pkg_enter(struct aml_reader *r, struct aml_reader *sub)
{
	size_t end;

	if (!aml_pkg_length(r, &end))
		return false;
	*sub = *r;
	sub->end = end;
	r->pos = end;
	return true;
}

static bool name_char(uint8_t c, bool lead)
{
	if ((c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return !lead && c >= '0' && c <= '9';
}

bool aml_name_string(struct aml_reader *r, struct aml_name *out)
{
	uint8_t c;

	out->root = false;
	out->parents = 0;
	if (!aml_byte(r, &c))
		return false;
	if (c == AML_ROOT_CHAR) {
		out->root = true;
		if (!aml_byte(r, &c))
			return false;
	}
	while (!out->root && c == AML_PARENT_CHAR) {
		out->parents++;
		if (!aml_byte(r, &c))
			return false;
	}
	/* §20.2.2: NamePath := NameSeg | DualNamePath | MultiNamePath | NullName. */
	if (c == 0x00) {
		out->nseg = 0;
	} else if (c == AML_DUAL_NAME) {
		out->nseg = 2;
	} else if (c == AML_MULTI_NAME) {
		if (!aml_byte(r, &c) || c == 0)
			return false;
		out->nseg = c;
	} else {
		out->nseg = 1;
		r->pos--; /* c was the NameSeg's lead character */
	}
	if ((r->end - r->pos) / 4 < out->nseg)
		return false;
	out->seg_off = r->pos;
	for (size_t i = 0; i < 4 * out->nseg; i++)
		if (!name_char(r->aml[r->pos + i], i % 4 == 0))
			return false;
	r->pos += 4 * out->nseg;
	return true;
}

bool aml_name_is_seg(const struct aml_reader *r, const struct aml_name *name, const char *seg)
{
	if (name->root || name->parents != 0 || name->nseg != 1)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (r->aml[name->seg_off + i] != (uint8_t)seg[i])
			return false;
	return true;
}

bool aml_integer(struct aml_reader *r, uint64_t *out)
{
	size_t start = r->pos;
	uint8_t op;
	size_t n;

	if (!aml_byte(r, &op))
		return false;
	switch (op) {
	case AML_ZERO_OP:
		*out = 0;
		return true;
	case AML_ONE_OP:
		*out = 1;
		return true;
	case AML_ONES_OP:
		/* All bits set, in the table's integer width (§5.2.11.1). */
		*out = r->revision < 2 ? 0xffffffffu : UINT64_MAX;
		return true;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	case AML_QWORD_PREFIX:
		n = 8; /* kept whole: the caller decides what a 32-bit table meant */
		break;
	default:
		r->pos = start;
		return false;
	}
	return read_le(r, n, out);
}

static bool read_string(struct aml_reader *r, struct aml_value *out)
{
	out->kind = AML_STRING;
	out->off = r->pos;
	/* §20.2.3: String := StringPrefix AsciiCharList NullChar, chars 0x01-0x7f. */
	for (size_t i = r->pos; i < r->end; i++) {
		if (r->aml[i] == 0x00) {
			out->len = i - r->pos;
			r->pos = i + 1;
			return true;
		}
		if (r->aml[i] > 0x7f)
			return false;
	}
	return false;
}

static bool read_buffer(struct aml_reader *r, struct aml_value *out)
{
	struct aml_reader sub;

	if (!aml_pkg_enter(r, &sub))
		return false;
	/* BufferSize is a TermArg; only a constant is understood without an interpreter.
	 * It may differ from the byte list's length (ACPICA uses the larger one); only the
	 * bytes present are handed out. */
	if (!aml_integer(&sub, &out->size))
		return false;
	out->kind = AML_BUFFER;
	out->off = sub.pos;
	out->len = sub.end - sub.pos;
	return true;
}

bool aml_data_object(struct aml_reader *r, struct aml_value *out)
{
	size_t obj_end;
	uint8_t op;

	out->integer = 0;
	out->size = 0;
	out->off = 0;
	out->len = 0;
	if (aml_integer(r, &out->integer)) {
		out->kind = AML_INTEGER;
		return true;
	}
	if (!aml_byte(r, &op))
		return false;
	switch (op) {
	case AML_STRING_PREFIX:
		return read_string(r, out);
	case AML_BUFFER_OP:
		return read_buffer(r, out);
	case AML_PACKAGE_OP:
	case AML_VAR_PACKAGE_OP:
		if (!aml_pkg_length(r, &obj_end))
			return false;
		out->kind = op == AML_PACKAGE_OP ? AML_PACKAGE : AML_OTHER;
		out->off = r->pos;
		out->len = obj_end - r->pos;
		r->pos = obj_end;
		return true;
	case AML_EXT_PREFIX:
		if (!aml_byte(r, &op) || op != AML_X_REVISION)
			return false;
		out->kind = AML_OTHER;
		return true;
	default:
		return false;
	}
}

void aml_path_resolve(const struct aml_reader *r, const struct aml_path *p,
		      const struct aml_name *name, struct aml_path *out)
{
	*out = name->root ? (struct aml_path){.n = 0, .valid = true} : *p;
	if (name->parents > out->n) {
		out->valid = false;
		return;
	}
	out->n -= name->parents;
	for (size_t i = 0; i < name->nseg && out->valid; i++) {
		if (out->n == AML_PATH_SEGS) {
			out->valid = false;
			break;
		}
		memcpy(out->seg[out->n++], r->aml + name->seg_off + 4 * i, 4);
	}
}

void aml_path_str(const struct aml_path *p, char *buf)
{
	size_t k = 0;

	buf[0] = '\0';
	if (!p->valid)
		return;
	buf[k++] = '\\';
	for (size_t i = 0; i < p->n; i++) {
		if (i > 0)
			buf[k++] = '.';
		memcpy(buf + k, p->seg[i], 4);
		k += 4;
	}
	buf[k] = '\0';
}

static uint64_t le_at(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One address space descriptor (§6.4.3.5.1-4), decoded. */
struct addr_desc {
	uint8_t type;	    /* Resource Type: 0 memory, 1 I/O, 2 bus numbers */
	uint8_t type_flags; /* Type Specific Flags */
	uint64_t min, max, len;
};

/* Decodes large descriptor `name` with data d[0..dlen): Resource Type, General
 * Flags, Type Specific Flags, then _GRA, _MIN, _MAX, _TRA, _LEN of w bytes each;
 * the Extended form has a Revision ID and a reserved byte before them and a
 * type-specific attribute after. Optional resource source fields may follow,
 * hence "at least". AML_RES_NONE for a descriptor of another kind. */
static enum aml_res_status addr_descriptor(uint8_t name, const uint8_t *d, size_t dlen,
					   struct addr_desc *out)
{
	size_t w, first;
	switch (name) {
	case RES_WORD_ADDR:
		w = 2, first = 3;
		break;
	case RES_DWORD_ADDR:
		w = 4, first = 3;
		break;
	case RES_QWORD_ADDR:
		w = 8, first = 3;
		break;
	case RES_EXT_ADDR:
		w = 8, first = 5;
		break;
	default:
		return AML_RES_NONE;
	}
	if (dlen < first + 5 * w + (name == RES_EXT_ADDR ? 8 : 0))
		return AML_RES_CORRUPT;
	out->type = d[0];
	out->type_flags = d[2];
	out->min = le_at(d + first + w, w);
	out->max = le_at(d + first + 2 * w, w);
	out->len = le_at(d + first + 4 * w, w);
	return AML_RES_FOUND;
}

/* Walks a resource template up to its End Tag, calling visit for each address
 * space descriptor; stops early when visit returns AML_RES_CORRUPT. */
static enum aml_res_status
res_walk(const uint8_t *tmpl, size_t len,
	 enum aml_res_status (*visit)(void *ctx, const struct addr_desc *), void *ctx)
{
	size_t i = 0;
	while (i < len) {
		uint8_t tag = tmpl[i];
		size_t dlen;
		if ((tag & RES_LARGE) == 0) {
			dlen = RES_SMALL_LEN(tag);
			if (dlen > len - i - 1)
				return AML_RES_CORRUPT;
			if (RES_SMALL_NAME(tag) == RES_SMALL_END)
				return AML_RES_FOUND;
			i += 1 + dlen;
			continue;
		}
		if (len - i < 3)
			return AML_RES_CORRUPT;
		dlen = le_at(tmpl + i + 1, 2);
		if (dlen > len - i - 3)
			return AML_RES_CORRUPT;
		struct addr_desc a;
		enum aml_res_status s =
		    addr_descriptor(RES_LARGE_NAME(tag), tmpl + i + 3, dlen, &a);
		if (s == AML_RES_CORRUPT ||
		    (s == AML_RES_FOUND && visit(ctx, &a) == AML_RES_CORRUPT))
			return AML_RES_CORRUPT;
		i += 3 + dlen;
	}
	return AML_RES_CORRUPT; /* no End Tag */
}

struct bus_ctx {
	bool found;
	uint8_t *start, *end;
};

static enum aml_res_status visit_bus(void *ctx, const struct addr_desc *a)
{
	struct bus_ctx *b = ctx;
	if (b->found || a->type != RES_TYPE_BUS)
		return AML_RES_NONE;
	if (a->min > a->max || a->max > 0xff)
		return AML_RES_CORRUPT;
	*b->start = (uint8_t)a->min;
	*b->end = (uint8_t)a->max;
	b->found = true;
	return AML_RES_FOUND;
}

enum aml_res_status aml_res_bus_range(const uint8_t *tmpl, size_t len, uint8_t *start, uint8_t *end)
{
	struct bus_ctx b = {false, start, end};
	if (res_walk(tmpl, len, visit_bus, &b) == AML_RES_CORRUPT)
		return AML_RES_CORRUPT;
	return b.found ? AML_RES_FOUND : AML_RES_NONE;
}

#define RES_TYPE_MEM	0
#define RES_MEM_TYPE_PF 0x06 /* Type Specific Flags bits 2:1: 3 prefetchable, 2 cacheable */

struct mem_ctx {
	struct aml_mem_window *out;
	size_t max, *n;
};

static enum aml_res_status visit_mem(void *ctx, const struct addr_desc *a)
{
	struct mem_ctx *m = ctx;
	if (a->type != RES_TYPE_MEM || a->len == 0 || a->min + a->len < a->min || *m->n >= m->max)
		return AML_RES_NONE;
	m->out[*m->n] =
	    (struct aml_mem_window){a->min, a->len, ((a->type_flags & RES_MEM_TYPE_PF) >> 1) >= 2};
	(*m->n)++;
	return AML_RES_FOUND;
}

enum aml_res_status aml_res_mem_windows(const uint8_t *tmpl, size_t len, struct aml_mem_window *out,
					size_t max, size_t *n)
{
	struct mem_ctx m = {out, max, n};
	*n = 0;
	if (res_walk(tmpl, len, visit_mem, &m) == AML_RES_CORRUPT)
		return AML_RES_CORRUPT;
	return *n ? AML_RES_FOUND : AML_RES_NONE;
}
