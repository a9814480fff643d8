"""sitecustomize for `make test-secrets` (tests/stress/secrets.py puts this
directory first on PYTHONPATH while the normal suite runs).

With PAT_SECRETS_TMP set:
  - shutil.rmtree, os.remove and os.unlink of a path under PAT_SECRETS_TMP
    move it into PAT_SECRETS_TMP/.graveyard instead of deleting it, so the
    scan after the run sees every database, WAL and journal the tests left
    (for the caller the path is gone, as after a removal);
  - every connection made with sqlite3.connect gets a row factory that
    notes each token-shaped text with a valid pat checksum that comes out of
    a query (the tokens the tests minted) in PAT_SECRETS_RECORD, outside the
    scanned directory; rows are returned unchanged (the same tuples).
Then Debian's own sitecustomize runs, as it would have.
"""
import os
import sys


def _install():
    tmp = os.environ.get("PAT_SECRETS_TMP")
    if not tmp:
        return
    import re
    import shutil
    import sqlite3
    import zlib

    tmp = os.path.realpath(tmp)
    grave = os.path.join(tmp, ".graveyard")
    record = os.environ.get("PAT_SECRETS_RECORD")

    def inside(p):
        try:
            ap = os.path.realpath(os.fspath(p))
        except (TypeError, ValueError):
            return False
        return ap.startswith(tmp + os.sep) and not ap.startswith(grave + os.sep)

    def bury(p):
        # Not tempfile: its own clean-up of a probe file comes through here
        # while it holds a lock that mkdtemp would take again.
        os.makedirs(grave, exist_ok=True)
        while True:
            d = os.path.join(grave, "py.%d.%s" % (os.getpid(), os.urandom(6).hex()))
            try:
                os.mkdir(d, 0o700)
                break
            except FileExistsError:
                continue
        base = os.path.basename(os.fspath(p).rstrip(os.sep)) or "x"
        os.rename(p, os.path.join(d, base))

    real_rmtree, real_remove, real_unlink = shutil.rmtree, os.remove, os.unlink

    def rmtree(path, *a, **kw):
        if inside(path) and os.path.isdir(path) and not os.path.islink(path):
            try:
                bury(path)
                return None
            except OSError:
                pass
        return real_rmtree(path, *a, **kw)
    rmtree.avoids_symlink_attacks = getattr(real_rmtree, "avoids_symlink_attacks", False)

    def make_remove(real):
        def remove(path, *a, **kw):
            if not a and not kw and inside(path) and os.path.isfile(path):
                try:
                    bury(path)
                    return None
                except OSError:
                    pass
            return real(path, *a, **kw)
        return remove

    shutil.rmtree = rmtree
    os.remove = make_remove(real_remove)
    os.unlink = make_remove(real_unlink)

    if not record:
        return
    b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    shape = re.compile(r"[A-Za-z0-9_]{0,32}[0-9A-Za-z]{38}")

    def checksum(body):
        n = zlib.crc32(body.encode()) & 0xFFFFFFFF
        s = ""
        for _ in range(6):
            n, d = divmod(n, 62)
            s = b62[d] + s
        return s

    def note(cursor, row):
        for v in row:
            if isinstance(v, str) and 38 <= len(v) <= 70 and shape.fullmatch(v) \
                    and checksum(v[:-6]) == v[-6:]:
                try:
                    with open(record, "a", encoding="utf-8") as f:
                        f.write(v + "\n")
                except OSError:
                    pass
        return row

    real_connect = sqlite3.connect

    def connect(*a, **kw):
        conn = real_connect(*a, **kw)
        try:
            if conn.row_factory is None:
                conn.row_factory = note
        except Exception:
            pass
        return conn
    sqlite3.connect = connect


try:
    _install()
except Exception as e:  # never break the interpreter
    sys.stderr.write("sitecustomize (make test-secrets): %s\n" % e)

# Debian's own sitecustomize, which this one shadows.
_orig = "/etc/python%d.%d/sitecustomize.py" % sys.version_info[:2]
if os.path.exists(_orig):
    try:
        with open(_orig, encoding="utf-8") as _f:
            exec(compile(_f.read(), _orig, "exec"), {"__name__": "sitecustomize"})
    except Exception:
        pass
