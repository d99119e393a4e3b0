#!/bin/bash
# Truth runs of eddying GYRE at 1/4 degree (../shared/data/gyre025), resumable, for twin
# experiments: continues restart_y1.nc in chunks of NEMO runs, collects each day's T, S, SSH and
# surface U, V into OUT_DIR/daily.nc and deletes the restarts (nemoml.devtools.gyre025).
#
#   tools/gyre025_truth.sh CFG_DIR OUT_DIR --days 720 [--ranks 2] [--chunk 30]
#
# CFG_DIR: a GYRE configuration built with the plugin as nemo_patches/README.md builds it.
# NEMOML_PYTHON: the Python nemoml is installed in (default: the repository's .venv).
set -eu
py=${NEMOML_PYTHON:-$(dirname "$(readlink -f "$0")")/../.venv/bin/python}
exec "$py" -m nemoml.devtools.gyre025 "$@"
