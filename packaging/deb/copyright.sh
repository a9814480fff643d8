#!/bin/sh
# Writes the package's machine-readable copyright file
# (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/) from
# the repository's LICENSE, so that the license text is written once.
# Usage: sh packaging/deb/copyright.sh LICENSE > .../copyright
set -eu
license=$1
holder=$(sed -n 's/^Copyright (c) //p' "$license" | head -n 1)
cat <<HEAD
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: pat
Source: https://example.org/pat

Files: *
Copyright: $holder
License: Expat

License: Expat
HEAD
# The license's text after its title and copyright line, each line indented
# by one space, an empty line as " .".
sed -n '/^Permission is hereby granted/,$p' "$license" | sed -e 's/^$/./' -e 's/^/ /'
