#!/usr/bin/python3
"""Crash test of pat (issue 5, item 5): SIGKILL a writing process at random
moments, many times, and reopen the database each time.

A child process mints, verifies, updates, rotates and deletes tokens in a
loop on a database file, and sometimes mints tokens inside its own
BEGIN ... COMMIT (or ROLLBACK). Through a pipe (its stdout) it reports the
intent of every change before the call and its result after the call
returned (pat_create and pat_rotate in autocommit commit before returning).
The parent kills it with SIGKILL at a random moment (uniform 0 to
CRASH_MAX_MS after it reported ready, or, one time in five, after it was
spawned, so that start-up, recovery and store creation get hit too), then
reopens the database and checks:

  - PRAGMA integrity_check is 'ok' (on a connection without pat, the one
    that recovers the hot journal or the WAL);
  - the store is absent or complete (every pat_store_* table and its
    schema_version), never half-made;
  - no half-made token: every pat_store_tokens row has a 32-byte digest, a
    window with valid_to > valid_from, and rights that are a non-empty JSON
    array of catalog rights, and (audit 'changes') exactly one create event;
  - no event without its change: every update/rotate/delete event follows
    the token's create event; a delete event's token is gone and nothing
    follows it; no token has two delete events;
  - every token whose value was reported (after the call returned) and that
    was not reported as about to be deleted or rotated still verifies, with
    its id; one reported deleted or rotated (after the call) does not; one
    minted inside a transaction that never reached COMMIT does not;
  - a change reported done has its event (update/rotate/delete counts per
    token lie between the changes reported done and those begun), and the
    row shows the reported name and rights (or, for a change begun but not
    reported done, the old or the new ones, nothing else);
  - pat_tokens agrees with the tokens known alive.
Changes begun but not reported done are resolved from what the database
shows, so later rounds check them exactly.

Run once in WAL mode and once in rollback-journal (DELETE) mode. Every
CRASH_FRESH kills the database file is replaced by a new one, so store
creation is hit too.

Environment: CRASH_KILLS (kills per mode, default 50), CRASH_MAX_MS (300),
CRASH_MODES (default "wal delete"), CRASH_FRESH (10), CRASH_SEED,
CRASH_KEEP=1 keeps the temporary directory (it holds token values),
CRASH_DEBUG=1 prints the last reports of each killed child.
Last line: "crash: N passed, M failed"; exit status 1 on any violation.
"""
import collections
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

STORE_TABLES = ["pat_store_events", "pat_store_meta", "pat_store_owners",
                "pat_store_rights", "pat_store_roles", "pat_store_settings",
                "pat_store_tokens", "pat_store_uses", "pat_store_retired",
                "pat_store_addresses", "pat_store_notices"]
CATALOG_POOL = common.RIGHT_POOL


# ==================================================================== child

def child(args):
    rng = random.Random(args["seed"])
    out = os.fdopen(1, "w", buffering=1)

    def say(**kw):
        out.write(common.jdump(kw) + "\n")

    conn = common.connect(args["db"], timeout=10)
    one = lambda sql, p=(): conn.execute(sql, p).fetchone()  # noqa: E731
    say(op="connected")
    # The first child of a file makes the store, with pat_create or with an
    # UPDATE of pat_settings (its kill is timed to hit that); every check is
    # to write last_used_at.
    if args["first"] and rng.random() < 0.5:
        name = "first-%d" % args["round"]
        say(op="create-intent", name=name, rights=["DATA_FETCH"])
        tok = one("SELECT pat_create('owner1', ?, 'DATA_FETCH')", (name,))[0]
        say(op="created", tok=tok, name=name, rights=["DATA_FETCH"])
        say(op="id", tok=tok, id=one("SELECT pat_verify(?, unixepoch('now'))", (tok,))[0])
    conn.execute("UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval'"
                 " AND value <> 0")
    ids = [r[0] for r in conn.execute("SELECT id FROM pat_tokens")]
    mine = []               # tokens this process made and knows alive
    n = 0
    say(op="ready", ids=len(ids))
    while True:
        n += 1
        if not ids:
            op = "create"
        else:
            op = rng.choices(["create", "verify", "update", "rotate", "delete", "txn"],
                             [30, 15, 20, 10, 12 if len(ids) < 60 else 30, 10])[0]
        try:
            if op == "create":
                rights = sorted(rng.sample(CATALOG_POOL, rng.randint(1, 3)))
                name = "c%d-%d" % (args["round"], n)
                say(op="create-intent", name=name, rights=rights)
                tok = one("SELECT pat_create(?, ?, ?)",
                          ("owner%d" % rng.randint(1, 3), name, ", ".join(rights)))[0]
                say(op="created", tok=tok, name=name, rights=rights)
                tid = one("SELECT pat_verify(?, unixepoch('now'))", (tok,))[0]
                say(op="id", tok=tok, id=tid)
                ids.append(tid)
                mine.append(tok)
            elif op == "verify":
                if mine:
                    one("SELECT pat_verify(?)", (rng.choice(mine),))
                    one("SELECT pat_has_right(?, 'DATA_FETCH')", (rng.choice(mine),))
            elif op == "update":
                tid = rng.choice(ids)
                if rng.random() < 0.5:
                    name = "u%d-%d" % (args["round"], n)
                    say(op="update-intent", id=tid, name=name)
                    cur = conn.execute("UPDATE pat_tokens SET name = ? WHERE id = ?",
                                       (name, tid))
                else:
                    old = one("SELECT rights FROM pat_tokens WHERE id = ?", (tid,))
                    while True:
                        rights = sorted(rng.sample(CATALOG_POOL, rng.randint(1, 3)))
                        if old is None or json.loads(old[0]) != rights:
                            break
                    say(op="update-intent", id=tid, rights=rights)
                    cur = conn.execute("UPDATE pat_tokens SET rights = ? WHERE id = ?",
                                       (json.dumps(rights), tid))
                say(op="updated", id=tid, rows=cur.rowcount)
            elif op == "rotate":
                tid = rng.choice(ids)
                say(op="rotate-intent", id=tid)
                tok = one("SELECT pat_rotate(?)", (tid,))[0]
                say(op="rotated", id=tid, tok=tok)
                mine.append(tok)
            elif op == "delete":
                tid = rng.choice(ids)
                say(op="delete-intent", id=tid)
                cur = conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
                say(op="deleted", id=tid, rows=cur.rowcount)
                ids.remove(tid)
            elif op == "txn":
                say(op="txn-begin")
                conn.execute("BEGIN")
                made = []
                for i in range(rng.randint(1, 3)):
                    rights = sorted(rng.sample(CATALOG_POOL, rng.randint(1, 3)))
                    name = "t%d-%d-%d" % (args["round"], n, i)
                    tok = one("SELECT pat_create(?, ?, ?)",
                              ("owner1", name, ", ".join(rights)))[0]
                    tid = one("SELECT pat_verify(?, unixepoch('now'))", (tok,))[0]
                    say(op="txn-minted", tok=tok, id=tid, name=name, rights=rights)
                    made.append((tok, tid))
                if rng.random() < 0.75:
                    say(op="commit-intent")
                    conn.execute("COMMIT")
                    say(op="committed")
                    for tok, tid in made:
                        ids.append(tid)
                        mine.append(tok)
                else:
                    say(op="rollback-intent")
                    conn.execute("ROLLBACK")
                    say(op="rolled-back")
        except sqlite3.Error as e:
            say(op="error", what=op, err=str(e))
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            time.sleep(0.01)
        if len(mine) > 200:
            mine = mine[-100:]


# =================================================================== parent

class Knowledge:
    """What the parent knows of one database file, from the child's reports
    and from earlier checks."""

    def __init__(self):
        self.tokens = {}    # tok -> dict(status, id)
        # status: alive | dead | maybe (a change begun, not reported done)
        self.by_id = {}     # id -> tok (current known value) or None (unknown)
        self.rows = {}      # id -> dict(names, rights, exists, upd_done, upd_begun,
        #                                rot_done, rot_begun, del_done, del_begun)
        self.txn = None

    def row(self, tid):
        return self.rows.setdefault(tid, {
            "names": None, "rights": None, "exists": "yes", "upd_done": 0,
            "upd_begun": 0, "rot_done": 0, "rot_begun": 0, "del_done": 0,
            "del_begun": 0})

    def fresh_row(self, tid, t):
        """A new token took id `tid` (an id of a token minted in a transaction
        that never committed may be handed out again)."""
        self.rows.pop(tid, None)
        self.row(tid).update(names={t["name"]}, rights={tuple(t["rights"])})

    def feed(self, msgs):
        pending = None      # the intent whose result was not reported
        for m in msgs:
            op = m["op"]
            if op.endswith("-intent") and op not in ("commit-intent", "rollback-intent"):
                pending = m
            if op == "created":
                pending = None
                self.tokens[m["tok"]] = {"status": "alive", "id": None,
                                         "name": m["name"], "rights": m["rights"]}
            elif op == "id":
                t = self.tokens[m["tok"]]
                t["id"] = m["id"]
                self.by_id[m["id"]] = m["tok"]
                self.fresh_row(m["id"], t)
            elif op == "update-intent":
                r = self.row(m["id"])
                r["upd_begun"] += 1
                if "name" in m and r["names"] is not None:
                    r["names"] = r["names"] | {m["name"]}
                if "rights" in m and r["rights"] is not None:
                    r["rights"] = r["rights"] | {tuple(m["rights"])}
            elif op == "updated":
                r = self.row(m["id"])
                p = pending
                pending = None
                if m["rows"] == 1:
                    r["upd_done"] += 1
                    if "name" in p:
                        r["names"] = {p["name"]}
                    if "rights" in p:
                        r["rights"] = {tuple(p["rights"])}
                else:
                    r["upd_begun"] -= 1      # nothing to change: no event
            elif op == "rotate-intent":
                r = self.row(m["id"])
                r["rot_begun"] += 1
                old = self.by_id.get(m["id"])
                if old is not None:
                    self.tokens[old]["status"] = "maybe"
            elif op == "rotated":
                pending = None
                r = self.row(m["id"])
                r["rot_done"] += 1
                old = self.by_id.get(m["id"])
                if old is not None:
                    self.tokens[old]["status"] = "dead"
                self.tokens[m["tok"]] = {"status": "alive", "id": m["id"]}
                self.by_id[m["id"]] = m["tok"]
            elif op == "delete-intent":
                r = self.row(m["id"])
                r["del_begun"] += 1
                r["exists"] = "maybe"
                old = self.by_id.get(m["id"])
                if old is not None:
                    self.tokens[old]["status"] = "maybe"
            elif op == "deleted":
                pending = None
                r = self.row(m["id"])
                r["exists"] = "no"
                if m["rows"] == 1:
                    r["del_done"] += 1
                old = self.by_id.get(m["id"])
                if old is not None:
                    self.tokens[old]["status"] = "dead"
            elif op == "txn-begin":
                self.txn = {"minted": [], "state": "open"}
            elif op == "txn-minted":
                self.txn["minted"].append(m)
                self.tokens[m["tok"]] = {"status": "dead", "id": m["id"],
                                         "name": m["name"], "rights": m["rights"],
                                         "txn": True}
            elif op == "commit-intent":
                self.txn["state"] = "committing"
                for t in self.txn["minted"]:
                    self.tokens[t["tok"]]["status"] = "maybe"
            elif op == "committed":
                for t in self.txn["minted"]:
                    self.tokens[t["tok"]]["status"] = "alive"
                    self.tokens[t["tok"]].pop("txn", None)
                    self.by_id[t["id"]] = t["tok"]
                    self.fresh_row(t["id"], t)
                self.txn = None
            elif op in ("rollback-intent", "rolled-back"):
                pass            # minted tokens stay dead
            if op in ("committed", "rolled-back"):
                self.txn = None
        # A transaction killed before COMMIT never committed: its tokens stay
        # dead (and their ids may be handed out again).
        if self.txn is not None and self.txn["state"] == "open":
            self.txn = None
        return pending


def wait_for(proc, what, msgs):
    """Reads the child's reports until `what` (or its end)."""
    while True:
        line = proc.stdout.readline()
        if not line.endswith(b"\n"):
            return
        msgs.append(json.loads(line))
        if msgs[-1]["op"] == what:
            return


def read_child(proc, msgs):
    data = proc.stdout.read()
    for line in data.split(b"\n")[:-1]:
        msgs.append(json.loads(line))


def check_db(db, k, s, tag, counts):
    """Every check after one kill; also resolves what the kill left open."""
    # 1. integrity, on a connection without pat (it recovers the file).
    raw = common.connect(db, load=False)
    res = raw.execute("PRAGMA integrity_check").fetchall()
    s.ok(res == [("ok",)], "%s: integrity_check %r" % (tag, res[:5]))
    tables = {r[0] for r in raw.execute(
        "SELECT name FROM sqlite_schema WHERE type='table' AND name LIKE 'pat_store_%'")}
    store = bool(tables)
    if store:
        ver = None
        if "pat_store_meta" in tables:
            ver = raw.execute("SELECT value FROM pat_store_meta"
                              " WHERE key='schema_version'").fetchone()
        s.ok(tables == set(STORE_TABLES) and ver is not None,
             "%s: half-made store: tables %s, schema_version %r" % (tag, sorted(tables), ver))
        if tables != set(STORE_TABLES):
            raw.close()
            return
    else:
        s.passed += 1
        counts["no store yet"] += 1
    # 2. rows and events, read raw.
    rows = {}
    events = collections.defaultdict(list)
    if store:
        catalog = {r[0] for r in raw.execute("SELECT name FROM pat_store_rights")}
        audit = raw.execute("SELECT value FROM pat_store_settings WHERE key='audit'"
                            ).fetchone()[0]
        for tid, dg, frm, to, rights, name in raw.execute(
                "SELECT id, digest, valid_from, valid_to, rights, name"
                " FROM pat_store_tokens"):
            try:
                rl = json.loads(rights)
                good = (isinstance(rl, list) and rl and all(r in catalog for r in rl)
                        and rl == sorted(set(rl)))
            except (TypeError, ValueError):
                good, rl = False, None
            s.ok(good and isinstance(dg, bytes) and len(dg) == 32 and to > frm,
                 "%s: half-made token row id %r: digest %r, window [%r, %r), rights %r"
                 % (tag, tid, dg if not isinstance(dg, bytes) else len(dg), frm, to, rights))
            rows[tid] = (name, tuple(rl) if isinstance(rl, list) else None)
        for eid, kind, tid in raw.execute(
                "SELECT id, event, token_id FROM pat_store_events"
                " UNION ALL SELECT id, 'create', id FROM pat_store_tokens"
                " WHERE create_event ORDER BY id"):
            events[tid].append((eid, kind))
        if audit == "changes":
            for tid in rows:
                n = sum(1 for _, kind in events.get(tid, []) if kind == "create")
                s.ok(n == 1, "%s: token %d has %d create events" % (tag, tid, n))
        for tid, evs in events.items():
            # A deleted token's values are retired: a check that presents one
            # afterwards writes a deny event, so the delete is its last change.
            kinds = [kind for _, kind in evs if kind not in ("deny", "use")]
            if "delete" in kinds:
                i = kinds.index("delete")
                s.ok(tid not in rows and i == len(kinds) - 1 and kinds.count("delete") == 1,
                     "%s: token %d has events %r but %s" % (
                         tag, tid, kinds, "still exists" if tid in rows else "a delete"
                         " event is not its last"))
            for kind in ("update", "rotate", "delete"):
                if kind in kinds:
                    s.ok("create" in kinds and kinds.index("create") < kinds.index(kind),
                         "%s: token %d has a %s event without a create event before it: %r"
                         % (tag, tid, kind, kinds))
    raw.close()

    # 3. known tokens, through pat.
    conn = common.connect(db)
    for tok, t in list(k.tokens.items()):
        got = conn.execute("SELECT pat_verify(?, unixepoch('now'))", (tok,)).fetchone()[0]
        if t["status"] == "alive":
            counts["alive tokens verified"] += 1
            want = t["id"]
            ok = got is not None and (want is None or got == want)
            s.ok(ok, "%s: token %s... (id %s) reported made and not deleted or rotated"
                 " does not verify: %r" % (tag, tok[:12], want, got))
            if want is None and got is not None:
                t["id"] = got
                k.by_id[got] = tok
                k.fresh_row(got, t)
        elif t["status"] == "dead":
            counts["dead tokens refused"] += 1
            s.ok(got is None, "%s: token %s... (id %s) %s verifies: %r" % (
                tag, tok[:12], t["id"], "minted in a transaction that never committed"
                if t.get("txn") else "reported deleted or rotated", got))
            if got is None and t.get("txn"):
                del k.tokens[tok]           # its id may be given again
        else:
            counts["open changes resolved"] += 1
            if got is None:
                t["status"] = "dead"
                if t.get("txn"):
                    del k.tokens[tok]
            else:
                s.ok(t["id"] is None or got == t["id"],
                     "%s: token %s... verifies as %r, not its id %r" % (tag, tok[:12], got,
                                                                        t["id"]))
                t["status"] = "alive"
                t["id"] = got
                k.by_id[got] = tok
                if t.get("txn"):
                    k.fresh_row(got, t)
                    del t["txn"]
    # 4. rows and their events against the reports.
    for tid, r in list(k.rows.items()):
        have = tid in rows
        if r["exists"] == "yes":
            s.ok(have, "%s: token id %d should exist, pat_store_tokens has no row" % (tag, tid))
        elif r["exists"] == "no":
            s.ok(not have, "%s: token id %d was reported deleted but its row is there"
                 % (tag, tid))
        else:
            r["exists"] = "yes" if have else "no"
        if have:
            name, rights = rows[tid]
            if r["names"] is not None:
                s.ok(name in r["names"], "%s: token %d is named %r, not one of %r"
                     % (tag, tid, name, r["names"]))
                r["names"] = {name}
            if r["rights"] is not None:
                s.ok(rights in r["rights"], "%s: token %d holds %r, not one of %r"
                     % (tag, tid, rights, r["rights"]))
                r["rights"] = {rights}
            if tid in k.by_id and k.by_id[tid] is not None:
                tok = k.by_id[tid]
                if k.tokens.get(tok, {}).get("status") == "dead":
                    k.by_id[tid] = None      # rotated, new value never reported
        if not store:
            continue
        kinds = [kind for _, kind in events.get(tid, [])]
        for kind, done, begun in (("update", "upd_done", "upd_begun"),
                                  ("rotate", "rot_done", "rot_begun"),
                                  ("delete", "del_done", "del_begun")):
            n = kinds.count(kind)
            s.ok(r[done] <= n <= r[begun],
                 "%s: token %d: %d %s events, but %d reported done and %d begun (events %r)"
                 % (tag, tid, n, kind, r[done], r[begun], kinds))
            r[done] = r[begun] = n
        if r["exists"] == "no" and not have:
            del k.rows[tid]
    # 5. pat_tokens agrees.
    n = conn.execute("SELECT count(*) FROM pat_tokens").fetchone()[0]
    s.ok(n == len(rows), "%s: pat_tokens has %d rows, pat_store_tokens %d" % (tag, n, len(rows)))
    conn.close()


def run_mode(mode, kills, max_ms, fresh_every, seed, tmp, s):
    rng = random.Random(seed)
    counts = collections.Counter()
    k = None
    db = None
    survived = 0
    t_start = time.monotonic()
    for i in range(kills):
        if i % fresh_every == 0:
            db = os.path.join(tmp, "%s-%d.db" % (mode, i // fresh_every))
            c = common.connect(db, load=False)
            c.execute("PRAGMA journal_mode=%s" % mode)
            c.close()
            k = Knowledge()
            # last_used_interval 0 (every check writes) and the store itself
            # are set by the first child: a kill may hit the store's creation.
            first = True
        else:
            first = False
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "child",
             json.dumps({"db": db, "seed": rng.randrange(1 << 30), "round": i,
                         "first": first})],
            stdout=subprocess.PIPE)
        msgs = []
        delay = rng.uniform(0, max_ms / 1000.0)
        if first:
            # aim at the store's creation: just after the child connected
            counts["kills aimed at store creation"] += 1
            wait_for(proc, "connected", msgs)
            time.sleep(rng.uniform(0, 0.015))
        elif rng.random() < 0.2:
            counts["kills timed from spawn"] += 1
            time.sleep(delay)
        else:
            wait_for(proc, "ready", msgs)
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        read_child(proc, msgs)
        proc.wait()
        if proc.returncode != -signal.SIGKILL:
            s.fail("%s kill %d: the child ended by itself (status %s) before the kill"
                   % (mode, i, proc.returncode))
        for m in msgs:
            if m["op"] == "error":
                s.fail("%s kill %d: the child's %s failed: %s" % (mode, i, m["what"], m["err"]))
        counts["child reports"] += sum(1 for m in msgs if m["op"] not in
                                       ("ready", "connected"))
        if not any(m["op"] == "ready" for m in msgs):
            counts["killed before ready"] += 1
        for p in (db + "-journal", db + "-wal"):
            if os.path.exists(p) and os.path.getsize(p) > 0:
                counts["kills that left a %s file" % p[len(db):]] += 1
        if os.environ.get("CRASH_DEBUG"):
            print("kill %d (%s, first %s): %d reports, last: %s" % (
                i, mode, first, len(msgs), [(m["op"], m.get("tok", m.get("id", ""))[:12]
                                              if isinstance(m.get("tok", m.get("id")), str)
                                              else m.get("id")) for m in msgs[-4:]]))
        pending = k.feed(msgs)
        if pending is not None:
            counts["killed inside a change (%s)" % pending["op"][:-7]] += 1
        if k.txn is not None:
            counts["killed inside COMMIT"] += 1
        fails = s.failed
        check_db(db, k, s, "%s kill %d" % (mode, i), counts)
        if s.failed == fails:
            survived += 1
    elapsed = time.monotonic() - t_start
    print("%s: %d kills, %d survived (all checks passed), %.1f s" % (mode, kills, survived,
                                                                      elapsed))
    for key in sorted(counts):
        print("    %-40s %d" % (key, counts[key]))
    sys.stdout.flush()
    return survived


def main():
    common.python_ok()
    kills = common.env_int("CRASH_KILLS", 50)
    max_ms = common.env_float("CRASH_MAX_MS", 300)
    fresh = max(1, common.env_int("CRASH_FRESH", 10))
    modes = os.environ.get("CRASH_MODES", "wal delete").split()
    seed = common.env_int("CRASH_SEED", random.randrange(1 << 30))
    keep = os.environ.get("CRASH_KEEP") == "1"
    s = common.Summary("crash")
    tmp = tempfile.mkdtemp(prefix="pat-crash-")
    started = time.monotonic()
    print("crash: %d kills per mode (%s), kill 0-%.0f ms after start, new file every %d"
          " kills, seed %d, dir %s" % (kills, ", ".join(modes), max_ms, fresh, seed, tmp))
    sys.stdout.flush()
    survived = {}
    try:
        for j, mode in enumerate(modes):
            survived[mode] = run_mode(mode, kills, max_ms, fresh, seed + j, tmp, s)
    finally:
        if keep:
            print("kept %s (it holds token values)" % tmp)
        else:
            shutil.rmtree(tmp, True)
    print("kills survived: %s" % ", ".join("%s %d/%d" % (m, n, kills)
                                           for m, n in survived.items()))
    print("run time: %.1f s" % (time.monotonic() - started))
    return s.report()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        a = json.loads(sys.argv[2])
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        child(a)
    sys.exit(main())
