#!/usr/bin/env bash
# Create an isolated Python 3.11 virtualenv with NILMTK for the side-by-side benchmark.
# NILMTK is a *peer* we compare against, never a dependency of nilm: it pins old pandas/numpy
# that must not leak into nilm's own environment. The venv lives in benchmarks/peers/.venv-nilmtk
# (git-ignored). Re-running is idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${NILMTK_VENV:-$here/.venv-nilmtk}"
python="${PYTHON:-python3.11}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# The s14pe builds are the maintained NILMTK / nilm_metadata forks that install on Python 3.11;
# numpy < 2.4 because their pinned pandas 2.3 wheels are built against older numpy ABIs.
"$venv/bin/python" -m pip install --quiet \
    "nilmtk-s14pe==0.4.0.dev2" "nilm-metadata-s14pe==0.2.5.dev5" "numpy<2.4"
"$venv/bin/python" - <<'PY'
import nilmtk, numpy, pandas
print(f"nilmtk {nilmtk.__version__ if hasattr(nilmtk, '__version__') else '?'}, "
      f"pandas {pandas.__version__}, numpy {numpy.__version__}")
PY
