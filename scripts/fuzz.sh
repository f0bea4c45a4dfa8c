#!/usr/bin/env bash
# Fuzzes the RESP decoder and the URL parser with cargo-fuzz (libFuzzer), each target for
# SECONDS (default 600) with a 512 MiB memory limit, starting from the seeds in fuzz/seeds/.
# Needs a nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz
# (`cargo install cargo-fuzz`). Exits non-zero on the first crash; libFuzzer then leaves the
# input in fuzz/artifacts/<target>/, which belongs in a regression test.
#
#   scripts/fuzz.sh            # both targets, 10 minutes each
#   scripts/fuzz.sh 60 url     # one target, one minute
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(decode url)
fi

for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
  printf '==== fuzzing %s for %ss ====\n' "$target" "$seconds"
  cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=512 -max_len=4096 -timeout=10 -print_final_stats=1
done
