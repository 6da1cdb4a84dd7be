/**
 * Python: the tokenizer (indentation, string prefixes, f-strings), the parser (statements by
 * indentation, comprehensions, slices, keyword arguments) and the library the analysis knows —
 * `os`, `subprocess`, `pty`, `socket`, `ssl`, `urllib`, `requests`/`httpx`, `http.client`,
 * `base64`/`binascii`/`codecs`/`zlib`, `importlib`, `getattr` and the builtins that run code.
 * Names are resolved through imports and assignments, so `from os import system as s` and
 * `getattr(__import__('o'+'s'), 'system')` reach the same handler as `os.system`.
 */
import type { CodeContext } from '../action.js';
import type { Dialect, Handler } from './interpreter.js';
import {
  chars,
  chmod,
  connectTo,
  addressOf,
  decoded,
  decoder,
  dup2,
  environment,
  evaluate,
  fetchWith,
  getenv,
  nothing,
  open,
  print,
  run,
  runCommand,
  runExec,
  same,
  socket,
  socketOf,
  spawnPty,
  stdio,
  table,
  through,
  selfOf,
  resolveName,
} from './library.js';
import { BP, Parser, refersTo, type BinaryOp, type Grammar } from './parser.js';
import { api, derive, itemsOf, list, str, unknown, type Term } from './term.js';
import { Scanner, isDigit, isIdentStart, splitInterpolated, type Token } from './token.js';
import type { Node } from './tree.js';

const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '->',
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  ':=',
  '@=',
];

function tokenize(src: string, context: CodeContext, limits: string[]): Token[] {
  const s = new Scanner(src, context.budget, limits, OPERATORS);
  let depth = 0;
  while (s.more) {
    const c = s.peek() ?? '';
    if (c === '\n') {
      s.pos++;
      if (depth > 0) continue;
      // One newline token per logical line, carrying the next non-blank line's indentation.
      let at = s.pos;
      for (;;) {
        const indent = s.indentAt(at);
        let end = at;
        while (src[end] === ' ' || src[end] === '\t' || src[end] === '\r') end++;
        if (src[end] === '\n') {
          at = end + 1;
          continue;
        }
        if (src[end] === '#') {
          const nl = src.indexOf('\n', end);
          if (nl < 0) {
            at = src.length;
            break;
          }
          at = nl + 1;
          continue;
        }
        const last = s.tokens[s.tokens.length - 1];
        if (last?.kind === 'nl') last.indent = indent;
        else s.push('nl', '\n', s.pos - 1, { indent });
        break;
      }
      s.pos = at;
      s.space = true;
      continue;
    }
    if (s.skipBlanks()) continue;
    if (c === '#') {
      s.skipLine();
      continue;
    }
    if (c === '\\' && (s.peek(1) === '\n' || (s.peek(1) === '\r' && s.peek(2) === '\n'))) {
      s.pos += s.peek(1) === '\r' ? 3 : 2;
      continue;
    }
    if (c === ';' && depth === 0) {
      s.pos++;
      s.push('nl', ';', s.pos - 1, { indent: -1 });
      continue;
    }
    if (isIdentStart(c)) {
      const from = s.pos;
      const word = s.readIdent();
      const q = s.peek();
      if ((q === '"' || q === "'") && /^[rRbBuUfF]{1,2}$/.test(word)) {
        readString(s, from, word.toLowerCase());
        continue;
      }
      s.push('name', word, from);
      continue;
    }
    if (c === '"' || c === "'") {
      readString(s, s.pos, '');
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(s.peek(1)))) {
      s.readNumber();
      continue;
    }
    const token = s.readOperator();
    if (token.text === '(' || token.text === '[' || token.text === '{') depth++;
    else if (token.text === ')' || token.text === ']' || token.text === '}') depth = Math.max(0, depth - 1);
  }
  return s.finish();
}

function readString(s: Scanner, from: number, prefix: string): void {
  const src = s.src;
  const quote = src[s.pos] ?? '"';
  const triple = src.startsWith(quote.repeat(3), s.pos);
  const close = triple ? quote.repeat(3) : quote;
  s.pos += close.length;
  const bodyFrom = s.pos;
  const raw = prefix.includes('r');
  while (s.pos < src.length) {
    const ch = src[s.pos];
    if (ch === '\\') {
      s.pos += 2;
      continue;
    }
    if (!triple && ch === '\n') break;
    if (src.startsWith(close, s.pos)) break;
    s.pos++;
  }
  const body = src.slice(bodyFrom, Math.min(s.pos, src.length));
  s.pos = Math.min(src.length, s.pos + close.length);
  const style = raw ? undefined : { keepUnknown: true };
  if (prefix.includes('f')) {
    const { text, parts } = splitInterpolated(body, style, '{', (text, at) => {
      if (text[at + 1] === '{') return undefined;
      let depth = 0;
      let end = at + 1;
      let cut = -1;
      for (; end < text.length; end++) {
        const ch = text[end];
        if (ch === '{' || ch === '[' || ch === '(') depth++;
        else if (ch === ']' || ch === ')') depth--;
        else if (ch === '}') {
          if (depth === 0) break;
          depth--;
        } else if (depth === 0 && cut < 0 && (ch === ':' || (ch === '!' && text[end + 1] !== '='))) cut = end;
      }
      return [text.slice(at + 1, cut < 0 ? end : cut), end + 1];
    });
    s.push(
      'str',
      text.replaceAll('{{', '{').replaceAll('}}', '}'),
      from,
      parts === undefined ? {} : { parts },
    );
    return;
  }
  const { text } = splitInterpolated(body, style, '', () => undefined);
  s.push('str', text, from, prefix.includes('b') ? { flavor: 'bytes' } : {});
}

function ops(entries: readonly (readonly [string, number, string])[]): ReadonlyMap<string, BinaryOp> {
  return new Map(entries.map(([text, bp, op]) => [text, { bp, op, right: op === '**' }]));
}

const GRAMMAR: Grammar = {
  binary: ops([
    ['if', BP.ternary + 1, 'ternary'],
    ['or', BP.or, 'or'],
    ['and', BP.and, 'and'],
    ['in', BP.compare, 'compare'],
    ['is', BP.compare, 'compare'],
    ['==', BP.compare, 'compare'],
    ['!=', BP.compare, 'compare'],
    ['<', BP.compare, 'compare'],
    ['>', BP.compare, 'compare'],
    ['<=', BP.compare, 'compare'],
    ['>=', BP.compare, 'compare'],
    ['|', BP.bits, '|'],
    ['&', BP.bits, '&'],
    ['^', BP.bits, '^'],
    ['<<', BP.bits, '<<'],
    ['>>', BP.bits, '>>'],
    ['+', BP.add, '+'],
    ['-', BP.add, '-'],
    ['*', BP.multiply, '*'],
    ['/', BP.multiply, '/'],
    ['//', BP.multiply, '/'],
    ['%', BP.multiply, '%'],
    ['@', BP.multiply, '@'],
    ['**', BP.power, '**'],
  ]),
  unary: new Set(['not', '-', '+', '~', 'await', '*', '**']),
  member: new Set(['.']),
  assign: new Set([':=']),
};

const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

class PythonParser extends Parser {
  /** Indentation of the current logical line. */
  private line = 0;

  program(): Node[] {
    this.line = this.src.text.length > 0 ? this.indentOfStart() : 0;
    return this.suiteLines(-1);
  }

  private indentOfStart(): number {
    let width = 0;
    for (const c of this.src.text) {
      if (c === ' ') width++;
      else if (c === '\t') width += 8;
      else break;
    }
    return width;
  }

  /** Statements of lines indented deeper than `outer`. */
  private suiteLines(outer: number): Node[] {
    const body: Node[] = [];
    while (!this.atEnd) {
      const token = this.peek();
      if (token.kind === 'nl') {
        if (token.indent !== undefined && token.indent >= 0 && token.indent <= outer) return body;
        this.next();
        if (token.indent !== undefined && token.indent >= 0) this.line = token.indent;
        continue;
      }
      const before = this.i;
      body.push(this.statement());
      if (this.i === before) this.next();
    }
    return body;
  }

  /** The body after a `:`: the rest of the line, or the indented lines below. */
  private suite(): Node[] {
    this.eatOp(':');
    const header = this.line;
    if (this.peek().kind === 'nl') return this.suiteLines(header);
    const body: Node[] = [];
    while (!this.atEnd && !(this.peek().kind === 'nl' && this.peek().text === '\n')) {
      if (this.peek().kind === 'nl') {
        this.next();
        continue;
      }
      const before = this.i;
      body.push(this.statement());
      if (this.i === before) this.next();
    }
    return body;
  }

  private statement(): Node {
    const start = this.peek().start;
    if (!this.enter()) {
      const node = this.skipGroup();
      return node;
    }
    try {
      return this.statementInner(start);
    } finally {
      this.leave();
    }
  }

  private statementInner(start: number): Node {
    const token = this.peek();
    if (token.kind === 'op' && token.text === '@') {
      this.next();
      this.expression();
      return this.unknown(start);
    }
    if (token.kind === 'name') {
      switch (token.text) {
        case 'import':
          this.next();
          return this.importNames(start);
        case 'from':
          if (this.peek(1).kind === 'name' || this.isOp('.', 1)) {
            this.next();
            return this.fromImport(start);
          }
          break;
        case 'async':
          this.next();
          return this.statement();
        case 'def': {
          this.next();
          const name = this.next().text;
          const params = this.eatOp('(') ? this.params(')') : [];
          if (this.eatOp('->')) this.expression();
          const body = this.suite();
          const func = this.node(start, { k: 'func', name, params, body, recursive: refersTo(body, name) });
          return this.node(start, { k: 'def', name, func });
        }
        case 'class': {
          this.next();
          this.next();
          if (this.eatOp('(')) this.args(')');
          return this.node(start, { k: 'block', body: this.suite() });
        }
        case 'if':
        case 'elif':
        case 'while': {
          this.next();
          const test = this.expression();
          const body = this.suite();
          if (token.text === 'while') return this.node(start, { k: 'loop', test, body });
          return this.node(start, { k: 'block', body: [test, ...body] });
        }
        case 'else':
        case 'try':
        case 'finally':
          this.next();
          return this.node(start, { k: 'block', body: this.suite() });
        case 'except': {
          this.next();
          if (!this.isOp(':')) this.expression();
          if (this.eatName('as')) this.next();
          return this.node(start, { k: 'block', body: this.suite() });
        }
        case 'for': {
          this.next();
          const target = this.targets();
          this.eatName('in');
          const iter = this.tuple();
          const body = this.suite();
          return this.node(start, { k: 'loop', target, iter, body });
        }
        case 'with': {
          this.next();
          const binds: Node[] = [];
          do {
            const value = this.expression(BP.ternary);
            if (this.eatName('as')) {
              const target = this.expression(BP.compare);
              binds.push(this.node(value.start, { k: 'assign', target, op: '=', value }));
            } else binds.push(value);
          } while (this.eatOp(','));
          return this.node(start, { k: 'block', body: [...binds, ...this.suite()] });
        }
        case 'return': {
          this.next();
          const value = this.atLineEnd() ? undefined : this.tuple();
          return this.node(start, value === undefined ? { k: 'return' } : { k: 'return', value });
        }
        case 'pass':
        case 'break':
        case 'continue':
          this.next();
          return this.unknown(start);
        case 'global':
        case 'nonlocal':
        case 'del':
          this.next();
          while (!this.atLineEnd()) this.next();
          return this.unknown(start);
        case 'raise':
        case 'assert':
          this.next();
          if (!this.atLineEnd()) this.tuple();
          while (!this.atLineEnd()) this.next();
          return this.unknown(start);
        default:
          break;
      }
    }
    return this.simple(start);
  }

  private atLineEnd(): boolean {
    const token = this.peek();
    return token.kind === 'nl' || token.kind === 'eof';
  }

  /** An expression statement or an assignment chain: `a = b = value`, `a, b = x`, `a += 1`. */
  private simple(start: number): Node {
    let left = this.tuple();
    if (this.eatOp(':') && !this.isOp('=')) this.expression();
    const op = this.peek();
    if (op.kind === 'op' && op.text === '=') {
      this.next();
      const value = this.simple(this.peek().start);
      const inner = value.k === 'assign' ? value : undefined;
      return this.node(start, { k: 'assign', target: left, op: '=', value: inner ?? value });
    }
    if (op.kind === 'op' && AUGMENTED.has(op.text)) {
      this.next();
      const value = this.tuple();
      left = this.node(start, { k: 'assign', target: left, op: op.text === '//=' ? '/=' : op.text, value });
    }
    return left;
  }

  /** Comma-separated expressions as a tuple (a single one stays itself). */
  private tuple(): Node {
    const start = this.peek().start;
    const first = this.item();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.eatOp(',')) {
      if (this.atLineEnd() || this.isOp('=') || this.isOp(':') || this.isOp(')')) break;
      items.push(this.item());
    }
    return this.node(start, { k: 'list', items });
  }

  /** Loop targets: names up to `in`. */
  private targets(): Node {
    const start = this.peek().start;
    const items: Node[] = [this.expression(BP.compare)];
    while (this.eatOp(',')) {
      if (this.isName('in')) break;
      items.push(this.expression(BP.compare));
    }
    const [only] = items;
    return only !== undefined && items.length === 1 ? only : this.node(start, { k: 'list', items });
  }

  private params(close: string): Node[] {
    const params: Node[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.atEnd || this.eatOp(close)) return params;
      const start = this.peek().start;
      const star = this.peek();
      if (star.kind === 'op' && (star.text === '*' || star.text === '**' || star.text === '/')) this.next();
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      const nameToken = this.next();
      let param: Node = this.node(start, { k: 'name', name: nameToken.text });
      if (star.kind === 'op' && star.text === '*')
        param = this.node(start, { k: 'unary', op: '*', operand: param });
      if (this.eatOp(':')) this.expression(BP.ternary);
      if (this.eatOp('=')) {
        param = this.node(start, { k: 'assign', target: param, op: '=', value: this.expression(BP.ternary) });
      }
      params.push(param);
      if (!this.eatOp(',')) {
        this.skipTo(new Set([close]), false);
        this.eatOp(close);
        return params;
      }
    }
  }

  private importNames(start: number): Node {
    const nodes: Node[] = [];
    do {
      const module = this.dotted();
      const alias = this.eatName('as') ? this.next().text : undefined;
      if (alias !== undefined) nodes.push(this.node(start, { k: 'import', module, alias, names: [] }));
      else {
        const top = module.split('.')[0] ?? module;
        nodes.push(this.node(start, { k: 'import', module: top, alias: top, names: [] }));
      }
    } while (this.eatOp(','));
    const [only] = nodes;
    return only !== undefined && nodes.length === 1 ? only : this.node(start, { k: 'block', body: nodes });
  }

  private fromImport(start: number): Node {
    const module = this.dotted();
    this.eatName('import');
    const paren = this.eatOp('(');
    const names: [string, string][] = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (token.kind === 'op' && token.text === '*') {
        this.next();
        names.push(['*', '*']);
      } else if (token.kind === 'name') {
        this.next();
        names.push([token.text, this.eatName('as') ? this.next().text : token.text]);
      } else break;
      if (!this.eatOp(',')) break;
    }
    if (paren) {
      this.skipNewlines();
      this.eatOp(')');
    }
    return this.node(start, { k: 'import', module, names });
  }

  private dotted(): string {
    let path = '';
    while (this.isOp('.')) {
      this.next();
      path += '.';
    }
    while (this.peek().kind === 'name') {
      path += this.next().text;
      if (!this.isOp('.') || this.peek(1).kind !== 'name') break;
      this.next();
      path += '.';
    }
    return path.replace(/^\.+/, '');
  }

  protected primary(token: Token): Node | undefined {
    const start = token.start;
    if (token.kind === 'name' && token.text === 'lambda') {
      this.next();
      const params: Node[] = [];
      while (!this.isOp(':') && !this.atEnd) {
        const t = this.next();
        if (t.kind === 'name') params.push(this.node(t.start, { k: 'name', name: t.text }));
      }
      this.eatOp(':');
      const value = this.expression(BP.ternary);
      return this.node(start, { k: 'func', params, body: [this.node(value.start, { k: 'return', value })] });
    }
    if (token.kind === 'name' && (token.text === 'yield' || token.text === 'await')) {
      this.next();
      if (this.eatName('from')) return this.expression(BP.ternary);
      return this.atLineEnd() || this.isOp(')') ? this.unknown(start) : this.expression(BP.ternary);
    }
    if (token.kind === 'str') {
      // Adjacent literals are one string: `'sys' 'tem'`.
      const parts: (string | Node)[] = [];
      let flavor: string | undefined;
      while (this.peek().kind === 'str') {
        const t = this.next();
        flavor ??= t.flavor;
        const node = this.stringNode(t);
        if (node.k === 'str') parts.push(...node.parts);
      }
      return this.node(start, { k: 'str', parts, ...(flavor === undefined ? {} : { flavor }) });
    }
    if (token.kind === 'op' && token.text === '{') {
      this.next();
      const entries = this.entries('}', new Set([':']));
      return this.node(start, { k: 'map', entries });
    }
    if (token.kind === 'op' && (token.text === '(' || token.text === '[')) {
      const close = token.text === '(' ? ')' : ']';
      this.next();
      this.skipNewlines();
      if (this.eatOp(close)) return this.node(start, { k: 'list', items: [] });
      const first = this.item();
      this.skipNewlines();
      if (this.eatOp(close)) {
        return token.text === '(' || first.k === 'comp'
          ? first
          : this.node(start, { k: 'list', items: [first] });
      }
      const items = [first];
      if (this.eatOp(',')) items.push(...this.items(close));
      else {
        this.skipTo(new Set([close]), false);
        this.eatOp(close);
      }
      return this.node(start, { k: 'list', items });
    }
    return undefined;
  }

  /** An item, or a generator `expr for x in y if c` over it. */
  protected override item(): Node {
    const start = this.peek().start;
    const expr = this.expression(BP.ternary - 1);
    if (!this.isName('for') && !(this.isName('async') && this.isName('for', 1))) return expr;
    let node: Node = expr;
    while (this.eatName('async') || this.isName('for')) {
      this.eatName('for');
      const target = this.targets();
      this.eatName('in');
      const iter = this.expression(BP.or - 1);
      while (this.eatName('if')) this.expression(BP.or - 1);
      node = this.node(start, { k: 'comp', expr: node, target, iter });
    }
    return node;
  }

  protected override keyword(): Node | undefined {
    const token = this.peek();
    if (token.kind === 'name' && this.isOp('=', 1)) {
      this.next();
      this.next();
      return this.node(token.start, { k: 'str', parts: [token.text] });
    }
    return undefined;
  }

  protected override arg(): import('./tree.js').Arg {
    const token = this.peek();
    if (token.kind === 'op' && (token.text === '*' || token.text === '**')) {
      this.next();
      return { value: this.expression(BP.ternary), spread: token.text === '*' };
    }
    const key = this.keyword();
    if (key !== undefined) return { key, value: this.expression(BP.ternary) };
    return { value: this.item() };
  }

  protected override postfix(left: Node): Node | undefined {
    if (this.isOp('[')) {
      const token = this.peek();
      this.next();
      const parts: (Node | undefined)[] = [undefined];
      let colons = 0;
      while (!this.atEnd && !this.isOp(']')) {
        if (this.eatOp(':')) {
          colons++;
          parts.push(undefined);
          continue;
        }
        const before = this.i;
        parts[colons] = this.tuple();
        if (this.i === before) this.next();
      }
      this.eatOp(']');
      if (colons === 0)
        return this.node(left.start, {
          k: 'index',
          object: left,
          index: parts[0] ?? this.unknown(token.start),
        });
      const [from, to, step] = parts;
      return this.node(left.start, {
        k: 'slice',
        object: left,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(step === undefined ? {} : { step }),
      });
    }
    return super.postfix(left);
  }

  protected snippet(code: string): Node {
    const parser = new PythonParser(
      tokenize(code, { ...CONTEXT, budget: this.budget }, this.limits),
      code,
      GRAMMAR,
      this.limits,
      this.budget,
    );
    parser.depth = this.depth;
    return parser.expression();
  }

  constructor(
    tokens: readonly Token[],
    text: string,
    grammar: Grammar,
    limits: string[],
    private readonly budget: CodeContext['budget'],
  ) {
    super(tokens, text, grammar, limits);
  }
}

const CONTEXT: CodeContext = { path: '', env: new Map(), args: [], budget: { left: 0 } };

// ---- the library ---------------------------------------------------------------------------------

/** Spellings of one module or function by another name. */
const ALIASES: Readonly<Record<string, string>> = {
  posix: 'os',
  nt: 'os',
  commands: 'subprocess',
  urllib2: 'urllib.request',
  'urllib.urlopen': 'urllib.request.urlopen',
  'urllib.urlretrieve': 'urllib.request.urlretrieve',
  'six.moves.urllib.request': 'urllib.request',
  'urllib3.PoolManager': 'requests.Session',
  httpx: 'requests',
  'httpx.Client': 'requests.Session',
  'requests.session': 'requests.Session',
  httplib: 'http.client',
  __builtins__: 'builtins',
  __builtin__: 'builtins',
  'io.open': 'open',
  'codecs.open': 'open',
  'os.environb': 'os.environ',
  'sys.stdin.buffer': 'sys.stdin',
  'sys.stdout.buffer': 'sys.stdout',
  'sys.__stdin__': 'sys.stdin',
  'sys.__stdout__': 'sys.stdout',
  'base64.decodestring': 'base64.b64decode',
  'base64.decodebytes': 'base64.b64decode',
  'base64.standard_b64decode': 'base64.b64decode',
  'base64.urlsafe_b64decode': 'base64.b64decode',
  'binascii.a2b_base64': 'base64.b64decode',
  'binascii.unhexlify': 'bytes.fromhex',
  'binascii.a2b_hex': 'bytes.fromhex',
  'base64.b16decode': 'bytes.fromhex',
  'bytearray.fromhex': 'bytes.fromhex',
  'codecs.encode': 'codecs.decode',
};

/** First names of the dotted ALIASES keys (`base64` of `base64.b16decode`). */
const DOTTED_HEADS: ReadonlySet<string> = new Set(
  Object.keys(ALIASES)
    .filter((key) => key.includes('.'))
    .map((key) => key.slice(0, key.indexOf('.'))),
);

/** The alias of `name`: an own key only (a script's `toString` or `constructor` is no alias). */
function aliasOf(name: string): string | undefined {
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

function canonical(path: string): string {
  let out = path;
  if (out.startsWith('builtins.')) out = out.slice('builtins.'.length);
  const dot = out.indexOf('.');
  const head = dot < 0 ? out : out.slice(0, dot);
  const whole = aliasOf(out);
  if (whole !== undefined) return whole;
  const top = aliasOf(head);
  if (top !== undefined) out = top + out.slice(head.length);
  // Only a path under one of the aliased dotted prefixes' first names can match a dotted prefix;
  // any other path needs only its first name looked up (the last step of the loop below).
  const first = out.indexOf('.');
  const from = first > 0 && !DOTTED_HEADS.has(out.slice(0, first)) ? first : out.lastIndexOf('.');
  for (let cut = from; cut > 0; cut = out.lastIndexOf('.', cut - 1)) {
    const prefix = out.slice(0, cut);
    const alias = aliasOf(prefix);
    if (alias !== undefined) return alias + out.slice(cut);
  }
  return out;
}

/** `subprocess.*(args, stdin=s, stdout=s, input=x, shell=True)`: a run whose streams may be a socket. */
const subprocess: Handler = (call) => {
  const input = call.named.get('input');
  const proc = runCommand(call, call.args[0] ?? call.named.get('args'), input);
  if (proc?.obj?.t !== 'process') return proc;
  ['stdin', 'stdout', 'stderr'].forEach((stream, fd) => {
    const value = call.named.get(stream);
    const socket = value === undefined ? undefined : socketOf(value, call);
    if (socket !== undefined)
      call.it.stdio(socket, [fd], call.node, proc.obj?.t === 'process' ? proc.obj.run : undefined);
  });
  return proc;
};

/** `urlopen(url_or_request, data)` and `Request(url, data, headers)`. */
const urlopen: Handler = (call) => {
  const target = call.args[0] ?? call.named.get('url');
  if (target?.obj?.t === 'client') {
    const state = target.obj.state;
    return call.it.fetch(call.node, {
      url: state.url ?? target,
      ...(state.method === undefined ? {} : { method: state.method }),
      headers: state.headers,
      ...(state.body === undefined ? {} : { body: state.body }),
    });
  }
  const data = call.args[1] ?? call.named.get('data');
  return fetchWith(call, target, data === undefined ? undefined : 'POST');
};

const request: Handler = (call) => {
  const url = call.args[0] ?? call.named.get('url') ?? unknown('');
  const body = call.args[1] ?? call.named.get('data');
  const headers = call.args[2] ?? call.named.get('headers');
  const method = call.named.get('method');
  const state = {
    url,
    headers:
      headers?.keys === undefined
        ? []
        : [...headers.keys].map(([k, v]) => derive(`${k}: ${v.text}`, v.exact, [v])),
    ...(body === undefined ? {} : { body }),
    ...(method?.exact === true
      ? { method: method.text.toUpperCase() }
      : body === undefined
        ? {}
        : { method: 'POST' }),
  };
  return { text: url.text, exact: false, origins: [], obj: { t: 'client', url, state } };
};

/** `http.client.HTTPConnection(host, port)`: requests go to that host. */
function connection(scheme: string): Handler {
  return (call) => {
    const host = call.args[0] ?? call.named.get('host') ?? unknown('');
    const port = call.args[1] ?? call.named.get('port');
    const base = derive(
      `${scheme}://${host.text}${port === undefined ? '' : `:${port.text}`}`,
      host.exact && (port?.exact ?? true),
      [host],
    );
    return { ...api('http.client.HTTPConnection'), text: base.text, keys: new Map([['base', base]]) };
  };
}

const connectionRequest: Handler = (call) => {
  const base = call.self?.keys?.get('base') ?? unknown('');
  const [method, path, body, headers] = call.args;
  const url = derive(base.text + (path?.text ?? '/'), base.exact && (path?.exact ?? true), [
    base,
    ...(path === undefined ? [] : [path]),
  ]);
  const named = new Map(call.named);
  if (body !== undefined && !named.has('body')) named.set('body', body);
  if (headers !== undefined && !named.has('headers')) named.set('headers', headers);
  return fetchWith({ ...call, named }, url, method?.exact === true ? method.text.toUpperCase() : undefined);
};

const requestsMethod: Handler = (call) => {
  const name = call.path.slice(call.path.lastIndexOf('.') + 1).toUpperCase();
  if (name === 'REQUEST') {
    const named = new Map(call.named);
    return fetchWith(
      { ...call, named },
      call.args[1] ?? call.named.get('url'),
      call.args[0]?.text.toUpperCase(),
    );
  }
  return fetchWith(call, call.args[0] ?? call.named.get('url'), name === 'GET' ? undefined : name);
};

/** `getattr(obj, name)`: a member by a computed name. */
const getattr: Handler = (call) => {
  const [self, name] = call.args;
  if (self === undefined || name === undefined) return undefined;
  call.it.signName(name, 'attribute name');
  const member = call.it.memberOf(self, name.text, call.node);
  return name.hidden !== undefined ? { ...member, hidden: name.hidden } : member;
};

/** `__import__(name)`, `importlib.import_module(name)`: a module by a computed name. */
const importModule: Handler = (call) => {
  const name = call.args[0];
  if (name === undefined) return undefined;
  call.it.signName(name, 'module name');
  const module = api(canonical(name.text));
  return name.hidden === undefined ? module : { ...module, hidden: name.hidden };
};

/** `map(f, items)`: `f` applied to each known item (`map(chr, [115, 104])`). */
const map: Handler = (call) => {
  const [fn, items] = call.args;
  if (fn === undefined || items?.items === undefined) return undefined;
  return list(
    items.items.slice(0, 4096).map((item) => call.it.invokeTerm(fn, { args: [item], node: call.node })),
    items.exact,
  );
};

const codecsDecode: Handler = (call) => {
  const [input, name] = call.args;
  if (input === undefined) return undefined;
  const encoding = name?.text.toLowerCase().replace(/[-_]/g, '');
  if (encoding === 'rot13') return decoded(call, input, 'rot13');
  if (encoding === 'hex' || encoding === 'hexcodec') return decoded(call, input, 'hex');
  if (encoding === 'base64' || encoding === 'base64codec') return decoded(call, input, 'base64');
  if (encoding === 'zlib' || encoding === 'zlibcodec') return decoded(call, input, 'zlib');
  return input;
};

const opaque: Handler = (call) => {
  const input = call.args[0] ?? unknown('');
  call.it.sign(`serialized code loaded at run time: ${call.path}`);
  return call.it.evaluate(call.node, input);
};

const LIBRARY = table([
  [
    run,
    ['os.system', 'os.popen', 'subprocess.getoutput', 'subprocess.getstatusoutput', 'os.popen2', 'os.popen3'],
  ],
  [
    subprocess,
    [
      'subprocess.call',
      'subprocess.run',
      'subprocess.check_call',
      'subprocess.check_output',
      'subprocess.Popen',
    ],
  ],
  [
    runExec,
    ['os.execl', 'os.execle', 'os.execlp', 'os.execlpe', 'os.execv', 'os.execve', 'os.execvp', 'os.execvpe'],
  ],
  [
    (call) => call.it.run(call.node, { argv: itemsOf(call.args[2] ?? call.args[1] ?? unknown('')) }),
    ['os.spawnl', 'os.spawnlp', 'os.spawnv', 'os.spawnvp', 'os.spawnve', 'os.posix_spawn', 'os.posix_spawnp'],
  ],
  [spawnPty, ['pty.spawn']],
  [dup2, ['os.dup2']],
  [
    through,
    [
      'os.dup',
      'os.fdopen',
      'socket.fromfd',
      'socket.socket.fromfd',
      'str',
      'bytes',
      'bytearray',
      'repr',
      'memoryview',
      'compile',
      'list',
      'tuple',
    ],
  ],
  [socket, ['socket.socket', 'socket.SocketType']],
  [
    (call) => {
      const [host, port] = addressOf(call.args[0]);
      return connectTo(call, host, port);
    },
    ['socket.create_connection'],
  ],
  [
    (call) => {
      const s = call.args[0];
      const id = s === undefined ? undefined : socketOf(s, call);
      if (id !== undefined) call.it.secure(id);
      return s;
    },
    ['ssl.wrap_socket', 'ssl.SSLContext.wrap_socket'],
  ],
  [() => api('ssl.SSLContext'), ['ssl.create_default_context', 'ssl.SSLContext']],
  [
    // A context that checks no certificate: what `urlopen(…, context=…)` fetches could come from anyone.
    () => ({ ...api('ssl.SSLContext'), text: 'ssl.CERT_NONE' }),
    ['ssl._create_unverified_context'],
  ],
  [
    resolveName,
    [
      'socket.gethostbyname',
      'socket.gethostbyname_ex',
      'socket.getaddrinfo',
      'dns.resolver.resolve',
      'dns.resolver.query',
      'dns.resolver.Resolver.resolve',
    ],
  ],
  [urlopen, ['urllib.request.urlopen']],
  [
    (call) => {
      const url = call.args[0];
      const to = call.args[1] ?? call.named.get('filename');
      if (url === undefined) return undefined;
      return call.it.fetch(call.node, { url, ...(to === undefined ? {} : { to }) });
    },
    ['urllib.request.urlretrieve'],
  ],
  [request, ['urllib.request.Request']],
  [
    requestsMethod,
    [
      'requests.get',
      'requests.post',
      'requests.put',
      'requests.patch',
      'requests.delete',
      'requests.head',
      'requests.options',
      'requests.request',
      'requests.Session.get',
      'requests.Session.post',
      'requests.Session.put',
      'requests.Session.request',
    ],
  ],
  [() => api('requests'), ['requests.Session']],
  [connection('http'), ['http.client.HTTPConnection']],
  [connection('https'), ['http.client.HTTPSConnection']],
  [connectionRequest, ['http.client.HTTPConnection.request']],
  [
    (call) => derive('response', false, [selfOf(call).keys?.get('base') ?? unknown('')]),
    ['http.client.HTTPConnection.getresponse'],
  ],
  [evaluate('python'), ['exec', 'eval']],
  [
    // A file run as Python: its content is the code (`runpy.run_path(p)`, Python 2's `execfile(p)`).
    (call) => {
      const path = call.args[0] ?? call.named.get('path_name') ?? call.named.get('path');
      return path === undefined
        ? undefined
        : call.it.evaluate(call.node, call.it.read(call.node, path), 'python');
    },
    ['execfile', 'runpy.run_path'],
  ],
  [opaque, ['marshal.loads', 'pickle.loads', 'cPickle.loads', 'dill.loads']],
  [decoder('base64'), ['base64.b64decode']],
  [decoder('base32'), ['base64.b32decode']],
  [decoder('hex'), ['bytes.fromhex']],
  [decoder('zlib'), ['zlib.decompress']],
  [decoder('gzip'), ['gzip.decompress']],
  [decoder('percent'), ['urllib.parse.unquote', 'urllib.unquote', 'urllib.parse.unquote_plus']],
  [codecsDecode, ['codecs.decode']],
  [
    same,
    [
      'base64.b64encode',
      'urllib.parse.quote',
      'json.dumps',
      'json.loads',
      'str.encode',
      'int',
      'float',
      'ord',
      'len',
      'sorted',
      'os.path.expanduser',
      'os.path.abspath',
      'os.path.realpath',
      'os.path.normpath',
    ],
  ],
  [chars, ['chr', 'unichr']],
  [(call) => (call.args[0] === undefined ? undefined : call.it.reversed(call.args[0])), ['reversed']],
  [map, ['map']],
  [getattr, ['getattr']],
  [importModule, ['__import__', 'importlib.import_module']],
  [open, ['open', 'pathlib.Path', 'pathlib.PosixPath']],
  [chmod, ['os.chmod']],
  [getenv, ['os.getenv', 'os.environ.get']],
  [print, ['print']],
  [(call) => call.it.stdin(call.node), ['input', 'raw_input']],
  [
    (call) => {
      const [fd] = call.args;
      const id = fd === undefined ? undefined : socketOf(fd, call);
      return id === undefined ? unknown('') : call.it.socketData(id, call.node);
    },
    ['os.read'],
  ],
  [
    (call) => {
      const [fd, data] = call.args;
      const id = fd === undefined ? undefined : socketOf(fd, call);
      if (id !== undefined && data !== undefined) call.it.send(id, data, call.node);
      return undefined;
    },
    ['os.write'],
  ],
  [
    nothing,
    [
      'time.sleep',
      'sys.exit',
      'exit',
      'quit',
      'os._exit',
      'socket.setdefaulttimeout',
      'os.setsid',
      'os.fork',
      'os.setuid',
      'os.setgid',
      'signal.signal',
      'isinstance',
      'range',
    ],
  ],
]);

function attribute(path: string): Term | undefined {
  switch (path) {
    case 'os.environ':
      return environment;
    case 'sys.argv':
      return { text: 'sys.argv', exact: false, origins: [], obj: { t: 'args', offset: 1 } };
    case 'sys.stdin':
      return stdio(0);
    case 'sys.stdout':
      return stdio(1);
    case 'sys.stderr':
      return stdio(2);
    default:
      return undefined;
  }
}

function global(name: string): Term | undefined {
  if (name === 'True') return { ...str('True'), num: 1 };
  if (name === 'False') return { ...str('False'), num: 0 };
  if (name === 'None') return str('');
  if (name === 'self') return unknown('self');
  return undefined;
}

export const python: Dialect = {
  language: 'python',
  parse(code, context, limits) {
    const tokens = tokenize(code, context, limits);
    return new PythonParser(tokens, code, GRAMMAR, limits, context.budget).program();
  },
  canonical,
  library: (path) => LIBRARY.get(path),
  attribute: (path) => attribute(path),
  global: (name) => global(name),
  iterating: new Set(['map', 'filter']),
};
