#!/usr/bin/env bash
# Creates (once) a Python venv with test/sigma/requirements.txt under the cache directory and prints
# its path on stdout; progress goes to stderr. The venv is keyed by the requirements' hash, so a
# change of pins builds a fresh one. Needs python3 (3.11+) and PyPI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requirements="$here/requirements.txt"
cache=${JOBGUARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jobguard}
hash=$(sha256sum "$requirements" | cut -c1-12)
venv="$cache/sigma-venv-$hash"
if [ ! -x "$venv/bin/sigma" ] || [ ! -f "$venv/.complete" ]; then
  echo "test/sigma/venv.sh: installing sigma-cli and its backends into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  touch "$venv/.complete"
fi
echo "$venv"
