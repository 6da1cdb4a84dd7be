/**
 * Reads an audit log stream into rows, line by line (readline), so JSON-lines input runs in constant
 * memory: one row per event, whether the log holds JSON lines, pretty-printed values, a JSON array,
 * an EventList's `items` or a Log Analytics response's `rows`. `line` is the 1-based line the event
 * (or the array holding it) starts on. Rows carry no number of their own: `jobguard audit` numbers
 * the rows of each file from 0, malformed ones included, as `scan` numbers documents (the JSON
 * output contract, docs/architecture.md).
 */
import { createInterface } from 'node:readline';
import { expandContainer } from './record.js';
import { JsonSplitter, type Split } from './split.js';

export type AuditRow = { value: unknown; line: number } | { error: string; line: number };

function* rowsOf(split: Split): Generator<AuditRow> {
  if (split.kind === 'error') {
    yield { error: split.message, line: split.line };
    return;
  }
  const items = expandContainer(split.value);
  if (items) {
    for (const value of items) yield { value, line: split.line };
    return;
  }
  yield { value: split.value, line: split.line };
}

export async function* readAuditRows(stream: NodeJS.ReadableStream): AsyncGenerator<AuditRow> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const splitter = new JsonSplitter();
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    for (const split of splitter.push(line, lineNo)) yield* rowsOf(split);
  }
  for (const split of splitter.end(lineNo)) yield* rowsOf(split);
}
