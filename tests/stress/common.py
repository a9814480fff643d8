"""Shared pieces of the stress scripts (concurrency.py, crash.py, secrets.py).

Run every script with Debian's /usr/bin/python3: its sqlite3 module can load
extensions (the python3 first on PATH may not). Nothing here imports the
unittest helpers, so a script runs on its own from any directory.
"""
import hashlib
import json
import os
import random
import re
import sqlite3
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXT = os.path.join(ROOT, "dist", "pat")

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE62_BYTES = BASE62.encode()
RANDOM_LEN = 32
CHECKSUM_LEN = 6
TAIL_LEN = RANDOM_LEN + CHECKSUM_LEN
PREFIX_MAX = 32          # the setting prefix: at most 32 characters

# Rights every default owner (role ROOT) may hold; tokens draw from these.
RIGHT_POOL = ["DATA_FETCH", "DATA_CREATE", "DATA_UPDATE", "DATA_DELETE",
              "PROJECT_FETCH", "MEDIA_FETCH", "ROUTING_FETCH", "USER_FETCH"]


def mono():
    """A clock shared by every process of the machine (CLOCK_MONOTONIC), in
    nanoseconds: the timestamps of different processes compare."""
    return time.monotonic_ns()


def now_unix():
    return int(time.time())


def python_ok():
    """Exits with a clear message when this Python can not load extensions."""
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        sys.exit("%s: this Python's sqlite3 can not load extensions; "
                 "run it with /usr/bin/python3" % sys.argv[0])
    if not os.path.exists(EXT + ".so"):
        sys.exit("%s: %s.so is missing (run make)" % (sys.argv[0], EXT))


def connect(path, timeout=10.0, load=True, uri=False):
    conn = sqlite3.connect(path, isolation_level=None, timeout=timeout,
                           uri=uri, check_same_thread=False)
    if load:
        conn.enable_load_extension(True)
        conn.load_extension(EXT)
        conn.enable_load_extension(False)
    return conn


# ------------------------------------------------------------------ tokens

def base62(n, width):
    digits = []
    while n:
        n, d = divmod(n, 62)
        digits.append(BASE62[d])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(body):
    if isinstance(body, str):
        body = body.encode()
    return base62(zlib.crc32(body) & 0xFFFFFFFF, CHECKSUM_LEN)


def fake_token(rng=random, prefix="pat_"):
    """A well-formed token with a correct checksum that no store knows."""
    body = prefix + "".join(rng.choice(BASE62) for _ in range(RANDOM_LEN))
    return body + checksum(body)


def random_part(token):
    return token[-TAIL_LEN:-CHECKSUM_LEN]


def digest(token):
    """What pat stores: BLAKE2b-256 (libsodium crypto_generichash, unkeyed)
    of the whole token text."""
    if isinstance(token, str):
        token = token.encode()
    return hashlib.blake2b(token, digest_size=32).digest()


_B62_VALUE = {c: i for i, c in enumerate(BASE62_BYTES)}
_RUN = re.compile(rb"[A-Za-z0-9_]{%d,}" % TAIL_LEN)


def _checksum_value(b):
    n = 0
    for ch in b:
        n = n * 62 + _B62_VALUE[ch]
    return n


def find_tokens(data):
    """Every token-shaped string with a valid pat checksum in `data` (bytes):
    yields (offset, token bytes). The prefix is unknown (the setting may have
    changed it), so every prefix of 0 to 32 token characters before the 38
    base62 characters is tried; a string embedded in a longer run of token
    characters (SQLite records put column values side by side) is found
    too."""
    for m in _RUN.finditer(data):
        run = m.group()
        base = m.start()
        n = len(run)
        for end in range(TAIL_LEN, n + 1):
            ck = run[end - CHECKSUM_LEN:end]
            if b"_" in ck:                           # '_' is not base62
                continue
            v = _checksum_value(ck)
            if v > 0xFFFFFFFF:                       # 92% of windows end here
                continue
            body_end = end - CHECKSUM_LEN
            rnd = run[body_end - RANDOM_LEN:body_end]
            if b"_" in rnd:
                continue
            lo = max(0, body_end - RANDOM_LEN - PREFIX_MAX)
            for start in range(body_end - RANDOM_LEN, lo - 1, -1):
                if zlib.crc32(run[start:body_end]) & 0xFFFFFFFF == v:
                    yield base + start, run[start:end]
                    break


_RUN16 = re.compile(rb"(?:[A-Za-z0-9_]\x00){%d,}" % TAIL_LEN)


def find_tokens_utf16(data):
    """The same search in UTF-16LE text (a database with encoding UTF-16)."""
    for m in _RUN16.finditer(data):
        for off, tok in find_tokens(m.group()[::2]):
            yield m.start() + 2 * off, tok


# ------------------------------------------------------------------ output

class Summary:
    """Counts checks and violations, prints the closing line
    'NAME: N passed, M failed' and gives the exit status."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.violations = []

    def ok(self, cond, what, n=1):
        if cond:
            self.passed += n
        else:
            self.fail(what)
        return cond

    def fail(self, what):
        self.failed += 1
        self.violations.append(what)

    def report(self, limit=40):
        if self.violations:
            print("violations (%d):" % len(self.violations))
            for v in self.violations[:limit]:
                print("  - " + v)
            if len(self.violations) > limit:
                print("  ... and %d more" % (len(self.violations) - limit))
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed))
        sys.stdout.flush()
        return 1 if self.failed else 0


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


def env_int(name, default):
    v = os.environ.get(name, "")
    try:
        return int(v) if v.strip() else default
    except ValueError:
        sys.exit("%s must be an integer, not %r" % (name, v))


def env_float(name, default):
    v = os.environ.get(name, "")
    try:
        return float(v) if v.strip() else default
    except ValueError:
        sys.exit("%s must be a number, not %r" % (name, v))
