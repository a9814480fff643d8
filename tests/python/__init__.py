# SQL-level tests of the pat extension (run with Debian's /usr/bin/python3):
#   /usr/bin/python3 -m unittest discover -s tests/python -t .
