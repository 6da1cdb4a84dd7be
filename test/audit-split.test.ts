import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { JsonSplitter, type Split } from '../src/audit/split.js';

function splitText(text: string): Split[] {
  const splitter = new JsonSplitter();
  const out: Split[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => out.push(...splitter.push(line, i + 1)));
  out.push(...splitter.end(lines.length));
  return out;
}

const values = (splits: Split[]) => splits.map((s) => (s.kind === 'value' ? s.value : { error: s.message }));

// Objects with awkward strings: brackets, quotes, escapes, commas and newlines inside strings.
const tricky = fc.string({
  unit: fc.constantFrom('a', '{', '}', '[', ']', '"', '\\', ',', '\n', ' ', 'é', '\u2028'),
});
const event = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 5 }),
  fc.oneof(tricky, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tricky, { maxLength: 3 })),
  { maxKeys: 5 },
);

describe('JsonSplitter', () => {
  it('splits JSON lines, one value per line, numbered by line', () => {
    const splits = splitText('{"a":1}\n\n{"b":[1,2]}\n');
    expect(splits).toEqual([
      { kind: 'value', value: { a: 1 }, line: 1 },
      { kind: 'value', value: { b: [1, 2] }, line: 3 },
    ]);
  });

  it('splits a pretty-printed array element by element with indices and start lines', () => {
    const splits = splitText(JSON.stringify([{ a: 1 }, { b: { c: '}]' } }], null, 2));
    expect(splits).toEqual([
      { kind: 'value', value: { a: 1 }, line: 2, index: 0 },
      { kind: 'value', value: { b: { c: '}]' } }, line: 5, index: 1 },
    ]);
  });

  it('reports an unterminated value and a non-JSON line with their lines', () => {
    expect(splitText('{"a":1}\nhello\n{"b":')).toEqual([
      { kind: 'value', value: { a: 1 }, line: 1 },
      { kind: 'error', line: 2, message: expect.stringContaining('expected a JSON object') },
      { kind: 'error', line: 3, message: 'the input ends inside a JSON value' },
    ]);
  });

  it('property: any layout of an array of objects gives back the objects in order', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.constantFrom(0, 1, 2, 'lines'), (events, layout) => {
        const text =
          layout === 'lines'
            ? `[\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]`
            : JSON.stringify(events, null, layout === 0 ? undefined : layout);
        expect(values(splitText(text))).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('property: concatenated values (JSON lines or pretty-printed) come back in order', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.boolean(), (events, pretty) => {
        const text = events.map((e) => (pretty ? JSON.stringify(e, null, 2) : JSON.stringify(e))).join('\n');
        expect(values(splitText(text))).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('property: never throws on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', '\n', 'a', '1', ' ') }),
        (text) => {
          expect(() => splitText(text)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });
});
