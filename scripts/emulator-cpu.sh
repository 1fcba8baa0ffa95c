#!/usr/bin/env bash
# Processor time and page faults an upload, for the emulator accepting uploads and for the
# generated client sending them (emulator/benches/uploads.rs), in alternating rounds:
#   accept_one_source            the emulator accepts 50 uploads, a bare client sends them
#   import_one_source            the same, and the import applied
#   generated_client_one_thread  the generated client sends 50 uploads, a server ignores them
# Each figure is that of 100 imports less that of 20, over the uploads between, so the
# start of the process is left out (`perf stat -e task-clock,page-faults`).
#
# Usage: scripts/emulator-cpu.sh [rounds]   (default 3)
# UPLOADS_BENCH=<binary> measures that build of the benchmark instead (say, a copy of an
# earlier one), without building.
set -euo pipefail

cd "$(dirname "$0")/.."
rounds=${1:-3}
benches=(accept_one_source import_one_source generated_client_one_thread)
few=20
many=100
uploads_per_import=50 # `uploads()` in the benchmark, under `--bench`

if [[ -z ${UPLOADS_BENCH:-} ]]; then
    build=$(cargo bench -p okta-identity-source-emulator --bench uploads --no-run 2>&1) || {
        echo "$build" >&2
        exit 1
    }
    UPLOADS_BENCH=$(sed -n 's/.*Executable .*(\(.*\))$/\1/p' <<<"$build")
fi
[[ -x $UPLOADS_BENCH ]] || { echo "no benchmark binary: '$UPLOADS_BENCH'" >&2; exit 1; }

counters=$(mktemp)
trap 'rm -f "$counters"' EXIT

# Prints the task-clock in ms and the page faults of `$2` imports of the benchmark `$1`;
# fails when the benchmark or perf does.
measure() {
    perf stat -x, -o "$counters" -e task-clock,page-faults \
        "$UPLOADS_BENCH" --bench "$1\$" --sample-count "$2" --sample-size 1 \
        >/dev/null 2> >(grep -v '^Timer precision' >&2) || return
    awk -F, '$3 ~ /^task-clock/ { ms = $1 } $3 ~ /^page-faults/ { faults = $1 }
             END { if (ms == "" || faults == "") exit 1; print ms, faults }' "$counters"
}

printf '%-34s %12s %14s\n' benchmark 'µs an upload' 'page faults'
for round in $(seq "$rounds"); do
    for bench in "${benches[@]}"; do
        few_counts=$(measure "$bench" "$few")
        many_counts=$(measure "$bench" "$many")
        awk -v name="$bench ($round)" -v few="$few_counts" -v many="$many_counts" \
            -v uploads=$(((many - few) * uploads_per_import)) 'BEGIN {
                split(few, a, " "); split(many, b, " ")
                printf "%-34s %11.1f %14.2f\n", name, (b[1] - a[1]) * 1000 / uploads, (b[2] - a[2]) / uploads
            }'
    done
done
