#!/usr/bin/env bash
# check_generated.sh: regenerates every checked-in generated file into a temporary
# directory and compares it with the tree: the schema header from schema/capos.capnp
# (tools/capnpc_capos.py, needs capnp and capnp/schema.capnp) and the manifest fixtures
# tests/fixtures/manifest/<name>.bin from manifests/<name>.manifest
# (tools/mkmanifest.py). Names each stale file and exits non-zero; a missing capnp
# toolchain is a failure, never a pass.
#   tools/check_generated.sh            check (make generated-code-check)
#   tools/check_generated.sh --update   rewrite the checked-in files
set -uo pipefail
cd "$(dirname "$0")/.."

update=0
[ "${1:-}" = --update ] && update=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0

# compare <generated> <checked-in>
compare() {
	if [ $update = 1 ]; then
		if ! cmp -s "$1" "$2"; then
			mkdir -p "$(dirname "$2")"
			cp "$1" "$2"
			echo "generated: updated $2"
		fi
	elif [ ! -e "$2" ]; then
		echo "generated: $2 is missing (run tools/check_generated.sh --update)"
		stale=1
	elif ! cmp -s "$1" "$2"; then
		echo "generated: $2 is stale (run tools/check_generated.sh --update):"
		diff -u "$2" "$1" | head -40
		stale=1
	fi
}

if ! python3 tools/capnpc_capos.py --schema schema/capos.capnp -o "$tmp/capos_schema.h"; then
	echo "generated: FAILED to regenerate include/capos/gen/capos_schema.h" >&2
	exit 1
fi
compare "$tmp/capos_schema.h" include/capos/gen/capos_schema.h

# Manifests are compiled against the fresh header, so a schema change that drops an
# interface a manifest uses fails here too.
for src in manifests/*.manifest; do
	name=$(basename "$src" .manifest)
	if ! python3 tools/mkmanifest.py --schema-header "$tmp/capos_schema.h" \
		-o "$tmp/$name.bin" "$src"; then
		echo "generated: FAILED to compile $src" >&2
		exit 1
	fi
	compare "$tmp/$name.bin" "tests/fixtures/manifest/$name.bin"
done
for bin in tests/fixtures/manifest/*.bin; do
	[ -e "$bin" ] || continue
	if [ ! -e "manifests/$(basename "$bin" .bin).manifest" ]; then
		echo "generated: $bin has no source manifests/$(basename "$bin" .bin).manifest"
		stale=1
	fi
done

if [ $stale != 0 ]; then
	exit 1
fi
[ $update = 1 ] || echo "generated: up to date"
