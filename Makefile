# Each target creates .venv when it is missing (or when pyproject.toml changed), then does its job.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)  ## start the Discord bot
	$(BIN)/newsbrief run

test: $(STAMP)  ## lint, type-check and run the test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)  ## ruff and mypy (strict for bot, cogs, newsbrief_testkit and bench; checked for tests)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## benchmarks: they print figures and assert nothing
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

LOCALES := bot/locales
# A new language: $(BIN)/pybabel init -i $(LOCALES)/newsbrief.pot -d $(LOCALES) -D newsbrief -l <code>, then map
# its Discord locale code to it in bot/i18n/__init__.py (CATALOGUE_OF_LOCALE).
messages: $(STAMP)  ## re-extract the message template from the source and merge it into every catalogue
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --add-comments=TRANSLATORS: \
		--project=newsbrief --msgid-bugs-address=https://github.com/newsbrief/newsbrief/issues \
		-o $(LOCALES)/newsbrief.pot .
	$(BIN)/pybabel update -i $(LOCALES)/newsbrief.pot -d $(LOCALES) -D newsbrief --ignore-pot-creation-date \
		--ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
