#!/usr/bin/env python3
"""linux_guest.py: the Linux guest that `make bench-blk` and `make bench-net`
compare capOS against (docs/bench.md).

Fetches Debian's cloud kernel (the versioned package the metapackage
linux-image-cloud-amd64 depends on) and busybox-static with `apt-get download`,
extracts vmlinuz, busybox and the virtio modules into build/linux/, compiles
tools/linux_bench/*.c with `gcc -static -O2`, and writes build/linux/initramfs.gz
(cpio newc, gzip) whose /init loads the modules, runs the benchmark named by
`bench=blk|net` on the kernel command line, prints `bench: ...` lines on the
console and powers off. Downloads are cached in build/linux (--refresh fetches
again). Prints the kernel and initramfs paths; exits non-zero, saying why, when
a download or build fails.

    tools/linux_guest.py [--refresh]
"""
import gzip
import io
import os
import re
import shutil
import stat
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "linux")
SRC = os.path.join(ROOT, "tools", "linux_bench")
META = "linux-image-cloud-amd64"
# What the guest needs: virtio over PCI, the block and network drivers. The
# cloud kernel builds them as modules; their dependencies are found from each
# module's own depends= field.
MODULES = ["virtio_pci", "virtio_blk", "virtio_net"]

INIT = r"""#!/bin/busybox sh
# The benchmark guest's init (tools/linux_guest.py): bench=blk|net on the
# kernel command line picks the benchmark; secs=, warm=, pings= tune it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
bench= secs=3 warm=0.5 pings=100 limit=150
for a in $(cat /proc/cmdline); do
	case $a in
	bench=*|secs=*|warm=*|pings=*|limit=*) eval "${a%%=*}=\${a#*=}" ;;
	esac
done
# Whatever happens, the machine goes off within $limit seconds.
(sleep $limit; echo "linux-bench: timed out after $limit s"; poweroff -f) &
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko || echo "linux-bench: insmod $m FAILED"
done

ping_median() { # SIZE TAG: median round trip of $pings pings to the gateway
	ping -c $pings -i 0.02 -W 1 -s $1 10.0.2.2 | awk -v tag=$2 -v want=$pings '
	/time=/ { sub(/.*time=/, ""); sub(/ ms.*/, ""); t[n++] = $0 + 0 }
	END {
		if (n == 0) { print "linux-bench: ping " tag ": no replies FAILED"; exit }
		for (i = 1; i < n; i++) {
			v = t[i]
			for (j = i - 1; j >= 0 && t[j] > v; j--) t[j + 1] = t[j]
			t[j + 1] = v
		}
		m = n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2
		printf "bench: net %s rtt_us=%d\n", tag, m * 1000 + 0.5
		printf "linux-bench: %s: %d of %d replies, min %d us, max %d us\n", tag, n, want, t[0] * 1000, t[n - 1] * 1000
	}'
}

case $bench in
blk)
	for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
	[ -b /dev/vda ] || echo "linux-bench: no /dev/vda FAILED"
	[ -b /dev/vda ] && blkbench /dev/vda $secs $warm
	;;
net)
	ip link set lo up
	ip link set eth0 up || echo "linux-bench: no eth0 FAILED"
	if udhcpc -i eth0 -s /etc/udhcpc.sh -q -f -n -t 10 -T 1; then
		ping_median 56 ping56
		ping_median 1400 ping1400
		udpecho 20
	else
		echo "linux-bench: no DHCP lease FAILED"
	fi
	;;
*)
	echo "linux-bench: no bench=blk|net on the command line FAILED"
	;;
esac
echo "linux-bench: done"
poweroff -f
"""

UDHCPC = r"""#!/bin/sh
# udhcpc's hook: only the address and the default route are needed.
case $1 in
deconfig) ifconfig $interface 0.0.0.0 ;;
bound | renew)
	ifconfig $interface $ip netmask ${subnet:-255.255.255.0} up
	set -- $router
	route add default gw $1 dev $interface
	echo "linux-bench: DHCP lease $ip/$subnet, gateway $1"
	;;
esac
"""


def fail(msg):
    print(f"linux_guest: {msg}", file=sys.stderr)
    sys.exit(1)


def sh(cmd, cwd=None, what=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        err = (r.stderr or r.stdout).strip().splitlines()
        fail(f"{what or ' '.join(cmd)} failed: {err[-1] if err else 'exit ' + str(r.returncode)}")
    return r.stdout


def download(pkg, debs):
    """apt-get download PKG into debs; returns the .deb's path."""
    print(f"linux_guest: apt-get download {pkg}", file=sys.stderr)
    before = set(os.listdir(debs))
    sh(["apt-get", "download", "-q", pkg], cwd=debs,
       what=f"downloading {pkg} from Debian's archive (apt-get download)")
    new = sorted(set(os.listdir(debs)) - before)
    name = pkg.split("=")[0]
    found = new or [f for f in os.listdir(debs) if f.startswith(name + "_")]
    if not found:
        fail(f"apt-get download {pkg} gave no .deb")
    return os.path.join(debs, found[0])


def fetch():
    """Downloads and extracts the kernel, modules and busybox (once)."""
    debs = os.path.join(OUT, "deb")
    shutil.rmtree(debs, ignore_errors=True)
    os.makedirs(debs)
    meta = download(META, debs)
    dep = sh(["dpkg-deb", "-f", meta, "Depends"]).strip()
    m = re.match(r"(linux-image-[^\s,(]+)\s*(?:\(=\s*([^)\s]+)\))?", dep)
    if not m:
        fail(f"{META} depends on '{dep}', not on a linux-image package")
    real = download(m.group(1) + (f"={m.group(2)}" if m.group(2) else ""), debs)
    bb = download("busybox-static", debs)
    x = os.path.join(OUT, "x")
    shutil.rmtree(x, ignore_errors=True)
    for deb in (real, bb):
        sh(["dpkg-deb", "-x", deb, x])
    vmlinuz = [f for f in os.listdir(os.path.join(x, "boot")) if f.startswith("vmlinuz-")]
    if len(vmlinuz) != 1:
        fail(f"{os.path.basename(real)} holds no single boot/vmlinuz-*")
    release = vmlinuz[0][len("vmlinuz-"):]
    shutil.copy(os.path.join(x, "boot", vmlinuz[0]), os.path.join(OUT, "vmlinuz"))
    shutil.copy(os.path.join(x, "boot", "config-" + release), os.path.join(OUT, "config"))
    shutil.copy(os.path.join(x, "bin", "busybox"), os.path.join(OUT, "busybox"))
    mods = os.path.join(OUT, "modules")
    shutil.rmtree(mods, ignore_errors=True)
    os.makedirs(mods)
    order = module_order(os.path.join(x, "lib", "modules", release))
    for name, path in order:
        shutil.copy(path, os.path.join(mods, name + ".ko"))
    with open(os.path.join(mods, "order"), "w") as f:
        f.write("".join(name + "\n" for name, _ in order))
    shutil.rmtree(x)
    with open(os.path.join(OUT, "release"), "w") as f:
        f.write(f"{release} {os.path.basename(real)} {os.path.basename(bb)}\n")


def module_order(moddir):
    """(name, .ko path) of MODULES and what they need, dependencies first."""
    index = {}
    for d, _, files in os.walk(moddir):
        for f in files:
            if f.endswith(".ko"):
                index[f[:-3].replace("-", "_")] = os.path.join(d, f)
    order = []

    def visit(name, depth=0):
        if name in order:
            return
        if name not in index or depth > 16:
            fail(f"module {name} not in the kernel package (built in? check build/linux/config)")
        with open(index[name], "rb") as f:
            m = re.search(rb"depends=([^\0]*)\0", f.read())
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            visit(dep.replace("-", "_"), depth + 1)
        order.append(name)

    for n in MODULES:
        visit(n)
    return [(n, index[n]) for n in order]


def build_progs():
    bins = {}
    for c in sorted(os.listdir(SRC)):
        if not c.endswith(".c"):
            continue
        out = os.path.join(OUT, c[:-2])
        src = os.path.join(SRC, c)
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
            sh(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out, src],
               what=f"gcc -static {c}")
        bins[c[:-2]] = out
    return bins


class Cpio:
    """A cpio archive in the "newc" format (the one the kernel unpacks)."""

    def __init__(self):
        self.buf, self.ino = io.BytesIO(), 1

    def add(self, name, mode, data=b"", rdev=(0, 0)):
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08x" % v for v in fields) + name.encode() + b"\0"
        self.buf.write(hdr + b"\0" * (-len(hdr) % 4))
        self.buf.write(data + b"\0" * (-len(data) % 4))

    def dir(self, name):
        self.add(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o755):
        self.add(name, stat.S_IFREG | mode, data)

    def finish(self):
        self.add("TRAILER!!!", 0)
        return self.buf.getvalue()


def build_initramfs(bins):
    c = Cpio()
    for d in ("bin", "dev", "etc", "lib", "lib/modules", "proc", "sys", "tmp"):
        c.dir(d)
    # The kernel opens /dev/console for init before devtmpfs is mounted.
    c.add("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
    c.file("init", INIT.encode())
    c.file("etc/udhcpc.sh", UDHCPC.encode())
    with open(os.path.join(OUT, "busybox"), "rb") as f:
        c.file("bin/busybox", f.read())
    c.add("bin/sh", stat.S_IFLNK | 0o777, b"busybox")
    for name, path in bins.items():
        with open(path, "rb") as f:
            c.file("bin/" + name, f.read())
    mods = os.path.join(OUT, "modules")
    for f in sorted(os.listdir(mods)):
        with open(os.path.join(mods, f), "rb") as fh:
            c.file("lib/modules/" + f, fh.read(), 0o644)
    out = os.path.join(OUT, "initramfs.gz")
    with open(out + ".tmp", "wb") as f:
        f.write(gzip.compress(c.finish(), compresslevel=6, mtime=0))
    os.replace(out + ".tmp", out)
    return out


def prepare(refresh=False):
    """Returns (vmlinuz, initramfs, release line); exits non-zero on failure."""
    os.makedirs(OUT, exist_ok=True)
    have = all(os.path.exists(os.path.join(OUT, f))
               for f in ("vmlinuz", "busybox", "release", "modules/order"))
    if refresh or not have:
        fetch()
    bins = build_progs()
    initrd = build_initramfs(bins)
    with open(os.path.join(OUT, "release")) as f:
        release = f.read().strip()
    return os.path.join(OUT, "vmlinuz"), initrd, release


def main():
    vmlinuz, initrd, release = prepare("--refresh" in sys.argv[1:])
    print(f"kernel {vmlinuz}\ninitrd {initrd}\nfrom {release}")


if __name__ == "__main__":
    main()
