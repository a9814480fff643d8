#!/usr/bin/python3
"""Mutation testing of pat: make test-mutants.

Applies each mutant of tests/mutants/mutants.txt (a one-line change that a
real bug could look like) to a scratch copy of the working tree, rebuilds, and
runs the suites of make test against it, quickest first, stopping at the
first failure. A mutant that some test fails on is KILLED; one that every
suite passes is a SURVIVOR: a bug of that kind would land unnoticed.

    /usr/bin/python3 tests/mutants/run.py              every mutant
    MUTANTS='holds|wipe' /usr/bin/python3 tests/mutants/run.py
    /usr/bin/python3 tests/mutants/run.py 'holds' 12   a subset: regexes searched
                                                       in a mutant's line, or its
                                                       number (as printed)
    /usr/bin/python3 tests/mutants/run.py --check      only that every mutant
                                                       still applies and names
                                                       hints that exist (no build)
    ... --no-baseline   reuse the Python module timings of the last baseline
                        and skip the baseline run (inner loop only; the make
                        target always runs it)

The scratch copy is dist/mutants/tree: the files of `git ls-files -co
--exclude-standard` (the working tree as it is, uncommitted and untracked
files included, not HEAD), synced by content so that its build stays
incremental from one run to the next. Before any mutant, the untouched copy
is built and every suite is run on it (the baseline): a suite that fails or
can not run there would "kill" every mutant and prove nothing, so the run
stops with an error instead. The baseline also times each Python module, and
the modules then run fastest first.

Per mutant: apply it, build dist/pat.so and the mutated file's objects for
the unit tests and the static library (`make -j2 all dist/core/X.o
dist/static/X.o`), then run the mutant's hinted tests (5th field of its
line), the Check unit tests, the SQL files, the Python modules, the
examples; the first failure kills it. A stage's verdict is its exit status
alone, never its output (issue 14): 0 passed, anything else failed (its
output is kept in dist/mutants/*.log, and a line of it is quoted in the
reason shown). A stage that runs nothing exits non-zero at its source:
dist/unit_tests when CK_RUN_SUITE names no suite, tests/run_sql.sh when a
name matches no file, the Python stages (run through the driver of
tests/python/run_parallel.py, not `python -m unittest`, which exits 0 on
3.11) when no test ran, tests/run_examples.sh when nothing passed or
failed. Before any build, every hint of the mutants chosen is also checked
to name what exists (a Check suite, an SQL file, a Python module, class or
test), so that a typo is told at once. dist/unit_tests and dist/example_c are
linked just before the first stage that runs them (the unit tests' own
sources are compiled with them, a few seconds that a mutant killed by a
Python test does not need). The file is restored afterwards (and rebuilt
with the next mutant). A mutant whose
original line is not found exactly once is STALE, one that does not compile
is INVALID; both fail the target, as does any survivor. A mutant still
running after MUTANT_TIMEOUT seconds (default 300) is stopped and counted as
killed (TIMEOUT): the mutant made a suite hang.

Exit status: 0 when every mutant selected is killed, 1 otherwise (with
--check: 1 when a mutant is stale or a hint names nothing), 2 when the run
itself could not be made (bad list, a hint naming nothing, baseline
failing, no git).
"""
import argparse
import ast
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LIST = os.path.join(HERE, "mutants.txt")
WORK = os.path.join(ROOT, "dist", "mutants")
TREE = os.path.join(WORK, "tree")
TIMINGS = os.path.join(WORK, "timings.json")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
JOBS = os.environ.get("MUTANT_JOBS", "2")
MAKE = ["make", "-j" + JOBS, "--no-print-directory"]
BUILD = MAKE + ["all", "dist/unit_tests", "dist/example_c"]
# What git never lists but the scratch copy may hold: its own build, and
# what the suites leave behind.
KEEP = ("dist", "node_modules", "__pycache__")
# Check's own filters: inherited from the caller's environment they would
# make the full unit stage run a part of the checks.
CHECK_FILTERS = ("CK_RUN_SUITE", "CK_RUN_CASE", "CK_INCLUDE_TAGS", "CK_EXCLUDE_TAGS",
                 "CK_EXCLUDE_LIST")


_DRIVER = []


def python_driver():
    """tests/python/run_parallel.py's DRIVER: `python -m unittest ARGS`, but
    exiting 5 when no test ran (Python 3.11's unittest exits 0 there)."""
    if _DRIVER:
        return _DRIVER[0]
    path = os.path.join(ROOT, "tests", "python", "run_parallel.py")
    spec = importlib.util.spec_from_file_location("pat_run_parallel", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _DRIVER.append(mod.DRIVER)
    return mod.DRIVER


class ListError(Exception):
    pass


class RunError(Exception):
    """The run itself can not be made (exit status 2)."""


class Mutant:
    def __init__(self, number, lineno, path, original, replacement, breaks, hints):
        self.number = number
        self.lineno = lineno
        self.path = path
        self.original = original
        self.replacement = replacement
        self.breaks = breaks
        self.hints = hints

    def name(self):
        return "#%d %s: %s" % (self.number, self.path, self.breaks)

    def text(self):
        return "\t".join([self.path, self.original, self.replacement, self.breaks,
                          ",".join(self.hints)])


def parse_list(path):
    mutants = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) not in (4, 5):
                raise ListError("%s:%d: %d tab-separated fields, want 4 or 5"
                                % (path, lineno, len(fields)))
            fpath, original, replacement, breaks = (x.strip() for x in fields[:4])
            hints = [h.strip() for h in fields[4].split(",")] if len(fields) == 5 else []
            hints = [h for h in hints if h]
            if not fpath or not original or not breaks:
                raise ListError("%s:%d: empty file, line or description" % (path, lineno))
            if original == replacement:
                raise ListError("%s:%d: the replacement is the line itself" % (path, lineno))
            mutants.append(Mutant(len(mutants) + 1, lineno, fpath, original,
                                  replacement, breaks, hints))
    if not mutants:
        raise ListError("%s: no mutant" % path)
    return mutants


# ------------------------------------------------------------ the copy

def git_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard",
                              "-z"], check=True, stdout=subprocess.PIPE).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise RunError("can not list the working tree with git: %s" % e)
    files = [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]
    # Deleted but still tracked files are listed too.
    return sorted(p for p in files if os.path.isfile(os.path.join(ROOT, p)))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    """Writes data (a new mtime, so make sees the change)."""
    tmp = path + ".mutant-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    if os.path.exists(path):
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def sync_tree():
    """Makes TREE hold exactly the working tree's files (plus its build)."""
    files = git_files()
    os.makedirs(TREE, exist_ok=True)
    wanted = set(files)
    copied = 0
    for rel in files:
        src = os.path.join(ROOT, rel)
        dst = os.path.join(TREE, rel)
        data = read_bytes(src)
        if os.path.isfile(dst) and read_bytes(dst) == data:
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)
        copied += 1
    removed = 0
    for dirpath, dirnames, filenames in os.walk(TREE):
        rel_dir = os.path.relpath(dirpath, TREE)
        dirnames[:] = [d for d in dirnames
                       if d not in KEEP and not (rel_dir == "." and d == ".git")]
        for fn in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, fn))
            if rel not in wanted and not fn.endswith(".pyc"):
                os.unlink(os.path.join(dirpath, fn))
                removed += 1
    print("mutants: scratch copy %s: %d files, %d copied, %d removed"
          % (os.path.relpath(TREE, ROOT), len(files), copied, removed), flush=True)
    # The Node.js example's dependencies take minutes to install: take the
    # working tree's when it has them (tests/examples/node.sh stamps them).
    for ex in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        src = os.path.join(ROOT, "examples", ex, "node_modules")
        dst = os.path.join(TREE, "examples", ex, "node_modules")
        stamp = ".pat-example-stamp"
        if not os.path.isfile(os.path.join(src, stamp)):
            continue
        if (os.path.isfile(os.path.join(dst, stamp)) and
                read_bytes(os.path.join(src, stamp)) == read_bytes(os.path.join(dst, stamp))):
            continue
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst, symlinks=True)
        print("mutants: copied examples/%s/node_modules" % ex, flush=True)


# ------------------------------------------------------------ running

class Timeout(Exception):
    pass


def run(cmd, deadline, env=None, log=None):
    """Runs cmd in TREE; returns (status, output). Raises Timeout past the
    deadline (the whole process group is killed)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise Timeout()
    full_env = {k: v for k, v in os.environ.items() if k not in CHECK_FILTERS}
    full_env["PYTHON"] = PYTHON
    full_env["LC_ALL"] = "C"
    if env:
        full_env.update(env)
    p = subprocess.Popen(cmd, cwd=TREE, env=full_env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=left)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        raise Timeout()
    text = out.decode("utf-8", "replace")
    if log is not None:
        with open(log, "a", encoding="utf-8") as f:
            shown = ["DRIVER(tests/python/run_parallel.py)" if "\n" in c else c for c in cmd]
            f.write("$ %s\n%s\n[exit %d]\n" % (" ".join(shown), text, p.returncode))
    return p.returncode, text


class Stage:
    """One quick-to-run piece of the suites. It passed when its command
    exited 0, failed otherwise: its output never decides."""

    def __init__(self, key, cmd, quote, env=None, needs=None):
        self.key = key
        self.cmd = cmd
        self.quote = quote      # a regex: the output's lines worth quoting
        self.env = env
        self.needs = needs      # a make target beyond dist/pat.so, or None

    def run(self, deadline, log=None):
        """(None, output) when the stage passed, else (why, output)."""
        status, out = run(self.cmd, deadline, self.env, log)
        return stage_verdict(status, out, self.quote), out


def stage_verdict(status, out, quote):
    """None for exit status 0; else why, the exit status, with the first
    lines of the output that match quote (or its last line) for the reader."""
    if status == 0:
        return None
    if status < 0:
        why = "killed by signal %d" % -status
    elif status == NO_TEST_RAN:
        why = "exit status %d, no test ran" % status
    else:
        why = "exit status %d" % status
    lines = re.findall(quote, out, re.M)[:3]
    if not lines and status != NO_TEST_RAN:
        lines = out.strip().splitlines()[-1:]
    return why + (": " + "; ".join(l.strip() for l in lines) if lines else "")


# The exit status of dist/unit_tests and of run_parallel.py's driver when
# no test ran (as unittest's own from Python 3.12 on).
NO_TEST_RAN = 5

# The lines that say what failed, for the reason shown (information only).
CHECK_FAILED = r"^.*:(?:F|E):.*$|^unit_tests: .*$"
SCRIPT_FAILED = r"^(?:FAIL .*|run_sql: .*|examples: no example .*)$"
UNITTEST_FAILED = r"^(?:FAIL|ERROR): .*$"


def unit_stage(suite=None):
    env = {"CK_RUN_SUITE": suite} if suite else None
    return Stage("unit" + (":" + suite if suite else ""), ["./dist/unit_tests"],
                 CHECK_FAILED, env, needs="dist/unit_tests")


def sql_stage(names=()):
    return Stage("sql" + (":" + ",".join(names) if names else ""),
                 ["sh", "tests/run_sql.sh"] + list(names), SCRIPT_FAILED)


def python_stage(name):
    return Stage(name, [PYTHON, "-c", python_driver(), "-f", name], UNITTEST_FAILED)


def examples_stage():
    return Stage("examples", ["sh", "tests/run_examples.sh"], SCRIPT_FAILED,
                 needs="dist/example_c")


def python_modules():
    d = os.path.join(TREE, "tests", "python")
    return sorted("tests.python." + f[:-3] for f in os.listdir(d)
                  if f.startswith("test_") and f.endswith(".py"))


def hint_stage(hint):
    if hint == "unit":
        return unit_stage()
    if hint.startswith("unit:"):
        return unit_stage(hint[5:])
    if hint == "sql":
        return sql_stage()
    if hint.startswith("sql:"):
        return sql_stage(tuple(hint[4:].split("+")))
    if hint == "examples":
        return examples_stage()
    if re.match(r"^tests\.python\.test_\w+(\.\w+)*$", hint):
        return python_stage(hint)
    raise ListError("unknown hint %r (unit[:suite], sql[:name], examples, or "
                    "tests.python.test_x[.Class[.test]])" % hint)


def unit_suites():
    """The names of the Check suites, as tests/unit/*.c create them."""
    d = os.path.join(TREE, "tests", "unit")
    names = set()
    for f in os.listdir(d):
        if f.endswith(".c"):
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                names.update(re.findall(r'\bsuite_create\("([^"]*)"\)', fh.read()))
    return names


def python_classes(module):
    """The top-level classes of tests/python/MODULE.py, by name, read from
    its source (nothing is imported)."""
    path = os.path.join(TREE, "tests", "python", module + ".py")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    return {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}


def python_hint_problem(hint):
    """Why the Python unittest name hint names nothing, or None. Read from
    the module's source: a test method is looked for in its class and the
    classes it inherits from in the same module or in tests/python's own
    modules (helpers, hostile); past a base class of anywhere else (not
    unittest.TestCase) it is given the benefit of the doubt, and the
    baseline, which runs every hint, decides by exit status."""
    parts = hint.split(".")
    if not os.path.isfile(os.path.join(TREE, *parts[:3]) + ".py"):
        return "no module %s.py" % "/".join(parts[:3])
    if len(parts) == 3:
        return None
    if len(parts) > 5:
        return "too many parts (tests.python.test_x.Class.test at most)"
    classes = python_classes(parts[2])
    if parts[3] not in classes:
        return "no class %s in %s" % (parts[3], ".".join(parts[:3]))
    if len(parts) == 4:
        return None
    todo, seen, unknown = [(parts[2], parts[3])], set(), False
    while todo:
        module, name = todo.pop()
        if (module, name) in seen:
            continue
        seen.add((module, name))
        node = python_classes(module)[name]
        if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == parts[4]
               for n in node.body):
            return None
        for b in node.bases:
            if isinstance(b, ast.Name) and b.id in python_classes(module):
                todo.append((module, b.id))
            elif isinstance(b, ast.Name) and b.id in python_classes("helpers"):
                todo.append(("helpers", b.id))      # from tests.python.helpers import X
            elif (isinstance(b, ast.Attribute) and isinstance(b.value, ast.Name)
                  and b.value.id in ("helpers", "hostile")
                  and b.attr in python_classes(b.value.id)):
                todo.append((b.value.id, b.attr))
            elif not (isinstance(b, ast.Attribute) and b.attr == "TestCase"
                      and isinstance(b.value, ast.Name) and b.value.id == "unittest"):
                unknown = True
    if unknown:
        return None
    return "no test %s in class %s nor the classes it inherits from" % (parts[4], parts[3])


def hint_problem(hint):
    """Why a hint names a suite, file or test that does not exist, or None."""
    if hint.startswith("unit:"):
        suites = unit_suites()
        if hint[5:] not in suites:
            return "no Check suite %r (tests/unit: %s)" % (hint[5:], ", ".join(sorted(suites)))
    elif hint.startswith("sql:"):
        files = [f[:-4] for f in os.listdir(os.path.join(TREE, "tests", "sql"))
                 if f.endswith(".sql")]
        for name in hint[4:].split("+"):
            if not name or not any(name in f for f in files):
                return "no tests/sql/*.sql whose name contains %r" % name
    elif hint.startswith("tests.python."):
        return python_hint_problem(hint)
    return None


def bad_hints(mutants):
    """(mutant, hint, why) for every hint of mutants that names nothing."""
    bad = []
    for m in mutants:
        for h in m.hints:
            why = hint_problem(h)
            if why:
                bad.append((m, h, why))
    return bad


def full_order(timings):
    mods = python_modules()
    mods.sort(key=lambda m: (timings.get(m, 1e9), m))
    return [unit_stage(), sql_stage()] + [python_stage(m) for m in mods] + [examples_stage()]


def stages_for(m, timings):
    first = [hint_stage(h) for h in m.hints]
    keys = {s.key for s in first}
    return first + [s for s in full_order(timings) if s.key not in keys]


# ------------------------------------------------------------ mutants

JOIN = "\u23ce"  # joins consecutive lines in one field (see mutants.txt)


def locate(m):
    """The index of the one place in the mutant's file whose line (or run of
    consecutive lines, for an original joined with JOIN) is the original,
    compared trimmed, and the file's lines; or a reason why not."""
    path = os.path.join(TREE, m.path)
    if not os.path.isfile(path):
        return None, None, "no file %s" % m.path
    lines = read_bytes(path).decode("utf-8", "surrogateescape").splitlines(True)
    want = [part.strip() for part in m.original.split(JOIN)]
    hits = [i for i in range(len(lines) - len(want) + 1)
            if all(lines[i + k].strip() == w for k, w in enumerate(want))]
    if len(hits) != 1:
        return None, lines, "the line is found %d times in %s" % (len(hits), m.path)
    return hits[0], lines, None


def apply(m, index, lines):
    """Replaces the original line(s) with the replacement's, each with the
    indentation of the line it replaces (or of the last one)."""
    n = len(m.original.split(JOIN))
    old = lines[index:index + n]
    ending = old[-1][len(old[-1].rstrip("\r\n")):] or "\n"
    new = []
    for k, part in enumerate(m.replacement.split(JOIN)):
        line = old[min(k, n - 1)]
        indent = line[:len(line) - len(line.lstrip())]
        new.append(indent + part.strip() + ending)
    mutated = lines[:index] + new + lines[index + n:]
    write_bytes(os.path.join(TREE, m.path),
                "".join(mutated).encode("utf-8", "surrogateescape"))


def build(deadline, log, targets=None):
    status, out = run(MAKE + targets if targets else BUILD, deadline, log=log)
    return status, out


def first_targets(m):
    """What a mutant is built into before its first test: dist/pat.so, and
    for a file of ext/ its objects for the unit tests and the static library
    too (so that a mutant that does not compile is told at once). The unit
    tests and the C example are linked when a stage needs them."""
    targets = ["all"]
    name = os.path.basename(m.path)
    if m.path.startswith("ext/") and name.endswith(".c"):
        targets += ["dist/core/" + name[:-2] + ".o", "dist/static/" + name[:-2] + ".o"]
    return targets


def tail(text, n=15):
    return "\n".join("      " + l for l in text.rstrip().splitlines()[-n:])


def baseline(timings_only_cached, mutants):
    """Builds the untouched copy and runs every stage on it once (and every
    hint): all must pass. Returns the Python modules' durations."""
    log = os.path.join(WORK, "baseline.log")
    if os.path.exists(log):
        os.unlink(log)
    deadline = time.monotonic() + 1800
    t0 = time.monotonic()
    try:
        status, out = build(deadline, log)
    except Timeout:
        raise RunError("the untouched tree did not build in time")
    if status != 0:
        raise RunError("the untouched tree does not build:\n" + tail(out, 40))
    print("mutants: built the untouched copy in %.0f s" % (time.monotonic() - t0),
          flush=True)
    cached = None
    if timings_only_cached:
        try:
            with open(TIMINGS, encoding="utf-8") as f:
                cached = json.load(f)
        except (OSError, ValueError):
            print("mutants: no timings from an earlier baseline: running it")
    timings = {}
    # Without the baseline, the hints are still run once: a hint that can
    # not pass (a typo in its name) would "kill" every mutant it leads.
    stages = full_order({}) if cached is None else []
    seen = {s.key for s in stages}
    for m in mutants:
        for h in m.hints:
            s = hint_stage(h)
            if s.key not in seen:
                seen.add(s.key)
                stages.append(s)
    for s in stages:
        t = time.monotonic()
        try:
            why, out = s.run(deadline, log)
        except Timeout:
            raise RunError("baseline: %s timed out" % s.key)
        timings[s.key] = time.monotonic() - t
        if why is not None:
            raise RunError("baseline: %s fails on the untouched tree (%s); "
                             "every mutant would look killed. Its output:\n%s"
                             % (s.key, why, tail(out, 40)))
        print("mutants: baseline %-45s ok %5.1f s" % (s.key, timings[s.key]), flush=True)
    print("mutants: baseline passed in %.0f s" % (time.monotonic() - t0), flush=True)
    if cached is not None:
        return cached
    with open(TIMINGS, "w", encoding="utf-8") as f:
        json.dump(timings, f, indent=1, sort_keys=True)
    return timings


def select(mutants, patterns):
    if not patterns:
        return mutants
    chosen = []
    for m in mutants:
        for p in patterns:
            if (p.isdigit() and int(p) == m.number) or (
                    not p.isdigit() and re.search(p, m.text())):
                chosen.append(m)
                break
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("patterns", nargs="*", help="regexes or numbers choosing mutants")
    ap.add_argument("--list", default=LIST)
    ap.add_argument("--check", action="store_true",
                    help="only check that every mutant applies")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--timeout", type=float,
                    default=float(os.environ.get("MUTANT_TIMEOUT", "300")))
    args = ap.parse_args()
    patterns = list(args.patterns)
    if os.environ.get("MUTANTS"):
        patterns += [p for p in re.split(r"[,\s]+", os.environ["MUTANTS"]) if p]
    try:
        mutants = parse_list(args.list)
        for m in mutants:
            for h in m.hints:
                hint_stage(h)
    except (OSError, ListError) as e:
        print("mutants: %s" % e)
        return 2
    chosen = select(mutants, patterns)
    if not chosen:
        print("mutants: no mutant matches %s" % patterns)
        return 2
    try:
        return run_mutants(args, chosen)
    except RunError as e:
        print("mutants: %s" % e, flush=True)
        return 2


def run_mutants(args, chosen):
    os.makedirs(WORK, exist_ok=True)
    sync_tree()
    stale = []
    for m in chosen:
        _, _, why = locate(m)
        if why:
            stale.append((m, why))
    bad = bad_hints(chosen)
    for m, h, why in bad:
        print("BADHINT  %s\n         hint %s: %s (mutants.txt:%d)"
              % (m.name(), h, why, m.lineno), flush=True)
    if args.check:
        for m, why in stale:
            print("STALE    %s\n         %s (mutants.txt:%d)" % (m.name(), why, m.lineno))
        print("mutants: %d of %d apply, %d bad hints"
              % (len(chosen) - len(stale), len(chosen), len(bad)))
        return 1 if stale or bad else 0
    if bad:
        raise RunError("%d hints name no test (BADHINT above): fix them first, the "
                       "baseline would fail on them" % len(bad))

    start = time.monotonic()
    timings = baseline(args.no_baseline, chosen)
    log = os.path.join(WORK, "mutants.log")
    if os.path.exists(log):
        os.unlink(log)
    killed, survived, broken = [], [], []
    for m in chosen:
        t = time.monotonic()
        index, lines, why = locate(m)
        if why:
            broken.append(m)
            print("STALE    %s\n         %s (mutants.txt:%d)" % (m.name(), why, m.lineno),
                  flush=True)
            continue
        original = read_bytes(os.path.join(TREE, m.path))
        deadline = t + args.timeout
        verdict = None
        try:
            with open(log, "a", encoding="utf-8") as f:
                f.write("\n==== %s\n" % m.name())
            apply(m, index, lines)
            try:
                status, out = build(deadline, log, first_targets(m))
                built = set()
                if status != 0:
                    verdict = ("INVALID", "does not build:\n" + tail(out))
                else:
                    for s in stages_for(m, timings):
                        if s.needs and s.needs not in built:
                            status, out = build(deadline, log, [s.needs])
                            if status != 0:
                                verdict = ("INVALID", "%s does not build:\n%s"
                                           % (s.needs, tail(out)))
                                break
                            built.add(s.needs)
                        why, _ = s.run(deadline, log)
                        if why is not None:
                            verdict = ("KILLED", "by %s (%s)" % (s.key, why))
                            break
            except Timeout:
                verdict = ("KILLED", "TIMEOUT after %.0f s" % args.timeout)
        finally:
            write_bytes(os.path.join(TREE, m.path), original)
        took = time.monotonic() - t
        if verdict is None:
            survived.append(m)
            print("SURVIVED %s (%.0f s)\n         %s\n      -> %s"
                  % (m.name(), took, m.original, m.replacement), flush=True)
        elif verdict[0] == "KILLED":
            killed.append(m)
            why = verdict[1] if len(verdict[1]) < 200 else verdict[1][:200] + "..."
            print("KILLED   %s\n         %s in %.0f s" % (m.name(), why, took), flush=True)
        else:
            broken.append(m)
            print("INVALID  %s (mutants.txt:%d) %s" % (m.name(), m.lineno, verdict[1]),
                  flush=True)
    # The copy as it was, so that the next run starts from a true build.
    try:
        build(time.monotonic() + 600, None)
    except Timeout:
        pass
    total = time.monotonic() - start
    print("mutants: %d killed, %d survived, %d stale/invalid of %d (%.0f s)"
          % (len(killed), len(survived), len(broken), len(chosen), total))
    for m in survived:
        print("  survivor %s\n           %s  ->  %s" % (m.name(), m.original, m.replacement))
    for m in broken:
        print("  stale/invalid %s (mutants.txt:%d)" % (m.name(), m.lineno))
    return 0 if not survived and not broken else 1


if __name__ == "__main__":
    sys.exit(main())
