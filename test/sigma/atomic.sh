#!/usr/bin/env bash
# `npm run atomic`: the seed's four Atomic Red Team T1053.007 scenarios (test/corpus/attack/art1-…art4-)
# through the webhook, an audit log carrying its annotations, `jobguard audit` replay, the verdicts
# KQL for each Log Analytics table, the Sigma rules converted to Kusto, and `jobguard kql`
# (test/export-sigma.test.ts, which asserts each), then prints what each path showed per scenario.
# Exits non-zero when any path misses a scenario. Needs python3 and PyPI (test/sigma/venv.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
JOBGUARD_ATOMIC_REPORT=$report npm test --silent -- test/export-sigma.test.ts >&2
status=$?
if [ ! -s "$report" ]; then
  echo "npm run atomic: no scenario ran (see above: python3 missing, or the suite failed before the scenarios)" >&2
  exit 1
fi
cat "$report"
exit $status
