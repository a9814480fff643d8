# mk/clients.mk: pat from other languages' SQLite bindings (issue 18),
# included by the Makefile.
#
#   make test-clients   installs Debian's Perl, Ruby, PHP, Tcl and Go
#                       bindings (as root) and runs examples/clients with
#                       each (tests/clients/run.sh)
.PHONY: test-clients

CLIENT_PKGS := libdbd-sqlite3-perl ruby ruby-sqlite3 php-cli php-sqlite3 tcl libsqlite3-tcl \
               golang-go golang-github-mattn-go-sqlite3-dev

test-clients: deps all
	@sh scripts/install-deps.sh $(CLIENT_PKGS)
	@sh tests/clients/run.sh
