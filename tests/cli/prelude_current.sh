#!/usr/bin/env bash
# The prelude assembly the VM loads is the compiled form of prelude.shape.
set -euo pipefail
shapevm=$1
root=$2
"$root/scripts/gen-prelude" --check "$shapevm"
