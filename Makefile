# One command to run the app, one to run the tests; both set up everything they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

MO := app/translations/en/LC_MESSAGES/messages.mo

.PHONY: run test lint bench clean translations designer-assets

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(MO): app/translations/en/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -d app/translations

# For maintainers: collect new strings into the catalogues (then translate and commit the .po).
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext -k N_ -o app/translations/messages.pot app
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations

run: $(STAMP) $(MO)
	$(PY) run.py

test: $(STAMP) $(MO)
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks (bench/): SIZE=small (default, about a minute) or SIZE=large; DATABASE_URL for PostgreSQL.
# Figures go to bench/RESULTS.md. A tiny run of each is part of `make test`.
bench: $(STAMP) $(MO)
	$(PY) -m bench $(or $(SIZE),small)

# For maintainers (needs Node and npm): rebuild the vendored process-designer bundle
# app/static/vendor/ligat-designer/ from app/static/designer-src/. `run` and `test` never need Node.
designer-assets:
	cd app/static/designer-src && npm ci --no-audit --no-fund && npm run build

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
