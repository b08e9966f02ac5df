#!/usr/bin/env python3
"""bench_boot.py: wall time from starting QEMU to the kernel's `capos: boot ok`
line, median of 10 runs per boot path, beside the kernel image size.

The wall time includes QEMU start-up and firmware (SeaBIOS or OVMF, and GRUB on
the ISO paths): it is what a user waits for. The kernel's own boot work (ms from
kernel entry to `boot ok`, by the calibrated TSC, from the `boot ok ms=N.NNN`
line) is shown beside it, median, min and max; the goal for it is under 10 ms
on every machine under TCG.
"""
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "10"))
ACCEL = os.environ.get("ACCEL", "tcg")
PATHS = [("pvh", "q35", "PVH, SeaBIOS"),
         ("pvh-qboot", "q35", "PVH, qboot"),
         ("pvh", "pc", "PVH, SeaBIOS"),
         ("pvh", "microvm", "PVH, qboot (microvm)"),
         ("iso-bios", "q35", "ISO: SeaBIOS + GRUB"),
         ("iso-efi", "q35", "ISO: OVMF + GRUB")]


def one(boot, machine):
    fw = "qboot" if boot == "pvh-qboot" else "default"
    cmd = ["bash", os.path.join(ROOT, "tools/qemu.sh"), "--machine", machine,
           "--boot", boot.replace("-qboot", ""), "--firmware", fw,
           "--accel", ACCEL, "--cmdline", "poweroff", "--timeout", "120"]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = kernel_ms = None
    for raw in p.stdout:
        m = re.search(rb"capos: boot ok ms=(\d+(?:\.\d+)?)", raw)
        if m:
            wall = (time.monotonic() - t0) * 1000
            kernel_ms = float(m.group(1))
            break
    p.stdout.read()
    p.wait()
    if wall is None:
        sys.exit(f"bench-boot: no 'boot ok' from {boot} on {machine} (exit {p.returncode})")
    return wall, kernel_ms


def loaded_size(elf):
    out = subprocess.run(["readelf", "-lW", elf], capture_output=True, text=True).stdout
    return sum(int(m.group(1), 16) for m in re.finditer(r"LOAD\s+\S+\s+\S+\s+\S+\s+(0x[0-9a-f]+)", out))


def main():
    elf = os.path.join(ROOT, "build/capos.elf")
    print(f"bench-boot: {RUNS} runs per path, accelerator {ACCEL.upper()}, "
          f"QEMU {subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True, text=True).stdout.split()[3]}")
    print(f"{'':<33} {'wall: QEMU start to boot ok':>28}   {'kernel: entry to boot ok':>26}")
    print(f"{'path':<24} {'machine':<8} {'median ms':>10} {'min ms':>8} {'max ms':>8}"
          f"   {'median ms':>10} {'min ms':>7} {'max ms':>7}")
    for boot, machine, label in PATHS:
        walls, kms = [], []
        for _ in range(RUNS):
            w, k = one(boot, machine)
            walls.append(w)
            kms.append(k)
        print(f"{label:<24} {machine:<8} {statistics.median(walls):>10.1f} {min(walls):>8.1f} "
              f"{max(walls):>8.1f}   {statistics.median(kms):>10.1f} {min(kms):>7.1f} "
              f"{max(kms):>7.1f}")
    size = os.path.getsize(elf)
    print(f"kernel image: build/capos.elf {size} bytes ({size / 1024:.1f} KiB) file, "
          f"{loaded_size(elf)} bytes in PT_LOAD segments; goal < 256 KiB")
    print("goal: PVH on q35 under TCG well under 100 ms wall, the kernel's own work under "
          "10 ms on every machine. Reference (from the issue, not measured here): a Linux 6.1 "
          "guest on the same QEMU reaches init in about 1.3 s.")


if __name__ == "__main__":
    main()
