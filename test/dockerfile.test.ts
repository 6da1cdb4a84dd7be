/**
 * The Dockerfile's structure. No container engine runs in CI, so the build itself is not exercised
 * here; these checks pin what the image must be: multi-stage, production dependencies only,
 * a numeric non-root user, no shell at run time.
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

  it('builds with dev dependencies in one stage and installs production dependencies in another', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3);
    const build = all(stage('build'), 'RUN');
    expect(build).toContain('npm ci --no-audit --no-fund');
    expect(build).toContain('npm run build');
    const deps = all(stage('prod-deps'), 'RUN');
    expect(deps).toHaveLength(1);
    expect(deps[0]).toMatch(/^npm ci .*--omit=dev/);
  });

  it('copies only dist, production node_modules and package.json into the runtime stage', () => {
    expect(all(runtime, 'COPY').sort()).toEqual(
      [
        '--from=build /app/dist ./dist',
        '--from=prod-deps /app/node_modules ./node_modules',
        'package.json ./',
      ].sort(),
    );
    expect(all(runtime, 'WORKDIR')).toEqual(['/app']);
  });

  it('runs as the numeric non-root user 65532 and needs no shell at run time', () => {
    expect(all(runtime, 'USER')).toEqual(['65532:65532']);
    expect(all(runtime, 'RUN')).toEqual([]);
    const entrypoint = all(runtime, 'ENTRYPOINT');
    const cmd = all(runtime, 'CMD');
    expect(entrypoint).toHaveLength(1);
    expect(cmd).toHaveLength(1);
    // Exec form: a JSON array, so no /bin/sh -c wraps the process.
    expect(JSON.parse(entrypoint[0]!)).toEqual(['node', '/app/dist/main.js']);
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
