#!/usr/bin/env bash
# The whole test suite, in one command: every test target of the workspace and the doc
# tests, as `cargo test --workspace --all-targets --no-fail-fast` plus
# `cargo test --workspace --doc` would run them, but side by side.
#
#   bash scripts/test.sh            # everything
#   STRICTREDIS_TEST_JOBS=2 bash scripts/test.sh   # at most 2 jobs at once (default 3)
#   bash scripts/test.sh --all-features            # arguments go to both cargo builds
#   STRICTREDIS_TEST_ALONE_LOCK=FILE bash scripts/test.sh   # the ALONE tests wait to lock FILE
#
# Most of the suite's wall time is spent waiting on timers (failovers, node timeouts, soaks),
# not on the CPU, so the test binaries run in parallel:
#
# 1. one build: `cargo test --workspace --all-targets --no-run` (cargo's own output);
# 2. the jobs, at most STRICTREDIS_TEST_JOBS at once (default 3), longest first:
#    - every test named in ALONE below runs last, in its own process, with no other job
#      beside it (its assertions are about time);
#    - every test named in SOLO below runs alone in its own process (a soak of minutes
#      would otherwise hold up the rest of its binary, whose fault-heavy tests take turns);
#    - each test binary runs the rest of its tests (cwd and CARGO_* variables as cargo
#      sets them);
#    - the doc tests (`cargo test --workspace --doc`);
# 3. each job's output is printed whole when it ends (never interleaved), under a
#    `---- job NAME: ok|FAILED in Ns` header; a job's `test result:` lines are libtest's own;
# 4. the last line sums every job up: `tests: N passed, N failed, N skipped` (as .ci/run's
#    summary), and the exit status is non-zero when any job failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Tests that take a minute or more, matched as extended regexes against
# (`kind/target::module::test`) each: each match runs alone, in its own process, from the start.
SOLO=(
  '^test/cluster::cluster_soak::cluster_soak_sigstop_and_kill9_under_checked_load$'
)

# Tests whose assertions are about time (writes lost per Sentinel failover, against a bound
# of about a second of load): each runs in its own process once every other job has ended,
# with nothing beside it, so that the other jobs' load cannot stretch what it measures.
ALONE=(
  '^test/cluster::sentinel_failover::failover_soak$'
)

# Then these jobs, the longest after the solo tests (measured in CI), in this order.
FIRST=(test/cluster test/client test/compile_fail doctests)

# Test threads of a binary whose tests mostly wait on timers (cluster formation, failovers):
# more than libtest's default (one per core), so the light tests run beside the fault-heavy
# ones, which take turns by their own permit (`heavy()` in tests/cluster/main.rs).
declare -A THREADS=([test/cluster]=4)

jobs_max=${STRICTREDIS_TEST_JOBS:-3}
cargo_args=("$@")
started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '==== build: cargo test --workspace --all-targets --no-run\n'
# The artifacts as JSON: the test-mode executables are the binaries cargo itself would run.
cargo test --workspace --all-targets "${cargo_args[@]}" --no-run --message-format=json-render-diagnostics \
  >"$work/build.json"

# One line per test binary: kind/name, executable, package directory, package name. Read
# with bash's own regexes (no jq on a fresh machine): cargo writes one JSON object per line,
# the target's fields before the profile's, the target's name its first "name".
while IFS= read -r line; do
  [[ $line == '{"reason":"compiler-artifact"'* ]] || continue
  [[ $line =~ \"profile\":\{[^}]*\"test\":true ]] || continue
  [[ $line =~ \"executable\":\"([^\"]+)\" ]] || continue
  exe=${BASH_REMATCH[1]}
  [[ $line =~ \"manifest_path\":\"([^\"]+)/Cargo.toml\" ]] || continue
  dir=${BASH_REMATCH[1]}
  [[ $line =~ \"kind\":\[\"([^\"]+)\" ]] || continue
  kind=${BASH_REMATCH[1]}
  [[ $line =~ \"name\":\"([^\"]+)\" ]] || continue
  tname=${BASH_REMATCH[1]}
  [[ $line =~ \"package_id\":\"[^\"]*[#/]([A-Za-z0-9_-]+)@ ]] || continue
  printf '%s/%s\t%s\t%s\t%s\n' "$kind" "$tname" "$exe" "$dir" "${BASH_REMATCH[1]}"
done <"$work/build.json" | sort -u >"$work/binaries"

: >"$work/queue"
cargo_bin=$(command -v cargo)
# A proc-macro crate's test binary links the toolchain's libstd dynamically: cargo puts the
# toolchain's target lib folder on the library path when it runs one, and so does this.
LD_LIBRARY_PATH="$(rustc --print target-libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
while IFS=$'\t' read -r target path dir pkg; do
  # The solo tests of this binary: `--list` names them, without the binary's prefix.
  skips=()
  if "$path" --list --format terse >"$work/list" 2>/dev/null; then
    while IFS= read -r t; do
      t=${t%: test}
      for re in "${SOLO[@]}"; do
        if [[ "$target::$t" =~ $re ]]; then
          printf 'solo\t%s\t%s\t%s\t%s\t%s\n' "$target::$t" "$path" "$dir" "$pkg" "$t" >>"$work/queue"
          skips+=(--skip "$t")
        fi
      done
      for re in "${ALONE[@]}"; do
        if [[ "$target::$t" =~ $re ]]; then
          printf 'alone\t%s\t%s\t%s\t%s\t%s\n' "$target::$t" "$path" "$dir" "$pkg" "$t" >>"$work/queue"
          skips+=(--skip "$t")
        fi
      done
    done < <(grep ': test$' "$work/list" || true)
  fi
  printf 'bin\t%s\t%s\t%s\t%s\t%s\n' "$target" "$path" "$dir" "$pkg" "${skips[*]:-}" >>"$work/queue"
done <"$work/binaries"
printf 'doc\tdoctests\t-\t-\t-\t-\n' >>"$work/queue"
# Longest first: the solo tests, then the jobs named in FIRST, in that order, then the rest.
awk -F'\t' -v first="${FIRST[*]}" '
  BEGIN { n = split(first, f, " "); for (i = 1; i <= n; i++) rank[f[i]] = i }
  { r = $1 == "solo" ? 0 : $1 == "alone" ? n + 2 : ($2 in rank ? rank[$2] : n + 1)
    printf "%d\t%s\n", r, $0 }' \
  "$work/queue" | sort -s -t$'\t' -k1,1n | cut -f2- >"$work/queue.sorted"

# run_job KIND NAME PATH DIR PKG ARGS: one job, its output in $work/<n>.log.
run_job() {
  local kind=$1 path=$3 dir=$4 pkg=$5 args=$6
  case $kind in
    solo | alone) (cd "$dir" && CARGO="$cargo_bin" CARGO_MANIFEST_DIR="$dir" CARGO_PKG_NAME="$pkg" \
            "$path" --exact "$args") ;;
    # shellcheck disable=SC2086 # $args is a list of `--skip NAME` words (no spaces in names)
    bin) (cd "$dir" && CARGO="$cargo_bin" CARGO_MANIFEST_DIR="$dir" CARGO_PKG_NAME="$pkg" \
            RUST_TEST_THREADS="${THREADS[$2]:-${RUST_TEST_THREADS:-$(nproc)}}" "$path" $args) ;;
    doc) cargo test --workspace --doc "${cargo_args[@]}" --no-fail-fast ;;
  esac
}

declare -A names=() begun=()
failed=()
n=0
finish() {
  local pid=$1 rc=$2
  local i=${names[$pid]}
  local took=$((SECONDS - begun[$pid]))
  local name
  name=$(cat "$work/$i.name")
  if [ "$rc" -eq 0 ]; then
    printf '\n---- job %s: ok in %ds\n' "$name" "$took"
  else
    printf '\n---- job %s: FAILED (exit %d) in %ds\n' "$name" "$rc" "$took"
    failed+=("$name")
  fi
  cat "$work/$i.log"
  unset "names[$pid]"
}

# Waits for any job to end and reports it.
reap() {
  local done_pid="" rc=0
  wait -n -p done_pid "${!names[@]}" || rc=$?
  finish "$done_pid" "$rc"
}

while IFS=$'\t' read -r kind name path dir pkg args; do
  while [ "${#names[@]}" -ge "$jobs_max" ]; do reap; done
  # An `alone` job waits for every other job to end, and for the lock file named in
  # STRICTREDIS_TEST_ALONE_LOCK if there is one (.ci/run holds it while its other steps run
  # beside the suite).
  if [ "$kind" = alone ]; then
    while [ "${#names[@]}" -gt 0 ]; do reap; done
    if [ -n "${STRICTREDIS_TEST_ALONE_LOCK:-}" ]; then
      flock "$STRICTREDIS_TEST_ALONE_LOCK" true
    fi
  fi
  n=$((n + 1))
  printf '%s\n' "$name" >"$work/$n.name"
  run_job "$kind" "$name" "$path" "$dir" "$pkg" "$args" >"$work/$n.log" 2>&1 </dev/null &
  names[$!]=$n
  begun[$!]=$SECONDS
  printf -- '---- job %s: started\n' "$name"
done <"$work/queue.sorted"
while [ "${#names[@]}" -gt 0 ]; do reap; done

printf '\n==== tests ran in %ds (%d jobs, at most %d at once)\n' $((SECONDS - started)) "$n" "$jobs_max"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
fi
cat "$work"/*.log | awk '/^test result:/ {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^passed/) p += $i
      if ($(i + 1) ~ /^failed/) f += $i
      if ($(i + 1) ~ /^ignored/) s += $i
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }'
[ "${#failed[@]}" -eq 0 ]
