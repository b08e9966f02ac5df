#!/usr/bin/env bash
# deps.sh: installs what building and testing capOS needs, from Debian's packages,
# only when something is missing. Safe to run again and again.
set -euo pipefail

# command-or-file : package
needs=(
	"qemu-system-x86_64:qemu-system-x86"
	"/usr/share/ovmf/OVMF.fd:ovmf"
	"/usr/share/seabios/bios-256k.bin:seabios"
	"/usr/lib/grub/i386-pc/multiboot2.mod:grub-pc-bin"
	"/usr/lib/grub/x86_64-efi/multiboot2.mod:grub-efi-amd64-bin"
	"grub-mkrescue:grub-common"
	"xorriso:xorriso"
	"mformat:mtools"
	"/usr/include/cmocka.h:libcmocka-dev"
	"gcc:gcc"
	# the Linux guest's benchmark programs are linked static (tools/linux_guest.py)
	"/usr/lib/x86_64-linux-gnu/libc.a:libc6-dev"
	"make:make"
	"clang:clang"
	"clang-format:clang-format"
	"python3:python3"
	"capnp:capnproto"
	"/usr/include/capnp/schema.capnp:libcapnp-dev"
	"objcopy:binutils"
	"spin:spin"
)
# libFuzzer's runtime comes with clang's runtime library package.
fuzzer_lib=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -1 || true)

missing=()
for n in "${needs[@]}"; do
	what=${n%%:*} pkg=${n##*:}
	if [[ $what == /* ]]; then
		[ -e "$what" ] || missing+=("$pkg")
	else
		command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
	fi
done
if [ -z "$fuzzer_lib" ]; then
	cc_ver=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
	missing+=("libclang-rt-${cc_ver:-14}-dev")
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing from Debian's packages: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	sudo=sudo
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet.
if ! apt-cache policy "${missing[0]}" 2>/dev/null | grep -q Candidate: ||
	apt-cache policy "${missing[0]}" | grep -q 'Candidate: (none)'; then
	echo "deps: apt-get update"
	$sudo apt-get update -qq
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/capos-deps.log 2>&1 || {
	echo "deps: apt-get install failed; see /tmp/capos-deps.log" >&2
	tail -20 /tmp/capos-deps.log >&2
	exit 1
}
echo "deps: done"
