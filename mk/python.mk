# mk/python.mk: the Python package (issue 18), included by the Makefile.
#
#   make python-wheel        builds dist/sqlite_pat-<version>-*.whl: the
#                            sqlite_pat package (load(conn), loadable_path())
#                            with dist/pat.so inside, from packaging/python,
#                            with Debian's setuptools and wheel, offline
#   make test-python-package builds it, installs it with pip into a fresh
#                            virtual environment (--no-index: nothing
#                            fetched) and uses it there with the standard
#                            sqlite3 module (tests/python_package/test_package.sh)
.PHONY: python-wheel test-python-package

PY_PKG_DEPS := python3-pip python3-venv python3-setuptools python3-wheel
PY_BUILD    := dist/python-build

python-wheel: dist/pat.so
	@sh scripts/install-deps.sh $(PY_PKG_DEPS)
	rm -rf $(PY_BUILD) dist/sqlite_pat-*.whl
	mkdir -p $(PY_BUILD)
	cp -r packaging/python/. $(PY_BUILD)/
	cp VERSION LICENSE $(PY_BUILD)/
	sed -i 's/@VERSION@/$(VERSION)/' $(PY_BUILD)/sqlite_pat/__init__.py
	cp dist/pat.so $(PY_BUILD)/sqlite_pat/pat.so
	cd $(PY_BUILD) && $(PYTHON) -m pip wheel --no-build-isolation --no-deps --no-index \
	  -q -w $(CURDIR)/dist . >/dev/null
	@ls dist/sqlite_pat-*.whl

test-python-package: deps python-wheel
	@sh tests/python_package/test_package.sh dist/sqlite_pat-$(VERSION)-*.whl
