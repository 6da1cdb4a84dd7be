/**
 * Text pieces the shell model and the code analysers share: backslash escapes as bash, printf and
 * echo decode them, and a builder that joins many pieces in linear time.
 */

/** Pieces joined per batch by `TextBuilder`; an array this long stays out of the large-object space. */
const BATCH = 1024;

/**
 * Joins text pieces. Appending piece by piece to a string builds a rope that costs more than linear
 * time once a word has a million pieces (`\x\x\x…`), and so does one array of every piece once it
 * grows into the engine's large-object space; pieces are joined in bounded batches instead.
 */
class TextBuilder {
  /** Characters added so far. */
  length = 0;
  private first = '';
  private count = 0;
  private batch: string[] | undefined;
  private joined: string[] | undefined;

  add(text: string): void {
    if (text === '') return;
    this.length += text.length;
    if (this.count++ === 0) {
      this.first = text;
      return;
    }
    if (this.batch === undefined) this.batch = [this.first];
    this.batch.push(text);
    if (this.batch.length === BATCH) {
      (this.joined ??= []).push(this.batch.join(''));
      this.batch.length = 0;
    }
  }

  /** The text so far; the builder starts over empty. */
  take(): string {
    let text = this.first;
    if (this.batch !== undefined) {
      text = this.batch.join('');
      if (this.joined !== undefined) text = this.joined.join('') + text;
    }
    this.length = 0;
    this.first = '';
    this.count = 0;
    this.batch = undefined;
    this.joined = undefined;
    return text;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

/**
 * Decodes backslash escapes as bash's `$'…'` (`ansi-c`), `printf` formats (`printf`) or `echo -e`
 * (`echo`: octal needs a leading `\0`) do. Unknown escapes are kept as written.
 */
export function decodeEscapes(text: string, style: 'ansi-c' | 'printf' | 'echo'): string {
  if (!text.includes('\\')) return text;
  const out = new TextBuilder();
  let i = 0;
  while (i < text.length) {
    const slash = text.indexOf('\\', i);
    if (slash < 0) {
      out.add(text.slice(i));
      break;
    }
    if (slash > i) out.add(text.slice(i, slash));
    const c = text[slash + 1];
    i = slash + 2;
    if (c === undefined) {
      out.add('\\');
      break;
    }
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined && !(style !== 'ansi-c' && (c === "'" || c === '?'))) {
      out.add(simple);
    } else if (isOctal(c) && (style !== 'echo' || c === '0')) {
      let j = style === 'echo' ? i : i - 1;
      const end = j + 3;
      let value = 0;
      while (j < end && isOctal(text[j])) value = value * 8 + text.charCodeAt(j++) - 48;
      out.add(String.fromCharCode(value & 0xff));
      i = j;
    } else if (c === 'x' || c === 'u' || c === 'U') {
      const width = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      let j = i;
      while (j < i + width && isHex(text[j])) j++;
      if (j === i) {
        out.add(`\\${c}`);
      } else {
        const code = parseInt(text.slice(i, j), 16);
        out.add(code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd');
        i = j;
      }
    } else if (c === 'c' && style === 'ansi-c' && text[i] !== undefined) {
      out.add(String.fromCharCode(text.charCodeAt(i) & 0x1f));
      i++;
    } else if (c === 'c' && style === 'echo') {
      break; // `\c` ends echo's output
    } else {
      out.add(`\\${c}`);
    }
  }
  return out.take();
}
