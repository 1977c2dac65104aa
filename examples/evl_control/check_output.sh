#!/usr/bin/env bash
# Runs the example and checks what it printed: every sample came back, the
# statistics line, and no stage violation.
set -euo pipefail
out=$("$1")
printf '%s\n' "$out"
[ "$(grep -c '^sample-[0-4] came back; xchg [0-4] -> [1-5] (Success)$' <<<"$out")" -eq 5 ]
grep -qx 'device stats: 40 bytes written, 40 read (Success)' <<<"$out"
grep -qx 'stage violations in the control loop: 0' <<<"$out"
