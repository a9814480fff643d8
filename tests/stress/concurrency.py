#!/usr/bin/python3
"""Concurrency stress test of pat (issue 5, item 4).

Several processes share one WAL database for a bounded time: workers create,
verify, update (name, window, rights), rotate and delete tokens; checkers
verify tokens the workers made (live and dead ones, and unknown ones). Every
connection has a busy timeout of 10 s (timeout=10).

Each worker owns its tokens (no other process changes them), so the changes
to one token happen one after another. It logs every operation to its own
JSON-lines file with the monotonic time taken just before the call (t0) and
just after it returned, that is after its COMMIT (t1): the commit happened
somewhere in [t0, t1]. Checkers read those logs as they grow, verify known
tokens and record (t0, t1, result).

Checked during the run:
  - a checker's verify of a token whose deletion or rotation had already been
    logged (committed) before the check began answers NULL / 0;
  - a worker's verify of its own token answers exactly what it knows;
  - pat_verify / pat_has_right never raise (SQLITE_BUSY or anything else);
  - a write that failed left its token unchanged (read back at once);
  - PRAGMA integrity_check is 'ok' (every few seconds, in a checker).
Checked afterwards:
  - every check's answer is one the token could have had at some instant of
    the check: a token verifies from the commit of its creation until the
    commit of its deletion or rotation and never after (its window and rights
    as updated); only an answer that contradicts every state the token could
    have been in during [t0, t1] is a violation;
  - no event is lost and none is made up: per token, the create / update /
    rotate / delete events in pat_events are exactly the committed operations,
    in order; event ids follow the commit order;
  - counts: created, deleted and remaining tokens agree with pat_tokens, and
    every remaining row holds what its worker last wrote;
  - PRAGMA integrity_check is 'ok'.
Before that, a short cold-start race: processes all make their first token on
a new WAL file with no store yet, so they race to create it.

last_used_interval is 0, so every check without `at` tries its best-effort
last_used_at write (skipped under contention: not an error).

Writes that fail (pat_create, pat_rotate, UPDATE, DELETE answering an error
such as 'database is locked' although the busy timeout was not used up) are
not among the properties above: they are reported as a FINDING with their
count and how long they took; STRESS_STRICT_WRITES=0 makes them findings only (default 1: violations).

Environment: STRESS_SECONDS (default 20), STRESS_WORKERS (4),
STRESS_CHECKERS (2), STRESS_AUDIT (changes; or all), STRESS_SEED,
STRESS_STRICT_WRITES (1), STRESS_KEEP=1 keeps the temporary directory (it
holds token values).
Exit status 1 on any violation. Last line: "concurrency: N passed, M failed".
"""
import calendar
import collections
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import mono, now_unix  # noqa: E402

BUSY_TIMEOUT = 10.0
NS = 1_000_000_000


def pat_time(text):
    """'YYYY-MM-DD HH:MM:SS' (UTC) as unix seconds."""
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


def window(kind, rng):
    """A window well away from now: 'current' (valid), 'past', 'future'."""
    now = now_unix()
    if kind == "current":
        return now - rng.randint(60, 3600), now + rng.randint(3600, 30 * 86400)
    if kind == "past":
        to = now - rng.randint(3600, 7200)
        return to - rng.randint(60, 86400), to
    frm = now + rng.randint(3600, 86400)
    return frm, frm + rng.randint(60, 86400)


def pick_rights(rng, other=None):
    while True:
        r = sorted(rng.sample(common.RIGHT_POOL, rng.randint(1, 3)))
        if r != other:
            return r


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1, encoding="utf-8")

    def write(self, **rec):
        self.f.write(common.jdump(rec) + "\n")


def is_busy(e):
    return "locked" in str(e) or "busy" in str(e).lower()


# =================================================================== worker

class Worker:
    def __init__(self, args):
        self.wid = args["wid"]
        self.rng = random.Random(args["seed"])
        self.conn = common.connect(args["db"], timeout=BUSY_TIMEOUT)
        self.log = Log(args["log"])
        self.live = {}          # token id -> dict(tok, name, frm, to, rights, kind)
        self.dead = collections.deque(maxlen=50)   # dead token values
        self.n = 0
        self.cold = args.get("cold", False)

    def rec(self, **kw):
        self.n += 1
        self.log.write(w=self.wid, n=self.n, **kw)

    def violation(self, what):
        self.rec(op="violation", what="worker %d: %s" % (self.wid, what))

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def row(self, tid):
        r = self.one("SELECT name, valid_from, valid_to, rights FROM pat_tokens"
                     " WHERE id = ?", (tid,))
        if r is None:
            return None
        return {"name": r[0], "frm": pat_time(r[1]), "to": pat_time(r[2]),
                "rights": json.loads(r[3])}

    def unchanged(self, op, t):
        """After a failed write: the token must be as it was."""
        try:
            r = self.row(t["id"])
        except sqlite3.Error as e:
            self.violation("read-back after failed %s raised %s" % (op, e))
            return
        want = {k: t[k] for k in ("name", "frm", "to", "rights")}
        if r != want:
            self.violation("failed %s of token %d changed it anyway: %r -> %r"
                           % (op, t["id"], want, r))
        if op == "rotate":
            got = self.one("SELECT pat_verify(?, ?)", (t["tok"], t["frm"]))[0]
            if got != t["id"]:
                self.violation("failed rotate of token %d: the old value no longer"
                               " verifies (%r)" % (t["id"], got))

    # -- operations
    def create(self):
        kind = self.rng.choices(["current", "past", "future"], [8, 1, 1])[0]
        frm, to = window(kind, self.rng)
        rights = pick_rights(self.rng)
        name = "w%d-%d" % (self.wid, self.n)
        spell = ", ".join(rights) if self.rng.random() < 0.5 else json.dumps(rights)
        t0 = mono()
        try:
            tok = self.one("SELECT pat_create(?, ?, ?, ?, ?)",
                           ("w%d" % self.wid, name, spell, frm, to))[0]
            t1 = mono()
        except sqlite3.Error as e:
            t1 = mono()
            self.rec(op="create", ok=False, t0=t0, t1=t1, err=str(e),
                     ms=(t1 - t0) / 1e6)
            return
        tid = self.one("SELECT pat_verify(?, ?)", (tok, frm))[0]
        if not isinstance(tid, int):
            self.violation("new token does not verify at its valid_from: %r" % tid)
            self.rec(op="create", ok=True, t0=t0, t1=t1, tok=tok, id=None,
                     valid=False, rights=rights)
            return
        t = {"tok": tok, "id": tid, "name": name, "frm": frm, "to": to,
             "rights": rights, "kind": kind}
        self.live[tid] = t
        self.rec(op="create", ok=True, t0=t0, t1=t1, tok=tok, id=tid, name=name,
                 frm=frm, to=to, valid=kind == "current", rights=rights)

    def verify(self):
        if self.dead and self.rng.random() < 0.15:
            tok, t, want = self.rng.choice(self.dead), None, None
        else:
            t = self.live[self.rng.choice(list(self.live))]
            tok = t["tok"]
            want = t["id"] if t["kind"] == "current" else None
        right = self.rng.choice(common.RIGHT_POOL)
        has = self.rng.random() < 0.3
        t0 = mono()
        try:
            if has:
                got = self.one("SELECT pat_has_right(?, ?)", (tok, right))[0]
                want = int(t is not None and t["kind"] == "current"
                           and right in t["rights"])
            else:
                got = self.one("SELECT pat_verify(?)", (tok,))[0]
        except sqlite3.Error as e:
            self.rec(op="verify", ok=False, t0=t0, t1=mono(), err=str(e))
            self.violation("%s raised %s" % ("pat_has_right" if has else "pat_verify", e))
            return
        self.rec(op="verify", ok=True, t0=t0, t1=mono(), has=has, got=got, want=want)
        if got != want:
            self.violation("own %s token (id %s): %s gave %r, expected %r"
                           % ("dead" if t is None else t["kind"],
                              t and t["id"], "pat_has_right(%s)" % right if has
                              else "pat_verify", got, want))

    def update(self):
        t = self.live[self.rng.choice(list(self.live))]
        what = self.rng.choices(["name", "window", "rights", "name+rights"],
                                [3, 3, 3, 1])[0]
        sets, params, new = [], [], dict(t)
        if "name" in what:
            new["name"] = "w%d-%d-renamed" % (self.wid, self.n)
            sets.append("name = ?")
            params.append(new["name"])
        if what == "window":
            kind = self.rng.choices(["current", "past", "future"], [6, 2, 2])[0]
            while True:
                frm, to = window(kind, self.rng)
                if (frm, to) != (t["frm"], t["to"]):
                    break
            new.update(frm=frm, to=to, kind=kind)
            sets.append("valid_from = ?, valid_to = ?")
            params += [frm, to]
        if "rights" in what:
            new["rights"] = pick_rights(self.rng, t["rights"])
            sets.append("rights = ?")
            params.append(", ".join(new["rights"]))
        t0 = mono()
        try:
            cur = self.conn.execute("UPDATE pat_tokens SET %s WHERE id = ?"
                                    % ", ".join(sets), params + [t["id"]])
            t1 = mono()
        except sqlite3.Error as e:
            t1 = mono()
            self.rec(op="update", what=what, ok=False, t0=t0, t1=t1, err=str(e),
                     id=t["id"], ms=(t1 - t0) / 1e6)
            self.unchanged("update", t)
            return
        if cur.rowcount != 1:
            self.violation("UPDATE of token %d: rowcount %d" % (t["id"], cur.rowcount))
        self.live[t["id"]] = new
        self.rec(op="update", what=what, ok=True, t0=t0, t1=t1, tok=t["tok"],
                 id=t["id"], name=new["name"], frm=new["frm"], to=new["to"],
                 valid=new["kind"] == "current", rights=new["rights"])

    def rotate(self):
        t = self.live[self.rng.choice(list(self.live))]
        with_to = self.rng.random() < 0.5
        t0 = mono()
        try:
            if with_to:
                to = max(now_unix(), t["frm"]) + self.rng.randint(3600, 30 * 86400)
                new_tok = self.one("SELECT pat_rotate(?, ?)", (t["id"], to))[0]
            else:
                new_tok = self.one("SELECT pat_rotate(?)", (t["id"],))[0]
            t1 = mono()
        except sqlite3.Error as e:
            t1 = mono()
            self.rec(op="rotate", ok=False, t0=t0, t1=t1, err=str(e), id=t["id"],
                     ms=(t1 - t0) / 1e6)
            self.unchanged("rotate", t)
            return
        new = dict(t, tok=new_tok)
        if with_to:
            r = self.row(t["id"])
            new.update(frm=r["frm"], to=r["to"])
            if t["kind"] != "future":
                new["kind"] = "current"
        self.live[t["id"]] = new
        self.dead.append(t["tok"])
        self.rec(op="rotate", ok=True, t0=t0, t1=t1, tok=t["tok"], new=new_tok,
                 id=t["id"], name=new["name"], frm=new["frm"], to=new["to"],
                 valid=new["kind"] == "current", rights=new["rights"])

    def delete(self):
        t = self.live[self.rng.choice(list(self.live))]
        t0 = mono()
        try:
            cur = self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (t["id"],))
            t1 = mono()
        except sqlite3.Error as e:
            t1 = mono()
            self.rec(op="delete", ok=False, t0=t0, t1=t1, err=str(e), id=t["id"],
                     ms=(t1 - t0) / 1e6)
            self.unchanged("delete", t)
            return
        if cur.rowcount != 1:
            self.violation("DELETE of token %d: rowcount %d" % (t["id"], cur.rowcount))
        del self.live[t["id"]]
        self.dead.append(t["tok"])
        self.rec(op="delete", ok=True, t0=t0, t1=t1, tok=t["tok"], id=t["id"])

    def run(self, start_ns, stop_ns, max_ops=None):
        while mono() < start_ns:
            time.sleep(0.001)
        ops = 0
        while mono() < stop_ns and (max_ops is None or ops < max_ops):
            ops += 1
            n = len(self.live)
            if self.cold or n < 4:
                self.create()
                continue
            op = self.rng.choices(
                ["create", "verify", "update", "rotate", "delete"],
                [25 if n < 40 else 5, 30, 25, 10, 10 if n < 40 else 30])[0]
            getattr(self, op)()
        self.rec(op="end", live=sorted(self.live))


# ================================================================== checker

class TokenKnowledge:
    """What a checker has read of the worker logs so far."""

    def __init__(self, paths):
        self.paths = paths
        self.pos = {p: 0 for p in paths}
        self.partial = {p: b"" for p in paths}
        self.dead_at = {}       # token -> t1 of its deletion / rotation
        self.live = {}          # token -> id
        self.live_list = []
        self.dead_list = []

    def refresh(self):
        for p in self.paths:
            try:
                with open(p, "rb") as f:
                    f.seek(self.pos[p])
                    data = f.read()
            except FileNotFoundError:
                continue
            self.pos[p] += len(data)
            data = self.partial[p] + data
            lines = data.split(b"\n")
            self.partial[p] = lines.pop()
            for line in lines:
                r = json.loads(line)
                if not r.get("ok") or r.get("tok") is None:
                    continue
                if r["op"] == "create" and r.get("id"):
                    self.live[r["tok"]] = r["id"]
                    self.live_list.append(r["tok"])
                elif r["op"] in ("rotate", "delete"):
                    self.dead_at[r["tok"]] = r["t1"]
                    self.live.pop(r["tok"], None)
                    self.dead_list.append(r["tok"])
                    if r["op"] == "rotate":
                        self.live[r["new"]] = r["id"]
                        self.live_list.append(r["new"])
        if len(self.live_list) > 4 * len(self.live) + 100:
            self.live_list = [t for t in self.live_list if t in self.live]


def checker(args):
    cid = args["cid"]
    rng = random.Random(args["seed"])
    conn = common.connect(args["db"], timeout=BUSY_TIMEOUT)
    log = Log(args["log"])
    k = TokenKnowledge(args["worker_logs"])
    n = 0
    last_integrity = 0
    while mono() < args["start"]:
        time.sleep(0.001)

    def obs(**kw):
        log.write(c=cid, **kw)

    def violation(what):
        log.write(c=cid, op="violation", what="checker %d: %s" % (cid, what))

    while mono() < args["stop"]:
        if n % 50 == 0:
            k.refresh()
        n += 1
        if cid == 0 and mono() - last_integrity > 3 * NS:
            last_integrity = mono()
            try:
                res = conn.execute("PRAGMA integrity_check").fetchall()
                obs(op="integrity", ok=res == [("ok",)], res=repr(res[:5]))
                if res != [("ok",)]:
                    violation("integrity_check during the run: %r" % res[:5])
            except sqlite3.Error as e:
                obs(op="integrity", ok=False, err=str(e))
                violation("integrity_check raised %s" % e)
        r = rng.random()
        if r < 0.55 and k.live_list:
            tok, src = rng.choice(k.live_list), "live"
        elif r < 0.85 and k.dead_list:
            tok, src = rng.choice(k.dead_list), "dead"
        else:
            tok, src = common.fake_token(rng), "fake"
        arg = ("Bearer " + tok) if rng.random() < 0.2 else tok
        right = rng.choice(common.RIGHT_POOL)
        mode = rng.choices(["verify", "has", "txn"], [5, 3, 2])[0]
        v0 = mono()
        try:
            if mode == "verify":
                res = [conn.execute("SELECT pat_verify(?)", (arg,)).fetchone()[0]]
            elif mode == "has":
                res = [conn.execute("SELECT pat_has_right(?, ?)",
                                    (arg, right)).fetchone()[0]]
            else:
                conn.execute("BEGIN")
                try:
                    res = [conn.execute("SELECT pat_verify(?)", (arg,)).fetchone()[0],
                           conn.execute("SELECT pat_has_right(?, ?)",
                                        (arg, right)).fetchone()[0]]
                finally:
                    conn.execute("COMMIT")
        except sqlite3.Error as e:
            v1 = mono()
            obs(op="check", ok=False, mode=mode, err=str(e), t0=v0, t1=v1)
            violation("%s raised %s: %s" % (mode, type(e).__name__, e))
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            continue
        v1 = mono()
        obs(op="check", ok=True, mode=mode, tok=tok, right=right, src=src,
            t0=v0, t1=v1, res=res)
        dead = k.dead_at.get(tok)
        if (src == "fake" or (dead is not None and dead < v0)) and any(res):
            violation("%s token %s answered %r by %s after it %s" % (
                src, tok[:12] + "...", res, mode,
                "was never made" if src == "fake" else
                "was deleted/rotated (%.3f s before the check began)" % ((v0 - dead) / 1e9)))
    log.write(c=cid, op="end")


# =================================================================== parent

def spawn(role, args):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), role,
                             json.dumps(args)])


def read_log(path):
    out = []
    with open(path, "rb") as f:
        for line in f:
            if line.endswith(b"\n"):
                out.append(json.loads(line))
    return out


def wait_all(procs, timeout, s, what):
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            s.fail("%s: a process (pid %d) did not finish in time: killed" % (what, p.pid))
        if p.returncode not in (0, -9):
            s.fail("%s: a process exited with status %s" % (what, p.returncode))


def cold_start(tmp, s, seed):
    """Processes make their first tokens at the same instant on a new WAL file
    with no store yet: they race to create it."""
    db = os.path.join(tmp, "cold.db")
    c = common.connect(db, load=False)
    c.execute("PRAGMA journal_mode=WAL")
    c.close()
    nproc, per = 6, 10
    start = mono() + int(2.5 * NS)
    procs, logs = [], []
    for i in range(nproc):
        log = os.path.join(tmp, "cold-%d.jsonl" % i)
        logs.append(log)
        procs.append(spawn("worker", {"wid": 100 + i, "seed": seed + 100 + i, "db": db,
                                      "log": log, "start": start,
                                      "stop": start + 60 * NS, "max_ops": per,
                                      "cold": True}))
    wait_all(procs, 120, s, "cold start")
    made, failed, errors, fail_ms = [], 0, collections.Counter(), []
    for log in logs:
        for r in read_log(log):
            if r["op"] == "create":
                if r["ok"]:
                    made.append(r)
                else:
                    failed += 1
                    errors[r["err"]] += 1
                    fail_ms.append(r["ms"])
            elif r["op"] == "violation":
                s.fail("cold start: " + r["what"])
    c = common.connect(db)
    ok = c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    s.ok(ok, "cold start: integrity_check not ok")
    n = c.execute("SELECT count(*) FROM pat_tokens").fetchone()[0]
    s.ok(n == len(made), "cold start: %d tokens made but pat_tokens has %d" % (len(made), n))
    ev = c.execute("SELECT count(*) FROM pat_events WHERE event = 'create'").fetchone()[0]
    s.ok(ev == len(made), "cold start: %d tokens made but %d create events" % (len(made), ev))
    bad = [r["id"] for r in made if c.execute("SELECT pat_verify(?, ?)",
                                              (r["tok"], r["frm"])).fetchone()[0] != r["id"]]
    s.ok(not bad, "cold start: tokens that do not verify: %r" % bad[:10])
    ver = c.execute("SELECT value FROM pat_store_meta WHERE key='schema_version'").fetchone()
    s.ok(ver is not None, "cold start: the store has no schema_version")
    c.close()
    if failed and os.environ.get("STRESS_STRICT_WRITES", "1") == "1":
        s.fail("cold start: %d pat_create calls failed despite the busy timeout" % failed)
    fail_ms.sort()
    print("%scold start: %d processes x %d creates on a new WAL file: %d made, %d failed%s%s"
          % ("FINDING: " if failed else "", nproc, per, len(made), failed,
             "".join("\n    %dx %s" % (v, e) for e, v in errors.most_common()),
             "\n    failed after: median %.1f ms, max %.1f ms (busy timeout %d ms)"
             % (fail_ms[len(fail_ms) // 2], fail_ms[-1], BUSY_TIMEOUT * 1000)
             if fail_ms else ""))
    return len(made), failed


class Timeline:
    """The states one token value went through, with the commit interval of
    each change: [(t0, t1, state)], state None (absent) or (id, valid,
    frozenset(rights)); before the first change the value is absent."""

    def __init__(self):
        self.changes = []

    def add(self, t0, t1, state):
        self.changes.append((t0, t1, state))

    def possible(self, v0, v1):
        """Every state the value may have had at some instant of [v0, v1]."""
        ch = self.changes
        out = []
        # state i holds from the start of its change (a_i) until the end of
        # the next change (b_{i+1}); state 0 (absent) until the end of the
        # first change.
        if not ch or ch[0][1] >= v0:
            out.append(None)
        for i, (a, _b, st) in enumerate(ch):
            end = ch[i + 1][1] if i + 1 < len(ch) else float("inf")
            if a <= v1 and end >= v0:
                out.append(st)
        return out


def expected_answers(states, right):
    ver, has = set(), set()
    for st in states:
        if st is None or not st[1]:
            ver.add(None)
            has.add(0)
        else:
            ver.add(st[0])
            has.add(int(right in st[2]))
    return ver, has


def main():
    common.python_ok()
    seconds = common.env_float("STRESS_SECONDS", 20)
    nworkers = common.env_int("STRESS_WORKERS", 4)
    ncheckers = common.env_int("STRESS_CHECKERS", 2)
    audit = os.environ.get("STRESS_AUDIT", "changes")
    seed = common.env_int("STRESS_SEED", random.randrange(1 << 30))
    keep = os.environ.get("STRESS_KEEP") == "1"
    s = common.Summary("concurrency")
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="pat-concurrency-")
    print("concurrency: %d workers + %d checkers, %.0f s, audit %s, seed %d, dir %s"
          % (nworkers, ncheckers, seconds, audit, seed, tmp))
    sys.stdout.flush()
    try:
        cold_made, cold_failed = cold_start(tmp, s, seed)
        db = os.path.join(tmp, "stress.db")
        c = common.connect(db)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval'")
        c.execute("UPDATE pat_settings SET value = ? WHERE key = 'audit'", (audit,))
        c.close()
        start = mono() + int(3 * NS)
        stop = start + int(seconds * NS)
        wlogs = [os.path.join(tmp, "worker-%d.jsonl" % i) for i in range(nworkers)]
        clogs = [os.path.join(tmp, "checker-%d.jsonl" % i) for i in range(ncheckers)]
        procs = [spawn("worker", {"wid": i, "seed": seed + i, "db": db, "log": wlogs[i],
                                  "start": start, "stop": stop})
                 for i in range(nworkers)]
        procs += [spawn("checker", {"cid": i, "seed": seed + 1000 + i, "db": db,
                                    "log": clogs[i], "worker_logs": wlogs,
                                    "start": start, "stop": stop})
                  for i in range(ncheckers)]
        wait_all(procs, seconds + 180, s, "run")
        analyse(s, db, wlogs, clogs, audit, nworkers, ncheckers, seconds)
        print("cold start: %d made, %d failed" % (cold_made, cold_failed))
    finally:
        if keep:
            print("kept %s (it holds token values)" % tmp)
        else:
            shutil.rmtree(tmp, True)
    print("run time: %.1f s" % (time.monotonic() - started))
    return s.report()


def analyse(s, db, wlogs, clogs, audit, nworkers, ncheckers, seconds):
    ops = collections.Counter()
    failed = collections.Counter()
    fail_msgs = collections.Counter()
    fail_ms = collections.defaultdict(list)
    timelines = collections.defaultdict(Timeline)
    committed = []          # (t0, t1, id, kind) of every committed change
    final = {}              # id -> last written (name, frm, to, rights)
    created_ids = []
    deleted = 0
    worker_checks = 0
    for path in wlogs:
        recs = read_log(path)
        if not recs or recs[-1]["op"] != "end":
            s.fail("worker log %s does not end with its 'end' record" % path)
        for r in recs:
            op = r["op"]
            if op == "violation":
                s.fail(r["what"])
                continue
            if op == "end":
                continue
            key = op + ("(%s)" % r["what"] if op == "update" else "")
            if not r["ok"]:
                failed[key] += 1
                fail_msgs["%s: %s" % (op, r["err"])] += 1
                if "ms" in r:
                    fail_ms[op].append(r["ms"])
                continue
            ops[key] += 1
            if op == "verify":
                worker_checks += 1
                continue
            tid = r["id"]
            if tid is None:
                continue
            st = (tid, r["valid"], frozenset(r["rights"])) if op != "delete" else None
            if op == "create":
                created_ids.append(tid)
                timelines[r["tok"]].add(r["t0"], r["t1"], st)
            elif op == "update":
                timelines[r["tok"]].add(r["t0"], r["t1"], st)
            elif op == "rotate":
                timelines[r["tok"]].add(r["t0"], r["t1"], None)
                timelines[r["new"]].add(r["t0"], r["t1"], st)
            elif op == "delete":
                deleted += 1
                timelines[r["tok"]].add(r["t0"], r["t1"], None)
            committed.append((r["t0"], r["t1"], tid, op))
            if op == "delete":
                final.pop(tid, None)
            else:
                final[tid] = (r["name"], r["frm"], r["to"], sorted(r["rights"]))

    # ---- the checkers' observations against the timelines
    checks = collections.Counter()
    check_errors = 0
    integrity_runs = 0
    wrong = 0
    for path in clogs:
        recs = read_log(path)
        if not recs or recs[-1]["op"] != "end":
            s.fail("checker log %s does not end with its 'end' record" % path)
        for r in recs:
            if r["op"] == "violation":
                s.fail(r["what"])
            elif r["op"] == "integrity":
                integrity_runs += 1
                s.ok(r["ok"], "integrity_check during the run: %s" % r.get("res", r.get("err")))
            elif r["op"] == "check":
                if not r["ok"]:
                    check_errors += 1
                    continue
                checks[r["mode"] + "/" + r["src"]] += 1
                tl = timelines.get(r["tok"])
                states = tl.possible(r["t0"], r["t1"]) if tl else [None]
                ver, has = expected_answers(states, r["right"])
                res = r["res"]
                if r["mode"] == "verify":
                    good = res[0] in ver
                elif r["mode"] == "has":
                    good = res[0] in has
                else:
                    good = res[0] in ver and res[1] in has
                if good:
                    s.passed += 1
                else:
                    wrong += 1
                    s.fail("check %s of a %s token %s... during [%.6f, %.6f] answered %r;"
                           " possible: verify %r, has_right(%s) %r; changes: %r"
                           % (r["mode"], r["src"], r["tok"][:12], r["t0"] / 1e9,
                              r["t1"] / 1e9, res, ver, r["right"], has,
                              [(a / 1e9, b / 1e9, st and (st[0], st[1]))
                               for a, b, st in (tl.changes if tl else [])]))
    s.ok(check_errors == 0, "checkers: %d checks raised an error" % check_errors)

    # ---- the database afterwards
    c = common.connect(db)
    res = c.execute("PRAGMA integrity_check").fetchall()
    s.ok(res == [("ok",)], "integrity_check afterwards: %r" % res[:5])
    rows = c.execute("SELECT id, name, valid_from, valid_to, rights FROM pat_tokens"
                     " ORDER BY id").fetchall()
    have = {r[0]: (r[1], pat_time(r[2]), pat_time(r[3]), json.loads(r[4])) for r in rows}
    created = len(created_ids)
    s.ok(len(set(created_ids)) == created,
         "ids handed out twice: %r" % [i for i, n in collections.Counter(created_ids).items()
                                      if n > 1][:10])
    s.ok(len(rows) == created - deleted,
         "counts: %d created - %d deleted = %d, but pat_tokens has %d rows"
         % (created, deleted, created - deleted, len(rows)))
    s.ok(set(have) == set(final), "ids in pat_tokens %s that the logs do not expect;"
         " expected but missing %s" % (sorted(set(have) - set(final))[:10],
                                       sorted(set(final) - set(have))[:10]))
    mism = [(i, final[i], have[i]) for i in final if i in have and final[i] != have[i]]
    s.ok(not mism, "%d rows differ from what their worker last wrote, e.g. %r"
         % (len(mism), mism[:3]))

    # ---- events: exactly the committed changes, in commit order
    events = c.execute("SELECT id, event, token_id FROM pat_events ORDER BY id").fetchall()
    ev_kinds = collections.Counter(e[1] for e in events)
    want = collections.defaultdict(list)
    for t0, t1, tid, op in sorted(committed):
        want[tid].append(op)
    got = collections.defaultdict(list)
    for eid, kind, tid in events:
        if kind in ("create", "update", "rotate", "delete"):
            got[tid].append(kind)
    lost = extra = 0
    for tid in set(want) | set(got):
        w, g = want.get(tid, []), got.get(tid, [])
        if w != g:
            if collections.Counter(w) - collections.Counter(g):
                lost += 1
            if collections.Counter(g) - collections.Counter(w):
                extra += 1
            s.fail("events of token %s: logged changes %r, pat_events %r" % (tid, w, g))
        else:
            s.passed += 1
    # Event ids follow commit order: no change that finished before another
    # began may have the larger event id.
    by_key = collections.defaultdict(collections.deque)
    for t0, t1, tid, op in sorted(committed):
        by_key[(tid, op)].append((t0, t1))
    max_t0 = None
    order_bad = 0
    for eid, kind, tid in events:
        q = by_key.get((tid, kind))
        if not q:
            continue
        t0, t1 = q.popleft()
        if max_t0 is not None and t1 < max_t0[0]:
            order_bad += 1
            if order_bad <= 5:
                s.fail("event %d (%s of %d) has a larger id than event %d, whose change"
                       " began after this one committed" % (eid, kind, tid, max_t0[1]))
        if max_t0 is None or t0 > max_t0[0]:
            max_t0 = (t0, eid)
    if order_bad > 5:
        s.fail("... %d event order inversions in all" % order_bad)
    if order_bad == 0:
        s.passed += 1
    use = c.execute("SELECT count(*) FROM pat_tokens WHERE last_used_at IS NOT NULL"
                    ).fetchone()[0]
    c.close()

    # ---- summary
    print("==== concurrency summary")
    print("processes: %d (%d workers + %d checkers) on one WAL database for %.0f s"
          % (nworkers + ncheckers, nworkers, ncheckers, seconds))
    total = sum(ops.values())
    print("operations committed / answered: %d" % total)
    for k in sorted(ops):
        print("  %-22s %7d%s" % (k, ops[k], "   (+%d failed)" % failed[k] if failed[k] else ""))
    for k in sorted(set(failed) - set(ops)):
        print("  %-22s %7d   (+%d failed)" % (k, 0, failed[k]))
    if fail_msgs:
        print("FINDING: writes that failed although every connection has a busy timeout"
              " of %d s (not committed; each read back unchanged)%s:" % (
                  BUSY_TIMEOUT, "; STRESS_STRICT_WRITES=1 counts them as violations"
                  if os.environ.get("STRESS_STRICT_WRITES", "1") != "1" else ""))
        if os.environ.get("STRESS_STRICT_WRITES", "1") == "1":
            s.fail("%d writes failed despite the busy timeout" % sum(fail_msgs.values()))
        for m, n in fail_msgs.most_common():
            print("  %6dx %s" % (n, m))
        for op, ms in sorted(fail_ms.items()):
            ms.sort()
            print("  %s failures after: median %.1f ms, max %.1f ms (busy timeout %d ms)"
                  % (op, ms[len(ms) // 2], ms[-1], BUSY_TIMEOUT * 1000))
    print("checks by checkers: %d (%s); errors: %d; answers contradicting the"
          " commit log: %d" % (sum(checks.values()), ", ".join(
              "%s %d" % kv for kv in sorted(checks.items())), check_errors, wrong))
    print("checks by workers of their own tokens: %d" % worker_checks)
    print("integrity_check: %d during the run, 1 afterwards" % integrity_runs)
    print("tokens: %d created, %d deleted, %d rotated, %d remaining (pat_tokens: %d);"
          " %d with last_used_at" % (created, deleted, ops["rotate"],
                                     created - deleted, len(rows), use))
    print("events: %s; lost %d tokens' worth, unexplained %d"
          % (", ".join("%s %d" % kv for kv in sorted(ev_kinds.items())), lost, extra))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("worker", "checker"):
        a = json.loads(sys.argv[2])
        if sys.argv[1] == "worker":
            Worker(a).run(a["start"], a["stop"], a.get("max_ops"))
        else:
            checker(a)
        sys.exit(0)
    sys.exit(main())
