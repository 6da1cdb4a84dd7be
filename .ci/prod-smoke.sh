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
node -e '
const http = require("node:http");
const items = [
  { metadata: { name: "default", labels: {} } },
  { metadata: { name: "payments", labels: { "jobguard.dev/mode": "enforce" } } },
];
http.createServer((req, res) => {
  const url = new URL(req.url, "http://api");
  if (url.pathname !== "/api/v1/namespaces") return res.writeHead(404).end();
  res.writeHead(200, { "content-type": "application/json" });
  if (url.searchParams.get("watch") === "true") return res.flushHeaders();
  res.end(JSON.stringify({ kind: "NamespaceList", apiVersion: "v1", metadata: { resourceVersion: "7" }, items }));
}).listen(0, "127.0.0.1", function () {
  require("node:fs").writeFileSync(process.argv[1], String(this.address().port));
});
' "$dir/api-port" &
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
(cd "$dir" && exec node --max-old-space-size=128 jobguard.mjs serve --port "$port" --kubeconfig kubeconfig) >"$dir/log" 2>&1 &
pid=$!
if ! node - "$port" "$root/test/fixtures/kubectl/reverse-shell-cronjob.json" <<'JS'
const https = require('node:https');
const fs = require('node:fs');
const [port, fixture] = process.argv.slice(2);
const object = JSON.parse(fs.readFileSync(fixture, 'utf8'));
const review = (namespace) => JSON.stringify({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: { uid: `smoke-${namespace}`, kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
    resource: { group: 'batch', version: 'v1', resource: 'cronjobs' }, namespace,
    operation: 'CREATE', userInfo: { username: 'smoke' }, object },
});
const call = (method, path, body) => new Promise((resolve, reject) => {
  const req = https.request({ host: '127.0.0.1', port, method, path, rejectUnauthorized: false,
    headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
    let text = ''; res.on('data', (c) => (text += c)); res.on('end', () => resolve({ status: res.statusCode, text }));
  });
  req.on('error', reject); req.end(body);
});
(async () => {
  const started = Date.now();
  let ready;
  for (;;) {
    try { ready = await call('GET', '/readyz'); if (ready.status === 200) break; } catch {}
    if (Date.now() - started > 20000) throw new Error(`not ready within 20 s: ${ready?.text ?? 'no answer'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  if (JSON.parse(ready.text).namespaceLabels !== 'synced') throw new Error(`readyz: ${ready.text}`);
  // The default profile's verdict on this reverse shell is deny: the policy's mode (warn) makes it a
  // warning, the namespace label enforce a deny.
  const verdicts = [];
  for (const [namespace, action] of [['default', 'warn'], ['payments', 'deny']]) {
    const { status, text } = await call('POST', '/validate?timeout=10s', review(namespace));
    const reply = JSON.parse(text);
    if (status !== 200 || reply.response.uid !== `smoke-${namespace}` || reply.response.auditAnnotations?.action !== action)
      throw new Error(`${namespace}: expected ${action}, got ${status} ${text}`);
    verdicts.push(`${namespace} ${action}`);
  }
  console.log(`bundle alone: ready in ${Date.now() - started} ms with namespace labels synced; ${verdicts.join(', ')}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
JS
then
  cat "$dir/log"
  exit 1
fi
kill -TERM "$pid"
if wait "$pid"; then echo "bundle alone: SIGTERM → exit 0"; else code=$?; echo "bundle alone: exit $code after SIGTERM"; cat "$dir/log"; exit 1; fi
pid=
