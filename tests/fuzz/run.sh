#!/bin/sh
# Runs pat's libFuzzer targets (make fuzz builds them into dist/fuzz/ and
# calls this):
#   sh tests/fuzz/run.sh [target ...]      default: every dist/fuzz/fuzz_*
# For each target, first replays every file of tests/fuzz/regressions/<target>/
# (a crash found once stays fixed), then fuzzes for FUZZ_SECONDS (default 30)
# from the seeds in tests/fuzz/corpus/<target>/ plus what earlier runs found
# (dist/fuzz/corpus/<target>/, which new inputs go to). A crash, leak, timeout
# or broken property leaves its input in dist/fuzz/artifacts/<target>/ and
# fails the target. Environment: FUZZ_SECONDS, FUZZ_FLAGS (more libFuzzer
# flags, e.g. -rss_limit_mb=4096; not -jobs, whose logs this does not read).
# Last line: "fuzz: N passed, M failed" (targets); exit status 1 when M > 0.
set -u

LC_ALL=C
export LC_ALL
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
seconds=${FUZZ_SECONDS:-30}
flags=${FUZZ_FLAGS:-}
passed=0
failed=0
table=""

if [ $# -eq 0 ]; then
  for b in dist/fuzz/fuzz_*; do
    [ -x "$b" ] && set -- "$@" "$(basename "$b")"
  done
fi
if [ $# -eq 0 ]; then
  echo "fuzz: no target built (make fuzz-build)"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi

# Reports go to the log with the input that caused them; no recovery.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

now() { date +%s.%N; }

for t in "$@"; do
  bin=dist/fuzz/$t
  log=dist/fuzz/$t.log
  art=dist/fuzz/artifacts/$t
  corpus=dist/fuzz/corpus/$t
  seeds=tests/fuzz/corpus/$t
  mkdir -p "$art" "$corpus"
  echo "==== fuzz $t"
  if [ ! -x "$bin" ]; then
    echo "    $bin is missing"
    failed=$((failed + 1))
    table="$table
  $t: missing"
    continue
  fi
  dict=""
  [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"

  why=""
  reg=tests/fuzz/regressions/$t
  nreg=0
  if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
    nreg=$(find "$reg" -type f | wc -l)
    # Slow unwinding: libsqlite3 has no frame pointers, and the stacks of
    # frees and allocations made through it would stop there.
    # shellcheck disable=SC2086 # $dict is one word or none
    if ! ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" \
      "$bin" $dict -runs=1 "$reg"/* >"$log.replay" 2>&1; then
      why="a regression input fails again (see $log.replay)"
      if grep -q -E 'ERROR: |runtime error|fuzz property broken' "$log.replay"; then
        grep -m 1 -A 50 -E 'ERROR: |runtime error|fuzz property broken' "$log.replay" |
          grep -v '^ *#[0-9]* .* in \(fuzzer::\|main \|__libc\|_start\)' | sed 's/^/    /'
      else
        tail -n 30 "$log.replay" | sed 's/^/    /'
      fi
    else
      echo "    replayed $nreg regression input(s): ok"
    fi
  fi

  start=$(now)
  # shellcheck disable=SC2086 # $dict and $flags are word lists
  "$bin" $dict -max_total_time="$seconds" -timeout=25 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$art/" $flags "$corpus" "$seeds" \
    >"$log" 2>&1
  status=$?
  end=$(now)
  secs=$(echo "$start $end" | awk '{printf "%.1f", $2 - $1}')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
  size=$(find "$corpus" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    why="${why:+$why; }libFuzzer exit status $status"
    if grep -q -E 'ERROR: |runtime error|fuzz property broken' "$log"; then
      grep -m 1 -A 40 -E 'ERROR: |runtime error|fuzz property broken' "$log" | sed 's/^/    /'
    else
      tail -n 20 "$log" | sed 's/^/    /'
    fi
    for a in "$art"/*; do
      [ -f "$a" ] || continue
      echo "    input saved: $a (replay: $bin $a)"
      # Once more with whole stacks (see the replay above), into the log.
      ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" "$bin" "$a" \
        >"$log.$(basename "$a")" 2>&1
      echo "    its report with whole stacks: $log.$(basename "$a")"
    done
  fi
  line="$t: ${execs:-?} executions in ${secs}s (${rate:-?}/s), cov ${cov:-?}, corpus $size, regressions $nreg"
  if [ -n "$why" ]; then
    echo "    FAIL: $why"
    failed=$((failed + 1))
    table="$table
  FAIL $line"
  else
    echo "    ok: $line"
    passed=$((passed + 1))
    table="$table
  ok   $line"
  fi
done

echo "====$table"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
