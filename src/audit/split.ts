/**
 * Splits a stream of JSON text, fed line by line, into values without holding the whole input:
 * JSON lines (one value per line), concatenated pretty-printed values, and a top-level array
 * (each element becomes a value with its index), including arrays printed on one line.
 *
 * Why by hand: no streaming JSON parser is among the dependencies, and audit exports are large
 * (a day of kube-audit easily exceeds V8's 512 MiB string limit when read whole). This only finds
 * value boundaries (strings, escapes, bracket depth); each value is then parsed by JSON.parse, so
 * it never decides what is valid JSON. Fast path: a line that is a whole value (JSON lines, or an
 * array element per line) is parsed directly without the character scan. See test/audit-split.test.ts (fuzzed).
 */

export type Split =
  | { kind: 'value'; value: unknown; line: number; index?: number }
  | { kind: 'error'; line: number; message: string };

/** A single value (one event or row) larger than this is refused: it could only be an attack on memory. */
const MAX_VALUE_CHARS = 64 * 1024 * 1024;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\ufeff';
}

function parse(text: string, line: number, index: number | undefined): Split {
  try {
    const value: unknown = JSON.parse(text);
    return index === undefined ? { kind: 'value', value, line } : { kind: 'value', value, line, index };
  } catch (error) {
    return { kind: 'error', line, message: `not JSON (${(error as Error).message.split('\n')[0] ?? ''})` };
  }
}

export class JsonSplitter {
  /** Inside a top-level array (its elements are the values). */
  private inArray = false;
  private arrayIndex = 0;
  /** Collecting a value: its text so far, split across lines. */
  private parts: string[] = [];
  private size = 0;
  private collecting = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private startLine = 0;

  /** Feeds one line (without its newline). */
  push(line: string, lineNo: number): Split[] {
    const out: Split[] = [];
    if (!this.collecting && this.fastPath(line, lineNo, out)) return out;
    this.scan(`${line}\n`, lineNo, out);
    return out;
  }

  /** End of input: an unfinished value is an error. */
  end(lineNo: number): Split[] {
    if (this.collecting) {
      const at = this.startLine;
      this.reset();
      return [{ kind: 'error', line: at, message: 'the input ends inside a JSON value' }];
    }
    if (this.inArray) {
      this.inArray = false;
      return [{ kind: 'error', line: lineNo, message: 'the input ends inside a JSON array (missing "]")' }];
    }
    return [];
  }

  private fastPath(line: string, lineNo: number, out: Split[]): boolean {
    let text = line.trim();
    if (text === '') return true;
    if (!this.inArray) {
      if (text[0] !== '{' && text[0] !== '[') return false;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return false;
      }
      if (Array.isArray(value))
        value.forEach((element: unknown, index) =>
          out.push({ kind: 'value', value: element, line: lineNo, index }),
        );
      else out.push({ kind: 'value', value, line: lineNo });
      return true;
    }
    if (text.startsWith(',')) text = text.slice(1).trimStart();
    if (text.endsWith(',')) text = text.slice(0, -1).trimEnd();
    if (text === '') return true;
    if (text[0] !== '{') return false;
    try {
      out.push({ kind: 'value', value: JSON.parse(text) as unknown, line: lineNo, index: this.arrayIndex++ });
      return true;
    } catch {
      return false;
    }
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.collecting = false;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private finish(out: Split[]): void {
    const text = this.parts.join('');
    const index = this.inArray ? this.arrayIndex++ : undefined;
    out.push(parse(text, this.startLine, index));
    this.reset();
  }

  private scan(text: string, lineNo: number, out: Split[]): void {
    let start = this.collecting ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charAt(i);
      if (this.collecting) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === '\\') this.escaped = true;
          else if (c === '"') this.inString = false;
          continue;
        }
        if (c === '"') this.inString = true;
        else if (c === '{' || c === '[') this.depth += 1;
        else if (c === '}' || c === ']') {
          if (this.depth === 0) {
            // A scalar element ended by the array's `]`: finish it, then let the boundary code see the `]`.
            this.parts.push(text.slice(start, i));
            this.finish(out);
            start = -1;
            i -= 1;
            continue;
          }
          this.depth -= 1;
          if (this.depth === 0) {
            this.parts.push(text.slice(start, i + 1));
            this.finish(out);
            start = -1;
          }
        } else if (this.depth === 0 && (c === ',' || isSpace(c))) {
          this.parts.push(text.slice(start, i));
          this.finish(out);
          start = -1;
        }
        continue;
      }
      if (isSpace(c)) continue;
      if (this.inArray && c === ',') continue;
      if (this.inArray && c === ']') {
        this.inArray = false;
        continue;
      }
      if (!this.inArray && c === '[') {
        this.inArray = true;
        this.arrayIndex = 0;
        continue;
      }
      if (!this.inArray && c !== '{') {
        out.push({ kind: 'error', line: lineNo, message: `expected a JSON object or array, found "${c}"` });
        return;
      }
      this.collecting = true;
      this.startLine = lineNo;
      start = i;
      if (c === '{' || c === '[') this.depth = 1;
      else if (c === '"') this.inString = true;
    }
    if (this.collecting && start >= 0) {
      const rest = text.slice(start);
      this.size += rest.length;
      if (this.size > MAX_VALUE_CHARS) {
        out.push({
          kind: 'error',
          line: this.startLine,
          message: `a JSON value exceeds ${MAX_VALUE_CHARS} characters`,
        });
        this.reset();
        this.inArray = false;
        return;
      }
      this.parts.push(rest);
    }
  }
}
