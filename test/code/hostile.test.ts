/**
 * Hostile input: every analyser stays within its budget and its nesting cap, reports a limit when
 * it stops early, and never throws — whatever the code.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CodeAnalysis, Language } from '../../src/workload/action.js';
import { analyzeCode, MAX_CODE } from '../../src/workload/code/analyze.js';
import { MAX_NESTING } from '../../src/workload/code/parser.js';

const LANGUAGES: readonly Exclude<Language, 'shell'>[] = [
  'python',
  'perl',
  'ruby',
  'node',
  'php',
  'lua',
  'awk',
  'powershell',
];

function run(
  language: Exclude<Language, 'shell'>,
  code: string,
  budget = 50_000,
): { analysis: CodeAnalysis; left: number } {
  const shared = { left: budget };
  const analysis = analyzeCode(language, code, { path: 'p', env: new Map(), args: [], budget: shared });
  return { analysis, left: shared.left };
}

describe.each(LANGUAGES)('%s on hostile input', (language) => {
  it('caps nesting and says so', () => {
    const deep = `${'('.repeat(5000)}1${')'.repeat(5000)}`;
    const { analysis } = run(language, `x = ${deep}`, 1_000_000);
    expect(analysis.limits).toContain(`nesting over ${MAX_NESTING}`);
  });

  it('caps nested calls and brackets of every kind', () => {
    const deep = `${'f(['.repeat(3000)}1${'])'.repeat(3000)}`;
    const { analysis } = run(language, deep, 1_000_000);
    expect(analysis.limits).toContain(`nesting over ${MAX_NESTING}`);
  });

  it('stops at the budget on long code and reports it', () => {
    const long = 'x = "a" + "b"\n'.repeat(20_000);
    const { analysis, left } = run(language, long, 10_000);
    expect(analysis.limits).toContain('work budget exhausted');
    expect(left).toBeLessThanOrEqual(0);
    expect(left).toBeGreaterThanOrEqual(-1);
  });

  it('reads a huge string without running out of memory or budget', () => {
    const text = `"${'A'.repeat(900_000)}"`;
    const code =
      language === 'awk'
        ? `BEGIN { x = ${text} }`
        : ['perl', 'php', 'powershell'].includes(language)
          ? `$x = ${text};`
          : `x = ${text}`;
    const { analysis, left } = run(language, code, 100_000);
    expect(analysis.actions).toEqual([]);
    expect(analysis.limits).toEqual([]);
    expect(left).toBeGreaterThan(99_000);
  });

  it('cuts code over its size cap and says so', () => {
    const { analysis } = run(language, ' '.repeat(MAX_CODE + 10), 100_000);
    expect(analysis.limits).toContain(`code over ${MAX_CODE} characters`);
  });

  it('keeps an unterminated string, comment or block from looping', () => {
    for (const code of [
      '"abc',
      '/* x',
      '(((',
      '{{{',
      'if (',
      'def f(:',
      '[[',
      '`',
      "'",
      '@"\n',
      '--[[',
      '<<EOF',
    ]) {
      const { analysis, left } = run(language, code);
      expect(Array.isArray(analysis.limits)).toBe(true);
      expect(left).toBeGreaterThan(0);
    }
  });

  it("reads names that are also JavaScript's own object keys like any other name", () => {
    // Alias and library tables are plain objects: a lookup of `toString` or `constructor` once found
    // Object.prototype's, and the analysis failed (a benign script denied as analysis-incomplete).
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];
    const code = names.map((name, i) => `${name}(${i})\n${name}.x(${i})\n`).join('');
    const { analysis } = run(language, code);
    expect(analysis.limits).toEqual([]);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (code) => {
        const { analysis, left } = run(language, code, 20_000);
        expect(left).toBeGreaterThanOrEqual(-1);
        expect(analysis.actions.length).toBeLessThanOrEqual(10_000);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary tokens of the languages', () => {
    const token = fc.constantFrom(
      '(',
      ')',
      '{',
      '}',
      '[',
      ']',
      'x',
      '$x',
      '"s"',
      "'s'",
      '=',
      '.',
      ',',
      ';',
      '\n',
      ' ',
      'if',
      'while',
      'end',
      'do',
      'def',
      'function',
      'eval',
      'system',
      '|',
      '&',
      '=>',
      '->',
      '::',
      '#{',
      '${',
      'f(',
      ':',
      '<',
      '>',
      '%',
      '@',
      '`',
      '-',
      '1',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 200 }), (tokens) => {
        const { left } = run(language, tokens.join(''), 20_000);
        expect(left).toBeGreaterThanOrEqual(-1);
      }),
      { numRuns: 150 },
    );
  });
});

describe('pathological programs end within budget', () => {
  it.each([
    ['python', 'def f(x):\n    return f(f(f(x)))\nf(1)'],
    ['python', 'x = "exec(x)"\nexec(x)'],
    ['python', 'while True:\n    x = x + x'],
    ['python', 'a = "a" * 100000\nb = a * 100000'],
    ['node', 'function f(){ f(); f(); f(); } f()'],
    ['node', 'let s = "eval(s)"; eval(s)'],
    ['perl', 'sub f { f(); f(); } f();'],
    ['ruby', 'def f; f; f; end; f'],
    ['php', 'function f() { f(); f(); } f();'],
    ['lua', 'function f() f() f() end f()'],
    ['powershell', 'function f { f; f }; f'],
    ['awk', 'function f(x) { return f(f(x)) } BEGIN { f(1) }'],
  ] as const)('%s: %s', (language, code) => {
    const { analysis, left } = run(language, code, 20_000);
    expect(left).toBeGreaterThanOrEqual(-1);
    expect(analysis.limits.every((limit) => typeof limit === 'string')).toBe(true);
  });

  it('nested evaluation of a self-reproducing string stops at the evaluation cap', () => {
    const { analysis } = run('python', 'x = "exec(x)"\nexec(x)', 100_000);
    expect(analysis.limits).toContain('evaluated code nested over 4');
  });

  it('an exhausted budget is reported before any work', () => {
    const { analysis } = run('python', 'import os; os.system("id")', 0);
    expect(analysis).toEqual({ actions: [], limits: ['work budget exhausted'], obfuscation: [] });
  });
});
