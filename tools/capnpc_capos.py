#!/usr/bin/env python3
"""capnpc_capos.py: generates include/capos/gen/capos_schema.h from schema/capos.capnp.

    python3 tools/capnpc_capos.py [--schema schema/capos.capnp] [-o OUT.h]

Runs the schema compiler, `capnp compile -o- SCHEMA` (a binary CodeGeneratorRequest),
through `capnp convert binary:text <schema.capnp> CodeGeneratorRequest`, parses that
text, and writes a C header: interface ids, method ordinals, enum values, and for every
struct (named ones and each method's $Params/$Results) its layout (data words, pointer
count) with the byte offset (and bit, for Bool) of each primitive field and the pointer
index of each pointer field, taken from the schema's slot offsets, which count in units
of the field's own size (capnproto.org/encoding.html). Typed accessors wrap the generic
helpers of include/capos/capnp_msg.h.

The text form is used, not JSON: capnp 0.9's JSON encoder aborts on the AnyPointer
default values that every List or struct field carries in a CodeGeneratorRequest.

Output depends only on the schema (declaration order; no dates, no paths), so it can
be checked in and compared (tools/check_generated.sh). Exits non-zero, naming the
problem, when the capnp tool or schema.capnp is missing or the schema uses what the
generator does not support (groups, unions, generics, floats, explicit defaults).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

SCHEMA_CAPNP = ["/usr/include/capnp/schema.capnp", "/usr/local/include/capnp/schema.capnp"]

# Cap'n Proto primitive: (size in bits, C type, capnp_msg.h accessor suffix)
PRIM = {
    "bool": (1, "bool", "bool"),
    "int8": (8, "int8_t", "i8"), "int16": (16, "int16_t", "i16"),
    "int32": (32, "int32_t", "i32"), "int64": (64, "int64_t", "i64"),
    "uint8": (8, "uint8_t", "u8"), "uint16": (16, "uint16_t", "u16"),
    "uint32": (32, "uint32_t", "u32"), "uint64": (64, "uint64_t", "u64"),
    "enum": (16, "uint16_t", "u16"),
}
POINTERS = ("text", "data", "list", "struct", "interface")


def die(msg):
    sys.stderr.write("capnpc_capos: %s\n" % msg)
    sys.exit(1)


# ---- the capnp text format (struct literals) ----

TOKEN = re.compile(r'\s*(?:(<opaque pointer>)|("(?:[^"\\]|\\.)*")|([()\[\],=])|'
                   r'(-?[0-9][0-9A-Za-z.+\-]*|-?inf|nan)|([A-Za-z_][A-Za-z0-9_]*))', re.S)
OPAQUE = object()


def tokenize(text):
    pos, out = 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return out
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            die("cannot parse capnp convert output near %r" % text[pos:pos + 40])
        pos = m.end()
        opaque, string, punct, number, ident = m.groups()
        if opaque:
            out.append(("val", OPAQUE))
        elif string:
            out.append(("val", bytes(string[1:-1], "latin-1").decode("unicode_escape")))
        elif punct:
            out.append(("p", punct))
        elif number:
            out.append(("val", int(number, 0) if re.fullmatch(r"-?\d+", number) else number))
        else:
            out.append(("val", {"true": True, "false": False}.get(ident, ident)))


def parse_value(toks, i):
    kind, v = toks[i]
    if kind == "val":
        return v, i + 1
    if v == "[":
        items, i = [], i + 1
        while toks[i] != ("p", "]"):
            item, i = parse_value(toks, i)
            items.append(item)
            if toks[i] == ("p", ","):
                i += 1
        return items, i + 1
    if v == "(":
        obj, i = {}, i + 1
        while toks[i] != ("p", ")"):
            key = toks[i][1]
            if toks[i + 1] != ("p", "="):
                die("expected '=' after %r in capnp convert output" % key)
            obj[key], i = parse_value(toks, i + 2)
            if toks[i] == ("p", ","):
                i += 1
        return obj, i + 1
    die("unexpected %r in capnp convert output" % v)


def compile_schema(schema):
    """The CodeGeneratorRequest for schema, as Python dicts and lists."""
    if shutil.which("capnp") is None:
        die("the capnp tool is missing (Debian package capnproto): cannot compile %s" % schema)
    meta = os.environ.get("CAPNP_SCHEMA_CAPNP") or next(
        (p for p in SCHEMA_CAPNP if os.path.exists(p)), None)
    if meta is None or not os.path.exists(meta):
        die("capnp/schema.capnp is missing (Debian package libcapnp-dev)")
    comp = subprocess.run(["capnp", "compile", "--no-standard-import", "-o-", schema],
                          stdout=subprocess.PIPE)
    if comp.returncode != 0:
        die("capnp compile %s failed" % schema)
    conv = subprocess.run(["capnp", "convert", "binary:text", meta, "CodeGeneratorRequest"],
                          input=comp.stdout, stdout=subprocess.PIPE)
    if conv.returncode != 0:
        die("capnp convert binary:text failed")
    toks = tokenize(conv.stdout.decode("utf-8"))
    req, end = parse_value(toks, 0)
    if end != len(toks) or not isinstance(req, dict):
        die("trailing input in capnp convert output")
    return req


# ---- the model ----

def snake(name):
    """writeLine -> WRITE_LINE, EndpointClient -> ENDPOINT_CLIENT."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


class Gen:
    def __init__(self, req):
        self.nodes = {n["id"]: n for n in req["nodes"]}
        files = req["requestedFiles"]
        if len(files) != 1:
            die("expected one schema file")
        self.file = self.nodes[files[0]["id"]]
        self.out = []
        self.funcs = []
        self.prefix = {}  # struct node id -> C macro prefix
        self.names = set()

    def node(self, nid):
        n = self.nodes.get(nid)
        if n is None:
            die("schema refers to unknown node %#x" % nid)
        if n.get("isGeneric"):
            die("%s: generic types are not supported" % n["displayName"])
        return n

    def emit(self, line=""):
        self.out.append(line)

    def claim(self, name):
        # Different schema names can meet in one C name (Endpoint.client's ordinal and
        # interface EndpointClient would): refuse rather than emit a clash.
        if name in self.names:
            die("two schema names both become %s" % name)
        self.names.add(name)

    def define(self, name, value, comment=None):
        self.claim(name)
        self.emit("#define %s %s%s" % (name, value, " /* %s */" % comment if comment else ""))

    def run(self):
        decls = [(x["name"], self.node(x["id"])) for x in self.file.get("nestedNodes", [])]
        for name, n in decls:
            if "struct" in n:
                self.prefix[n["id"]] = "CAPOS_" + snake(name)
            for m in n.get("interface", {}).get("methods", []):
                base = "CAPOS_%s_%s" % (snake(name), snake(m["name"]))
                self.prefix[m["paramStructType"]] = base + "_PARAMS"
                self.prefix[m["resultStructType"]] = base + "_RESULTS"
        ifaces = [(name, n) for name, n in decls if "interface" in n]
        self.emit("/* Every interface: X(Name, NAME, id). */")
        self.emit("#define CAPOS_SCHEMA_INTERFACES(X)" + (" \\" if ifaces else ""))
        for i, (name, n) in enumerate(ifaces):
            tail = " \\" if i + 1 < len(ifaces) else ""
            self.emit("\tX(%s, %s, 0x%016xull)%s" % (name, snake(name), n["id"], tail))
        for name, n in decls:
            self.emit()
            if "interface" in n:
                self.interface(name, n)
            elif "struct" in n:
                self.struct(name, n)
            elif "enum" in n:
                self.emit("/* enum %s */" % name)
                for k, e in enumerate(n["enum"]["enumerants"]):
                    self.define("CAPOS_%s_%s" % (snake(name), snake(e["name"])), k)
            else:
                die("%s: only interfaces, structs and enums are supported"
                    % n["displayName"])

    def interface(self, name, n):
        iface = n["interface"]
        if iface.get("superclasses"):
            die("%s: interface inheritance is not supported" % name)
        self.emit("/* interface %s */" % name)
        self.define("CAPOS_IFACE_" + snake(name), "0x%016xull" % n["id"])
        for k, m in enumerate(iface.get("methods", [])):
            if m.get("implicitParameters"):
                die("%s.%s: generic methods are not supported" % (name, m["name"]))
            self.define("CAPOS_%s_%s" % (snake(name), snake(m["name"])), k)
        for m in iface.get("methods", []):
            for kind, key in (("params", "paramStructType"), ("results", "resultStructType")):
                self.emit()
                self.struct("%s.%s %s" % (name, m["name"], kind), self.node(m[key]))

    def struct(self, title, n):
        st, p = n["struct"], self.prefix[n["id"]]
        if st.get("isGroup") or st.get("discriminantCount", 0):
            die("%s: groups and unions are not supported" % n["displayName"])
        dw, pc = st["dataWordCount"], st["pointerCount"]
        self.emit("/* %s */" % title)
        self.define(p + "_DATA_WORDS", dw)
        self.define(p + "_PTR_COUNT", pc)
        self.accessor(p.lower() + "_init_root", "struct capnp_builder *b, struct capnp_struct *out",
                      "capnp_init_root(b, %s_DATA_WORDS, %s_PTR_COUNT, out)" % (p, p))
        for f in sorted(st.get("fields", []), key=lambda f: f["codeOrder"]):
            self.field(n, p, f, dw, pc)

    def field(self, n, p, f, dw, pc):
        where = "%s.%s" % (n["displayName"].split(":")[-1], f["name"])
        slot = f.get("slot")
        if slot is None:
            die("%s: groups are not supported" % where)
        if slot.get("hadExplicitDefault"):
            die("%s: explicit default values are not supported" % where)
        (kind, arg), = slot["type"].items()
        name, off = p + "_" + snake(f["name"]), slot["offset"]
        fn = "%s_%%s_%s" % (p.lower(), snake(f["name"]).lower())
        rd = "const void *buf, size_t len, const struct capnp_struct *s"
        wr = "struct capnp_builder *b, const struct capnp_struct *s"
        if kind == "void":
            return
        if kind in PRIM:
            bits, ctype, acc = PRIM[kind]
            if (off + 1) * bits > dw * 64:
                die("%s: offset %d lies outside the data section" % (where, off))
            self.define(name + "_OFF", off * bits // 8, kind)
            args = name + "_OFF"
            if kind == "bool":
                self.define(name + "_BIT", off % 8)
                args += ", " + name + "_BIT"
            self.accessor(fn % "get", rd + ", %s *out" % ctype,
                          "capnp_get_%s(buf, len, s, %s, out)" % (acc, args))
            self.accessor(fn % "set", wr + ", %s v" % ctype,
                          "capnp_set_%s(b, s, %s, v)" % (acc, args))
            return
        if kind not in POINTERS:
            die("%s: %s fields are not supported" % (where, kind))
        if off >= pc:
            die("%s: pointer %d lies outside the pointer section" % (where, off))
        ptr = name + "_PTR"
        self.define(ptr, off, kind)
        if kind in ("text", "data"):
            ctype = "char" if kind == "text" else "uint8_t"
            self.accessor(fn % "get", rd + ", const %s **p, size_t *n" % ctype,
                          "capnp_get_%s(buf, len, s, %s, p, n)" % (kind, ptr))
            self.accessor(fn % "set", wr + ", const %s *p, size_t n" % ctype,
                          "capnp_set_%s(b, s, %s, p, n)" % (kind, ptr))
        elif kind == "interface":
            self.accessor(fn % "get", rd + ", uint32_t *cap_index",
                          "capnp_get_cap(buf, len, s, %s, cap_index)" % ptr)
            self.accessor(fn % "set", wr + ", uint32_t cap_index",
                          "capnp_set_cap(b, s, %s, cap_index)" % ptr)
        elif kind == "struct":
            t = self.layout(arg["typeId"], where)
            self.accessor(fn % "get", rd + ", struct capnp_struct *out",
                          "capnp_get_struct(buf, len, s, %s, out)" % ptr)
            self.accessor(fn % "init", wr + ", struct capnp_struct *out",
                          "capnp_init_struct(b, s, %s, %s_DATA_WORDS, %s_PTR_COUNT, out)"
                          % (ptr, t, t))
        else:
            self.accessor(fn % "get", rd + ", struct capnp_list *out",
                          "capnp_get_list(buf, len, s, %s, out)" % ptr)
            (ek, ea), = arg["elementType"].items()
            if ek == "struct":
                t = self.layout(ea["typeId"], where)
                self.accessor(fn % "init", wr + ", uint32_t count, struct capnp_list *out",
                              "capnp_init_struct_list(b, s, %s, count, %s_DATA_WORDS, "
                              "%s_PTR_COUNT, out)" % (ptr, t, t))

    def layout(self, tid, where):
        if tid not in self.prefix:
            die("%s: refers to a struct not declared at the top of the file" % where)
        return self.prefix[tid]

    def accessor(self, name, params, call):
        self.claim(name)
        self.funcs.append("%s\n{\n%s\n}" % (wrap("static inline int %s(" % name, params + ")"),
                                              wrap("\treturn " + call.split("(")[0] + "(",
                                                   call.split("(", 1)[1] + ";")))


def wrap(head, args, width=100):
    """head + args, broken after commas where a line would pass width columns (tabs
    count 8); continuation lines are indented two tabs past head's."""
    indent = "\t" * (head.count("\t") + 2)
    parts = args.split(", ")
    lines, cur = [], head
    for i, part in enumerate(parts):
        trail = "," if i + 1 < len(parts) else ""
        cand = cur + part if i == 0 else cur + " " + part
        if i > 0 and len((cand + trail).expandtabs(8)) > width:
            lines.append(cur)
            cand = indent + part
        cur = cand + trail
    return "\n".join(lines + [cur])


HEAD = """\
/* capos/gen/capos_schema.h: GENERATED by tools/capnpc_capos.py from %(schema)s.
 * Do not edit: change the schema and regenerate; tools/check_generated.sh
 * (make generated-code-check) fails while this file is stale.
 *
 * CAPOS_IFACE_<I>          interface id (what a cap table slot records)
 * CAPOS_<I>_<M>            method ordinal (struct capos_sqe.method)
 * For each struct S, named (CAPOS_<S>) or a method's (CAPOS_<I>_<M>_PARAMS/_RESULTS):
 * S_DATA_WORDS, S_PTR_COUNT its Cap'n Proto layout, and per field F:
 * S_F_OFF                  byte offset in the data section (S_F_BIT: the bit, Bool)
 * S_F_PTR                  index in the pointer section (text, data, list, struct,
 *                          interface: a capability pointer indexing the transfers)
 * capos_<s>_get_<f>, _set_<f>, _init_<f>, capos_<s>_init_root: typed wrappers over
 * capos/capnp_msg.h, with its bounds checks and status codes.
 */
#ifndef CAPOS_GEN_CAPOS_SCHEMA_H
#define CAPOS_GEN_CAPOS_SCHEMA_H

/* clang-format off */
#include "capos/capnp_msg.h"

#define CAPOS_SCHEMA_FILE_ID 0x%(file_id)016xull

"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", default="schema/capos.capnp")
    ap.add_argument("-o", "--output", default="include/capos/gen/capos_schema.h")
    args = ap.parse_args()
    gen = Gen(compile_schema(args.schema))
    gen.run()
    text = HEAD % {"schema": "schema/" + os.path.basename(args.schema),
                   "file_id": gen.file["id"]}
    text += "\n".join(gen.out) + "\n\n/* Accessors */\n\n" + "\n\n".join(gen.funcs)
    text += "\n\n/* clang-format on */\n\n#endif\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
