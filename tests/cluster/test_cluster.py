#!/usr/bin/python3
"""pat on a three-node dqlite cluster, its leader killed again and again.

Run by `make test-cluster` (mk/cluster.mk), which first builds
dist/dqlite-node (examples/dqlite/node.c: a dqlite node with pat registered on
every connection) and dist/dqlite-join (examples/dqlite/join: adds a node as a
voter, waits for a leader, hands leadership over).

  1. Starts three nodes on 127.0.0.1 (free ports, temporary data directories)
     and joins nodes 2 and 3 to node 1's cluster as voters.
  2. Through the `dqlite` shell (go-dqlite), which sends every statement to the
     leader: mints tokens, verifies them (bare and as a Bearer header), checks
     every right they hold and one they do not, deletes one.
  3. CLUSTER_ROUNDS times (default 3): kills the leader with SIGKILL, each time
     a node that has not led before (leadership is handed to one first when
     the elected leader already was killed once), waits for a new leader and
     times it, then checks on the new leader that every token minted before
     stays valid with the same id, owner, name and rights, that every deleted
     token and every rotated-away value stays dead, and that minting,
     verifying, rotating and deleting work there. Each round also revokes a
     token by its value (pat_revoke) and rotates one with a grace of an hour:
     after the next kill, the revoked value stays dead (its revoke event and
     retired row replicated) and the old value in its grace still verifies
     with its token's rights, beside the new one. A token made with an
     allow-list works from inside it only, after every kill. Then restarts the killed
     node on its data directory, and waits until it follows the new leader
     (with three nodes, a second kill needs it back for a quorum).
  4. Stops every node it started (SIGTERM; each must exit 0), also when it
     fails or is interrupted; a node outlives the test in no case (its parent
     death signal is SIGKILL).

The last line is "cluster: N passed, M failed"; the figures (time to a new
leader after each kill, to the first mint committed, tokens checked) come
just before it. Node logs and data stay in the temporary directory when a
check fails, which is then printed.
"""
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NODE = os.path.join(ROOT, "dist", "dqlite-node")
JOIN = os.path.join(ROOT, "dist", "dqlite-join")
DQLITE = shutil.which("dqlite") or "/usr/bin/dqlite"
DB = "pat"                      # the replicated database's name
ROUNDS = int(os.environ.get("CLUSTER_ROUNDS", "3"))
LATENCY_MS = os.environ.get("CLUSTER_LATENCY_MS", "")   # empty: dqlite's defaults
# CLUSTER_KEY=1: every node gets the same server-side key (PAT_KEY, read by pat
# on each connection it is registered on), so the store is keyed.
KEY = os.urandom(32).hex() if os.environ.get("CLUSTER_KEY") else ""
SHELL_TIMEOUT = 30              # seconds for one `dqlite` shell command
LEADER_TIMEOUT = 60             # seconds to wait for a new leader

TOKEN_RE = re.compile(r"^pat_[A-Za-z0-9]{38}$")
CATALOG = ["USER_FETCH", "USER_CREATE", "USER_UPDATE", "USER_DELETE",
           "CONFIG_FETCH", "CONFIG_CREATE", "CONFIG_UPDATE",
           "PROJECT_FETCH", "PROJECT_CREATE", "PROJECT_UPDATE",
           "DATA_FETCH", "DATA_CREATE", "DATA_UPDATE", "DATA_DELETE",
           "MEDIA_FETCH", "MEDIA_CREATE", "MEDIA_UPDATE",
           "ROUTING_FETCH", "ROUTING_CREATE_UPDATE"]
# (owner as an SQL literal, name, rights as given, rights as stored)
SPECS = [
    ("'alice'", "ci pipeline", "DATA_FETCH, DATA_CREATE", ["DATA_CREATE", "DATA_FETCH"]),
    ("'bob'", "exporter", '["DATA_*"]',
     ["DATA_CREATE", "DATA_DELETE", "DATA_FETCH", "DATA_UPDATE"]),
    ("42", "reports", "PROJECT_FETCH, MEDIA_FETCH", ["MEDIA_FETCH", "PROJECT_FETCH"]),
    ("'carol'", "router", "ROUTING_*", ["ROUTING_CREATE_UPDATE", "ROUTING_FETCH"]),
    ("'dave'", "user admin", "USER_FETCH,CONFIG_FETCH,USER_UPDATE",
     ["CONFIG_FETCH", "USER_FETCH", "USER_UPDATE"]),
    ("'erin'", "media", "MEDIA_*", ["MEDIA_CREATE", "MEDIA_FETCH", "MEDIA_UPDATE"]),
]


class ShellError(Exception):
    pass


def elapsed(t0):
    return time.monotonic() - t0


# ---------------------------------------------------------------- reporting

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.token_checks = 0
        self.tokens_seen = set()

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failed += 1
            print(f"  FAIL  {what}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return ok


R = Report()


def say(text):
    print(text)
    sys.stdout.flush()


# ---------------------------------------------------------------- the nodes

def _die_with_parent():
    # The node gets SIGKILL if this script dies without its cleanup.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Node:
    def __init__(self, node_id, address, data_dir, log_path):
        self.id = node_id
        self.address = address
        self.dir = data_dir
        self.log_path = log_path
        self.proc = None
        self.starts = 0

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        args = [NODE, str(self.id), self.address, self.dir]
        if LATENCY_MS:
            args.append(LATENCY_MS)
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            log.flush()
            env = dict(os.environ)
            env.pop("PAT_KEY", None)
            if KEY:
                env["PAT_KEY"] = KEY
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=env,
                                         preexec_fn=_die_with_parent)
        self.starts += 1
        # Serving once the port answers.
        t0 = time.monotonic()
        while elapsed(t0) < 10:
            if self.proc.poll() is not None:
                raise ShellError(f"node {self.id} exited at start ({self.proc.returncode}):\n"
                                 + self.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", int(self.address.split(":")[1])),
                                              timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise ShellError(f"node {self.id} does not listen on {self.address}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL after timeout; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed after SIGTERM timed out"

    def log_tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Cluster:
    def __init__(self, base):
        self.base = base
        ports = free_ports(3)
        self.nodes = {}
        for i, port in enumerate(ports, 1):
            self.nodes[i] = Node(i, f"127.0.0.1:{port}", os.path.join(base, f"node{i}"),
                                 os.path.join(base, f"node{i}.log"))

    def addresses(self, only_alive=False):
        return ",".join(n.address for n in self.nodes.values()
                        if not only_alive or n.alive)

    def by_address(self, address):
        for n in self.nodes.values():
            if n.address == address:
                return n
        return None

    def stop_all(self):
        codes = {}
        for n in self.nodes.values():
            if n.alive:
                codes[n.id] = n.stop()
        return codes


def run(args, timeout=SHELL_TIMEOUT):
    try:
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ShellError(f"timed out after {timeout} s: {' '.join(args)}")
    if p.returncode != 0:
        raise ShellError(f"exit {p.returncode}: {' '.join(args)}\n{p.stderr.strip()}")
    return p.stdout.strip()


def sql(cluster, statement):
    """One statement through the dqlite shell, which finds the leader among
    the nodes and runs it there (a SELECT inside BEGIN ... COMMIT)."""
    assert ";" not in statement   # the shell splits its argument on ';'
    return run([DQLITE, "-s", cluster.addresses(), DB, statement])


def shell_leader(cluster):
    return run([DQLITE, "-s", cluster.addresses(), DB, ".leader"])


def wait_leader(cluster, not_address=""):
    args = [JOIN, "-leader", "-timeout", f"{LEADER_TIMEOUT}s"]
    if not_address:
        args += ["-not", not_address]
    out = run(args + [cluster.addresses(only_alive=True)], timeout=LEADER_TIMEOUT + 5)
    node_id, address, _ms = out.split()
    return cluster.nodes[int(node_id)]


def follows(node):
    """The id of the leader the node follows, 0 while it knows none."""
    try:
        node_id, _address = run([JOIN, "-ask", node.address], timeout=10).split()
        return int(node_id)
    except (ShellError, ValueError):
        return 0


# ---------------------------------------------------------------- the tokens

class Token:
    def __init__(self, value, token_id, owner, name, rights, minted_on):
        self.value = value
        self.id = token_id
        self.owner = owner
        self.name = name
        self.rights = rights
        self.minted_on = minted_on
        self.deleted = False
        self.revoked = None         # the reason, when pat_revoke cut it off
        self.retired = []           # values replaced by pat_rotate
        self.grace_value = None     # the old value, in its rotation grace
        self.allowed = None         # its allow-list (one block), when it has one

    def row(self):
        return f"{self.owner}|{self.name}|{json.dumps(self.rights, separators=(',', ':'))}"


class Store:
    def __init__(self, cluster):
        self.c = cluster
        self.tokens = []
        self.minted = 0
        self.rotations = 0
        self.seq = 0

    def live(self):
        return [t for t in self.tokens if not t.deleted]

    def digests_held(self):
        """The digests in the tokens' table: each live token's, and the old
        value's of each in a rotation grace (prev_digest)."""
        return sum(1 + (t.grace_value is not None) for t in self.live())

    def mint(self, leader, label):
        owner_sql, name, rights_arg, rights = SPECS[self.seq % len(SPECS)]
        self.seq += 1
        name = f"{name} {label}"
        value = sql(self.c, f"SELECT pat_create({owner_sql}, '{name}', '{rights_arg}')")
        token_id = sql(self.c, f"SELECT pat_verify('{value}')")
        ok = R.check(bool(TOKEN_RE.match(value)) and token_id.isdigit(),
                     f"minted token {token_id} on node {leader.id}: owner {owner_sql.strip(chr(39))},"
                     f" rights {','.join(rights)}", f"token {value!r}, pat_verify {token_id!r}")
        if not ok:
            raise ShellError("pat_create gave no usable token")
        t = Token(value, int(token_id), owner_sql.strip("'"), name, rights, leader.id)
        self.tokens.append(t)
        self.minted += 1
        return t

    def mint_listed(self, leader):
        """A token that works only from 10.40.0.0/16 (README, Client
        context): its list is in the row and its index entry, so it
        replicates as they do."""
        value = sql(self.c, "SELECT pat_create('ci', 'listed', 'DATA_FETCH', NULL, NULL,"
                            " '{\"allowed_ips\": [\"10.40.0.0/16\"]}')")
        token_id = sql(self.c, f"SELECT pat_verify('{value}', NULL, '10.40.1.2')")
        R.check(bool(TOKEN_RE.match(value)) and token_id.isdigit(),
                f"minted token {token_id} with an allow-list on node {leader.id}",
                f"token {value!r}, pat_verify {token_id!r}")
        t = Token(value, int(token_id), "ci", "listed", ["DATA_FETCH"], leader.id)
        t.allowed = "10.40.0.0/16"
        self.tokens.append(t)
        self.minted += 1
        return t

    def check_listed(self, t, why):
        got = sql(self.c, f"SELECT pat_verify('{t.value}', NULL, '10.40.1.2'),"
                          f" pat_has_right('{t.value}', 'DATA_FETCH', NULL, '::ffff:10.40.9.9'),"
                          f" pat_verify('{t.value}', NULL, '192.0.2.1'), pat_verify('{t.value}'),"
                          f" (SELECT allowed_ips || last_used_ips FROM pat_tokens WHERE id = {t.id})")
        want = f'{t.id}|1|<nil>|<nil>|["{t.allowed}"][]'
        R.token_checks += 1
        R.tokens_seen.add(t.value)
        return R.check(got == want, f"token {t.id} ({why}): works from inside its allow-list"
                       f" only, and records no address under dqlite's VFS",
                       f"got {got!r}, want {want!r}")

    def check_live(self, t, why):
        not_held = next(r for r in CATALOG if r not in t.rights)
        cols = [f"pat_verify('{t.value}')", f"pat_verify('Bearer {t.value}')"]
        cols += [f"pat_has_right('{t.value}', '{r}')" for r in t.rights]
        cols += [f"pat_has_right('{t.value}', '{not_held}')",
                 f"(SELECT owner || '|' || name || '|' || rights FROM pat_tokens WHERE id = {t.id})"]
        got = sql(self.c, "SELECT " + ", ".join(cols))
        want = "|".join([str(t.id), str(t.id)] + ["1"] * len(t.rights) + ["0", t.row()])
        R.token_checks += 1
        R.tokens_seen.add(t.value)
        return R.check(got == want, f"token {t.id} ({why}): verifies as {t.id}, holds"
                       f" {len(t.rights)} rights, not {not_held}, row unchanged",
                       f"got {got!r}, want {want!r}")

    def check_dead(self, value, t, why):
        right = t.rights[0]
        got = sql(self.c, f"SELECT pat_verify('{value}'), pat_verify('Bearer {value}'),"
                          f" pat_has_right('{value}', '{right}'),"
                          f" (SELECT count(*) FROM pat_tokens WHERE id = {t.id})")
        want = f"<nil>|<nil>|0|{0 if t.deleted else 1}"
        R.token_checks += 1
        R.tokens_seen.add(value)
        return R.check(got == want, f"token {t.id} ({why}): stays dead", f"got {got!r}, want {want!r}")

    def check_grace(self, t, why):
        """The old value in its grace is the token, with its rights. Checked
        before the new value: under dqlite's VFS pat can not write the early
        end of the grace that the new value's first use brings, and the
        connection that saw it refuses the old value for itself (README,
        Rotation grace); each shell call is a connection of its own."""
        right = t.rights[0]
        got = sql(self.c, f"SELECT pat_verify('{t.grace_value}'), pat_has_right('Bearer {t.grace_value}',"
                          f" '{right}'), (SELECT prev_until > unixepoch() FROM pat_store_tokens WHERE id = {t.id})")
        want = f"{t.id}|1|1"
        R.token_checks += 1
        R.tokens_seen.add(t.grace_value)
        return R.check(got == want, f"token {t.id} ({why}): its old value, in its grace, verifies"
                       f" as {t.id} with {right}", f"got {got!r}, want {want!r}")

    def check_token(self, t, why):
        if t.deleted:
            self.check_dead(t.value, t, f"{'revoked' if t.revoked else 'deleted'}, {why}")
        else:
            if t.grace_value is not None:
                self.check_grace(t, why)
            if t.allowed is not None:
                self.check_listed(t, why)
            else:
                self.check_live(t, why)
        for old in t.retired:
            self.check_dead(old, t, f"rotated-away value, {why}")

    def check_all(self, why):
        for t in self.tokens:
            self.check_token(t, why)
        self.check_store(why)

    def check_store(self, why):
        ids = sql(self.c, "SELECT id FROM pat_tokens ORDER BY id").split()
        want = [str(t.id) for t in self.tokens if not t.deleted]
        R.check(ids == want, f"pat_tokens lists exactly the {len(want)} live tokens ({why})",
                f"got {ids}, want {want}")
        deleted = sum(1 for t in self.tokens if t.deleted and not t.revoked)
        revoked = [t for t in self.tokens if t.revoked]
        got = sql(self.c, "SELECT (SELECT count(*) FROM pat_events WHERE event = 'create'),"
                          " (SELECT count(*) FROM pat_events WHERE event = 'rotate'),"
                          " (SELECT count(*) FROM pat_events WHERE event = 'delete')")
        want_ev = f"{self.minted}|{self.rotations}|{deleted}"
        R.check(got == want_ev, f"pat_events: {self.minted} create, {self.rotations} rotate,"
                f" {deleted} delete ({why})", f"got {got!r}, want {want_ev!r}")
        # Each revoked token: its revoke event with the reason, its value
        # remembered as revoked (pat_retired), whichever node wrote them.
        got = sql(self.c, "SELECT (SELECT group_concat(token_id || ':' || detail, ',') FROM"
                          " (SELECT token_id, detail FROM pat_events WHERE event = 'revoke' ORDER BY token_id)),"
                          " (SELECT group_concat(token_id, ',') FROM (SELECT token_id FROM pat_retired"
                          " WHERE why = 'revoked' ORDER BY token_id))")
        want_rv = (",".join(f"{t.id}:{t.revoked}" for t in revoked) + "|"
                   + ",".join(str(t.id) for t in revoked)) if revoked else "<nil>|<nil>"
        R.check(got == want_rv, f"{len(revoked)} revoke events with their reasons, and as many"
                f" revoked values in pat_retired ({why})", f"got {got!r}, want {want_rv!r}")
        # README, Bookkeeping: under dqlite's VFS pat writes no last_used_at.
        used = sql(self.c, "SELECT count(*) FROM pat_tokens WHERE last_used_at IS NOT NULL")
        R.check(used == "0", f"no last_used_at written under dqlite's VFS ({why})",
                f"{used} rows have one")

    def delete(self, t, leader):
        sql(self.c, f"DELETE FROM pat_tokens WHERE id = {t.id}")
        t.deleted = True
        self.check_dead(t.value, t, f"deleted on node {leader.id}")

    def rotate(self, t, leader, grace=None):
        new = sql(self.c, f"SELECT pat_rotate({t.id}" + (f", NULL, {grace})" if grace else ")"))
        R.check(bool(TOKEN_RE.match(new)) and new != t.value,
                f"rotated token {t.id} on node {leader.id}"
                + (f", with a grace of {grace} s" if grace else ""), f"got {new!r}")
        self.rotations += 1
        if t.grace_value is not None:   # a new rotation ends the last one's grace
            t.retired.append(t.grace_value)
            t.grace_value = None
        if grace:
            t.grace_value = t.value
        else:
            t.retired.append(t.value)
        t.value = new
        if grace:
            self.check_grace(t, f"rotated on node {leader.id}")
        self.check_live(t, f"rotated on node {leader.id}")
        for old in t.retired:
            self.check_dead(old, t, f"old value after rotation on node {leader.id}")

    def revoke(self, t, leader, reason):
        """pat_revoke by the value, sent as a leak report would have it: a
        whole Authorization value and something that is no token."""
        got = sql(self.c, f"SELECT pat_revoke('[\"Bearer {t.value}\", \"pat_not_a_token\"]', '{reason}')")
        R.check(got == "1", f"revoked token {t.id} by its value on node {leader.id}", f"got {got!r}")
        t.deleted = True
        t.revoked = reason
        self.check_dead(t.value, t, f"revoked on node {leader.id}")


# ------------------------------------------------- the same pages everywhere

def dump_store(cluster, node):
    """The database as the node itself holds it (the dqlite shell's .dump asks
    that node, leader or follower), read back as rows of every table, pat's
    own store tables (token digests included) among them."""
    where = os.path.join(cluster.base, f"dump{node.id}")
    shutil.rmtree(where, ignore_errors=True)
    os.makedirs(where)
    try:
        p = subprocess.run([DQLITE, "-s", node.address, DB, f".dump {node.address} {DB}"],
                           cwd=where, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=SHELL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0 or not os.path.exists(os.path.join(where, DB)):
        return None
    db = sqlite3.connect(os.path.join(where, DB))
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        # Some are WITHOUT ROWID: rows in a fixed order of their own.
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in tables}
    finally:
        db.close()


def digests(store):
    """32-byte BLOBs in the tokens' table: the digests, whatever the column."""
    for table, rows in store.items():
        if "token" not in table:
            continue
        for row in rows:
            for v in row:
                if isinstance(v, bytes) and len(v) == 32:
                    yield table, v


def check_same_pages(cluster, why, held):
    """Followers apply a commit on the leader's next message: wait (10 s at
    most) until the three nodes' copies hold the same rows, byte for byte."""
    t0 = time.monotonic()
    while True:
        stores = {n.id: dump_store(cluster, n) for n in cluster.nodes.values()}
        first = stores[1]
        same = first is not None and all(st == first for st in stores.values())
        if same or elapsed(t0) > 10:
            break
        time.sleep(0.2)
    found = sorted({d for _t, d in digests(first)}) if first else []
    ok = same and len(found) == held
    R.check(ok, f"all three nodes hold the same store, row for row, with"
            f" the same {len(found)} token digests ({why})",
            "copies differ: " + ", ".join(f"node {i}: " + ("no dump" if st is None else
                                          f"{sum(len(r) for r in st.values())} rows")
                                          for i, st in stores.items())
            if not same else f"{len(found)} digests, want {held}")


# ---------------------------------------------------------------- the test

def one_sqlite(node):
    """One libsqlite3 in the node, at link time and at run time."""
    ldd = run(["ldd", NODE])
    linked = [line.split()[0] for line in ldd.splitlines() if "libsqlite3" in line]
    with open(f"/proc/{node.proc.pid}/maps") as f:
        mapped = {line.split()[-1] for line in f if "libsqlite3" in line}
    R.check(len(linked) == 1 and len(mapped) == 1,
            f"node {node.id} has one SQLite: {linked[0] if linked else '?'}"
            f" ({', '.join(sorted(mapped))})", f"linked {linked}, mapped {sorted(mapped)}")


def start_cluster(c):
    say(f"cluster: 3 nodes, data in {c.base}"
        + (f", network latency {LATENCY_MS} ms" if LATENCY_MS else ", dqlite's default timers")
        + (", the same PAT_KEY on every node" if KEY else ", no server-side key"))
    for n in c.nodes.values():
        n.start()
        say(f"  started node {n.id} on {n.address} (pid {n.proc.pid})")
    for n in c.nodes.values():
        one_sqlite(n)
    first = c.nodes[1].address
    for i in (2, 3):
        n = c.nodes[i]
        out = run([JOIN, first, str(n.id), n.address], timeout=60)
        say(f"  {out}")
    members = run([DQLITE, "-s", c.addresses(), DB, ".cluster"]).splitlines()
    R.check(len(members) == 3 and all(m.endswith("|voter") for m in members),
            f"one cluster of three voters: {', '.join(m.split('|')[1] for m in members)}",
            f"{members}")


def main():
    t_start = time.monotonic()
    base = tempfile.mkdtemp(prefix="pat-cluster-")
    c = Cluster(base)
    store = Store(c)
    failovers = []              # (victim, new leader, seconds to leader, to first mint)
    killed = set()
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    try:
        start_cluster(c)
        leader = wait_leader(c)
        say(f"\nround 0: leader is node {leader.id} ({leader.address})")
        version = sql(c, "SELECT pat_version()")
        want_version = open(os.path.join(ROOT, "VERSION")).read().strip()
        R.check(version == want_version, f"pat {version} answers through dqlite",
                f"want {want_version}")
        debug = sql(c, "SELECT pat_debug()").splitlines()
        want_key = "key set" if KEY else "key none"
        R.check(want_key in debug and "linkage static (SQLITE_CORE)" in debug,
                f"pat_debug() on the leader: linkage static (SQLITE_CORE), {want_key}",
                f"{debug}")
        for _ in range(4):
            store.mint(leader, "r0")
        for t in store.tokens:
            store.check_live(t, f"minted on node {leader.id}")
        store.check_listed(store.mint_listed(leader), f"minted on node {leader.id}")
        store.delete(store.tokens[1], leader)
        store.check_store("before any kill")
        check_same_pages(c, "before any kill", store.digests_held())

        for rnd in range(1, ROUNDS + 1):
            # Each kill takes a node that has not led before, while there is one.
            if leader.id in killed:
                fresh = [n for n in c.nodes.values() if n.id not in killed and n.alive]
                if fresh:
                    target = min(fresh, key=lambda n: n.starts)
                    t0 = time.monotonic()
                    run([JOIN, "-transfer", str(target.id), "-timeout", "30s", c.addresses()],
                        timeout=40)
                    leader = target
                    say(f"  (node {leader.id} has not led yet: leadership handed to it"
                        f" in {elapsed(t0):.2f} s)")
            victim = leader
            say(f"\nround {rnd}: SIGKILL to leader node {victim.id} ({victim.address},"
                f" pid {victim.proc.pid})")
            t0 = time.monotonic()
            victim.kill()
            killed.add(victim.id)
            leader = wait_leader(c, not_address=victim.address)
            t_leader = elapsed(t0)
            say(f"  leader: node {victim.id} -> node {leader.id} ({leader.address}),"
                f" elected {t_leader:.2f} s after the kill")
            seen = shell_leader(c)
            R.check(seen == leader.address and leader.id != victim.id,
                    f"the dqlite shell's .leader names node {leader.id}", f"got {seen!r}")
            first = store.mint(leader, f"r{rnd}")
            t_mint = elapsed(t0)
            say(f"  first mint committed {t_mint:.2f} s after the kill")
            failovers.append((victim.id, leader.id, t_leader, t_mint))

            for t in store.tokens:
                if t is not first:
                    store.check_token(t, f"before kill {rnd}, read on node {leader.id}")
            store.check_live(first, f"minted on new leader node {leader.id}")
            second = store.mint(leader, f"r{rnd}")
            store.check_live(second, f"minted on new leader node {leader.id}")
            # Tokens minted before this kill: delete the oldest, revoke the
            # next by its value, rotate the newest; the newest of all gets a
            # new value with a grace that outlives the next kill.
            # (The token with an allow-list stays as it is: it is checked
            # after every kill.)
            old_live = [t for t in store.live()
                        if t not in (first, second) and t.allowed is None]
            store.delete(old_live[0], leader)
            store.revoke(old_live[1], leader, f"leaked in round {rnd}")
            store.rotate(old_live[-1], leader)
            store.rotate(second, leader, grace=3600)
            store.check_store(f"after kill {rnd}")

            victim.start()
            t1 = time.monotonic()
            while follows(victim) != leader.id:
                if elapsed(t1) > 30:
                    raise ShellError(f"node {victim.id} does not follow node {leader.id}")
                time.sleep(0.05)
            say(f"  restarted node {victim.id} on its data directory: it follows node"
                f" {leader.id} after {elapsed(t1):.2f} s")
            check_same_pages(c, f"node {victim.id} back", store.digests_held())

        # The whole cluster back: every token once more, on whoever leads.
        leader = wait_leader(c)
        say(f"\nafter {ROUNDS} kills: all three nodes up, leader node {leader.id}")
        store.check_all("final")
        leaders = {f[0] for f in failovers}
        R.check(len(failovers) == ROUNDS and
                len(leaders) == min(ROUNDS, 3) and
                all(f[0] != f[1] for f in failovers),
                f"{ROUNDS} kills, each of a different leader: nodes "
                + ", ".join(str(f[0]) for f in failovers),
                f"{failovers}")
    except Exception as e:  # noqa: BLE001 - any surprise is a failed check, then cleanup
        R.check(False, "the cluster answered", f"{type(e).__name__}: {e}")
        for n in c.nodes.values():
            say(f"--- node {n.id} log ({n.log_path}), last lines:\n{n.log_tail()}")
    except KeyboardInterrupt:
        R.check(False, f"run interrupted by signal {interrupted[0] if interrupted else '?'}")
    finally:
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        codes = c.stop_all()
        for node_id, code in sorted(codes.items()):
            R.check(code == 0, f"node {node_id} stopped on SIGTERM, exit 0", f"exit {code}")
        left = [n.id for n in c.nodes.values() if n.alive]
        R.check(not left, "no node left running", f"still running: {left}")

    say("\nfigures:")
    for i, (victim, new, t_leader, t_mint) in enumerate(failovers, 1):
        say(f"  kill {i}: node {victim} -> node {new}: new leader in {t_leader:.2f} s,"
            f" first mint committed in {t_mint:.2f} s")
    if failovers:
        times = [f[2] for f in failovers]
        say(f"  time to a new leader: min {min(times):.2f} s, mean"
            f" {sum(times) / len(times):.2f} s, max {max(times):.2f} s")
    say(f"  tokens: {store.minted} minted, {sum(1 for t in store.tokens if t.deleted and not t.revoked)}"
        f" deleted, {sum(1 for t in store.tokens if t.revoked)} revoked by value,"
        f" {store.rotations} rotations; {len(R.tokens_seen)} token"
        f" values checked {R.token_checks} times in all")
    say(f"  timers: {'network latency ' + LATENCY_MS + ' ms' if LATENCY_MS else 'dqlite defaults'};"
        f" key: {'the same PAT_KEY on every node' if KEY else 'none'}; runtime {elapsed(t_start):.1f} s")
    if R.failed:
        say(f"  node logs and data kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    say(f"cluster: {R.passed} passed, {R.failed} failed")
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
