# moat: one non-recursive Makefile. `make` builds build/moat, `make check`
# runs every test through one prove, `make SAN=1 check` does the same under
# ASan+UBSan in build-san/, `make fuzz` builds libFuzzer targets in build-fuzz/.

comma := ,
CC ?= cc
PKGS := libhs libpcre2-8 libgit2 yaml-0.1 jansson libarchive libsodium libxml-2.0 zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS)) -lpthread -lm

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wvla -Wwrite-strings -Wpointer-arith -Wdate-time
HARDEN := -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now

ifeq ($(SAN),1)
BUILD ?= build-san
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined
else
BUILD ?= build
OPT := -O2 -g -D_FORTIFY_SOURCE=2
LDSAN :=
endif

CFLAGS_ALL := -std=c17 -D_GNU_SOURCE $(WARN) $(HARDEN) $(OPT) -ffile-prefix-map=$(CURDIR)=. \
	-Iinclude -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL := $(HARDEN_LD) $(LDSAN) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard src/core/*.c src/findings/*.c src/report/*.c src/scan/*.c \
	src/scan/*/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
REPLAY_BIN := $(FUZZ_SRC:fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
LIB := $(BUILD)/libmoat.a
MOAT := $(BUILD)/moat
VERSION_H := $(BUILD)/gen/moat_version.h

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

.PHONY: all check check-all lint format format-check fuzz fuzz-smoke check-valgrind clean \
	bench install-deps example
all: $(MOAT)

# The version header is refreshed at every make run, and rewritten only when
# the version changed, so only version.c recompiles (its .d file names it).
$(shell mkdir -p $(BUILD)/gen; v='#define MOAT_VERSION "$(VERSION)"'; \
	[ "$$(cat $(VERSION_H) 2>/dev/null)" = "$$v" ] || echo "$$v" > $(VERSION_H))

# Keep every object: fuzz objects are otherwise deleted as intermediates.
.SECONDARY:

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(MOAT): $(CLI_OBJ) $(LIB)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB) $(VERSION_H)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS) -lcmocka

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay_main.c $(LIB) $(VERSION_H)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) -Ifuzz -o $@ $< fuzz/replay_main.c $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS)

# ---- tests: cmocka units, bats e2e and fuzz-corpus replays in one prove ----
E2E := $(sort $(wildcard tests/e2e/*.bats))
check: $(MOAT) $(UNIT_BIN) $(REPLAY_BIN) format-check
	MOAT=$(CURDIR)/$(MOAT) MOAT_BUILD=$(CURDIR)/$(BUILD) prove -j2 --exec tests/tap-run \
		$(UNIT_BIN) $(REPLAY_BIN) $(E2E)

check-valgrind: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do \
		valgrind -q --error-exitcode=1 --leak-check=full $$t > /dev/null || exit 1; done

# ---- formatting and lint ----
FMT_SRC = $(sort $(wildcard include/moat/*.h src/*/*.[ch] src/*/*/*.[ch] tests/unit/*/*.[ch] \
	fuzz/*.[ch]))
format:
	clang-format -i $(FMT_SRC)
format-check:
	@echo "  FORMAT  check"
	@clang-format --dry-run -Werror $(FMT_SRC)
lint: format-check
	tools/checksrc.sh
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
		-Iinclude -Isrc $(LIB_SRC) $(CLI_SRC)

# ---- fuzzing with libFuzzer (clang) ----
FUZZ_BUILD := build-fuzz
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -g -O1 \
	-fsanitize=fuzzer-no-link,address,undefined \
	-Iinclude -Isrc -I$(FUZZ_BUILD)/gen $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
$(FUZZ_BUILD)/gen/moat_version.h: $(VERSION_H)
	@mkdir -p $(@D)
	cp $< $@
$(FUZZ_BUILD)/src/%.o: src/%.c $(FUZZ_BUILD)/gen/moat_version.h
	@mkdir -p $(@D)
	@echo "  CLANG   $<"
	@clang $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@echo "  LINK    $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifuzz -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS)
fuzz: $(FUZZ_BIN)
# The gate is meant to repeat what a developer already ran: a fixed seed, a
# fixed number of runs (cut short after FUZZ_SECONDS on a slow machine) and
# fixed hash keys in fuzzing builds. It is close to, not exactly, the same
# run (address-space layout still varies), so long random runs before a
# push matter: FUZZ_SEED=0 FUZZ_RUNS=-1 FUZZ_SECONDS=600.
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 1
FUZZ_RUNS ?= 50000
fuzz-smoke: fuzz
	@for f in $(FUZZ_BIN); do n=$${f#$(FUZZ_BUILD)/fuzz_}; \
		rm -rf $(FUZZ_BUILD)/new/$$n; mkdir -p $(FUZZ_BUILD)/new/$$n; \
		echo "fuzz $$n: $(FUZZ_RUNS) runs, at most $(FUZZ_SECONDS)s"; \
		$$f -seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			$(FUZZ_BUILD)/new/$$n fuzz/corpus/$$n \
			> $(FUZZ_BUILD)/$$n.log 2>&1 || { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; done

check-all: lint
	$(MAKE) SAN=1 check
	$(MAKE) fuzz-smoke
	$(MAKE) check

install-deps:
	tools/install-deps.sh

example: $(MOAT)
	tools/example.sh

bench: $(MOAT)
	bench/run-all.sh

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
