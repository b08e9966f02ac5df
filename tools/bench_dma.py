#!/usr/bin/env python3
"""bench_dma.py: what DMA mapping costs, measured by selftest=bench-dma (TSC
cycles, median of three runs of 32 inside the kernel, then the median of three
boots): map and unmap of 1 and 64 pages in a VT-d domain, invalidation included
and waited for, and an edu DMA round trip (start to done) with the IOMMU on and
off, on q35 under TCG."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(rb"bench dma iommu=(on|off) map1=(\d+) unmap1=(\d+) map64=(\d+) "
                  rb"unmap64=(\d+) edu-rt=(\d+) cycles")


def run(iommu):
    extra = ["-device", "intel-iommu"] if iommu else []
    cmd = ["timeout", "-k", "2", "60", "qemu-system-x86_64", "-nodefaults", "-no-reboot",
           "-display", "none", "-m", "128M", "-machine", "q35", "-accel", "tcg", "-cpu", "max"]
    cmd += extra + ["-device", "edu", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                    "-kernel", os.path.join(ROOT, "build/capos.elf"),
                    "-append", "poweroff selftest=bench-dma", "-serial", "stdio",
                    "-monitor", "none"]
    r = subprocess.run(cmd, capture_output=True)
    m = LINE.search(r.stdout)
    return [int(x) for x in m.groups()[1:]] if m else None


def main():
    print("bench-dma: TSC cycles (median of 3 runs of 32, median of 3 boots), q35, TCG")
    print(f"{'iommu':<6} {'map 1':>8} {'unmap 1':>8} {'map 64':>8} {'unmap 64':>9} "
          f"{'edu DMA rt':>12}")
    for iommu in (True, False):
        runs = [v for v in (run(iommu) for _ in range(3)) if v is not None]
        if len(runs) != 3:
            print(f"{'on' if iommu else 'off':<6} unavailable: a boot gave no result")
            continue
        v = [sorted(col)[1] for col in zip(*runs)]
        cells = [f"{x:>8}" if iommu else f"{'-':>8}" for x in v[:4]]
        print(f"{'on' if iommu else 'off':<6} {cells[0]} {cells[1]} {cells[2]} {cells[3]:>9} "
              f"{v[4]:>12}")
    print("map/unmap: page tables written and, for unmap (and map in caching mode), the "
          "IOTLB invalidation\nwaited for. edu DMA rt: edu waits 100 ms (QEMU virtual time) "
          "before it copies, so it measures\nedu's timer, not the IOMMU: the difference "
          "between on and off is within run-to-run noise.")


if __name__ == "__main__":
    main()
