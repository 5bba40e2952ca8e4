# Two commands on a fresh machine with only Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test test-long demo bench bench-rss10 soak lint clean mutation

# The venv is rebuilt when missing or when pyproject.toml changed since it was installed.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict monitor
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q -n 2

# The engine against the simulator over simulated hours (several minutes; not part of CI).
test-long: $(STAMP)
	$(BIN)/pytest -q -m long -n 2 --timeout 1800

demo: $(STAMP)
	$(BIN)/dialnexa-monitor --demo

# Every benchmark: the fake-clock ones two at a time, then the real-time ones alone (2 cores: a
# CPU or latency measurement must not share them). Under 5 minutes; see benchmarks/README.md.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The monitor's RSS after 10 real minutes of the huge scenario (about 11 minutes; not in bench).
bench-rss10: $(STAMP)
	$(BIN)/python -m benchmarks.bench_rss10

# The reliability soak for a whole simulated day (busy + churn + random faults), tracemalloc on
# for its last 1.5 simulated hours; capped at 9.5 minutes of wall time.
soak: $(STAMP)
	$(BIN)/python -m benchmarks.reliability --soak-only --soak-hours 24 --tracemalloc tail

# Mutation testing of the pure layers (pyproject's [tool.mutmut]: which modules, which tests), a
# few minutes on 2 cores; writes benchmarks/mutation.md (score and survivors). Not in `make test`.
$(VENV)/.mutation-stamp: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	@touch $@

mutation: $(VENV)/.mutation-stamp
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 > mutants.log 2>&1 || (tail -40 mutants.log; exit 1)
	$(BIN)/python -m benchmarks.mutation

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants mutants.log
