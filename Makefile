# aitools: small Unix tools for calling LLM APIs from shell pipelines.
#
#   make                 build into $(BUILD)/
#   make check           unit and end-to-end tests, then again under ASan+UBSan
#   make SANITIZE=address,undefined test    one sanitized run
#   make install PREFIX=/usr/local
#   make fuzz            each libFuzzer harness of tests/fuzz for FUZZ_SECONDS

VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
BUILD ?= build

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS = libcurl jansson sqlite3 libcrypto yaml-0.1
MOCK_PKGS = libmicrohttpd

WARN = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
       -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DAI_VERSION='"$(VERSION)"' $(WARN) -Ilib -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS)
MOCK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(MOCK_PKGS))
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
MOCK_LIBS = $(shell $(PKG_CONFIG) --libs $(MOCK_PKGS)) -pthread

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BUILD = build-san
endif

# The fuzzing harnesses, tests/fuzz/NAME.c.  Normally each is linked with
# a main() that replays its corpus, tests/fuzz/corpus/NAME (make check);
# with FUZZER=1 (make fuzz) everything is built by clang with libFuzzer,
# ASan and UBSan, into build/libfuzzer.
FUZZ_NAMES = answer-anthropic answer-openai cachekey config duration lines \
	money prices records retry sse stream-anthropic stream-openai text url \
	usagerecord when
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DRIVER = $(BUILD)/fuzz/replay.o
ifneq ($(FUZZER),)
ALL_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=fuzzer,address,undefined
BUILD = build/libfuzzer
FUZZ_DRIVER =
endif

LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/lib/prices-data.o
AIQ_SRC = $(wildcard cmd/aiq/*.c)
AIQ_OBJ = $(AIQ_SRC:%.c=$(BUILD)/%.o)
MOCK_SRC = $(wildcard cmd/aimock/*.c)
MOCK_OBJ = $(MOCK_SRC:%.c=$(BUILD)/%.o)
CACHE_SRC = $(wildcard cmd/aicache/*.c)
CACHE_OBJ = $(CACHE_SRC:%.c=$(BUILD)/%.o)
USAGE_SRC = $(wildcard cmd/aiusage/*.c)
USAGE_OBJ = $(USAGE_SRC:%.c=$(BUILD)/%.o)
LIMIT_SRC = $(wildcard cmd/ailimit/*.c)
LIMIT_OBJ = $(LIMIT_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BIN = $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
FUZZ_AIUSAGE = $(BUILD)/cmd/aiusage/fromrecords.o \
	$(BUILD)/cmd/aiusage/tally.o $(BUILD)/cmd/aiusage/when.o

BINS = $(BUILD)/aiq $(BUILD)/aimock $(BUILD)/aicache $(BUILD)/aiusage \
	$(BUILD)/ailimit
MAN1 = man/aiq.1 man/aimock.1 man/aicache.1 man/aiusage.1 man/ailimit.1
MAN5 = man/aitools-record.5 man/aitools.yaml.5
MAN7 = man/aitools.7
# A commented config file, installed as an example (see aitools.yaml(5)).
EXAMPLES_DIR = $(DATADIR)/doc/aitools/examples

all: $(BINS) $(UNIT_BIN)

# Each object's header dependencies are in its .d file, made by -MMD.
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(MOCK_OBJ): ALL_CFLAGS += $(MOCK_CFLAGS)

# The built-in price table, lib/prices.json, as a C string.
$(BUILD)/lib/prices-data.c: lib/prices.json
	@mkdir -p $(@D)
	{ echo 'extern const char ai_prices_builtin[];'; \
	  echo 'const char ai_prices_builtin[] ='; \
	  sed -e 's/[\\"?]/\\&/g' -e 's/^/"/' -e 's/$$/\\n"/' lib/prices.json; \
	  echo ';'; } > $@

$(BUILD)/lib/prices-data.o: $(BUILD)/lib/prices-data.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libaitools.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/aiq: $(AIQ_OBJ) $(BUILD)/libaitools.a
	$(CC) $(LDFLAGS) -o $@ $(AIQ_OBJ) $(BUILD)/libaitools.a $(LIBS)

$(BUILD)/aiusage: $(USAGE_OBJ) $(BUILD)/libaitools.a
	$(CC) $(LDFLAGS) -o $@ $(USAGE_OBJ) $(BUILD)/libaitools.a $(LIBS) -pthread

$(BUILD)/aicache: $(CACHE_OBJ) $(BUILD)/libaitools.a
	$(CC) $(LDFLAGS) -o $@ $(CACHE_OBJ) $(BUILD)/libaitools.a $(LIBS)

$(BUILD)/ailimit: $(LIMIT_OBJ) $(BUILD)/libaitools.a
	$(CC) $(LDFLAGS) -o $@ $(LIMIT_OBJ) $(BUILD)/libaitools.a $(LIBS)

$(BUILD)/aimock: $(MOCK_OBJ) $(BUILD)/libaitools.a
	$(CC) $(LDFLAGS) -o $@ $(MOCK_OBJ) $(BUILD)/libaitools.a $(MOCK_LIBS) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h tests/unit/tapjson.h $(BUILD)/libaitools.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libaitools.a $(LIBS)

# A harness and its driver; aiusage's parsers are linked without its main.
$(BUILD)/fuzz/replay.o: tests/fuzz/replay.c tests/fuzz/fuzz.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/when $(BUILD)/fuzz/usagerecord: $(FUZZ_AIUSAGE)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_DRIVER) $(BUILD)/libaitools.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Icmd/aiusage $(LDFLAGS) -o $@ $< \
		$(filter %.o,$^) $(BUILD)/libaitools.a $(LIBS) -pthread

fuzz-bin: $(FUZZ_BIN)

# Each harness for FUZZ_SECONDS, one at a time, from its corpus; what it
# finds goes to build/libfuzzer/corpus, crashes to build/libfuzzer/crashes.
fuzz:
	$(MAKE) FUZZER=1 CC=$(FUZZ_CC) fuzz-bin
	sh tests/fuzz/run.sh build/libfuzzer $(FUZZ_SECONDS) $(FUZZ_NAMES)

# Adds to the committed corpora what make fuzz found that covers more
# (FUZZ_MERGE=-M: minimizes them anew).
FUZZ_MERGE = -m
fuzz-merge:
	$(MAKE) FUZZER=1 CC=$(FUZZ_CC) fuzz-bin
	sh tests/fuzz/run.sh $(FUZZ_MERGE) build/libfuzzer 0 $(FUZZ_NAMES)

# The end-to-end suite runs the binaries in $(BUILD); tests/lib.sh reads AI_BIN.
test: all $(FUZZ_BIN)
	AI_BIN=$(CURDIR)/$(BUILD) prove -j2 tests/

# The man pages are linted first: a warning fails the check.
check: all $(FUZZ_BIN) lint
	AI_BIN=$(CURDIR)/$(BUILD) prove -j2 tests/
	$(MAKE) SANITIZE=address,undefined test

# The pages only: man/ holds the example config file too.
lint:
	mandoc -Tlint -Wwarning man/*

demo: all
	sh tests/demo.sh $(BUILD)

bench: all
	sh bench/run.sh $(BUILD)

bench-cache: all
	sh bench/cache.sh $(BUILD)

bench-usage: all
	sh bench/usage.sh $(BUILD)

bench-limit: all
	sh bench/limit.sh $(BUILD)

# Needs node and the npm registry, as nothing else does (bench/estimate.sh).
bench-estimate: all
	sh bench/estimate.sh $(BUILD)

install: $(BINS)
	install -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d \
		$(DESTDIR)$(EXAMPLES_DIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -m 644 lib/aitools.example.yaml $(DESTDIR)$(EXAMPLES_DIR)/aitools.yaml
	for t in aiq aimock aicache aiusage ailimit; do \
		install -m 644 completions/$$t.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/$$t; \
		install -m 644 completions/_$$t $(DESTDIR)$(DATADIR)/zsh/site-functions/_$$t; \
		install -m 644 completions/$$t.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$t.fish; \
	done

uninstall:
	for t in aiq aimock aicache aiusage ailimit; do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/$$t \
		$(DESTDIR)$(DATADIR)/zsh/site-functions/_$$t \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$t.fish; \
	done
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
		$(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) \
		$(DESTDIR)$(EXAMPLES_DIR)/aitools.yaml
	rmdir $(DESTDIR)$(EXAMPLES_DIR) $(DESTDIR)$(DATADIR)/doc/aitools 2>/dev/null || true

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(AIQ_OBJ:.o=.d) $(MOCK_OBJ:.o=.d) \
	$(CACHE_OBJ:.o=.d) $(USAGE_OBJ:.o=.d) $(LIMIT_OBJ:.o=.d) $(UNIT_BIN:=.d) $(FUZZ_BIN:=.d) \
	$(BUILD)/fuzz/replay.d

.PHONY: bench-cache bench-usage bench-limit bench-estimate all test check lint demo bench install uninstall clean \
	fuzz fuzz-bin fuzz-merge
