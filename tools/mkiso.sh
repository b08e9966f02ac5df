#!/usr/bin/env bash
# mkiso.sh KERNEL ISO CMDLINE: a GRUB rescue ISO (BIOS and UEFI) that boots the
# kernel through Multiboot2 with CMDLINE.
set -euo pipefail
kernel=$1 iso=$2 cmdline=${3:-}
case "$cmdline" in
*[\;\$\"\'\\\`\{\}]*)
	echo "mkiso.sh: CMDLINE may not contain ; \$ quotes \\ \` { } (GRUB syntax)" >&2
	exit 2 ;;
esac
stage=$(dirname "$iso")/iso
rm -rf "$stage"
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/capos.elf"
cat >"$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
menuentry "capOS" {
	multiboot2 /boot/capos.elf $cmdline
	boot
}
CFG
# Only rebuild when the kernel or the command line changed.
stamp="$iso.stamp"
want="$(sha256sum "$kernel" | cut -d' ' -f1) $cmdline"
if [ -f "$iso" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
echo "  ISO     $iso (cmdline: $cmdline)"
grub-mkrescue -o "$iso" "$stage" >"$iso.log" 2>&1 || { cat "$iso.log" >&2; exit 1; }
echo "$want" >"$stamp"
