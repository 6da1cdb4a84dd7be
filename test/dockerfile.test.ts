/**
 * The Dockerfile's properties, not its text: multi-stage, Node 24 bases named by a pinned line (no
 * `latest`), only the one-file bundle and its licences in the runtime stage, a numeric non-root
 * user before anything runs, exec-form entrypoint and healthcheck (no shell at run time), no
 * secrets in build arguments, environment or labels, and a build context that holds nothing else.
 * .ci/image.sh builds this Dockerfile with buildah and runs the image; these checks say why a
 * change that still builds is wrong.
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

/** The image reference an ARG defaults to. */
const argDefault = (name: string): string => {
  const arg = dockerfile.preamble.find((i) => i.keyword === 'ARG' && i.args.startsWith(`${name}=`));
  if (!arg) throw new Error(`no ARG ${name} with a default`);
  return arg.args.slice(name.length + 1);
};

/** Flags (`--name=value`) and the rest of an instruction's arguments. */
function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s*/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
    flags[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

describe('Dockerfile', () => {
  it('builds from Node 24 bases named by build arguments, each pinned to a release line', () => {
    for (const name of ['BUILD_BASE', 'BASE']) {
      const image = argDefault(name);
      // A registry path with a tag or digest: never an implicit or explicit `latest`.
      expect(image).toMatch(/^[a-z0-9.-]+(\/[a-z0-9._-]+)*(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/);
      expect(image).toMatch(/[:@]/);
      expect(image).not.toMatch(/:latest\b/);
      // Node 24 (the LTS line the image runs) on Debian 12.
      expect(image).toMatch(/node(js)?[-:]?24\b/);
      expect(image).toMatch(/debian12|bookworm/);
    }
    expect(dockerfile.stages.map((s) => s.from)).toEqual(['${BUILD_BASE}', '${BASE}']);
  });

  it('builds with the dev dependencies in the build stage, from the lockfile', () => {
    const build = stage('build');
    const runs = all(build, 'RUN');
    expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /^npm install\b/.test(r))).toBe(false);
    expect(runs.at(-1)).toBe('npm run bundle');
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    // `npm run bundle` compiles first, then bundles what was compiled.
    expect(scripts.prebundle).toBe('npm run build');
    expect(scripts.bundle).toBe('node scripts/bundle.mjs');
  });

  it('copies only the bundle and its licence notices into the runtime stage: no node_modules', () => {
    const copies = all(runtime, 'COPY').map(splitFlags);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.flags.from).toBe('build');
    const [source, target] = copies[0]!.rest.split(' ');
    expect(source!.replace(/\/$/, '')).toBe('/app/dist/bundle');
    expect(all(runtime, 'ADD')).toEqual([]);
    // The target is the working directory the entrypoint names.
    const workdir = all(runtime, 'WORKDIR').at(-1)!;
    expect([workdir, `${workdir}/`]).toContain(target === './' ? `${workdir}/` : target);
    const bundler = readFileSync(join(ROOT, 'scripts/bundle.mjs'), 'utf8');
    expect(bundler).toContain("join(root, 'dist/bundle')");
    expect(bundler).toContain("'THIRD-PARTY-NOTICES.txt'");
  });

  it('runs as a numeric non-root user, set before the entrypoint, with nothing run as root after it', () => {
    const users = all(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    expect(users[0]).toMatch(/^\d+:\d+$/);
    // The chart's runAsUser default is the image's user.
    const values = readFileSync(join(ROOT, 'charts/jobguard/values.yaml'), 'utf8');
    expect(values).toMatch(new RegExp(`runAsUser: ${uid}\\b`));
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.indexOf('USER')).toBeLessThan(keywords.indexOf('ENTRYPOINT'));
    expect(
      keywords.slice(keywords.indexOf('USER')).filter((k) => ['COPY', 'ADD', 'RUN'].includes(k)),
    ).toEqual([]);
  });

  it('needs no shell at run time: no RUN in the runtime stage, exec-form entrypoint, cmd and healthcheck', () => {
    expect(all(runtime, 'RUN')).toEqual([]);
    const [entrypoint] = all(runtime, 'ENTRYPOINT');
    const [cmd] = all(runtime, 'CMD');
    const entry = JSON.parse(entrypoint!) as string[];
    expect(entry[0]).toBe('node');
    const workdir = all(runtime, 'WORKDIR').at(-1)!;
    expect(entry[1]).toBe(`${workdir}/jobguard.mjs`);
    const args = JSON.parse(cmd!) as string[];
    expect(args[0]).toBe('serve');
    // A container's loopback is its own: the default command must listen on every interface.
    expect(args).toContain('--host=0.0.0.0');
    const healthchecks = all(runtime, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const { flags, rest } = splitFlags(healthchecks[0]!);
    expect(rest).toMatch(/^CMD \[/);
    const probe = JSON.parse(rest.slice('CMD '.length)) as string[];
    expect(probe.slice(0, 2)).toEqual(['node', '-e']);
    expect(probe[2]).toContain("path:'/healthz'");
    expect(probe[2]).toContain(`port:${/--port[= ](\d+)/.exec(args.join(' '))?.[1] ?? 8443}`);
    expect(Number.parseInt(flags.timeout!, 10)).toBeLessThanOrEqual(5);
  });

  it('exposes the HTTPS and metrics ports the chart uses', () => {
    const values = readFileSync(join(ROOT, 'charts/jobguard/values.yaml'), 'utf8');
    const containerPort = /^containerPort: (\d+)/m.exec(values)![1];
    const metricsPort = /^ {2}port: (\d+)/m.exec(values.slice(values.indexOf('\nmetrics:')))![1];
    expect(all(runtime, 'EXPOSE').join(' ').split(' ').sort()).toEqual([containerPort, metricsPort].sort());
  });

  it('bakes no secret into the image: no credentials in ARG, ENV or LABEL, no secret files copied', () => {
    const secretName = /(secret|token|password|passwd|credential|api[-_]?key|private[-_]?key|auth)/i;
    for (const s of [{ instructions: dockerfile.preamble }, ...dockerfile.stages]) {
      for (const i of s.instructions.filter((x) => ['ARG', 'ENV', 'LABEL'].includes(x.keyword))) {
        const names = [...i.args.matchAll(/(?:^|\s)([A-Za-z_][\w.-]*)=/g)].map((m) => m[1]!);
        if (i.keyword === 'ARG' && names.length === 0) names.push(i.args.split(' ')[0]!);
        for (const name of names) expect(name).not.toMatch(secretName);
      }
    }
    const copied = dockerfile.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
      .flatMap((i) => splitFlags(i.args).rest.split(' ').slice(0, -1));
    for (const source of copied) expect(source).not.toMatch(/\.npmrc|\.env|id_rsa|\.pem$|\.key$|kubeconfig/i);
    // npm ci needs no token: the lockfile names only public packages.
    expect(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).not.toMatch(/_authToken|_auth=/);
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
