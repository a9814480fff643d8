# mk/deb.mk: a Debian package of pat (issue 18), included by the Makefile.
#
#   make deb        builds dist/pat_<version>-1_<arch>.deb with dpkg-deb:
#                   the extension where Debian keeps SQLite's extensions
#                   (/usr/lib/sqlite3/pat.so, beside sqlite3-pcre's), the
#                   header, static library and pkg-config file under the
#                   multiarch paths, the copyright and changelog
#   make test-deb   builds it, runs lintian (no error allowed), then, as
#                   root, installs it with apt-get (which pulls its
#                   dependencies), loads the installed extension in the
#                   sqlite3 shell, builds a C program with pkg-config alone,
#                   and purges it: nothing it installed may be left
#                   (tests/deb/test_deb.sh)
.PHONY: deb test-deb

DEB_ARCH     := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_MULTI    := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
DEB_VERSION  := $(VERSION)-1
DEB_FILE     := dist/pat_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_ROOT     := dist/deb/root

deb: $(DEB_FILE)

$(DEB_FILE): dist/pat.so dist/libpat.a ext/pat.h LICENSE VERSION mk/deb.mk packaging/deb/control.in packaging/deb/changelog
	rm -rf dist/deb
	$(MAKE) --no-print-directory -s install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr \
	  LIBDIR=/usr/lib/$(DEB_MULTI) EXTDIR=/usr/lib/sqlite3
	strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	  $(DEB_ROOT)/usr/lib/sqlite3/pat.so
	chmod 0644 $(DEB_ROOT)/usr/lib/sqlite3/pat.so
	install -d $(DEB_ROOT)/usr/share/doc/pat $(DEB_ROOT)/DEBIAN
	sh packaging/deb/copyright.sh LICENSE > $(DEB_ROOT)/usr/share/doc/pat/copyright
	gzip -9n < packaging/deb/changelog > $(DEB_ROOT)/usr/share/doc/pat/changelog.Debian.gz
	chmod 0644 $(DEB_ROOT)/usr/share/doc/pat/*
	(cd $(DEB_ROOT) && find usr -type f | LC_ALL=C sort | xargs md5sum) > $(DEB_ROOT)/DEBIAN/md5sums
	sed -e 's/@VERSION@/$(DEB_VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
	  -e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)/" \
	  -e "s/@SODIUM@/$$(dpkg-query -W -f='$${Version}' libsodium23 | sed 's/-.*//')/" \
	  packaging/deb/control.in > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $@

test-deb: deps
	@sh scripts/install-deps.sh lintian
	@$(MAKE) --no-print-directory deb
	@sh tests/deb/test_deb.sh $(DEB_FILE)
