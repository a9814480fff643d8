# bench-layout: what recording a token's first use costs under four store
# layouts, in plain SQLite (bench/layout.c; issue 19). Not part of make
# bench: about a minute here at LAYOUT_N=1000000 (four stores of 1M rows).
.PHONY: bench-layout

BENCH_LAYOUT_BIN := dist/bench_layout

$(BENCH_LAYOUT_BIN): bench/layout.c
	@mkdir -p dist
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BENCH_LIBS)

bench-layout: $(BENCH_LAYOUT_BIN)
	@mkdir -p bench/out
	./$(BENCH_LAYOUT_BIN) | tee bench/out/layout.md
	CHECKPOINT=1 ./$(BENCH_LAYOUT_BIN) | tee -a bench/out/layout.md
