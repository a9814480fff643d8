# bench-http: the example JSON API under wrk, with pat's check, with no
# check and with a hand-written check (SHA-256 + SELECT), in one run
# (bench/http_bench.py; bench/README.md, "End to end: HTTP").
#   make bench-http                          about 4 minutes: 2 kinds of connection,
#                                            each 3 rounds of 3 variants x 10 s
#   HTTP_BENCH_SECONDS=3 HTTP_BENCH_ROUNDS=1 make bench-http   a quick look
# Installs Debian's wrk when it is missing (as root; otherwise it prints the
# apt-get line and fails). Any error, a non-2xx answer counted by wrk
# included, fails the target. Results: bench/out/http.md.
.PHONY: bench-http

bench-http:
	@sh scripts/install-deps.sh wrk
	@$(MAKE) --no-print-directory dist/pat.so
	@mkdir -p bench/out/http
	@echo "machine: $$(nproc) CPUs, $$(lscpu | sed -n 's/^Model name: *//p'); pat $(VERSION)"\
	  "($$(git rev-parse --short HEAD 2>/dev/null || echo no git)$$(git status --porcelain\
	  ext sql bench/http_bench.py bench/http_server.py examples/python 2>/dev/null | grep -q . && echo ', changed since'))"
	@# A snapshot of the extension, so that a rebuild during the run can not
	@# mix two versions in one table.
	cp dist/pat.so bench/out/http/pat.so
	BENCH_EXT=bench/out/http/pat $(PYTHON) bench/http_bench.py
