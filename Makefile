# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint format services system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

system-deps:
	scripts/system-deps.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Whole suite on SQLite, then the database-facing tests again on a real PostgreSQL.
# pytest exits 5 when a selection holds no test: that is not a failure here.
test: install system-deps
	@eval "$$(scripts/services.sh)"; export PL_REQUIRE_SERVICES=1; \
	set -e; \
	$(BIN)/ruff check src tests bench; \
	$(BIN)/ruff format --check src tests bench; \
	$(BIN)/lint-imports; \
	rc=0; $(BIN)/pytest -p no:cacheprovider || rc=$$?; \
	[ $$rc -eq 5 ] && rc=0; [ $$rc -eq 0 ] || exit $$rc; \
	echo "== database-facing tests on PostgreSQL"; \
	rc=0; DATABASE_URL=$$PL_PG_URL $(BIN)/pytest -p no:cacheprovider -m "not browser" tests/web || rc=$$?; \
	[ $$rc -eq 5 ] && rc=0; exit $$rc

demo: install
	$(BIN)/policyledger demo --host $(HOST) --port $(PORT)

# Every bench: the `bench` extra first; each fails fast (non-zero, reason printed) when
# something it needs is missing, has an overall deadline, and ends with `key: value` lines.
bench: install system-deps
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/accuracy.py
	@eval "$$(scripts/services.sh)"; set -e; \
	$(BIN)/python bench/platform.py; \
	$(BIN)/python bench/claims.py

clean:
	rm -rf $(VENV) var tests/artifacts .pytest_cache .ruff_cache
