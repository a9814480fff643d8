"""Runs the Python suite one test module per process, PAT_TEST_JOBS of them
at a time (default: the machine's cores), and prints what a single
`python -m unittest discover` run would have ended with:

    Ran N tests in S.SSSs
    OK | OK (skipped=K) | FAILED (failures=F, errors=E[, skipped=K])

so tests/run_all.sh reads it unchanged. Under make test-valgrind and
make test-asan each process is several times slower than normal; two at a
time halve the wall time on CI's two cores.

    /usr/bin/python3 tests/python/run_parallel.py INTERPRETER [MODULE...]

INTERPRETER runs each module (the sanitizer suites pass their wrapper).
Each module's output is printed whole, in the order the modules finish. A
module whose output ends without unittest's verdict (a crash, a hang past
PAT_TEST_TIMEOUT seconds, default 3600) counts as one error. The longest
modules start first, so the last to finish is a short one.
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
    t0 = time.monotonic()
    try:
        p = subprocess.run([interpreter, "-m", "unittest", "tests.python." + name], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        out, rc = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        out += "\nrun_parallel: %s did not end within %d s\n" % (name, timeout)
        rc = -1
    return name, out, rc, time.monotonic() - t0


def counts(out, rc):
    """(ran, failures, errors, skipped, note) from one module's output."""
    ran = RAN.findall(out)
    verdict = VERDICT.findall(out)
    if not ran or not verdict:
        return 0, 0, 1, 0, "no unittest verdict (exit status %d)" % rc
    fields = {}
    for part in (verdict[-1][1] or "").split(","):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            fields[k] = int(v)
    failures = fields.get("failures", 0) + fields.get("unexpected successes", 0)
    errors = fields.get("errors", 0)
    skipped = fields.get("skipped", 0) + fields.get("expected failures", 0)
    note = None
    if rc != 0 and failures + errors == 0:
        errors, note = 1, "exit status %d with no failed test" % rc
    if verdict[-1][0] == "NO TESTS RAN":
        errors, note = errors + 1, "no test ran"
    return int(ran[-1][0]), failures, errors, skipped, note


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: run_parallel.py INTERPRETER [MODULE...]")
    interpreter = sys.argv[1]
    names = sys.argv[2:] or modules()
    jobs = int(os.environ.get("PAT_TEST_JOBS") or os.cpu_count() or 1)
    timeout = int(os.environ.get("PAT_TEST_TIMEOUT") or 3600)
    t0 = time.monotonic()
    total = [0, 0, 0, 0]
    notes = []
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(run, interpreter, n, timeout) for n in names]
        for f in concurrent.futures.as_completed(futures):
            name, out, rc, secs = f.result()
            print("---- %s (%.1f s)" % (name, secs))
            print(out.rstrip("\n"), flush=True)
            c = counts(out, rc)
            for i in range(4):
                total[i] += c[i]
            if c[4]:
                notes.append("%s: %s" % (name, c[4]))
    for n in notes:
        print("run_parallel: counted as an error: " + n)
    ran, failures, errors, skipped = total
    print("-" * 70)
    print("Ran %d tests in %.3fs" % (ran, time.monotonic() - t0))
    print()
    parts = ["%s=%d" % kv for kv in (("failures", failures), ("errors", errors),
                                     ("skipped", skipped)) if kv[1]]
    if failures or errors:
        print("FAILED (%s)" % ", ".join(parts))
    else:
        print("OK" + (" (%s)" % ", ".join(parts) if parts else ""))
    sys.exit(1 if failures or errors else 0)


if __name__ == "__main__":
    main()
