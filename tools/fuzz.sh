#!/usr/bin/env bash
# fuzz.sh SECONDS [NAME...]: builds each libFuzzer target tests/fuzz/NAME.c (all
# when none named) against lib/ with ASan+UBSan, and runs it for SECONDS. A
# crash leaves its input in build/fuzz/NAME/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
names=("$@")
if [ ${#names[@]} = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do names+=("$(basename "$f" .c)"); done
fi
libs=$(find lib -name '*.c' | sort)
mkdir -p build/fuzz
for n in "${names[@]}"; do
	bin=build/fuzz/$n.bin
	clang -std=gnu11 -DCAPOS_HOST -I. -Iinclude -Itests/host -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		"tests/fuzz/$n.c" $libs tests/host/hooks_host.c -o "$bin"
	corpus=build/fuzz/$n.corpus
	mkdir -p "$corpus" "build/fuzz/$n"
	seeds=()
	[ -d "tests/fuzz/seeds/$n" ] && seeds+=("tests/fuzz/seeds/$n")
	echo "  fuzz  $n for ${secs}s"
	"$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=0 \
		-artifact_prefix="build/fuzz/$n/" "$corpus" "${seeds[@]}" >"build/fuzz/$n.log" 2>&1 || {
		tail -40 "build/fuzz/$n.log" >&2
		exit 1
	}
	grep -E '^#[0-9]+.*DONE' "build/fuzz/$n.log" | tail -1 || true
done
