#!/usr/bin/env bash
# Installs Schemathesis (the OpenAPI property-based fuzzer, from PyPI) into a virtualenv in the lab
# cache and prints the path of its `st` command on stdout. Pinned, so a CI run today and a CI run
# next month send the same kinds of requests. Idempotent: a second run only checks the version.
# Needs python3 with the venv module (Debian: python3-venv).
set -euo pipefail
version="${LAB_SCHEMATHESIS_VERSION:-4.32.5}"
venv="${LAB_CACHE_DIR:-$HOME/.cache/system-design-lab}/venv"
st="$venv/bin/st"
if [ -x "$st" ] && "$st" --version 2>/dev/null | grep -qx "st, version $version"; then
  echo "$st"
  exit 0
fi
command -v python3 >/dev/null || { echo "contract-fuzz: python3 is missing (apt-get install python3 python3-venv)" >&2; exit 1; }
echo "contract-fuzz: installing schemathesis $version into $venv (first run only)" >&2
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
"$st" --version >&2
echo "$st"
