"""Runs the Python suite one test module per process, PAT_TEST_JOBS of them
at a time (default: the machine's cores). Under make test-valgrind and
make test-asan each process is several times slower than normal; two at a
time halve the wall time on CI's two cores.

    /usr/bin/python3 tests/python/run_parallel.py INTERPRETER [MODULE...]

INTERPRETER runs each module (the sanitizer suites pass their wrapper)
through unittest, as `INTERPRETER -m unittest tests.python.MODULE` would,
except that a module in which no test ran exits 5 on every Python (unittest
itself does so only from 3.12 on).

A module's verdict is its process's exit status, never its output: 0 passed;
anything else failed (1: a test failed or raised, 5: no test ran, a signal
or a crash), and so does a module still running after PAT_TEST_TIMEOUT
seconds (default 3600). This runner exits 0 when every module passed, 1
otherwise (2 when it can not start).

Each module's output is printed whole, in the order the modules finish,
under a line "---- MODULE (S.S s): passed|FAILED (exit status X)". The longest
modules start first, so the last to finish is a short one. It ends with

    python modules: N passed, M failed[: the failed ones]
    python: N passed, M failed

the last line counting tests, read from unittest's "Ran N tests" and
"OK"/"FAILED (...)" lines: information only (a FAILED module counts at
least one failed test; skipped tests are counted apart).
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# The slowest modules, slowest first (seconds on a normal build, measured
# with every module alone): they start first. Others follow by size.
SLOW_FIRST = ["test_audit", "test_robustness", "test_two_connections", "test_verify",
              "test_attacks", "test_lifecycle", "test_upgrade",
              "test_hostile_create", "test_hostile_tables", "test_hostile_tokens"]

# `python -m unittest ARGS...`, but exiting 5 when no test ran on any Python
# (3.11 exits 0 there), 1 when a test failed, 0 when every test passed.
# tests/mutants/run.py runs its Python stages through it too
# (`INTERPRETER -c DRIVER -f tests.python.test_x.Class`).
DRIVER = """\
import sys, unittest
r = unittest.main(module=None, argv=["python -m unittest"] + sys.argv[1:], exit=False).result
sys.exit(5 if r.testsRun == 0 else 0 if r.wasSuccessful() else 1)
"""

# For the counts only (information): unittest's closing lines.
RAN = re.compile(r"^Ran (\d+) tests? in ([0-9.]+)s$", re.M)
VERDICT = re.compile(r"^(OK|FAILED|NO TESTS RAN)(?: \((.*)\))?$", re.M)


def modules():
    names = [f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py")]
    size = {n: os.path.getsize(os.path.join(HERE, n + ".py")) for n in names}

    def key(n):
        if n in SLOW_FIRST:
            return (0, SLOW_FIRST.index(n))
        return (1, -size[n])
    return sorted(names, key=key)


def run(interpreter, name, timeout):
    """(name, output, verdict, seconds): verdict None when the process exited
    0, else why the module failed."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([interpreter, "-c", DRIVER, "tests.python." + name], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        why = None
        if p.returncode == 5:
            why = "exit status 5: no test ran"
        elif p.returncode < 0:
            why = "exit status %d: killed by signal %d" % (p.returncode, -p.returncode)
        elif p.returncode != 0:
            why = "exit status %d" % p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        why = "did not end within %d s (PAT_TEST_TIMEOUT)" % timeout
    except OSError as e:
        out, why = "", "could not start %s: %s" % (interpreter, e)
    return name, out, why, time.monotonic() - t0


def counts(out):
    """(passed, failed, skipped) as the module's output says, for information;
    None when it has no unittest summary."""
    ran = RAN.findall(out)
    verdict = VERDICT.findall(out)
    if not ran or not verdict:
        return None
    fields = {}
    for part in (verdict[-1][1] or "").split(","):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            fields[k] = int(v)
    failed = (fields.get("failures", 0) + fields.get("errors", 0)
              + fields.get("unexpected successes", 0))
    skipped = fields.get("skipped", 0) + fields.get("expected failures", 0)
    return max(0, int(ran[-1][0]) - failed - skipped), failed, skipped


def main():
    if len(sys.argv) < 2:
        print("usage: run_parallel.py INTERPRETER [MODULE...]", file=sys.stderr)
        sys.exit(2)
    interpreter = sys.argv[1]
    names = sys.argv[2:] or modules()
    jobs = int(os.environ.get("PAT_TEST_JOBS") or os.cpu_count() or 1)
    timeout = int(os.environ.get("PAT_TEST_TIMEOUT") or 3600)
    t0 = time.monotonic()
    bad = []                    # "MODULE (why)", one per failed module
    good = 0
    tests = [0, 0, 0]           # passed, failed, skipped: information only
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(run, interpreter, n, timeout) for n in names]
        for f in concurrent.futures.as_completed(futures):
            name, out, why, secs = f.result()
            if why is None:
                good += 1
            else:
                bad.append("%s (%s)" % (name, why))
            print("---- %s (%.1f s): %s" % (name, secs, "FAILED (%s)" % why if why
                                           else "passed (exit status 0)"))
            print(out.rstrip("\n"), flush=True)
            c = counts(out) or (0, 0, 0)
            tests[0] += c[0]
            tests[1] += 1 if why and not c[1] else c[1]
            tests[2] += c[2]
    print("-" * 70)
    print("python: %d modules in %.1f s" % (len(names), time.monotonic() - t0))
    if not names:
        print("python: FAILED: no test module (tests/python/test_*.py)")
    for b in bad:
        print("python: FAILED module " + b)
    print("python modules: %d passed, %d failed" % (good, len(bad)))
    if tests[2]:
        print("python: %d tests skipped or expected failures, not counted" % tests[2])
    print("python: %d passed, %d failed" % (tests[0], tests[1]))
    sys.exit(1 if bad or not names else 0)


if __name__ == "__main__":
    main()
