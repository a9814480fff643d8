# mk/sqlite_versions.mk: the contract tests on other SQLite versions (issue
# 18), included by the Makefile. tests/sqlite_versions/run.sh builds each
# from the sources npm packages ship, with LD_LIBRARY_PATH in place of
# Debian's libsqlite3.
#
#   make test-sqlite-versions   the matrix, run by CI: the unit, SQL and
#                               Python suites on SQLite 3.40.0, the oldest pat
#                               supports, and on 3.54.1, the newest to be had
#                               here; and 3.39.4, one too old, refused when
#                               pat loads. Where 3.40 and 3.54.1 differ in what
#                               the suites meet (sqlite3_complete() and its
#                               shell, SQLite's own refusal of a CHECK calling
#                               pat), run.sh and the tests say so by name
#                               (README, "Which SQLite")
#   make test-sqlite-newest     the same on 3.54.1 alone (and 3.39.4)
.PHONY: test-sqlite-versions test-sqlite-newest

test-sqlite-versions: deps all dist/unit_tests
	@SQLITE_VERSIONS="3.40.0 3.54.1" sh tests/sqlite_versions/run.sh

test-sqlite-newest: deps all dist/unit_tests
	@SQLITE_VERSIONS=3.54.1 sh tests/sqlite_versions/run.sh
