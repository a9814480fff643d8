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
                                                       still applies (no build)
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
examples; the first failure kills it. dist/unit_tests and dist/example_c are
linked just before the first stage that runs them (the unit tests' own
sources are compiled with them, a few seconds that a mutant killed by a
Python test does not need). The file is restored afterwards (and rebuilt
with the next mutant). A mutant whose
original line is not found exactly once is STALE, one that does not compile
is INVALID; both fail the target, as does any survivor. A mutant still
running after MUTANT_TIMEOUT seconds (default 300) is stopped and counted as
killed (TIMEOUT): the mutant made a suite hang.

Exit status: 0 when every mutant selected is killed, 1 otherwise, 2 when the
run itself could not be made (bad list, baseline failing, no git).
"""
import argparse
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
    full_env = dict(os.environ)
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
            f.write("$ %s\n%s\n[exit %d]\n" % (" ".join(cmd), text, p.returncode))
    return p.returncode, text


class Stage:
    """One quick-to-run piece of the suites, and how to tell it passed."""

    def __init__(self, key, cmd, verdict, env=None, needs=None):
        self.key = key
        self.cmd = cmd
        self.verdict = verdict  # (status, output) -> None when passed, else why
        self.env = env
        self.needs = needs      # a make target beyond dist/pat.so, or None

    def run(self, deadline, log=None):
        status, out = run(self.cmd, deadline, self.env, log)
        return self.verdict(status, out), out


def check_verdict(status, out):
    m = re.findall(r"^\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)", out, re.M)
    if not m:
        return "no Check summary (exit status %d)" % status
    checks = sum(int(c) for c, _, _ in m)
    failed = sum(int(f) + int(e) for _, f, e in m)
    if failed:
        first = re.search(r"^.*:(?:F|E):.*$", out, re.M)
        return "%d of %d checks failed%s" % (failed, checks,
                                            ": " + first.group(0) if first else "")
    if checks == 0:
        return "ran no check"
    if status != 0:
        return "exit status %d" % status
    return None


def script_verdict(name):
    def verdict(status, out):
        m = re.findall(r"^%s: (\d+) passed, (\d+) failed$" % name, out, re.M)
        if not m:
            return "no summary line (exit status %d)" % status
        passed, failed = (int(x) for x in m[-1])
        if failed:
            bad = re.findall(r"^FAIL (.*)$", out, re.M)
            return "%d failed: %s" % (failed, ", ".join(bad) or "?")
        if passed == 0:
            return "nothing ran"
        if status != 0:
            return "exit status %d" % status
        return None
    return verdict


def unittest_verdict(status, out):
    ran = re.findall(r"^Ran (\d+) tests? in ", out, re.M)
    if not ran:
        return "no unittest summary (exit status %d)" % status
    if int(ran[-1]) == 0:
        return "ran no test"
    if status != 0 or not re.search(r"^OK( \(.*\))?$", out, re.M):
        first = re.search(r"^(FAIL|ERROR): (.*)$", out, re.M)
        return first.group(0) if first else "exit status %d" % status
    return None


def unit_stage(suite=None):
    env = {"CK_RUN_SUITE": suite} if suite else None
    return Stage("unit" + (":" + suite if suite else ""), ["./dist/unit_tests"],
                 check_verdict, env, needs="dist/unit_tests")


def sql_stage(names=()):
    return Stage("sql" + (":" + ",".join(names) if names else ""),
                 ["sh", "tests/run_sql.sh"] + list(names), script_verdict("sql"))


def python_stage(name):
    return Stage(name, [PYTHON, "-m", "unittest", "-f", name], unittest_verdict)


def examples_stage():
    return Stage("examples", ["sh", "tests/run_examples.sh"], script_verdict("examples"),
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
    if args.check:
        for m, why in stale:
            print("STALE    %s\n         %s (mutants.txt:%d)" % (m.name(), why, m.lineno))
        print("mutants: %d of %d apply" % (len(chosen) - len(stale), len(chosen)))
        return 1 if stale else 0

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
