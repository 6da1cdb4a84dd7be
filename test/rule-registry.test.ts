/**
 * Every registered rule, in both profiles, has what CONTRIBUTING.md's "Adding a rule" asks for: its
 * own test file next to it (`src/scoring/rules/<rule-id>.test.ts`) that imports the rule and both
 * shows it firing and shows it staying quiet, and at least one corpus entry
 * (`test/corpus/index.yaml`, `rules:`) on which it must fire. A rule added without them fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILES } from '../src/scoring/profiles.js';
import { loadCorpus } from './corpus/load.js';

const RULES_DIR = fileURLToPath(new URL('../src/scoring/rules/', import.meta.url));
const registered = Object.values(PROFILES).flatMap((profile) => profile.rules.map((rule) => rule.id));
const corpus = loadCorpus();

/** What a rule's test file lacks; empty when it is a real test of that rule. */
function lacks(id: string): string[] {
  const file = `${RULES_DIR}${id}.test.ts`;
  if (!existsSync(file)) return [`no ${id}.test.ts`];
  const text = readFileSync(file, 'utf8');
  const cases = text.match(/\bit(?:\.each)?\s*[(<]/g) ?? [];
  const problems: string[] = [];
  if (!text.includes(`from './${id}.js'`)) problems.push(`does not import ./${id}.js`);
  if (!/\bdescribe(?:\.each)?\s*[(<]/.test(text)) problems.push('has no describe block');
  if (cases.length < 2) problems.push(`has ${cases.length} test cases, fewer than 2`);
  if (!/\bexpect\(/.test(text)) problems.push('asserts nothing');
  // A look-alike that must stay quiet: an empty result (asserted, or a table row expecting `[]` or
  // `false`), or a case named "does not fire".
  if (!/toEqual\(\[\]\)|toBe\(false\)|\[\]\],|false\],|does not fire|neither fires/.test(text))
    problems.push('shows no case where the rule stays quiet');
  return problems.map((p) => `${id}.test.ts ${p}`);
}

describe('rule registry', () => {
  it('registers rules in both profiles', () => {
    expect(PROFILES.default.rules.length).toBeGreaterThan(30);
    expect(PROFILES.kql.rules.length).toBeGreaterThan(5);
  });

  it.each(registered)('%s has its own test file that exercises it', (id) => {
    expect(lacks(id)).toEqual([]);
  });

  it.each(registered)('%s must fire on at least one corpus entry', (id) => {
    const entries = corpus.filter((entry) => entry.rules.includes(id)).map((entry) => entry.id);
    expect(entries.length > 0 ? 'named' : `no entry of test/corpus/index.yaml names ${id} in rules:`).toBe(
      'named',
    );
  });

  it('corpus entries name only registered rules', () => {
    const unknown = corpus.flatMap((entry) =>
      entry.rules.filter((rule) => !registered.includes(rule)).map((rule) => `${entry.id}: ${rule}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every test file in src/scoring/rules/ belongs to a registered rule', () => {
    const strays = readdirSync(RULES_DIR)
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => name.slice(0, -'.test.ts'.length))
      .filter((id) => !registered.includes(id));
    expect(strays).toEqual([]);
  });
});
