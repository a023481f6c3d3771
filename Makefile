# Thin wrapper over Meson + Ninja. `make` builds into build/.
PREFIX ?= /usr/local
BUILD  ?= build
MESON_OPTS ?=

.PHONY: all deps test test-asan demo bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

deps:
	scripts/deps.sh build

# The whole test suite, installing what it needs first.
test:
	scripts/deps.sh test
	$(MAKE) all
	meson configure $(BUILD) -Dtest_hooks=auto >/dev/null
	ninja -C $(BUILD)
	scripts/run-tests.sh $(BUILD)

# Unit tests under AddressSanitizer and UBSan (CI runs this too).
test-asan:
	scripts/deps.sh test
	[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined \
	  -Db_lundef=false --buildtype=debug >/dev/null
	ninja -C build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C build-asan --suite unit --print-errorlogs

# The main job on the built-in synthetic leak.
demo:
	scripts/deps.sh demo
	$(MAKE) all
	scripts/demo.sh $(BUILD)

bench:
	scripts/deps.sh bench
	$(MAKE) all
	scripts/bench.sh $(BUILD)

# PREFIX is applied even when build/ was set up earlier with another prefix;
# the installed binary never has the crash-test hooks (meson_options.txt).
install: all
	meson configure $(BUILD) -Dprefix=$(PREFIX) -Dtest_hooks=disabled >/dev/null
	meson install -C $(BUILD) --destdir "$(DESTDIR)"

clean:
	rm -rf $(BUILD) build-asan build-fuzz
