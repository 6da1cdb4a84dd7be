/**
 * Reads an audit log stream into rows, line by line (readline), so JSON-lines input runs in constant
 * memory. `document` numbers a row as the JSON output contract (docs/architecture.md) says: its 1-based line for JSON lines (and for
 * pretty-printed values, the line they start on), its 0-based index for elements of a JSON array,
 * of an EventList's `items` and of a Log Analytics response's `rows`.
 */
import { createInterface } from 'node:readline';
import { expandContainer } from './record.js';
import { JsonSplitter, type Split } from './split.js';

export type AuditRow = { value: unknown; document: number; line: number } | { error: string; line: number };

function* rowsOf(split: Split): Generator<AuditRow> {
  if (split.kind === 'error') {
    yield { error: split.message, line: split.line };
    return;
  }
  const items = expandContainer(split.value);
  if (items) {
    for (const [index, value] of items.entries()) yield { value, document: index, line: split.line };
    return;
  }
  yield { value: split.value, document: split.index ?? split.line, line: split.line };
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
