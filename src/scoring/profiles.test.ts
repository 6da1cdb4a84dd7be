import { describe, expect, it } from '@jest/globals';
import { checkRegistry, PROFILES } from './profiles.js';
import type { Profile, Rule } from './types.js';

const base: Rule = {
  id: 'some-rule',
  profile: 'default',
  weight: 1,
  technique: 'T1611',
  description: 'd',
  reason: 'r',
  doc: { reads: 'r', why: 'w', benign: 'b' },
  check: () => [],
};

function registry(...rules: Rule[]): Record<string, Profile> {
  return { default: { name: 'default', rules, thresholds: { annotate: 1, warn: 2, deny: 3 } } };
}

describe('checkRegistry', () => {
  it('accepts the shipped registry', () => {
    expect(() => {
      checkRegistry(PROFILES);
    }).not.toThrow();
  });

  it.each<[string, Rule[], RegExp]>([
    ['a duplicate id', [base, { ...base }], /duplicate id/],
    ['an id that is not kebab-case', [{ ...base, id: 'Some_Rule' }], /kebab-case/],
    ['a fractional weight', [{ ...base, weight: 1.5 }], /weight/],
    ['a negative weight', [{ ...base, weight: -1 }], /weight/],
    ['a technique that is not an ATT&CK id', [{ ...base, technique: 'escape' }], /ATT&CK/],
    ['a rule of the other profile', [{ ...base, profile: 'kql' }], /wrong profile/],
    ['an empty doc', [{ ...base, doc: { reads: '', why: 'w', benign: 'b' } }], /doc/],
  ])('refuses %s', (_name, rules, message) => {
    expect(() => {
      checkRegistry(registry(...rules));
    }).toThrow(message);
  });
});
