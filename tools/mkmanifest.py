#!/usr/bin/env python3
"""mkmanifest.py: compiles a boot manifest source (manifests/*.manifest) into the binary
blob of include/capos/manifest.h.

    python3 tools/mkmanifest.py [--schema-header H] -o OUT.bin SOURCE.manifest

Source format, one declaration per line, '#' starts a comment:

    binary <name>                                   a binary bundled into the image
    init binary=<binary> caps=<grant>,...           the program the kernel starts
    service <name> binary=<binary> [caps=<grant>,...]   a service init spawns

    <grant> = <name>:<Interface>[@<from>]

init's grants come from the kernel. A service's grant <name>:<Interface>@<from> is
init's capability <from> (default: the same name) passed on: of the same interface, or
an EndpointClient minted from init's Endpoint. Interface names are checked against the
ids in the generated schema header. Names: 1..23 bytes of [A-Za-z0-9_.-].

Binaries may be declared before or after their use. Bad input (unknown key or
declaration, duplicate binary, service or capability name, unknown interface or binary,
empty or bad name, authority init does not hold, too many entries) stops the tool with
`SOURCE:LINE: reason` and exit status 1; the output file is only written for a good
manifest. The same input always gives the same bytes.
"""
import argparse
import os
import re
import struct
import sys

MAGIC, VERSION = 0x4d504143, 1
HEADER = struct.Struct("<IHHIHHHHIIIIIQ")
BINARY = struct.Struct("<II")
SERVICE = struct.Struct("<IHHHHI")
GRANT = struct.Struct("<QIHH")
assert (HEADER.size, BINARY.size, SERVICE.size, GRANT.size) == (48, 8, 16, 16)

MAX_SIZE, MAX_BINARIES, MAX_SERVICES, MAX_GRANTS, MAX_SERVICE_GRANTS, NAME_MAX = (
    32768, 32, 32, 256, 16, 23)
SVC_INIT, FROM_NONE = 0x1, 0xffff
NAME = re.compile(r"[A-Za-z0-9_.\-]+")

# Mirrors iface_grant() in lib/manifest/manifest.c, which has the last word.
GRANT_INIT = {"Console", "Timer", "ProcessSpawner", "BootManifest", "Endpoint"}
GRANT_SERVICE = GRANT_INIT | {"EndpointClient"}


class ManifestError(Exception):
    def __init__(self, msg, line=None):
        super().__init__(msg)
        self.line = line


def schema_ifaces(path):
    """Interface name -> id, from the CAPOS_SCHEMA_INTERFACES list of the header."""
    try:
        text = open(path).read()
    except OSError as e:
        raise ManifestError("cannot read the schema header: %s" % e)
    found = re.findall(r"X\((\w+), \w+, 0x([0-9a-f]+)ull\)", text)
    if not found:
        raise ManifestError("%s lists no interfaces (CAPOS_SCHEMA_INTERFACES)" % path)
    return {name: int(val, 16) for name, val in found}


def check_name(name, what):
    if not name:
        raise ManifestError("empty %s name" % what)
    if len(name) > NAME_MAX:
        raise ManifestError("%s name '%s' is longer than %d bytes" % (what, name, NAME_MAX))
    if not NAME.fullmatch(name):
        raise ManifestError("%s name '%s' has a byte outside [A-Za-z0-9_.-]" % (what, name))
    return name


def parse_grants(value, ifaces):
    grants = []
    for item in value.split(","):
        m = re.fullmatch(r"([^:@]*):([^:@]*)(?:@(.*))?", item)
        if not m:
            raise ManifestError("grant '%s' is not name:Interface[@from]" % item)
        name, iface, frm = m.groups()
        check_name(name, "capability")
        if iface not in ifaces:
            raise ManifestError("unknown interface '%s' (the schema has: %s)"
                                % (iface, ", ".join(sorted(ifaces))))
        if frm is not None:
            check_name(frm, "source capability")
        if any(g[0] == name for g in grants):
            raise ManifestError("two capabilities named '%s'" % name)
        grants.append((name, iface, frm))
    return grants


def parse(lines, ifaces):
    """Source lines -> (binaries, services); services[0] is init. Each service is
    (name, binary, [(cap, iface, from)], line number)."""
    binaries, services, init = [], [], None
    for no, raw in enumerate(lines, 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        try:
            kind, rest = words[0], words[1:]
            if kind == "binary":
                if len(rest) != 1:
                    raise ManifestError("binary takes one name")
                if check_name(rest[0], "binary") in binaries:
                    raise ManifestError("duplicate binary '%s'" % rest[0])
                if len(binaries) == MAX_BINARIES:
                    raise ManifestError("more than %d binaries" % MAX_BINARIES)
                binaries.append(rest[0])
                continue
            if kind not in ("init", "service"):
                raise ManifestError("unknown declaration '%s' (binary, init, service)" % kind)
            if kind == "service":
                if not rest or "=" in rest[0]:
                    raise ManifestError("service needs a name")
                name, rest = check_name(rest[0], "service"), rest[1:]
            else:
                name = "init"
            keys = {}
            for word in rest:
                key, eq, value = word.partition("=")
                if key not in ("binary", "caps") or not eq:
                    raise ManifestError("unknown key '%s' (binary=, caps=)" % word)
                if key in keys:
                    raise ManifestError("%s= given twice" % key)
                keys[key] = value
            if "binary" not in keys:
                raise ManifestError("%s '%s' needs binary=" % (kind, name))
            binary = check_name(keys["binary"], "binary")
            grants = parse_grants(keys["caps"], ifaces) if keys.get("caps") else []
            if len(grants) > MAX_SERVICE_GRANTS:
                raise ManifestError("%d capabilities, more than %d"
                                    % (len(grants), MAX_SERVICE_GRANTS))
            entry = (name, binary, grants, no)
            if kind == "init":
                if init is not None:
                    raise ManifestError("a second init (the first is on line %d)" % init[3])
                init = entry
            else:
                if name == "init" or any(s[0] == name for s in services):
                    raise ManifestError("duplicate service '%s'" % name)
                if len(services) + 1 == MAX_SERVICES:
                    raise ManifestError("more than %d services besides init"
                                        % (MAX_SERVICES - 1))
                services.append(entry)
        except ManifestError as e:
            raise ManifestError(str(e), no)
    if init is None:
        raise ManifestError("no init line")
    for name, binary, _, no in [init] + services:
        if binary not in binaries:
            raise ManifestError("unknown binary '%s' (declare it: `binary %s`)"
                                % (binary, binary), no)
    return binaries, [init] + services


def check_authority(services):
    """Resolves each service grant to init's grant index (the rules of manifest.h)."""
    init = services[0]
    held = {g[0]: (k, g[1]) for k, g in enumerate(init[2])}
    for cap, iface, frm in init[2]:
        if frm is not None:
            raise ManifestError("init's '%s' comes from the kernel, not @%s" % (cap, frm),
                                init[3])
        if iface not in GRANT_INIT:
            raise ManifestError("the kernel gives init no %s" % iface, init[3])
    resolved = [[FROM_NONE] * len(init[2])]
    for name, _, grants, no in services[1:]:
        idx = []
        for cap, iface, frm in grants:
            src = frm if frm is not None else cap
            if iface not in GRANT_SERVICE:
                raise ManifestError("init cannot pass on a %s" % iface, no)
            if src not in held:
                raise ManifestError("'%s' comes from init's '%s', which init does not hold"
                                    % (cap, src), no)
            k, have = held[src]
            if have != iface and not (iface == "EndpointClient" and have == "Endpoint"):
                raise ManifestError("'%s' is %s, but init's '%s' is %s"
                                    % (cap, iface, src, have), no)
            idx.append(k)
        resolved.append(idx)
    if len(services) > 1:
        kinds = {g[1] for g in init[2]}
        if not {"ProcessSpawner", "BootManifest"} <= kinds:
            raise ManifestError("init must hold a ProcessSpawner and a BootManifest to "
                                "start services", init[3])
    return resolved


def build(binaries, services, resolved, ifaces):
    strings, offsets = bytearray(), {}

    def intern(s):
        if s not in offsets:
            offsets[s] = len(strings)
            strings.extend(s.encode("ascii") + b"\0")
        return offsets[s]

    bins = b"".join(BINARY.pack(intern(b), 0) for b in binaries)
    svcs, grants, first = bytearray(), bytearray(), 0
    for i, (name, binary, gl, _) in enumerate(services):
        svcs += SERVICE.pack(intern(name), binaries.index(binary), SVC_INIT if i == 0 else 0,
                             first, len(gl), 0)
        for (cap, iface, _), frm in zip(gl, resolved[i]):
            grants += GRANT.pack(ifaces[iface], intern(cap), frm, 0)
        first += len(gl)
    if first > MAX_GRANTS:
        raise ManifestError("%d capabilities in all, more than %d" % (first, MAX_GRANTS))
    off_b = HEADER.size
    off_s = off_b + len(bins)
    off_g = off_s + len(svcs)
    off_t = off_g + len(grants)
    total = off_t + len(strings)
    if total > MAX_SIZE:
        raise ManifestError("%d bytes, more than %d" % (total, MAX_SIZE))
    head = HEADER.pack(MAGIC, VERSION, HEADER.size, total, len(binaries), len(services), first,
                       0, off_b, off_s, off_g, off_t, len(strings), 0)
    return head + bins + bytes(svcs) + bytes(grants) + bytes(strings)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--schema-header", default="include/capos/gen/capos_schema.h")
    args = ap.parse_args()
    try:
        ifaces = schema_ifaces(args.schema_header)
        with open(args.source) as f:
            lines = f.read().split("\n")
        binaries, services = parse(lines, ifaces)
        blob = build(binaries, services, check_authority(services), ifaces)
    except ManifestError as e:
        where = args.source if e.line is None else "%s:%d" % (args.source, e.line)
        sys.stderr.write("mkmanifest: %s: %s\n" % (where, e))
        sys.exit(1)
    except OSError as e:
        sys.stderr.write("mkmanifest: %s\n" % e)
        sys.exit(1)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
