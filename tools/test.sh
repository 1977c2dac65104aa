#!/usr/bin/env bash
# Sets up the machine if needed, then builds and runs every test.
# Extra arguments go to `bazel test` (for instance --config=asan or --config=tsan).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
exec bazel test //... "$@"
