# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): setup.cfg pyproject.toml
	scripts/bootstrap-venv $(PYTHON) $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hisms demo --db hisms-demo.db

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	HISMS_TEST_PG=$$(scripts/ensure-postgres) HISMS_TEST_MYSQL=$$(scripts/ensure-mariadb) \
		$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pgtest .mytest hisms-demo.db*
