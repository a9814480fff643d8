#!/usr/bin/python3
"""compare.py: what a Python application sees, pat_verify against the usual
hand-rolled check.

    /usr/bin/python3 bench/compare.py      # or: make bench-py

On the same 100,000 tokens (COMPARE_N), in two WAL database files, it times
    pat:          db.execute("SELECT pat_verify(?)", (token,)).fetchone()[0]
    hand-rolled:  hashlib.blake2b(token, digest_size=32), then
                  SELECT id, valid_from, valid_to FROM tokens WHERE digest = ?
                  and the time check in Python
each call in its own transaction (Python's sqlite3 runs a SELECT in
autocommit), over 1,000 tokens spread over the key space, as the median of
11 repetitions after a warm-up. The plaintexts are benchmark fixtures and
are written nowhere.

Needs Debian's /usr/bin/python3: its sqlite3 module can load extensions.
"""
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXT = os.environ.get("BENCH_EXT", os.path.join(ROOT, "dist", "pat"))
OUT = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "out"))
N = int(os.environ.get("COMPARE_N", "100000"))
REPS = int(os.environ.get("BENCH_REPS", "11"))
SAMPLES = 1000
CALLS = int(os.environ.get("COMPARE_K", "3000"))
RIGHTS = "DATA_FETCH, DATA_CREATE, PROJECT_FETCH"


def fresh(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    return db


def with_pat(db):
    db.enable_load_extension(True)
    db.load_extension(EXT)
    db.enable_load_extension(False)
    return db


def populate(pat_db, plain_db, now):
    """N tokens through pat_create; the same rows, by digest, in a plain
    table as an application would keep them."""
    plain_db.execute(
        "CREATE TABLE tokens(id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE,"
        " owner TEXT NOT NULL, name TEXT NOT NULL, valid_from INTEGER NOT NULL,"
        " valid_to INTEGER NOT NULL, rights TEXT NOT NULL, created_at INTEGER NOT NULL)")
    rights_json = '["DATA_CREATE","DATA_FETCH","PROJECT_FETCH"]'  # as pat stores it
    tokens = []
    pat_db.execute("BEGIN")
    plain_db.execute("BEGIN")
    create = "SELECT pat_create(?, ?, ?, ?, ?)"
    insert = ("INSERT INTO tokens(digest, owner, name, valid_from, valid_to, rights,"
              " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    for i in range(N):
        owner, name = f"user{i % 1000}", f"token {i}"
        frm, to = now - 3600, now + 30 * 86400
        tok = pat_db.execute(create, (owner, name, RIGHTS, frm, to)).fetchone()[0]
        digest = hashlib.blake2b(tok.encode(), digest_size=32).digest()
        plain_db.execute(insert, (digest, owner, name, frm, to, rights_json, now))
        tokens.append(tok)
    pat_db.execute("COMMIT")
    plain_db.execute("COMMIT")
    # Timed checks write nothing: a long interval, and each sample token
    # checked once before timing (as the C bench does, see bench/README.md).
    pat_db.execute(
        "UPDATE pat_settings SET value = 1000000000 WHERE key = 'last_used_interval'")
    return tokens


def pat_verify(db, token):
    return db.execute("SELECT pat_verify(?)", (token,)).fetchone()[0]


def hand_rolled(db, token):
    digest = hashlib.blake2b(token.encode(), digest_size=32).digest()
    row = db.execute("SELECT id, valid_from, valid_to FROM tokens WHERE digest = ?",
                     (digest,)).fetchone()
    if row is None:
        return None
    now = int(time.time())
    return row[0] if row[1] <= now < row[2] else None


def main():
    os.makedirs(OUT, exist_ok=True)
    pat_path = os.path.join(OUT, "compare_pat.db")
    plain_path = os.path.join(OUT, "compare_plain.db")
    pat_db = with_pat(fresh(pat_path))
    plain_db = fresh(plain_path)
    now = int(time.time())
    t0 = time.monotonic()
    tokens = populate(pat_db, plain_db, now)
    for db in (pat_db, plain_db):
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sample = random.SystemRandom().sample(tokens, SAMPLES)
    for tok in sample:  # the warm-up: writes each token's last_used_at once
        if pat_verify(pat_db, tok) is None or hand_rolled(plain_db, tok) is None:
            sys.exit("compare.py: a sample token does not verify")
    pat_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"# compare.py: Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version},"
          f" {N} tokens (populated in {time.monotonic() - t0:.1f} s),"
          f" median of {REPS} reps x {CALLS} calls")

    calls = [sample[i % SAMPLES] for i in range(CALLS)]
    results = {"pat": [], "hand": []}
    for rep in range(-1, REPS):
        order = [("pat", pat_db, pat_verify), ("hand", plain_db, hand_rolled)]
        if rep % 2:
            order.reverse()
        for key, db, fn in order:
            wrong = 0
            t = time.perf_counter_ns()
            for tok in calls:
                if fn(db, tok) is None:
                    wrong += 1
            t = time.perf_counter_ns() - t
            if wrong:
                sys.exit(f"compare.py: {key} rejected {wrong} valid tokens")
            if rep >= 0:
                results[key].append(t / CALLS)

    print()
    print("| check from Python | median ns/call | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for key, label in (("pat", "SELECT pat_verify(?)"),
                       ("hand", "hashlib.blake2b + SELECT by digest + time check")):
        v = results[key]
        print(f"| {label} | {statistics.median(v):.0f} | {min(v):.0f} | {max(v):.0f} |")
    r = statistics.median(results["pat"]) / statistics.median(results["hand"])
    print()
    print(f"pat_verify / hand-rolled: {r:.2f} -> target 'faster' (below 1.00):"
          f" {'PASS' if r < 1.0 else 'MISS'}")
    pat_db.close()
    plain_db.close()
    for path in (pat_path, plain_path):
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    main()
