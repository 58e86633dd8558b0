# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
HOST     ?= 127.0.0.1
PORT     ?= 8080
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check bench loss audit install install-test system-packages fonts translations extract-strings update-strings check-strings demo clean guide-images

# Links and QR codes point at this server unless BRUGERSTEMMEN_BASE_URL says otherwise.
run: export BRUGERSTEMMEN_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install fonts translations
	$(BIN)/brugerstemmen demo
	$(BIN)/brugerstemmen serve --host $(HOST) --port $(PORT)

# The tests run in parallel (pytest-xdist), two workers a CPU: a third of a test's time is spent
# waiting for a server, Chromium or a timer. CI runs on any day, so each test that reads the real
# calendar (marked `calendar`; conftest.py fails one that reads it unmarked) also runs, in the same
# run, as if the real clock said next Monday just after a week closed, the last day of a 53-week
# year, the first Monday of 2027 before its closing hour and two years on (tests/conftest.py).
# The tests of a module marked xdist_group share one worker, which builds its fixtures once.
# One file alone: .venv/bin/python -m pytest tests/test_said.py
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))
# Python keeps what it compiles (off where PYTHONDONTWRITEBYTECODE is set, as on some CI images):
# the suite starts some 150 processes, and each would compile the app and rewrite the test plugins.
test: export PYTHONDONTWRITEBYTECODE =
test: check system-packages translations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Lint, security lint and known vulnerabilities in the dependencies; `make test` runs it first.
check: install-test
	$(BIN)/ruff check app tests
	@# bandit warns of every "# nosec" it honours (a bandit bug); the findings still print.
	$(BIN)/python -c "import logging, sys; from bandit.cli import main; \
	  logging.getLogger('bandit.core.tester').disabled = True; \
	  sys.argv = ['bandit', '-q', '-c', 'pyproject.toml', '-r', 'app']; main.main()"
	$(BIN)/python -m tests.audit_dependencies

# Figures, not pass/fail, each beside a baseline measured in the same run (tests/bench_survey.py).
bench: install-test system-packages translations
	@command -v wrk >/dev/null || { echo "Installing Debian packages: wrk"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	$(BIN)/python -m tests.bench_survey
	$(BIN)/python -m tests.loss

# What protecting small numbers costs a reader, beside the cell suppression it replaced (tests/loss.py).
loss: install-test
	$(BIN)/python -m tests.loss

# Lighthouse (mobile) and the page-weight budget of the phone survey's first screen: printed figures.
audit: install-test system-packages translations
	$(BIN)/python -m tests.audit_pages

# The staff guide's pictures (docs/images/), taken from the real pages by tests/test_guide_images.py.
guide-images: install-test system-packages translations
	BRUGERSTEMMEN_GUIDE_IMAGES=1 $(BIN)/python -m pytest -q tests/test_guide_images.py

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --quiet --upgrade pip
	$(BIN)/pip install --quiet --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --quiet -e ".[test]"
	touch $@

# Test-only tools from npm (axe-core, lighthouse), exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Installing Debian packages: npm"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# The posters' Arabic and Farsi lines are set in Noto Sans Arabic (app/posters.py): Debian's font.
fonts:
	@[ -f /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ] || { echo "Installing Debian packages: fonts-noto-core"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-noto-core; }

# Debian packages the browser, QR, PDF, script and deploy/ tests need; installed only when missing.
system-packages: fonts
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v zbarimg  >/dev/null || missing="$$missing zbar-tools"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	PATH="$$PATH:/usr/sbin"; command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Catalogues: .po files are committed, .mo files are built here so a fresh checkout works (and by
# the package build, setup.py, for `pip install .`).
translations: $(COMPILED)
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -l $*

extract-strings: install
	$(BIN)/pybabel extract -F babel.cfg -o translations/messages.pot -k _l --add-location=never --no-wrap --sort-output .
	$(BIN)/pybabel extract -F babel-respondent.cfg -o translations/respondent.pot -k _l --add-location=never --no-wrap --sort-output --omit-header .

update-strings: extract-strings
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete

demo: install translations
	$(BIN)/brugerstemmen demo

clean:
	rm -rf $(VENV) $(COMPILED) .pytest_cache node_modules
