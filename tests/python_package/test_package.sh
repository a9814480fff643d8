#!/bin/sh
# The Python package as a user gets it (issue 18): the wheel installed with
# pip into a fresh virtual environment, offline, then used there with the
# standard sqlite3 module: sqlite_pat.load(conn) and loadable_path(). Also
# what a Python that can not load extensions says (README, "A Python
# package"), when this machine has one (pyenv's python3 here).
# Prints one line per case and closes with "python_package: N passed, M failed".
set -u
wheel=${1:?usage: test_package.sh dist/sqlite_pat-<version>-<tags>.whl}
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
SUITE=python_package
. "$root/tests/lib/cases.sh"
scratch

[ -f "$wheel" ] || { result "the wheel was built" "no $wheel"; finish; }
unzip -l "$wheel" | grep -q 'sqlite_pat/pat.so' && result "the wheel holds sqlite_pat/pat.so" ||
  result "the wheel holds sqlite_pat/pat.so" "$(unzip -l "$wheel")"
case $(basename "$wheel") in
  *-py3-none-linux_*.whl) result "the wheel is tagged for any Python 3 on this platform ($(basename "$wheel"))" ;;
  *) result "the wheel is tagged for any Python 3 on this platform" "$(basename "$wheel")" ;;
esac

/usr/bin/python3 -m venv "$work/venv" >"$work/venv.log" 2>&1 || { result "python3 -m venv" "$(cat "$work/venv.log")"; }
if "$work/venv/bin/pip" install -q --no-index "$wheel" >"$work/pip.log" 2>&1; then
  result "pip install --no-index $(basename "$wheel") into a fresh venv"
else result "pip install into a fresh venv" "$(tail -n 5 "$work/pip.log")"; fi

# From a directory outside the repository, so nothing of it is imported.
cat >"$work/use.py" <<'PYEOF'
import os, sqlite3, sys
import sqlite_pat
want = sys.argv[1]
assert sqlite_pat.__version__ == want, sqlite_pat.__version__
path = sqlite_pat.loadable_path()
assert os.path.isfile(path + ".so"), path
assert os.sep + "site-packages" + os.sep in path, path
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
sqlite_pat.load(db)
db.enable_load_extension(False)
assert db.execute("SELECT pat_version()").fetchone()[0] == want
tok = db.execute("SELECT pat_create('alice', 'ci', 'DATA_FETCH')").fetchone()[0]
assert db.execute("SELECT pat_verify(?)", ("Bearer " + tok,)).fetchone()[0] == 1
assert db.execute("SELECT pat_has_right(?, 'DATA_FETCH'), pat_has_right(?, 'USER_DELETE')",
                  (tok, tok)).fetchone() == (1, 0)
print("ok")
PYEOF
out=$(cd "$work" && "$work/venv/bin/python" use.py "$(cat "$root/VERSION")" 2>&1)
[ "$out" = ok ] && result "in the venv: import sqlite_pat; load(conn); pat_create, pat_verify, pat_has_right" ||
  result "in the venv: import sqlite_pat; load(conn); pat_create, pat_verify, pat_has_right" "$out"

# A Python whose sqlite3 can not load extensions: the error the README shows.
nopy=""
for p in $(which -a python3 2>/dev/null); do
  "$p" -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension' >/dev/null 2>&1 || { nopy=$p; break; }
done
if [ -n "$nopy" ]; then
  site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  out=$(cd "$work" && PYTHONPATH="$site" "$nopy" -c '
import sqlite3, sqlite_pat
try:
    sqlite_pat.load(sqlite3.connect(":memory:"))
except RuntimeError as e:
    print(e)' 2>&1)
  case $out in
    "this Python's sqlite3 module can not load extensions"*) result "a Python without loadable extensions gets the README's error ($nopy)" ;;
    *) result "a Python without loadable extensions gets the README's error ($nopy)" "$out" ;;
  esac
else
  echo "note: every python3 here can load extensions; the README's error for one that can not is not shown"
fi
finish
