#!/usr/bin/env bash
# Time and peak memory of `okta-import users` on large CSV files of made-up employees, against
# the emulator (`okta-emulator`) with no processing delay, no cool-down and no rate limit in the
# way. Each size gets a dry run and a real import.
#
#   bash cli/bench/import.sh                  # 100,000 rows
#   bash cli/bench/import.sh 100000 1000000   # and 1,000,000 rows
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release --quiet -p okta-import-cli --bin okta-import --example fake_users
cargo build --release --quiet -p okta-identity-source-emulator --bin okta-emulator

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export OKTA_EMULATOR_API_TOKEN="bench-token-$$"
target/release/okta-emulator --port 0 --identity-source 0oaBENCH --processing-time 0s --cool-down 0s \
  --rate-limit 1000000 >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$work/emulator.out" ] && break; sleep 0.05; done
base_url="$(grep -o 'http://[^ ]*' "$work/emulator.out" | head -n 1)"
export OKTA_ORG_URL="$base_url" OKTA_IDENTITY_SOURCE_ID=0oaBENCH OKTA_API_TOKEN="$OKTA_EMULATOR_API_TOKEN"

# One measured run: label, then okta-import's arguments. Prints time and peak memory.
measure() {
  local label="$1"; shift
  /usr/bin/time -v target/release/okta-import "$@" --quiet >"$work/out" 2>"$work/time" || {
    cat "$work/out" "$work/time"; exit 1; }
  local elapsed rss
  elapsed="$(grep 'Elapsed (wall clock)' "$work/time" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/time" | awk '{print $NF}')"
  printf '%-32s %10s  %8.1f MB\n' "$label" "$elapsed" "$(echo "$rss / 1024" | bc -l)"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %10s  %11s\n' "run" "time" "peak memory"
for rows in "${@:-100000}"; do
  target/release/examples/fake_users "$rows" >"$work/users.csv"
  size="$(du -h "$work/users.csv" | cut -f1)"
  measure "$rows rows ($size), dry run" users "$work/users.csv" --dry-run
  measure "$rows rows ($size), import" users "$work/users.csv" --cool-down 0ms --poll-interval 100ms
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
