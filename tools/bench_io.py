#!/usr/bin/env python3
"""bench_io.py: capOS's virtio-blk and virtio-net against Linux's, booted on the
same QEMU command line (docs/bench.md).

    bench_io.py blk|net [--runs N] [--smp N] [--mem SIZE] [--secs S] [--pings N]
                        [--only capos|linux]

For IOMMU off and on, boots capOS (manifest=blkbench or netbench) and Debian's
cloud kernel (tools/linux_guest.py) alternately, --runs times each, with the same
QEMU arguments: only -kernel, -initrd and -append differ. Both guests print
`bench: blk|net METRIC iops|mbps|rtt_us=N` on COM1; the UDP echo round trip is
measured by a host peer through hostfwd against both. Prints one table: each
metric's median over the boots for capOS and Linux, the ratio capOS/Linux, the
goal and whether it is met, then what the IOMMU costs each system. A system
that prints no line for a metric shows n/a (the capOS clients may not exist).
Logs: build/bench/KIND-SYSTEM-iommuMODE-RUN.log.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diskpat  # noqa: E402
import linux_guest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "bench")
CAPOS = os.path.join(ROOT, "build", "capos.elf")
DISK_BYTES = 64 << 20
BOOT_TIMEOUT = 180

# name, unit, goal text, goal ratio (capOS/Linux), True when higher is better.
METRICS = {
    "blk": [("randread4k-qd1", "iops", ">= 1.5x Linux", 1.5, True),
            ("randread4k-qd8", "iops", ">= 1.5x Linux", 1.5, True),
            ("seqread64k", "mbps", ">= Linux", 1.0, True)],
    "net": [("ping56", "rtt_us", "<= 0.7x Linux", 0.7, False),
            ("ping1400", "rtt_us", "<= 0.7x Linux", 0.7, False),
            ("udpecho", "rtt_us", "(none set)", None, False)],
}
IOMMU_GOAL = 0.05  # the IOMMU may cost capOS less than 5% on every metric
LINE = re.compile(r"^bench: (blk|net) (\S+) (iops|mbps|rtt_us)=([0-9]+(?:\.[0-9]+)?)\s*$")
# When the guest's UDP echo service is up: udpecho (Linux), netbench or netsvc.
ECHO_READY = re.compile(r"^bench: net udpecho ready|^(netsvc|netbench): serving UDP echo")
# Worth a note under the table (Linux's init says FAILED or timed out).
TROUBLE = re.compile(r"FAILED|timed out|[Pp]anic|fault:|exception")

UDP_WARM, UDP_COUNT, UDP_SIZE = 20, 200, 64


class EchoPeer(threading.Thread):
    """Times UDP_COUNT round trips of UDP_SIZE-byte datagrams (after UDP_WARM
    untimed ones) to 127.0.0.1:port, one at a time, then sends "bench: stop"."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.rtts, self.lost = port, [], 0

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", self.port))
        s.settimeout(0.5)
        for i in range(UDP_WARM + UDP_COUNT):
            data = (b"capos-bench %08d " % i).ljust(UDP_SIZE, b"x")
            t0 = time.perf_counter_ns()
            try:
                s.send(data)
                while s.recv(65536) != data:  # a late echo of an earlier one
                    pass
            except OSError:  # timed out, or the guest's port was not open
                self.lost += 1
                continue
            if i >= UDP_WARM:
                self.rtts.append((time.perf_counter_ns() - t0) / 1000)
        try:
            s.send(b"bench: stop")
        except OSError:
            pass
        s.close()


def free_udp_port():
    p = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    p.bind(("127.0.0.1", 0))
    port = p.getsockname()[1]
    p.close()
    return port


def make_disk(path):
    """A 64 MiB image holding tools/diskpat.py's host pattern (its sectors repeat
    every 256, so 256 are computed and repeated)."""
    period = b"".join(bytes(diskpat.host_byte(s, j) for j in range(diskpat.SECTOR))
                      for s in range(256))
    with open(path + ".tmp", "wb") as f:
        for _ in range(DISK_BYTES // len(period)):
            f.write(period)
    os.replace(path + ".tmp", path)


def qemu_args(kind, iommu, smp, mem, disk, port):
    """The command line both systems boot with, up to -kernel."""
    a = ["qemu-system-x86_64", "-nodefaults", "-no-reboot", "-display", "none",
         "-m", mem, "-smp", str(smp), "-machine", "q35", "-accel", "tcg", "-cpu", "max",
         "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    opt = ",iommu_platform=on,disable-legacy=on" if iommu else ""
    if iommu:
        a += ["-device", "intel-iommu"]
    if kind == "blk":
        a += ["-drive", f"file={disk},if=none,id=d0,format=raw,cache=none",
              "-device", "virtio-blk-pci,drive=d0" + opt]
    else:
        a += ["-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7",
              "-device", "virtio-net-pci,netdev=n0" + opt]
    return a + ["-serial", "stdio", "-monitor", "none"]


def boot(system, kind, iommu, cfg, run):
    """One boot: returns ({metric: value}, seconds, note)."""
    port = free_udp_port() if kind == "net" else 0
    cmd = qemu_args(kind, iommu, cfg.smp, cfg.mem, cfg.disk, port)
    if system == "capos":
        cmd += ["-kernel", CAPOS, "-append", f"poweroff manifest={kind}bench"]
    else:
        append = (f"console=ttyS0 quiet panic=-1 bench={kind} secs={cfg.secs} "
                  f"pings={cfg.pings} limit={BOOT_TIMEOUT - 30}")
        cmd += ["-kernel", cfg.vmlinuz, "-initrd", cfg.initrd,
                "-append", append + (" intel_iommu=on" if iommu else "")]
    log = os.path.join(OUT, f"{kind}-{system}-iommu{'on' if iommu else 'off'}-{run}.log")
    t0 = time.monotonic()
    with open(log, "w") as logf:
        logf.write(" ".join(cmd) + "\n\n")
        logf.flush()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=logf, stdin=subprocess.DEVNULL)
        timer = threading.Timer(BOOT_TIMEOUT, p.kill)
        timer.start()
        got, peer, trouble = {}, None, None
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            logf.write(line + "\n")
            m = LINE.match(line)
            if m and m.group(1) == kind and m.group(2) != "udpecho":
                got[m.group(2)] = float(m.group(4))
            if kind == "net" and peer is None and ECHO_READY.search(line):
                peer = EchoPeer(port)
                peer.start()
            if trouble is None and TROUBLE.search(line):
                trouble = line.strip()
        p.wait()
        timed_out = not timer.is_alive() and p.returncode < 0
        timer.cancel()
        if peer is not None:
            peer.join(30)
            if peer.rtts:
                got["udpecho"] = statistics.median(peer.rtts)
            logf.write(f"\nhost peer: {len(peer.rtts)} of {UDP_COUNT} timed round trips, "
                       f"{peer.lost} lost\n")
    dt = time.monotonic() - t0
    note = ""
    if timed_out:
        note = f"killed after {BOOT_TIMEOUT} s"
    elif trouble:
        note = trouble
    elif not got:
        note = f"no bench lines (QEMU exit {p.returncode})"
    return got, dt, note


def median(vals):
    return statistics.median(vals) if vals else None


def fmt(v, unit):
    if v is None:
        return "n/a"
    return f"{v:.1f}" if unit == "mbps" else f"{v:.0f}"


def qemu_version():
    out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True)
    first = out.stdout.splitlines()[0] if out.stdout else "unknown"
    return first.replace("QEMU emulator version ", "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=("blk", "net"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", default="128M")
    ap.add_argument("--secs", type=float, default=3, help="Linux blk: timed seconds per test")
    ap.add_argument("--pings", type=int, default=100, help="Linux net: pings per size")
    ap.add_argument("--only", choices=("capos", "linux"))
    cfg = ap.parse_args()
    if cfg.runs < 1:
        ap.error("--runs must be at least 1")
    os.makedirs(OUT, exist_ok=True)
    systems = [s for s in ("capos", "linux") if cfg.only in (None, s)]
    cfg.vmlinuz = cfg.initrd = None
    release = "not run"
    if "linux" in systems:
        cfg.vmlinuz, cfg.initrd, release = linux_guest.prepare()
    if "capos" in systems and not os.path.exists(CAPOS):
        print(f"bench-{cfg.kind}: {CAPOS} missing (make kernel)", file=sys.stderr)
        return 2
    cfg.disk = os.path.join(OUT, "disk.img")
    if cfg.kind == "blk":
        make_disk(cfg.disk)

    t_start = time.monotonic()
    results = {}  # (system, iommu) -> {metric: [values]}
    notes = []
    for iommu in (False, True):
        for run in range(1, cfg.runs + 1):
            for system in systems:
                got, dt, note = boot(system, cfg.kind, iommu, cfg, run)
                cell = results.setdefault((system, iommu), {})
                for k, v in got.items():
                    cell.setdefault(k, []).append(v)
                vals = " ".join(f"{k}={fmt(v, 'mbps' if k == 'seqread64k' else '')}"
                                for k, v in got.items())
                what = f"iommu {'on' if iommu else 'off'} run {run}/{cfg.runs} {system}"
                print(f"bench-{cfg.kind}: {what}: {dt:.1f} s {vals or '-'}"
                      + (f" ({note})" if note else ""), file=sys.stderr)
                if note:
                    notes.append(f"{what}: {note}")

    rel = release.split()
    print(f"\nbench-{cfg.kind}: capOS against Linux {rel[0] if rel else '?'} on the same QEMU "
          f"command line")
    print(f"QEMU {qemu_version()}, accelerator TCG (-accel tcg -cpu max; no KVM), q35, "
          f"{cfg.smp} CPU, {cfg.mem}; median of {cfg.runs} boots per cell, boots alternating")
    if cfg.kind == "blk":
        print("device: virtio-blk-pci on a 64 MiB raw image, cache=none; Linux reads /dev/vda "
              f"with O_DIRECT, {cfg.secs:g} s per test")
    else:
        print(f"device: virtio-net-pci on QEMU's user network; ping: median of {cfg.pings} to "
              f"10.0.2.2; udpecho: median of {UDP_COUNT} {UDP_SIZE}-byte round trips timed by "
              "the host")
    print("iommu on: -device intel-iommu, iommu_platform=on,disable-legacy=on "
          "(Linux: intel_iommu=on, its default lazy IOTLB invalidation)")
    print("ratio = capOS / Linux on every row (iops, mbps: higher is better; rtt_us: lower is "
          "better)\n")
    hdr = f"{'metric':<22} {'iommu':<5} {'capOS':>9} {'Linux':>9} {'ratio':>6}  {'goal':<14} result"
    print(hdr)
    print("-" * len(hdr))
    med = {}
    for name, unit, goal, want, higher in METRICS[cfg.kind]:
        for iommu in (False, True):
            c = median(results.get(("capos", iommu), {}).get(name, []))
            li = median(results.get(("linux", iommu), {}).get(name, []))
            med[(name, iommu)] = (c, li)
            ratio = c / li if c is not None and li else None
            if ratio is None or want is None:
                verdict = "n/a" if want is not None else "-"
            else:
                verdict = "met" if (ratio >= want if higher else ratio <= want) else "missed"
            print(f"{name + ' ' + unit:<22} {'on' if iommu else 'off':<5} {fmt(c, unit):>9} "
                  f"{fmt(li, unit):>9} {(f'{ratio:.2f}' if ratio else 'n/a'):>6}  "
                  f"{goal:<14} {verdict}")
    print(f"\n{'IOMMU cost (on vs off)':<28} {'capOS':>9} {'Linux':>9}  {'goal':<14} result")
    for name, unit, _, _, higher in METRICS[cfg.kind]:
        cost = []
        for i in (0, 1):
            off, on = med[(name, False)][i], med[(name, True)][i]
            cost.append(None if not off or on is None else
                        ((off - on) / off if higher else (on - off) / off))
        verdict = "n/a" if cost[0] is None else ("met" if cost[0] < IOMMU_GOAL else "missed")
        cells = [f"{c * 100:+.1f}%" if c is not None else "n/a" for c in cost]
        print(f"{name + ' ' + unit:<28} {cells[0]:>9} {cells[1]:>9}  {'capOS < 5%':<14} {verdict}")
    print("\nruns (capOS | Linux):")
    for name, unit, _, _, _ in METRICS[cfg.kind]:
        for iommu in (False, True):
            row = []
            for system in ("capos", "linux"):
                vals = results.get((system, iommu), {}).get(name, [])
                row.append(" ".join(fmt(v, unit) for v in vals) or "-")
            print(f"  {name:<15} {'on' if iommu else 'off':<4} {row[0]} | {row[1]}")
    for n in notes:
        print(f"note: {n}")
    print(f"\nbench-{cfg.kind}: {time.monotonic() - t_start:.0f} s; logs in build/bench/")
    linux_ok = all(results.get(("linux", i)) for i in (False, True)) if "linux" in systems else True
    return 0 if linux_ok else 1


if __name__ == "__main__":
    sys.exit(main())
