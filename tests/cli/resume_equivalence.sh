#!/usr/bin/env bash
# Resume equivalence as a property (docs/suspend-resume.md: all the pieces
# together print what one uninterrupted run prints),
# over every examples/*.shape and every tests/scripts/**/*.shape that finishes
# with status 0 or 1 and is deterministic (no stdin, no clock(), no
# compile errors, no suspend() or other exit codes); files under a `lib`
# directory are the modules those scripts import, not programs.
#
# For each program, in a fresh working directory (with copies of the input
# files its arguments name), it runs the program uninterrupted and records
# stdout, exit status, the files left in the directory and total_steps T
# (from --status-json). Then, against that reference:
#  - chains: `run --max-steps N` and `resume --max-steps N` while it exits 75;
#    the concatenated stdout, the final status and the files must be
#    byte-identical, and the number of pieces must be ceil(T/N) or one more.
#    N: every N in 1..K when the chain stays short, N = T and T-1 (suspend at
#    the very last instructions), and seeded pseudo-random N;
#  - resuming one snapshot twice (each time from the directory as the
#    snapshot left it) gives the same stdout, status and files both times;
#  - --checkpoint-every C does not change stdout, status or files; resuming
#    the last periodic snapshot in a directory left as a run killed there
#    would leave it (stdout and files of `run --max-steps L`, L = that
#    snapshot's step) finishes with the reference stdout, status and files;
#    a chain that both checkpoints and suspends is equivalent too;
#  - a long chain: 60 suspensions in a row (2000 when thorough) on map_iteration.
# examples/ and tests/scripts/resume/ get every kind of check; the other
# golden scripts get one random chain, and every fourth one more check;
# programs over RESUME_EQUIV_BIG_STEPS steps (default 2000000) one chain.
#
# Budgets are drawn from a seeded generator: RESUME_EQUIV_SEED (default
# 20240601) plus the program's name, so a failure reproduces with the same
# seed and a name filter; every failure prints the seed and N.
# RESUME_EQUIV_THOROUGH=1 gives every program every check, with far more
# budgets and longer chains. Default mode takes about 6 minutes against the
# ASan+UBSan build scripts/test makes, beside the other tests on 2 cores.
#
# Usage: bash tests/cli/resume_equivalence.sh SHAPEVM SOURCE_DIR [NAME_FILTER]
# Pure bash plus coreutils (no python).
set -u
cli_usage="[NAME_FILTER]"
source "$(dirname "$0")/lib.sh"
cli_start "$@"

seed=${RESUME_EQUIV_SEED:-20240601}
fail_hint="RESUME_EQUIV_SEED=$seed"
thorough=${RESUME_EQUIV_THOROUGH:-0}
if [ "$thorough" = 1 ]; then
  big_steps=$((1 << 62))  # no program counts as long
  small_k=8            # every N in 1..small_k ...
  small_max_pieces=3000  # ... whose chain has at most this many pieces
  random_budgets=12    # seeded random N per program
  random_max_pieces=400
  long_chain_pieces=2000
  max_checkpoints=500
else
  big_steps=${RESUME_EQUIV_BIG_STEPS:-2000000}
  small_k=2
  small_max_pieces=12
  random_budgets=1
  random_max_pieces=2
  long_chain_pieces=60
  max_checkpoints=40
fi

run_dir=$work/run
snap=$work/snap/job.snap
mkdir -p "$work/snap"

programs=0
chains=0
invocations=0
skipped=()

# Seeds rand_below (lib.sh) from the seed and a program's name.
seed_rng() {  # seed_rng NAME
  local sum
  sum=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  rng=$((seed * 1000003 + sum))
}

# The program under test: prog, prog_name, prog_args, prog_inputs (paths
# relative to examples/ copied into the working directory).
prog=
prog_name=
prog_args=()
prog_inputs=()
tier=full  # full: every kind of check; light: one random chain and one more check
resume_unbounded=0  # 1: run_chain resumes without --max-steps

fresh_dir() {
  rm -rf "$run_dir"
  mkdir -p "$run_dir"
  local input
  for input in ${prog_inputs[@]+"${prog_inputs[@]}"}; do
    mkdir -p "$run_dir/$(dirname "$input")"
    cp -r "$source_dir/examples/$input" "$run_dir/$input"
  done
}

# Digest of every file in the working directory (names and contents).
dir_digest() {  # dir_digest OUT
  (cd "$run_dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum) > "$1"
}

vm() {  # vm ARGS... (in the working directory; stdin is empty)
  invocations=$((invocations + 1))
  (cd "$run_dir" && ${timeout_cmd[@]+"${timeout_cmd[@]}"} "$shapevm" "$@" < /dev/null)
}

json_number() {  # json_number FIELD FILE
  grep -o "\"$1\": [0-9]*" "$2" | head -n 1 | grep -o '[0-9]*$'
}

# Reference run, uninterrupted: ref.out, ref_status, ref.files, total_steps.
reference() {
  fresh_dir
  rm -f "$work/ref.snap" "$work/ref.json"
  vm run --snapshot "$work/ref.snap" --status-json "$work/ref.json" \
    "$prog" ${prog_args[@]+"${prog_args[@]}"} > "$work/ref.out" 2> "$work/ref.err"
  ref_status=$?
  dir_digest "$work/ref.files"
  total_steps=$(json_number total_steps "$work/ref.json")
}

# run_chain N [OPTION...]: the program suspended every N steps and resumed
# until it stops; chain.out, chain.files, chain_status, chain_pieces.
run_chain() {
  local n=$1 max_pieces
  shift
  max_pieces=$(((total_steps + n - 1) / n + 2))
  fresh_dir
  rm -f "$snap"
  chains=$((chains + 1))
  vm run --max-steps "$n" --snapshot "$snap" "$@" "$prog" ${prog_args[@]+"${prog_args[@]}"} \
    > "$work/chain.out" 2> "$work/chain.err"
  chain_status=$?
  chain_pieces=1
  local budget=(--max-steps "$n")
  if [ "$resume_unbounded" = 1 ]; then budget=(); fi
  while [ "$chain_status" -eq 75 ] && [ "$chain_pieces" -le "$max_pieces" ]; do
    vm resume ${budget[@]+"${budget[@]}"} "$@" "$snap" >> "$work/chain.out" 2> "$work/chain.err"
    chain_status=$?
    chain_pieces=$((chain_pieces + 1))
  done
  dir_digest "$work/chain.files"
}

# Compares a chain with the reference.
check_chain() {  # check_chain N DESCRIPTION
  local what="$2 (N=$1, $chain_pieces pieces)"
  check "$what: exit status" "$ref_status" "$chain_status" || head -n 3 "$work/chain.err" | sed 's/^/    /' >&2
  same_file "$what: stdout differs from the uninterrupted run" "$work/ref.out" "$work/chain.out"
  same_file "$what: files written differ from the uninterrupted run" "$work/ref.files" "$work/chain.files"
}

chain_test() {  # chain_test N: suspend every N steps
  local n=$1
  run_chain "$n"
  check_chain "$n" "--max-steps chain"
  # Each piece runs exactly N instructions, so the count of pieces is fixed
  # (one more when the last suspension falls on the last instruction).
  local expected=$(((total_steps + n - 1) / n))
  checks=$((checks + 1))
  if [ "$chain_pieces" -ne "$expected" ] && [ "$chain_pieces" -ne $((expected + 1)) ]; then
    fail "--max-steps $n over $total_steps steps took $chain_pieces pieces, expected $expected or $((expected + 1))"
  fi
}

# Resumes one snapshot (taken after N steps) twice to the end.
twice_test() {  # twice_test N
  local n=$1
  fresh_dir
  vm run --max-steps "$n" --snapshot "$work/twice.snap" "$prog" ${prog_args[@]+"${prog_args[@]}"} \
    > "$work/twice.head" 2> /dev/null
  local status=$?
  if [ $status -ne 75 ]; then
    check "run --max-steps $n of a $total_steps-step program suspends" 75 "$status"
    return
  fi
  # Each resume starts from the directory as the snapshot left it: a later
  # phase of the program may rewrite a file the snapshot holds open (shorter
  # than its saved offset), and resuming over that is rightly refused.
  rm -rf "$work/twice.dir"
  cp -a "$run_dir" "$work/twice.dir"
  local round status1=
  for round in 1 2; do
    rm -rf "$run_dir"
    cp -a "$work/twice.dir" "$run_dir"
    cp "$work/twice.snap" "$snap"
    cp "$work/twice.head" "$work/twice.out"
    vm resume --snapshot "$work/snap/unused.snap" "$snap" >> "$work/twice.out" 2> "$work/twice.err"
    status=$?
    dir_digest "$work/twice.files"
    check "resume #$round of the snapshot at step $n: exit status" "$ref_status" "$status"
    same_file "resume #$round of the snapshot at step $n: stdout differs" "$work/ref.out" "$work/twice.out"
    same_file "resume #$round of the snapshot at step $n: files differ" "$work/ref.files" "$work/twice.files"
  done
}

# --checkpoint-every C: the run is unchanged, and its last periodic snapshot
# resumes to the same end.
checkpoint_test() {  # checkpoint_test C
  local c=$1
  fresh_dir
  rm -f "$snap"
  vm run --checkpoint-every "$c" --snapshot "$snap" "$prog" ${prog_args[@]+"${prog_args[@]}"} \
    > "$work/cp.out" 2> "$work/cp.err"
  local status=$?
  dir_digest "$work/cp.files"
  check "--checkpoint-every $c: exit status" "$ref_status" "$status"
  same_file "--checkpoint-every $c: stdout differs from the uninterrupted run" "$work/ref.out" "$work/cp.out"
  same_file "--checkpoint-every $c: files differ from the uninterrupted run" "$work/ref.files" "$work/cp.files"
  if [ ! -f "$snap" ]; then
    fail "--checkpoint-every $c over $total_steps steps wrote no snapshot"
    return
  fi
  # The last snapshot on disk is a periodic one, unless the program's own
  # checkpoint() wrote one later (resuming that one makes checkpoint() return
  # true, so the remainder legitimately differs).
  if ! grep -q '"reason": "periodic_checkpoint"' "$snap"; then
    grep -q '"reason": "checkpoint"' "$snap" || fail "--checkpoint-every $c: the last snapshot has an unexpected reason"
    return
  fi
  local at
  at=$(json_number total_steps "$snap")
  checks=$((checks + 1))
  if [ -z "$at" ] || [ "$at" -gt "$total_steps" ] || [ $(((total_steps - at) )) -gt "$c" ]; then
    fail "--checkpoint-every $c: last snapshot at step '${at}', run has $total_steps steps"
    return
  fi
  # As if the run had been killed right after that checkpoint: a fresh
  # directory run up to step `at` (its stdout and files), then the resume of
  # the checkpoint. Files closed before the checkpoint and appended to after
  # it would be appended twice if the finished run's files were kept, as
  # docs/suspend-resume.md says, so they are not.
  cp "$snap" "$work/cp.snap"
  fresh_dir
  if [ "$at" -gt 0 ]; then
    vm run --max-steps "$at" --snapshot "$work/snap/head.snap" "$prog" ${prog_args[@]+"${prog_args[@]}"} \
      > "$work/cp2.out" 2> /dev/null
    check "run --max-steps $at suspends" 75 "$?"
  else
    : > "$work/cp2.out"
  fi
  vm resume "$work/cp.snap" >> "$work/cp2.out" 2> "$work/cp2.err"
  status=$?
  dir_digest "$work/cp2.files"
  check "resume of the last --checkpoint-every $c snapshot (step $at): exit status" "$ref_status" "$status"
  same_file "run --max-steps $at + resume of the checkpoint at step $at: stdout differs" "$work/ref.out" "$work/cp2.out"
  same_file "resume of the checkpoint at step $at: files differ" "$work/ref.files" "$work/cp2.files"
  # Checkpointing while suspending and resuming.
  [ "$tier" = full ] || return 0
  local n=$((c * 2 + 1)) lo=$(((total_steps + random_max_pieces - 1) / random_max_pieces))
  [ "$n" -ge "$lo" ] || n=$lo
  if [ "$n" -lt "$total_steps" ]; then
    run_chain "$n" --checkpoint-every "$c"
    check_chain "$n" "--max-steps chain with --checkpoint-every $c"
  fi
}

test_program() {
  programs=$((programs + 1))
  seed_rng "$prog_name"
  reference
  if [ "$ref_status" -ne 0 ] && [ "$ref_status" -ne 1 ]; then
    fail "uninterrupted run exited with status $ref_status, expected 0 or 1"
    head -n 3 "$work/ref.err" | sed 's/^/    /'
    return
  fi
  if [ -z "$total_steps" ] || [ "$total_steps" -lt 1 ]; then
    fail "no total_steps in the --status-json report"
    return
  fi
  local t=$total_steps n
  local lo=$(((t + random_max_pieces - 1) / random_max_pieces)) r
  if [ "$t" -gt "$big_steps" ]; then
    # Long programs: each pass costs all T steps, and the heap can grow
    # large (a snapshot of examples/calc.shape late in the run is 24 MB),
    # so one suspension in the first big_steps steps, then one resume to
    # the end.
    local first=$((t - 1 < big_steps ? t - 1 : big_steps))
    rand_below "$first"
    n=$((REPLY + 1))
    resume_unbounded=1
    run_chain "$n"
    resume_unbounded=0
    check_chain "$n" "--max-steps $n, then resume to the end"
    check "--max-steps $n, then resume to the end: pieces" 2 "$chain_pieces"
    return
  fi
  if [ "$tier" = light ]; then
    # One seeded random N; every fourth program one more check, taking turns.
    rand_below $((t - lo + 1))
    chain_test $((lo + REPLY))
    case $((programs % 12)) in
      0) if [ "$t" -le "$small_max_pieces" ]; then chain_test 1; else chain_test $((t > 1 ? t - 1 : 1)); fi ;;
      4) if [ "$t" -gt 2 ]; then rand_below $((t - 1)); twice_test $((REPLY + 1)); fi ;;
      8) if [ "$t" -gt 2 ]; then checkpoint_interval "$t"; checkpoint_test "$REPLY"; fi ;;
    esac
    return
  fi
  # Every small N whose chain stays short.
  for ((n = 1; n <= small_k; n++)); do
    if [ $(((t + n - 1) / n)) -le "$small_max_pieces" ]; then chain_test "$n"; fi
  done
  # Suspending at the last instruction, or the one before it.
  chain_test "$t"
  if [ "$thorough" = 1 ] && [ "$t" -gt 1 ]; then chain_test $((t - 1)); fi
  # Seeded random N, from the smallest that keeps the chain short up to T.
  for ((r = 0; r < random_budgets; r++)); do
    rand_below $((t - lo + 1))
    chain_test $((lo + REPLY))
  done
  if [ "$t" -gt 2 ]; then
    rand_below $((t - 1))
    twice_test $((REPLY + 1))
    checkpoint_interval "$t"; checkpoint_test "$REPLY"
  fi
}

# Sets REPLY to a seeded random checkpoint interval for a T-step run: at
# most max_checkpoints snapshots, at least two.
checkpoint_interval() {  # checkpoint_interval T
  local t=$1 c_lo c_hi
  c_lo=$(((t + max_checkpoints - 1) / max_checkpoints))
  c_hi=$(((t + 1) / 2))
  [ "$c_lo" -le "$c_hi" ] || c_lo=$c_hi
  rand_below $((c_hi - c_lo + 1))
  REPLY=$((c_lo + REPLY))
}

# A long chain: about PIECES suspensions in a row.
long_chain() {  # long_chain PIECES
  local n=$(((total_steps + $1 - 1) / $1))
  chain_test "$n"
}

# Sets prog_args and prog_inputs from examples/NAME.args: an argument naming
# a file under examples/ is copied into the working directory and passed by
# its relative path, so files the program writes stay in that directory.
example_args() {  # example_args ARGS_FILE
  prog_args=()
  prog_inputs=()
  [ -f "$1" ] || return 0
  local raw=() arg
  read -r -a raw < "$1"
  for arg in ${raw[@]+"${raw[@]}"}; do
    if [ -e "$source_dir/examples/$arg" ]; then prog_inputs+=("$arg"); fi
    prog_args+=("$arg")
  done
}

# Whether a golden script qualifies; sets prog_args from `// args:`.
script_qualifies() {  # script_qualifies SCRIPT
  local line exit_code=0
  prog_args=()
  prog_inputs=()
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in
      *"// stdin:"*) return 1 ;;
      *"// expect-exit: "*) exit_code=${line#*// expect-exit: }; exit_code=${exit_code%% *} ;;
      *"// args: "*) read -r -a prog_args <<< "${line#*// args: }" ;;
    esac
  done < "$1"
  [ "$exit_code" = 0 ] || [ "$exit_code" = 1 ] || return 1
  # stdin and the wall clock (calls, not methods or comments).
  if sed 's://.*$::' "$1" | grep -qE '(^|[^.[:alnum:]_])(read_line|clock|suspend)[[:space:]]*\('; then
    return 1
  fi
  return 0
}

wanted() {
  [ -z "$filter" ] || [[ "$prog_name" == *"$filter"* ]]
}

for source in "$source_dir"/examples/*.shape; do
  [ -e "$source" ] || continue
  prog=$source
  prog_name=examples/$(basename "$source")
  fail_context=$prog_name
  wanted || continue
  tier=full
  example_args "${source%.shape}.args"
  if sed 's://.*$::' "$source" | grep -qE '(^|[^.[:alnum:]_])(read_line|clock|suspend)[[:space:]]*\('; then
    skipped+=("$prog_name")
    continue
  fi
  test_program
done

while IFS= read -r script; do
  prog=$script
  prog_name=${script#"$source_dir"/}
  fail_context=$prog_name
  wanted || continue
  case "$prog_name" in
    tests/scripts/compile_errors/*) skipped+=("$prog_name"); continue ;;
  esac
  if ! script_qualifies "$script"; then
    skipped+=("$prog_name")
    continue
  fi
  tier=light
  case "$prog_name" in tests/scripts/resume/*) tier=full ;; esac
  [ "$thorough" = 1 ] && tier=full
  test_program
  # Long chains on the mid-size resume scripts.
  case "$prog_name" in
    tests/scripts/resume/map_iteration.shape)
      long_chain "$long_chain_pieces" ;;
  esac
done < <(find "$source_dir/tests/scripts" -name '*.shape' -type f -not -path '*/lib/*' |
         LC_ALL=C sort)

echo "resume_equivalence: $programs programs, $chains chains, $invocations shapevm runs, $checks checks, $failures failures (seed $seed${filter:+, filter '$filter'})"
if [ ${#skipped[@]} -gt 0 ]; then
  echo "  skipped (stdin, clock(), suspend(), compile errors or other exit codes): ${skipped[*]}"
fi
if [ "$programs" -eq 0 ]; then
  echo "FAIL no programs found${filter:+ matching '$filter'}"
  exit 1
fi
[ "$failures" -eq 0 ]
