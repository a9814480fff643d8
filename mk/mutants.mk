# mk/mutants.mk: mutation testing (issue 13), included by the Makefile.
#
#   make test-mutants                 every mutant of tests/mutants/mutants.txt
#   make test-mutants MUTANTS=holds   only those whose line matches (regexes,
#                                     or numbers, separated by commas)
#
# Each mutant is a one-line change that a real bug could look like; the
# target applies it to a scratch copy of the working tree (dist/mutants/tree),
# rebuilds, and runs the suites of make test quickest first, stopping at the
# first failure. It prints every mutant's fate, the score and every
# survivor, and fails unless every mutant is killed (tests/mutants/run.py
# says how, and what STALE and INVALID mean).

.PHONY: test-mutants

test-mutants: deps
	@MUTANTS='$(MUTANTS)' $(PYTHON) tests/mutants/run.py
