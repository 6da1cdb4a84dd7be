/**
 * A light symbolic interpreter over the language-neutral tree: it runs the code once, with values
 * known as far as literals, concatenation, formatting and decoding make them known, and turns the
 * library calls it meets into actions.
 *
 * What it follows: name bindings and aliases (imports, `x = os.system`, destructuring, functions and
 * their parameters), library paths (`s.connect` where `s = socket.socket()`), dynamic names
 * (`getattr(os, 'sys'+'tem')`, `globals()['…']`, PHP's `$f()`), the data flow of sockets, fetched
 * bodies, files, environment variables and process output through variables, concatenation and
 * unknown calls (an unknown transform of fetched data is still fetched data), and loops (actions
 * inside a loop, a comprehension, an iterating method or a recursive function get `loop: true`;
 * variables assigned in a loop body are no longer exact). Loops over a short known list run once
 * per item, so `for fd in (0, 1, 2): os.dup2(s.fileno(), fd)` joins all three streams.
 *
 * What bounds it: every node evaluated costs one unit of the shared budget; a function body runs at
 * most `MAX_RUNS` times; calls nest at most `MAX_CALLS` deep; evaluated code nests at most
 * `MAX_EVALS` deep. It never throws: the entry point turns an internal error into a limit.
 */
import type {
  Action,
  CodeContext,
  ConnectAction,
  FetchAction,
  Language,
  RunAction,
  StdioAction,
  WriteAction,
} from '../action.js';
import { credentialOfPath } from '../credential.js';
import { BUDGET_LIMIT } from './token.js';
import { textOf, type Node } from './tree.js';
import {
  EMPTY,
  api,
  concat,
  derive,
  itemsOf,
  list,
  mergeOrigins,
  num,
  numberOf,
  str,
  toValue,
  unknown,
  varying,
  withOrigin,
  type Closure,
  type Scope,
  type Term,
} from './term.js';
import { formatBraces, formatPrintf } from './decoder.js';
import { objectMethod, valueMethod } from './library.js';

export type CodeLanguage = Exclude<Language, 'shell'>;

/** Most times one function body is run (calls beyond read the result as unknown). */
const MAX_RUNS = 3;
/** Deepest chain of user-function calls. */
const MAX_CALLS = 8;
/** Deepest chain of code evaluated from strings (`exec(b64decode(…))` inside `eval(…)`…). */
const MAX_EVALS = 4;
/** Longest known list a loop runs item by item. */
const MAX_UNROLL = 8;
/** Longest detail text of an action. */
const MAX_DETAIL = 160;

export interface Call {
  readonly it: Interpreter;
  readonly node: Node;
  /** Library path or method name called. */
  readonly path: string;
  readonly self?: Term;
  readonly args: readonly Term[];
  readonly named: ReadonlyMap<string, Term>;
  /** The argument nodes, positional, for out-parameters (`recv_into(buf)`, `$stream.Read($bytes…)`). */
  readonly argNodes: readonly Node[];
  /** Functions passed (arguments and a block); a handler that calls them itself marks them `used`. */
  readonly callbacks: Term[];
  used: boolean;
}

export type Handler = (call: Call) => Term | undefined;

export interface Dialect {
  readonly language: CodeLanguage;
  parse(code: string, context: CodeContext, limits: string[]): Node[];
  /** A library path in its one spelling (`posix.system` → `os.system`, case folded where the language ignores case). */
  canonical(path: string): string;
  /** What calling a library path does, when the library knows it. */
  library(path: string): Handler | undefined;
  /** The value of a library path read without a call (`os.environ`, `sys.stdin`, `process.env`). */
  attribute?(path: string, it: Interpreter, node: Node): Term | undefined;
  /** Methods of this language's values beyond the shared ones (by lower-case name). */
  method?(name: string): Handler | undefined;
  /** The value of a bare name no code bound (default: the library path of that name). */
  global?(name: string, it: Interpreter, node: Node): Term | undefined;
  /** The value of a sigilled variable no code bound (`$ENV`, `%ENV`, `@ARGV`, `$_SERVER`). */
  variable?(name: string, sigil: string, it: Interpreter, node: Node): Term | undefined;
  /** Binary operator meaning for this language when it differs from the shared one. */
  binary?(op: string, left: Term, right: Term, it: Interpreter, node: Node): Term | undefined;
  /** A string can be called as the function it names (PHP `$f($x)`, `('sys'.'tem')($x)`). */
  readonly callsStrings?: boolean;
  /** Method names that iterate and run their block or callback per item (`each`, `forEach`). */
  readonly iterating?: ReadonlySet<string>;
}

const ITERATING = new Set([
  'each',
  'each_line',
  'each_with_index',
  'foreach',
  'map',
  'flatmap',
  'collect',
  'select',
  'filter',
  'reject',
  'times',
  'upto',
  'downto',
  'step',
  'loop',
  'every',
  'some',
  'reduce',
  'setinterval',
  'foreach-object',
  '%',
]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableAction = Mutable<Action>;

interface SocketState {
  /** Its latest connect or listen action. */
  action?: number;
  protocol: ConnectAction['protocol'];
  url: string;
  readonly fd: number;
  bound?: Term;
  listening?: boolean;
}

interface Frame {
  returned?: Term;
  last?: Term;
}

const RELAY_METHODS = new Set(['send', 'sendall', 'write', 'print', 'puts', 'printf', 'syswrite', 'end']);

export class Interpreter {
  readonly actions: MutableAction[] = [];
  readonly limits: string[] = [];
  readonly obfuscation: string[] = [];
  readonly global: Scope = { vars: new Map() };
  private scope: Scope = this.global;
  private loops = 0;
  private calls = 0;
  private evals = 0;
  private current: Node | undefined;
  private frame: Frame = {};
  private readonly sockets: SocketState[] = [];
  private readonly files = new Map<string, Term>();
  /** The code's own standard streams joined to a socket: fd → socket id. */
  private readonly joined = new Map<number, number>();
  private readonly runs = new Map<Node, number>();
  private readonly uncalled = new Set<Closure>();
  /** Library paths imported whole (`from os import *`, `use LWP::Simple`): bare names may come from them. */
  readonly wildcards: string[] = [];
  private stopped = false;

  constructor(
    readonly dialect: Dialect,
    readonly context: CodeContext,
  ) {}

  get language(): CodeLanguage {
    return this.dialect.language;
  }

  get inLoop(): boolean {
    return this.loops > 0;
  }

  /** Parses and runs `code`, then the functions nothing called (callbacks a library would call). */
  runProgram(code: string): void {
    const body = this.dialect.parse(code, this.context, this.limits);
    this.exec(body);
    let rounds = 0;
    while (this.uncalled.size > 0 && rounds++ < 64 && !this.stopped) {
      const [closure] = this.uncalled;
      if (closure === undefined) break;
      this.uncalled.delete(closure);
      this.invoke(closure, [], new Map(), closure.node);
    }
  }

  // ---- budget and signs -------------------------------------------------------------------------

  private spend(): boolean {
    if (this.stopped) return false;
    if (this.context.budget.left <= 0) {
      this.stopped = true;
      if (!this.limits.includes(BUDGET_LIMIT)) this.limits.push(BUDGET_LIMIT);
      return false;
    }
    this.context.budget.left--;
    return true;
  }

  limit(text: string): void {
    if (!this.limits.includes(text)) this.limits.push(text);
  }

  /** Records a sign of obfuscation (once per text). */
  sign(text: string): void {
    const cut = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    if (!this.obfuscation.includes(cut) && this.obfuscation.length < 32) this.obfuscation.push(cut);
  }

  /** Records a sign when a name was computed or decoded at run time. */
  signName(term: Term, what: string): void {
    if (term.hidden !== undefined) this.sign(`${what} built by ${term.hidden} at run time: ${term.text}`);
    else if (!term.exact) this.sign(`${what} not known before run time: ${term.text}`);
  }

  // ---- scopes -----------------------------------------------------------------------------------

  lookup(name: string): Term | undefined {
    for (let scope: Scope | undefined = this.scope; scope !== undefined; scope = scope.parent) {
      const term = scope.vars.get(name);
      if (term !== undefined) return term;
    }
    return undefined;
  }

  /** Binds `name` where it is already bound (an outer variable a callback updates), else here. */
  bind(name: string, term: Term): void {
    for (let scope: Scope | undefined = this.scope; scope !== undefined; scope = scope.parent) {
      if (scope.vars.has(name)) {
        scope.vars.set(name, term);
        return;
      }
    }
    this.scope.vars.set(name, term);
  }

  bindHere(name: string, term: Term): void {
    this.scope.vars.set(name, term);
  }

  // ---- statements -------------------------------------------------------------------------------

  exec(body: readonly Node[]): void {
    for (const node of body) {
      if (this.stopped) return;
      this.frame.last = this.statement(node);
    }
  }

  private statement(node: Node): Term {
    switch (node.k) {
      case 'def': {
        const closure: Closure = { node: node.func as Extract<Node, { k: 'func' }>, scope: this.scope };
        this.bind(node.name, { text: node.name, exact: true, origins: [], func: closure });
        this.uncalled.add(closure);
        return EMPTY;
      }
      case 'import':
        this.importModule(node);
        return EMPTY;
      case 'loop':
        this.loop(node);
        return EMPTY;
      case 'block':
        this.exec(node.body);
        return EMPTY;
      case 'return': {
        const value = node.value === undefined ? EMPTY : this.eval(node.value);
        this.frame.returned = value;
        return value;
      }
      default:
        return this.eval(node);
    }
  }

  private importModule(node: Extract<Node, { k: 'import' }>): void {
    const module = this.dialect.canonical(node.module);
    if (node.alias !== undefined) this.bind(node.alias, api(module));
    for (const [name, as] of node.names) {
      if (name === '*') this.wildcards.push(module);
      else this.bind(as, this.memberOf(api(module), name, node));
    }
  }

  private loop(node: Extract<Node, { k: 'loop' }>): void {
    const iter = node.iter === undefined ? undefined : this.eval(node.iter);
    this.loops++;
    try {
      this.markVarying(node.body);
      if (node.test !== undefined) this.markVarying([node.test]);
      const items = iter?.items;
      if (
        node.target !== undefined &&
        items !== undefined &&
        items.length <= MAX_UNROLL &&
        iter?.exact === true
      ) {
        for (const item of items) {
          if (this.stopped) return;
          this.assign(node.target, item, node);
          if (node.test !== undefined) this.eval(node.test);
          this.exec(node.body);
        }
        return;
      }
      if (node.target !== undefined) {
        this.assign(
          node.target,
          iter === undefined ? unknown(textOf(node.target)) : this.element(iter, node.target),
          node,
        );
      }
      if (node.test !== undefined) this.eval(node.test);
      this.exec(node.body);
    } finally {
      this.loops--;
    }
  }

  /** One element of an iterated value whose items are not all known: inexact, with its origins. */
  private element(iter: Term, target: Node): Term {
    if (iter.obj?.t === 'socket' || iter.socket !== undefined || iter.obj?.t === 'stdio') {
      return this.readFrom(iter, target);
    }
    const items = iter.items ?? [];
    const first = items[0];
    if (first !== undefined && items.every((item) => item.obj === undefined && item.api === undefined)) {
      return derive(textOf(target), false, [iter]);
    }
    if (first !== undefined) return varying(first);
    return derive(textOf(target), false, [iter]);
  }

  /** Variables a loop body assigns change between iterations: no longer exact. */
  private markVarying(body: readonly Node[]): void {
    const stack: Node[] = [...body];
    let seen = 0;
    while (stack.length > 0 && seen++ < 10_000) {
      const node = stack.pop();
      if (node === undefined) break;
      if (node.k === 'assign') {
        const name = nameOf(node.target);
        if (name !== undefined) {
          const term = this.lookup(name);
          if (term !== undefined && node.op !== '=') this.bind(name, varying(term));
        }
        stack.push(node.value);
      } else if (node.k === 'unary' && (node.op === '++' || node.op === '--' || node.op === 'post++')) {
        const name = nameOf(node.operand);
        const term = name === undefined ? undefined : this.lookup(name);
        if (name !== undefined && term !== undefined) this.bind(name, varying(term));
      } else if (node.k === 'block' || node.k === 'loop') {
        stack.push(...node.body);
        if (node.k === 'loop' && node.test !== undefined) stack.push(node.test);
      } else if (node.k === 'binary') {
        stack.push(node.left, node.right);
      } else if (node.k === 'call') {
        for (const arg of node.args) stack.push(arg.value);
      }
    }
  }

  // ---- expressions ------------------------------------------------------------------------------

  eval(node: Node): Term {
    if (!this.spend()) return unknown(textOf(node));
    const outer = this.current;
    this.current = node;
    try {
      return this.evalNode(node);
    } finally {
      this.current = outer;
    }
  }

  private evalNode(node: Node): Term {
    switch (node.k) {
      case 'str':
        return this.string(node);
      case 'num':
        return num(node.value);
      case 'name':
        return this.lookup(node.name) ?? this.globalName(node.name, node);
      case 'var':
        return (
          this.lookup(node.name) ??
          this.dialect.variable?.(node.name, node.sigil, this, node) ??
          unknown(textOf(node))
        );
      case 'member':
        return this.memberOf(this.eval(node.object), node.name, node);
      case 'index':
        return this.indexOf(this.eval(node.object), this.eval(node.index), node);
      case 'slice':
        return this.slice(node);
      case 'call':
        return this.call(node);
      case 'new':
        return this.construct(node);
      case 'binary':
        return this.binary(node);
      case 'unary':
        return this.unary(node);
      case 'list': {
        const items: Term[] = [];
        for (const item of node.items) {
          const term = this.eval(item);
          items.push(term);
        }
        return list(items);
      }
      case 'map': {
        const keys = new Map<string, Term>();
        for (const [key, value] of node.entries) {
          const k = this.eval(key);
          const v = key === value ? k : this.eval(value);
          if (k.text === '...' && v.keys !== undefined) for (const [a, b] of v.keys) keys.set(a, b);
          else keys.set(k.text, v);
        }
        return { text: textOf(node), exact: false, origins: [], keys };
      }
      case 'func': {
        const closure: Closure = { node, scope: this.scope };
        this.uncalled.add(closure);
        return { text: textOf(node, 60), exact: false, origins: [], func: closure };
      }
      case 'cond': {
        this.eval(node.test);
        const then = this.eval(node.then);
        const otherwise = this.eval(node.otherwise);
        if (then.obj !== undefined || then.api !== undefined || then.func !== undefined) return then;
        if (otherwise.obj !== undefined || otherwise.func !== undefined) return otherwise;
        if (then.text === otherwise.text && then.exact && otherwise.exact) return then;
        return derive(then.text, false, [then, otherwise]);
      }
      case 'assign': {
        const value = this.assignValue(node);
        this.assign(node.target, value, node);
        return value;
      }
      case 'shell':
        return this.run(node, { shell: this.eval(node.command) });
      case 'comp':
        return this.comprehension(node);
      case 'loop':
      case 'block':
      case 'def':
      case 'import':
      case 'return':
        return this.statement(node);
      case 'unknown':
        return unknown(textOf(node));
    }
  }

  private globalName(name: string, node: Node): Term {
    const own = this.dialect.global?.(name, this, node);
    if (own !== undefined) return own;
    for (const module of this.wildcards) {
      const path = this.dialect.canonical(`${module}.${name}`);
      if (this.dialect.library(path) !== undefined) return api(path);
    }
    return api(this.dialect.canonical(name));
  }

  private string(node: Extract<Node, { k: 'str' }>): Term {
    const parts: Term[] = [];
    for (const part of node.parts) parts.push(typeof part === 'string' ? str(part) : this.eval(part));
    let term = parts.length === 0 ? str('') : parts.length === 1 ? (parts[0] ?? str('')) : concat(parts);
    if (parts.length > 1 && term.hidden === 'concatenation') term = { ...term, hidden: undefined };
    switch (node.flavor) {
      case 'shell':
        return this.run(node, { shell: term });
      case 'words':
        return list(
          term.text
            .split(/\s+/)
            .filter((word) => word !== '')
            .map((word) => str(word)),
        );
      default:
        return term;
    }
  }

  private slice(node: Extract<Node, { k: 'slice' }>): Term {
    const object = this.eval(node.object);
    const from = node.from === undefined ? undefined : numberOf(this.eval(node.from));
    const to = node.to === undefined ? undefined : numberOf(this.eval(node.to));
    const step = node.step === undefined ? 1 : numberOf(this.eval(node.step));
    if (step === -1 && from === undefined && to === undefined) return this.reversed(object);
    if (
      step !== 1 ||
      (node.from !== undefined && from === undefined) ||
      (node.to !== undefined && to === undefined)
    ) {
      return derive(textOf(node), false, [object]);
    }
    if (object.items !== undefined) return { ...list(object.items.slice(from, to)), exact: object.exact };
    return derive(object.text.slice(from, to), object.exact, [object]);
  }

  /** A reversed string or list; reversal hides a name from a reader. */
  reversed(term: Term): Term {
    if (term.items !== undefined) return list([...term.items].reverse(), term.exact);
    return derive(Array.from(term.text).reverse().join(''), term.exact, [term], 'reversal');
  }

  private comprehension(node: Extract<Node, { k: 'comp' }>): Term {
    const iter = this.eval(node.iter);
    this.loops++;
    try {
      const items = iter.items;
      if (items !== undefined && items.length <= MAX_UNROLL * 8 && iter.exact) {
        const out: Term[] = [];
        for (const item of items) {
          if (this.stopped) break;
          this.assign(node.target, item, node);
          out.push(this.eval(node.expr));
        }
        return list(out);
      }
      this.assign(node.target, this.element(iter, node.target), node);
      const one = this.eval(node.expr);
      return { ...list([one], false), text: one.text };
    } finally {
      this.loops--;
    }
  }

  private assignValue(node: Extract<Node, { k: 'assign' }>): Term {
    const value = this.eval(node.value);
    if (node.op === '=' || node.op === ':=') return value;
    const old = this.eval(node.target);
    switch (node.op) {
      case '.=':
      case '..=':
        return concat([old, value]);
      case '||=':
      case '//=':
      case '??=':
        return old.exact && old.text !== '' ? old : value;
      default:
        return this.combine(node.op.slice(0, -1), old, value, node);
    }
  }

  /** Binds a value to an assignment target: a name, a tuple or list, a destructuring map, a member. */
  assign(target: Node, value: Term, node: Node): void {
    switch (target.k) {
      case 'name':
      case 'var':
        this.bind(target.name, value);
        return;
      case 'list': {
        const items = value.items;
        target.items.forEach((item, i) => {
          if (item.k === 'unary' && (item.op === '*' || item.op === '...')) {
            this.assign(item.operand, list(items?.slice(i) ?? [value], value.exact), node);
            return;
          }
          const part = items?.[i] ?? (value.obj !== undefined ? value : derive(textOf(item), false, [value]));
          this.assign(item, part, node);
        });
        return;
      }
      case 'map':
        for (const [key, as] of target.entries) {
          const first = key.k === 'str' ? key.parts[0] : undefined;
          const name = typeof first === 'string' ? first : key.k === 'name' ? key.name : undefined;
          if (name === undefined) continue;
          const bound = as.k === 'assign' ? as.target : as;
          this.assign(bound, this.memberOf(value, name, node), node);
        }
        return;
      case 'assign':
        // A parameter or destructuring default: `{a = 1}`, `x=None`.
        this.assign(target.target, value, node);
        return;
      case 'unary':
        // Declarations and references as targets: `my $x`, `local x`, `*x`, `\$x`.
        this.assign(target.operand, value, node);
        return;
      case 'index':
      case 'member': {
        const owner = nameOf(target.object);
        const object = owner === undefined ? undefined : this.lookup(owner);
        if (owner === undefined || object?.keys === undefined) return;
        const key = target.k === 'member' ? target.name : this.eval(target.index).text;
        const keys = new Map(object.keys);
        keys.set(key, value);
        this.bind(owner, { ...object, keys });
        return;
      }
      default:
        return;
    }
  }

  // ---- members and indexing ---------------------------------------------------------------------

  /** `self.name`: a library path, a map key, an object attribute, or a method to call. */
  memberOf(self: Term, name: string, node: Node): Term {
    let value: Term;
    if (self.api !== undefined) {
      const path = this.dialect.canonical(`${self.api}.${name}`);
      value = this.dialect.attribute?.(path, this, node) ?? { ...api(path), origins: self.origins };
      if (self.hidden !== undefined && value.hidden === undefined) value = { ...value, hidden: self.hidden };
      return value;
    }
    const key = self.keys?.get(name);
    if (key !== undefined) return key;
    if (self.obj !== undefined) {
      value = objectAttribute(self, name, this, node) ?? derive(textOf(node), false, [self]);
    } else if (name === 'length' || name === 'size' || name === 'Length' || name === 'Count') {
      value = self.items !== undefined ? num(self.items.length) : num(self.text.length);
    } else {
      value = derive(textOf(node), false, [self]);
      if (self.output !== undefined) value = { ...value, output: self.output };
    }
    return { ...value, bound: { self, name } };
  }

  /** `self[key]`: a list item, a map value, an environment variable, a character, a library member. */
  indexOf(self: Term, key: Term, node: Node): Term {
    if (self.obj?.t === 'stdio' || self.obj?.t === 'socket') return self;
    const special = self.obj === undefined ? undefined : indexObject(self, key, this);
    if (special !== undefined) return special;
    if (self.api !== undefined) {
      this.signName(key, 'name');
      const member = this.memberOf(self, key.text, node);
      return key.hidden !== undefined ? { ...member, hidden: key.hidden } : member;
    }
    const n = numberOf(key);
    if (self.items !== undefined) {
      if (n !== undefined) {
        const item = self.items[n < 0 ? self.items.length + n : n];
        if (item !== undefined) return self.exact ? item : varying(item);
      }
      return derive(textOf(node), false, [self]);
    }
    if (self.keys !== undefined) {
      const value = self.keys.get(key.text);
      if (value !== undefined) return value;
      if (key.exact) return derive(textOf(node), false, [self]);
    }
    if (n !== undefined && self.exact && self.keys === undefined && self.func === undefined) {
      const c = self.text[n < 0 ? self.text.length + n : n];
      if (c !== undefined) return str(c);
    }
    return derive(textOf(node), false, [self, key]);
  }

  // ---- calls ------------------------------------------------------------------------------------

  private call(node: Extract<Node, { k: 'call' }>): Term {
    const callee = node.callee;
    let fn: Term;
    if (callee.k === 'member') {
      fn = this.memberOf(this.eval(callee.object), callee.name, callee);
      const owner = nameOf(callee.object);
      if (owner !== undefined && fn.bound !== undefined && ADDING.has(callee.name.toLowerCase()))
        fn = { ...fn, bound: { ...fn.bound, owner } };
    } else {
      fn = this.eval(callee);
    }
    return this.apply(fn, node.args, node, node.block);
  }

  private construct(node: Extract<Node, { k: 'new' }>): Term {
    const fn = this.eval(node.callee);
    return this.apply(fn, node.args, node, undefined);
  }

  /** Evaluates arguments and calls `fn` with them. */
  private apply(
    fn: Term,
    argNodes: Extract<Node, { k: 'call' }>['args'],
    node: Node,
    block: Node | undefined,
  ): Term {
    const args: Term[] = [];
    const positional: Node[] = [];
    const named = new Map<string, Term>();
    const callbacks: Term[] = [];
    for (const arg of argNodes) {
      const value = this.eval(arg.value);
      if (value.func !== undefined) callbacks.push(value);
      if (arg.key !== undefined) {
        const key = this.eval(arg.key);
        for (const k of key.items ?? [key]) named.set(k.text, value);
        continue;
      }
      if (arg.spread === true && value.items !== undefined) {
        args.push(...value.items);
        for (const _ of value.items) positional.push(arg.value);
      } else if (arg.spread === true && value.keys !== undefined && arg.value.k !== 'list') {
        for (const [k, v] of value.keys) named.set(k, v);
      } else {
        args.push(value);
        positional.push(arg.value);
      }
    }
    if (block !== undefined) {
      const value = this.eval(block);
      if (value.func !== undefined) callbacks.push(value);
    }
    return this.invokeTerm(fn, { args, named, argNodes: positional, callbacks, node });
  }

  /** Calls a value as a function with evaluated arguments. */
  invokeTerm(
    fn: Term,
    parts: {
      args: readonly Term[];
      named?: ReadonlyMap<string, Term>;
      argNodes?: readonly Node[];
      callbacks?: Term[];
      node: Node;
    },
  ): Term {
    const named = parts.named ?? new Map<string, Term>();
    if (fn.func !== undefined) return this.invoke(fn.func, parts.args, named, parts.node);
    const callbacks = parts.callbacks ?? parts.args.filter((arg) => arg.func !== undefined);
    const argNodes = parts.argNodes ?? [];
    let call: Call;
    let handler: Handler | undefined;
    let iterating = false;
    if (fn.bound !== undefined && fn.bound.self.api === undefined) {
      const self = fn.bound.self;
      const method = fn.bound.name;
      const lower = method.toLowerCase();
      call = {
        it: this,
        node: parts.node,
        args: parts.args,
        named,
        argNodes,
        callbacks,
        path: method,
        self,
        used: false,
      };
      iterating = (this.dialect.iterating ?? ITERATING).has(lower);
      const own = self.keys?.get(method);
      if (own?.func !== undefined) return this.invoke(own.func, parts.args, named, parts.node);
      handler =
        (self.obj === undefined ? undefined : objectMethod(self.obj.t, lower)) ??
        this.dialect.method?.(lower) ??
        valueMethod(lower);
    } else if (fn.api !== undefined) {
      const path = fn.api;
      if (fn.hidden !== undefined) this.signName(fn, 'name');
      call = { it: this, node: parts.node, args: parts.args, named, argNodes, callbacks, path, used: false };
      handler = this.dialect.library(path);
      if (handler === undefined && path.endsWith('.new')) handler = this.dialect.library(path.slice(0, -4));
      if (handler === undefined) handler = fallback(path);
    } else if (
      this.dialect.callsStrings === true &&
      fn.obj === undefined &&
      fn.items === undefined &&
      fn.text !== ''
    ) {
      this.signName(fn, 'function name');
      return this.invokeTerm(api(this.dialect.canonical(fn.text)), parts);
    } else {
      call = {
        it: this,
        node: parts.node,
        args: parts.args,
        named,
        argNodes,
        callbacks,
        path: fn.text,
        used: false,
      };
    }
    const owner = fn.bound?.owner;
    if (owner !== undefined && fn.bound !== undefined && fn.bound.self.obj === undefined) {
      // `chunks.push(d)`, `parts.append(d)`, `buf.write(d)`: the collection now holds what was added.
      const self = fn.bound.self;
      const origins = parts.args.reduce((all, arg) => mergeOrigins(all, arg.origins), self.origins);
      if (origins.length > self.origins.length)
        this.bind(owner, {
          ...self,
          exact: false,
          origins,
          ...(self.items === undefined ? {} : { items: [...self.items, ...parts.args] }),
        });
    }
    let result: Term | undefined;
    if (iterating) this.loops++;
    try {
      result = handler?.(call);
      if (result === undefined) {
        result = derive(textOf(parts.node), false, [
          ...(call.self === undefined ? [] : [call.self]),
          ...parts.args,
        ]);
      }
      if (!call.used) {
        for (const callback of callbacks) {
          const param = iterating && call.self !== undefined ? this.itemOf(call.self) : result;
          this.callBack(callback, [param, param, param]);
        }
        // A library function handed over as the callback (`.then(eval)`, `.on('end', vm.runInThisContext)`):
        // it is called with what the callback would get.
        if (fn.bound !== undefined && CALLBACK_METHODS.has(fn.bound.name.toLowerCase())) {
          for (const arg of parts.args) {
            if (
              arg.api === undefined ||
              arg.func !== undefined ||
              this.dialect.library(arg.api) === undefined
            )
              continue;
            const param = iterating && call.self !== undefined ? this.itemOf(call.self) : result;
            this.invokeTerm(arg, { args: [param], node: parts.node });
          }
        }
      }
    } finally {
      if (iterating) this.loops--;
    }
    return result;
  }

  private itemOf(self: Term): Term {
    if (self.items?.[0] !== undefined) return varying(self.items[0]);
    if (self.obj?.t === 'socket' || self.obj?.t === 'stdio' || self.obj?.t === 'process') {
      const node = this.current ?? self.func?.node;
      return node === undefined ? derive(self.text, false, [self]) : this.readFrom(self, node);
    }
    return derive(self.text, false, [self]);
  }

  /** Calls a callback term with parameters. */
  callBack(callback: Term, params: readonly Term[]): Term {
    if (callback.func === undefined) return EMPTY;
    return this.invoke(callback.func, params, new Map(), callback.func.node);
  }

  /** Runs a user function's body with its parameters bound. */
  invoke(closure: Closure, args: readonly Term[], named: ReadonlyMap<string, Term>, node: Node): Term {
    this.uncalled.delete(closure);
    const func = closure.node;
    const runs = this.runs.get(func) ?? 0;
    if (runs >= MAX_RUNS || this.calls >= MAX_CALLS) {
      return derive(textOf(node), false, args);
    }
    this.runs.set(func, runs + 1);
    const outerScope = this.scope;
    const outerFrame = this.frame;
    this.scope = { vars: new Map(), parent: closure.scope };
    this.frame = {};
    this.calls++;
    if (func.recursive === true) this.loops++;
    try {
      func.params.forEach((param, i) => {
        const name = nameOf(param.k === 'assign' ? param.target : param);
        let value: Term | undefined = (name === undefined ? undefined : named.get(name)) ?? args[i];
        if (param.k === 'unary' && (param.op === '*' || param.op === '...')) {
          value = list(args.slice(i));
          this.assign(param.operand, value, node);
          return;
        }
        if (value === undefined) {
          value = param.k === 'assign' ? this.eval(param.value) : unknown(name ?? textOf(param));
        }
        this.assign(param.k === 'assign' ? param.target : param, value, node);
      });
      this.exec(func.body);
      return this.frame.returned ?? this.frame.last ?? EMPTY;
    } finally {
      if (func.recursive === true) this.loops--;
      this.calls--;
      this.scope = outerScope;
      this.frame = outerFrame;
    }
  }

  /** Calls a library function or method by name (Ruby's `send(:system, …)`, PHP's `call_user_func`). */
  callByName(name: Term, args: readonly Term[], call: Call, self?: Term): Term {
    this.signName(name, 'function name');
    if (name.func !== undefined) return this.invokeTerm(name, { args, node: call.node });
    if (name.api !== undefined || name.bound !== undefined)
      return this.invokeTerm(name, { args, node: call.node });
    const target =
      self !== undefined && self.api === undefined
        ? this.memberOf(self, name.text, call.node)
        : self?.api !== undefined
          ? api(this.dialect.canonical(`${self.api}.${name.text}`))
          : (this.lookup(name.text) ?? this.globalName(name.text, call.node));
    const named =
      target.api !== undefined && name.hidden !== undefined ? { ...target, hidden: name.hidden } : target;
    return this.invokeTerm(named, { args, node: call.node, callbacks: call.callbacks });
  }

  // ---- operators --------------------------------------------------------------------------------

  private binary(node: Extract<Node, { k: 'binary' }>): Term {
    if (node.op === 'pipe') return this.pipe(node);
    const left = this.eval(node.left);
    const right = this.eval(node.right);
    return this.combine(node.op, left, right, node);
  }

  /** A pipeline stage: the left value flows into the right (PowerShell `|`, awk `cmd | getline`). */
  private pipe(node: Extract<Node, { k: 'binary' }>): Term {
    const input = this.eval(node.left);
    const saved = this.lookup('$input');
    this.bindHere('$input', input);
    try {
      return this.eval(node.right);
    } finally {
      if (saved !== undefined) this.bindHere('$input', saved);
      else this.scope.vars.delete('$input');
    }
  }

  /** The value flowing into the current pipeline stage, if any. */
  get pipelineInput(): Term | undefined {
    return this.scope.vars.get('$input');
  }

  combine(op: string, left: Term, right: Term, node: Node): Term {
    const own = this.dialect.binary?.(op, left, right, this, node);
    if (own !== undefined) return own;
    switch (op) {
      case 'concat':
        return concatWords(left, right);
      case '+': {
        const a = numberOf(left);
        const b = numberOf(right);
        if (left.num !== undefined && right.num !== undefined && a !== undefined && b !== undefined)
          return num(a + b);
        if (left.items !== undefined && right.items !== undefined)
          return list([...left.items, ...right.items]);
        return concatWords(left, right);
      }
      case '-':
      case '*':
      case '/':
      case '%':
      case '**': {
        if (op === '%' && left.num === undefined && left.exact)
          return this.format(left, itemsOfArgs(right), right.keys);
        if (op === '*' && left.num === undefined && left.items === undefined) {
          const times = numberOf(right);
          if (times !== undefined && times >= 0 && left.text.length * times <= 65536) {
            return derive(left.text.repeat(times), left.exact && right.exact, [left]);
          }
        }
        const a = numberOf(left);
        const b = numberOf(right);
        if (a === undefined || b === undefined) return derive(textOf(node), false, [left, right]);
        const value =
          op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : op === '%' ? a % b : a ** b;
        return Number.isFinite(value) ? num(value) : derive(textOf(node), false, [left, right]);
      }
      case 'repeat': {
        const times = numberOf(right);
        if (times !== undefined && times >= 0 && left.text.length * times <= 65536) {
          if (left.items !== undefined && left.items.length * times <= 4096) {
            return list(Array.from({ length: times }, () => left.items ?? []).flat());
          }
          return derive(left.text.repeat(times), left.exact && right.exact, [left]);
        }
        return derive(textOf(node), false, [left, right]);
      }
      case 'format':
        return this.format(left, itemsOfArgs(right), right.keys);
      case 'braces':
        return this.formatBraces(left, itemsOfArgs(right), right.keys);
      case 'or':
        if (left.obj !== undefined || left.api !== undefined || left.func !== undefined) return left;
        if (left.exact && left.text !== '' && left.text !== '0') return left;
        if (left.exact) return right;
        return { ...right, exact: false, origins: mergeOrigins(left.origins, right.origins) };
      case 'and':
        return right;
      case 'range': {
        const a = numberOf(left);
        const b = numberOf(right);
        if (a !== undefined && b !== undefined && Math.abs(b - a) < 256) {
          const step = b >= a ? 1 : -1;
          const items: Term[] = [];
          for (let n = a; step > 0 ? n <= b : n >= b; n += step) items.push(num(n));
          return list(items);
        }
        return { ...list([derive(textOf(node), false, [left, right])], false), text: textOf(node) };
      }
      case 'join':
        return joinItems(itemsOf(left), right);
      default:
        return derive(textOf(node), false, [left, right]);
    }
  }

  private unary(node: Extract<Node, { k: 'unary' }>): Term {
    const operand = this.eval(node.operand);
    switch (node.op) {
      case '-': {
        const n = numberOf(operand);
        return n === undefined ? derive(textOf(node), false, [operand]) : num(-n);
      }
      case '++':
      case '--':
      case 'post++': {
        const name = nameOf(node.operand);
        const n = numberOf(operand);
        if (name !== undefined && n !== undefined) this.bind(name, num(node.op === '--' ? n - 1 : n + 1));
        return operand;
      }
      case '!':
      case 'not':
      case '~':
      case 'typeof':
      case 'delete':
      case 'void':
      case 'defined':
        return derive(textOf(node), false, [operand]);
      case 'join':
        return joinItems(itemsOf(operand), str(''));
      default:
        // `await`, `\`, `*`, `&`, `@`, `my`/`local`: the operand itself.
        return operand;
    }
  }

  /** `printf`-style formatting; the result carries the arguments' origins. */
  format(format: Term, args: readonly Term[], named?: ReadonlyMap<string, Term>): Term {
    const pieces = formatPrintf(format.text, args, named);
    return this.assemble(format, pieces, args, named);
  }

  /** `{}`/`{0}`/`{name}` formatting (Python's `format`, .NET's `-f`). */
  formatBraces(format: Term, args: readonly Term[], named?: ReadonlyMap<string, Term>): Term {
    return this.assemble(format, formatBraces(format.text), args, named);
  }

  private assemble(
    format: Term,
    pieces: readonly (string | number | { key: string })[],
    args: readonly Term[],
    named?: ReadonlyMap<string, Term>,
  ): Term {
    const parts: Term[] = [];
    for (const piece of pieces) {
      if (typeof piece === 'string') parts.push(str(piece));
      else if (typeof piece === 'number') parts.push(args[piece] ?? unknown(`{${piece}}`));
      else parts.push(named?.get(piece.key) ?? unknown(`{${piece.key}}`));
    }
    const term = concat(parts.length === 0 ? [str('')] : parts);
    return format.exact
      ? term
      : { ...term, exact: false, origins: mergeOrigins(term.origins, format.origins) };
  }

  // ---- actions ----------------------------------------------------------------------------------

  private base(node: Node): { path: string; loop: boolean; detail: string } {
    return { path: this.context.path, loop: this.loops > 0, detail: textOf(node, MAX_DETAIL) };
  }

  private push(action: MutableAction): number {
    if (this.actions.length >= 10_000) {
      this.limit('over 10000 actions');
      return this.actions.length - 1;
    }
    this.actions.push(action);
    return this.actions.length - 1;
  }

  /** A process start; returns the process. A command taken from a socket drives a shell from it. */
  run(node: Node, command: { argv?: readonly Term[]; shell?: Term; stdin?: Term }): Term {
    const action: Mutable<RunAction> = { type: 'run', ...this.base(node) };
    if (command.argv !== undefined) action.argv = command.argv.map(toValue);
    if (command.shell !== undefined) action.shell = toValue(command.shell);
    if (command.stdin !== undefined) action.stdin = toValue(command.stdin);
    const index = this.push(action);
    const parts = [...(command.argv ?? []), ...(command.shell === undefined ? [] : [command.shell])];
    for (const part of parts) {
      if (part.hidden !== undefined && part.hidden !== 'concatenation') this.signName(part, 'command');
      else if (part.hidden === 'concatenation' && part.exact) this.signName(part, 'command');
    }
    if (command.shell !== undefined) this.joinRedirections(command.shell, index, node);
    const driven = parts.find((part) => part.socket !== undefined)?.socket;
    if (command.stdin?.socket !== undefined) this.stdio(command.stdin.socket, [0], node, index);
    const term: Term = {
      text: textOf(node),
      exact: false,
      origins: [],
      obj: { t: 'process', run: index },
      output: { action: index, run: true },
      ...(driven === undefined ? {} : { driven }),
    };
    return term;
  }

  /** Sets what a started process reads on stdin (`p.communicate(x)`, `p.stdin.write(x)`). */
  feed(run: number, input: Term, node: Node): void {
    const action = this.actions[run];
    if (action?.type !== 'run') return;
    const old = action.stdin;
    action.stdin =
      old === undefined
        ? toValue(input)
        : { text: old.text + input.text, exact: false, origins: mergeOrigins(old.origins, input.origins) };
    if (input.socket !== undefined) this.stdio(input.socket, [0], node, run);
  }

  /**
   * `sh -i <&3 >&3 2>&3`: a shell command whose redirections name a socket's descriptor (a fresh
   * process's first socket is fd 3) joins that socket to the shell's streams.
   */
  private joinRedirections(shell: Term, run: number, node: Node): void {
    if (this.sockets.length === 0 || !shell.text.includes('&')) return;
    const pattern = /(\d?)\s{0,4}(<>|<|>)&\s{0,4}(\d{1,3})/g;
    const byFd = new Map<number, number[]>();
    for (const match of shell.text.slice(0, 4096).matchAll(pattern)) {
      const target = Number(match[3]);
      const id = this.sockets.findIndex((socket) => socket.fd === target);
      if (id < 0) continue;
      const fd = match[1] !== '' ? Number(match[1]) : match[2] === '>' ? 1 : 0;
      const fds = byFd.get(id) ?? [];
      if (!fds.includes(fd)) fds.push(fd);
      byFd.set(id, fds);
    }
    for (const [id, fds] of byFd) this.stdio(id, fds, node, run);
  }

  /** Code evaluated from a string; known code of this language is analysed in place. */
  evaluate(node: Node, code: Term, language: CodeLanguage = this.language): Term {
    const index = this.push({ type: 'eval', language, code: toValue(code), ...this.base(node) });
    if (code.hidden !== undefined || code.origins.some((origin) => origin.kind === 'decoded')) {
      this.sign(
        `code ${code.hidden === undefined ? 'decoded' : `built by ${code.hidden}`} at run time and evaluated`,
      );
    }
    if (language === this.language && code.exact && code.text !== '' && !this.stopped) {
      if (this.evals >= MAX_EVALS) {
        this.limit(`evaluated code nested over ${MAX_EVALS}`);
      } else {
        this.evals++;
        try {
          this.exec(this.dialect.parse(code.text, this.context, this.limits));
        } finally {
          this.evals--;
        }
      }
    }
    return {
      text: textOf(node),
      exact: false,
      origins: code.origins,
      output: { action: index, run: false },
      ...(code.socket === undefined ? {} : { driven: code.socket }),
    };
  }

  fetch(
    node: Node,
    request: {
      url: Term;
      method?: string;
      headers?: readonly Term[];
      body?: Term;
      insecure?: boolean;
      to?: Term;
    },
  ): Term {
    const action: Mutable<FetchAction> = {
      type: 'fetch',
      url: toValue(request.url),
      headers: (request.headers ?? []).map(toValue),
      ...this.base(node),
    };
    if (request.method !== undefined) action.method = request.method.toUpperCase();
    if (request.body !== undefined) action.body = toValue(request.body);
    if (request.insecure === true) action.insecure = true;
    this.push(action);
    if (request.url.hidden !== undefined && request.url.hidden !== 'concatenation')
      this.signName(request.url, 'URL');
    const body = withOrigin(
      unknown(textOf(node)),
      request.insecure === true
        ? { kind: 'network', url: request.url.text, insecure: true }
        : { kind: 'network', url: request.url.text },
    );
    if (request.to !== undefined) this.write(node, request.to, body);
    return body;
  }

  /** A new socket, not yet connected or listening (`socket.socket()`, `new net.Socket()`). */
  socket(node: Node, protocol: ConnectAction['protocol'] = 'tcp'): Term {
    const id = this.sockets.length;
    this.sockets.push({ protocol, url: `${protocol}://unknown`, fd: 3 + id });
    return { text: textOf(node, 60), exact: false, origins: [], obj: { t: 'socket', id } };
  }

  /** Connects a socket (a new one when `id` is undefined); every connect is an action. */
  connect(node: Node, host: Term, port: Term, protocol?: ConnectAction['protocol'], id?: number): Term {
    const socket =
      id === undefined || this.sockets[id] === undefined ? this.socket(node, protocol) : undefined;
    const which = socket?.obj?.t === 'socket' ? socket.obj.id : (id ?? 0);
    const state = this.sockets[which];
    if (state === undefined) return unknown(textOf(node));
    if (protocol !== undefined) state.protocol = protocol;
    const action: Mutable<ConnectAction> = {
      type: 'connect',
      socket: which,
      host: toValue(host),
      port: toValue(port),
      protocol: state.protocol,
      sends: [],
      ...this.base(node),
    };
    state.action = this.push(action);
    state.url = `${state.protocol}://${host.text}:${port.text}`;
    return socket ?? { text: textOf(node, 60), exact: false, origins: [], obj: { t: 'socket', id: which } };
  }

  /** A socket listening on a port (a new one when `id` is undefined). */
  listen(node: Node, port: Term | undefined, id?: number): Term {
    const socket = id === undefined || this.sockets[id] === undefined ? this.socket(node) : undefined;
    const which = socket?.obj?.t === 'socket' ? socket.obj.id : (id ?? 0);
    const state = this.sockets[which];
    if (state === undefined) return unknown(textOf(node));
    const bound = port ?? state.bound ?? unknown('');
    if (state.listening !== true) {
      state.action = this.push({ type: 'listen', socket: which, port: toValue(bound), ...this.base(node) });
      state.listening = true;
      state.url = `tcp://0.0.0.0:${bound.text}`;
    }
    return socket ?? { text: textOf(node, 60), exact: false, origins: [], obj: { t: 'socket', id: which } };
  }

  /** Records the port a socket is bound to, for its `listen` later. */
  bindPort(id: number, port: Term): void {
    const state = this.sockets[id];
    if (state !== undefined) state.bound = port;
  }

  /** Upgrades a socket to TLS (`ssl.wrap_socket(s)`, `OpenSSL::SSL::SSLSocket.new(s)`). */
  secure(id: number): void {
    const state = this.sockets[id];
    if (state === undefined) return;
    state.protocol = 'tls';
    const action = state.action === undefined ? undefined : this.actions[state.action];
    if (action?.type === 'connect') action.protocol = 'tls';
  }

  /** The protocol a socket was created with. */
  protocolOf(id: number): ConnectAction['protocol'] | undefined {
    return this.sockets[id]?.protocol;
  }

  /** The descriptor number a socket is assumed to have (a fresh process's first socket is fd 3). */
  descriptorOf(id: number): number {
    return this.sockets[id]?.fd ?? 3;
  }

  /** Data written to a socket; the output of a process sent back to it joins the two. */
  send(id: number, data: Term, node: Node): void {
    const state = this.sockets[id];
    const action = state?.action === undefined ? undefined : this.actions[state.action];
    if (action?.type === 'connect' && action.sends.length < 64) {
      action.sends = [...action.sends, toValue(data)];
    }
    if (data.output !== undefined) {
      const fds = data.driven === id ? [0, 1] : [1];
      this.stdio(id, fds, node, data.output.run ? data.output.action : undefined);
    }
  }

  /** What reading a socket (or a stream joined to one) gives. */
  socketData(id: number, node: Node): Term {
    const state = this.sockets[id];
    const url = state?.url ?? 'tcp://unknown';
    return { text: textOf(node), exact: false, origins: [{ kind: 'network', url }], socket: id };
  }

  /** What reading a socket, the code's own stdin, a process's output or a file gives. */
  readFrom(source: Term, node: Node): Term {
    const obj = source.obj;
    if (obj?.t === 'socket') return this.socketData(obj.id, node);
    if (obj?.t === 'stdio') return this.stdin(node);
    if (obj?.t === 'process' || (obj?.t === 'stream' && obj.fd > 0)) {
      return {
        ...derive(textOf(node), false, [source]),
        output: { action: 'run' in obj ? obj.run : 0, run: true },
      };
    }
    if (obj?.t === 'file') return this.read(node, obj.path);
    if (source.socket !== undefined) return this.socketData(source.socket, node);
    return derive(textOf(node), false, [source]);
  }

  /** Joins a socket to standard streams; repeated joins of the same pair merge. */
  stdio(socket: number, fds: readonly number[], node: Node, process?: number): void {
    if (socket < 0) return;
    if (process === undefined) for (const fd of fds) this.joined.set(fd, socket);
    for (const action of this.actions) {
      if (action.type === 'stdio' && action.socket === socket && action.process === process) {
        const merged = new Set([...action.fds, ...fds]);
        action.fds = [...merged].sort();
        return;
      }
    }
    const action: Mutable<StdioAction> = { type: 'stdio', socket, fds: [...fds].sort(), ...this.base(node) };
    if (process !== undefined) action.process = process;
    this.push(action);
  }

  /** The code's standard input: the socket joined to fd 0, the known stdin, or the `stdin` origin. */
  stdin(node: Node): Term {
    const socket = this.joined.get(0);
    if (socket !== undefined) return this.socketData(socket, node);
    const known = this.context.stdin;
    if (known !== undefined) return { ...known, text: known.text };
    return { text: textOf(node), exact: false, origins: [{ kind: 'stdin' }] };
  }

  /** Standard output of the code itself goes to a joined socket. */
  stdout(data: Term, node: Node): void {
    const socket = this.joined.get(1);
    if (socket !== undefined) this.send(socket, data, node);
  }

  read(node: Node, path: Term): Term {
    this.push({ type: 'read', file: toValue(path), ...this.base(node) });
    const written = path.exact ? this.files.get(path.text) : undefined;
    if (written !== undefined) return written;
    if (path.exact && (path.text === '/dev/stdin' || path.text === 'php://stdin' || path.text === '-')) {
      return this.stdin(node);
    }
    // A file the pod wrote before (a download, a decoded payload) holds what was written.
    const before = path.exact ? this.context.file?.(path.text) : undefined;
    if (before !== undefined && before.origins.length > 0)
      return { text: textOf(node), exact: false, origins: before.origins };
    // A credential file's content carries its origin, so a send of it later is seen as one.
    const credential = credentialOfPath(path.text);
    return { text: textOf(node), exact: false, origins: credential === undefined ? [] : [credential] };
  }

  write(node: Node, path: Term, content: Term, executable?: boolean): void {
    const action: Mutable<WriteAction> = {
      type: 'write',
      file: toValue(path),
      content: toValue(content),
      ...this.base(node),
    };
    if (executable === true) action.executable = true;
    this.push(action);
    if (path.exact && executable !== true) {
      const old = this.files.get(path.text);
      this.files.set(path.text, old === undefined ? content : concat([old, content]));
    }
  }

  /** `chmod` to a mode with an execute bit: the file is written executable (with what it holds). */
  chmod(node: Node, path: Term, mode: Term): void {
    const n = numberOf(mode);
    const symbolic = /[+=][rwxXst]*x/.test(mode.text);
    const executable =
      symbolic || (n !== undefined ? (n & 0o111) !== 0 : /^[0-7]*[1357][0-7]{0,2}$/.test(mode.text));
    if (!executable) return;
    const content = (path.exact ? this.files.get(path.text) : undefined) ?? unknown('');
    this.write(node, path, content, true);
  }

  /** An environment variable: its known value, or its name with an `env` origin. */
  env(name: Term): Term {
    const known = name.exact ? this.context.env.get(name.text) : undefined;
    if (known !== undefined) return known;
    return { text: `\${${name.text}}`, exact: false, origins: [{ kind: 'env', name: name.text }] };
  }

  /** The code's own argument `n` (0 is the first after the script). */
  argument(n: number, node: Node): Term {
    return this.context.args[n] ?? unknown(textOf(node));
  }

  arguments(): Term {
    return list(this.context.args, true);
  }

  /** Binds an out-parameter variable (`recv_into(buf)`, `sysread($s, $buf, 1024)`). */
  bindOut(node: Node | undefined, value: Term): void {
    if (node === undefined) return;
    const name = nameOf(node);
    if (name !== undefined) this.bind(name, value);
  }

  /** Whether an own standard stream is joined to a socket. */
  joinedSocket(fd: number): number | undefined {
    return this.joined.get(fd);
  }

  /** The result of the analysis. */
  result(): { actions: Action[]; limits: string[]; obfuscation: string[] } {
    return { actions: this.actions, limits: this.limits, obfuscation: this.obfuscation };
  }

  /** Any node currently evaluated, for handlers that need one. */
  get node(): Node | undefined {
    return this.current;
  }

  static readonly relayMethods: ReadonlySet<string> = RELAY_METHODS;
}

/** Concatenation that notes a word split across two literals (`'sys' + 'tem'`). */
function concatWords(left: Term, right: Term): Term {
  const term = concat([left, right]);
  if (
    left.exact &&
    right.exact &&
    left.origins.length === 0 &&
    right.origins.length === 0 &&
    /[A-Za-z0-9_]$/.test(left.text) &&
    /^[A-Za-z0-9_]/.test(right.text) &&
    term.hidden === undefined
  ) {
    return { ...term, hidden: 'concatenation' };
  }
  return term;
}

/** Joins items with a separator (`''.join(x)`, `x.join('')`, `-join`). */
export function joinItems(items: readonly Term[], separator: Term): Term {
  const parts: Term[] = [];
  let hidden: string | undefined;
  items.forEach((item, i) => {
    if (i > 0 && separator.text !== '') parts.push(separator);
    parts.push(item);
    if (item.hidden !== undefined) hidden ??= item.hidden;
  });
  if (parts.length === 0) return str('');
  const joined = concat(parts);
  const pieces = items.length > 1 && separator.text === '' && items.every((item) => item.exact);
  return pieces && hidden === undefined ? { ...joined, hidden: 'concatenation' } : joined;
}

function itemsOfArgs(term: Term): readonly Term[] {
  return term.items ?? [term];
}

/** The variable a node names (`x`, `$x`, `my $x`). */
export function nameOf(node: Node): string | undefined {
  if (node.k === 'name' || node.k === 'var') return node.name;
  if (node.k === 'unary') return nameOf(node.operand);
  return undefined;
}

/** Methods that call a function they are given with a result: promises, events, iteration. */
const CALLBACK_METHODS = new Set([
  'then',
  'catch',
  'finally',
  'on',
  'once',
  'addlistener',
  'map',
  'foreach',
  'each',
]);

/** Methods that add their arguments to the collection or buffer they are called on, in any language. */
const ADDING = new Set([
  'push',
  'append',
  'extend',
  'add',
  'insert',
  'unshift',
  'write',
  'writelines',
  'concat',
  'puts',
]);

/** Attributes of runtime objects: a process's streams, an environment variable, a socket's parts. */
function objectAttribute(self: Term, name: string, it: Interpreter, node: Node): Term | undefined {
  const obj = self.obj;
  if (obj === undefined) return undefined;
  const lower = name.toLowerCase();
  switch (obj.t) {
    case 'process':
      if (lower === 'stdin') return { ...self, obj: { t: 'stream', run: obj.run, fd: 0 } };
      if (lower === 'stdout' || lower === 'standardoutput')
        return { ...self, obj: { t: 'stream', run: obj.run, fd: 1 } };
      if (lower === 'stderr' || lower === 'standarderror')
        return { ...self, obj: { t: 'stream', run: obj.run, fd: 2 } };
      if (lower === 'standardinput') return { ...self, obj: { t: 'stream', run: obj.run, fd: 0 } };
      return { ...derive(textOf(node), false, [self]), output: self.output };
    case 'socket':
      return { ...self, text: textOf(node, 60) };
    case 'stdio':
      return self;
    case 'client':
      if (lower === 'headers') return { ...self };
      return { ...self, text: textOf(node, 60) };
    case 'address':
      if (lower === 'host' || lower === 'hostname' || lower === 'address') return obj.host;
      if (lower === 'port') return obj.port;
      return undefined;
    case 'env':
      return it.env(str(name));
    default:
      return { ...self, text: textOf(node, 60) };
  }
}

/** Indexing a runtime object: `os.environ['X']` is a variable, `sys.argv[1]` an argument. */
function indexObject(self: Term, key: Term, it: Interpreter): Term | undefined {
  const obj = self.obj;
  if (obj === undefined) return undefined;
  if (obj.t === 'env') return it.env(key);
  if (obj.t === 'args') {
    const n = numberOf(key);
    if (n === undefined) return undefined;
    const node = it.node ?? self.func?.node;
    return node === undefined ? undefined : it.argument(n - obj.offset, node);
  }
  return undefined;
}

/** Handlers for library paths no table knows, by what their last name plainly says. */
function fallback(path: string): Handler | undefined {
  const name = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (FALLBACK_RUN.has(name)) {
    return (call) => {
      const command = call.args[0];
      if (command === undefined) return undefined;
      return command.items !== undefined
        ? call.it.run(call.node, { argv: command.items })
        : call.it.run(call.node, { shell: command });
    };
  }
  if (FALLBACK_FETCH.has(name)) {
    return (call) => {
      const url = call.args.find((arg) => /^(https?|ftp):\/\//i.test(arg.text));
      return url === undefined ? undefined : call.it.fetch(call.node, { url });
    };
  }
  return undefined;
}

/** Last names that start a process in every library that uses them. */
const FALLBACK_RUN = new Set([
  'system',
  'popen',
  'popen2',
  'popen3',
  'popen4',
  'spawnsync',
  'execsync',
  'execfile',
  'execfilesync',
  'shell_exec',
  'passthru',
  'getoutput',
  'getstatusoutput',
  'check_output',
  'check_call',
  'execlp',
  'execvp',
  'execve',
  'execl',
  'execv',
  'execvpe',
  'execle',
  'execlpe',
  'proc_open',
]);

/** Last names that fetch a URL given as an argument. */
const FALLBACK_FETCH = new Set([
  'get',
  'post',
  'put',
  'patch',
  'request',
  'urlopen',
  'urlretrieve',
  'fetch',
  'download',
  'downloadstring',
  'downloadfile',
  'downloaddata',
  'get_content',
  'getstore',
  'open',
  'getprint',
  'mirror',
]);
