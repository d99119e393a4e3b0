# The two commands a user needs: `make demo` and `make test`. Both set up everything on a
# fresh Debian machine first (system packages, .venv, the project built through CMake) and skip
# whatever is already done.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
APT_PKGS := gfortran libopenmpi-dev openmpi-bin libnetcdff-dev netcdf-bin
SOURCES := $(shell git ls-files pyproject.toml CMakeLists.txt csrc fortran python 2>/dev/null)

.PHONY: all setup install test pytest ctest demo lint clean

all: install

.stamp-apt:
	@missing=$$(for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages: $$missing"; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@touch $@

$(VENV)/.stamp-deps: .stamp-apt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch pinned: this exact CPU wheel is on disk; any other spec downloads several GB.
	$(PIP) install -q torch==2.13.0 "scikit-build-core>=0.10" "cffi>=1.17" numpy setuptools
	@touch $@

# pip's own build dir (build/<tag>) is kept, so a second install only recompiles what changed.
$(VENV)/.stamp-install: $(VENV)/.stamp-deps $(SOURCES)
	flock $(VENV)/.install.lock $(PIP) install -q --no-build-isolation ".[test]"
	@touch $@

setup install: $(VENV)/.stamp-install

pytest: install
	$(VENV)/bin/pytest -q -p no:cacheprovider tests

ctest: install
	ctest --test-dir $$(ls -d build/*/ | head -1) --output-on-failure

test: install
	$(MAKE) --no-print-directory pytest ctest

demo: install
	$(VENV)/bin/nemoml demo

lint: install
	$(VENV)/bin/ruff check python tests

clean:
	rm -rf build $(VENV) .stamp-apt
