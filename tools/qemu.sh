#!/usr/bin/env bash
# qemu.sh: boots capOS in QEMU the one way every make target and smoke uses.
#
#   tools/qemu.sh [--machine q35|pc|microvm] [--boot pvh|iso|iso-bios|iso-efi]
#                 [--accel tcg|kvm] [--smp N] [--mem SIZE] [--cmdline "..."]
#                 [--timeout SECONDS] [--firmware default|qboot] [--defaults]
#                 [--monitor SOCKET] [--interactive]
#                 [--gdb] [-- extra qemu args]
#
# COM1 goes to stdout (with the QEMU monitor on Ctrl-A c when --interactive).
# The exit status is QEMU's: isa-debug-exit value v gives 2*v+1; a timeout 124.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
machine=q35 boot=pvh accel=${ACCEL:-tcg} smp=1 mem=128M cmdline="" timeout=30
interactive=0 gdb=0 firmware=default defaults=0 monitor=none extra=()
kernel=${KERNEL:-$here/build/capos.elf}
iso=${ISO:-$here/build/capos.iso}

while [ $# -gt 0 ]; do
	case "$1" in
	--machine) machine=$2; shift 2 ;;
	--boot) boot=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--firmware) firmware=$2; shift 2 ;;
	--defaults) defaults=1; shift ;;
	--monitor) monitor="unix:$2,server,nowait"; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--gdb) gdb=1; shift ;;
	--) shift; extra=("$@"); break ;;
	*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

# -nodefaults: no VGA, NIC or option ROMs the run did not ask for (they cost
# firmware time); COM1 is added explicitly below.
# --defaults keeps QEMU's default devices, to match machines captured that way.
args=(-no-reboot -display none -m "$mem" -smp "$smp"
	-device isa-debug-exit,iobase=0xf4,iosize=4)
[ "$defaults" = 1 ] || args=(-nodefaults "${args[@]}")
case "$accel" in
tcg) args+=(-accel tcg -cpu max) ;;
kvm) args+=(-accel kvm -cpu max) ;;
*) echo "qemu.sh: ACCEL must be tcg or kvm, not '$accel'" >&2; exit 2 ;;
esac
# A machine may carry options: microvm,pcie=on
case "${machine%%,*}" in
q35 | pc | microvm) args+=(-machine "$machine") ;;
*) echo "qemu.sh: unknown machine '$machine' (q35, pc, microvm)" >&2; exit 2 ;;
esac

case "$boot" in
pvh)
	[ -f "$kernel" ] || { echo "qemu.sh: $kernel missing (make kernel)" >&2; exit 2; }
	args+=(-kernel "$kernel")
	[ -n "$cmdline" ] && args+=(-append "$cmdline")
	# qboot: QEMU's minimal firmware (microvm's default), much faster than
	# SeaBIOS to hand over to a PVH kernel on q35 and pc.
	[ "$firmware" = qboot ] && [ "${machine%%,*}" != microvm ] && args+=(-bios /usr/share/qemu/qboot.rom)
	;;
iso | iso-bios | iso-efi)
	[ -f "$iso" ] || { echo "qemu.sh: $iso missing (make iso)" >&2; exit 2; }
	[ "${machine%%,*}" = microvm ] && { echo "qemu.sh: microvm boots PVH only" >&2; exit 2; }
	if [ "$boot" = iso-efi ]; then
		ovmf=/usr/share/ovmf/OVMF.fd
		[ -f "$ovmf" ] || { echo "qemu.sh: $ovmf missing (package ovmf)" >&2; exit 2; }
		args+=(-bios "$ovmf")
	fi
	args+=(-cdrom "$iso" -boot d)
	# The command line is baked into the ISO's grub.cfg by tools/mkiso.sh.
	;;
*) echo "qemu.sh: unknown boot '$boot' (pvh, iso-bios, iso-efi)" >&2; exit 2 ;;
esac

if [ "$interactive" = 1 ]; then
	args+=(-serial mon:stdio)
	[ "$gdb" = 1 ] && args+=(-s -S)
	echo "qemu.sh: Ctrl-A x quits, Ctrl-A c switches to the QEMU monitor" >&2
	exec qemu-system-x86_64 "${args[@]}" "${extra[@]}"
fi
args+=(-serial stdio -monitor "$monitor")
exec timeout -k 2 "$timeout" qemu-system-x86_64 "${args[@]}" "${extra[@]}" </dev/null
