#!/usr/bin/env python3
"""bench_irq.py: interrupt latency, `selftest=bench-irq` in capOS: TSC cycles from
the instruction before QEMU's edu device is told to raise its MSI to the first
instruction of the registered handler, 1000 deliveries, median and p99; under
TCG and under KVM (KVM opt-in machine permitting: on a nested host, every MMIO
write exits twice, which the numbers show)."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(rb"bench irq-msi n=(\d+) median=(\d+) p99=(\d+) min=(\d+) max=(\d+) cycles "
                  rb"\(tsc (\d+) kHz: median (\d+) ns, p99 (\d+) ns\)")


def run(accel):
    # KVM: -cpu max needs host MSRs a nested host may refuse; kvm64 is portable.
    cpu = ["-cpu", "max"] if accel == "tcg" else ["-cpu", "kvm64"]
    cmd = ["timeout", "-k", "2", "120", "qemu-system-x86_64", "-nodefaults", "-no-reboot",
           "-display", "none", "-m", "128M", "-machine", "q35", "-accel", accel] + cpu + [
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-device", "edu",
           "-kernel", os.path.join(ROOT, "build/capos.elf"),
           "-append", "poweroff selftest=bench-irq", "-serial", "stdio", "-monitor", "none"]
    r = subprocess.run(cmd, capture_output=True)
    m = LINE.search(r.stdout)
    if not m:
        why = (r.stderr.decode(errors="replace").strip().splitlines() or ["no result"])[-1]
        return None, why
    return [int(x) for x in m.groups()], None


def main():
    print("bench-irq: edu MSI raise -> handler entry, 1000 deliveries to CPU 0, q35, one CPU")
    print(f"{'accel':<6} {'median cyc':>11} {'p99 cyc':>9} {'min':>8} {'max':>9} {'TSC kHz':>9} "
          f"{'median ns':>10} {'p99 ns':>9}")
    for accel in ("tcg", "kvm"):
        if accel == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
            print(f"{accel:<6} unavailable: no usable /dev/kvm")
            continue
        v, why = run(accel)
        if v is None:
            print(f"{accel:<6} unavailable: {why}")
            continue
        n, med, p99, mn, mx, khz, mns, pns = v
        print(f"{accel:<6} {med:>11} {p99:>9} {mn:>8} {mx:>9} {khz:>9} {mns:>10} {pns:>9}")
    print("Cycles are TSC ticks at the calibrated rate; under TCG the TSC follows host time,")
    print("so TCG cycles measure QEMU's emulation, not a CPU. KVM here is nested: each edu")
    print("MMIO access and each interrupt injection exits to the outer hypervisor.")


if __name__ == "__main__":
    main()
