#!/usr/bin/env bash
# Every dependency comes from a Debian package and is found by CMake
# (README.md, "Quick start"): no library source is copied into the tree, and
# CMakeLists.txt fetches nothing. A copied library would miss the
# distribution's security updates and make the tree's licence mixed.
#
# Usage: bash tests/build/dependencies.sh SOURCE_DIR
set -u
cd "$1" || exit 1
failures=0
fail() {
  echo "FAIL: $1"
  failures=$((failures + 1))
}

# Library sources that a project typically copies in.
for dir in third_party thirdparty vendor vendored external extern deps; do
  [ -e "$dir" ] && fail "$dir/ holds copied library code; use the Debian package (find_package or pkg-config)"
done
while IFS= read -r file; do
  fail "$file is a copy of a library (install its Debian package instead)"
done < <(git ls-files 2>/dev/null | grep -i -E '(^|/)(simdjson|spdlog|xxhash|catch|CLI11|fmt/[a-z_]+)\.(h|hpp|cc|cpp|c)$')
# Nothing is downloaded at configure or build time.
if grep -n -E 'FetchContent|ExternalProject|file\(DOWNLOAD' CMakeLists.txt $(find . -name CMakeLists.txt -not -path './build*') >/dev/null 2>&1; then
  fail "a CMakeLists.txt downloads code (FetchContent, ExternalProject or file(DOWNLOAD))"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures dependency rule(s) broken"
  exit 1
fi
echo "dependencies: every library comes from the system"
