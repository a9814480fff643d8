# mk/npm.mk: the npm package (issue 18), included by the Makefile.
#
#   make npm-package        builds dist/sqlite-pat-<version>.tgz with npm pack
#                           from packaging/npm: require('sqlite-pat').load(db)
#                           and getLoadablePath(), dist/pat.so inside as
#                           lib/linux-x64/pat.so
#   make test-npm-package   builds it, installs the tarball into a scratch
#                           project and loads it into better-sqlite3 12 there
#                           (tests/npm_package/test_package.sh); needs Node.js
#                           20 or later and npm, and fails without them
.PHONY: npm-package test-npm-package

NPM_BUILD := dist/npm-build

npm-package: dist/pat.so
	rm -rf $(NPM_BUILD) dist/sqlite-pat-*.tgz
	mkdir -p $(NPM_BUILD)/lib/linux-x64
	cp packaging/npm/index.js packaging/npm/index.d.ts packaging/npm/README.md LICENSE $(NPM_BUILD)/
	sed 's/@VERSION@/$(VERSION)/' packaging/npm/package.json.in > $(NPM_BUILD)/package.json
	cp dist/pat.so $(NPM_BUILD)/lib/linux-x64/pat.so
	cd $(NPM_BUILD) && npm pack --silent --pack-destination $(CURDIR)/dist >/dev/null
	@ls dist/sqlite-pat-$(VERSION).tgz

test-npm-package: npm-package
	@sh tests/npm_package/test_package.sh dist/sqlite-pat-$(VERSION).tgz
