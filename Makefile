# dfwgen — see README.md. Debian 12: ./install.sh installs what this needs.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share/dfwgen
LIBDIR     ?= $(PREFIX)/lib/dfwgen
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/dfwgen
UNITDIR    ?= /etc/systemd/system
APTCONFDIR ?= /etc/apt/apt.conf.d
NFPDIR     ?= /usr/share/netfilter-persistent/plugins.d
DESTDIR    ?=
VERSION    := 0.1.0

# independent objects and binaries are built side by side
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)

CC      ?= cc
PKGS    := inih libpcre2-8 libmnl
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS))
CPPFLAGS += -DDFW_VERSION='"$(VERSION)"' -DDFW_TEMPLATE_DIR='"$(DATADIR)/templates"' \
	    -DDFW_SYSCONF_DIR='"$(SYSCONFDIR)"'
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -pthread

SRCS := $(wildcard gen/*.c)
OBJS := $(SRCS:.c=.o)

all: dfwgen

dfwgen: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

gen/%.o: gen/%.c $(wildcard gen/*.h) Makefile
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The unit tests of the pure modules: gen/'s objects but main.o, linked with
# tests/unit/unit.c; plain and under ASan + UBSan (tests/unit.bats runs both).
LIB_OBJS := $(filter-out gen/main.o,$(OBJS))
UNIT_BIN := build-unit/unit
UNIT_ASAN_BIN := build-asan/unit

$(UNIT_BIN): tests/unit/unit.c $(LIB_OBJS)
	@mkdir -p build-unit
	$(CC) $(CPPFLAGS) $(CFLAGS) -iquote gen -o $@ tests/unit/unit.c $(LIB_OBJS) $(LDLIBS)

$(UNIT_ASAN_BIN): tests/unit/unit.c $(SRCS) $(wildcard gen/*.h) Makefile
	@mkdir -p build-asan
	$(CC) $(ASAN_FLAGS) $(CPPFLAGS) -iquote gen -o $@ tests/unit/unit.c $(filter-out gen/main.c,$(SRCS)) $(LDLIBS)

unit: $(UNIT_BIN)
	$(UNIT_BIN)

# The whole suite (the network-namespace suites need root; CI runs as root),
# then every suite that needs no root again against an ASan + UBSan build.
# make check SANITIZE=1 runs only that second pass.
ASAN_BIN := build-asan/dfwgen
ASAN_FLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all $(shell pkg-config --cflags $(PKGS))

$(ASAN_BIN): $(SRCS) $(wildcard gen/*.h) Makefile
	@mkdir -p build-asan
	$(CC) $(ASAN_FLAGS) $(CPPFLAGS) -o $@ $(SRCS) $(LDLIBS)

# The same dfwgen with test-only fault injection (DFWGEN_FAULT) compiled in:
# the installed binary never honours it.
FAULTS_BIN := build-faults/dfwgen

$(FAULTS_BIN): $(SRCS) $(wildcard gen/*.h) Makefile
	@mkdir -p build-faults
	$(CC) $(CPPFLAGS) $(CFLAGS) -DDFW_FAULTS -o $@ $(SRCS) $(LDLIBS)

ifeq ($(SANITIZE),1)
check: $(ASAN_BIN) $(UNIT_ASAN_BIN)
	SANITIZED=$(CURDIR)/$(ASAN_BIN) SANITIZED_ONLY=1 tests/run
else
check: dfwgen $(ASAN_BIN) $(FAULTS_BIN) $(UNIT_BIN) $(UNIT_ASAN_BIN)
	SANITIZED=$(CURDIR)/$(ASAN_BIN) tests/run
endif

# Regenerate the golden files after a deliberate output change; review the diff.
golden: dfwgen
	tests/regen-golden

SUBST = sed -e 's|@SBINDIR@|$(BINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g'

# The hooks act only once the admin enables dfwgen.service (see README).
install: dfwgen
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR)/docker.service.d \
		$(DESTDIR)$(APTCONFDIR) $(DESTDIR)$(NFPDIR)
	install -m 0755 dfwgen $(DESTDIR)$(BINDIR)/dfwgen
	install -m 0644 templates/*.rules $(DESTDIR)$(DATADIR)/templates/
	$(SUBST) contrib/dfwgen-hook >$(DESTDIR)$(LIBDIR)/dfwgen-hook
	chmod 0755 $(DESTDIR)$(LIBDIR)/dfwgen-hook
	$(SUBST) contrib/systemd/dfwgen.service >$(DESTDIR)$(UNITDIR)/dfwgen.service
	$(SUBST) contrib/systemd/docker.service.d-dfwgen.conf >$(DESTDIR)$(UNITDIR)/docker.service.d/dfwgen.conf
	$(SUBST) contrib/apt/80dfwgen >$(DESTDIR)$(APTCONFDIR)/80dfwgen
	$(SUBST) contrib/netfilter-persistent/dfwgen >$(DESTDIR)$(NFPDIR)/05-dfwgen-sets
	$(SUBST) contrib/netfilter-persistent/dfwgen >$(DESTDIR)$(NFPDIR)/35-dfwgen
	chmod 0755 $(DESTDIR)$(NFPDIR)/05-dfwgen-sets $(DESTDIR)$(NFPDIR)/35-dfwgen
	install -m 0644 man/dfwgen.8 $(DESTDIR)$(MANDIR)/man8/dfwgen.8
	install -m 0644 man/dfwgen.ini.5 $(DESTDIR)$(MANDIR)/man5/dfwgen.ini.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dfwgen $(DESTDIR)$(UNITDIR)/dfwgen.service \
		$(DESTDIR)$(UNITDIR)/docker.service.d/dfwgen.conf $(DESTDIR)$(APTCONFDIR)/80dfwgen \
		$(DESTDIR)$(NFPDIR)/05-dfwgen-sets $(DESTDIR)$(NFPDIR)/35-dfwgen \
		$(DESTDIR)$(MANDIR)/man8/dfwgen.8 $(DESTDIR)$(MANDIR)/man5/dfwgen.ini.5
	-rmdir $(DESTDIR)$(UNITDIR)/docker.service.d 2>/dev/null
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBDIR)

clean:
	rm -rf dfwgen gen/*.o $(FUZZ_OUT) build-asan build-faults build-unit bench-out

.PHONY: all check unit golden install uninstall clean

# ---- fuzzing (clang + libFuzzer; not part of `make check`) ----
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := config ruleset template
FUZZ_OUT     := fuzz-out
FUZZ_CFLAGS  := -std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Dmain=dfwgen_main -DDFW_TREE='"$(CURDIR)"' $(shell pkg-config --cflags $(PKGS))

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(SRCS) $(wildcard gen/*.h)
	@mkdir -p $(FUZZ_OUT)
	clang $(FUZZ_CFLAGS) $(CPPFLAGS) -o $@ $< $(SRCS) $(LDLIBS)

# Runs each target for FUZZ_SECONDS from the test fixtures; findings land in
# $(FUZZ_OUT)/findings-TARGET and must become tests/fuzz/regressions/TARGET/ inputs.
fuzz: $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_TARGETS))
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz

# Speed and memory side by side with ferm, Jinja2, sort -u, iptables-restore
# and per-rule iptables; never part of `make check` (tests/bench/run).
bench: dfwgen
	tests/bench/run

.PHONY: bench
