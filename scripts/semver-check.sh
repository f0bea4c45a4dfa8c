#!/usr/bin/env bash
# Checks the public API against the last release with cargo-semver-checks: a change that
# would need a major version (a removed or renamed path, a new required trait item, a
# changed signature, ...) fails, with the lint that caught it.
#
# Run it before every release (README, "Development"); it is not in CI because the tool
# takes long to install:  cargo install cargo-semver-checks --locked
#
# Usage: scripts/semver-check.sh [BASELINE_TAG] [extra cargo-semver-checks args...]
#   BASELINE_TAG defaults to v0.1.0, the first release. Tags may not travel with a clone:
#   when v0.1.0 is missing it is created locally at its commit, 9e0a19d.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

baseline=${1:-v0.1.0}
shift || true

if ! cargo semver-checks --version >/dev/null 2>&1; then
  echo "semver-check: cargo-semver-checks is not installed;" \
    "run: cargo install cargo-semver-checks --locked" >&2
  exit 2
fi

if ! git rev-parse -q --verify "refs/tags/$baseline" >/dev/null; then
  if [ "$baseline" != v0.1.0 ]; then
    echo "semver-check: no tag $baseline in this clone (git fetch --tags?)" >&2
    exit 2
  fi
  commit=9e0a19d
  if ! git rev-parse -q --verify "$commit^{commit}" >/dev/null; then
    echo "semver-check: commit $commit (v0.1.0) is not in this clone (a shallow clone?)" >&2
    exit 2
  fi
  echo "semver-check: creating the missing tag v0.1.0 at $commit"
  git tag v0.1.0 "$commit"
fi

echo "semver-check: $(cargo semver-checks --version) against $baseline ($(git rev-parse --short "$baseline^{commit}"))"
exec cargo semver-checks check-release -p strictredis --baseline-rev "$baseline" "$@"
