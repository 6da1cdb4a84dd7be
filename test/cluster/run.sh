#!/usr/bin/env bash
# npm run test:cluster: the cluster suite (test/cluster/*.test.ts) against a real kube-apiserver,
# kube-controller-manager and kubectl. Builds the test cluster binary first (or reuses it; see
# kube-cluster.sh), then runs jest with jest.cluster.config.js; extra arguments go to jest.
# jest and everything it starts run in a process group of their own, which is killed however this
# script ends, so no API server, etcd or jobguard outlives the run.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f dist/bundle/jobguard.mjs ]; then
  echo "test:cluster: dist/bundle/jobguard.mjs is missing; run npm run bundle (npm run test:cluster does)" >&2
  exit 2
fi
binary=$(bash test/cluster/kube-cluster.sh build) || exit 1
export JOBGUARD_KUBE_CLUSTER=$binary

setsid node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --config jest.cluster.config.js "$@" &
group=$!
cleanup() {
  local left
  left=$(pgrep -g "$group" | grep -vx "$group" || true)
  if [ -n "$left" ]; then
    echo "test:cluster: stopping processes the run left behind: $(echo $left)" >&2
    kill -TERM -- "-$group" 2>/dev/null
    sleep 2
  fi
  kill -KILL -- "-$group" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait "$group"
