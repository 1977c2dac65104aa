#!/usr/bin/env bash
# Sets up the machine if needed, then runs the tour of the toolkit (examples/tour.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
exec bazel run //examples:tour
