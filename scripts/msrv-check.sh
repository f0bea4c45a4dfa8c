#!/usr/bin/env bash
# Checks that no dependency the library builds with declares a `rust-version` above ours.
#
# Walks the resolved graph (`cargo metadata`, all features, every platform, the committed
# Cargo.lock) from `strictredis` along normal and build edges only: dev-dependencies (the
# benchmarks' `redis` 1.x, proptest, the test kit, ...) build the tests, not the library, so
# they are not the library's MSRV. Prints each dependency with a declared rust-version,
# highest last, and fails when one is above the `rust-version` in Cargo.toml.
#
# Our own code is checked by clippy's `incompatible_msrv` lint (see .ci/run); together the
# two are what the declared rust-version means (the only toolchain here is the newest one).
#
# Usage: scripts/msrv-check.sh   (needs cargo and python3)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
cargo metadata --format-version 1 --all-features --locked >"$meta"

python3 - "$meta" <<'PY'
import json
import sys

ROOT = "strictredis"


def version(text):
    """'1.71' or '1.71.0' as a tuple that sorts by number."""
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


with open(sys.argv[1]) as f:
    meta = json.load(f)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
roots = [i for i in meta["workspace_members"] if packages[i]["name"] == ROOT]
if len(roots) != 1:
    sys.exit(f"msrv-check: no single package {ROOT!r} among the workspace members")
root = packages[roots[0]]
if not root.get("rust_version"):
    sys.exit(f"msrv-check: {ROOT} declares no rust-version in Cargo.toml")
ours = version(root["rust_version"])

# Normal and build edges only; an edge that is dev-only is a test's, not the library's.
seen, todo = set(), [root["id"]]
while todo:
    for dep in nodes[todo.pop()]["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if kinds <= {"dev"} or dep["pkg"] in seen:
            continue
        seen.add(dep["pkg"])
        todo.append(dep["pkg"])

declared = sorted(
    (version(packages[i]["rust_version"]), packages[i]["name"], packages[i]["version"])
    for i in seen
    if packages[i].get("rust_version")
)
undeclared = sorted(packages[i]["name"] for i in seen if not packages[i].get("rust_version"))
too_new = [d for d in declared if d[0] > ours]

for v, name, ver in declared:
    mark = "  <-- above ours" if v > ours else ""
    print(f"  {'.'.join(map(str, v)):>8}  {name} {ver}{mark}")
if undeclared:
    print(f"  (no rust-version declared: {', '.join(undeclared)})")
print(
    f"msrv-check: {len(seen)} library dependencies; highest declared "
    f"{'.'.join(map(str, declared[-1][0])) if declared else 'none'}; "
    f"ours {root['rust_version']}"
)
if too_new:
    names = ", ".join(f"{n} {v} ({'.'.join(map(str, r))})" for r, n, v in too_new)
    sys.exit(f"msrv-check: FAILED: above our rust-version {root['rust_version']}: {names}")
print("msrv-check: ok")
PY
