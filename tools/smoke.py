#!/usr/bin/env python3
"""smoke.py: boots capOS in QEMU once per smoke definition and checks COM1.

Definitions live in tests/qemu/*.smoke, one [section] per smoke:
  machine = q35 | pc | microvm       boot = pvh | iso-bios | iso-efi
  cmdline = ...                      exit = N  (the isa-debug-exit value)
  smp = N   mem = SIZE   timeout = S   qemu = extra QEMU arguments
  defaults = yes     (keep QEMU's default devices: VGA, default NIC)
  canon = FILE       (the pci/acpi/madt/mcfg/dmar lines printed must equal FILE's
                      lines of those kinds, exactly and in order)
  expect = REGEX     (a COM1 line must match; repeat for more, matched in order)
  In cmdline, {c*N} stands for N copies of the character c; in qemu, {disk}
  is a 1 MiB raw disk image made for the run.
  reject = REGEX     (no COM1 line may match)
A smoke passes only when every expected line appears in order, no rejected
line appears, and QEMU exits with 2*exit+1 (isa-debug-exit) before the timeout.

Usage: smoke.py [--filter SUBSTRING] [--list]. Prints one line per smoke and
ends with `smokes: N ok, N failed`; exits non-zero when any failed.
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "smoke")


def load(paths):
    smokes, cur = [], None
    for path in paths:
        with open(path) as f:
            for n, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                m = re.fullmatch(r"\[([A-Za-z0-9_.-]+)\]", line)
                if m:
                    cur = {"name": m.group(1), "machine": "q35", "boot": "pvh",
                           "cmdline": "", "exit": "0", "smp": "1", "mem": "128M",
                           "timeout": "30", "qemu": "", "defaults": "no", "canon": "", "expect": [], "reject": [],
                           "where": f"{path}:{n}"}
                    smokes.append(cur)
                    continue
                key, sep, val = line.partition("=")
                key, val = key.strip(), val.strip()
                if cur is None or not sep:
                    sys.exit(f"smoke.py: {path}:{n}: expected [name] or key = value")
                if key in ("expect", "reject"):
                    cur[key].append(re.compile(val))
                elif key == "cmdline":
                    cur[key] = re.sub(r"\{(.)\*(\d+)\}",
                                      lambda m: m.group(1) * int(m.group(2)), val)
                elif key in cur:
                    cur[key] = val
                else:
                    sys.exit(f"smoke.py: {path}:{n}: unknown key '{key}'")
    return smokes


def run(s, accel):
    os.makedirs(OUT, exist_ok=True)
    log = os.path.join(OUT, s["name"] + ".log")
    env = dict(os.environ)
    if s["boot"].startswith("iso"):
        iso = os.path.join(OUT, s["name"] + ".iso")
        r = subprocess.run(["bash", os.path.join(ROOT, "tools/mkiso.sh"),
                            os.path.join(ROOT, "build/capos.elf"), iso, s["cmdline"]],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return False, "mkiso failed: " + r.stderr.strip(), log
        env["ISO"] = iso
    cmd = ["bash", os.path.join(ROOT, "tools/qemu.sh"), "--machine", s["machine"],
           "--boot", s["boot"], "--accel", accel, "--smp", s["smp"], "--mem", s["mem"],
           "--cmdline", s["cmdline"], "--timeout", s["timeout"]]
    if s["defaults"] == "yes":
        cmd.append("--defaults")
    if s["qemu"]:
        disk = os.path.join(OUT, "disk.img")
        if not os.path.exists(disk):
            with open(disk, "wb") as f:
                f.truncate(1 << 20)
        cmd += ["--"] + shlex.split(s["qemu"].replace("{disk}", disk))
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, env=env)
    dt = time.monotonic() - t0
    out = r.stdout.decode("utf-8", "replace").replace("\r", "")
    with open(log, "w") as f:
        f.write(out)
        f.write(r.stderr.decode("utf-8", "replace"))
    lines = out.split("\n")
    pos = 0
    for pat in s["expect"]:
        while pos < len(lines) and not pat.search(lines[pos]):
            pos += 1
        if pos == len(lines):
            return False, f"no line matching /{pat.pattern}/ (in order)", log
        pos += 1
    if s["canon"]:
        kinds = ("pci ", "acpi ", "madt ", "mcfg ", "dmar ")
        with open(os.path.join(ROOT, s["canon"])) as f:
            want = [l.rstrip("\n") for l in f if l.startswith(kinds)]
        got = [l for l in lines if l.startswith(kinds)]
        if got != want:
            for i in range(max(len(got), len(want))):
                g = got[i] if i < len(got) else "(nothing)"
                w = want[i] if i < len(want) else "(nothing)"
                if g != w:
                    return False, f"line {i + 1} differs from {s['canon']}:\n  want {w}\n  got  {g}", log
    for pat in s["reject"]:
        for line in lines:
            if pat.search(line):
                return False, f"rejected line: {line.strip()}", log
    want = 2 * int(s["exit"]) + 1
    if r.returncode == 124:
        return False, f"timed out after {s['timeout']} s", log
    if r.returncode != want:
        return False, f"QEMU exit status {r.returncode}, expected {want}", log
    return True, f"{dt:.2f} s", log


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filter", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    accel = os.environ.get("ACCEL", "tcg")
    smokes = [s for s in load(sorted(glob.glob(os.path.join(ROOT, "tests/qemu/*.smoke"))))
              if a.filter in s["name"]]
    if a.list:
        for s in smokes:
            print(s["name"])
        return 0
    ok = failed = 0
    for s in smokes:
        good, why, log = run(s, accel)
        if good:
            ok += 1
            print(f"  ok    smoke {s['name']} ({why})", flush=True)
        else:
            failed += 1
            print(f"  FAIL  smoke {s['name']}: {why} (COM1 log: {os.path.relpath(log, ROOT)})",
                  flush=True)
            with open(log) as f:
                tail = f.read().splitlines()[-15:]
            for line in tail:
                print(f"        | {line}")
    print(f"smokes: {ok} ok, {failed} failed ({accel})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
