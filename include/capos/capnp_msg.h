/* capos/capnp_msg.h: bounds-checked reading and building of single-segment Cap'n Proto
 * messages, shared by the kernel, libcapos and host tests (no libc).
 *
 * A message is one segment with no segment table (the ring carries its length): word 0
 * is the root pointer. Pointers follow the Cap'n Proto encoding spec
 * (capnproto.org/encoding.html): the low two bits give the kind, 0 struct, 1 list,
 * 2 far (refused: one segment only), 3 other (a capability pointer: bits 2..31 zero,
 * bits 32..63 an index into the capabilities transferred beside the message).
 * Little-endian, as x86_64 is.
 *
 * Reading: every accessor takes the buffer and its length and checks each pointer,
 * offset and count against it before touching a byte; a struct or list it returns lies
 * wholly inside the buffer. As the spec asks, a field past the end of a (smaller,
 * older) struct reads as its default, zero or a null pointer.
 *
 * Building: struct capnp_builder owns a caller's buffer, zeroed at init, and allocates
 * words from its front; every write is checked against the words allocated so far.
 *
 * Status: CAPNP_OK, or a negative enum capnp_status. Null pointers are not errors:
 * getters report them as CAPNP_NULL (> 0) with an empty result; a refused pointer also
 * leaves the result empty.
 */
#ifndef CAPOS_CAPNP_MSG_H
#define CAPOS_CAPNP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum capnp_status {
	CAPNP_OK = 0,
	CAPNP_NULL = 1,	     /* the pointer is null: empty text, no struct, no capability */
	CAPNP_E_BOUNDS = -1, /* an offset or length reaches outside the buffer or struct */
	CAPNP_E_KIND = -2,   /* the pointer is of another kind or element size */
	CAPNP_E_FAR = -3,    /* far pointer: multi-segment messages are refused */
	CAPNP_E_TEXT = -4,   /* text without its NUL terminator */
	CAPNP_E_SPACE = -5,  /* builder: the buffer is full */
	CAPNP_E_ARG = -6,    /* caller error: size or count beyond what the encoding holds */
};

#define CAPNP_PTR_STRUCT 0u
#define CAPNP_PTR_LIST	 1u
#define CAPNP_PTR_FAR	 2u
#define CAPNP_PTR_OTHER	 3u

/* List element sizes (bits 32..34 of a list pointer). */
#define CAPNP_ELEM_VOID	     0u
#define CAPNP_ELEM_BIT	     1u
#define CAPNP_ELEM_BYTE	     2u
#define CAPNP_ELEM_2BYTES    3u
#define CAPNP_ELEM_4BYTES    4u
#define CAPNP_ELEM_8BYTES    5u
#define CAPNP_ELEM_POINTER   6u
#define CAPNP_ELEM_COMPOSITE 7u

#define CAPNP_MAX_LEN	     0x7ffffff8u /* largest buffer accepted, in bytes */
#define CAPNP_MAX_LIST_ELEMS 0x1fffffffu /* 29-bit list count */

/* A struct inside the buffer: data section at off, pointer section right after it. */
struct capnp_struct {
	uint32_t off; /* byte offset of the data section */
	uint16_t data_words;
	uint16_t ptr_count;
};

/* A list inside the buffer. For composite lists (elem_size 7) off is the first element
 * (past the tag word) and data_words/ptr_count give each element's layout. */
struct capnp_list {
	uint32_t off;
	uint32_t count;
	uint8_t elem_size; /* CAPNP_ELEM_* */
	uint16_t data_words;
	uint16_t ptr_count;
};

struct capnp_builder {
	uint8_t *buf;
	uint32_t cap;  /* usable bytes, a multiple of 8 */
	uint32_t used; /* bytes allocated, a multiple of 8; word 0 is the root pointer */
};

static inline uint64_t capnp_load64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void capnp_store64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Bits per element of each element size; composite lists count words instead. */
static inline uint32_t capnp_elem_bits(uint8_t elem_size)
{
	static const uint8_t bits[8] = {0, 1, 8, 16, 32, 64, 64, 0};
	return bits[elem_size & 7u];
}

/* capnp_ptr_slot: byte offset of pointer idx of s; CAPNP_NULL when s has fewer pointers
 * (the field is absent), CAPNP_E_BOUNDS when the slot lies outside len bytes. */
static inline int capnp_ptr_slot(size_t len, const struct capnp_struct *s, uint32_t idx,
				 uint64_t *slot)
{
	if (idx >= s->ptr_count)
		return CAPNP_NULL;
	*slot = (uint64_t)s->off + 8u * ((uint64_t)s->data_words + idx);
	if (len > CAPNP_MAX_LEN || *slot + 8u > len)
		return CAPNP_E_BOUNDS;
	return CAPNP_OK;
}

/* capnp_load_ptr: the pointer word at byte offset slot, which must be of kind (for
 * CAPNP_PTR_OTHER: a capability pointer). CAPNP_NULL for a null pointer. */
static inline int capnp_load_ptr(const void *buf, size_t len, uint64_t slot, uint32_t kind,
				 uint64_t *w)
{
	*w = 0;
	if (len > CAPNP_MAX_LEN || slot + 8u > len)
		return CAPNP_E_BOUNDS;
	*w = capnp_load64((const uint8_t *)buf + slot);
	if (*w == 0)
		return CAPNP_NULL;
	if ((*w & 3u) == CAPNP_PTR_FAR)
		return CAPNP_E_FAR;
	if (kind == CAPNP_PTR_OTHER) /* spec: bits 2..31 of a capability pointer are 0 */
		return (*w & 0xffffffffu) == CAPNP_PTR_OTHER ? CAPNP_OK : CAPNP_E_KIND;
	return (*w & 3u) == kind ? CAPNP_OK : CAPNP_E_KIND;
}

/* capnp_ptr_target: byte offset a struct or list pointer at slot points to, checked to
 * lie within len together with size bytes. */
static inline int capnp_ptr_target(size_t len, uint64_t slot, uint64_t word, uint64_t size,
				   uint64_t *target)
{
	int64_t words = (int64_t)(int32_t)(uint32_t)word >> 2;
	int64_t t = (int64_t)slot + 8 + 8 * words;
	if (t < 0 || (uint64_t)t > len || size > len - (uint64_t)t)
		return CAPNP_E_BOUNDS;
	*target = (uint64_t)t;
	return CAPNP_OK;
}

/* capnp_decode_struct: decodes the struct pointer at byte offset slot. */
static inline int capnp_decode_struct(const void *buf, size_t len, uint64_t slot,
				      struct capnp_struct *out)
{
	uint64_t w, t;
	int st = capnp_load_ptr(buf, len, slot, CAPNP_PTR_STRUCT, &w);
	*out = (struct capnp_struct){0, 0, 0};
	if (st != CAPNP_OK)
		return st;
	uint16_t dw = (uint16_t)(w >> 32), pc = (uint16_t)(w >> 48);
	if ((st = capnp_ptr_target(len, slot, w, 8u * ((uint64_t)dw + pc), &t)) != CAPNP_OK)
		return st;
	*out = (struct capnp_struct){(uint32_t)t, dw, pc};
	return CAPNP_OK;
}

/* capnp_decode_list: decodes the list pointer at byte offset slot; composite lists have
 * their tag checked (a struct-kind word whose element layout fits the word count). */
static inline int capnp_decode_list(const void *buf, size_t len, uint64_t slot,
				    struct capnp_list *out)
{
	uint64_t w, t, size;
	int st = capnp_load_ptr(buf, len, slot, CAPNP_PTR_LIST, &w);
	*out = (struct capnp_list){0, 0, 0, 0, 0};
	if (st != CAPNP_OK)
		return st;
	uint8_t es = (uint8_t)((w >> 32) & 7u);
	uint32_t n = (uint32_t)(w >> 35);
	if (es == CAPNP_ELEM_COMPOSITE)
		size = 8u * ((uint64_t)n + 1); /* n counts words, the tag word comes first */
	else
		size = ((uint64_t)n * capnp_elem_bits(es) + 63u) / 64u * 8u;
	if ((st = capnp_ptr_target(len, slot, w, size, &t)) != CAPNP_OK)
		return st;
	struct capnp_list l = {(uint32_t)t, n, es, 0, 0};
	if (es == CAPNP_ELEM_COMPOSITE) {
		uint64_t tag = capnp_load64((const uint8_t *)buf + t);
		uint64_t count = (uint32_t)tag >> 2;
		uint16_t dw = (uint16_t)(tag >> 32), pc = (uint16_t)(tag >> 48);
		if ((tag & 3u) != CAPNP_PTR_STRUCT)
			return CAPNP_E_KIND;
		if (count * ((uint64_t)dw + pc) > n)
			return CAPNP_E_BOUNDS;
		l = (struct capnp_list){(uint32_t)t + 8u, (uint32_t)count, es, dw, pc};
	}
	/* Zero-sized elements cost no bytes: bound their count so that a short message
	 * cannot make a reader loop for billions of elements (the spec's amplification). */
	if (l.count > len && (es == CAPNP_ELEM_VOID ||
			      (es == CAPNP_ELEM_COMPOSITE && l.data_words + l.ptr_count == 0)))
		return CAPNP_E_BOUNDS;
	*out = l; /* only now: a refused list reads as empty, as a null one does */
	return CAPNP_OK;
}

/* capnp_get_root: the root struct of a message of len bytes. */
static inline int capnp_get_root(const void *buf, size_t len, struct capnp_struct *out)
{
	return capnp_decode_struct(buf, len, 0, out);
}

/* Primitive fields: byte_off within the data section. A field past the data section
 * reads as zero; CAPNP_E_BOUNDS when s itself does not lie within len. */
static inline int capnp_get_bytes(const void *buf, size_t len, const struct capnp_struct *s,
				  uint32_t byte_off, unsigned size, uint64_t *out)
{
	const uint8_t *b = buf;
	*out = 0;
	if (len > CAPNP_MAX_LEN || (uint64_t)s->off + 8u * s->data_words > len)
		return CAPNP_E_BOUNDS;
	if ((uint64_t)byte_off + size > 8u * s->data_words)
		return CAPNP_OK;
	for (unsigned i = size; i > 0; i--)
		*out = (*out << 8) | b[s->off + byte_off + i - 1];
	return CAPNP_OK;
}

#define CAPNP_DEFINE_GET(name, type, size)                                                         \
	static inline int capnp_get_##name(const void *buf, size_t len,                            \
					   const struct capnp_struct *s, uint32_t byte_off,        \
					   type *out)                                              \
	{                                                                                          \
		uint64_t v;                                                                        \
		int st = capnp_get_bytes(buf, len, s, byte_off, size, &v);                         \
		*out = (type)v;                                                                    \
		return st;                                                                         \
	}
CAPNP_DEFINE_GET(u8, uint8_t, 1)
CAPNP_DEFINE_GET(u16, uint16_t, 2)
CAPNP_DEFINE_GET(u32, uint32_t, 4)
CAPNP_DEFINE_GET(u64, uint64_t, 8)
CAPNP_DEFINE_GET(i8, int8_t, 1)
CAPNP_DEFINE_GET(i16, int16_t, 2)
CAPNP_DEFINE_GET(i32, int32_t, 4)
CAPNP_DEFINE_GET(i64, int64_t, 8)

static inline int capnp_get_bool(const void *buf, size_t len, const struct capnp_struct *s,
				 uint32_t byte_off, unsigned bit, bool *out)
{
	uint64_t v;
	int st = capnp_get_bytes(buf, len, s, byte_off, 1, &v);
	*out = (v >> (bit & 7u)) & 1u;
	return st;
}

/* capnp_get_struct: the struct pointer idx of s points to (CAPNP_NULL: absent, and out
 * is an empty struct whose fields all read as defaults). */
static inline int capnp_get_struct(const void *buf, size_t len, const struct capnp_struct *s,
				   uint32_t idx, struct capnp_struct *out)
{
	uint64_t slot;
	int st = capnp_ptr_slot(len, s, idx, &slot);
	*out = (struct capnp_struct){0, 0, 0};
	return st == CAPNP_OK ? capnp_decode_struct(buf, len, slot, out) : st;
}

/* capnp_get_list: the list pointer idx of s points to. */
static inline int capnp_get_list(const void *buf, size_t len, const struct capnp_struct *s,
				 uint32_t idx, struct capnp_list *out)
{
	uint64_t slot;
	int st = capnp_ptr_slot(len, s, idx, &slot);
	*out = (struct capnp_list){0, 0, 0, 0, 0};
	return st == CAPNP_OK ? capnp_decode_list(buf, len, slot, out) : st;
}

/* capnp_list_struct: element i of a composite list (CAPNP_E_KIND for other lists). */
static inline int capnp_list_struct(size_t len, const struct capnp_list *l, uint32_t i,
				    struct capnp_struct *out)
{
	uint64_t size = 8u * ((uint64_t)l->data_words + l->ptr_count);
	*out = (struct capnp_struct){0, 0, 0};
	if (l->elem_size != CAPNP_ELEM_COMPOSITE)
		return CAPNP_E_KIND;
	if (i >= l->count || len > CAPNP_MAX_LEN || l->off + size * (i + 1u) > len)
		return CAPNP_E_BOUNDS;
	*out = (struct capnp_struct){(uint32_t)(l->off + size * i), l->data_words, l->ptr_count};
	return CAPNP_OK;
}

/* capnp_get_data: bytes of the Data (byte list) pointer idx of s; CAPNP_NULL gives
 * *p = NULL, *n = 0. */
static inline int capnp_get_data(const void *buf, size_t len, const struct capnp_struct *s,
				 uint32_t idx, const uint8_t **p, size_t *n)
{
	struct capnp_list l;
	int st = capnp_get_list(buf, len, s, idx, &l);
	*p = NULL;
	*n = 0;
	if (st != CAPNP_OK)
		return st;
	if (l.elem_size != CAPNP_ELEM_BYTE)
		return CAPNP_E_KIND;
	*p = (const uint8_t *)buf + l.off;
	*n = l.count;
	return CAPNP_OK;
}

/* capnp_get_text: the Text pointer idx of s: *str (NUL-terminated inside the buffer) and
 * its length without the NUL. CAPNP_NULL gives *str = "", *n = 0; CAPNP_E_TEXT when the
 * last byte is not NUL. Text may hold interior NULs: callers that print it use *n. */
static inline int capnp_get_text(const void *buf, size_t len, const struct capnp_struct *s,
				 uint32_t idx, const char **str, size_t *n)
{
	const uint8_t *p;
	int st = capnp_get_data(buf, len, s, idx, &p, n);
	*str = "";
	if (st == CAPNP_OK && (*n == 0 || p[*n - 1] != 0))
		st = CAPNP_E_TEXT;
	if (st != CAPNP_OK) {
		*n = 0;
		return st;
	}
	*str = (const char *)p;
	*n -= 1;
	return CAPNP_OK;
}

/* capnp_get_cap: the capability pointer idx of s: *cap_index into the capabilities
 * transferred beside the message (the caller checks it against their count). */
static inline int capnp_get_cap(const void *buf, size_t len, const struct capnp_struct *s,
				uint32_t idx, uint32_t *cap_index)
{
	uint64_t slot, w;
	int st = capnp_ptr_slot(len, s, idx, &slot);
	*cap_index = 0;
	if (st == CAPNP_OK &&
	    (st = capnp_load_ptr(buf, len, slot, CAPNP_PTR_OTHER, &w)) == CAPNP_OK)
		*cap_index = (uint32_t)(w >> 32);
	return st;
}

/* capnp_builder_init: a builder over buf (cap bytes, rounded down to words), zeroed, with
 * word 0 reserved for the root pointer. CAPNP_E_ARG when fewer than 8 bytes. */
static inline int capnp_builder_init(struct capnp_builder *b, void *buf, size_t cap)
{
	if (cap > CAPNP_MAX_LEN)
		cap = CAPNP_MAX_LEN;
	*b = (struct capnp_builder){buf, (uint32_t)(cap & ~(size_t)7), 0};
	if (b->cap < 8)
		return CAPNP_E_ARG;
	for (uint32_t i = 0; i < b->cap; i++)
		b->buf[i] = 0;
	b->used = 8;
	return CAPNP_OK;
}

/* capnp_alloc: words zeroed words at the end of the message; *off their byte offset. */
static inline int capnp_alloc(struct capnp_builder *b, uint64_t words, uint32_t *off)
{
	if (words > (b->cap - b->used) / 8u)
		return CAPNP_E_SPACE;
	*off = b->used;
	b->used += (uint32_t)(words * 8u);
	return CAPNP_OK;
}

/* capnp_set_ptr: writes a struct or list pointer at slot pointing to target. */
static inline void capnp_set_ptr(struct capnp_builder *b, uint64_t slot, uint32_t target,
				 uint32_t kind, uint32_t upper)
{
	int64_t words = ((int64_t)target - (int64_t)slot - 8) / 8;
	uint32_t lower = ((uint32_t)words << 2) | kind;
	capnp_store64(b->buf + slot, ((uint64_t)upper << 32) | lower);
}

static inline int capnp_init_struct_at(struct capnp_builder *b, uint64_t slot, uint16_t dw,
				       uint16_t pc, struct capnp_struct *out)
{
	uint32_t off;
	int st = capnp_alloc(b, (uint64_t)dw + pc, &off);
	if (st != CAPNP_OK)
		return st;
	capnp_set_ptr(b, slot, off, CAPNP_PTR_STRUCT, dw | ((uint32_t)pc << 16));
	*out = (struct capnp_struct){off, dw, pc};
	return CAPNP_OK;
}

/* capnp_init_root: allocates the root struct (dw data words, pc pointers). */
static inline int capnp_init_root(struct capnp_builder *b, uint16_t dw, uint16_t pc,
				  struct capnp_struct *out)
{
	if (b->used < 8)
		return CAPNP_E_ARG;
	return capnp_init_struct_at(b, 0, dw, pc, out);
}

/* capnp_builder_slot: pointer idx of s, which must lie in the allocated words. */
static inline int capnp_builder_slot(const struct capnp_builder *b, const struct capnp_struct *s,
				     uint32_t idx, uint64_t *slot)
{
	int st = capnp_ptr_slot(b->used, s, idx, slot);
	return st == CAPNP_NULL ? CAPNP_E_BOUNDS : st;
}

/* capnp_init_struct: allocates a struct for pointer idx of s. */
static inline int capnp_init_struct(struct capnp_builder *b, const struct capnp_struct *s,
				    uint32_t idx, uint16_t dw, uint16_t pc,
				    struct capnp_struct *out)
{
	uint64_t slot;
	int st = capnp_builder_slot(b, s, idx, &slot);
	*out = (struct capnp_struct){0, 0, 0};
	return st == CAPNP_OK ? capnp_init_struct_at(b, slot, dw, pc, out) : st;
}

/* capnp_init_struct_list: allocates a composite list of count structs for pointer idx
 * of s (tag word first, as the spec lays it out). */
static inline int capnp_init_struct_list(struct capnp_builder *b, const struct capnp_struct *s,
					 uint32_t idx, uint32_t count, uint16_t dw, uint16_t pc,
					 struct capnp_list *out)
{
	uint64_t slot, words = (uint64_t)count * ((uint64_t)dw + pc);
	uint32_t off;
	int st = capnp_builder_slot(b, s, idx, &slot);
	*out = (struct capnp_list){0, 0, 0, 0, 0};
	if (st != CAPNP_OK)
		return st;
	if (count > 0x3fffffffu || words > CAPNP_MAX_LIST_ELEMS)
		return CAPNP_E_ARG;
	st = capnp_alloc(b, words + 1, &off);
	if (st != CAPNP_OK)
		return st;
	capnp_store64(b->buf + off, ((uint64_t)(dw | ((uint32_t)pc << 16)) << 32) |
					((uint64_t)count << 2) | CAPNP_PTR_STRUCT);
	capnp_set_ptr(b, slot, off, CAPNP_PTR_LIST, CAPNP_ELEM_COMPOSITE | ((uint32_t)words << 3));
	*out = (struct capnp_list){off + 8u, count, CAPNP_ELEM_COMPOSITE, dw, pc};
	return CAPNP_OK;
}

/* capnp_set_bytelist: copies n bytes of p, then nul zero bytes (1 for Text), into a byte
 * list for pointer idx of s. */
static inline int capnp_set_bytelist(struct capnp_builder *b, const struct capnp_struct *s,
				     uint32_t idx, const void *p, size_t n, size_t nul)
{
	uint64_t slot;
	uint32_t off;
	int st = capnp_builder_slot(b, s, idx, &slot);
	if (st != CAPNP_OK)
		return st;
	if (n > CAPNP_MAX_LIST_ELEMS - nul)
		return CAPNP_E_ARG;
	if ((st = capnp_alloc(b, (n + nul + 7u) / 8u, &off)) != CAPNP_OK)
		return st; /* the NUL is already there: allocated words are zero */
	for (size_t i = 0; i < n; i++)
		b->buf[off + i] = ((const uint8_t *)p)[i];
	capnp_set_ptr(b, slot, off, CAPNP_PTR_LIST, CAPNP_ELEM_BYTE | ((uint32_t)(n + nul) << 3));
	return CAPNP_OK;
}

/* capnp_set_data: copies n bytes into a Data (byte list) for pointer idx of s. */
static inline int capnp_set_data(struct capnp_builder *b, const struct capnp_struct *s,
				 uint32_t idx, const void *p, size_t n)
{
	return capnp_set_bytelist(b, s, idx, p, n, 0);
}

/* capnp_set_text: copies n bytes of str and a NUL into a Text for pointer idx of s. */
static inline int capnp_set_text(struct capnp_builder *b, const struct capnp_struct *s,
				 uint32_t idx, const char *str, size_t n)
{
	return capnp_set_bytelist(b, s, idx, str, n, 1);
}

/* capnp_set_cap: writes a capability pointer (spec: "other" pointer, type 3) holding
 * cap_index into pointer idx of s. */
static inline int capnp_set_cap(struct capnp_builder *b, const struct capnp_struct *s, uint32_t idx,
				uint32_t cap_index)
{
	uint64_t slot;
	int st = capnp_builder_slot(b, s, idx, &slot);
	if (st == CAPNP_OK)
		capnp_store64(b->buf + slot, ((uint64_t)cap_index << 32) | CAPNP_PTR_OTHER);
	return st;
}

/* Primitive setters: CAPNP_E_BOUNDS when the field lies outside s's data section or s
 * outside the allocated words. */
static inline int capnp_set_bytes(struct capnp_builder *b, const struct capnp_struct *s,
				  uint32_t byte_off, unsigned size, uint64_t v)
{
	if ((uint64_t)byte_off + size > 8u * s->data_words ||
	    (uint64_t)s->off + 8u * s->data_words > b->used)
		return CAPNP_E_BOUNDS;
	for (unsigned i = 0; i < size; i++)
		b->buf[s->off + byte_off + i] = (uint8_t)(v >> (8 * i));
	return CAPNP_OK;
}

#define CAPNP_DEFINE_SET(name, type, size)                                                         \
	static inline int capnp_set_##name(struct capnp_builder *b, const struct capnp_struct *s,  \
					   uint32_t byte_off, type v)                              \
	{                                                                                          \
		return capnp_set_bytes(b, s, byte_off, size, (uint64_t)v);                         \
	}
CAPNP_DEFINE_SET(u8, uint8_t, 1)
CAPNP_DEFINE_SET(u16, uint16_t, 2)
CAPNP_DEFINE_SET(u32, uint32_t, 4)
CAPNP_DEFINE_SET(u64, uint64_t, 8)
CAPNP_DEFINE_SET(i8, int8_t, 1)
CAPNP_DEFINE_SET(i16, int16_t, 2)
CAPNP_DEFINE_SET(i32, int32_t, 4)
CAPNP_DEFINE_SET(i64, int64_t, 8)

static inline int capnp_set_bool(struct capnp_builder *b, const struct capnp_struct *s,
				 uint32_t byte_off, unsigned bit, bool v)
{
	uint64_t cur;
	int st = capnp_get_bytes(b->buf, b->used, s, byte_off, 1, &cur);
	if (st != CAPNP_OK)
		return st;
	cur = (cur & ~(1ull << (bit & 7u))) | ((uint64_t)v << (bit & 7u));
	return capnp_set_bytes(b, s, byte_off, 1, cur);
}

#endif
