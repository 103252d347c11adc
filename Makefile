# dfwgen — see README.md. Debian 12: ./install.sh installs what this needs.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share/dfwgen
SYSCONFDIR ?= /etc/dfwgen
DESTDIR    ?=
VERSION    := 0.1.0

CC      ?= cc
PKGS    := inih libpcre2-8
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS))
CPPFLAGS += -DDFW_VERSION='"$(VERSION)"' -DDFW_TEMPLATE_DIR='"$(DATADIR)/templates"' \
	    -DDFW_SYSCONF_DIR='"$(SYSCONFDIR)"'
LDLIBS  += $(shell pkg-config --libs $(PKGS))

SRCS := $(wildcard gen/*.c)
OBJS := $(SRCS:.c=.o)

all: dfwgen

dfwgen: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

gen/%.o: gen/%.c $(wildcard gen/*.h) Makefile
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The whole suite (the network-namespace suites need root; CI runs as root),
# then every suite that needs no root again against an ASan + UBSan build.
# make check SANITIZE=1 runs only that second pass.
ASAN_BIN := build-asan/dfwgen
ASAN_FLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all $(shell pkg-config --cflags $(PKGS))

$(ASAN_BIN): $(SRCS) $(wildcard gen/*.h) Makefile
	@mkdir -p build-asan
	$(CC) $(ASAN_FLAGS) $(CPPFLAGS) -o $@ $(SRCS) $(LDLIBS)

ifeq ($(SANITIZE),1)
check: $(ASAN_BIN)
	SANITIZED=$(CURDIR)/$(ASAN_BIN) SANITIZED_ONLY=1 tests/run
else
check: dfwgen $(ASAN_BIN)
	SANITIZED=$(CURDIR)/$(ASAN_BIN) tests/run
endif

# Regenerate the golden files after a deliberate output change; review the diff.
golden: dfwgen
	tests/regen-golden

install: dfwgen
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates
	install -m 0755 dfwgen $(DESTDIR)$(BINDIR)/dfwgen
	install -m 0644 templates/*.rules $(DESTDIR)$(DATADIR)/templates/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dfwgen
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf dfwgen gen/*.o $(FUZZ_OUT) build-asan

.PHONY: all check golden install uninstall clean

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
