# mk/sqlite_versions.mk: the contract tests on other SQLite versions (issue
# 18), included by the Makefile. tests/sqlite_versions/run.sh builds each
# from the sources npm packages ship, with LD_LIBRARY_PATH in place of
# Debian's libsqlite3.
#
#   make test-sqlite-versions   SQLite 3.40.0, the oldest pat supports: the
#                               unit, SQL and Python suites; and 3.39.4, one
#                               too old, refused when pat loads (CI runs it)
#   make test-sqlite-newest     the same on 3.54.1, the newest to be had
#                               here: not in CI yet, its suites show
#                               differences still being sorted (README,
#                               "Which SQLite")
.PHONY: test-sqlite-versions test-sqlite-newest

test-sqlite-versions: deps all dist/unit_tests
	@SQLITE_VERSIONS=3.40.0 sh tests/sqlite_versions/run.sh

test-sqlite-newest: deps all dist/unit_tests
	@SQLITE_VERSIONS=3.54.1 sh tests/sqlite_versions/run.sh
