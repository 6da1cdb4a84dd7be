#!/usr/bin/env bash
# The container image's runtime without a container engine: dist/bundle/jobguard.mjs alone in an
# empty directory (no node_modules anywhere above it, as in the image), served with a kubeconfig
# for a stand-in API server so the bundled client-node path runs too. /readyz must report the
# namespace labels synced, a namespace labelled enforce must turn a warn into a deny, and SIGTERM
# must end the process with exit 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
(cd "$root" && node scripts/bundle.mjs)
dir=$(mktemp -d)
trap 'kill "${api:-}" "${pid:-}" 2>/dev/null || true; rm -rf "$dir"' EXIT
cp "$root/dist/bundle/jobguard.mjs" "$dir/"
# scripts/bundle.mjs already refuses a bundle that imports anything but Node's built-ins; a
# node_modules above the directory would still hide such an import here, so say so.
for d in "$dir" "$(dirname "$dir")" /; do
  if [ -e "$d/node_modules" ]; then echo "note: $d/node_modules exists, so this run does not prove the bundle alone"; fi
done

# The stand-in API server: namespaces (one labelled enforce) and a watch that stays open.
node "$root/.ci/stand-in-apiserver.mjs" "$dir/api-port" &
api=$!
for _ in $(seq 100); do [ -s "$dir/api-port" ] && break; sleep 0.1; done
cat >"$dir/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{ name: smoke, cluster: { server: "http://127.0.0.1:$(cat "$dir/api-port")", insecure-skip-tls-verify: true } }]
users: [{ name: smoke, user: { token: smoke } }]
contexts: [{ name: smoke, context: { cluster: smoke, user: smoke } }]
current-context: smoke
YAML

port=$((20000 + RANDOM % 20000))
metrics_port=$((port + 1))
since=$(node -p "Date.now()")
(cd "$dir" && exec node --max-old-space-size=128 --max-semi-space-size=4 jobguard.mjs serve --port "$port" --metrics-port "$metrics_port" --kubeconfig kubeconfig) >"$dir/log" 2>&1 &
pid=$!
# The default profile's verdict on this reverse shell is deny: the policy's mode (warn) makes it a
# warning, the namespace label enforce a deny.
fixture=$root/test/fixtures/kubectl/reverse-shell-cronjob.json
if ! node "$root/.ci/smoke-client.mjs" --port "$port" --metrics-port "$metrics_port" --since "$since" "$fixture:default:warn" "$fixture:payments:deny" | sed -n '1s/^/bundle alone: /p'; then
  cat "$dir/log"
  exit 1
fi
kill -TERM "$pid"
if wait "$pid"; then echo "bundle alone: SIGTERM → exit 0"; else code=$?; echo "bundle alone: exit $code after SIGTERM"; cat "$dir/log"; exit 1; fi
pid=
