#!/usr/bin/env python3
"""smoke.py: boots capOS in QEMU once per smoke definition and checks COM1.

Definitions live in tests/qemu/*.smoke, one [section] per smoke:
  machine = q35 | pc | microvm       boot = pvh | iso-bios | iso-efi
  cmdline = ...                      exit = N  (the isa-debug-exit value)
  smp = N   mem = SIZE   timeout = S   qemu = extra QEMU arguments
  defaults = yes     (keep QEMU's default devices: VGA, default NIC)
  canon = FILE       (the pci/acpi/madt/mcfg/dmar lines printed must equal FILE's
                      lines of those kinds, exactly and in order)
  qemu-info-pci = yes (boot without poweroff, run `diag=pci`, and compare every
                      pci line with QEMU's own `info pci`: ids, BARs, bridge buses;
                      the run ends by the monitor's quit, so exit is not checked)
  expect = REGEX     (a COM1 line must match; repeat for more, matched in order)
  In cmdline, {c*N} stands for N copies of the character c; in qemu, {disk}
  is a 1 MiB raw disk image made for the run.
  disk-pattern = SIZE (e.g. 4M): {disk} is instead a fresh image of SIZE bytes
                      holding tools/diskpat.py's host pattern, and after the run
                      the image must hold the guest's pattern where the guest
                      writes it and the host's everywhere else
  udp-echo = N       (a host peer: {udpport} in qemu is a free UDP port on
                      127.0.0.1, meant for hostfwd to the guest's port 7; while QEMU
                      runs, N datagrams of distinct contents are sent there, each
                      resent until its exact echo comes back; all N must)
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
import select
import shlex
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diskpat  # noqa: E402
import qemu_info_pci  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "smoke")
# Lines no smoke may print: a CPU that did not answer a TLB request, and a
# process whose page tables a CPU was still in when it ended.
ALWAYS_REJECT = [re.compile(r"^tlb: cpu \d+ did not answer"),
                 re.compile(r"still in its address space")]


def always_rejected(s, lines):
    """The first line ALWAYS_REJECT matches that the smoke does not expect."""
    for pat in ALWAYS_REJECT:
        for line in lines:
            if pat.search(line) and not any(e.search(line) for e in s["expect"]):
                return f"rejected line: {line.strip()}"
    return None


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
                           "timeout": "30", "qemu": "", "defaults": "no", "canon": "", "qemu-info-pci": "no",
                           "disk-pattern": "", "udp-echo": "", "expect": [], "reject": [],
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
    disk = None
    if s["qemu"]:
        disk = os.path.join(OUT, "disk.img")
        if s["disk-pattern"]:
            disk = os.path.join(OUT, s["name"] + ".img")
            size = s["disk-pattern"]
            mult = {"K": 1 << 10, "M": 1 << 20}.get(size[-1:], 1)
            diskpat.make(disk, int(size.rstrip("KM")) * mult)
        elif not os.path.exists(disk):
            with open(disk, "wb") as f:
                f.truncate(1 << 20)
        cmd += ["--"] + shlex.split(s["qemu"].replace("{disk}", disk))
    t0 = time.monotonic()
    if s["qemu-info-pci"] == "yes":
        return run_info_pci(s, cmd, env, log, t0)
    peer = None
    if s["udp-echo"]:
        peer = UdpEchoPeer(int(s["udp-echo"]), t0 + float(s["timeout"]))
        cmd = [a.replace("{udpport}", str(peer.port)) for a in cmd]
        peer.start()
    r = subprocess.run(cmd, capture_output=True, env=env)
    if peer is not None:
        peer.stop.set()
        peer.join()
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
    why = always_rejected(s, lines)
    if why:
        return False, why, log
    if peer is not None and peer.echoed != peer.count:
        return False, f"host UDP peer: {peer.echoed} of {peer.count} datagrams echoed", log
    if s["disk-pattern"]:
        why = diskpat.check(disk)
        if why:
            return False, why, log
    want = 2 * int(s["exit"]) + 1
    if r.returncode == 124:
        return False, f"timed out after {s['timeout']} s", log
    if r.returncode != want:
        return False, f"QEMU exit status {r.returncode}, expected {want}", log
    return True, f"{dt:.2f} s", log


class UdpEchoPeer(threading.Thread):
    """Sends count datagrams to 127.0.0.1:port, each until its exact echo returns."""

    def __init__(self, count, deadline):
        super().__init__(daemon=True)
        self.count, self.deadline, self.echoed = count, deadline, 0
        self.stop = threading.Event()
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.2)
        for i in range(self.count):
            data = bytes((i * 37 + j * 11 + 1) & 0xff for j in range(16 + i * 97 % 1200))
            while not self.stop.is_set() and time.monotonic() < self.deadline:
                try:
                    sock.sendto(data, ("127.0.0.1", self.port))
                    got, _ = sock.recvfrom(65536)
                except OSError:
                    continue
                if got == data:
                    self.echoed += 1
                    break
        sock.close()


def monitor_cmd(sock_path, command, deadline):
    """Sends one HMP command and returns its output (up to the next prompt)."""
    while True:
        try:
            m = socket.socket(socket.AF_UNIX)
            m.connect(sock_path)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    buf = b""
    def until_prompt():
        nonlocal buf
        while b"(qemu) " not in buf:
            if time.monotonic() > deadline:
                raise TimeoutError("monitor")
            m.settimeout(max(0.1, deadline - time.monotonic()))
            buf += m.recv(65536)
    until_prompt()
    buf = b""
    m.sendall(command.encode() + b"\n")
    until_prompt()
    out = buf.decode("utf-8", "replace")
    m.sendall(b"quit\n")
    try:  # QEMU closes the monitor as it exits
        while m.recv(65536):
            pass
    except OSError:
        pass
    m.close()
    return out


def run_info_pci(s, cmd, env, log, t0):
    sock = os.path.join(OUT, s["name"] + ".mon")
    if os.path.exists(sock):
        os.unlink(sock)
    cmd = cmd + ["--monitor", sock] if "--" not in cmd else \
        cmd[:cmd.index("--")] + ["--monitor", sock] + cmd[cmd.index("--"):]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    deadline = t0 + float(s["timeout"])
    out = b""
    try:
        while b"capos> " not in out and b"capos: stopped" not in out:
            left = deadline - time.monotonic()
            if left <= 0 or p.poll() is not None:
                break
            if select.select([p.stdout], [], [], min(left, 0.5))[0]:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
        if b"capos> " not in out:
            p.kill()
            text = out.decode("utf-8", "replace")
            with open(log, "w") as f:
                f.write(text)
            return False, "no prompt after diag=pci", log
        info = monitor_cmd(sock, "info pci", deadline)
        rest, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
        out += rest
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = out.decode("utf-8", "replace").replace("\r", "")
    with open(log, "w") as f:
        f.write(text + "\n--- QEMU info pci ---\n" + info)
    lines = text.split("\n")
    pci_lines = [l for l in lines if l.startswith("pci ")]
    diffs = qemu_info_pci.compare(info, pci_lines)
    if diffs:
        return False, "differs from QEMU's info pci: " + "; ".join(diffs[:4]), log
    pos = 0
    for pat in s["expect"]:
        while pos < len(lines) and not pat.search(lines[pos]):
            pos += 1
        if pos == len(lines):
            return False, f"no line matching /{pat.pattern}/ (in order)", log
        pos += 1
    for pat in s["reject"]:
        for line in lines:
            if pat.search(line):
                return False, f"rejected line: {line.strip()}", log
    why = always_rejected(s, lines)
    if why:
        return False, why, log
    n = len(qemu_info_pci.parse(info))
    return True, f"{time.monotonic() - t0:.2f} s, {n} functions match QEMU", log


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filter", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--plain", action="store_true",
                    help="end with the plain line `N passed, N failed`")
    a = ap.parse_args()
    accel = os.environ.get("ACCEL", "tcg")
    smokes = [s for s in load(sorted(glob.glob(os.path.join(ROOT, "tests/qemu/*.smoke"))))
              if a.filter in s["name"]]
    if not smokes:
        sys.exit(f"smoke.py: no smoke matches '{a.filter}'")
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
    if a.plain:
        print(f"{ok} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
