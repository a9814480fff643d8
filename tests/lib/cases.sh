# tests/lib/cases.sh: how a shell suite counts its cases, written once.
# Source it after setting SUITE, the name its last line starts with:
#   result NAME [WHY]   a case: passed when WHY is empty, else failed (why)
#   scratch             makes $work, a temporary directory gone at exit
#   finish              prints "SUITE: N passed, M failed" and exits 0 only
#                       when none failed
pass=0
fail=0
result() {
  if [ -z "${2:-}" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: $2"; fi
}
finish() {
  echo "$SUITE: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}
# scratch: makes $work, a temporary directory removed when the suite exits
scratch() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/pat-$SUITE.XXXXXX") || exit 2
  trap 'rm -rf "$work"' EXIT
}
