#!/usr/bin/env bash
# Sets up the machine if needed, then builds and runs every test: `bazel test
# //...`, then the toolkit used from outside Bazel as an installed library
# (tools/consumers-test.sh). Extra arguments go to `bazel test` (for instance
# --config=asan or --config=tsan); with a --config the install test, which
# builds its own optimised libraries, is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
status=0
bazel test //... "$@" || status=$?
case " $* " in
  *" --config"*) ;;
  *) tools/consumers-test.sh || status=1 ;;
esac
exit "$status"
