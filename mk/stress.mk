# Stress tests of issue 5 (tests/stress/, Debian's /usr/bin/python3):
#   make test-stress    concurrency (processes on one WAL database) and crash
#                       (SIGKILL of a writer, WAL and rollback journal)
#   make test-secrets   the normal suite with a kept TMPDIR, then a scan of
#                       every file it left; and a dedicated minting run whose
#                       files and tables are searched for every plaintext
# Each script ends with "NAME: N passed, M failed" and fails on any
# violation; the target fails when any script failed, after running all.
# Knobs (environment): STRESS_SECONDS (20), STRESS_WORKERS (4),
# STRESS_CHECKERS (2), STRESS_AUDIT (changes), CRASH_KILLS (50 per mode),
# CRASH_MAX_MS (300), SECRETS_DIR (dist/test-secrets).
STRESS_PYTHON ?= /usr/bin/python3

.PHONY: test-stress test-secrets

test-stress: all
	@rc=0; \
	$(STRESS_PYTHON) tests/stress/concurrency.py || rc=1; \
	$(STRESS_PYTHON) tests/stress/crash.py || rc=1; \
	if [ $$rc -ne 0 ]; then echo "make test-stress: FAILED (see the violations above)"; fi; \
	exit $$rc

test-secrets: all dist/unit_tests
	@$(STRESS_PYTHON) tests/stress/secrets.py all || \
	{ echo "make test-secrets: FAILED (see the leaks above)"; exit 1; }
