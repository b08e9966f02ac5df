#!/usr/bin/env bash
# spin.sh MODEL.pml: checks a Promela model exhaustively (safety: assertions and
# invalid end states) in a temporary directory:
#   spin -a MODEL.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m100000
# Prints one line `spin: MODEL: N states, E errors` and exits non-zero on any error,
# assertion violation, or a search cut short by the depth limit; then the failing
# part of pan's report and the counterexample trail go to stderr.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: tools/spin.sh MODEL.pml" >&2
	exit 2
fi
model=$(realpath "$1")
name=$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

if ! spin -a "$model" >spin.log 2>&1; then
	echo "spin: $name: spin -a failed"
	cat spin.log >&2
	exit 1
fi
if ! gcc -O2 -DSAFETY -o pan pan.c >gcc.log 2>&1; then
	echo "spin: $name: pan build failed"
	cat gcc.log >&2
	exit 1
fi
./pan -m100000 >pan.out 2>&1
rc=$?

states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out | head -1)
errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out | head -1)
bad=0
[ "$rc" = 0 ] || bad=1
[ "${errors:-x}" = 0 ] || bad=1
grep -qE '^pan:[0-9]+: |max search depth too small' pan.out && bad=1

echo "spin: $name: ${states:-?} states, ${errors:-?} errors"
if [ $bad != 0 ]; then
	grep -E 'pan:|assertion|invalid end|depth' pan.out >&2
	if ls ./*.trail >/dev/null 2>&1; then
		cp "$model" model.pml
		mv ./*.trail model.pml.trail
		spin -t -p -g -l model.pml 2>&1 | tail -40 >&2
	fi
	exit 1
fi
exit 0
