#!/usr/bin/env bash
# One entry point for a fresh machine.
#   bash run.sh          set up .venv, print the device report, run every notebook (fast mode
#                        on a CPU) into runs/notebooks/, executed copies you can open
#   bash run.sh test     set up .venv, run all tests (unit tests + every notebook via nbval)
#   bash run.sh lab      set up .venv and open JupyterLab on notebooks/
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=${WORKBENCH_VENV:-.venv}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PY" -m venv "$VENV"
  fi
  if [ ! -f "$VENV/.installed" ] || [ requirements.txt -nt "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
    echo "==> installing requirements (CPU torch; about 2 minutes the first time)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r requirements.txt
    "$VENV/bin/python" -m pip install -q --no-deps -e .
    "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
    touch "$VENV/.installed"
  fi
  case "$VENV" in /*) export PATH="$VENV/bin:$PATH" ;; *) export PATH="$PWD/$VENV/bin:$PATH" ;; esac
}

case "${1:-run}" in
  run)
    setup
    python -m workbench env
    mkdir -p runs/notebooks
    for nb in notebooks/[0-9]*.ipynb; do
      echo "==> running $nb"
      (cd notebooks && jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 \
        --output-dir ../runs/notebooks "$(basename "$nb")" --log-level WARN)
    done
    echo "==> done: executed notebooks are in runs/notebooks/ (open them with: bash run.sh lab)"
    ;;
  test)
    setup
    shift || true
    python -m pytest "$@"
    ;;
  lab)
    setup
    exec jupyter lab notebooks/
    ;;
  *)
    echo "usage: bash run.sh [run|test|lab]" >&2
    exit 2
    ;;
esac
