#!/usr/bin/env python3
"""bench_ring.py: cycles per ring operation, measured by the user program
ringbench (RDTSC in user mode) under manifests/bench: a NOP per cap_enter, 16
NOPs per cap_enter, a CALL to the kernel's Timer.now per cap_enter, 16 such
CALLs per cap_enter (median of 15 runs of 256), and the round trip of a 24-byte
message through an Endpoint to an echo-server process (median of 15 runs of
64), on one CPU and on two, under TCG (and KVM with ACCEL=kvm)."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(rb"bench ring nop=(\d+) nop16=(\d+) call=(\d+) call16=(\d+) ep=(\d+) cycles/op")


def run(accel, smp):
    cpu = ["-cpu", "max"] if accel == "tcg" else ["-cpu", "kvm64"]
    cmd = ["timeout", "-k", "2", "120", "qemu-system-x86_64", "-nodefaults", "-no-reboot",
           "-display", "none", "-m", "128M", "-machine", "q35", "-accel", accel,
           "-smp", str(smp)] + cpu + [
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
           "-kernel", os.path.join(ROOT, "build/capos.elf"),
           "-append", "poweroff manifest=bench", "-serial", "stdio", "-monitor", "none"]
    r = subprocess.run(cmd, capture_output=True)
    m = LINE.search(r.stdout)
    if m:
        return [int(x) for x in m.groups()], None
    fault = re.search(rb"proc: (\S+) pid \d+ fault: ([^\r\n]*)", r.stdout)
    if fault:
        return None, (fault.group(1) + b" faulted: " + fault.group(2)).decode(errors="replace")
    err = r.stderr.decode(errors="replace").strip().splitlines()
    return None, err[-1] if err else "no result"


def main():
    print("bench-ring: TSC cycles per operation (median of 15 runs, median of 3 boots), q35")
    print(f"{'accel':<6} {'cpus':>4} {'NOP':>8} {'NOP x16':>8} {'CALL':>8} {'CALL x16':>9} "
          f"{'EP RT':>9} {'RT/CALL':>8}")
    # KVM is opt-in (ACCEL=kvm): on the development machine /dev/kvm is a
    # nested paravirtual one on which user SYSCALLs fault (docs/userspace.md).
    for accel in ("tcg", "kvm"):
        if accel == "kvm" and os.environ.get("ACCEL", "tcg") != "kvm":
            print(f"{accel:<6} not run (ACCEL=kvm to try it)")
            continue
        if accel == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
            print(f"{accel:<6} unavailable: no usable /dev/kvm")
            continue
        for smp in (1, 2):
            # TCG timings move with the host's load: three boots, the median
            # of each column.
            runs, why = [], None
            for _ in range(3):
                v, why = run(accel, smp)
                if v is None:
                    break
                runs.append(v)
            v = [sorted(col)[1] for col in zip(*runs)] if len(runs) == 3 else None
            if v is None:
                print(f"{accel:<6} {smp:>4} unavailable: {why}")
                continue
            print(f"{accel:<6} {smp:>4} {v[0]:>8} {v[1]:>8} {v[2]:>8} {v[3]:>9} {v[4]:>9} "
                  f"{v[4] / v[2]:>8.1f}")
    print("NOP/CALL: one operation, single or 16 per cap_enter. EP RT: CALL through an "
          "EndpointClient,\nthe server's RECV and RETURN, back to the caller (two processes, "
          "two address spaces);\nRT/CALL: that round trip in CALLs. On one CPU it switches "
          "address space twice, and\nunder TCG each CR3 load flushes QEMU's whole software TLB "
          "and jump cache (docs/userspace.md);\non two, each side keeps its own CPU, which polls "
          "while idle.")
    print("Anchors (not measured here): seL4 IPC is about 375 cycles on Skylake; the goal is a "
          "batched NOP under 100 cycles under KVM. TCG cycles measure QEMU's emulation.")


if __name__ == "__main__":
    main()
