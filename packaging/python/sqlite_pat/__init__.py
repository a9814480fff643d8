"""pat: Personal Access Tokens for SQLite, as a loadable extension.

    import sqlite3
    import sqlite_pat

    db = sqlite3.connect("app.db")
    db.enable_load_extension(True)
    sqlite_pat.load(db)
    db.enable_load_extension(False)
    token = db.execute("SELECT pat_create('alice', 'ci', 'DATA_FETCH')").fetchone()[0]

The compiled extension ships inside this package; loadable_path() names it
for any other way of loading it (apsw, sqlite-utils, a SQL `.load`).
"""
import os

__version__ = "@VERSION@"
__all__ = ["load", "loadable_path", "__version__"]


def loadable_path():
    """The extension's path, without its suffix, as SQLite's load_extension takes it."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "pat")


def load(conn):
    """Loads pat into a sqlite3 connection on which enable_load_extension(True) was called."""
    if not hasattr(conn, "load_extension"):
        raise RuntimeError(
            "this Python's sqlite3 module can not load extensions (it was built without"
            " --enable-loadable-sqlite-extensions): use a Python built with it, such as"
            " Debian's /usr/bin/python3, or one built by pyenv with"
            " PYTHON_CONFIGURE_OPTS=--enable-loadable-sqlite-extensions")
    conn.load_extension(loadable_path())
