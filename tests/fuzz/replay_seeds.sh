#!/usr/bin/env bash
# Writes the seed corpora as scripts/fuzz does, in a scratch copy of the
# examples' data, and replays every seed through its fuzz target.
#   bash replay_seeds.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$source_dir/examples/data" "$scratch/data"
(cd "$scratch" && "$build_dir/make_seeds" "$scratch/seeds" </dev/null)
for target in sbc snapshot compiler; do
  seeds=("$scratch/seeds/$target"/*)
  [ -e "${seeds[0]}" ] || { echo "no seeds for $target" >&2; exit 1; }
  echo "== fuzz_$target: ${#seeds[@]} seeds"
  (cd "$scratch" && "$build_dir/fuzz_$target" "${seeds[@]}" </dev/null)
done
