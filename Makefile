# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint dist clean

$(STAMP): setup.cfg pyproject.toml
	scripts/bootstrap-venv $(PYTHON) $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hisms demo --db hisms-demo.db

# Three pytest workers: most tests wait on sockets and the database, so on two cores three
# workers halve the wall time (tests/integration/e2e: 126 s -> 68 s). loadgroup keeps the
# tests marked xdist_group (one engine and browser per module) on one worker.
# The servers first, each step stopping the target if it fails (a failure inside a $(...)
# that sets a variable would be ignored and the tests would run against nothing).
test: lint
	pg=$$(scripts/ensure-postgres) && my=$$(scripts/ensure-mariadb) && \
		chromium=$$(scripts/ensure-chromium) && scripts/ensure-node >/dev/null && \
		HISMS_TEST_PG=$$pg HISMS_TEST_MYSQL=$$my HISMS_TEST_CHROMIUM=$$chromium \
		$(BIN)/pytest -q -n 3 --dist loadgroup --durations=25

# The repo root is the package hisms (package_dir hisms = .): mypy finds it through a link
# of that name. Its settings, and which packages it checks, are in setup.cfg [mypy].
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p $(VENV)/mypy-path && ln -sfn $(CURDIR) $(VENV)/mypy-path/hisms
	$(BIN)/mypy

# The offline bundle for hospital servers without internet (docs/install.md).
dist: $(STAMP)
	PYTHON=$(BIN)/python scripts/build-bundle

clean:
	rm -rf $(VENV) .pgtest .mytest hisms-demo.db* dist
