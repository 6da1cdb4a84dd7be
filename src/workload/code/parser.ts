/**
 * The parsing core every language's parser extends: token navigation, a Pratt expression parser
 * driven by the language's operator table, argument lists, list and map literals, and the bounds.
 *
 * A language parser adds its statements (blocks by braces, by indentation or by `end`) and its own
 * primaries (lambdas, `new`, paren-less calls). The parser is lenient: a token it cannot place
 * becomes an `unknown` node and parsing goes on, because a malformed script still runs up to its
 * error and what runs first matters. Nesting deeper than `MAX_NESTING` reads the rest of the group as
 * one unknown node and records a limit. Every loop consumes a token, so parsing is linear.
 */
import type { Arg, Fields, Node, Source } from './tree.js';
import type { Token } from './token.js';

/** @internal */
export const MAX_NESTING = 64;
const NESTING_LIMIT = `nesting over ${MAX_NESTING}`;

export interface BinaryOp {
  /** Binding power: higher binds tighter. */
  readonly bp: number;
  /** Meaning given to the interpreter: `+`, `concat`, `format`, `or`, `and`, `compare`, `range`, … */
  readonly op: string;
  readonly right?: boolean;
}

export interface Grammar {
  /** Binary operators by their text (symbols and words such as `and`, `eq`, `x`, `-join`). */
  readonly binary: ReadonlyMap<string, BinaryOp>;
  /** Prefix operators (symbols and words such as `not`, `typeof`, `await`). */
  readonly unary: ReadonlySet<string>;
  /** Member access operators (`.`, `->`, `::`, `?.`). */
  readonly member: ReadonlySet<string>;
  /** Assignment operators (`=`, `+=`, `.=`, `||=`). */
  readonly assign: ReadonlySet<string>;
}

/** Binding powers shared by the languages' operator tables. */
export const BP = {
  ternary: 10,
  or: 20,
  and: 25,
  not: 28,
  compare: 30,
  bits: 35,
  range: 40,
  add: 50,
  multiply: 60,
  unary: 70,
  power: 75,
} as const;

const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** What `peek()` gives past the end (every token list ends with one, so only an empty list). */
const EOF: Token = { kind: 'eof', text: '', start: 0, end: 0, space: true };

export abstract class Parser {
  protected i = 0;
  protected depth = 0;
  readonly src: Source;

  constructor(
    protected readonly tokens: readonly Token[],
    text: string,
    protected readonly grammar: Grammar,
    protected readonly limits: string[],
  ) {
    this.src = { text };
  }

  /** The program: statements to the end of the tokens. */
  abstract program(): Node[];

  /** A primary the language reads its own way (keywords, lambdas, literals); undefined for the default. */
  protected abstract primary(token: Token): Node | undefined;

  // ---- tokens -----------------------------------------------------------------------------------

  protected peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] ?? EOF;
  }

  protected next(): Token {
    const token = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return token;
  }

  protected get atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  protected isOp(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'op' && token.text === text;
  }

  protected eatOp(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.next();
    return true;
  }

  protected isName(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'name' && token.text === text;
  }

  protected eatName(text: string): boolean {
    if (!this.isName(text)) return false;
    this.next();
    return true;
  }

  protected skipNewlines(): void {
    while (this.peek().kind === 'nl') this.next();
  }

  /** Position after the previous token, for node ends. */
  protected get last(): number {
    return this.tokens[Math.max(0, this.i - 1)]?.end ?? 0;
  }

  protected node(start: number, fields: Fields<Node>): Node {
    // Fields are always a fresh literal: completing it in place spares a copy per node (and,
    // unlike Object.assign, the literal of the added fields).
    const node = fields as Fields<Node> & { src: Source; start: number; end: number };
    node.src = this.src;
    node.start = start;
    node.end = Math.max(start, this.last);
    return node;
  }

  protected unknown(start: number): Node {
    return this.node(start, { k: 'unknown' });
  }

  /** Reads a whole bracketed group (or one token) as an unknown node: for input nested too deep. */
  protected skipGroup(): Node {
    const start = this.peek().start;
    const first = this.next();
    const close = first.kind === 'op' ? OPENERS[first.text] : undefined;
    if (close !== undefined) {
      let depth = 1;
      while (depth > 0 && !this.atEnd) {
        const token = this.next();
        if (token.kind !== 'op') continue;
        if (OPENERS[token.text] !== undefined) depth++;
        else if (token.text === ')' || token.text === ']' || token.text === '}') depth--;
      }
    }
    return this.unknown(start);
  }

  /** Enters one nesting level; false (with a limit) beyond `MAX_NESTING`. */
  protected enter(): boolean {
    if (this.depth >= MAX_NESTING) {
      if (!this.limits.includes(NESTING_LIMIT)) this.limits.push(NESTING_LIMIT);
      return false;
    }
    this.depth++;
    return true;
  }

  protected leave(): void {
    this.depth--;
  }

  /** Skips tokens up to (not past) one of `closers` at bracket depth 0, or a newline when asked. */
  protected skipTo(closers: ReadonlySet<string>, stopAtNewline: boolean): void {
    let depth = 0;
    while (!this.atEnd) {
      const token = this.peek();
      if (token.kind === 'nl' && stopAtNewline && depth === 0) return;
      if (token.kind === 'op') {
        if (depth === 0 && closers.has(token.text)) return;
        if (OPENERS[token.text] !== undefined) depth++;
        else if (token.text === ')' || token.text === ']' || token.text === '}') {
          if (depth === 0) return;
          depth--;
        }
      }
      this.next();
    }
  }

  // ---- expressions ------------------------------------------------------------------------------

  /** An expression whose operators bind tighter than `minBp`. */
  expression(minBp = 0): Node {
    if (!this.enter()) return this.skipGroup();
    try {
      let left = this.prefix();
      for (;;) {
        const after = this.postfix(left);
        if (after !== undefined) {
          left = after;
          continue;
        }
        const token = this.peek();
        if (token.kind === 'op' && this.grammar.assign.has(token.text) && minBp <= BP.ternary) {
          this.next();
          this.skipNewlines();
          const value = this.expression(BP.ternary - 1);
          left = this.node(left.start, { k: 'assign', target: left, op: token.text, value });
          continue;
        }
        const info = this.binaryAt(token);
        if (info === undefined || info.bp <= minBp) break;
        this.next();
        this.skipNewlines();
        if (info.op === 'ternary') {
          const then = this.expression(BP.ternary - 1);
          this.skipNewlines();
          if (this.isOp(':') || this.isName('else')) this.next();
          this.skipNewlines();
          const otherwise = this.expression(BP.ternary - 1);
          left = this.node(left.start, { k: 'cond', test: left, then, otherwise });
          continue;
        }
        const right = this.expression(info.right === true ? info.bp - 1 : info.bp);
        left = this.node(left.start, { k: 'binary', op: info.op, left, right });
      }
      return left;
    } finally {
      this.leave();
    }
  }

  /** The binary operator a token is, when it is one here. */
  protected binaryAt(token: Token): BinaryOp | undefined {
    if (token.kind !== 'op' && token.kind !== 'name') return undefined;
    return this.grammar.binary.get(token.text);
  }

  protected prefix(): Node {
    const token = this.peek();
    const own = this.primary(token);
    if (own !== undefined) return own;
    const start = token.start;
    switch (token.kind) {
      case 'num':
        this.next();
        return this.node(start, { k: 'num', value: token.value ?? 0, text: token.text });
      case 'str':
        this.next();
        return this.stringNode(token);
      case 'var':
        this.next();
        return this.node(start, { k: 'var', name: token.text, sigil: token.flavor ?? '$' });
      case 'name':
        if (this.grammar.unary.has(token.text)) {
          this.next();
          const operand = this.expression(token.text === 'not' ? BP.not : BP.unary);
          return this.node(start, { k: 'unary', op: token.text, operand });
        }
        this.next();
        return this.node(start, { k: 'name', name: token.text });
      case 'op':
        if (token.text === '(') {
          this.next();
          const items = this.items(')');
          const [only] = items;
          if (only !== undefined && items.length === 1 && items.trailingComma !== true) return only;
          return this.node(start, { k: 'list', items });
        }
        if (token.text === '[') {
          this.next();
          return this.node(start, { k: 'list', items: this.items(']') });
        }
        if (this.grammar.unary.has(token.text)) {
          this.next();
          const operand = this.expression(token.text === '**' ? BP.power : BP.unary);
          return this.node(start, { k: 'unary', op: token.text, operand });
        }
        return this.skipGroup();
      default:
        this.next();
        return this.unknown(start);
    }
  }

  /** Calls, indexing and member access after `left`; undefined when none follows. */
  protected postfix(left: Node): Node | undefined {
    const token = this.peek();
    if (token.kind !== 'op') return undefined;
    if (token.text === '(' && this.callsAt(left, token)) {
      this.next();
      const args = this.args(')');
      return this.node(left.start, { k: 'call', callee: left, args });
    }
    if (token.text === '[' && this.indexesAt(left, token)) {
      this.next();
      const index = this.expression();
      this.skipTo(new Set([']']), false);
      this.eatOp(']');
      return this.node(left.start, { k: 'index', object: left, index });
    }
    if (this.grammar.member.has(token.text)) {
      const name = this.peek(1);
      if (name.kind === 'name' || name.kind === 'var' || (name.kind === 'str' && name.parts === undefined)) {
        this.next();
        this.next();
        return this.node(left.start, { k: 'member', object: left, name: name.text });
      }
      if (name.kind === 'op' && (name.text === '(' || name.text === '[' || name.text === '{')) {
        // Computed members: `$obj->$name`, `a?.[x]`, `$x->{key}`, `$code->(args)`.
        this.next();
        if (name.text === '(') return this.postfixCall(left);
        this.next();
        const index = this.expression();
        this.skipTo(new Set([closerOfOp(name.text)]), false);
        this.eatOp(closerOfOp(name.text));
        return this.node(left.start, { k: 'index', object: left, index });
      }
    }
    return undefined;
  }

  private postfixCall(left: Node): Node {
    this.next();
    const args = this.args(')');
    return this.node(left.start, { k: 'call', callee: left, args });
  }

  /** Whether `(` after `left` calls it; a language may require it to be adjacent. */
  protected callsAt(_left: Node, _token: Token): boolean {
    return true;
  }

  /** Whether `[` after `left` indexes it. */
  protected indexesAt(_left: Node, token: Token): boolean {
    return !token.space || this.peek(-1).kind !== 'nl';
  }

  /** A string token as a node; interpolated parts are parsed as expressions of the same language. */
  protected stringNode(token: Token): Node {
    if (token.parts === undefined) {
      return this.node(token.start, { k: 'str', parts: [token.text], flavor: token.flavor });
    }
    const parts: (string | Node)[] = [];
    for (const part of token.parts) {
      parts.push(typeof part === 'string' ? part : this.snippet(part.code));
    }
    return this.node(token.start, { k: 'str', parts, flavor: token.flavor });
  }

  /** An interpolated code snippet parsed as one expression of the same language. */
  protected abstract snippet(code: string): Node;

  /** Comma-separated items up to `close` (which is consumed); newlines are insignificant. */
  protected items(close: string): Node[] & { trailingComma?: boolean } {
    const items: Node[] & { trailingComma?: boolean } = [];
    for (;;) {
      this.skipNewlines();
      if (this.atEnd || this.eatOp(close)) return items;
      const before = this.i;
      items.push(this.item());
      this.skipNewlines();
      if (this.eatOp(',') || this.eatOp('=>')) {
        items.trailingComma = true;
        continue;
      }
      items.trailingComma = false;
      if (this.eatOp(close)) return items;
      if (this.i === before) this.next();
      else this.skipTo(new Set([',', close]), false);
    }
  }

  /** One item of a list (a language may read comprehensions or pairs here). */
  protected item(): Node {
    return this.expression();
  }

  /** Call arguments up to `close` (consumed): positional, `name=value`, `name: value`, `key => value`, spreads. */
  protected args(close: string): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.atEnd || this.eatOp(close)) return args;
      const before = this.i;
      args.push(this.arg());
      this.skipNewlines();
      if (this.eatOp(',')) continue;
      if (this.eatOp(close)) return args;
      if (this.i === before) this.next();
      else this.skipTo(new Set([',', close]), false);
      this.eatOp(',');
    }
  }

  /** One argument; keyword forms are read by `keyword()`. */
  protected arg(): Arg {
    const token = this.peek();
    if (token.kind === 'op' && (token.text === '*' || token.text === '**' || token.text === '...')) {
      this.next();
      return { value: this.expression(BP.ternary), spread: token.text !== '**' };
    }
    const key = this.keyword();
    if (key !== undefined) return { key, value: this.expression(BP.ternary) };
    const value = this.expression(BP.ternary);
    if (this.eatOp('=>')) {
      this.skipNewlines();
      return { key: this.literalKey(value), value: this.expression(BP.ternary) };
    }
    return { value };
  }

  /** A keyword argument's name (`shell=`, `in:`), consumed with its separator; undefined otherwise. */
  protected keyword(): Node | undefined {
    return undefined;
  }

  /** A bareword key is its own text (`PeerAddr => h`, `{in: s}`), not a variable. */
  protected literalKey(key: Node): Node {
    if (key.k === 'name') return { ...key, k: 'str', parts: [key.name] };
    return key;
  }

  /** Entries of a map literal up to `close`: `key: value`, `key => value`, `key = value`. */
  protected entries(close: string, separators: ReadonlySet<string>): (readonly [Node, Node])[] {
    const entries: (readonly [Node, Node])[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.atEnd || this.eatOp(close)) return entries;
      const before = this.i;
      if (this.eatOp('...') || this.eatOp('**')) {
        const spread = this.expression(BP.ternary);
        entries.push([this.node(spread.start, { k: 'str', parts: ['...'] }), spread]);
      } else {
        let key = this.entryKey();
        const sep = this.peek();
        if (sep.kind === 'op' && separators.has(sep.text)) {
          this.next();
          this.skipNewlines();
          key = this.literalKey(key);
          entries.push([key, this.expression(BP.ternary)]);
        } else {
          // `{a, b}` shorthand in JS, a set in Python, a list in Lua or Perl: the key is the value.
          entries.push([key, key]);
        }
      }
      this.skipNewlines();
      if (this.eatOp(',') || this.eatOp(';')) continue;
      if (this.eatOp(close)) return entries;
      if (this.i === before) this.next();
      else this.skipTo(new Set([',', close]), false);
    }
  }

  protected entryKey(): Node {
    if (this.eatOp('[')) {
      const key = this.expression();
      this.skipTo(new Set([']']), false);
      this.eatOp(']');
      return key;
    }
    return this.expression(BP.ternary);
  }

  /** Statements up to the end or one of `closers` (not consumed), by `statement()`. */
  protected statements(statement: () => Node | undefined, closers: (token: Token) => boolean): Node[] {
    const body: Node[] = [];
    while (!this.atEnd) {
      const token = this.peek();
      if (closers(token)) break;
      if (token.kind === 'nl' || (token.kind === 'op' && token.text === ';')) {
        this.next();
        continue;
      }
      const before = this.i;
      const node = statement();
      if (node !== undefined) body.push(node);
      if (this.i === before) this.next();
    }
    return body;
  }
}

function closerOfOp(open: string): string {
  return OPENERS[open] ?? open;
}

/** Whether any node of `body` refers to `name` (a function that calls or schedules itself). */
export function refersTo(body: readonly Node[], name: string): boolean {
  const stack: unknown[] = [...body];
  let seen = 0;
  while (stack.length > 0 && seen++ < 100_000) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    const node = value as Record<string, unknown>;
    if ((node.k === 'name' || node.k === 'var') && node.name === name) return true;
    for (const key in node) if (key !== 'src') stack.push(node[key]);
  }
  return false;
}
