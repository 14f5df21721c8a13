# Sourced by the command-line tests: the common start (arguments, a scratch
# directory removed at exit) and the counted comparisons they report with.
# Pure bash plus coreutils.
#
# A script may set, before or after cli_start:
#   cli_usage     the arguments after SHAPEVM SOURCE_DIR, for the usage line
#   cli_timeout   seconds one shapevm run may take (default 300)
#   fail_context  printed before each failure (e.g. the program under test)
#   fail_hint     printed after it (e.g. the seed that reproduces the run)

# cli_start "$@": takes SHAPEVM SOURCE_DIR [FILTER] and sets shapevm (an
# absolute path), source_dir, filter, work (a fresh directory, removed at
# exit) and timeout_cmd (a prefix bounding one run, empty without timeout).
cli_start() {
  if [ $# -lt 2 ]; then
    echo "usage: $0 SHAPEVM SOURCE_DIR${cli_usage:+ $cli_usage}" >&2
    exit 2
  fi
  shapevm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  source_dir=$(cd "$2" && pwd)
  filter=${3:-}
  if [ ! -x "$shapevm" ]; then
    echo "error: $shapevm is not executable" >&2
    exit 2
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  timeout_cmd=()
  if command -v timeout > /dev/null 2>&1; then timeout_cmd=(timeout "${cli_timeout:-300}"); fi
}

failures=0
checks=0
fail_context=
fail_hint=

fail() {  # fail MESSAGE
  echo "FAIL: ${fail_context:+$fail_context: }$*${fail_hint:+ ($fail_hint)}" >&2
  failures=$((failures + 1))
}

check() {  # check DESCRIPTION EXPECTED ACTUAL
  checks=$((checks + 1))
  if [ "$2" != "$3" ]; then
    fail "$1: expected [$2], got [$3]"
    return 1
  fi
}

same_file() {  # same_file DESCRIPTION EXPECTED_FILE ACTUAL_FILE
  checks=$((checks + 1))
  if ! cmp -s "$2" "$3"; then
    fail "$1"
    diff "$2" "$3" 2> /dev/null | head -n 6 | sed 's/^/    /' >&2
    return 1
  fi
}

contains() {  # contains DESCRIPTION NEEDLE FILE
  checks=$((checks + 1))
  if ! grep -qF -- "$2" "$3"; then
    fail "$1: [$2] not in $3:"
    sed 's/^/    /' "$3" >&2
    return 1
  fi
}

# Seeded 64-bit LCG: set rng, then rand_below K sets REPLY to a number in [0, K).
rng=1
rand_below() {
  rng=$((rng * 6364136223846793005 + 1442695040888963407))
  REPLY=$((((rng >> 33) & 0x7fffffff) % $1))
}
