#!/usr/bin/env python3
"""mkmanifest.py: compiles a boot manifest source (manifests/*.manifest) into the binary
blob of include/capos/manifest.h.

    python3 tools/mkmanifest.py [--schema-header H] -o OUT.bin SOURCE.manifest

Source format, one declaration per line, '#' starts a comment:

    binary <name>                                   a binary bundled into the image
    init binary=<binary> caps=<grant>,...           the program the kernel starts
    service <name> binary=<binary> [caps=<grant>,...] [restart=N]
                                                    a service init spawns; init starts
                                                    it again (with fresh claims of its
                                                    devices) up to N times when it
                                                    faults, is killed or exits non-zero
    device <name> match=<match> [nth=N] [pool=BYTES] [mmio=BYTES] [irqs=N]
           [ring=N] [inflight=N] [dma=iommu|unconfined]
                                                    a PCI function init may hand out

    <grant> = <name>:<Interface>[@<from>]
    <match> = VVVV:DDDD | class:CC[SS[PP]] | addr:[SSSS:]BB:DD.F      (hex)

init's grants come from the kernel. A service's grant <name>:<Interface>@<from> is
init's capability <from> (default: the same name) passed on: of the same interface, an
EndpointClient minted from init's Endpoint, or a Device claimed from init's DeviceSlot.
Interface names are checked against the ids in the generated schema header. Names:
1..23 bytes of [A-Za-z0-9_.-].

Devices. `match` names a PCI function by vendor:device, by the first 1, 2 or 3 bytes of
its class code (class, subclass, prog-if), or by address (segment 0 by default); `nth`
(default 0, at most 255, not with addr:) takes the nth matching function in enumeration
order, and bridges never match. The rest is the budget of each claim: pool (DMA pool
bytes, <= 256M), mmio (MMIO window bytes, <= 1G), irqs (<= 64), ring (ring depth,
<= 65536), inflight (descriptors in flight, <= 65536), all 0 by default; BYTES is
decimal with an optional K or M suffix (KiB, MiB). dma=iommu (the default) refuses a
claim where no IOMMU confines the device; dma=unconfined lets it go ahead.
init holds each device as the grant <device>:DeviceSlot, exactly once (a device not
granted to init is an error); only init holds DeviceSlots. A service's grant
<cap>:Device@<device> is a Device init claims from that DeviceSlot and moves to the
service (the kernel never copies a Device); each DeviceSlot feeds at most one Device
grant (device authority is exclusive). For example:

    device nic0 match=8086:10d3 pool=1M mmio=128K irqs=4 ring=256 inflight=256
    init binary=init caps=console:Console,spawner:ProcessSpawner,manifest:BootManifest,nic0:DeviceSlot
    service e1000e binary=e1000e caps=dev:Device@nic0,console:Console

Binaries and devices may be declared before or after their use. Bad input (unknown key
or declaration, duplicate binary, service, device or capability name, unknown interface
or binary, empty or bad name, a bad match or a value past its limit, authority init does
not hold, a device shared or not granted, too many entries) stops the tool with
`SOURCE:LINE: reason` and exit status 1; the output file is only written for a good
manifest. The same input always gives the same bytes.
"""
import argparse
import os
import re
import struct
import sys

MAGIC, VERSION = 0x4d504143, 1
HEADER = struct.Struct("<IHHIHHHHIIIIIIHH")
BINARY = struct.Struct("<II")
SERVICE = struct.Struct("<IHHHHI")
GRANT = struct.Struct("<QIHH")
DEVICE = struct.Struct("<IBBBBHHIHBBBBHQQHHIII")
assert (HEADER.size, BINARY.size, SERVICE.size, GRANT.size, DEVICE.size) == (48, 8, 16, 16, 56)

MAX_SIZE, MAX_BINARIES, MAX_SERVICES, MAX_GRANTS, MAX_SERVICE_GRANTS, NAME_MAX = (
    32768, 32, 32, 256, 16, 23)
MAX_DEVICES, MAX_NTH = 16, 255
SVC_INIT, FROM_NONE = 0x1, 0xffff
MAX_RESTARTS = 8  # CAPOS_MANIFEST_MAX_RESTARTS
RESTARTS = {}  # service name -> restart=N
MATCH_ID, MATCH_CLASS, MATCH_ADDR = 1, 2, 3
DMA = {"iommu": 0, "unconfined": 1}
NAME = re.compile(r"[A-Za-z0-9_.\-]+")

# Mirrors iface_grant() in lib/manifest/manifest.c, which has the last word.
GRANT_INIT = {"Console", "Timer", "ProcessSpawner", "BootManifest", "Endpoint", "DeviceSlot",
              "Memory"}
GRANT_SERVICE = {"Console", "Timer", "ProcessSpawner", "BootManifest", "Endpoint",
                 "EndpointClient", "Device", "Memory"}
# A device's budget keys: (limit, takes a byte size), the limits of capos/manifest.h.
BUDGET = {"pool": (256 << 20, True), "mmio": (1 << 30, True), "irqs": (64, False),
          "ring": (65536, False), "inflight": (65536, False)}


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


def parse_match(value):
    """match=... -> the record's match fields."""
    hexd = "[0-9A-Fa-f]"
    m = re.fullmatch(r"(%s{1,4}):(%s{1,4})" % (hexd, hexd), value)
    if m:
        return {"match": MATCH_ID, "vendor": int(m.group(1), 16),
                "device": int(m.group(2), 16)}
    if value.startswith("class:"):
        code = value[6:]
        if not re.fullmatch(r"(%s{2}){1,3}" % hexd, code):
            raise ManifestError("match=%s: want class:CC, class:CCSS or class:CCSSPP (hex)"
                                % value)
        n = len(code) // 2
        return {"match": MATCH_CLASS, "class_len": n,
                "class_code": int(code, 16) << (8 * (3 - n))}
    if value.startswith("addr:"):
        m = re.fullmatch(r"(?:(%s{1,4}):)?(%s{1,2}):(%s{1,2})\.(%s)" % ((hexd,) * 4),
                         value[5:])
        if not m:
            raise ManifestError("match=%s: want addr:[SSSS:]BB:DD.F (hex)" % value)
        seg, bus, dev, fn = (int(g, 16) if g else 0 for g in m.groups())
        if dev >= 32 or fn >= 8:
            raise ManifestError("match=%s: device %d, function %d: want < 32, < 8"
                                % (value, dev, fn))
        return {"match": MATCH_ADDR, "seg": seg, "bus": bus, "dev": dev, "fn": fn}
    raise ManifestError("match=%s: want VVVV:DDDD, class:CC[SS[PP]] or addr:[SSSS:]BB:DD.F"
                        % value)


def parse_number(key, value, limit, size):
    m = re.fullmatch(r"(\d+)([KM]?)" if size else r"(\d+)()", value)
    if not m:
        raise ManifestError("%s=%s: want a decimal number%s" % (
            key, value, " with an optional K or M suffix" if size else ""))
    n = int(m.group(1)) << {"": 0, "K": 10, "M": 20}[m.group(2)]
    if n > limit:
        raise ManifestError("%s=%s is more than %d" % (key, value, limit))
    return n


def parse_device(rest):
    """device <name> key=value... -> a record dict (every field, 0 by default)."""
    if not rest or "=" in rest[0]:
        raise ManifestError("device needs a name")
    dev = {"name": check_name(rest[0], "device"), "match": 0, "class_len": 0, "dma": 0,
           "vendor": 0, "device": 0, "class_code": 0, "seg": 0, "bus": 0, "dev": 0,
           "fn": 0, "nth": 0, "pool": 0, "mmio": 0, "irqs": 0, "ring": 0, "inflight": 0}
    seen = set()
    for word in rest[1:]:
        key, eq, value = word.partition("=")
        if not eq or key not in {"match", "nth", "dma"} | set(BUDGET):
            raise ManifestError("unknown key '%s' (match=, nth=, pool=, mmio=, irqs=, ring=, "
                                "inflight=, dma=)" % word)
        if key in seen:
            raise ManifestError("%s= given twice" % key)
        seen.add(key)
        if key == "match":
            dev.update(parse_match(value))
        elif key == "nth":
            dev["nth"] = parse_number(key, value, MAX_NTH, False)
        elif key == "dma":
            if value not in DMA:
                raise ManifestError("dma=%s: want iommu or unconfined" % value)
            dev["dma"] = DMA[value]
        else:
            dev[key] = parse_number(key, value, *BUDGET[key])
    if "match" not in seen:
        raise ManifestError("device '%s' needs match=" % dev["name"])
    if dev["match"] == MATCH_ADDR and dev["nth"] != 0:
        raise ManifestError("device '%s': nth= with addr: (an address names one function)"
                            % dev["name"])
    return dev


def parse(lines, ifaces):
    """Source lines -> (binaries, services, devices); services[0] is init. Each service
    is (name, binary, [(cap, iface, from)], line number); each device a dict with its
    line number under "line"."""
    binaries, services, devices, init = [], [], [], None
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
            if kind == "device":
                dev = parse_device(rest)
                if any(d["name"] == dev["name"] for d in devices):
                    raise ManifestError("duplicate device '%s'" % dev["name"])
                if len(devices) == MAX_DEVICES:
                    raise ManifestError("more than %d devices" % MAX_DEVICES)
                dev["line"] = no
                devices.append(dev)
                continue
            if kind not in ("init", "service"):
                raise ManifestError("unknown declaration '%s' (binary, init, service, device)"
                                    % kind)
            if kind == "service":
                if not rest or "=" in rest[0]:
                    raise ManifestError("service needs a name")
                name, rest = check_name(rest[0], "service"), rest[1:]
            else:
                name = "init"
            keys = {}
            for word in rest:
                key, eq, value = word.partition("=")
                if key not in ("binary", "caps", "restart") or not eq or \
                        (key == "restart" and kind == "init"):
                    raise ManifestError("unknown key '%s' (binary=, caps=%s)"
                                        % (word, "" if kind == "init" else ", restart="))
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
            if "restart" in keys:
                RESTARTS[name] = parse_number("restart", keys["restart"], MAX_RESTARTS, False)
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
    return binaries, [init] + services, devices


def check_authority(services, devices):
    """Resolves each service grant to init's grant index (the rules of manifest.h)."""
    init = services[0]
    held = {g[0]: (k, g[1]) for k, g in enumerate(init[2])}
    names = {d["name"] for d in devices}
    for cap, iface, frm in init[2]:
        if frm is not None:
            raise ManifestError("init's '%s' comes from the kernel, not @%s" % (cap, frm),
                                init[3])
        if iface not in GRANT_INIT:
            raise ManifestError("the kernel gives init no %s%s" % (
                iface, " (grant init a DeviceSlot)" if iface == "Device" else ""), init[3])
        if iface == "DeviceSlot" and cap not in names:
            raise ManifestError("init's '%s:DeviceSlot' names no device (declare it: "
                                "`device %s match=...`)" % (cap, cap), init[3])
    for d in devices:
        if held.get(d["name"], (None, None))[1] != "DeviceSlot":
            raise ManifestError("device '%s' is not granted to init (add %s:DeviceSlot to "
                                "its caps)" % (d["name"], d["name"]), d["line"])
    resolved = [[FROM_NONE] * len(init[2])]
    fed = {}
    for name, _, grants, no in services[1:]:
        idx = []
        for cap, iface, frm in grants:
            src = frm if frm is not None else cap
            if iface not in GRANT_SERVICE:
                raise ManifestError("init cannot pass on a %s%s" % (
                    iface, " (grant a Device: name:Device@slot)" if iface == "DeviceSlot"
                    else ""), no)
            if src not in held:
                raise ManifestError("'%s' comes from init's '%s', which init does not hold"
                                    % (cap, src), no)
            k, have = held[src]
            if have != iface and not (iface == "EndpointClient" and have == "Endpoint") and \
                    not (iface == "Device" and have == "DeviceSlot"):
                raise ManifestError("'%s' is %s, but init's '%s' is %s"
                                    % (cap, iface, src, have), no)
            if iface == "Device":
                if src in fed:
                    raise ManifestError("init's DeviceSlot '%s' already feeds service '%s' "
                                        "(line %d): device authority is exclusive"
                                        % (src, fed[src][0], fed[src][1]), no)
                fed[src] = (name, no)
            idx.append(k)
        resolved.append(idx)
    if len(services) > 1:
        kinds = {g[1] for g in init[2]}
        if not {"ProcessSpawner", "BootManifest"} <= kinds:
            raise ManifestError("init must hold a ProcessSpawner and a BootManifest to "
                                "start services", init[3])
    return resolved


def build(binaries, services, devices, resolved, ifaces):
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
                             first, len(gl), 0 if i == 0 else RESTARTS.get(name, 0))
        for (cap, iface, _), frm in zip(gl, resolved[i]):
            grants += GRANT.pack(ifaces[iface], intern(cap), frm, 0)
        first += len(gl)
    if first > MAX_GRANTS:
        raise ManifestError("%d capabilities in all, more than %d" % (first, MAX_GRANTS))
    devs = b"".join(DEVICE.pack(intern(d["name"]), d["match"], d["class_len"], d["dma"], 0,
                                d["vendor"], d["device"], d["class_code"], d["seg"], d["bus"],
                                d["dev"], d["fn"], 0, d["nth"], d["pool"], d["mmio"],
                                d["irqs"], 0, d["ring"], d["inflight"], 0) for d in devices)
    off_b = HEADER.size
    off_s = off_b + len(bins)
    off_g = off_s + len(svcs)
    off_d = off_g + len(grants)
    off_t = off_d + len(devs)
    total = off_t + len(strings)
    if total > MAX_SIZE:
        raise ManifestError("%d bytes, more than %d" % (total, MAX_SIZE))
    head = HEADER.pack(MAGIC, VERSION, HEADER.size, total, len(binaries), len(services), first,
                       0, off_b, off_s, off_g, off_t, len(strings),
                       off_d if devices else 0, len(devices), 0)
    return head + bins + bytes(svcs) + bytes(grants) + devs + bytes(strings)


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
        binaries, services, devices = parse(lines, ifaces)
        blob = build(binaries, services, devices, check_authority(services, devices), ifaces)
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
