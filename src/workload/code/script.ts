/**
 * The parser of the brace-and-keyword languages (JavaScript, PHP, Perl, Ruby, Lua, awk,
 * PowerShell) into the shared tree. They share C's expression syntax and differ in how blocks end
 * (`}` or `end`), in calls without parentheses (`system "id"`, `exec 'sh'`, `os.execute "x"`,
 * PowerShell's `iex $x -Param v`), in blocks passed to calls (Ruby's `do |x| … end`) and in
 * their readline forms (`<STDIN>`, `getline`). The parser is lenient: what it cannot place is read
 * as `unknown` and parsing goes on.
 */
import type { CodeContext } from '../action.js';
import type { ScriptLanguage } from './lexer.js';
import { tokenizeScript } from './lexer.js';
import { BP, Parser, refersTo, type BinaryOp, type Grammar } from './parser.js';
import type { Token } from './token.js';
import type { Arg, Node } from './tree.js';

function table(
  entries: readonly (readonly [string, number, string, boolean?])[],
): ReadonlyMap<string, BinaryOp> {
  return new Map(entries.map(([text, bp, op, right]) => [text, { bp, op, right: right === true }]));
}

const COMMON: readonly (readonly [string, number, string, boolean?])[] = [
  ['?', BP.ternary + 1, 'ternary', true],
  ['||', BP.or, 'or'],
  ['&&', BP.and, 'and'],
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
  ['-', BP.add, '-'],
  ['*', BP.multiply, '*'],
  ['/', BP.multiply, '/'],
  ['%', BP.multiply, '%'],
  ['**', BP.power, '**', true],
];

const GRAMMARS: Readonly<Record<ScriptLanguage, Grammar>> = {
  node: {
    binary: table([
      ...COMMON,
      ['+', BP.add, '+'],
      ['??', BP.or, 'or'],
      ['===', BP.compare, 'compare'],
      ['!==', BP.compare, 'compare'],
      ['instanceof', BP.compare, 'compare'],
      ['in', BP.compare, 'compare'],
    ]),
    unary: new Set(['!', '-', '+', '~', 'typeof', 'await', 'void', 'delete', '...', '++', '--', 'new']),
    member: new Set(['.', '?.']),
    assign: new Set(['=', '+=', '-=', '*=', '||=', '??=', '&&=']),
  },
  php: {
    binary: table([
      ...COMMON,
      ['+', BP.add, '+'],
      ['.', BP.add, 'concat'],
      ['??', BP.or, 'or'],
      ['===', BP.compare, 'compare'],
      ['!==', BP.compare, 'compare'],
      ['and', BP.and, 'and'],
      ['or', BP.or, 'or'],
      ['<>', BP.compare, 'compare'],
    ]),
    unary: new Set(['!', '-', '+', '~', '@', '&', '++', '--', 'print', 'new', 'clone']),
    member: new Set(['->', '::', '?->']),
    assign: new Set(['=', '.=', '+=', '??=']),
  },
  perl: {
    binary: table([
      ...COMMON,
      ['+', BP.add, '+'],
      ['.', BP.add, 'concat'],
      ['x', BP.multiply, 'repeat'],
      ['eq', BP.compare, 'compare'],
      ['ne', BP.compare, 'compare'],
      ['lt', BP.compare, 'compare'],
      ['gt', BP.compare, 'compare'],
      ['=~', BP.compare, 'compare'],
      ['!~', BP.compare, 'compare'],
      ['and', BP.and - 10, 'and'],
      ['or', BP.or - 10, 'or'],
      ['//', BP.or, 'or'],
      ['..', BP.range, 'range'],
      ['<=>', BP.compare, 'compare'],
    ]),
    unary: new Set(['!', '-', '~', '\\', 'not', 'my', 'our', 'local', 'defined', '++', '--']),
    member: new Set(['->']),
    assign: new Set(['=', '.=', '+=', '||=', '//=', 'x=']),
  },
  ruby: {
    binary: table([
      ...COMMON,
      ['+', BP.add, '+'],
      ['and', BP.and - 10, 'and'],
      ['or', BP.or - 10, 'or'],
      ['..', BP.range, 'range'],
      ['...', BP.range, 'range'],
      ['=~', BP.compare, 'compare'],
      ['<=>', BP.compare, 'compare'],
      ['===', BP.compare, 'compare'],
    ]),
    unary: new Set(['!', '-', '~', 'not', 'defined?', '*', '&', '**']),
    member: new Set(['.', '&.', '::']),
    assign: new Set(['=', '+=', '||=', '<<=']),
  },
  lua: {
    binary: table([
      ...COMMON.filter(([op]) => op !== '||' && op !== '&&' && op !== '?' && op !== '!='),
      ['+', BP.add, '+'],
      ['..', BP.add - 1, 'concat', true],
      ['and', BP.and, 'and'],
      ['or', BP.or, 'or'],
      ['~=', BP.compare, 'compare'],
      ['//', BP.multiply, '/'],
    ]),
    unary: new Set(['not', '-', '#', '~', 'local']),
    member: new Set(['.', ':']),
    assign: new Set(['=']),
  },
  awk: {
    binary: table([
      ...COMMON.filter(([op]) => op !== '|'),
      ['+', BP.add, '+'],
      ['~', BP.compare, 'compare'],
      ['!~', BP.compare, 'compare'],
      ['in', BP.compare, 'compare'],
      ['|', BP.bits, 'command-pipe'],
      ['|&', BP.bits, 'coprocess'],
    ]),
    unary: new Set(['!', '-', '++', '--']),
    member: new Set([]),
    assign: new Set(['=', '+=', '-=']),
  },
  powershell: {
    binary: table([
      ['|', 5, 'pipe'],
      ['-or', BP.or, 'or'],
      ['-and', BP.and, 'and'],
      ['-eq', BP.compare, 'compare'],
      ['-ne', BP.compare, 'compare'],
      ['-gt', BP.compare, 'compare'],
      ['-lt', BP.compare, 'compare'],
      ['-ge', BP.compare, 'compare'],
      ['-le', BP.compare, 'compare'],
      ['-like', BP.compare, 'compare'],
      ['-match', BP.compare, 'compare'],
      ['-replace', BP.compare, 'replace'],
      ['-split', BP.compare, 'split'],
      ['-join', BP.compare, 'join'],
      ['-f', BP.compare, 'braces'],
      ['-as', BP.compare, 'and-left'],
      ['..', BP.range, 'range'],
      ['+', BP.add, '+'],
      ['-', BP.add, '-'],
      ['*', BP.multiply, '*'],
      ['/', BP.multiply, '/'],
      ['%', BP.multiply, '%'],
      ['-bxor', BP.bits, '^'],
    ]),
    unary: new Set(['!', '-not', '-join', '-', '++', '--', ',', '&', '.']),
    member: new Set(['.', '::']),
    assign: new Set(['=', '+=']),
  },
};

/** Keywords that end a statement in end-terminated languages. */
const END_BLOCK = new Set(['end']);
/** Keywords a block of an if-chain may stop at (run as statements of the same block). */
const CHAIN = new Set([
  'else',
  'elsif',
  'elseif',
  'elif',
  'rescue',
  'ensure',
  'when',
  'then',
  'catch',
  'finally',
  'until',
]);
const LOOPS = new Set(['while', 'until', 'for', 'foreach', 'loop', 'repeat']);
const BLOCKS = new Set([
  'if',
  'unless',
  'try',
  'begin',
  'switch',
  'case',
  'do',
  'else',
  'elsif',
  'elseif',
  'catch',
  'finally',
  'rescue',
  'ensure',
  'when',
  'then',
  'BEGIN',
  'END',
  'default',
  'trap',
]);
const FUNCTIONS = new Set(['function', 'sub', 'def', 'filter']);
const SKIPPED = new Set([
  'var',
  'let',
  'const',
  'my',
  'our',
  'local',
  'global',
  'static',
  'public',
  'private',
  'export',
  'async',
  'param',
  'break',
  'continue',
  'next',
  'last',
  'redo',
  'retry',
  'pass',
  'strict',
  'warnings',
  'exit',
  'die',
]);

/** PHP's language constructs written without parentheses. */
const PHP_PARENLESS = new Set(['echo', 'print', 'include', 'require', 'include_once', 'require_once']);

/** Words that never start a paren-less call's argument. */
const NOT_ARGUMENT = new Set([
  'if',
  'unless',
  'while',
  'until',
  'and',
  'or',
  'not',
  'then',
  'do',
  'end',
  'else',
  'elsif',
  'x',
  'eq',
  'ne',
  'lt',
  'gt',
  'le',
  'ge',
  'cmp',
  'in',
  'of',
  'as',
  'foreach',
  'for',
  'instanceof',
]);

class ScriptParser extends Parser {
  private readonly ends: boolean;

  constructor(
    readonly lang: ScriptLanguage,
    tokens: readonly Token[],
    text: string,
    limits: string[],
    private readonly context: CodeContext,
  ) {
    super(tokens, text, GRAMMARS[lang], limits);
    this.ends = lang === 'ruby' || lang === 'lua';
  }

  program(): Node[] {
    return this.statements(
      () => this.statement(),
      () => false,
    );
  }

  private statement(): Node | undefined {
    const start = this.peek().start;
    if (!this.enter()) return this.skipGroup();
    try {
      return this.statementInner(start);
    } finally {
      this.leave();
    }
  }

  private block(): Node[] {
    this.skipNewlines();
    if (this.eatOp('{')) {
      const body = this.statements(
        () => this.statement(),
        (t) => t.kind === 'op' && t.text === '}',
      );
      this.eatOp('}');
      return body;
    }
    if (this.ends) {
      this.eatName('do');
      this.eatName('then');
      const body = this.statements(
        () => this.statement(),
        (t) => t.kind === 'name' && END_BLOCK.has(t.text),
      );
      this.eatName('end');
      return body;
    }
    const one = this.statement();
    return one === undefined ? [] : [one];
  }

  private statementInner(start: number): Node | undefined {
    const token = this.peek();
    if (token.kind === 'op' && token.text === '{' && this.lang !== 'ruby') {
      return this.node(start, { k: 'block', body: this.block() });
    }
    if (token.kind === 'name' && token.flavor === undefined) {
      const word = token.text;
      if (this.ends && CHAIN.has(word)) {
        this.next();
        if (word === 'elsif' || word === 'elseif' || word === 'when' || word === 'until')
          return this.expression();
        if (word === 'rescue') while (!this.atLineEnd()) this.next();
        return undefined;
      }
      if (word === 'end' && this.ends) {
        this.next();
        return undefined;
      }
      if (FUNCTIONS.has(word) && (this.peek(1).kind === 'name' || this.peek(1).kind === 'var')) {
        this.next();
        let name = this.next().text;
        while ((this.isOp('.') || this.isOp(':') || this.isOp('::')) && this.peek(1).kind === 'name') {
          this.next();
          name = `${name}.${this.next().text}`;
        }
        const func = this.functionRest(start, name);
        return this.node(start, { k: 'def', name, func });
      }
      if (LOOPS.has(word) && !(this.lang === 'ruby' && word === 'loop' && this.isOp('.', 1)))
        return this.loop(start, word);
      if (BLOCKS.has(word) && this.isOp('(', 1) && word !== 'do' && word !== 'BEGIN' && word !== 'END') {
        // `if (cond) {…}`, `switch (x) {…}`
        this.next();
        const test = this.condition();
        return this.node(start, { k: 'block', body: [test, ...this.block()] });
      }
      if (BLOCKS.has(word) && !(this.lang === 'ruby' && word === 'do')) {
        this.next();
        if (word === 'do' && !this.ends) {
          const body = this.block();
          if (this.eatName('while') || this.eatName('until')) {
            const test = this.condition();
            return this.node(start, { k: 'loop', test, body });
          }
          return this.node(start, { k: 'block', body });
        }
        if (
          word === 'try' ||
          word === 'begin' ||
          word === 'else' ||
          word === 'finally' ||
          word === 'BEGIN' ||
          word === 'END' ||
          word === 'default' ||
          word === 'trap'
        ) {
          return this.node(start, { k: 'block', body: this.block() });
        }
        if (word === 'catch') {
          if (this.isOp('(')) this.condition();
          return this.node(start, { k: 'block', body: this.block() });
        }
        const test = this.condition();
        return this.node(start, { k: 'block', body: [test, ...this.block()] });
      }
      if (word === 'return') {
        this.next();
        if (this.atLineEnd() || this.isOp(';') || this.isOp('}')) return this.node(start, { k: 'return' });
        return this.node(start, { k: 'return', value: this.expression() });
      }
      if (word === 'use' && this.lang === 'perl') {
        this.next();
        const module = this.next().text;
        while (!this.atLineEnd() && !this.isOp(';')) this.next();
        return this.node(start, { k: 'import', module, names: [['*', '*']] });
      }
      if (word === 'import' && this.lang === 'node') return this.importStatement(start);
      if (word === 'class' || word === 'module' || word === 'package' || word === 'namespace') {
        this.next();
        while (!this.atLineEnd() && !this.isOp('{') && !this.isOp(';')) this.next();
        if (this.isOp(';')) return undefined;
        return this.node(start, { k: 'block', body: this.block() });
      }
      if (SKIPPED.has(word) && !this.isOp('(', 1) && !this.isOp('.', 1)) {
        this.next();
        if (this.peek().kind === 'nl' || this.isOp(';')) return undefined;
        // `const { spawn } = …` destructures; it is no block.
        if (this.isOp('{') || this.isOp('[')) return this.expression();
        return this.statement();
      }
    }
    if (this.lang === 'awk' && token.kind === 'str' && token.flavor === 'regex') {
      this.next();
      return this.isOp('{') ? this.node(start, { k: 'block', body: this.block() }) : this.unknown(start);
    }
    let expr = this.expression();
    if (this.isOp(',') && this.lang !== 'node' && this.lang !== 'php' && this.lang !== 'awk') {
      // `a, b = f()` (Lua, Ruby, Perl's list assignment written without parentheses).
      const items = [expr];
      while (this.eatOp(',')) items.push(this.expression(BP.ternary));
      const last = items[items.length - 1];
      if (last?.k === 'assign') {
        items[items.length - 1] = last.target;
        const target = this.node(start, { k: 'list', items });
        expr = this.node(start, { k: 'assign', target, op: '=', value: last.value });
      } else expr = this.node(start, { k: 'list', items });
    }
    // Statement modifiers: `print x if y`, `system 'id' unless $z`, `do_it while 1`.
    if (this.isName('if') || this.isName('unless')) {
      this.next();
      const test = this.expression();
      return this.node(start, { k: 'block', body: [test, expr] });
    }
    if (this.isName('while') || this.isName('until') || this.isName('for') || this.isName('foreach')) {
      this.next();
      const test = this.expression();
      return this.node(start, { k: 'loop', test, body: [expr] });
    }
    if (this.lang === 'awk' && this.isOp('{')) {
      return this.node(start, { k: 'block', body: [expr, ...this.block()] });
    }
    return expr;
  }

  private atLineEnd(): boolean {
    const token = this.peek();
    return token.kind === 'nl' || token.kind === 'eof';
  }

  /** A condition: `(…)` in brace languages, to the line end or `do`/`then` in end languages. */
  private condition(): Node {
    const start = this.peek().start;
    if (this.isOp('(') && !this.ends) {
      this.next();
      const items: Node[] = [];
      while (!this.atEnd && !this.isOp(')')) {
        this.skipNewlines();
        const before = this.i;
        items.push(this.expression());
        if (!this.eatOp(';') && !this.eatOp(',') && this.i === before) this.next();
        this.skipNewlines();
      }
      this.eatOp(')');
      const [only] = items;
      return only !== undefined && items.length === 1 ? only : this.node(start, { k: 'list', items });
    }
    const test = this.expression();
    this.eatName('then');
    this.eatName('do');
    return test;
  }

  private loop(start: number, word: string): Node {
    this.next();
    if (word === 'loop' || (word === 'repeat' && this.lang === 'lua')) {
      const body =
        word === 'repeat'
          ? this.statements(
              () => this.statement(),
              (t) => t.kind === 'name' && t.text === 'until',
            )
          : this.block();
      if (word === 'repeat' && this.eatName('until')) body.push(this.expression());
      return this.node(start, { k: 'loop', body });
    }
    if (word === 'for' || word === 'foreach') {
      // `for my $x (list)`, `for x in y`, `for (const x of y)`, `foreach ($a as $x)`, `for k, v in pairs(t) do`.
      let target: Node | undefined;
      let iter: Node | undefined;
      if (this.lang === 'perl' && !this.isOp('(')) {
        this.eatName('my');
        this.eatName('our');
        const t = this.next();
        target = this.node(t.start, { k: 'var', name: t.text, sigil: '$' });
      }
      const paren = this.isOp('(') && !this.ends && this.lang !== 'perl';
      if (paren) this.next();
      const parts: Node[] = [];
      if (this.lang === 'perl' && this.isOp('(')) {
        iter = this.expression();
      } else {
        while (
          !this.atEnd &&
          !(paren ? this.isOp(')') : this.isOp('{') || this.isName('do') || this.atLineEnd())
        ) {
          const before = this.i;
          if (this.eatName('in') || this.eatName('of') || this.eatName('as')) {
            iter = this.expression();
            continue;
          }
          for (const word of ['var', 'let', 'const', 'local', 'my']) this.eatName(word);
          const expr = this.expression(BP.compare);
          parts.push(expr);
          if (!this.eatOp(';') && !this.eatOp(',') && this.i === before) this.next();
        }
        if (paren) this.eatOp(')');
        if (iter !== undefined)
          target = parts.length === 1 ? parts[0] : this.node(start, { k: 'list', items: parts });
        else if (this.lang === 'php' || parts.length !== 1) target = undefined;
        if (this.lang === 'php' && iter !== undefined && parts.length === 1) {
          // `foreach ($list as $x)`: parts hold the list.
          const list = parts[0] ?? this.unknown(start);
          parts.length = 0;
          target = iter;
          iter = list;
        }
      }
      const body = this.block();
      const loop: Node = this.node(start, {
        k: 'loop',
        ...(target === undefined ? {} : { target }),
        ...(iter === undefined ? {} : { iter }),
        body: iter === undefined ? [...parts, ...body] : body,
      });
      return loop;
    }
    const test = this.condition();
    return this.node(start, { k: 'loop', test, body: this.block() });
  }

  /** Parameters and body after a function's name. */
  private functionRest(start: number, name?: string): Node {
    const params: Node[] = [];
    if (this.eatOp('(')) {
      while (!this.atEnd && !this.eatOp(')')) {
        const before = this.i;
        const t = this.peek();
        if (t.kind === 'name' || t.kind === 'var') {
          this.next();
          let param: Node = this.node(
            t.start,
            t.kind === 'var'
              ? { k: 'var', name: t.text, sigil: t.flavor ?? '$' }
              : { k: 'name', name: t.text },
          );
          if (this.eatOp('='))
            param = this.node(t.start, {
              k: 'assign',
              target: param,
              op: '=',
              value: this.expression(BP.ternary),
            });
          params.push(param);
        }
        if (!this.eatOp(',') && this.i === before) this.next();
      }
    } else if (this.ends) {
      while (!this.atLineEnd() && !this.isOp(';')) {
        const t = this.next();
        if (t.kind === 'name') params.push(this.node(t.start, { k: 'name', name: t.text }));
      }
    }
    const body = this.block();
    return this.node(start, {
      k: 'func',
      ...(name === undefined ? {} : { name }),
      params,
      body,
      ...(name !== undefined && refersTo(body, name.slice(name.lastIndexOf('.') + 1))
        ? { recursive: true }
        : {}),
    });
  }

  private importStatement(start: number): Node {
    this.next();
    const names: [string, string][] = [];
    let alias: string | undefined;
    while (!this.atEnd && !this.isName('from') && this.peek().kind !== 'str') {
      const t = this.next();
      if (t.kind === 'op' && t.text === '*' && this.eatName('as')) alias = this.next().text;
      else if (t.kind === 'name') {
        const as = this.eatName('as') ? this.next().text : t.text;
        if (names.length === 0 && !this.tokensBefore('{', start)) alias = as;
        else names.push([t.text, as]);
      }
    }
    this.eatName('from');
    const module = this.next().text;
    return this.node(start, { k: 'import', module, ...(alias === undefined ? {} : { alias }), names });
  }

  private tokensBefore(text: string, start: number): boolean {
    for (let j = this.i - 1; j >= 0 && (this.tokens[j]?.start ?? -1) >= start; j--)
      if (this.tokens[j]?.text === text) return true;
    return false;
  }

  // ---- expressions ------------------------------------------------------------------------------

  protected primary(token: Token): Node | undefined {
    const start = token.start;
    if (token.kind === 'name' && token.flavor === 'type') {
      this.next();
      if (this.isOp('::')) return this.node(start, { k: 'name', name: token.text });
      // A cast: `[byte[]]$x`, `[string]$y`.
      if (!this.atLineEnd() && !this.isOp(')') && !this.isOp(';')) return this.expression(BP.unary);
      return this.node(start, { k: 'name', name: token.text });
    }
    if (
      token.kind === 'name' &&
      (token.text === 'function' ||
        token.text === 'sub' ||
        (token.text === 'lambda' && this.lang === 'ruby') ||
        (token.text === 'proc' && this.lang === 'ruby'))
    ) {
      if (this.peek(1).kind === 'op' && (this.peek(1).text === '(' || this.peek(1).text === '{')) {
        this.next();
        return this.functionRest(start);
      }
      if (token.text === 'lambda' || token.text === 'proc') {
        this.next();
        if (this.isOp('{') || this.isName('do')) return this.rubyBlock();
      }
    }
    if (token.kind === 'name' && token.text === 'new' && this.lang !== 'powershell') {
      this.next();
      let callee: Node = this.isOp('(')
        ? this.prefix()
        : this.node(this.peek().start, { k: 'name', name: this.next().text });
      while (this.grammar.member.has(this.peek().text) && this.peek(1).kind === 'name') {
        this.next();
        callee = this.node(callee.start, { k: 'member', object: callee, name: this.next().text });
      }
      const args = this.eatOp('(') ? this.args(')') : [];
      return this.node(start, { k: 'new', callee, args });
    }
    if (token.kind === 'op' && token.text === '(' && this.lang === 'node' && this.arrowAhead()) {
      this.next();
      const params = this.args(')').map((arg) => arg.value);
      this.eatOp('=>');
      return this.arrowBody(start, params);
    }
    if (token.kind === 'name' && this.lang === 'node' && this.isOp('=>', 1)) {
      this.next();
      this.next();
      return this.arrowBody(start, [this.node(start, { k: 'name', name: token.text })]);
    }
    if (token.kind === 'op' && token.text === '{') {
      if (this.lang === 'powershell' || this.lang === 'awk') {
        this.next();
        const body = this.statements(
          () => this.statement(),
          (t) => t.kind === 'op' && t.text === '}',
        );
        this.eatOp('}');
        return this.node(start, { k: 'func', params: [], body });
      }
      this.next();
      return this.node(start, { k: 'map', entries: this.entries('}', new Set([':', '=>', '='])) });
    }
    if (token.kind === 'op' && token.text === '[' && this.lang === 'php') {
      // PHP's short array syntax keeps its keys: `[0 => $s, 1 => $s]`.
      this.next();
      const callee: Node = this.node(start, { k: 'name', name: 'array' });
      return this.node(start, { k: 'call', callee, args: this.args(']') });
    }
    if (token.kind === 'op' && token.text === '@{' && this.lang === 'powershell') {
      this.next();
      return this.node(start, { k: 'map', entries: this.entries('}', new Set(['='])) });
    }
    if (token.kind === 'op' && token.text === '[' && this.lang !== 'powershell') {
      this.next();
      return this.node(start, { k: 'list', items: this.items(']') });
    }
    if (token.kind === 'op' && token.text === '<' && this.lang === 'perl') {
      // `<STDIN>`, `<$s>`, `<>`: read a line.
      const inner = this.peek(1);
      const close = inner.kind === 'op' && inner.text === '>' ? 1 : this.isOp('>', 2) ? 2 : 0;
      if (close > 0) {
        this.next();
        const handle: Node = close === 2 ? this.prefixOne() : this.node(start, { k: 'name', name: 'STDIN' });
        this.eatOp('>');
        const callee: Node = this.node(start, { k: 'name', name: 'readline' });
        return this.node(start, { k: 'call', callee, args: [{ value: handle }] });
      }
    }
    if (token.kind === 'op' && token.text === '$' && this.lang === 'powershell' && this.isOp('(', 1)) {
      this.next();
      return this.expression(BP.unary);
    }
    if (
      token.kind === 'op' &&
      (token.text === '&' || token.text === '.') &&
      this.lang === 'powershell' &&
      token.space
    ) {
      // The call operator: `& $cmd args`, `& ([scriptblock]::Create($x))`.
      this.next();
      const target = this.prefixOne();
      const args = this.commandArgs();
      const callee: Node = this.node(start, { k: 'name', name: '&' });
      return this.node(start, { k: 'call', callee, args: [{ value: target }, ...args] });
    }
    if (token.kind === 'name' && !token.flavor && this.commandStarts(token)) {
      this.next();
      const callee: Node = this.node(start, { k: 'name', name: token.text });
      const args = this.commandArgs();
      return this.node(start, { k: 'call', callee, args });
    }
    if (token.kind === 'var' && token.flavor === '@' && this.lang === 'ruby') {
      this.next();
      return this.node(start, { k: 'var', name: `@${token.text}`, sigil: '@' });
    }
    return undefined;
  }

  private prefixOne(): Node {
    const token = this.peek();
    if (token.kind === 'op' && token.text === '(') return this.prefix();
    this.next();
    if (token.kind === 'var')
      return this.node(token.start, { k: 'var', name: token.text, sigil: token.flavor ?? '$' });
    if (token.kind === 'str') return this.stringNode(token);
    return this.node(token.start, { k: 'name', name: token.text });
  }

  private arrowAhead(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.tokens.length && j < this.i + 64; j++) {
      const t = this.tokens[j];
      if (t === undefined) break;
      if (t.kind !== 'op') continue;
      if (t.text === '(') depth++;
      else if (t.text === ')') {
        depth--;
        if (depth === 0) return this.tokens[j + 1]?.text === '=>';
      }
    }
    return false;
  }

  private arrowBody(start: number, params: Node[]): Node {
    if (this.isOp('{')) {
      this.next();
      const body = this.statements(
        () => this.statement(),
        (t) => t.kind === 'op' && t.text === '}',
      );
      this.eatOp('}');
      return this.node(start, { k: 'func', params, body });
    }
    const value = this.expression(BP.ternary);
    return this.node(start, { k: 'func', params, body: [this.node(value.start, { k: 'return', value })] });
  }

  /** PowerShell: a command name at a command position (not followed by `(`, `.`, `=` or `::`). */
  private commandStarts(token: Token): boolean {
    if (this.lang !== 'powershell') return false;
    const next = this.peek(1);
    if (next.kind === 'op' && ['(', '.', '=', '::', '[', '+='].includes(next.text) && !next.space)
      return false;
    if (next.kind === 'op' && next.text === '=') return false;
    return ![
      'if',
      'while',
      'foreach',
      'for',
      'return',
      'function',
      'else',
      'try',
      'catch',
      'param',
      'do',
      'until',
      'switch',
      'trap',
      'in',
    ].includes(token.text.toLowerCase());
  }

  /** PowerShell command arguments: `-Name value`, `-Switch`, values separated by spaces. */
  private commandArgs(): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'nl' || t.kind === 'eof') return args;
      if (
        t.kind === 'op' &&
        [';', '|', ')', '}', ']', '2>&1', '*>&1', '>', '2>', '>>', '||', '&&', ','].includes(t.text)
      ) {
        if (t.text === '2>' || t.text === '>' || t.text === '>>') {
          this.next();
          if (!this.atLineEnd()) this.prefixOne();
          continue;
        }
        if (t.text === '2>&1' || t.text === '*>&1' || t.text === ',') {
          this.next();
          continue;
        }
        return args;
      }
      if (t.kind === 'op' && t.flavor === 'param') {
        this.next();
        const key: Node = this.node(t.start, { k: 'str', parts: [t.text.slice(1)] });
        const v = this.peek();
        const isValue = !(
          v.kind === 'nl' ||
          v.kind === 'eof' ||
          (v.kind === 'op' && (v.flavor === 'param' || [';', '|', ')', '}'].includes(v.text)))
        );
        if (isValue) args.push({ key, value: this.commandValue() });
        else args.push({ key, value: this.node(t.start, { k: 'num', value: 1, text: 'true' }) });
        continue;
      }
      const before = this.i;
      args.push({ value: this.commandValue() });
      if (this.i === before) {
        this.next();
        return args;
      }
    }
  }

  private commandValue(): Node {
    const t = this.peek();
    if ((t.kind === 'name' && !t.flavor) || (t.kind === 'str' && t.flavor === 'bare')) {
      this.next();
      const word: Node = this.node(t.start, { k: 'str', parts: [t.text] });
      // `New-Object Net.Sockets.TCPClient('h', 4444)`: the type and its constructor's arguments.
      if (this.isOp('(') && !this.peek().space) {
        this.next();
        const args = this.args(')');
        return this.node(t.start, { k: 'list', items: [word, ...args.map((arg) => arg.value)] });
      }
      return word;
    }
    return this.expression(BP.compare);
  }

  protected override postfix(left: Node): Node | undefined {
    const token = this.peek();
    // Ruby and Perl calls without parentheses: `exec "sh"`, `system 'id'`, `s.puts x`, `print $s "x"`.
    if (this.parenlessAt(left, token)) {
      const args: Arg[] = [];
      if (
        this.lang === 'perl' &&
        left.k === 'name' &&
        (left.name === 'print' || left.name === 'printf' || left.name === 'say')
      ) {
        // `print $fh LIST` / `print {$fh} LIST`: a filehandle before the list, no comma.
        const t = this.peek();
        const n = this.peek(1);
        if (
          (t.kind === 'var' || t.kind === 'name') &&
          n.kind !== 'op' &&
          n.kind !== 'nl' &&
          n.kind !== 'eof' &&
          n.space
        ) {
          this.next();
          const handle: Node =
            t.kind === 'var'
              ? this.node(t.start, { k: 'var', name: t.text, sigil: '$' })
              : this.node(t.start, { k: 'name', name: t.text });
          const rest = this.bareArgs();
          const member: Node = this.node(left.start, { k: 'member', object: handle, name: 'print' });
          return this.node(left.start, { k: 'call', callee: member, args: rest });
        }
      }
      args.push(...this.bareArgs());
      const block =
        this.lang === 'ruby' && (this.isOp('{') || this.isName('do')) ? this.rubyBlock() : undefined;
      return this.node(left.start, {
        k: 'call',
        callee: left,
        args,
        ...(block === undefined ? {} : { block }),
      });
    }
    if (
      this.lang === 'ruby' &&
      ((token.kind === 'op' && token.text === '{') || (token.kind === 'name' && token.text === 'do')) &&
      (left.k === 'call' || left.k === 'member' || left.k === 'name')
    ) {
      const block = this.rubyBlock();
      if (left.k === 'call') return { ...left, block };
      return this.node(left.start, { k: 'call', callee: left, args: [], block });
    }
    if (
      this.lang === 'lua' &&
      (token.kind === 'str' || (token.kind === 'op' && token.text === '{')) &&
      (left.k === 'name' || left.k === 'member')
    ) {
      // `require "socket"`, `os.execute "id"`, `f{...}`.
      const value = this.prefix();
      return this.node(left.start, { k: 'call', callee: left, args: [{ value }] });
    }
    if (
      this.lang === 'perl' &&
      token.kind === 'op' &&
      token.text === '{' &&
      !token.space &&
      left.k === 'var'
    ) {
      // `$h{key}`, `$ENV{HOME}`: a hash element.
      this.next();
      const key =
        this.peek().kind === 'name' && this.isOp('}', 1)
          ? this.literalKey(this.prefixOne())
          : this.expression();
      this.eatOp('}');
      const hash: Node = { ...left, sigil: '%' };
      return this.node(left.start, { k: 'index', object: hash, index: key });
    }
    if (
      this.lang === 'powershell' &&
      token.kind === 'op' &&
      token.text === '(' &&
      !token.space &&
      left.k === 'member'
    ) {
      return super.postfix(left);
    }
    if (
      token.kind === 'op' &&
      token.text === '(' &&
      token.space &&
      (this.lang === 'powershell' || this.lang === 'awk')
    )
      return undefined;
    const after = super.postfix(left);
    if (after?.k === 'member' && this.callsWithoutParens(after)) {
      return this.node(after.start, { k: 'call', callee: after, args: [] });
    }
    return after;
  }

  /** Ruby's `io.read` and Perl's `$c->recv` call the method; a constant (`Net::HTTP`) does not. */
  private callsWithoutParens(member: Extract<Node, { k: 'member' }>): boolean {
    if (this.isOp('(') && !this.peek().space) return false;
    if (this.lang === 'perl') return true;
    if (this.lang !== 'ruby') return false;
    if (!/^[a-z_]/.test(member.name)) return false;
    // `s.puts x` reads its arguments itself; `x.y = 1` is an attribute.
    const next = this.peek();
    return (
      !(next.kind === 'op' && (next.text === '=' || next.text === '+=')) && !this.parenlessAt(member, next)
    );
  }

  private parenlessAt(left: Node, token: Token): boolean {
    if (this.lang === 'php')
      return (
        left.k === 'name' &&
        PHP_PARENLESS.has(left.name) &&
        (token.kind === 'str' || token.kind === 'var' || token.kind === 'num')
      );
    if (
      this.lang !== 'perl' &&
      this.lang !== 'ruby' &&
      !(
        this.lang === 'awk' &&
        left.k === 'name' &&
        (left.name === 'print' || left.name === 'printf' || left.name === 'getline')
      )
    )
      return false;
    if (left.k !== 'name' && !(this.lang === 'ruby' && left.k === 'member')) return false;
    if (!token.space && !(this.lang === 'perl' && token.kind === 'var')) return false;
    if (this.lang === 'awk' && left.k === 'name' && left.name === 'getline')
      return token.kind === 'var' || token.kind === 'name';
    if (token.kind === 'str' || token.kind === 'num' || token.kind === 'var')
      return !(token.kind === 'str' && token.flavor === 'regex' && this.lang === 'perl');
    if (token.kind === 'name')
      return (
        !NOT_ARGUMENT.has(token.text) &&
        !this.grammar.binary.has(token.text) &&
        !(this.lang === 'ruby' && token.text === 'do')
      );
    if (token.kind === 'op' && (token.text === '(' || token.text === '['))
      return this.lang === 'ruby' && token.text === '[' ? false : this.lang === 'perl' ? false : false;
    if (token.kind === 'op' && (token.text === '\\' || token.text === '@' || token.text === '$#'))
      return this.lang === 'perl';
    return false;
  }

  /** Comma-separated arguments to the end of the statement. */
  private bareArgs(): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      const t = this.peek();
      if (
        t.kind === 'nl' ||
        t.kind === 'eof' ||
        (t.kind === 'op' && [';', ')', '}', ']', '|', '|&', '>', '>>'].includes(t.text))
      )
        return args;
      if (
        t.kind === 'name' &&
        (t.text === 'if' ||
          t.text === 'unless' ||
          t.text === 'do' ||
          t.text === 'or' ||
          t.text === 'and' ||
          t.text === 'while' ||
          t.text === 'until')
      )
        return args;
      if (this.lang === 'ruby' && t.kind === 'op' && t.text === '{') return args;
      const before = this.i;
      args.push(this.arg());
      if (this.i === before) return args;
      if (!this.eatOp(',') && !this.eatOp('=>')) return args;
    }
  }

  /** Ruby's `{ |x| … }` or `do |x| … end` as a function. */
  private rubyBlock(): Node {
    const start = this.peek().start;
    const brace = this.eatOp('{');
    if (!brace) this.eatName('do');
    const params: Node[] = [];
    if (this.eatOp('|')) {
      while (!this.atEnd && !this.eatOp('|')) {
        const t = this.next();
        if (t.kind === 'name') params.push(this.node(t.start, { k: 'name', name: t.text }));
      }
    }
    const body = this.statements(
      () => this.statement(),
      (t) => (brace ? t.kind === 'op' && t.text === '}' : t.kind === 'name' && t.text === 'end'),
    );
    if (brace) this.eatOp('}');
    else this.eatName('end');
    return this.node(start, { k: 'func', params, body });
  }

  protected override entryKey(): Node {
    const token = this.peek();
    const sep = this.peek(1);
    if (
      (token.kind === 'name' || token.kind === 'str') &&
      sep.kind === 'op' &&
      (sep.text === '=' || sep.text === ':' || sep.text === '=>')
    ) {
      this.next();
      return token.kind === 'str'
        ? this.stringNode(token)
        : this.node(token.start, { k: 'str', parts: [token.text] });
    }
    return super.entryKey();
  }

  protected override keyword(): Node | undefined {
    const token = this.peek();
    const next = this.peek(1);
    if (
      (token.kind === 'name' || token.kind === 'str') &&
      next.kind === 'op' &&
      next.text === ':' &&
      (this.lang === 'ruby' || this.lang === 'php')
    ) {
      this.next();
      this.next();
      return this.node(token.start, { k: 'str', parts: [token.text] });
    }
    if (token.kind === 'str' && token.flavor === 'symbol' && next.kind === 'op' && next.text === '=>') {
      this.next();
      this.next();
      return this.node(token.start, { k: 'str', parts: [token.text] });
    }
    if (token.kind === 'op' && token.flavor === 'param' && this.lang === 'powershell') {
      this.next();
      return this.node(token.start, { k: 'str', parts: [token.text.slice(1)] });
    }
    return undefined;
  }

  protected override callsAt(left: Node, token: Token): boolean {
    if (this.lang === 'powershell' || this.lang === 'awk') return !token.space || left.k === 'member';
    return true;
  }

  protected snippet(code: string): Node {
    const tokens = tokenizeScript(this.lang, code, this.context, this.limits);
    const parser = new ScriptParser(this.lang, tokens, code, this.limits, this.context);
    parser.depth = this.depth;
    return parser.expression();
  }
}

export function parseScript(
  lang: ScriptLanguage,
  code: string,
  context: CodeContext,
  limits: string[],
): Node[] {
  const tokens = tokenizeScript(lang, code, context, limits);
  return new ScriptParser(lang, tokens, code, limits, context).program();
}
