#!/usr/bin/env bash
# sockperf (the Debian package) as the external peer: its ping-pong client
# against the UDP endpoint serving as echo server (udp_bench --echo_server),
# then against sockperf's own server on the same machine for comparison.
# Round-trip latency for 64 and 1400-byte datagrams.
#
# Usage, from the project's root: bench/udp_sockperf.sh [seconds per run, default 5]
set -euo pipefail
secs=${1:-5}
command -v sockperf >/dev/null || { echo "sockperf is not installed: apt-get install sockperf" >&2; exit 2; }
bazel build -c opt //bench:udp_bench >/dev/null
bin=$(bazel cquery -c opt --output=files //bench:udp_bench 2>/dev/null)
endpoint_port=${ENDPOINT_PORT:-47801}
sockperf_port=${SOCKPERF_PORT:-47802}

run_client() {  # label port size
  echo "== $1, $3-byte datagrams"
  sockperf ping-pong -i 127.0.0.1 -p "$2" -m "$3" -t "$secs" 2>&1 |
    grep -E "avg-latency|dropped|percentile (50.000|99.000|99.900) =|<MAX>" | sed 's/^sockperf: *//'
}

"$bin" --echo_server="$endpoint_port" --echo_seconds=$((2 * secs + 4)) &
server=$!
sleep 2
for size in 64 1400; do run_client "UDP endpoint as echo server" "$endpoint_port" "$size"; done
wait "$server"

sockperf server -i 127.0.0.1 -p "$sockperf_port" >/dev/null 2>&1 &
server=$!
sleep 1
for size in 64 1400; do run_client "sockperf's own server" "$sockperf_port" "$size"; done
kill "$server"
wait "$server" 2>/dev/null || true
