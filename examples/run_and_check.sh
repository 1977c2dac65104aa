#!/usr/bin/env bash
# Runs a program and fails if it fails or prints nothing.
set -euo pipefail
out=$("$@")
printf '%s\n' "$out"
[ -n "$out" ]
