#!/usr/bin/env bash
# The container image's runtime, without a container engine: production dependencies only
# (npm ci --omit=dev, as the Dockerfile's prod-deps stage does), the built dist/, then
# `node dist/main.js serve`; a review must be answered and SIGTERM must end it with exit 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$root/package.json" "$root/package-lock.json" "$dir/"
cp -r "$root/dist" "$dir/dist"
(cd "$dir" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
port=$((20000 + RANDOM % 20000))
node "$dir/dist/main.js" serve --port "$port" >"$dir/log" 2>&1 &
pid=$!
node - "$port" "$root/test/fixtures/kubectl/reverse-shell-cronjob.json" <<'JS'
const https = require('node:https');
const fs = require('node:fs');
const [port, fixture] = process.argv.slice(2);
const object = JSON.parse(fs.readFileSync(fixture, 'utf8'));
const review = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: { uid: 'smoke', kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
    resource: { group: 'batch', version: 'v1', resource: 'cronjobs' }, namespace: 'default',
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
  const deadline = Date.now() + 20000;
  for (;;) {
    try { if ((await call('GET', '/readyz')).status === 200) break; } catch {}
    if (Date.now() > deadline) throw new Error('not ready within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { status, text } = await call('POST', '/validate?timeout=10s', review);
  const reply = JSON.parse(text);
  if (status !== 200 || reply.response.uid !== 'smoke' || reply.response.auditAnnotations?.verdict !== 'deny')
    throw new Error(`unexpected reply ${status} ${text}`);
  console.log(`production install answered: verdict ${reply.response.auditAnnotations.verdict}, score ${reply.response.auditAnnotations.score}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
JS
kill -TERM "$pid"
if wait "$pid"; then echo "production install: SIGTERM → exit 0"; else echo "production install: exit $?"; cat "$dir/log"; exit 1; fi
