#!/usr/bin/env bash
# Processor time and page faults an upload, for the emulator accepting uploads and for the
# generated client sending them (emulator/benches/uploads.rs), in alternating rounds:
#   accept_one_source            the emulator accepts 50 uploads, a bare client sends them
#   import_one_source            the same, and the import applied
#   generated_client_one_thread  the generated client sends 50 uploads, a server ignores them
# Each figure is that of 100 imports less that of 20, over the 4,000 uploads between, so the
# start of the process is left out (`perf stat -e task-clock,page-faults`).
#
# Usage: scripts/emulator-cpu.sh [rounds]   (default 3)
# UPLOADS_BENCH=<binary> measures that build of the benchmark instead (say, a copy of an
# earlier one), without building.
set -euo pipefail

cd "$(dirname "$0")/.."
rounds=${1:-3}
benches=(accept_one_source import_one_source generated_client_one_thread)

binary=${UPLOADS_BENCH:-$(cargo bench -p okta-identity-source-emulator --bench uploads --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\))$/\1/p')}

# task-clock in ms and page faults of `samples` imports of the benchmark `$1`.
measure() {
    perf stat -x, -e task-clock,page-faults "$binary" --bench "$1\$" \
        --sample-count "$2" --sample-size 1 2>&1 >/dev/null |
        awk -F, '$3 == "task-clock" { ms = $1 } $3 == "page-faults" { faults = $1 }
                 END { print ms, faults }'
}

printf '%-30s %8s %16s\n' benchmark 'µs/upload' 'faults/upload'
for round in $(seq "$rounds"); do
    for bench in "${benches[@]}"; do
        read -r few_ms few_faults < <(measure "$bench" 20)
        read -r many_ms many_faults < <(measure "$bench" 100)
        awk -v b="$bench" -v r="$round" -v a="$few_ms" -v m="$many_ms" \
            -v fa="$few_faults" -v fm="$many_faults" \
            'BEGIN { printf "%-30s %8.1f %16.2f\n", b " (" r ")", (m - a) * 1000 / 4000, (fm - fa) / 4000 }'
    done
done
