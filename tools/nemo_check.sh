#!/bin/bash
# Kept for repository checkouts and `make test`: the checks are the installed command
#
#   nemoml check-nemo CONFIG_DIR [--ranks N] [--steps N]      (python -m nemoml.cli check-nemo)
#
#   tools/nemo_check.sh [CONFIG_DIR [RANKS [STEPS]]]          e.g. /path/to/nemo/cfgs/MY_GYRE 2 20
#
# Without CONFIG_DIR it prints "skipped" and exits 0. The Python that runs it: NEMOML_PYTHON, else
# the repository's .venv, else python3. Exit status: the number of failed checks (9: the
# configuration cannot be checked). What the checks are: nemo_patches/README.md.
set -u
cfg=${1:-}
if [ -z "$cfg" ]; then echo "nemo_check: skipped (no NEMO configuration given)"; exit 0; fi
venv=$(dirname "$(readlink -f "$0")")/../.venv/bin/python
py=${NEMOML_PYTHON:-$([ -x "$venv" ] && echo "$venv" || echo python3)}
exec "$py" -m nemoml.cli check-nemo "$cfg" --ranks "${2:-2}" --steps "${3:-20}"
