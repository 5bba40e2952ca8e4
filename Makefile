# Two commands on a fresh machine with only Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
RUN_STAMP := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp

.PHONY: redis-server-ready
# The relay's tests (issue 18) start a real redis-server, Debian's package: installed here when
# missing (as root, as CI runs); otherwise the one command to run, and stop.
redis-server-ready:
	@command -v redis-server >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server \
			|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; }; \
		else echo "redis-server is missing (the relay's tests need it); as root run:" \
			"apt-get install -y redis-server"; exit 1; fi; }

.PHONY: test test-long demo bench bench-rss10 bench-rss60 bench-relay-hour soak lint clean mutation

# uv (a PyPI package) installs the monitor in ~2 s where pip takes ~30 s; it is bootstrapped
# into the venv with the venv's own pip. If it cannot be had, pip does the installs.
$(UV):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
		|| echo "uv not available: installing with pip (slower)"

INSTALL = if [ -x $(UV) ]; then $(UV) pip install --quiet --python $(BIN)/python $(1); \
	else $(BIN)/python -m pip install --quiet $(1); fi

# This box (like many CI images) sets PYTHONDONTWRITEBYTECODE=1: Python then writes none of the
# bytecode it compiles, so every process (each xdist worker, each of the suite's subprocess
# tests, each start) compiled Textual, pydantic, httpx and the monitor again: ~0.8 s of CPU a
# start, half of `tests/cli/test_snapshot_untrusted.py`'s CPU time. The bytecode is written
# once after each install (and the sources' before each test run), and read whatever the
# variable says. `|| true`: a package's deliberately broken test file must not stop an install.
COMPILE = $(BIN)/python -m compileall -q -j 0 $(1) >/dev/null || true
PURELIB = "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"

# Two stamps: `make demo` installs only what the monitor needs to run; `make test` (and every
# target that needs the test tools) adds the test extra, also after a `make demo`. Each is
# redone when pyproject.toml changes.
$(RUN_STAMP): pyproject.toml | $(UV)
	@$(call INSTALL,-e .)
	@$(call COMPILE,$(PURELIB))
	@touch $@

$(TEST_STAMP): pyproject.toml | $(UV)
	@$(call INSTALL,-e '.[test]')
	@$(call COMPILE,$(PURELIB))
	@touch $@ $(RUN_STAMP)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check monitor tests benchmarks
	$(BIN)/mypy --strict monitor
	$(BIN)/lint-imports

test: lint
test: redis-server-ready
	@$(call COMPILE,monitor tests)
	$(BIN)/pytest -q -n 2 --dist worksteal

# The engine against the simulator over simulated hours (several minutes; not part of CI).
test-long: $(TEST_STAMP)
	$(BIN)/pytest -q -m long -n 2 --timeout 1800

demo: $(RUN_STAMP)
	$(BIN)/dialnexa-monitor --demo

# Every benchmark: the fake-clock ones two at a time, then the real-time ones alone (2 cores: a
# CPU or latency measurement must not share them). Under 5 minutes; see benchmarks/README.md.
bench: $(TEST_STAMP)
	@$(call COMPILE,monitor)
	$(BIN)/python -m benchmarks.run

# The monitor's RSS after 10 real minutes of the huge scenario (about 11 minutes; not in bench).
bench-rss10: $(TEST_STAMP)
	$(BIN)/python -m benchmarks.bench_rss10

# Redis's memory after an hour of the relay on busy (issue 18; about 61 minutes; not in bench).
# The curve, a sample a minute, goes to benchmarks/relay_hour.jsonl as it is taken.
bench-relay-hour: $(TEST_STAMP) redis-server-ready
	$(BIN)/python -m benchmarks.bench_relay_hour

# The RSS plateau over an hour of real time (samples every minute, logged as they come to
# benchmarks/out/rss60.log; about 62 minutes; not in bench, which reports the saved
# benchmarks/rss60.json).
bench-rss60: $(TEST_STAMP)
	@mkdir -p benchmarks/out
	$(BIN)/python -m benchmarks.bench_rss10 60 --log benchmarks/out/rss60.log --save

# The reliability soak for a whole simulated day (busy + churn + random faults), tracemalloc on
# for its last 1.5 simulated hours; capped at 9.5 minutes of wall time.
soak: $(TEST_STAMP)
	$(BIN)/python -m benchmarks.reliability --soak-only --soak-hours 24 --tracemalloc tail

# Mutation testing of the pure layers (pyproject's [tool.mutmut]: which modules, which tests), a
# few minutes on 2 cores; writes benchmarks/mutation.md (score and survivors). Not in `make test`.
# In a variable: a literal comma would split $(call)'s argument.
MUTATION_EXTRAS := -e '.[test,mutation]'
$(VENV)/.mutation-stamp: $(TEST_STAMP)
	@$(call INSTALL,$(MUTATION_EXTRAS))
	@touch $@

mutation: $(VENV)/.mutation-stamp
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 > mutants.log 2>&1 || (tail -40 mutants.log; exit 1)
	$(BIN)/python -m benchmarks.mutation

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants mutants.log
