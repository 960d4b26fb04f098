# md: one static binary, busybox-style. See README.md.
include config/config.mk

LIB_SRC    = $(wildcard lib/*.c)
APPLET_SRC = $(wildcard applets/*.c)
LIB_OBJ    = $(LIB_SRC:%.c=build/%.o)
APPLET_OBJ = $(APPLET_SRC:%.c=build/%.o)
UNIT_SRC   = $(wildcard tests/unit/*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=build/unit/%)
FUZZ_SRC   = $(wildcard tests/fuzz/*.c)
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
# The fuzzers keep the sanitizers' malloc.
FUZZ_LIB   = $(filter-out lib/alloc.c,$(LIB_SRC))
TESTS      = $(wildcard tests/*.test)

all: md

$(DEPS)/lib/libbearssl.a:
	sh config/deps.sh

build/%.o: %.c $(wildcard lib/*.h applets/*.h) | $(DEPS)/lib/libbearssl.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# SHA-256 runs over every byte pulled, twice: compiled for speed.
build/lib/sha256.o: CFLAGS += -O2

md: $(APPLET_OBJ) $(LIB_OBJ) $(LIBS) config/monitor.ld
	$(CC) $(LDFLAGS) -o $@ $(APPLET_OBJ) $(LIB_OBJ) $(LIBS)

size: md
	@ls -l md | awk '{printf "md: %d bytes (%.1f KiB)\n", $$5, $$5/1024}'
	@size md

install: md
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 md $(DESTDIR)$(PREFIX)/bin/md
	for a in $(APPLETS); do ln -f $(DESTDIR)$(PREFIX)/bin/md \
		$(DESTDIR)$(PREFIX)/bin/md-$$a; done
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

build/unit/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wl,--gc-sections -static -o $@ $^ $(LIBS)

unit: $(UNIT_BIN)
	@sh tests/run $(UNIT_BIN) --

check: md $(UNIT_BIN)
	@sh tests/run $(UNIT_BIN) -- $(TESTS)

TEST_TARGETS = $(TESTS:tests/%.test=test_%)
$(TEST_TARGETS): test_%: md
	@sh tests/run -- tests/$*.test

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(FUZZ_LIBS)

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$${f##*/}; mkdir -p build/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_TIME)s"; \
		$$f -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 \
		    build/corpus/$$n tests/fuzz/corpus/$$n 2>build/fuzz/$$n.log \
		    || { tail -40 build/fuzz/$$n.log; exit 1; }; \
		tail -1 build/fuzz/$$n.log; done

bench: md
	@BENCH="$(BENCH)" sh bench/run

demo: md
	@sh config/demo.sh

clean:
	rm -rf build/unit build/fuzz build/lib build/applets md

.PHONY: all size install unit check fuzz bench demo clean $(TEST_TARGETS)
