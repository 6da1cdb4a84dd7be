/**
 * A hand-written parser for the POSIX sh / bash subset that container commands use.
 *
 * Why not a library: the engine's budget is under 50 µs for a typical CronJob, it runs inside the
 * admission request synchronously and must never throw. `sh-syntax` (mvdan/sh as WASM) needs an
 * async initialisation and a WASM round trip per script; `shell-quote` has no substitutions,
 * heredocs or compound commands; `bash-parser` throws on the malformed input attackers send.
 * This parser is lenient instead: it records problems and returns what it understood.
 *
 * What it models: quoting (single, double, backslash, `$'…'` ANSI-C with `\xHH` and octal escapes),
 * pipelines (`|`, `|&`), lists (`&&`, `||`, `;`, `&`, newlines), comments, redirections with their
 * file descriptors, heredocs and here-strings, subshells and groups, `$(…)`, backticks and process
 * substitutions (parsed in place as nested scripts), `$VAR`/`${VAR}` from a literal environment
 * (with field splitting when unquoted), assignments, and the compound keywords (`if`, `while`,
 * `for`, `case`, functions) whose inner commands are flattened into the command list.
 *
 * Cost is linear in the input: each character is read once, nesting is capped at `MAX_NESTING`
 * (deeper openers are read as text), and every loop iteration advances the position.
 */
import { decodeEscapes, TextBuilder } from './text.js';
import type { SimpleCommand } from './types.js';

export type CommandOrigin = SimpleCommand['origin'];
export type Redirect = SimpleCommand['redirects'][number];

export interface ShellParseOptions {
  /** Depth given to top-level commands of the script; substitutions get depth + 1 per level. */
  depth: number;
  /** Origin of top-level commands; commands inside `$(…)` and backticks get 'substitution'. */
  origin: CommandOrigin;
  /** Literal variable values for `$VAR` and `${VAR}`; unknown variables are left as written. */
  env?: ReadonlyMap<string, string>;
  /** First pipeline index to use, so several parses can share one numbering. Default 0. */
  pipelineBase?: number;
  /** Longest script parsed; the rest is dropped with a problem. Default 1 MiB. */
  maxLength?: number;
  /**
   * Characters of variable values `$VAR` may substitute in all; later expansions are left as
   * written, with a problem. Bounds `A=$A$A; A=$A$A; …`, which doubles a value per line. Default 1 MiB.
   */
  maxExpansion?: number;
}

export interface ShellParseResult {
  /** Simple commands in the order the shell would start them (substitutions before their command). */
  commands: SimpleCommand[];
  /** Inner text of every `$(…)`, backtick and `<(…)` substitution, outermost last. */
  substitutions: string[];
  /** What could not be parsed cleanly (unterminated quote, nesting limit); never thrown. */
  problems: string[];
  /** One past the last pipeline index used. */
  nextPipeline: number;
  /** Characters of variable values substituted, against `maxExpansion`. */
  expanded: number;
}

/**
 * Characters the parser and `decodeEscapes` have examined since start-up, counted once per scan.
 * Tests compare it across input sizes to catch a quadratic path without a clock.
 */
export const parseWork = { characters: 0 };

/** Nesting of subshells and substitutions beyond which openers are read as plain text. */
export const MAX_NESTING = 64;
const MAX_COMMANDS = 50_000;
const MAX_PROBLEMS = 50;
const DEFAULT_MAX_LENGTH = 1024 * 1024;

/**
 * Wrappers that run the command after their own options, and their options that take a value.
 * `timeout` also takes a duration operand.
 */
const WRAPPERS = new Map<string, ReadonlySet<string>>([
  ['env', new Set(['-u', '--unset', '-C', '--chdir', '-S', '--split-string', '-P'])],
  [
    'sudo',
    new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-T', '-U', '--user', '--group', '--host']),
  ],
  ['doas', new Set(['-u', '-C'])],
  ['exec', new Set(['-a'])],
  ['nohup', new Set()],
  ['nice', new Set(['-n', '--adjustment'])],
  ['ionice', new Set(['-c', '-n', '--class', '--classdata'])],
  ['setsid', new Set()],
  ['stdbuf', new Set(['-i', '-o', '-e', '--input', '--output', '--error'])],
  ['timeout', new Set(['-s', '-k', '--signal', '--kill-after'])],
  ['busybox', new Set()],
  ['command', new Set()],
  ['builtin', new Set()],
  ['time', new Set(['-f', '-o', '--format', '--output'])],
]);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Basename of a program path, lowercased: `/usr/bin/NC` → `nc`. A name produced by a substitution
 * (`$(curl …)`) is unknown until run and is kept whole.
 */
export function programName(word: string): string {
  // No path is longer than PATH_MAX (4096); bounding the work keeps huge words cheap.
  const lower = (word.length > 4096 ? word.slice(0, 4096) : word).toLowerCase();
  if (lower.includes('$(') || lower.includes('`')) return lower;
  return lower.slice(lower.lastIndexOf('/') + 1);
}

/**
 * Index of the real program in `words`, past wrappers (`sudo -u x nohup nc …` → the index of `nc`).
 * A wrapper with nothing after it is the program itself. `onWrapper` sees each wrapper skipped.
 */
function skipWrappers(words: readonly string[], onWrapper?: (word: string) => void): number {
  let start = 0;
  for (;;) {
    const word = words[start];
    if (word === undefined) break;
    const name = programName(word);
    const valued = WRAPPERS.get(name);
    if (valued === undefined) break;
    let next = start + 1;
    let lookupOnly = false;
    for (;;) {
      const arg = words[next];
      if (arg === undefined) break;
      if (arg === '--') {
        next++;
        break;
      }
      if (name === 'env' && (arg === '-' || ASSIGNMENT.test(arg))) {
        next++;
        continue;
      }
      if (name === 'busybox' || !arg.startsWith('-') || arg === '-') break;
      // `command -v nc` looks nc up without running it.
      if (name === 'command' && /^-[a-zA-Z]*[vV]/.test(arg)) lookupOnly = true;
      next += valued.has(arg) ? 2 : 1;
    }
    if (name === 'timeout') next++;
    if (lookupOnly || next >= words.length) break;
    onWrapper?.(word);
    start = next;
  }
  return start;
}

/** The wrappers `skipWrappers` skips, as written; called only when there are some. */
function wrappersOf(words: readonly string[]): string[] {
  const wrappers: string[] = [];
  skipWrappers(words, (word) => wrappers.push(word));
  return wrappers;
}

/**
 * Skips wrappers (`sudo -u x nohup nc …` → `nc …`) and returns the real program, its argv and the
 * wrappers passed. A wrapper with nothing after it is the program itself.
 */
export function resolveProgram(words: readonly string[]): {
  program: string;
  argv: string[];
  wrappers: string[];
} {
  const wrappers: string[] = [];
  const start = skipWrappers(words, (word) => wrappers.push(word));
  const argv = words.slice(start);
  return { program: programName(argv[0] ?? ''), argv, wrappers };
}

/**
 * Variables one parse sees: its own assignments over the caller's environment. The caller's map is
 * read, never copied: the command model starts a parse per `eval`, `sh -c` and decoded payload, and
 * copying a large environment for each would cost environment size × scripts.
 */
class Variables {
  private readonly own = new Map<string, string>();

  constructor(private readonly inherited: ReadonlyMap<string, string> | undefined) {}

  get(name: string): string | undefined {
    return this.own.get(name) ?? this.inherited?.get(name);
  }

  set(name: string, value: string): void {
    this.own.set(name, value);
  }
}

interface ParseState {
  commands: SimpleCommand[];
  substitutions: string[];
  problems: string[];
  env: Variables;
  /** Characters of variable values that may still be substituted (see `maxExpansion`). */
  expansionLeft: number;
  expansionWarned: boolean;
  nextPipeline: number;
  nestingWarned: boolean;
  commandLimitHit: boolean;
}

interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  stripTabs: boolean;
}

interface Stop {
  /** `)` ends the list (subshell, `$(…)`). */
  paren: boolean;
  /** `;;`, `;&` and `esac` end the list (a case item). */
  caseItem: boolean;
}

const TOP: Stop = { paren: false, caseItem: false };

function problem(state: ParseState, message: string): void {
  if (state.problems.length < MAX_PROBLEMS) state.problems.push(message);
  else if (state.problems.length === MAX_PROBLEMS) state.problems.push('too many problems; rest not listed');
}

/** Character classes of ASCII, as bits; every other character is plain word text. */
const META = 1; // ends an unquoted word
const WORD_SPECIAL = 2; // needs a closer look inside an unquoted word
const QUOTED_SPECIAL = 4; // needs a closer look inside double quotes
const CLASSES = Uint8Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  let bits = 0;
  if (' \t\n\r;&|<>()'.includes(c)) bits |= META | WORD_SPECIAL;
  if ('\\\'"`$'.includes(c)) bits |= WORD_SPECIAL;
  if ('\\"`$'.includes(c)) bits |= QUOTED_SPECIAL;
  return bits;
});

/** Whether the character code (NaN past the end) is in the class. */
function isClass(code: number, flag: number): boolean {
  return ((CLASSES[code] ?? 0) & flag) !== 0;
}

/** Characters that end an unquoted word. */
function isMeta(c: string): boolean {
  return isClass(c.charCodeAt(0), META);
}

function isDelimiter(c: string | undefined): boolean {
  return c === undefined || isMeta(c);
}

/** `[A-Za-z_]`, as character codes. */
function isNameStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}

/** `[A-Za-z0-9_]`, as character codes. */
function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57);
}

/** Characters keywords are made of: `if`, `{`, `!`, `[[`, `]]`. */
function isKeywordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || c === '{' || c === '}' || c === '!' || c === '[' || c === ']';
}

/** Keywords that only give structure: their inner commands are parsed as if at top level. */
const STRUCTURE_KEYWORDS = new Set([
  'if',
  'then',
  'elif',
  'else',
  'fi',
  'while',
  'until',
  'do',
  'done',
  'esac',
]);
const REDIRECT_OPS = ['&>>', '&>', '<<<', '<<-', '<<', '<>', '<&', '>&', '>>', '>|', '<', '>'];

/** Accumulates one word, possibly split into several fields by unquoted expansions. */
class WordBuilder {
  private readonly text = new TextBuilder();
  private started = false;

  constructor(private readonly fields: string[]) {}

  add(text: string): void {
    this.text.add(text);
    this.started = true;
  }

  /** An unquoted expansion: its value is split on blanks into fields, as the shell does. */
  addSplit(value: string): void {
    const parts = value.split(/[ \t\n]+/);
    parts.forEach((part, index) => {
      if (index > 0) this.endField();
      if (part !== '') this.add(part);
    });
  }

  endField(): void {
    const text = this.text.take();
    if (this.started) this.fields.push(text);
    this.started = false;
  }
}

class Parser {
  pos = 0;
  private readonly heredocs: PendingHeredoc[] = [];
  private origin: CommandOrigin;
  private depth: number;

  constructor(
    private readonly src: string,
    private readonly state: ParseState,
    private nesting: number,
    depth: number,
    origin: CommandOrigin,
  ) {
    this.depth = depth;
    this.origin = origin;
  }

  run(): void {
    this.parseList(TOP);
    if (this.heredocs.length > 0) {
      for (const pending of this.heredocs) {
        pending.redirect.body = '';
        problem(this.state, `unterminated heredoc ${pending.delimiter}`);
      }
      this.heredocs.length = 0;
    }
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private startsWith(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  /** Skips blanks and line continuations (not newlines). */
  private skipBlanks(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
      else return;
    }
  }

  private skipComment(): void {
    const end = this.src.indexOf('\n', this.pos);
    parseWork.characters += (end < 0 ? this.src.length : end) - this.pos;
    this.pos = end < 0 ? this.src.length : end;
  }

  /** Consumes a newline token, then the bodies of heredocs started on that line. */
  private consumeNewline(): void {
    this.pos++;
    if (this.heredocs.length === 0) return;
    // Reading a body never adds a heredoc, so the list can be walked and then cleared (`shift()` per
    // heredoc is quadratic for a line of thousands of `<<A`).
    for (const pending of this.heredocs) this.readHeredoc(pending);
    this.heredocs.length = 0;
  }

  /**
   * The body runs up to a line that is the delimiter (tabs stripped first for `<<-`), optionally
   * followed by `\r`. Lines are compared in place so that a plain body is a single slice.
   */
  private readHeredoc(pending: PendingHeredoc): void {
    const src = this.src;
    const { delimiter, stripTabs } = pending;
    const bodyStart = this.pos;
    const lines: string[] = [];
    while (this.pos < src.length) {
      const lineStart = this.pos;
      let end = src.indexOf('\n', lineStart);
      if (end < 0) end = src.length;
      this.pos = Math.min(end + 1, src.length);
      parseWork.characters += this.pos - lineStart;
      let textStart = lineStart;
      if (stripTabs) while (textStart < end && src.charCodeAt(textStart) === 9) textStart++;
      const length = end - textStart;
      const isDelimiter =
        (length === delimiter.length ||
          (length === delimiter.length + 1 && src.charCodeAt(end - 1) === 13)) &&
        src.startsWith(delimiter, textStart);
      if (isDelimiter) {
        if (stripTabs) pending.redirect.body = lines.length > 0 ? `${lines.join('\n')}\n` : '';
        else pending.redirect.body = src.slice(bodyStart, lineStart);
        return;
      }
      if (stripTabs) lines.push(src.slice(textStart, end));
    }
    if (stripTabs) pending.redirect.body = lines.join('\n');
    else pending.redirect.body = src.endsWith('\n') ? src.slice(bodyStart, -1) : src.slice(bodyStart);
    problem(this.state, `unterminated heredoc ${delimiter}`);
  }

  /** Blanks, comments and newlines between commands. */
  private skipLinebreaks(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === '#') this.skipComment();
      else if (c === '\n') this.consumeNewline();
      else return;
    }
  }

  /** The unquoted keyword at the current position, if any. */
  private keyword(): string | undefined {
    const c = this.peek();
    if (c === undefined || !isKeywordChar(c) || c === ']') return undefined;
    let end = this.pos + 1;
    while (end < this.src.length && isKeywordChar(this.src.charAt(end))) {
      // No keyword is longer than `function`; a long word of letters is not worth copying.
      if (++end - this.pos > 8) return undefined;
    }
    if (!isDelimiter(this.src[end])) return undefined;
    const word = this.src.slice(this.pos, end);
    if (word === '{' || word === '!') return this.src[end] === '(' ? undefined : word;
    return word;
  }

  private parseList(stop: Stop): void {
    for (;;) {
      if (this.state.commandLimitHit) {
        // Nothing after the limit is listed, so reading on would be wasted work.
        this.pos = this.src.length;
        return;
      }
      const before = this.pos;
      parseWork.characters++;
      this.skipLinebreaks();
      const c = this.peek();
      if (c === undefined) return;
      if (c === ';') {
        const next = this.peek(1);
        if (stop.caseItem && (next === ';' || next === '&')) return;
        this.pos++;
        continue;
      }
      if (c === '&' && this.peek(1) !== '>') {
        this.pos++;
        continue;
      }
      if (c === ')') {
        if (stop.paren) return;
        problem(this.state, `unexpected ) at ${this.pos}`);
        this.pos++;
        continue;
      }
      if (c === '|') {
        problem(this.state, `unexpected | at ${this.pos}`);
        this.pos++;
        continue;
      }
      if (stop.caseItem && this.keyword() === 'esac') return;
      this.parseAndOr(stop);
      if (this.pos === before) {
        problem(this.state, `unexpected ${c} at ${this.pos}`);
        this.pos++;
      }
    }
  }

  private parseAndOr(stop: Stop): void {
    this.parsePipeline(stop);
    for (;;) {
      this.skipBlanks();
      if (!this.startsWith('&&') && !this.startsWith('||')) return;
      this.pos += 2;
      this.skipLinebreaks();
      this.parsePipeline(stop);
    }
  }

  private parsePipeline(stop: Stop): void {
    const pipeline = this.state.nextPipeline++;
    let position = 0;
    this.parseCommand(pipeline, position, stop);
    for (;;) {
      this.skipBlanks();
      if (this.peek() !== '|' || this.peek(1) === '|') return;
      this.pos += this.peek(1) === '&' ? 2 : 1;
      this.skipLinebreaks();
      position++;
      this.parseCommand(pipeline, position, stop);
    }
  }

  private parseCommand(pipeline: number, position: number, stop: Stop): void {
    for (;;) {
      parseWork.characters++;
      this.skipBlanks();
      const keyword = this.keyword();
      if (keyword === undefined) break;
      if (keyword === 'esac' && stop.caseItem) return;
      if (STRUCTURE_KEYWORDS.has(keyword) || keyword === '{' || keyword === '}' || keyword === '!') {
        this.pos += keyword.length;
        continue;
      }
      if (keyword === 'time') {
        this.pos += 4;
        continue;
      }
      if (keyword === 'for' || keyword === 'select') {
        this.pos += keyword.length;
        this.parseForHeader();
        return;
      }
      if (keyword === 'case') {
        this.pos += 4;
        if (this.nesting >= MAX_NESTING) {
          this.warnNesting();
          continue;
        }
        this.nesting++;
        this.parseCase(stop);
        this.nesting--;
        return;
      }
      if (keyword === 'function') {
        this.pos += 8;
        this.skipBlanks();
        this.parseWord(false);
        this.skipBlanks();
        if (this.startsWith('()')) this.pos += 2;
        return;
      }
      if (keyword === '[[') {
        this.parseTest(pipeline, position);
        return;
      }
      break;
    }
    const c = this.peek();
    if (c === '(') {
      if (this.peek(1) === '(') {
        this.skipArithmetic(this.pos + 2);
        return;
      }
      if (this.nesting >= MAX_NESTING) {
        this.warnNesting();
        this.pos++;
        return;
      }
      this.pos++;
      this.nesting++;
      this.parseList({ paren: true, caseItem: false });
      this.nesting--;
      if (this.peek() === ')') this.pos++;
      else problem(this.state, 'unterminated subshell');
      return;
    }
    this.parseSimple(pipeline, position);
  }

  private warnNesting(): void {
    if (this.state.nestingWarned) return;
    this.state.nestingWarned = true;
    problem(this.state, `nesting deeper than ${MAX_NESTING}; inner openers read as text`);
  }

  /** `for NAME in WORDS` or `for ((…))`: the words may hold substitutions; the body follows as a list. */
  private parseForHeader(): void {
    this.skipBlanks();
    if (this.startsWith('((')) {
      this.skipArithmetic(this.pos + 2);
      return;
    }
    this.parseWord(false);
    this.skipLinebreaks();
    if (this.keyword() !== 'in') return;
    this.pos += 2;
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === undefined || c === ';' || c === '\n' || c === '&' || c === ')' || c === '|') return;
      const before = this.pos;
      this.parseWord(false);
      if (this.pos === before) this.pos++;
    }
  }

  /** `case WORD in PATTERN) LIST ;; … esac`. */
  private parseCase(stop: Stop): void {
    this.skipBlanks();
    this.parseWord(false);
    this.skipLinebreaks();
    if (this.keyword() === 'in') this.pos += 2;
    for (;;) {
      this.skipLinebreaks();
      const c = this.peek();
      if (c === undefined) {
        problem(this.state, 'unterminated case');
        return;
      }
      if (this.keyword() === 'esac') {
        this.pos += 4;
        return;
      }
      if (c === ')' && stop.paren) {
        problem(this.state, 'unterminated case');
        return;
      }
      const itemStart = this.pos;
      if (c === '(') this.pos++;
      for (;;) {
        this.skipBlanks();
        const p = this.peek();
        if (p === ')') {
          this.pos++;
          break;
        }
        if (p === undefined || p === '\n' || p === ';') break;
        if (p === '|') {
          this.pos++;
          continue;
        }
        const before = this.pos;
        this.parseWord(false);
        if (this.pos === before) this.pos++;
      }
      this.parseList({ paren: stop.paren, caseItem: true });
      this.skipBlanks();
      if (this.startsWith(';;&')) this.pos += 3;
      else if (this.startsWith(';;') || this.startsWith(';&')) this.pos += 2;
      if (this.pos === itemStart) this.pos++;
    }
  }

  /** `[[ … ]]`: operators inside are operands, not list or redirect operators. */
  private parseTest(pipeline: number, position: number): void {
    this.pos += 2;
    const words = ['[['];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === undefined) {
        problem(this.state, 'unterminated [[');
        break;
      }
      if (this.startsWith(']]') && isDelimiter(this.peek(2))) {
        this.pos += 2;
        words.push(']]');
        break;
      }
      if (c === '\n') {
        this.consumeNewline();
      } else if (this.startsWith('&&') || this.startsWith('||')) {
        words.push(this.src.slice(this.pos, this.pos + 2));
        this.pos += 2;
      } else if (c === '<' || c === '>' || c === '(' || c === ')' || c === ';' || c === '&' || c === '|') {
        words.push(c);
        this.pos++;
      } else {
        const before = this.pos;
        this.parseWord(false, words);
        if (this.pos === before) this.pos++;
      }
    }
    this.emit(words, [], [], pipeline, position);
  }

  /** Skips `((…))` / `$((…))` from `start` (just past the opening parentheses) to the matching `))`. */
  private skipArithmetic(start: number): void {
    let depth = 2;
    let i = start;
    while (i < this.src.length && depth > 0) {
      const c = this.src[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      i++;
    }
    if (depth > 0) problem(this.state, 'unterminated arithmetic expression');
    parseWork.characters += i - start;
    this.pos = i;
  }

  private parseSimple(pipeline: number, position: number): void {
    const words: string[] = [];
    const redirects: Redirect[] = [];
    const assignments: string[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === undefined || c === '\n' || c === ';' || c === '|' || c === ')') break;
      if (c === '&' && this.peek(1) !== '>') break;
      if (c === '(') {
        if (words.length === 1 && /^\(\s*\)/.test(this.src.slice(this.pos, this.pos + 16))) {
          // `name() { … }`: a function definition; its body is parsed as the next commands.
          this.pos = this.src.indexOf(')', this.pos) + 1;
          return;
        }
        break;
      }
      if (this.parseRedirect(redirects)) continue;
      if (c === '#') {
        this.skipComment();
        continue;
      }
      if (words.length === 0 && this.isAssignment()) {
        assignments.push(this.parseAssignment());
        continue;
      }
      const before = this.pos;
      this.parseWord(true, words);
      if (this.pos === before) break;
    }
    if (words.length === 0 && redirects.length === 0) {
      for (const assignment of assignments) this.assign(assignment);
      return;
    }
    this.emit(words, redirects, assignments, pipeline, position);
  }

  /** Whether `NAME=` or `NAME+=` starts at the current position. */
  private isAssignment(): boolean {
    const src = this.src;
    if (!isNameStart(src.charCodeAt(this.pos))) return false;
    let i = this.pos + 1;
    while (isNameChar(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) === 43) i++; // `+=`
    parseWork.characters += i - this.pos;
    return src.charCodeAt(i) === 61;
  }

  private parseAssignment(): string {
    const fields: string[] = [];
    this.parseWord(false, fields);
    let text = fields.join(' ');
    if (text.endsWith('=') && this.peek() === '(') {
      // Array assignment `a=(x y)`: kept as text.
      const start = this.pos;
      const end = this.src.indexOf(')', start);
      this.pos = end < 0 ? this.src.length : end + 1;
      text += this.src.slice(start, this.pos);
    }
    return text;
  }

  private assign(assignment: string): void {
    const eq = assignment.indexOf('=');
    const name = assignment.slice(0, eq).replace(/\+$/, '');
    if (!NAME.test(name)) return;
    const value = assignment.slice(eq + 1);
    const env = this.state.env;
    env.set(name, assignment[eq - 1] === '+' ? (env.get(name) ?? '') + value : value);
  }

  private emit(
    words: string[],
    redirects: Redirect[],
    assignments: string[],
    pipeline: number,
    position: number,
  ): void {
    const state = this.state;
    if (state.commands.length >= MAX_COMMANDS) {
      if (!state.commandLimitHit) problem(state, `more than ${MAX_COMMANDS} commands; rest not parsed`);
      state.commandLimitHit = true;
      return;
    }
    const start = skipWrappers(words);
    // Copies sized to their content: an array grown by pushes keeps room for 16 more items, and
    // every command of the script stays alive as long as the model does.
    const argv = words.slice(start);
    const command: SimpleCommand = {
      argv,
      program: programName(argv[0] ?? ''),
      redirects: redirects.length > 0 ? redirects.slice() : redirects,
      pipeline,
      pipelinePosition: position,
      depth: this.depth,
      origin: this.origin,
    };
    if (start > 0) command.wrappers = wrappersOf(words);
    if (assignments.length > 0) command.assignments = assignments.slice();
    state.commands.push(command);
    const { program } = command;
    if (program === 'export' || program === 'declare' || program === 'local' || program === 'readonly') {
      for (let i = 1; i < argv.length; i++) {
        const arg = argv[i] ?? '';
        if (ASSIGNMENT.test(arg)) this.assign(arg);
      }
    }
  }

  /** Parses a redirection at the current position, if there is one. */
  private parseRedirect(redirects: Redirect[]): boolean {
    const first = this.src.charCodeAt(this.pos);
    // Fast path: a redirection starts with `<`, `>`, `&` or a digit.
    if (first !== 60 && first !== 62 && first !== 38 && (first < 48 || first > 57)) return false;
    let p = this.pos;
    while (p < this.src.length && this.src.charCodeAt(p) >= 48 && this.src.charCodeAt(p) <= 57) p++;
    let fd: number | undefined;
    if (p > this.pos) {
      const c = this.src[p];
      if (c !== '<' && c !== '>') return false;
      fd = Number(this.src.slice(this.pos, p));
    }
    const op = REDIRECT_OPS.find((candidate) => this.src.startsWith(candidate, p));
    if (op === undefined) return false;
    if (op.startsWith('&') && fd !== undefined) return false;
    if ((op === '<' || op === '>') && this.src[p + 1] === '(' && fd === undefined) return false;
    this.pos = p + op.length;
    this.skipBlanks();
    const redirect: Redirect = { op, target: '' };
    if (fd !== undefined) redirect.fd = fd;
    const start = this.pos;
    const fields: string[] = [];
    this.parseWord(false, fields);
    const target = fields.join(' ');
    if (this.pos === start) problem(this.state, `missing target after ${op} at ${start}`);
    redirect.target = target;
    if (op === '<<' || op === '<<-') {
      this.heredocs.push({ redirect, delimiter: target, stripTabs: op === '<<-' });
    }
    redirects.push(redirect);
    return true;
  }

  /** Whether an unquoted word ends at `i`: the end, or an operator other than `<(` / `>(`. */
  private endsWord(i: number): boolean {
    const code = this.src.charCodeAt(i);
    if (i >= this.src.length) return true;
    if (!isClass(code, META)) return false;
    return !((code === 60 || code === 62) && this.src.charCodeAt(i + 1) === 40);
  }

  /** End of the run of characters from `i` that an unquoted word takes as they are. */
  private plainEnd(i: number): number {
    const src = this.src;
    let end = i;
    while (end < src.length && !isClass(src.charCodeAt(end), WORD_SPECIAL)) end++;
    parseWork.characters += end - i;
    return end;
  }

  /**
   * Reads one word with quote removal and expansion and appends its fields to `fields` (usually one,
   * none for an empty unquoted expansion); `split` applies field splitting to unquoted expansions.
   * Without `fields` the word is only skipped.
   */
  private parseWord(split: boolean, fields: string[] = []): void {
    const src = this.src;
    const start = this.pos;
    const plain = this.plainEnd(start);
    if (plain > start && this.endsWord(plain)) {
      // Most words have nothing to remove or expand: the word is a slice of the script.
      fields.push(src.slice(start, plain));
      this.pos = plain;
      return;
    }
    const word = new WordBuilder(fields);
    for (;;) {
      parseWork.characters++;
      const c = src[this.pos];
      if (c === undefined) break;
      if (!isClass(src.charCodeAt(this.pos), WORD_SPECIAL)) {
        const end = this.plainEnd(this.pos + 1);
        word.add(src.slice(this.pos, end));
        this.pos = end;
        continue;
      }
      if (isMeta(c)) {
        if ((c === '<' || c === '>') && src[this.pos + 1] === '(') {
          word.add(this.parseSubstitution(this.pos + 2, 2));
          continue;
        }
        break;
      }
      if (c === '\\') {
        const next = src[this.pos + 1];
        if (next === '\n') {
          this.pos += 2;
        } else if (next === undefined) {
          word.add('\\');
          this.pos++;
        } else {
          // The escaped character and the plain text after it are one piece of the script.
          const end = this.plainEnd(this.pos + 2);
          word.add(src.slice(this.pos + 1, end));
          this.pos = end;
        }
      } else if (c === "'") {
        const end = src.indexOf("'", this.pos + 1);
        parseWork.characters += (end < 0 ? src.length : end) - this.pos;
        if (end < 0) {
          problem(this.state, `unterminated single quote at ${this.pos}`);
          word.add(src.slice(this.pos + 1));
          this.pos = src.length;
        } else {
          word.add(src.slice(this.pos + 1, end));
          this.pos = end + 1;
        }
      } else if (c === '"') {
        word.add(this.parseDoubleQuoted());
      } else if (c === '`') {
        word.add(this.parseBackticks());
      } else {
        const expansion = this.parseDollar(false);
        if (expansion.expanded && split) word.addSplit(expansion.text);
        else if (expansion.text !== '' || !expansion.expanded) word.add(expansion.text);
      }
    }
    word.endField();
  }

  /**
   * End of the run of characters from `i` that double quotes take as they are; a backslash is one
   * of them unless it escapes `$`, `` ` ``, `"`, `\` or a newline.
   */
  private quotedPlainEnd(i: number): number {
    const src = this.src;
    let end = i;
    while (end < src.length) {
      const code = src.charCodeAt(end);
      if (code === 92) {
        const next = src.charCodeAt(end + 1);
        if (isClass(next, QUOTED_SPECIAL) || next === 10) break;
      } else if (isClass(code, QUOTED_SPECIAL)) {
        break;
      }
      end++;
    }
    parseWork.characters += end - i;
    return end;
  }

  private parseDoubleQuoted(): string {
    const src = this.src;
    const open = this.pos;
    this.pos++;
    const plain = this.quotedPlainEnd(this.pos);
    if (src[plain] === '"') {
      // Most quoted strings have nothing to expand or unescape: a slice of the script.
      const text = src.slice(this.pos, plain);
      this.pos = plain + 1;
      return text;
    }
    const out = new TextBuilder();
    for (;;) {
      const c = src[this.pos];
      if (c === undefined) {
        problem(this.state, `unterminated double quote at ${open}`);
        break;
      }
      if (c === '"') {
        this.pos++;
        break;
      }
      const end = this.quotedPlainEnd(this.pos);
      if (end > this.pos) {
        out.add(src.slice(this.pos, end));
        this.pos = end;
      } else if (c === '\\') {
        if (src[this.pos + 1] === '\n') {
          this.pos += 2;
        } else {
          // `\$`, `` \` ``, `\"` or `\\`: the escaped character and the plain text after it.
          const after = this.quotedPlainEnd(this.pos + 2);
          out.add(src.slice(this.pos + 1, after));
          this.pos = after;
        }
      } else if (c === '$') {
        out.add(this.parseDollar(true).text);
      } else {
        out.add(this.parseBackticks());
      }
    }
    return out.take();
  }

  /**
   * The value of variable `name` if it is known and fits the expansion budget; past the budget
   * expansions are left as written, so that `A=$A$A` repeated cannot grow words exponentially.
   */
  private expand(name: string): string | undefined {
    const value = this.state.env.get(name);
    if (value === undefined) return undefined;
    const state = this.state;
    if (value.length > state.expansionLeft) {
      if (!state.expansionWarned) {
        state.expansionWarned = true;
        problem(state, 'variable values longer than the expansion limit; rest left as written');
      }
      return undefined;
    }
    state.expansionLeft -= value.length;
    return value;
  }

  /** `$…` at the current position: expansions, substitutions, ANSI-C strings. */
  private parseDollar(quoted: boolean): { text: string; expanded: boolean } {
    const src = this.src;
    const start = this.pos;
    const next = src[start + 1];
    if (next === "'" && !quoted) return { text: this.parseAnsiC(), expanded: false };
    if (next === '"' && !quoted) {
      this.pos++; // `$"…"` (locale translation) reads as a double-quoted string
      return { text: this.parseDoubleQuoted(), expanded: false };
    }
    if (next === '(') {
      if (src[start + 2] === '(') {
        this.skipArithmetic(start + 3);
        return { text: src.slice(start, this.pos), expanded: false };
      }
      return { text: this.parseSubstitution(start + 2, 2), expanded: false };
    }
    if (next === '{') {
      let depth = 1;
      let i = start + 2;
      while (i < src.length && depth > 0) {
        const c = src.charCodeAt(i);
        if (c === 123) depth++;
        else if (c === 125) depth--;
        i++;
      }
      if (depth > 0) problem(this.state, `unterminated \${ at ${start}`);
      parseWork.characters += i - start;
      this.pos = i;
      const inner = src.slice(start + 2, depth > 0 ? i : i - 1);
      const value = NAME.test(inner) ? this.expand(inner) : undefined;
      return value === undefined
        ? { text: src.slice(start, i), expanded: false }
        : { text: value, expanded: true };
    }
    const code = src.charCodeAt(start + 1);
    if (isNameStart(code)) {
      let i = start + 2;
      while (i < src.length && isNameChar(src.charCodeAt(i))) i++;
      this.pos = i;
      const value = this.expand(src.slice(start + 1, i));
      return value === undefined
        ? { text: src.slice(start, i), expanded: false }
        : { text: value, expanded: true };
    }
    if (next !== undefined && '0123456789@*#?$!-'.includes(next)) {
      this.pos += 2;
      return { text: src.slice(start, start + 2), expanded: false };
    }
    this.pos++;
    return { text: '$', expanded: false };
  }

  private parseAnsiC(): string {
    const src = this.src;
    const open = this.pos;
    let i = open + 2;
    while (i < src.length && src[i] !== "'") i += src[i] === '\\' ? 2 : 1;
    parseWork.characters += i - open;
    if (i >= src.length) {
      problem(this.state, `unterminated $' at ${open}`);
      i = src.length;
    }
    this.pos = Math.min(i + 1, src.length);
    return decodeEscapes(src.slice(open + 2, i), 'ansi-c');
  }

  /**
   * `$(…)` or `<(…)`/`>(…)` whose body starts at `bodyStart`: parsed in place as a nested list.
   * Returns the text as written, which is what the enclosing word holds.
   */
  private parseSubstitution(bodyStart: number, openerLength: number): string {
    const start = bodyStart - openerLength;
    if (this.nesting >= MAX_NESTING) {
      this.warnNesting();
      this.pos = bodyStart;
      return this.src.slice(start, bodyStart);
    }
    const saved = { origin: this.origin, depth: this.depth };
    this.pos = bodyStart;
    this.nesting++;
    this.depth++;
    this.origin = 'substitution';
    this.parseList({ paren: true, caseItem: false });
    this.nesting--;
    this.depth = saved.depth;
    this.origin = saved.origin;
    this.state.substitutions.push(this.src.slice(bodyStart, this.pos));
    if (this.peek() === ')') this.pos++;
    else problem(this.state, `unterminated substitution at ${start}`);
    return this.src.slice(start, this.pos);
  }

  /** Backticks: the body is unescaped (`\\`, `` \` ``, `\$`) and parsed as its own script. */
  private parseBackticks(): string {
    const src = this.src;
    const start = this.pos;
    let i = start + 1;
    while (i < src.length && src[i] !== '`') i += src[i] === '\\' ? 2 : 1;
    parseWork.characters += i - start;
    const close = Math.min(i, src.length);
    if (i >= src.length) problem(this.state, `unterminated backtick at ${start}`);
    this.pos = Math.min(close + 1, src.length);
    let body = src.slice(start + 1, close);
    if (body.includes('\\')) body = body.replace(/\\([\\`$])/g, '$1');
    if (this.nesting >= MAX_NESTING) {
      this.warnNesting();
    } else if (body.trim() !== '') {
      new Parser(body, this.state, this.nesting + 1, this.depth + 1, 'substitution').run();
      this.state.substitutions.push(body);
    }
    return src.slice(start, this.pos);
  }
}

/** Parses a shell script into its simple commands; never throws. */
export function parseShell(script: string, options: ShellParseOptions): ShellParseResult {
  const maxExpansion = options.maxExpansion ?? DEFAULT_MAX_LENGTH;
  const state: ParseState = {
    commands: [],
    substitutions: [],
    problems: [],
    env: new Variables(options.env),
    expansionLeft: maxExpansion,
    expansionWarned: false,
    nextPipeline: options.pipelineBase ?? 0,
    nestingWarned: false,
    commandLimitHit: false,
  };
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  let text = script;
  if (text.length > maxLength) {
    problem(state, `script longer than ${maxLength} characters; rest not parsed`);
    text = text.slice(0, maxLength);
  }
  try {
    new Parser(text, state, 0, options.depth, options.origin).run();
  } catch (error) {
    problem(state, `parser error: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    commands: state.commands,
    substitutions: state.substitutions,
    problems: state.problems,
    nextPipeline: state.nextPipeline,
    expanded: maxExpansion - state.expansionLeft,
  };
}
