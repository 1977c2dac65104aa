#!/usr/bin/env bash
# Runs the example and checks what it printed: every packet pushed, a quarter
# copied by the CPU, none faulted, all intact, nothing left wired.
set -euo pipefail
out=$("$1")
printf '%s\n' "$out"
grep -qx 'pushed 40 packets: 30 copied by the engine, 10 by the CPU (already wired elsewhere), 0 faults' <<<"$out"
grep -q '^transmit area: 40 of 40 packets intact' <<<"$out"
grep -q '^device space: 0 regions wired at the end, .* 0 faults$' <<<"$out"
