#!/usr/bin/python3
"""http_bench.py: what pat's check costs a real HTTP request (make bench-http).

    /usr/bin/python3 bench/http_bench.py     # or: make bench-http (installs wrk)

The example JSON API (examples/python/server.py, through bench/http_server.py)
serves GET /items three times, on three free ports of 127.0.0.1, with three
checks of the Authorization header:

    pat    auth.authenticate, as the example ships: pat_verify + pat_has_right
    none   no check at all (the same handler, the check skipped, pat not loaded)
    hand   hand-written: SHA-256 of the token, SELECT on a plain table of
           digests, window and right checked in Python (pat not loaded)

and does so under each kind of connection in HTTP_BENCH_MODES (both by
default): `request`, a new SQLite connection for each request as the
example opens it, and `thread`, one connection kept by each server thread.

All three read one database: HTTP_BENCH_N tokens made by pat_create (10000),
the same tokens' SHA-256 digests in the plain table, and HTTP_BENCH_ITEMS
items (10) that GET /items lists. wrk (Debian's package) sends each request
with a token drawn at random from a pool of HTTP_BENCH_POOL of them (1000),
over HTTP_BENCH_CONNECTIONS keep-alive connections (4) from
HTTP_BENCH_THREADS threads (1), for HTTP_BENCH_SECONDS (10) per run. Each
round runs the three variants one after the other, in an order that rotates
from round to round, HTTP_BENCH_ROUNDS times (3), after a warm-up run of
HTTP_BENCH_WARMUP seconds (2) each; every figure is the median over the
rounds, so the three see the same machine. Servers are started for a mode
and stopped after it, and their ports must be free again.

Before each timed pat run, every pool token's last_used_at is written (the
pool checked once as the server checks it, with last_used_interval at 0 for
that pass only), so that a run shorter than the interval (60 s) times the
checks alone, not pat's bookkeeping writes (at most one per token per
interval; the C bench times them). The writes a run did make are counted
and shown. Every run starts on an empty WAL (PRAGMA wal_checkpoint(TRUNCATE)
before it), as bench/compare.py's timed loops do.

Before timing, each server must answer a pool token with 200 and the same
body; pat and hand must answer no token and a mangled one with 401, and a
token without DATA_FETCH with 403; none must answer all of them with 200.
Any error fails the run with a non-zero exit: a server that does not start,
a wrong answer, wrk missing or failing, and any response that wrk counts as
non-2xx/3xx, any socket error or timeout (a wrong token set-up must not
bench 401s).

Results go to standard output as markdown and to bench/out/http.md; the raw
wrk output and the servers' logs to bench/out/http/. The database and the
wrk script (which holds the pool's plaintext tokens, benchmark fixtures) are
removed at the end. Needs Debian's /usr/bin/python3 (its sqlite3 module can
load extensions).
"""
import ctypes
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import auth  # noqa: E402  examples/python/auth.py
import http_server  # noqa: E402  bench/http_server.py (the hand-written table and digest)


def env_int(name, default, minimum=1):
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"http_bench: {name}={raw!r} is not an integer")
    if value < minimum:
        sys.exit(f"http_bench: {name}={value} is below {minimum}")
    return value


EXT = os.environ.get("BENCH_EXT", os.path.join(ROOT, "dist", "pat"))
OUT = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "out"))
WORK = os.path.join(OUT, "http")
N = env_int("HTTP_BENCH_N", 10000)
POOL = env_int("HTTP_BENCH_POOL", 1000)
ITEMS = env_int("HTTP_BENCH_ITEMS", 10, 0)
SECONDS = env_int("HTTP_BENCH_SECONDS", 10)
WARMUP = env_int("HTTP_BENCH_WARMUP", 2, 0)
ROUNDS = env_int("HTTP_BENCH_ROUNDS", 3)
CONNECTIONS = env_int("HTTP_BENCH_CONNECTIONS", 4)
THREADS = env_int("HTTP_BENCH_THREADS", 1)
TIMEOUT = env_int("HTTP_BENCH_TIMEOUT", 5)
WRK = os.environ.get("WRK", "wrk")
MODES = [m.strip() for m in os.environ.get("HTTP_BENCH_MODES", "request,thread").split(",") if m.strip()]
if not MODES or set(MODES) - {"request", "thread"}:
    sys.exit(f"http_bench: HTTP_BENCH_MODES must list request and/or thread, not {MODES}")
PYTHON = "/usr/bin/python3"
PATH = "/items"
RIGHTS = "DATA_FETCH, DATA_CREATE, PROJECT_FETCH"  # bench/compare.py's
RIGHTS_JSON = '["DATA_CREATE","DATA_FETCH","PROJECT_FETCH"]'  # as pat stores them
VARIANTS = ("pat", "none", "hand")
LABELS = {"pat": "pat (auth.py: pat_verify + pat_has_right)",
          "none": "no check",
          "hand": "hand-written (sha256 + SELECT)"}


class BenchError(Exception):
    pass


def fail(message):
    raise BenchError(message)


# ---- the database -----------------------------------------------------------
def populate(path):
    """N tokens through pat_create and, row for row, in the hand-written
    table; returns their plaintexts and one more token of each kind that
    lacks DATA_FETCH."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(EXT)
    db.enable_load_extension(False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(http_server.HAND_TABLE)
    insert = ("INSERT INTO hand_tokens(digest, owner, name, valid_from, valid_to, rights,"
              " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    now = int(time.time())
    frm, to = now - 3600, now + 30 * 86400

    def make(i, rights, rights_json):
        owner, name = f"user{i % 1000}", f"token {i}"
        tok = db.execute("SELECT pat_create(?, ?, ?, ?, ?)",
                         (owner, name, rights, frm, to)).fetchone()[0]
        db.execute(insert, (http_server.hand_digest(tok), owner, name, frm, to, rights_json, now))
        return tok

    db.execute("BEGIN")
    tokens = [make(i, RIGHTS, RIGHTS_JSON) for i in range(N)]
    no_fetch = make(N, "PROJECT_FETCH", '["PROJECT_FETCH"]')
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return tokens, no_fetch


def app_connection(path):
    """A connection as the example server opens one for each request."""
    return http_server.server.connect(path, EXT)


def touch(path, pool):
    """Writes every pool token's last_used_at now, so that a timed run shorter
    than last_used_interval (60 s) does none of pat's bookkeeping writes: the
    pool is checked as the pat server checks it, with the interval set to 0
    for this pass only and put back as it was before any run."""
    db = app_connection(path)
    try:
        interval = db.execute("SELECT value FROM pat_settings WHERE key = 'last_used_interval'").fetchone()[0]
        db.execute("UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval'")
        try:
            for tok in pool:
                auth.authenticate(db, "Bearer " + tok, "DATA_FETCH")
        finally:
            db.execute("UPDATE pat_settings SET value = ? WHERE key = 'last_used_interval'", (interval,))
        return interval
    finally:
        db.close()


def checkpoint(path):
    """Every run starts on an empty WAL, whatever the runs and writes before it left."""
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            fail("PRAGMA wal_checkpoint(TRUNCATE) before a run was blocked by a reader")
    finally:
        db.close()


def last_used(path):
    """{token id: last_used_at}, to count the tokens whose last_used_at a run wrote."""
    db = app_connection(path)
    try:
        return dict(db.execute("SELECT id, last_used_at FROM pat_tokens WHERE last_used_at IS NOT NULL"))
    finally:
        db.close()


# ---- processes --------------------------------------------------------------
def die_with_parent():
    """In the child: SIGTERM when this script dies, even by SIGKILL."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    def __init__(self, check, mode, db_path):
        self.check = check
        self.log_path = os.path.join(WORK, f"server_{mode}_{check}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(ROOT, "bench", "http_server.py"), "--check", check, "--connection", mode,
             "--db", db_path, "--ext", EXT, "--host", "127.0.0.1", "--port", "0"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        self.port = None

    def wait_listening(self, seconds=10):
        """As tests/lib/example_server.sh: the port is in the line 'listening on ...'."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                m = re.search(r"^listening on http://127\.0\.0\.1:(\d+)$", f.read(), re.M)
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        fail(f"the {self.check} server did not start:\n{self.tail()}")

    def tail(self, lines=20):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def alive(self):
        if self.proc.poll() is not None:
            fail(f"the {self.check} server died (status {self.proc.returncode}):\n{self.tail()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # not SIGINT: a shell's background job ignores it
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def port_is_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


# ---- the checks before timing -----------------------------------------------
def get(port, authorization):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {} if authorization is None else {"Authorization": authorization}
        conn.request("GET", PATH, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def mangle(tok):
    """The same token with one character of its random part changed: a valid
    checksum no longer, so an unknown token to any check."""
    i = len(tok) - 10
    return tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1:]


def check_answers(servers, pool, no_fetch):
    bodies = {}
    for s in servers:
        status, body = get(s.port, "Bearer " + pool[0])
        if status != 200:
            fail(f"{s.check}: a pool token got {status}, not 200: {body[:200]!r}")
        bodies[s.check] = body
        refused = s.check != "none"
        for what, header, want in (("no token", None, 401), ("a mangled token", "Bearer " + mangle(pool[0]), 401),
                                   ("a token without DATA_FETCH", "Bearer " + no_fetch, 403)):
            want = want if refused else 200
            status, body = get(s.port, header)
            if status != want:
                fail(f"{s.check}: {what} got {status}, not {want}: {body[:200]!r}")
    if len(set(bodies.values())) != 1:
        fail(f"the three servers answer a pool token with different bodies: {bodies}")
    return json.loads(bodies["pat"])


def add_items(port, token):
    for i in range(ITEMS):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", PATH, body=json.dumps({"name": f"item {i}"}),
                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = conn.getresponse()
            body = r.read()
            if r.status != 201:
                fail(f"POST {PATH} got {r.status}, not 201: {body[:200]!r}")
        finally:
            conn.close()


# ---- wrk ----------------------------------------------------------------------
WRK_SCRIPT = """-- written by bench/http_bench.py: benchmark fixtures, removed after the run
local tokens = {%s}
local path = "%s"
local headers = {}
local id = 0

function setup(thread)
  id = id + 1
  thread:set("id", id)
end

function init(args)
  math.randomseed(%d + 7919 * (id or 0))
end

function request()
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%%d duration_us=%%d connect=%%d read=%%d write=%%d status=%%d timeout=%%d" ..
    " p50_us=%%d p90_us=%%d p99_us=%%d max_us=%%d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def write_wrk_script(pool, seed):
    path = os.path.join(WORK, "pool.lua")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(WRK_SCRIPT % (", ".join(f'"{t}"' for t in pool), PATH, seed))
    return path


def run_wrk(script, server, seconds, tag):
    server.alive()
    cmd = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", f"--timeout={TIMEOUT}s",
           "--latency", "-s", script, f"http://127.0.0.1:{server.port}{PATH}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60,
                          preexec_fn=die_with_parent)
    with open(os.path.join(WORK, f"wrk_{tag}.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0:
        fail(f"wrk failed (status {proc.returncode}) on {server.check}:\n{proc.stdout}{proc.stderr}")
    m = re.search(r"^WRK_RESULT (.*)$", proc.stdout, re.M)
    if not m:
        fail(f"wrk printed no result on {server.check}:\n{proc.stdout}{proc.stderr}")
    r = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    errors = {k: r[k] for k in ("connect", "read", "write", "status", "timeout") if r[k]}
    if errors or r["requests"] == 0:
        fail(f"wrk on {server.check} ({tag}): {r['requests']} requests, errors {errors}"
             f" (status: answers other than 2xx/3xx)\n{proc.stdout}\nserver log:\n{server.tail()}")
    server.alive()
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


# ---- the report ---------------------------------------------------------------
def ms(us):
    return f"{us / 1000:.2f} ms"


MODE_TITLES = {"request": "A new connection for each request (the example as it is)",
               "thread": "A connection kept by each server thread"}


def report_mode(mode, runs, writes):
    med = {v: {k: statistics.median(r[k] for r in runs[v]) for k in ("rps", "p50_us", "p99_us")}
           for v in VARIANTS}
    lines = [f"## {MODE_TITLES[mode]} (--connection {mode})", "",
             "| variant | requests/s | p50 | p99 | req/s ÷ no check | req/s ÷ hand-written"
             " | p99 ÷ no check | p99 ÷ hand-written |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for v in VARIANTS:
        m = med[v]
        lines.append(f"| {LABELS[v]} | {m['rps']:.0f} | {ms(m['p50_us'])} | {ms(m['p99_us'])}"
                     f" | {m['rps'] / med['none']['rps']:.2f} | {m['rps'] / med['hand']['rps']:.2f}"
                     f" | {m['p99_us'] / med['none']['p99_us']:.2f} | {m['p99_us'] / med['hand']['p99_us']:.2f} |")
    lines.append("")
    for v in ("pat", "hand"):
        added = (1 / med[v]["rps"] - 1 / med["none"]["rps"]) * 1e6
        lines.append(f"- {LABELS[v]}: {added:+.0f} µs of server time per request over no check"
                     f" ({added * med['none']['rps'] / 1e4:+.0f} % of a request without one)")
    lines.append(f"- last_used_at writes during the timed pat runs: {', '.join(map(str, writes))}"
                 " (0: checks only; every pool token's last_used_at is written just before each run)")
    lines += ["", "Each run (the figures above are their medians):", "",
              "| round | variant | requests | requests/s | p50 | p90 | p99 | max |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for rnd in range(ROUNDS):
        for v in VARIANTS:
            r = runs[v][rnd]
            lines.append(f"| {rnd + 1} | {v} | {r['requests']} | {r['rps']:.0f} | {ms(r['p50_us'])}"
                         f" | {ms(r['p90_us'])} | {ms(r['p99_us'])} | {ms(r['max_us'])} |")
    return lines


def bench_mode(mode, db_path, script, pool, no_fetch, servers):
    """The three variants under one kind of connection: (runs, writes)."""
    servers[:] = [Server(v, mode, db_path) for v in VARIANTS]
    for s in servers:
        s.wait_listening()
    by = {s.check: s for s in servers}
    if not pool.items_added:
        add_items(by["pat"].port, pool[0])
        pool.items_added = True
    listing = check_answers(servers, pool, no_fetch)
    if len(listing.get("items", [])) != ITEMS:
        fail(f"GET {PATH} lists {len(listing.get('items', []))} items, not {ITEMS}")
    print(f"http_bench: --connection {mode}: servers on ports"
          f" {', '.join(f'{s.check} {s.port}' for s in servers)}; answers checked", flush=True)
    if WARMUP:
        for v in VARIANTS:
            checkpoint(db_path)
            run_wrk(script, by[v], WARMUP, f"{mode}_warmup_{v}")
    runs = {v: [] for v in VARIANTS}
    writes = []
    for rnd in range(ROUNDS):
        order = VARIANTS[rnd % 3:] + VARIANTS[:rnd % 3]
        for v in order:
            if v == "pat":
                touch(db_path, pool)
                before = last_used(db_path)
            checkpoint(db_path)
            r = run_wrk(script, by[v], SECONDS, f"{mode}_{rnd + 1}_{v}")
            if v == "pat":
                after = last_used(db_path)
                writes.append(sum(1 for k, at in after.items() if before.get(k) != at))
            runs[v].append(r)
            print(f"http_bench: --connection {mode}, round {rnd + 1}/{ROUNDS}, {v}: {r['rps']:.0f} req/s,"
                  f" p50 {ms(r['p50_us'])}, p99 {ms(r['p99_us'])}", flush=True)
    stop_all(servers)
    return runs, writes


class Pool(list):
    items_added = False


def stop_all(servers):
    """Stops the servers and checks that their ports are free again."""
    ports = [s.port for s in servers if s.port]
    for s in servers:
        s.stop()
    servers.clear()
    busy = [p for p in ports if not port_is_free(p)]
    if busy:
        fail(f"ports still answering after the servers stopped: {busy}")


def main():
    if shutil.which(WRK) is None:
        fail(f"{WRK} is missing: `make bench-http` installs it (as root), or run apt-get install wrk")
    os.makedirs(WORK, exist_ok=True)
    for name in os.listdir(WORK):  # the last run's wrk output and logs
        if name.startswith(("wrk_", "server_")):
            os.unlink(os.path.join(WORK, name))
    rng = random.SystemRandom()
    db_path = os.path.join(WORK, "app.db")
    script = None
    servers = []
    try:
        t0 = time.monotonic()
        tokens, no_fetch = populate(db_path)
        pool = Pool(rng.sample(tokens, min(POOL, len(tokens))))
        script = write_wrk_script(pool, rng.randrange(1, 2 ** 31))
        print(f"http_bench: {N} tokens made in"
              f" {time.monotonic() - t0:.1f} s", flush=True)
        meta = (f"{N} tokens, a pool of {len(pool)}, GET {PATH} ({ITEMS} items);"
                f" wrk -t{THREADS} -c{CONNECTIONS}, keep-alive, {SECONDS} s per run,"
                f" {ROUNDS} round(s), medians; Python {sys.version.split()[0]},"
                f" SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs,"
                f" load average {os.getloadavg()[0]:.1f} at the start")
        sections = []
        for mode in MODES:
            runs, writes = bench_mode(mode, db_path, script, pool, no_fetch, servers)
            sections += [""] + report_mode(mode, runs, writes)
        out = "\n".join([f"# bench-http: {meta}"] + sections) + "\n"
        print()
        print(out, end="")
        with open(os.path.join(OUT, "http.md"), "w") as f:
            f.write(out)
    finally:
        try:
            stop_all(servers)
        finally:
            if script and os.path.exists(script):
                os.unlink(script)
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(db_path + suffix):
                    os.unlink(db_path + suffix)


def on_signal(signum, frame):
    raise SystemExit(f"http_bench: stopped by signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        main()
    except BenchError as e:
        print(f"http_bench: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
