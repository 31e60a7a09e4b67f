# The two set-up commands of the README: `make demo` and `make test`.
# Both work on a fresh Debian machine: they install what they need, system packages included.

SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
# Everything below runs with the project's virtual environment first on PATH (jlpm, jupyter).
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_PORT ?= 8888
# Jupyter refuses to run as root unless told; containers often are root.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: demo test lint bench system-deps install-demo install-test install-bench clean

## demo: install everything, copy the example notebooks into demo/ (ignored by git, so
## running them leaves the checkout as it was), fill its store by running two of them as
## jobs, and open JupyterLab there, with the MLOps panel open and, beside the training
## notebook, a comparison of example runs and a lineage graph (the workspace demo-data
## writes into demo/.mlops/workspaces)
demo: install-demo
	$(BIN)/mlops-jlab demo-data demo --examples examples
	cd demo && $(BIN)/jupyter lab --port=$(DEMO_PORT) $(ROOT_FLAG) \
		--LabApp.workspaces_dir=$(CURDIR)/demo/.mlops/workspaces

## test: install the test tools and run ruff, pytest, jest and the Galata UI tests
test: system-deps install-test lint
	$(PY) -m pytest
	jlpm test
	cd ui-tests && jlpm install && jlpm test

## lint: ruff and the frontend's lint
lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	jlpm lint:check

## bench: the benchmarks against MLflow, papermill and jupyter-scheduler (installed in an
## environment of its own under ~/.cache), results under benchmarks/results/
bench: system-deps install-bench
	$(PY) benchmarks/tracking_vs_mlflow.py
	$(PY) benchmarks/concurrent_writers.py
	$(PY) benchmarks/track_overhead.py
	$(PY) benchmarks/fingerprint.py
	$(PY) benchmarks/api_queries.py
	$(PY) benchmarks/registry.py
	$(PY) benchmarks/ci_check.py
	$(PY) benchmarks/jobs.py
	$(PY) benchmarks/schedule_precision.py
	cd ui-tests && jlpm install && $(PY) ../benchmarks/panel_load.py

# Debian packages: Node.js to build the frontend, Chromium for Galata, PostgreSQL for the
# team-store tests. Installed only when missing.
system-deps:
	@missing=""; \
	command -v node >/dev/null || missing="$$missing nodejs npm"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(PY):
	command -v node >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "hatchling>=1.25" "hatch-jupyter-builder>=0.9" "hatch-nodejs-version>=0.3.2" "editables>=0.5" "jupyterlab>=4.4,<5"

# Editable install: the build hook installs the npm packages and builds the labextension,
# which `labextension develop` then links into the environment. The link goes first, or
# pip would write the wheel's shared data through it into the source tree.
LABEXTENSION_LINK := $(VENV)/share/jupyter/labextensions/mlops-jlab

install-demo: EXTRAS = demo
install-test: EXTRAS = test,dev
install-bench: EXTRAS = test,dev,bench
install-demo install-test install-bench: $(PY)
	rm -rf $(LABEXTENSION_LINK)
	$(PY) -m pip install -q --no-build-isolation -e ".[$(EXTRAS)]"
	$(BIN)/jupyter labextension develop --overwrite .

clean:
	rm -rf $(VENV) node_modules ui-tests/node_modules lib mlops_jlab/labextension mlops_jlab/_version.py
