#!/usr/bin/env bash
# mkbundle.sh OUT.S BUILD PROGS... -- MANIFESTS...: the assembly that links user
# programs (BUILD/user/NAME.elf) and boot manifests (BUILD/manifest/NAME.bin)
# into the kernel image, with the name tables kernel/proc/bundle.c reads.
set -euo pipefail
out=$1 build=$2
shift 2
progs=() mans=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do progs+=("$1"); shift; done
[ $# -gt 0 ] && shift
mans=("$@")
label() { echo "$1" | tr -c 'A-Za-z0-9_\n' _; }
{
	echo '	.section .rodata'
	echo '	.align 16'
	echo '	.global bundle_table, manifest_table'
	echo 'bundle_table:'
	for p in "${progs[@]}"; do l=$(label "$p"); echo "	.quad name_$l, start_$l, end_$l"; done
	echo '	.quad 0, 0, 0'
	echo 'manifest_table:'
	for m in "${mans[@]}"; do l=$(label "$m"); echo "	.quad mname_$l, mstart_$l, mend_$l"; done
	echo '	.quad 0, 0, 0'
	for p in "${progs[@]}"; do
		l=$(label "$p")
		echo "name_$l: .asciz \"$p\""
		echo '	.align 16'
		echo "start_$l: .incbin \"$build/user/$p.elf\""
		echo "end_$l:"
	done
	for m in "${mans[@]}"; do
		l=$(label "$m")
		echo "mname_$l: .asciz \"$m\""
		echo '	.align 16'
		echo "mstart_$l: .incbin \"$build/manifest/$m.bin\""
		echo "mend_$l:"
	done
} >"$out"
