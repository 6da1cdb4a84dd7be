/**
 * Tokens and the scanning core every language's tokenizer is built on.
 *
 * Each language file writes its own `tokenize()` (string forms differ too much to share one), using
 * the `Scanner` below for what they have in common: identifiers, numbers, operators by longest
 * match, C-style escapes, quoted strings with interpolation, bracket matching for interpolated code,
 * and the work budget. Every loop advances the position, so a tokenizer is linear in its input; a
 * scanner stops at the end of the budget and says so once.
 */
import type { Budget } from '../action.js';

export type TokenKind = 'name' | 'var' | 'str' | 'num' | 'op' | 'nl' | 'eof';

/** A piece of an interpolated string: literal text, or code to evaluate (`{x}`, `${x}`, `#{x}`, `$x`). */
export type StringPart = string | { readonly code: string };

export interface Token {
  kind: TokenKind;
  /**
   * `name`: the identifier (`os`, `IO::Socket::INET`, `Invoke-WebRequest`); `var`: the variable
   * without its sigil; `op`: the operator; `num`: the number as written; `str`: the string's text
   * (literal parts only when interpolated).
   */
  text: string;
  start: number;
  end: number;
  /** Whitespace (or the start of the code) before the token. */
  space: boolean;
  /** `str` with interpolation. */
  parts?: StringPart[];
  /**
   * `str`: `shell` (backticks, `qx`, `%x`), `regex`, `words` (`qw`, `%w`), `symbol` (`:name`),
   * `type` (PowerShell `[Type]`); `var`: the sigil (`$`, `@`, `%`); `op`: `param` for PowerShell's `-Name`.
   */
  flavor?: string;
  /** `nl` in an indentation language: the indentation of the next line. */
  indent?: number;
  /** `num`: its value. */
  value?: number;
}

export const BUDGET_LIMIT = 'work budget exhausted';

/** Characters one `StringPart` code snippet or one string may hold before the rest is dropped. */
const MAX_STRING = 1024 * 1024;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '0': '\0',
};

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

export function isIdentStart(c: string | undefined): boolean {
  if (c === undefined) return false;
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f';
}

export function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c);
}

export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v';
}

function codePoint(code: number): string {
  return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}

export interface EscapeStyle {
  /** Lua reads `\ddd` as decimal; everyone else as octal. */
  readonly decimal?: boolean;
  /** Python keeps the backslash of an unknown escape (`'\d'` is two characters); C, JS, Ruby drop it. */
  readonly keepUnknown?: boolean;
}

/**
 * Reads the escape whose backslash is at `at`; returns the text and the position after it.
 * Covers the forms the languages share: `\n`-style letters, octal (or Lua's decimal), `\xHH`,
 * `\x{…}`, `\uHHHH`, `\u{…}`, `\UHHHHHHHH`.
 */
function readEscape(src: string, at: number, style: EscapeStyle = {}): [string, number] {
  const c = src[at + 1];
  if (c === undefined) return ['\\', at + 1];
  let i = at + 2;
  if (style.decimal === true && isDigit(c)) {
    let j = at + 1;
    let value = 0;
    while (j < at + 4 && isDigit(src[j])) value = value * 10 + src.charCodeAt(j++) - 48;
    return [String.fromCharCode(value & 0xff), j];
  }
  if (c >= '0' && c <= '7' && style.decimal !== true) {
    let j = at + 1;
    let value = 0;
    while (j < at + 4 && (src[j] ?? '') >= '0' && (src[j] ?? '') <= '7') {
      value = value * 8 + src.charCodeAt(j++) - 48;
    }
    return [String.fromCharCode(value & 0xff), j];
  }
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, i];
  if (c === 'x' || c === 'u' || c === 'U') {
    if (src[i] === '{') {
      let j = i + 1;
      while (j < i + 10 && isHexDigit(src[j])) j++;
      if (src[j] === '}' && j > i + 1) return [codePoint(parseInt(src.slice(i + 1, j), 16)), j + 1];
    }
    const width = c === 'x' ? 2 : c === 'u' ? 4 : 8;
    let j = i;
    while (j < i + width && isHexDigit(src[j])) j++;
    if (j > i) return [codePoint(parseInt(src.slice(i, j), 16)), j];
    return [style.keepUnknown === true ? `\\${c}` : c, i];
  }
  if (c === '\n') return ['', i];
  if (c === '\\' || c === '"' || c === "'" || c === '`' || c === '$' || c === '/' || c === '#' || c === '{') {
    return [c, i];
  }
  i = at + 1 + c.length;
  return [style.keepUnknown === true ? `\\${c}` : c, i];
}

/** Closing bracket of an opening one, for nesting delimiters (`q{…}`, `%w[…]`, `${…}`). */
export function closerOf(open: string): string {
  switch (open) {
    case '(':
      return ')';
    case '[':
      return ']';
    case '{':
      return '}';
    case '<':
      return '>';
    default:
      return open;
  }
}

const NO_OPERATORS: readonly string[] = [];
/** Operator tables by their first character, built once per language's table (they are constants). */
const OPERATOR_INDEXES = new WeakMap<readonly string[], ReadonlyMap<string, readonly string[]>>();

/**
 * A language's operators grouped by first character, each group longest first (so `>>=` wins over
 * `>>` and `>`): an operator is looked up among the few that can match, not the whole table.
 */
function operatorIndexOf(operators: readonly string[]): ReadonlyMap<string, readonly string[]> {
  const known = OPERATOR_INDEXES.get(operators);
  if (known !== undefined) return known;
  const index = new Map<string, string[]>();
  for (const op of [...operators].sort((a, b) => b.length - a.length)) {
    const first = op[0] ?? '';
    const group = index.get(first);
    if (group === undefined) index.set(first, [op]);
    else group.push(op);
  }
  OPERATOR_INDEXES.set(operators, index);
  return index;
}

export class Scanner {
  readonly tokens: Token[] = [];
  pos = 0;
  /** Whitespace seen since the last token. */
  space = true;
  /** Tokenizing ran out of budget. */
  stopped = false;
  private readonly ops: ReadonlyMap<string, readonly string[]>;

  constructor(
    readonly src: string,
    readonly budget: Budget,
    readonly limits: string[],
    operators: readonly string[],
  ) {
    this.ops = operatorIndexOf(operators);
  }

  get more(): boolean {
    return this.pos < this.src.length && !this.stopped;
  }

  peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  /** Spends one unit of work; false (and a limit, once) when the budget is gone. */
  spend(): boolean {
    if (this.budget.left <= 0) {
      if (!this.stopped) {
        this.stopped = true;
        if (!this.limits.includes(BUDGET_LIMIT)) this.limits.push(BUDGET_LIMIT);
      }
      return false;
    }
    this.budget.left--;
    return true;
  }

  push(kind: TokenKind, text: string, start: number, extra?: Partial<Token>): Token {
    const token: Token = { kind, text, start, end: this.pos, space: this.space, ...extra };
    if (this.spend()) this.tokens.push(token);
    this.space = false;
    return token;
  }

  /** Skips blanks (not newlines); true when any were skipped. */
  skipBlanks(): boolean {
    const from = this.pos;
    while (isSpace(this.src[this.pos])) this.pos++;
    if (this.pos > from) this.space = true;
    return this.pos > from;
  }

  /** Skips to the end of the line (not past the newline). */
  skipLine(): void {
    const nl = this.src.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.src.length : nl;
    this.space = true;
  }

  /** Skips past `close` (a block comment); to the end when it is missing. */
  skipPast(close: string): void {
    const at = this.src.indexOf(close, this.pos);
    this.pos = at < 0 ? this.src.length : at + close.length;
    this.space = true;
  }

  readIdent(extra = ''): string {
    const from = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (isIdentPart(c) || (extra !== '' && c !== undefined && extra.includes(c))) this.pos++;
      else break;
    }
    return this.src.slice(from, this.pos);
  }

  /** A number in any of the common forms (`0x1F`, `0o17`, `017`, `0b101`, `1_000`, `1.5e3`). */
  readNumber(): Token {
    const from = this.pos;
    const src = this.src;
    let value: number;
    const radix = src[this.pos] === '0' ? src[this.pos + 1]?.toLowerCase() : undefined;
    if (radix === 'x' || radix === 'o' || radix === 'b') {
      this.pos += 2;
      const digitsFrom = this.pos;
      while (isHexDigit(src[this.pos]) || src[this.pos] === '_') this.pos++;
      const digits = src.slice(digitsFrom, this.pos).replaceAll('_', '');
      value = parseInt(digits, radix === 'x' ? 16 : radix === 'o' ? 8 : 2);
    } else {
      while (isDigit(src[this.pos]) || src[this.pos] === '_') this.pos++;
      if (src[this.pos] === '.' && isDigit(src[this.pos + 1])) {
        this.pos++;
        while (isDigit(src[this.pos])) this.pos++;
      }
      if ((src[this.pos] === 'e' || src[this.pos] === 'E') && /[-+0-9]/.test(src[this.pos + 1] ?? '')) {
        this.pos += 2;
        while (isDigit(src[this.pos])) this.pos++;
      }
      const text = src.slice(from, this.pos).replaceAll('_', '');
      // A leading zero is octal in C-family languages (`0755` for chmod).
      value = /^0[0-7]+$/.test(text) ? parseInt(text, 8) : Number(text);
    }
    // Suffixes: `10L`, `10n`, `1.0f`, `0x10u`.
    while (isIdentPart(src[this.pos])) this.pos++;
    return this.push('num', src.slice(from, this.pos), from, { value: Number.isFinite(value) ? value : 0 });
  }

  /** An operator by longest match, or the single character. */
  readOperator(): Token {
    const from = this.pos;
    for (const op of this.ops.get(this.src[this.pos] ?? '') ?? NO_OPERATORS) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return this.push('op', op, from);
      }
    }
    const c = this.src[this.pos] ?? '';
    this.pos += c.length;
    return this.push('op', c, from);
  }

  /**
   * Reads from the current position (just after an opening delimiter) to `close`, honouring nested
   * `open`…`close` pairs and backslash escapes; returns the raw text and leaves the position after
   * the closer (or at the end of the code when it is missing).
   */
  readDelimited(open: string, close: string, backslash = true): string {
    const src = this.src;
    const from = this.pos;
    let depth = 0;
    while (this.pos < src.length) {
      const c = src[this.pos];
      if (backslash && c === '\\') {
        this.pos += 2;
        continue;
      }
      if (c === close && depth === 0) {
        const raw = src.slice(from, this.pos);
        this.pos++;
        return raw;
      }
      if (open !== close) {
        if (c === open) depth++;
        else if (c === close) depth--;
      }
      this.pos++;
    }
    this.pos = src.length;
    return src.slice(from, Math.min(src.length, from + MAX_STRING));
  }

  /**
   * The code of an interpolation from just after its opening `{` (or `(`) to the matching closer,
   * skipping quoted strings inside it; the position ends after the closer.
   */
  readBalanced(open = '{', close = '}'): string {
    const src = this.src;
    const from = this.pos;
    let depth = 0;
    while (this.pos < src.length) {
      const c = src[this.pos] ?? '';
      if (c === '\\') {
        this.pos += 2;
        continue;
      }
      if (c === '"' || c === "'" || c === '`') {
        const end = src.indexOf(c, this.pos + 1);
        // A quote inside interpolated code closes on the same line; a lone one is text.
        const nl = src.indexOf('\n', this.pos + 1);
        if (end > 0 && (nl < 0 || end < nl)) {
          this.pos = end + 1;
          continue;
        }
      }
      if (c === open) depth++;
      else if (c === close) {
        if (depth === 0) {
          const code = src.slice(from, this.pos);
          this.pos++;
          return code;
        }
        depth--;
      }
      this.pos++;
    }
    this.pos = src.length;
    return src.slice(from);
  }

  /** Indentation width at `at` (the start of a line): tabs count to the next multiple of 8. */
  indentAt(at: number): number {
    let width = 0;
    let i = at;
    while (i < this.src.length) {
      const c = this.src[i];
      if (c === ' ') width++;
      else if (c === '\t') width = (Math.floor(width / 8) + 1) * 8;
      else break;
      i++;
    }
    return width;
  }

  /** Pushes the end token; every token list ends with one. */
  finish(): Token[] {
    const at = this.src.length;
    this.tokens.push({ kind: 'eof', text: '', start: at, end: at, space: true });
    return this.tokens;
  }
}

/**
 * Reads a double-quoted-style body `raw` (already cut from the code) into parts: escapes decoded by
 * `style` (none when undefined), interpolations found by `interpolation` at any character of
 * `triggers` (it returns the code and the position after it, or undefined when there is none).
 */
/** Whether `text` holds any of the characters of `chars`. */
function containsAny(text: string, chars: string): boolean {
  for (let i = 0; i < chars.length; i++) if (text.includes(chars.charAt(i))) return true;
  return false;
}

export function splitInterpolated(
  raw: string,
  style: EscapeStyle | undefined,
  triggers: string,
  interpolation: (raw: string, at: number) => [code: string, next: number] | undefined,
): { text: string; parts?: StringPart[] } {
  // Most strings hold no escape and no interpolation trigger: they are their own text, without a
  // walk character by character.
  if ((style === undefined || !raw.includes('\\')) && !containsAny(raw, triggers)) return { text: raw };
  const parts: StringPart[] = [];
  const literal: string[] = [];
  const texts: string[] = [];
  let i = 0;
  let from = 0;
  while (i < raw.length) {
    const c = raw[i] ?? '';
    if (c === '\\' && style !== undefined) {
      if (i > from) literal.push(raw.slice(from, i));
      const [out, next] = readEscape(raw, i, style);
      literal.push(out);
      i = next;
      from = i;
      continue;
    }
    if (triggers.includes(c)) {
      const found = interpolation(raw, i);
      if (found !== undefined) {
        if (i > from) literal.push(raw.slice(from, i));
        const text = literal.join('');
        literal.length = 0;
        if (text !== '') parts.push(text);
        texts.push(text);
        parts.push({ code: found[0] });
        i = Math.max(found[1], i + 1);
        from = i;
        continue;
      }
    }
    i++;
  }
  if (from < raw.length) literal.push(raw.slice(from));
  const tail = literal.join('');
  texts.push(tail);
  if (parts.length === 0) return { text: tail };
  if (tail !== '') parts.push(tail);
  return { text: texts.join(''), parts };
}
