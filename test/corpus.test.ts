/**
 * The corpus guards the default profile end to end: every manifest under test/corpus/ goes
 * through `assess()` with the default policy, and its verdict must sit inside the bounds
 * test/corpus/index.yaml gives it. Also measures the default and kql profiles side by side
 * (detection and false-alarm rates), printed after the run and written to a file for the README.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assess, createEngine, type Engine } from '../src/engine.js';
import { VERDICTS, type Verdict } from '../src/policy/decision.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';
import { loadCorpus, type CorpusClass, type CorpusEntry } from './corpus/load.js';
import { WORKLOAD_KINDS } from '../src/policy/schema.js';
import { PROFILES } from '../src/scoring/profiles.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const corpus = loadCorpus();
const engines: Record<'default' | 'kql', Engine> = {
  default: createEngine(DEFAULT_POLICY),
  kql: createEngine({ ...DEFAULT_POLICY, profile: 'kql' }),
};

interface Result {
  entry: CorpusEntry;
  score: number;
  verdict: Verdict;
  /** Rules with a scored finding. */
  rules: string[];
  /** Every rule with a finding, weight-0 context included. */
  fired: string[];
}

function run(engine: Engine, entry: CorpusEntry): Result {
  const assessment = assess(engine, entry.object, { now: NOW });
  if (!assessment) throw new Error(`${entry.id}: no pod template`);
  const { decision } = assessment;
  return {
    entry,
    score: decision.score,
    verdict: decision.verdict,
    rules: [...new Set(decision.findings.filter((f) => f.weight > 0).map((f) => f.rule))],
    fired: [...new Set(decision.findings.map((f) => f.rule))],
  };
}

const results = {
  default: corpus.map((entry) => run(engines.default, entry)),
  kql: corpus.map((entry) => run(engines.kql, entry)),
};

const rank = (verdict: Verdict): number => VERDICTS.indexOf(verdict);
const ofClass = (list: Result[], cls: CorpusClass): Result[] => list.filter((r) => r.entry.class === cls);
const atLeast = (list: Result[], verdict: Verdict): Result[] =>
  list.filter((r) => rank(r.verdict) >= rank(verdict));
const rows = (cls: CorpusClass) =>
  results.default.filter((r) => r.entry.class === cls).map((r) => [r.entry.id, r] as const);
const explain = (r: Result): string =>
  `${r.entry.id} (${r.entry.why}): score ${r.score} → ${r.verdict} [${r.rules.join(', ') || 'no rule'}]`;

describe('corpus', () => {
  it('has at least 45 attacks and 45 benign objects, and every pod-controller kind in both', () => {
    const kinds = (cls: CorpusClass) => new Set(corpus.filter((e) => e.class === cls).map((e) => e.kind));
    expect(ofClass(results.default, 'attack').length).toBeGreaterThanOrEqual(45);
    expect(ofClass(results.default, 'benign').length).toBeGreaterThanOrEqual(45);
    const all = [...WORKLOAD_KINDS];
    expect([...kinds('attack')].sort()).toEqual([...all].sort());
    expect([...kinds('benign')].sort()).toEqual([...all].sort());
  });

  it('fires every rule an entry names, with the profile that registers it', () => {
    const profileOf = (rule: string) => (PROFILES.kql.rules.some((r) => r.id === rule) ? 'kql' : 'default');
    const missed = corpus.flatMap((entry, i) =>
      entry.rules
        .filter((rule) => !results[profileOf(rule)][i]!.fired.includes(rule))
        .map((rule) => `${entry.id}: ${rule} did not fire`),
    );
    expect(missed).toEqual([]);
    expect(corpus.filter((entry) => entry.rules.length > 0).length).toBeGreaterThan(0);
  });

  it('raises no rule error on any object', () => {
    const failing = corpus.flatMap((entry) => {
      const errors = assess(engines.default, entry.object, { now: NOW })?.score.errors ?? [];
      return errors.map((rule) => `${entry.id}: ${rule}`);
    });
    expect(failing).toEqual([]);
  });
});

describe('default profile, default policy', () => {
  const attacks = rows('attack');
  it.each(attacks.filter(([, r]) => r.entry.gap === undefined))('denies attack %s', (_id, result) => {
    expect(result.verdict === 'deny' ? 'deny' : explain(result)).toBe('deny');
  });

  // Known gaps stay visible: each must still be missed; once a rule catches it, remove its `gap:`.
  // (One test over the list rather than it.each, which refuses an empty table once every gap is closed.)
  it('keeps every known gap undenied until its note is removed', () => {
    const closed = attacks
      .filter(([, r]) => r.entry.gap !== undefined && r.verdict === 'deny')
      .map(([id]) => `${id} is denied now: remove its gap note from index.yaml`);
    expect(closed).toEqual([]);
  });

  it.each(rows('benign'))('does not deny benign %s', (_id, result) => {
    expect(rank(result.verdict)).toBeLessThanOrEqual(rank(result.entry.ceiling));
    expect(result.verdict === 'deny' ? explain(result) : 'not denied').toBe('not denied');
  });

  it('warns on at most 5% of the benign objects', () => {
    const benign = ofClass(results.default, 'benign');
    const warned = atLeast(benign, 'warn');
    expect(warned.length / benign.length <= 0.05 ? 'ok' : warned.map(explain)).toBe('ok');
  });

  it.each(rows('infrastructure'))('warns at least on infrastructure %s', (_id, result) => {
    expect(rank(result.verdict) >= rank(result.entry.floor) ? 'ok' : explain(result)).toBe('ok');
    expect(rank(result.verdict)).toBeLessThanOrEqual(rank(result.entry.ceiling));
  });

  it.each(corpus.filter((e) => e.class === 'attack').map((e) => [e.id, e] as const))(
    'scores %s the same whatever the requester and namespace',
    (_id, entry) => {
      const a = assess(engines.default, entry.object, { now: NOW })!;
      const b = assess(engines.default, entry.object, {
        now: NOW,
        namespace: 'prod',
        requester: { username: 'system:serviceaccount:ci:deployer' },
      })!;
      expect(b.score.score).toBe(a.score.score);
    },
  );
});

function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}% (${part}/${whole})`;
}

/** The README table: detection = attack denied; false alarm = benign at warn or deny. */
function ratesTable(): string {
  const lines = [
    '| profile | thresholds (annotate/warn/deny) | attacks detected (deny) | attacks at warn or deny | benign false alarms (warn or deny) | benign denied | infrastructure at warn or deny |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const name of ['default', 'kql'] as const) {
    const list = results[name];
    const t = engines[name].compiled.thresholds;
    const attack = ofClass(list, 'attack');
    const benign = ofClass(list, 'benign');
    const infra = ofClass(list, 'infrastructure');
    lines.push(
      `| ${name} | ${t.annotate}/${t.warn}/${t.deny} | ${percent(atLeast(attack, 'deny').length, attack.length)} | ${percent(atLeast(attack, 'warn').length, attack.length)} | ${percent(atLeast(benign, 'warn').length, benign.length)} | ${percent(atLeast(benign, 'deny').length, benign.length)} | ${percent(atLeast(infra, 'warn').length, infra.length)} |`,
    );
  }
  return lines.join('\n');
}

function objectsTable(): string {
  const lines = ['| object | class | kind | default | kql | default rules |', '|---|---|---|---|---|---|'];
  results.default.forEach((d, i) => {
    const k = results.kql[i]!;
    lines.push(
      `| ${d.entry.id} | ${d.entry.class} | ${d.entry.kind} | ${d.score} ${d.verdict} | ${k.score} ${k.verdict} | ${d.rules.join(', ')} |`,
    );
  });
  return lines.join('\n');
}

afterAll(() => {
  const report = `## Corpus rates\n\n${ratesTable()}\n\n## Every object\n\n${objectsTable()}\n`;
  const file = join(tmpdir(), 'jobguard-corpus-report.md');
  writeFileSync(file, report);
  process.stdout.write(`\n${ratesTable()}\n(per-object table: ${file})\n`);
});
