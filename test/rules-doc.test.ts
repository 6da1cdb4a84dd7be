/**
 * docs/rules.md must match the registry. To regenerate after changing a rule:
 *   UPDATE_RULES_DOC=1 npm test -- test/rules-doc.test.ts
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/index.js';
import { renderRulesMarkdown, techniqueUrl } from '../src/scoring/docs.js';
import { GUIDE_KEYS, GUIDES } from '../src/scoring/guide.js';
import { PROFILES } from '../src/scoring/profiles.js';
import type { Profile, Rule } from '../src/scoring/types.js';
import { z } from 'zod';
import { fakeIo } from './fixtures/scan/fake-io.js';

const DOC = fileURLToPath(new URL('../docs/rules.md', import.meta.url));
const REGENERATE = 'UPDATE_RULES_DOC=1 npm test -- test/rules-doc.test.ts';

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

describe('docs/rules.md', () => {
  it('matches the rule registry', () => {
    const expected = renderRulesMarkdown(PROFILES);
    if (process.env.UPDATE_RULES_DOC === '1') {
      writeFileSync(DOC, expected);
      return;
    }
    const actual = read(DOC);
    if (actual === expected) return;
    const fresh = join(tmpdir(), 'jobguard-rules.md');
    writeFileSync(fresh, expected);
    throw new Error(
      `docs/rules.md is out of date with the rule registry.\n` +
        `  Regenerate it: ${REGENERATE}\n  (the expected text is in ${fresh}; diff it against docs/rules.md)`,
    );
  });
});

describe('renderRulesMarkdown', () => {
  const rule: Rule<{ images: string[]; max: number }> = {
    id: 'sample-rule',
    profile: 'default',
    weight: 3,
    technique: 'T1053.007',
    description: 'Looks | for samples',
    reason: 'sample',
    doc: { reads: 'image', why: 'because', benign: 'none' },
    params: {
      schema: z.object({ images: z.array(z.string()), max: z.number() }).strict(),
      defaults: { images: ['a', 'b`c'], max: 2 },
    },
    check: () => [],
  };
  const profile: Profile = {
    name: 'default',
    rules: [rule],
    thresholds: { annotate: 2, warn: 4, deny: 8 },
  };
  const text = renderRulesMarkdown({
    default: profile,
    kql: { name: 'kql', rules: [], thresholds: { annotate: 1, warn: 1, deny: 3 } },
  });

  it.each([
    [
      'the profile heading and thresholds',
      '## Profile `default`\n\nDefault thresholds: annotate at 2, warn at 4, deny at 8.',
    ],
    [
      'an index row with the pipe escaped',
      '| [sample-rule](#sample-rule) | 3 | [T1053.007](https://attack.mitre.org/techniques/T1053/007/) | Looks \\| for samples |',
    ],
    ['the rule heading', '### sample-rule\n\nLooks | for samples\n'],
    ['the weight', '- **Weight:** 3\n'],
    [
      'the doc block',
      '- **Reads:** image\n- **Why attackers do it:** because\n- **Benign look-alikes:** none\n',
    ],
    ['parameter defaults', '  | `images` | `a`, ``b`c`` |\n  | `max` | `2` |'],
  ])('renders %s', (_what, fragment) => {
    expect(text).toContain(fragment);
  });

  it('puts the default profile first', () => {
    expect(text.indexOf('## Profile `default`')).toBeLessThan(text.indexOf('## Profile `kql`'));
  });

  it.each([
    ['T1611', 'https://attack.mitre.org/techniques/T1611/'],
    ['T1059.004', 'https://attack.mitre.org/techniques/T1059/004/'],
  ])('links %s to %s', (id, url) => {
    expect(techniqueUrl(id)).toBe(url);
  });

  it('documents every registered rule', () => {
    const doc = renderRulesMarkdown(PROFILES);
    for (const p of Object.values(PROFILES)) for (const r of p.rules) expect(doc).toContain(`### ${r.id}\n`);
  });
});

describe('investigation and response guides', () => {
  const base: Rule = {
    id: 'guided-rule',
    profile: 'default',
    weight: 5,
    technique: 'T1496',
    description: 'Runs a miner',
    reason: 'miner',
    doc: { reads: 'argv', why: 'money', benign: 'none' },
    check: () => [],
  };
  const render = (rule: Rule): string =>
    renderRulesMarkdown({
      default: { name: 'default', rules: [rule], thresholds: { annotate: 2, warn: 4, deny: 8 } },
    });

  it('renders the class guide under a rule that names it, with the rule id filled in', () => {
    const text = render({ ...base, guide: 'miner' });
    const section = text.slice(text.indexOf('### guided-rule'));
    expect(section).toContain(`- **When it fires** (miner): ${GUIDES.miner.meaning}.`);
    expect(section).toContain('- **Investigate:**\n  - Every request this rule fired on');
    expect(section).toContain(
      '`jobguard audit --format json LOG… | jq -r \'.results[] | select(any(.findings[]; .rule == "guided-rule")) | .event.user\' | sort | uniq -c`',
    );
    for (const text of [...GUIDES.miner.investigate, ...GUIDES.miner.respond])
      expect(section).toContain(`  - ${text.replaceAll('<rule>', 'guided-rule')}\n`);
    expect(section).not.toContain('<rule>');
    expect(section.indexOf('**Investigate:**')).toBeLessThan(section.indexOf('**Respond:**'));
  });

  it('renders nothing for a rule without a guide', () => {
    const text = render(base);
    expect(text).not.toContain('**Investigate:**');
    expect(text).not.toContain('**Respond:**');
  });

  it.each(GUIDE_KEYS.map((key) => [key]))('guide %s has a meaning, investigation and response', (key) => {
    const guide = GUIDES[key];
    expect(guide.meaning.length).toBeGreaterThan(20);
    expect(guide.investigate.length).toBeGreaterThanOrEqual(2);
    expect(guide.respond.length).toBeGreaterThanOrEqual(1);
    for (const text of [...guide.investigate, ...guide.respond]) expect(text).not.toMatch(/\n/);
  });

  it('gives every rule of the registry a guide that exists (a new rule picks its behaviour class)', () => {
    const unguided: string[] = [];
    for (const profile of Object.values(PROFILES))
      for (const rule of profile.rules) {
        if (rule.guide === undefined) unguided.push(rule.id);
        else expect(GUIDE_KEYS).toContain(rule.guide);
      }
    expect(unguided).toEqual([]);
  });

  it('uses only jobguard subcommands and flags that exist (checked against each --help)', async () => {
    const doc = renderRulesMarkdown(PROFILES);
    const playbook = readFileSync(fileURLToPath(new URL('../docs/playbook.md', import.meta.url)), 'utf8');
    const uses = [...`${doc}\n${playbook}`.matchAll(/`jobguard ([a-z]+)((?: [^`|]*)?)/g)];
    expect(uses.length).toBeGreaterThan(20);
    const helps = new Map<string, string>();
    for (const [, command, rest] of uses) {
      // The deny message quoted in the playbook starts with `jobguard denied`; every other use is a command.
      if (command === 'denied') continue;
      if (!helps.has(command!)) {
        const io = fakeIo({ cwd: tmpdir() });
        expect(await main([command!, '--help'], io)).toBe(0);
        helps.set(command!, io.out());
      }
      for (const [flag] of rest!.matchAll(/--[a-z][a-z-]*/g))
        expect(
          `jobguard ${command!} ${flag}: ${helps.get(command!)!.includes(flag) ? 'in --help' : 'unknown'}`,
        ).toBe(`jobguard ${command!} ${flag}: in --help`);
    }
  });
});
