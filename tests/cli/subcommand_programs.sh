#!/usr/bin/env bash
# The launcher sends each subcommand to a VM program that has it (docs/cli.md,
# "Signals"): every subcommand that `shapevm --help` lists answers
# `shapevm SUBCOMMAND --help` with its own usage, and the ones that
# cli/run_subcommands.h sends to `shapevm-run` are exactly those it has.
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"

subcommands() {  # the names under "Subcommands:" in the help of program $1
  "$1" --help | sed -n '/^Subcommands:/,$ s/^  \([a-z]\+\) .*/\1/p'
}

all=$(subcommands "$shapevm")
[ -n "$all" ] || fail "shapevm --help lists no subcommands"
for subcommand in $all; do
  "$shapevm" "$subcommand" --help > "$work/help" 2>&1
  check "$subcommand --help: status" 0 $?
  contains "$subcommand --help: its own usage" "Usage: shapevm $subcommand" "$work/help"
done

listed=$(sed -n 's/.*kRunSubcommands\[\] = {\(.*\)};/\1/p' "$source_dir/cli/run_subcommands.h" |
  tr -d '" ' | tr ',' '\n' | sort)
[ -n "$listed" ] || fail "no names read from cli/run_subcommands.h"
check "shapevm-run's subcommands are cli/run_subcommands.h's" "$listed" \
  "$(subcommands "$(dirname "$shapevm")/shapevm-run" | sort)"

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
