#!/usr/bin/env bash
# Runs a consumer program (c/stack.c or cxx/stack.cc) and checks what it
# printed through its EVL proxy: the partition found in the disk block by
# block, the error past the partition's end, the release, and with --oob the
# record sent out-of-band without a stage violation.
#   check_output.sh PROGRAM [--oob]
set -euo pipefail
out=$("$1")
printf '%s\n' "$out"
expect() {
  grep -qx -- "$1" <<<"$out" || {
    echo "missing line: $1" >&2
    exit 1
  }
}
expect "disk: 16 blocks of 512 bytes; partition: 8 blocks from block 4"
for i in 0 1 2 3 4 5 6 7; do
  expect "partition block $i is disk block $((i + 4))"
done
expect "past the partition's end: Invalid argument.*"
expect "released the partition and the disk"
if [ "${2:-}" = --oob ]; then
  expect "a record from an out-of-band thread"
  expect "stage violations out-of-band: 0"
fi
[ "$(tail -n1 <<<"$out")" = done ]
