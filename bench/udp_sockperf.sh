#!/usr/bin/env bash
# sockperf (the Debian package) as the external peer: its ping-pong client
# against the UDP endpoint serving as its server (udp_bench --echo_server),
# then against sockperf's own server on the same machine for comparison.
# sockperf reports latency as half the round trip; 64 and 1400-byte datagrams.
#
# Usage, from the project's root: bench/udp_sockperf.sh [seconds per run, default 5]
set -euo pipefail
secs=${1:-5}
command -v sockperf >/dev/null || { echo "sockperf is not installed: apt-get install sockperf" >&2; exit 2; }
bazel build -c opt //bench:udp_bench >/dev/null 2>&1
bin="$(bazel info -c opt bazel-bin 2>/dev/null)/bench/udp_bench"
endpoint_port=${ENDPOINT_PORT:-47801}
sockperf_port=${SOCKPERF_PORT:-47802}

run_client() {  # label port size
  echo "== $1, $3-byte datagrams"
  sockperf ping-pong -i 127.0.0.1 -p "$2" -m "$3" -t "$secs" 2>&1 |
    grep -E "Valid Duration|avg-latency|dropped|percentile (50.000|99.000|99.900) =" |
    sed -e 's/^sockperf: *//' -e 's/\x1b\[[0-9;]*m//g' || echo "no statistics: the server did not answer"
}

"$bin" --echo_server="$endpoint_port" --echo_seconds=$((3 * secs + 10)) &
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
