#!/usr/bin/env bash
# Runs the tour's fanout, dma, disk and udp parts with --pictures and checks the
# DOT files it wrote (and the PNGs, when Graphviz's dot is installed).
set -euo pipefail
tour="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}/pictures"
mkdir -p "$dir"
"$tour" --part=fanout,dma,disk,udp --pictures="$dir"
for name in fanout dma disk udp; do
  grep -q '^digraph oskit_stack {' "$dir/$name.dot"
  grep -q -- '->' "$dir/$name.dot"
done
grep -q 'dma_engine' "$dir/dma.dot"
grep -q 'netio_fanout' "$dir/fanout.dot"
grep -q 'udp_endpoint' "$dir/udp.dot"
grep -q 'netio_queue' "$dir/udp.dot"
if command -v dot >/dev/null; then
  for name in fanout dma disk udp; do
    [ "$(head -c 8 "$dir/$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
  done
  echo "pictures rendered by $(dot -V 2>&1)"
else
  echo "Graphviz's dot is not installed: the PNGs were not checked"
fi
"$tour" --list | grep -qx harness
if "$tour" --part=nosuch 2>/dev/null; then exit 1; fi
