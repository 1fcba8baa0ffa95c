#!/usr/bin/env bash
# Build time of the generated crate (`okta-identity-source`), in a fresh target directory:
#   cold      `cargo build -p okta-identity-source` with all its dependencies
#   crate     after `cargo clean -p okta-identity-source`: the crate alone
#   touch     after touching one of its files
# and, from `cargo build --timings` of the cold build, the crates that took longest.
#
# Usage: scripts/build-time.sh [runs]   (default 2; each run starts from an empty target)
# Dependencies are fetched first, so no download is timed.
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-2}
package=okta-identity-source
touched=generated/src/lib.rs

cargo fetch --locked >/dev/null

seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    printf '%.2f' "$(echo "$end - $start" | bc)"
}

slowest_units() {
    # cargo-timing.html holds the units as JSON: `const UNIT_DATA = [...];`.
    python3 - "$1" <<'PY' 2>/dev/null || echo "  (python3 not available: see $1)"
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", html, re.S).group(1))
total = {}
for unit in units:
    total[unit["name"]] = total.get(unit["name"], 0) + unit["duration"]
for name, duration in sorted(total.items(), key=lambda item: -item[1])[:6]:
    print(f"  {name:<24} {duration:6.1f} s")
PY
}

printf '%-4s %8s %8s %8s\n' run cold crate touch
for run in $(seq 1 "$runs"); do
    target=$(mktemp -d /tmp/build-time.XXXXXX)
    export CARGO_TARGET_DIR=$target
    cold=$(seconds cargo build --locked -p "$package" --timings)
    cp "$target"/cargo-timings/cargo-timing-*.html "/tmp/build-time-$run.html"
    cargo clean -p "$package" >/dev/null 2>&1
    crate=$(seconds cargo build --locked -p "$package")
    touch "$touched"
    touched_time=$(seconds cargo build --locked -p "$package")
    printf '%-4s %7ss %7ss %7ss\n' "$run" "$cold" "$crate" "$touched_time"
    rm -rf "$target"
done
echo "slowest units of the last cold build (compile time, summed over a crate's units):"
slowest_units "/tmp/build-time-$runs.html"
