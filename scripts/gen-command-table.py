#!/usr/bin/env python3
"""Generates src/command_facts/table.tsv from the live servers' `COMMAND` output.

Starts redis-server and valkey-server (Redis 7.0 and Valkey 9.1, whatever is on PATH) on
free loopback ports, reads every command and subcommand with `COMMAND` (RESP2 over a plain
socket, no extra packages), merges the two servers and writes one sorted table: one line
per command or subcommand, tab-separated (name, subcommand, servers, flags, keys, request
policy, response policy; see the file's header). `src/command_facts/table.rs` turns it into
the crate's static table when the crate is compiled (a `const fn` parser, no build script).

    python3 scripts/gen-command-table.py           # rewrite src/command_facts/table.tsv
    python3 scripts/gen-command-table.py --check   # exit 1 if the checked-in file differs

Merging: a command is listed once with the servers that know it. Its flags are the union
of the servers' flags, except `readonly`, which must hold on every server that knows the
command. Key positions and tips come from Redis 7.0 when it has the command and documents
them, else from Valkey.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "command_facts", "table.tsv")
SERVERS = [("redis", "redis-server", "REDIS"), ("valkey", "valkey-server", "VALKEY")]

# Server flag -> Rust constant in `command_facts::flags`.
FLAGS = {
    "write": "WRITE",
    "readonly": "READONLY",
    "denyoom": "DENYOOM",
    "admin": "ADMIN",
    "pubsub": "PUBSUB",
    "noscript": "NOSCRIPT",
    "blocking": "BLOCKING",
    "loading": "LOADING",
    "stale": "STALE",
    "skip_monitor": "SKIP_MONITOR",
    "skip_slowlog": "SKIP_SLOWLOG",
    "skip_commandlog": "SKIP_COMMANDLOG",
    "asking": "ASKING",
    "fast": "FAST",
    "no_auth": "NO_AUTH",
    "may_replicate": "MAY_REPLICATE",
    "no_mandatory_keys": "NO_MANDATORY_KEYS",
    "no_async_loading": "NO_ASYNC_LOADING",
    "no_multi": "NO_MULTI",
    "movablekeys": "MOVABLEKEYS",
    "allow_busy": "ALLOW_BUSY",
}
REQUEST = {
    "all_shards": "AllShards",
    "all_nodes": "AllNodes",
    "multi_shard": "MultiShard",
    "special": "Special",
}
RESPONSE = {
    "agg_sum": "AggSum",
    "agg_min": "AggMin",
    "agg_max": "AggMax",
    "agg_logical_and": "AggLogicalAnd",
    "agg_logical_or": "AggLogicalOr",
    "all_succeeded": "AllSucceeded",
    "one_succeeded": "OneSucceeded",
    "special": "Special",
}
NAME_MAX = 32


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise RuntimeError("connection closed mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [read_reply(f) for _ in range(n)]
    raise RuntimeError("unexpected reply %r" % line)


def server_commands(binary):
    """Every entry of `COMMAND`, from a fresh server started for the purpose."""
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", d],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("%s did not start" % binary)
                    time.sleep(0.02)
            with s:
                f = s.makefile("rb")
                s.sendall(b"*1\r\n$7\r\nCOMMAND\r\n")
                return read_reply(f)
        finally:
            proc.terminate()
            proc.wait()


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2]))


def key_form(entry):
    """The key positions of one `COMMAND` entry: `keyless`, `range FIRST LAST STEP`,
    `numkeys AT` (`numkeys AT dest` with a destination key at 1) or `movable`."""
    flags, first, last, step = entry[2], entry[3], entry[4], entry[5]
    if "movablekeys" in flags:
        specs = [pairs(s) for s in (entry[8] if len(entry) > 8 else [])]
        parts = [(pairs(s["begin_search"]), pairs(s["find_keys"])) for s in specs]
        dest = False
        if len(parts) == 2:
            (b, k) = parts[0]
            if (b.get("type") == "index" and pairs(b["spec"]).get("index") == 1
                    and k.get("type") == "range" and pairs(k["spec"]).get("lastkey") == 0):
                dest = True
                parts = parts[1:]
        if len(parts) == 1:
            (b, k) = parts[0]
            bs, ks = pairs(b["spec"]), pairs(k["spec"])
            if (b.get("type") == "index" and k.get("type") == "keynum"
                    and ks.get("keynumidx") == 0 and ks.get("firstkey") == 1
                    and ks.get("keystep") == 1):
                return "numkeys %d%s" % (bs["index"], " dest" if dest else "")
        return "movable"
    if first <= 0 or step <= 0:
        return "keyless"
    return "range %d %d %d" % (first, last, step)


def tips_of(entry):
    req = resp = "None"
    order = False
    for t in entry[7] if len(entry) > 7 else []:
        k, _, v = t.partition(":")
        if k == "request_policy":
            req = REQUEST[v]
        elif k == "response_policy":
            resp = RESPONSE[v]
        elif t == "nondeterministic_output_order":
            order = True
    return req, resp, order


def walk(entries):
    for e in entries:
        yield e
        if len(e) > 9 and e[9]:
            yield from walk(e[9])


def collect():
    merged = {}
    for server, binary, bit in SERVERS:
        for e in walk(server_commands(binary)):
            name, _, sub = e[0].upper().partition("|")
            if len(name) > NAME_MAX or len(sub) > NAME_MAX:
                raise SystemExit("%s: name longer than %d bytes" % (e[0], NAME_MAX))
            unknown = set(e[2]) - set(FLAGS)
            if unknown:
                raise SystemExit("%s: unknown flags %s: teach the generator" % (e[0], unknown))
            flags = {FLAGS[f] for f in e[2]}
            if len(e) > 9 and e[9]:
                flags.add("CONTAINER")
            req, resp, order = tips_of(e)
            if order:
                flags.add("ORDER_DEPENDS_ON_NODES")
            m = merged.get((name, sub))
            if m is None:
                merged[(name, sub)] = {
                    "servers": [bit], "flags": flags, "keys": key_form(e),
                    "req": req, "resp": resp,
                }
                continue
            m["servers"].append(bit)
            ro = "READONLY" in m["flags"] and "READONLY" in flags
            m["flags"] |= flags
            if not ro:
                m["flags"].discard("READONLY")
            if m["req"] == "None" and req != "None":
                m["req"], m["resp"] = req, resp
                if order:
                    m["flags"].add("ORDER_DEPENDS_ON_NODES")
    return merged


def render(merged):
    out = [
        "# generated by scripts/gen-command-table.py from the `COMMAND` output of",
        "# " + ", ".join(v for v in VERSIONS) + "; do not edit.",
        "# Rerun the generator when a server version changes. src/command_facts/table.rs reads",
        "# it; one line per command or subcommand, sorted, with tab-separated columns:",
        "# name, subcommand (empty for the command itself), servers, flags (`flags::` names),",
        "# keys (keyless | range FIRST LAST STEP | numkeys AT [dest] | movable), request and",
        "# response policy (`Request::` and `Response::` variants).",
    ]
    for (name, sub) in sorted(merged):
        m = merged[(name, sub)]
        out.append("\t".join([
            name, sub, " ".join(m["servers"]), " ".join(sorted(m["flags"])), m["keys"],
            m["req"], m["resp"]]))
    return "\n".join(out) + "\n"


def versions():
    vs = []
    for server, binary, _ in SERVERS:
        v = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
        vs.append("%s %s" % (server, v.split("v=")[1].split()[0]))
    return vs


if __name__ == "__main__":
    VERSIONS = versions()
    merged = collect()
    text = render(merged)
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            if f.read() != text:
                sys.stderr.write(
                    "src/command_facts/table.tsv does not match the live servers' COMMAND output: "
                    "rerun the generator (python3 scripts/gen-command-table.py)\n")
                sys.exit(1)
        print("src/command_facts/table.tsv matches the live servers")
    else:
        with open(OUT, "w") as f:
            f.write(text)
        print("wrote %s (%d commands)" % (OUT, len(merged)))
