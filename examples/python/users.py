#!/usr/bin/python3
"""The users of the web example: accounts, passwords, roles, sessions.

    users.py --db app.db create-root NAME            # the first ROOT user
    users.py --db app.db create NAME --role AUTHOR   # ROOT, ADMIN, AUTHOR or VIEWER
    users.py --db app.db set-role NAME VIEWER        # takes effect at once, on every token
    users.py --db app.db password NAME               # a new password; signs the user out
    users.py --db app.db delete NAME                 # with their tokens and sessions
    users.py --db app.db list

The password is read from standard input: typed twice at a prompt on a
terminal, else the first line (`printf '%s\\n' "$PW" | users.py ...`), so that
it never appears in the process list or the shell history.

A user's name is their pat owner, and their role is kept in step with
pat_owners: every change of a user and of its pat_owners row commits in one
transaction. This matters because pat gives an owner that is not listed the
role of the setting `default_role`, which is ROOT by default.

Passwords are stored as scrypt (hashlib.scrypt, a random 16-byte salt per
password, n=2**15, r=8, p=3: 32 MiB and about 0.3 s per guess on a current
core, the cost OWASP recommends). The parameters are stored with each hash, so
they can be raised later without locking anyone out.

Sessions: the browser holds a random id (256 bits) in an HttpOnly,
SameSite=Strict cookie; the database holds only its SHA-256, the user, an
expiry and the session's CSRF token.

This module imports nothing from server.py at load time, so that server.py
can import it.
"""
import argparse
import base64
import getpass
import hashlib
import hmac
import re
import secrets
import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,          -- also the user's owner in pat_tokens and pat_owners
  role TEXT NOT NULL,                 -- the user's role in pat_owners
  password TEXT NOT NULL,             -- scrypt$n$r$p$salt$hash (base64)
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS web_sessions(
  id TEXT PRIMARY KEY,                -- SHA-256 (hex) of the cookie's value, never the value
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,                 -- sent back in X-CSRF-Token on every change
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions(user_id);
"""

ROLES = ("ROOT", "ADMIN", "AUTHOR", "VIEWER")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 3
SESSION_SECONDS = 8 * 3600


class UserError(Exception):
    """A refusal to show the person who asked (a bad name, a weak password, ...)."""


def ensure_schema(db):
    db.executescript(SCHEMA)


# ---- passwords ------------------------------------------------------------
def _b64(data):
    return base64.b64encode(data).decode()


def _scrypt(password, salt, n, r, p):
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r * p + (1 << 20), dklen=32)


def hash_password(password):
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password, stored):
    """True when `password` matches `stored`; compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


# Checked against when the name is unknown, so that a wrong name takes as long
# as a wrong password and the login does not tell which names exist.
_DUMMY_HASH = None


def _dummy_hash():
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def check_new_password(password):
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password may have at most {MAX_PASSWORD} characters")


# ---- users, kept in step with pat_owners ------------------------------------
def _set_owner_role(db, name, role):
    """The user's row in pat_owners says `role` (pat checks that the role exists)."""
    if db.execute("UPDATE pat_owners SET role = ? WHERE owner = ?", (role, name)).rowcount == 0:
        db.execute("INSERT INTO pat_owners(owner, role) VALUES (?, ?)", (name, role))


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error (the connection is in autocommit)."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, tb):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


def create_user(db, name, role, password):
    if not NAME_RE.fullmatch(name or ""):
        raise UserError("a user name is 1 to 64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit")
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}")
    check_new_password(password)
    hashed = hash_password(password)
    try:
        with transaction(db):
            db.execute("INSERT INTO users(name, role, password) VALUES (?, ?, ?)", (name, role, hashed))
            _set_owner_role(db, name, role)
    except sqlite3.IntegrityError:
        raise UserError(f"a user named '{name}' exists already")


def set_role(db, name, role):
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}")
    with transaction(db):
        if db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount == 0:
            raise UserError(f"no user named '{name}'")
        _set_owner_role(db, name, role)


def set_password(db, name, password):
    check_new_password(password)
    hashed = hash_password(password)
    with transaction(db):
        row = db.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(f"no user named '{name}'")
        db.execute("UPDATE users SET password = ? WHERE id = ?", (hashed, row[0]))
        db.execute("DELETE FROM web_sessions WHERE user_id = ?", (row[0],))


def delete_user(db, name):
    """The user, their sessions, their tokens (which stop working at once) and their role."""
    with transaction(db):
        row = db.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(f"no user named '{name}'")
        db.execute("DELETE FROM web_sessions WHERE user_id = ?", (row[0],))
        tokens = db.execute("DELETE FROM pat_tokens WHERE owner = ?", (name,)).rowcount
        db.execute("DELETE FROM pat_owners WHERE owner = ?", (name,))
        db.execute("DELETE FROM users WHERE id = ?", (row[0],))
    return tokens


def sync_owners(db):
    """Put every user's role into pat_owners (run at start-up: repairs a row changed by hand)."""
    with transaction(db):
        for name, role in db.execute(
                "SELECT u.name, u.role FROM users AS u LEFT JOIN pat_owners AS o ON o.owner = u.name"
                " WHERE o.role IS NOT u.role").fetchall():
            _set_owner_role(db, name, role)


def authenticate(db, name, password):
    """(id, name, role) of the user, or None. As slow for an unknown name as for a wrong password."""
    row = db.execute("SELECT id, name, role, password FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        check_password(password, _dummy_hash())
        return None
    return row[:3] if check_password(password, row[3]) else None


# ---- sessions ----------------------------------------------------------------
def _session_key(cookie_value):
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def start_session(db, user_id):
    """A new session: (the cookie's value, the CSRF token). Also drops expired sessions."""
    value, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), int(time.time())
    with transaction(db):
        db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        db.execute("INSERT INTO web_sessions(id, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   (_session_key(value), user_id, csrf, now, now + SESSION_SECONDS))
    return value, csrf


def find_session(db, cookie_value):
    """{"id", "name", "role", "csrf"} of a live session, or None."""
    if not cookie_value or len(cookie_value) > 100:
        return None
    row = db.execute(
        "SELECT u.id, u.name, u.role, s.csrf FROM web_sessions AS s JOIN users AS u ON u.id = s.user_id"
        " WHERE s.id = ? AND s.expires_at > ?", (_session_key(cookie_value), int(time.time()))).fetchone()
    return dict(zip(("id", "name", "role", "csrf"), row)) if row else None


def end_session(db, cookie_value):
    if cookie_value:
        db.execute("DELETE FROM web_sessions WHERE id = ?", (_session_key(cookie_value),))


# ---- the command line ------------------------------------------------------------
def read_password(confirm=True):
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if confirm and getpass.getpass("again: ") != password:
            raise UserError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def main():
    from server import DEFAULT_EXT, connect  # here, not at the top: server.py imports this module

    p = argparse.ArgumentParser(description="Manage the users of the web example (password on stdin).")
    p.add_argument("--db", required=True, help="the SQLite database file")
    p.add_argument("--ext", default=DEFAULT_EXT, help="the pat extension (default: dist/pat)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create-root", help="create a ROOT user (the first one)")
    c.add_argument("name")
    c = sub.add_parser("create", help="create a user")
    c.add_argument("name")
    c.add_argument("--role", required=True, choices=ROLES)
    c = sub.add_parser("set-role", help="change a user's role (in users and pat_owners)")
    c.add_argument("name")
    c.add_argument("role", choices=ROLES)
    c = sub.add_parser("password", help="set a new password and end the user's sessions")
    c.add_argument("name")
    c = sub.add_parser("delete", help="delete a user, their tokens and sessions")
    c.add_argument("name")
    sub.add_parser("list", help="the users and their roles")
    args = p.parse_args()

    try:
        db = connect(args.db, args.ext)
        db.execute("PRAGMA journal_mode = WAL")
        ensure_schema(db)
        if args.command in ("create-root", "create"):
            role = "ROOT" if args.command == "create-root" else args.role
            create_user(db, args.name, role, read_password())
            print(f"created {role} user {args.name}")
        elif args.command == "set-role":
            set_role(db, args.name, args.role)
            print(f"{args.name} is now {args.role}")
        elif args.command == "password":
            set_password(db, args.name, read_password())
            print(f"new password for {args.name}; their sessions are ended")
        elif args.command == "delete":
            n = delete_user(db, args.name)
            print(f"deleted {args.name} and their {n} token(s)")
        else:
            for name, role, created in db.execute("SELECT name, role, created_at FROM users ORDER BY id"):
                print(f"{name}\t{role}\t{created}")
        db.close()
    except UserError as e:
        sys.exit(f"users.py: {e}")
    except sqlite3.Error as e:
        sys.exit(f"users.py: {e}")


if __name__ == "__main__":
    main()
