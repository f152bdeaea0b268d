# Makefile - the front door: wraps CMake.  See README.md.
#
#   make          build (build/)
#   make test     install dependencies if missing, build, run every test;
#                 then the same under AddressSanitizer + UBSan (build-asan/)
#   make demo     install, build, run the demo (output in demo-out/)
#   make bench    build and run the benchmarks
#   make fuzz     build the libFuzzer targets with clang and run each for
#                 FUZZ_SECONDS (default 60)
#   make soak     build under AddressSanitizer + UBSan (build-asan/) and run
#                 tests/soak/soak.py for SOAK_SECONDS (default 600): sFlow,
#                 faults and captures; RSS and descriptors flat, no leak,
#                 no rule left (the receiver too as root; not in CI)

BUILD		?= build
ASAN_BUILD	?= build-asan
FUZZ_BUILD	?= build-fuzz
FUZZ_SECONDS	?= 60
SOAK_SECONDS	?= 600
FS_PYTHON	?= /usr/bin/python3
JOBS		?= $(shell nproc 2>/dev/null || echo 2)
# CI sets CI=true: warnings are errors there.
WERROR		:= $(if $(CI),-DFS_WERROR=ON,)
CMAKE_ARGS	?=

.PHONY: all build deps test test-fast test-asan demo bench fuzz soak clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR) $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFS_SANITIZE=ON $(WERROR) $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE slow

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)/controller/finderscope

bench: deps
	$(MAKE) build
	scripts/bench.sh $(BUILD)

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_COMPILER=clang -DFS_FUZZ=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

soak:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFS_SANITIZE=ON $(WERROR) $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(FS_PYTHON) tests/soak/soak.py --bin $(ASAN_BUILD)/controller/finderscope \
	    --seconds $(SOAK_SECONDS) --workdir $(ASAN_BUILD)/soak

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) demo-out
