# mk/browser.mk: the token management page (examples/web) driven end to end
# in headless Chromium (issue 7), included by the Makefile.
#
#   make test-browser   installs Debian's chromium (as root) when missing,
#                       playwright-core from npm (tests/web, pinned), starts
#                       the example server on a free port and runs
#                       tests/web/ui.test.js; PAT_WEB_SCREENSHOTS=1 also
#                       refreshes examples/web/screenshots/
#
# Its own target, not part of make test: it needs Chromium and Node.js 20 or
# later (playwright-core's floor; Debian 12's own nodejs is 18), which a
# fresh Debian machine does not have. It fails, never skips, when they can
# not be had. .ci/run runs it.
.PHONY: test-browser

test-browser: all
	sh tests/web/web_ui.sh
