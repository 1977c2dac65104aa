#!/usr/bin/env bash
# Fuzzes every target of tests/fuzz under libFuzzer (--config=fuzz: clang-14
# with ASan and UBSan) for FUZZ_SECONDS each (default 60), two at a time, each
# from a copy of its seed corpus. A crash, a reference-model mismatch, a leak or
# a hang fails the target and shows its log. Prints one PASS:/FAIL: line per
# target.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
status=0


if ! bazel build --config=fuzz //tests/fuzz/... 2>&1 | tail -3; then
  echo "FAIL: the fuzz targets build under --config=fuzz"
  exit 1
fi
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)

fuzz() {  # fuzz TARGET
  local target=$1 work log rc
  work=$(mktemp -d)
  log="${work}.log"
  cp "tests/fuzz/${target}/corpus/"* "${work}/"
  "${bin}/tests/fuzz/${target}_fuzzer" -max_total_time="${seconds}" -timeout=120 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="${work}/" "${work}" >"${log}" 2>&1
  rc=$?
  if [ "${rc}" -ne 0 ]; then
    tail -40 "${log}"
    ls "${work}"/crash-* "${work}"/timeout-* "${work}"/leak-* "${work}"/oom-* 2>/dev/null
  fi
  rm -rf "${work}" "${log}"
  return "${rc}"
}

targets=()
for corpus in tests/fuzz/*/corpus; do
  targets+=("$(basename "$(dirname "${corpus}")")")
done
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    fuzz "${t}" &
    pids+=("$!:${t}")
  done
  for entry in "${pids[@]}"; do
    if wait "${entry%%:*}"; then
      echo "PASS: //tests/fuzz:${entry#*:}_fuzzer (libFuzzer, ${seconds} s)"
    else
      echo "FAIL: //tests/fuzz:${entry#*:}_fuzzer (libFuzzer, ${seconds} s)"
      status=1
    fi
  done
done
exit "${status}"
