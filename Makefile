# The two commands a newcomer needs:  `make run`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint worker beat bench messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# axe-core and the Nu HTML checker for the accessibility tests, pinned in package-lock.json
# (--ignore-scripts: vnu-jar's install script would download a Java; the machine's runs the jar).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

## Set up from a fresh clone and serve the product with demo data at http://127.0.0.1:8000/
run: install
	VENV=$(VENV) scripts/run-demo

## Set up and run the whole test suite (browser tests need Debian's chromium at /usr/bin/chromium)
test: install $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy .

## Update the Spanish catalogue (locale/es/) from the strings the code marks, and compile it
## (needs gettext: apt-get install gettext); translate what it adds, then run it again
messages: install
	$(BIN)/python manage.py makemessages -l es --add-location=file \
	  --ignore=node_modules --ignore=staticfiles --ignore=bench --ignore=tests --ignore=var
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv --ignore=node_modules

worker: install
	$(BIN)/celery -A lms worker --loglevel=INFO

beat: install
	$(BIN)/celery -A lms beat --loglevel=INFO

## Every benchmark at one size, one table (PostgreSQL: set DATABASE_URL): make bench LEARNERS=100000
LEARNERS ?= 10000
bench: install
	$(BIN)/python bench/run.py --learners $(LEARNERS)
