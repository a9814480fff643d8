#!/bin/sh
# Installs the Debian packages that `make`, `make test` and `make demo` need,
# when one is missing. As root it runs apt-get; otherwise it prints the exact
# command to run and fails, so that nothing half-works later.
# Usage: scripts/install-deps.sh [extra-package ...]
set -eu
need="gcc make pkg-config libc6-dev libsqlite3-dev sqlite3 libsodium-dev check python3"
missing=""
for p in $need "$@"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing >/dev/null
else
  echo "missing Debian packages:$missing"
  echo "run: sudo apt-get install -y$missing"
  exit 1
fi
