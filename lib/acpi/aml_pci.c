/* aml_pci: a bounded walk of AML term lists (ACPI 6.5 §20.2.5) that finds PCI host
 * bridges. See aml_pci.h for what it reads and docs/acpi.md for what it skips. */
#include "lib/acpi/aml_pci.h"

#include "hw/acpi.h"
#include "lib/acpi/aml.h"
#include "lib/acpi/internal.h"
#include "lib/hooks.h"
#include "lib/str.h"

#define MAX_DEPTH   16	       /* nested Scope/Device term lists */
#define MAX_OBJECTS (1u << 18) /* objects looked at per table */
#define MAX_REPORTS 4	       /* per table */

/* EISA ids as EisaId("PNP0A03") / EisaId("PNP0A08") compile them (§6.1.5). */
#define EISA_PNP0A03 0x030ad041u
#define EISA_PNP0A08 0x080ad041u

#define ID_PCI	1u /* PNP0A03 */
#define ID_PCIE 2u /* PNP0A08 */

/* What one term list said about the object it belongs to. First definition wins, as
 * ACPICA keeps the first of two objects with one name. */
struct facts {
	unsigned id; /* ID_* from _HID and _CID */
	bool has_hid, has_cid, has_seg, has_bbn, has_crs, has_bus, has_cba;
	uint64_t seg, bbn, cba;
	uint8_t bus_start, bus_end;
	struct aml_mem_window mem[ACPI_PCI_HOST_MEM_MAX];
	size_t nmem;
};

struct walk {
	struct acpi_pci_host_list *list;
	const char *sig; /* 4 characters, printed with %.4s */
	size_t objects;
	unsigned reports;
};

enum step { STEP_OK, STEP_UNKNOWN, STEP_BAD };

static void walk_list(struct walk *w, struct aml_reader *r, const struct aml_path *p,
		      struct facts *f, unsigned depth);

/* Counts a term list or object given up, and reports it. op is the object's opcode
 * (0x5bXX for two bytes), at its offset in the body. */
static void report_cut(struct walk *w, unsigned op, size_t at, const char *what)
{
	w->list->cut++;
	if (w->reports++ >= MAX_REPORTS)
		return;
	/* Offsets are in the table, header included, as disassembler listings give them. */
	hook_log("acpi: %.4s aml opcode 0x%x at +%zu %s", w->sig, op,
		 at + sizeof(struct acpi_sdt_header), what);
}

static void report(struct walk *w, const char *what, size_t at)
{
	if (w->reports++ >= MAX_REPORTS)
		return;
	hook_log("acpi: %.4s aml %s at +%zu, ignored", w->sig, what,
		 at + sizeof(struct acpi_sdt_header));
}

static struct acpi_pci_host *find_host(struct walk *w, const struct aml_path *p)
{
	char s[ACPI_PCI_HOST_PATH_LEN];

	if (!p->valid)
		return NULL;
	aml_path_str(p, s);
	for (size_t i = 0; i < w->list->count; i++)
		if (strcmp(w->list->host[i].path, s) == 0)
			return &w->list->host[i];
	return NULL;
}

static unsigned classify(const struct aml_reader *r, const struct aml_value *v)
{
	const uint8_t *s = r->aml + v->off;

	if (v->kind == AML_INTEGER)
		return (v->integer == EISA_PNP0A08 ? ID_PCIE : 0) |
		       (v->integer == EISA_PNP0A03 ? ID_PCI : 0);
	if (v->kind != AML_STRING || v->len != 7)
		return 0;
	return (memcmp(s, "PNP0A08", 7) == 0 ? ID_PCIE : 0) |
	       (memcmp(s, "PNP0A03", 7) == 0 ? ID_PCI : 0);
}

/* A _CID package (§6.1.2): NumElements, then integers or strings; others end the look. */
static unsigned classify_package(const struct aml_reader *r, const struct aml_value *v)
{
	struct aml_reader pkg = *r;
	struct aml_value e;
	unsigned id = 0;
	uint8_t n;

	pkg.pos = v->off;
	pkg.end = v->off + v->len;
	if (!aml_byte(&pkg, &n))
		return 0;
	for (unsigned i = 0; i < n && aml_data_object(&pkg, &e); i++)
		id |= classify(r, &e);
	return id;
}

/* note: records what the object `name` of the current device says, if it matters. */
static void note(struct walk *w, const struct aml_reader *r, size_t at, struct facts *f,
		 const struct aml_name *name, const struct aml_value *v)
{
	bool integer = v->kind == AML_INTEGER;

	if (aml_name_is_seg(r, name, "_HID") && !f->has_hid) {
		f->has_hid = true;
		f->id |= classify(r, v);
	} else if (aml_name_is_seg(r, name, "_CID") && !f->has_cid) {
		f->has_cid = true;
		f->id |= v->kind == AML_PACKAGE ? classify_package(r, v) : classify(r, v);
	} else if (aml_name_is_seg(r, name, "_SEG") && integer && !f->has_seg) {
		f->has_seg = true;
		f->seg = v->integer;
	} else if (aml_name_is_seg(r, name, "_BBN") && integer && !f->has_bbn) {
		if (v->integer > 0xff) {
			report(w, "_BBN above 0xff", at);
			return;
		}
		f->has_bbn = true;
		f->bbn = v->integer;
	} else if (aml_name_is_seg(r, name, "_CBA") && integer && !f->has_cba) {
		f->has_cba = true;
		f->cba = v->integer;
	} else if (aml_name_is_seg(r, name, "_CRS") && v->kind == AML_BUFFER && !f->has_crs) {
		f->has_crs = true;
		switch (aml_res_bus_range(r->aml + v->off, v->len, &f->bus_start, &f->bus_end)) {
		case AML_RES_FOUND:
			f->has_bus = true;
			break;
		case AML_RES_CORRUPT:
			report(w, "_CRS malformed", at);
			break;
		case AML_RES_NONE:
			break;
		}
		aml_res_mem_windows(r->aml + v->off, v->len, f->mem, ACPI_PCI_HOST_MEM_MAX,
				    &f->nmem);
	}
}

static void merge(struct acpi_pci_host *h, const struct facts *f)
{
	if (f->id & ID_PCIE)
		h->pcie = true;
	if (f->has_seg && !h->has_seg) {
		h->has_seg = true;
		h->segment = (uint16_t)f->seg;
	}
	if (f->has_bbn && !h->has_bbn) {
		h->has_bbn = true;
		h->base_bus = (uint8_t)f->bbn;
	}
	if (f->has_bus && !h->has_bus_range) {
		h->has_bus_range = true;
		h->bus_start = f->bus_start;
		h->bus_end = f->bus_end;
	}
	if (f->has_cba && !h->has_ecam) {
		h->has_ecam = true;
		h->ecam_base = f->cba;
	}
	if (f->nmem != 0 && h->nmem == 0) {
		memcpy(h->mem, f->mem, f->nmem * sizeof(f->mem[0]));
		h->nmem = (uint8_t)f->nmem;
	}
}

/* The end of a Scope or Device: adds what its list said to the host at path p, or
 * records a new host when a Device has a host bridge id. */
static void finish_object(struct walk *w, const struct aml_path *p, const struct facts *f,
			  bool device)
{
	struct acpi_pci_host_list *l = w->list;
	struct acpi_pci_host *h = find_host(w, p);

	if (h == NULL && device && f->id != 0) {
		if (l->count == l->max) {
			l->overflow++;
			return;
		}
		h = &l->host[l->count++];
		memset(h, 0, sizeof(*h));
		aml_path_str(p, h->path);
	}
	if (h != NULL)
		merge(h, f);
}

/* The path of the object a Scope or Device names (read from sub). A single NameSeg in
 * Scope () is looked up toward the root (§5.3); only the hosts found so far are known,
 * so only they are looked for. False for a bad name. Kept out of line: only what
 * walk_scope holds across its recursion should sit in each level's stack frame. */
static __attribute__((noinline)) bool scope_path(struct walk *w, struct aml_reader *sub,
						 const struct aml_path *p, bool device,
						 struct aml_path *q)
{
	struct aml_name name;

	if (!aml_name_string(sub, &name))
		return false;
	aml_path_resolve(sub, p, &name, q);
	if (!device && !name.root && name.parents == 0 && name.nseg == 1) {
		for (struct aml_path up = *p, c; up.n > 0 && find_host(w, q) == NULL;) {
			up.n--;
			aml_path_resolve(sub, &up, &name, &c);
			if (find_host(w, &c) != NULL)
				*q = c;
		}
	}
	return true;
}

/* Scope (PkgLength NameString TermList) or Device (the same after 0x5b 0x82). */
static enum step walk_scope(struct walk *w, struct aml_reader *r, const struct aml_path *p,
			    unsigned depth, bool device)
{
	unsigned op = device ? (AML_EXT_PREFIX << 8 | AML_X_DEVICE) : AML_SCOPE_OP;
	size_t at = r->pos - (device ? 2 : 1);
	struct aml_reader sub;
	struct facts f = {0};
	struct aml_path q;

	if (!aml_pkg_enter(r, &sub))
		return STEP_BAD;
	/* From here on the object is bounded: a problem inside skips it, not the list. */
	if (!scope_path(w, &sub, p, device, &q)) {
		report_cut(w, op, at, "has a bad name, skipped");
		return STEP_OK;
	}
	if (depth + 1 > MAX_DEPTH) {
		report_cut(w, op, at, "nested too deep, skipped");
		return STEP_OK;
	}
	walk_list(w, &sub, &q, &f, depth + 1);
	finish_object(w, &q, &f, device);
	return STEP_OK;
}

static enum step skip_pkg(struct aml_reader *r)
{
	struct aml_reader sub;

	return aml_pkg_enter(r, &sub) ? STEP_OK : STEP_BAD;
}

/* Method (PkgLength NameString MethodFlags TermList): only a body that is exactly
 * Return (DataObject) is read, as that object. */
static enum step walk_method(struct walk *w, struct aml_reader *r, struct facts *f)
{
	size_t at = r->pos - 1;
	struct aml_reader sub;
	struct aml_name name;
	struct aml_value v;
	uint8_t flags, op;

	if (!aml_pkg_enter(r, &sub))
		return STEP_BAD;
	if (!aml_name_string(&sub, &name) || !aml_byte(&sub, &flags)) {
		report_cut(w, AML_METHOD_OP, at, "has a bad name, skipped");
		return STEP_OK;
	}
	if (aml_byte(&sub, &op) && op == AML_RETURN_OP && aml_data_object(&sub, &v) &&
	    sub.pos == sub.end)
		note(w, r, at, f, &name, &v);
	else if (aml_name_is_seg(r, &name, "_CBA") && !f->has_cba)
		report(w, "_CBA not a constant", at);
	return STEP_OK;
}

/* Every object but Scope and Device, whose opcode (op, or AML_EXT_PREFIX and the next
 * byte) has been read. Out of line for the same reason as scope_path. */
static __attribute__((noinline)) enum step walk_leaf(struct walk *w, struct aml_reader *r,
						     struct facts *f, uint8_t op)
{
	struct aml_name name, target;
	struct aml_value v;
	size_t at = r->pos - 1;
	bool ext = op == AML_EXT_PREFIX;
	uint64_t n;
	uint8_t b;

	if (ext && !aml_byte(r, &op))
		return STEP_BAD;
	if (!ext) {
		switch (op) {
		case AML_NAME_OP:
			if (!aml_name_string(r, &name))
				return STEP_BAD;
			if (!aml_data_object(r, &v))
				return STEP_UNKNOWN;
			note(w, r, at, f, &name, &v);
			return STEP_OK;
		case AML_METHOD_OP:
			return walk_method(w, r, f);
		case AML_ALIAS_OP:
			return aml_name_string(r, &name) && aml_name_string(r, &target) ? STEP_OK
											: STEP_BAD;
		case AML_EXTERNAL_OP: /* NameString ObjectType ArgumentCount */
			return aml_name_string(r, &name) && aml_byte(r, &b) && aml_byte(r, &b)
				   ? STEP_OK
				   : STEP_BAD;
		case AML_BUFFER_OP:
		case AML_PACKAGE_OP:
		case AML_VAR_PACKAGE_OP:
		case AML_IF_OP:
		case AML_ELSE_OP:
		case AML_WHILE_OP:
			return skip_pkg(r);
		default:
			return STEP_UNKNOWN;
		}
	}
	switch (op) {
	case AML_X_MUTEX: /* NameString SyncFlags */
		return aml_name_string(r, &name) && aml_byte(r, &b) ? STEP_OK : STEP_BAD;
	case AML_X_EVENT:
		return aml_name_string(r, &name) ? STEP_OK : STEP_BAD;
	case AML_X_OP_REGION: /* NameString RegionSpace RegionOffset RegionLen */
		if (!aml_name_string(r, &name) || !aml_byte(r, &b))
			return STEP_BAD;
		/* Offset and length are TermArgs: only constants are understood. */
		return aml_integer(r, &n) && aml_integer(r, &n) ? STEP_OK : STEP_UNKNOWN;
	case AML_X_FIELD:
	case AML_X_INDEX_FIELD:
	case AML_X_BANK_FIELD:
	case AML_X_PROCESSOR:
	case AML_X_POWER_RES:
	case AML_X_THERMAL_ZONE:
		return skip_pkg(r);
	default:
		return STEP_UNKNOWN;
	}
}

static enum step walk_object(struct walk *w, struct aml_reader *r, const struct aml_path *p,
			     struct facts *f, unsigned depth)
{
	uint8_t op;

	if (!aml_byte(r, &op))
		return STEP_BAD;
	if (op == AML_SCOPE_OP)
		return walk_scope(w, r, p, depth, false);
	if (op == AML_EXT_PREFIX && r->pos < r->end && r->aml[r->pos] == AML_X_DEVICE) {
		r->pos++;
		return walk_scope(w, r, p, depth, true);
	}
	return walk_leaf(w, r, f, op);
}

static void walk_list(struct walk *w, struct aml_reader *r, const struct aml_path *p,
		      struct facts *f, unsigned depth)
{
	while (r->pos < r->end) {
		size_t at = r->pos;
		unsigned op = r->aml[at];
		enum step s;

		if (op == AML_EXT_PREFIX && at + 1 < r->end)
			op = op << 8 | r->aml[at + 1];
		if (++w->objects > MAX_OBJECTS) {
			report_cut(w, op, at, "past the object limit, rest of scope skipped");
			return;
		}
		s = walk_object(w, r, p, f, depth);
		if (s != STEP_OK) {
			report_cut(w, op, at,
				   s == STEP_BAD ? "malformed, rest of scope skipped"
						 : "not understood, rest of scope skipped");
			return;
		}
	}
}

void acpi_pci_host_list_init(struct acpi_pci_host_list *list, struct acpi_pci_host *buf, size_t max)
{
	list->host = buf;
	list->max = buf == NULL ? 0 : max;
	list->count = 0;
	list->overflow = 0;
	list->cut = 0;
}

enum acpi_status acpi_aml_find_pci_hosts(const struct acpi_aml *aml, const char *sig,
					 struct acpi_pci_host_list *list)
{
	struct walk w = {.list = list, .sig = sig != NULL && str_nlen(sig, 4) == 4 ? sig : "AML?"};
	struct aml_path root = {.n = 0, .valid = true};
	struct facts scratch = {0};
	struct aml_reader r;
	size_t cut = list->cut;

	if (aml == NULL)
		return ACPI_ERR_NOT_FOUND;
	aml_reader_init(&r, aml->body, aml->len, aml->revision);
	walk_list(&w, &r, &root, &scratch, 0);
	/* Without a _CRS bus range the bridge is taken to decode from _BBN up. */
	for (size_t i = 0; i < list->count; i++) {
		struct acpi_pci_host *h = &list->host[i];
		if (!h->has_bus_range) {
			h->bus_start = h->base_bus;
			h->bus_end = 0xff;
		}
	}
	return list->cut == cut ? ACPI_OK : ACPI_ERR_CORRUPT;
}

enum acpi_status acpi_find_pci_hosts(const struct acpi_tables *t, struct acpi_pci_host_list *list)
{
	enum acpi_status first, s;
	struct acpi_aml aml;

	s = acpi_dsdt(t, &aml);
	first = s == ACPI_OK ? acpi_aml_find_pci_hosts(&aml, "DSDT", list) : s;
	if (s == ACPI_ERR_UNMAPPED)
		acpi_report("DSDT", "aml not mapped");
	for (size_t i = 0; i < ACPI_MAX_TABLES; i++) {
		s = acpi_ssdt(t, i, &aml);
		if (s == ACPI_ERR_NOT_FOUND)
			break;
		if (s == ACPI_OK)
			s = acpi_aml_find_pci_hosts(&aml, "SSDT", list);
		else
			acpi_report("SSDT", "aml not mapped");
		if (first == ACPI_OK)
			first = s;
	}
	return first;
}

static bool body_mentions(const struct acpi_aml *aml, const char *seg)
{
	for (size_t i = 0; i + 4 <= aml->len; i++)
		if (aml->body[i] == (uint8_t)seg[0] && memcmp(aml->body + i, seg, 4) == 0)
			return true;
	return false;
}

bool acpi_aml_mentions(const struct acpi_tables *t, const char *seg)
{
	struct acpi_aml aml;
	enum acpi_status s = acpi_dsdt(t, &aml);

	if (s == ACPI_ERR_UNMAPPED || (s == ACPI_OK && body_mentions(&aml, seg)))
		return true;
	for (size_t i = 0; i < ACPI_MAX_TABLES; i++) {
		s = acpi_ssdt(t, i, &aml);
		if (s == ACPI_ERR_NOT_FOUND)
			break;
		if (s != ACPI_OK || body_mentions(&aml, seg))
			return true;
	}
	return false;
}
