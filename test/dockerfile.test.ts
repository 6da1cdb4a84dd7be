/**
 * The Dockerfile's structure. No container engine runs in CI, so the build itself is not exercised
 * here (.ci/prod-smoke.sh runs the bundle alone instead); these checks pin what the image must be:
 * multi-stage, the one-file bundle and its licences only, a numeric non-root user, no shell at run time.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/helm.js';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): { preamble: Instruction[]; stages: Stage[] } {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of lines) {
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`cannot parse Dockerfile line: ${line}`);
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.args.split(' ');
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      preamble.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { preamble, stages };
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const runtime = dockerfile.stages.at(-1)!;
const all = (s: Stage, keyword: string): string[] =>
  s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  it('takes the runtime base from ARG BASE, defaulting to a Node 24 image', () => {
    const base = dockerfile.preamble.find((i) => i.keyword === 'ARG' && i.args.startsWith('BASE='));
    expect(base?.args).toMatch(/^BASE=\S*node(js)?[-:]?24/);
    expect(runtime.from).toBe('${BASE}');
  });

  it('builds and bundles with the dev dependencies in the build stage', () => {
    expect(dockerfile.stages).toHaveLength(2);
    const build = all(stage('build'), 'RUN');
    expect(build).toEqual(['npm ci --no-audit --no-fund', 'npm run bundle']);
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    // `npm run bundle` compiles first, then bundles what was compiled.
    expect(scripts.prebundle).toBe('npm run build');
    expect(scripts.bundle).toBe('node scripts/bundle.mjs');
  });

  it('copies only the bundle and its licence notices into the runtime stage: no node_modules', () => {
    expect(all(runtime, 'COPY')).toEqual(['--from=build /app/dist/bundle/ ./']);
    expect(all(runtime, 'WORKDIR')).toEqual(['/app']);
    const bundler = readFileSync(join(ROOT, 'scripts/bundle.mjs'), 'utf8');
    expect(bundler).toContain("join(root, 'dist/bundle')");
    expect(bundler).toContain("'THIRD-PARTY-NOTICES.txt'");
  });

  it('runs as the numeric non-root user 65532 and needs no shell at run time', () => {
    expect(all(runtime, 'USER')).toEqual(['65532:65532']);
    expect(all(runtime, 'RUN')).toEqual([]);
    const entrypoint = all(runtime, 'ENTRYPOINT');
    const cmd = all(runtime, 'CMD');
    expect(entrypoint).toHaveLength(1);
    expect(cmd).toHaveLength(1);
    // Exec form: a JSON array, so no /bin/sh -c wraps the process.
    expect(JSON.parse(entrypoint[0]!)).toEqual(['node', '/app/jobguard.mjs']);
    expect(JSON.parse(cmd[0]!)).toEqual(['serve']);
  });

  it('leaves the user before the entrypoint, so nothing after it runs as root', () => {
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.indexOf('USER')).toBeLessThan(keywords.indexOf('ENTRYPOINT'));
    expect(keywords.slice(keywords.indexOf('USER')).filter((k) => k === 'COPY' || k === 'RUN')).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('ignores everything but the files the build copies', () => {
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual([
      'package-lock.json',
      'package.json',
      'scripts',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    const contextSources = dockerfile.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    for (const source of contextSources) expect(allowed).toContain(source.replace(/\/$/, ''));
  });
});
