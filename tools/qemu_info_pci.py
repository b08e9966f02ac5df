"""qemu_info_pci: QEMU's own view of the PCI topology (HMP `info pci`), for
checking capOS's `pci` lines against an independent source on machines Linux
was not captured on. QEMU is the device model, so its word on ids, BAR
placement and sizes and bridge bus numbers is ground truth."""
import re


def parse(text):
    """Returns {"BB:DD.F": {"id": "vvvv:dddd", "bars": {n: (kind, addr, size)},
    "bus": "SS-UU" or None}} for every function QEMU lists."""
    funcs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*Bus\s+(\d+), device\s+(\d+), function (\d+):", line)
        if m:
            key = f"{int(m.group(1)):02x}:{int(m.group(2)):02x}.{int(m.group(3))}"
            cur = funcs[key] = {"id": None, "bars": {}, "sec": None, "sub": None}
            continue
        if cur is None:
            continue
        m = re.search(r"PCI device ([0-9a-f]{4}):([0-9a-f]{4})", line)
        if m and cur["id"] is None:
            cur["id"] = f"{m.group(1)}:{m.group(2)}"
        m = re.match(r"\s*secondary bus (\d+)\.", line)
        if m:
            cur["sec"] = int(m.group(1))
        m = re.match(r"\s*subordinate bus (\d+)\.", line)
        if m:
            cur["sub"] = int(m.group(1))
        m = re.match(r"\s*BAR(\d): (I/O|32 bit|64 bit)( prefetchable)?(?: memory)? at "
                     r"(0x[0-9a-f]+) \[(0x[0-9a-f]+)\]", line)
        if m and int(m.group(1)) < 6:
            addr, end = int(m.group(4), 16), int(m.group(5), 16)
            kind = {"I/O": "io", "32 bit": "mem32", "64 bit": "mem64"}[m.group(2)]
            if m.group(3):
                kind += ",pf"
            if addr == 0xffffffffffffffff:
                # Not assigned (decode off or address 0): QEMU prints addr -1 and
                # end = size - 2. capOS prints such a BAR as "unassigned" unless
                # its register reads 0 entirely, when it is left out.
                cur["bars"][int(m.group(1))] = (kind, "unassigned", (end + 2) & 0xffffffffffffffff)
                continue
            cur["bars"][int(m.group(1))] = (kind, addr, end - addr + 1)
    return funcs


def compare(info_text, pci_lines):
    """Returns a list of differences between QEMU's view and capOS's pci lines."""
    want = parse(info_text)
    got = {}
    for line in pci_lines:
        if not re.match(r"pci [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] [0-9a-f]{4}:[0-9a-f]{4} ", line):
            continue
        f = line.split()
        key = f[1][5:]  # drop "SSSS:"
        bars, bus = {}, None
        for w in f[5:]:
            m = re.fullmatch(r"bar(\d)=([a-z0-9,]+):(0x[0-9a-f]+|unassigned)/(0x[0-9a-f]+)", w)
            if m:
                addr = m.group(3) if m.group(3) == "unassigned" else int(m.group(3), 16)
                bars[int(m.group(1))] = (m.group(2), addr, int(m.group(4), 16))
            m = re.fullmatch(r"bus=([0-9a-f]{2})-([0-9a-f]{2})", w)
            if m:
                bus = (int(m.group(1), 16), int(m.group(2), 16))
        got[key] = {"id": f[2], "bars": bars, "bus": bus}
    diffs = []
    for key in sorted(set(want) | set(got)):
        if key not in got:
            diffs.append(f"{key}: QEMU has {want[key]['id']}, capOS printed nothing")
            continue
        if key not in want:
            diffs.append(f"{key}: capOS printed {got[key]['id']}, QEMU has no such function")
            continue
        w, g = want[key], got[key]
        if w["id"] != g["id"]:
            diffs.append(f"{key}: id {g['id']}, QEMU says {w['id']}")
        wbars = dict(w["bars"])
        for n, (kind, addr, size) in list(wbars.items()):
            if addr == "unassigned" and g["bars"].get(n) != (kind, "unassigned", size):
                del wbars[n]
        if wbars != g["bars"]:
            diffs.append(f"{key}: BARs {g['bars']}, QEMU says {w['bars']}")
        wb = (w["sec"], w["sub"]) if w["sec"] is not None else None
        if wb != g["bus"]:
            diffs.append(f"{key}: bus {g['bus']}, QEMU says {wb}")
    return diffs
