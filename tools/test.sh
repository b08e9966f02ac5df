#!/usr/bin/env bash
# test.sh: every check `make test` runs, in order, ending with the line
# `N passed, N failed`. Exits non-zero when anything failed.
#   format (clang-format), kernel build, host unit tests (cmocka, ASan+UBSan),
#   brief fuzzing (libFuzzer), model checks (spin), QEMU smokes.
set -uo pipefail
cd "$(dirname "$0")/.."

pass=0
fail=0
failed=()

record() { # name status
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "  ok    $1"
	else
		fail=$((fail + 1))
		failed+=("$1")
		echo "  FAIL  $1"
	fi
}

echo "== format"
make -s --no-print-directory check-format
record format $?

echo "== generated code (schema/capos.capnp)"
bash tools/check_generated.sh
record generated-code $?

echo "== build"
make -s --no-print-directory kernel >build.log.tmp 2>&1
st=$?
[ $st = 0 ] || cat build.log.tmp
rm -f build.log.tmp
record kernel-build $st
if [ $st != 0 ]; then
	echo "$pass passed, $fail failed"
	exit 1
fi

echo "== host unit tests (cmocka, ASan+UBSan)"
make -s --no-print-directory -j2 host-tests
hb=$?
record host-tests-build $hb
if [ $hb = 0 ]; then
	for t in build/host/test_*; do
		[ -x "$t" ] || continue
		out=$(CAPOS_SRCDIR=. "$t" 2>&1)
		st=$?
		np=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		nf=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		pass=$((pass + ${np:-0}))
		fail=$((fail + ${nf:-0}))
		if [ $st != 0 ]; then
			printf '%s\n' "$out" | grep -E 'FAILED|ERROR|ERROR:|runtime error|Sanitizer' | head -20
			failed+=("$(basename "$t")")
			# A crash before cmocka's summary still counts as a failure.
			[ -z "$nf" ] && fail=$((fail + 1))
		fi
		echo "  $([ $st = 0 ] && echo 'ok  ' || echo FAIL)  $(basename "$t") (${np:-0} ok, ${nf:-0} failing)"
	done
fi

if ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
	echo "== fuzz (libFuzzer, brief)"
	for f in tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		bash tools/fuzz.sh "${FUZZ_SECONDS:-10}" "$n"
		record "$n" $?
	done
fi

if ls tests/stress/*.c >/dev/null 2>&1; then
	echo "== stress (ThreadSanitizer)"
	for t in tests/stress/*.c; do
		n=$(basename "$t" .c)
		mkdir -p build/stress
		clang -std=gnu11 -DCAPOS_HOST -I. -Iinclude -O1 -g -fsanitize=thread "$t" \
			$(find lib/ring -name '*.c') lib/fmt.c tests/host/hooks_host.c -lpthread \
			-o "build/stress/$n" && timeout 300 "build/stress/$n"
		record "$n" $?
	done
fi

if ls tests/model/*.pml >/dev/null 2>&1; then
	echo "== models (spin)"
	for m in tests/model/*.pml; do
		bash tools/spin.sh "$m"
		record "$(basename "$m")" $?
	done
fi

echo "== QEMU smokes (${ACCEL:-tcg})"
python3 tools/smoke.py | tee build/smoke.out
ns=$(grep -c '^  ok    smoke ' build/smoke.out)
nf=$(grep -c '^  FAIL  smoke ' build/smoke.out)
pass=$((pass + ns))
fail=$((fail + nf))
while read -r name; do failed+=("$name"); done < <(sed -n 's/^  FAIL  smoke \([^:]*\):.*/smoke \1/p' build/smoke.out)
if [ "$ns" = 0 ] && [ "$nf" = 0 ]; then
	echo "  FAIL  no smoke ran"
	fail=$((fail + 1))
fi

echo
if [ $fail != 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
