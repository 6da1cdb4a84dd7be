/**
 * A hand-written parser for the POSIX sh / bash that container commands are written in, building
 * the syntax tree of `syntax.ts`.
 *
 * Why not a library: it runs inside the admission request, synchronously, on attacker-controlled
 * text, for every review. `sh-syntax` (mvdan/sh as WASM) needs an asynchronous start and a WASM
 * round trip per script; `shell-quote` has no substitutions, heredocs or compound commands;
 * `bash-parser` throws on the malformed input attackers send. This parser is lenient instead: it
 * records what it did not understand and keeps reading.
 *
 * Bounded on purpose: nesting (compound commands, substitutions, backticks) stops at
 * `maxNesting`, simple commands at `maxCommands`, text at `maxLength`. Reaching a bound is not a
 * syntax problem but a limit: the caller fails closed on it, because a shell runs what the parser
 * stopped reading (four nested heredocs, `$(` 65 deep, 50,000 `:;` before the payload).
 * Cost is linear: each character is examined a bounded number of times.
 */
import type {
  AndOr,
  Assignment,
  Command,
  ParsedScript,
  Pipeline,
  Redirect,
  Script,
  SimpleCommand,
  Word,
  WordPart,
} from './syntax.js';
import { decodeEscapes } from './text.js';

export interface ParseOptions {
  /** Longest text read; the rest is a limit. */
  maxLength: number;
  /** Deepest nesting of compound commands and substitutions. */
  maxNesting: number;
  /** Most simple commands in one parse (substitutions and nested scripts included). */
  maxCommands: number;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  maxLength: 1024 * 1024,
  maxNesting: 64,
  maxCommands: 20_000,
};

/** Thrown inside the parser when a bound is reached; caught by `parseShell`. */
class LimitReached extends Error {}

const MAX_PROBLEMS = 20;

/** Characters that end an unquoted word. */
const META = new Uint8Array(128);
for (const c of ' \t\n\r;&|<>()') META[c.charCodeAt(0)] = 1;
/** Characters that need a closer look inside an unquoted word. */
const SPECIAL = new Uint8Array(128);
for (const c of ' \t\n\r;&|<>()\\\'"`$') SPECIAL[c.charCodeAt(0)] = 1;
/** Characters that need a closer look inside double quotes. */
const QUOTED_SPECIAL = new Uint8Array(128);
for (const c of '\\"`$') QUOTED_SPECIAL[c.charCodeAt(0)] = 1;

const REDIRECT_OPS = ['&>>', '&>', '<<<', '<<-', '<<', '<>', '<&', '>&', '>>', '>|', '<', '>'] as const;
/** Words that are keywords at the start of a command. */
const KEYWORDS = new Set([
  'if',
  'then',
  'elif',
  'else',
  'fi',
  'while',
  'until',
  'for',
  'select',
  'do',
  'done',
  'case',
  'esac',
  'function',
  '{',
  '}',
  '!',
  '[[',
  'in',
]);
/** Operators after `${NAME`, longest first. */
const PARAM_OPS = [
  ':-',
  ':=',
  ':?',
  ':+',
  '##',
  '%%',
  '//',
  '/#',
  '/%',
  '^^',
  ',,',
  '-',
  '=',
  '?',
  '+',
  '#',
  '%',
  '/',
  '^',
  ',',
  ':',
  '@',
  '[',
];

function isNameStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Builds a word's parts, merging neighbouring text of the same quoting. */
class Parts {
  readonly list: WordPart[] = [];
  private text = '';
  private quoted = false;

  add(text: string, quoted: boolean): void {
    if (text === '') return;
    if (this.text !== '' && this.quoted !== quoted) this.flush();
    this.text += text;
    this.quoted = quoted;
  }

  push(part: WordPart): void {
    this.flush();
    this.dropEmptyMarker();
    this.list.push(part);
  }

  /** A quoted empty string (`''`, `""`) still makes a word. */
  markEmptyQuoted(): void {
    if (this.text === '' && this.list.length === 0) this.list.push({ type: 'text', text: '', quoted: true });
  }

  finish(): WordPart[] {
    this.flush();
    return this.list;
  }

  /** An empty quoted marker is no longer needed once the word has other parts. */
  private dropEmptyMarker(): void {
    const only = this.list.length === 1 ? this.list[0] : undefined;
    if (only?.type === 'text' && only.text === '') this.list.pop();
  }

  private flush(): void {
    if (this.text === '') return;
    this.dropEmptyMarker();
    this.list.push({ type: 'text', text: this.text, quoted: this.quoted });
    this.text = '';
  }
}

interface PendingHeredoc {
  delimiter: string;
  stripTabs: boolean;
  quoted: boolean;
  /** Filled in when the body is read, after the line's newline. */
  redirect: { fd?: number; op: string; target: Word };
}

/** State shared by a parser and the parsers of backtick substitutions inside it. */
interface Shared {
  limits: string[];
  problems: string[];
  commands: number;
  options: ParseOptions;
}

interface Stop {
  /** Keywords that end the list (`then`, `fi`, `done`, `}`…). */
  keywords?: ReadonlySet<string>;
  /** `)` ends the list (subshell, `$(…)`). */
  paren?: boolean;
  /** `;;`, `;&`, `;;&` end the list (a case item). */
  caseItem?: boolean;
}

const TOP: Stop = {};
const THEN = new Set(['then']);
const IF_BODY = new Set(['elif', 'else', 'fi']);
const FI = new Set(['fi']);
const DO = new Set(['do']);
const DONE = new Set(['done']);
const BRACE = new Set(['}']);
const ESAC = new Set(['esac']);

class Parser {
  pos = 0;
  private readonly heredocs: PendingHeredoc[] = [];

  constructor(
    private readonly src: string,
    private readonly shared: Shared,
    private nesting: number,
  ) {}

  problem(message: string): void {
    if (this.shared.problems.length < MAX_PROBLEMS) this.shared.problems.push(message);
  }

  private limit(message: string): never {
    this.shared.limits.push(message);
    throw new LimitReached(message);
  }

  private enter(): void {
    if (++this.nesting > this.shared.options.maxNesting) {
      this.limit(`nesting deeper than ${this.shared.options.maxNesting}`);
    }
  }

  private leave(): void {
    this.nesting--;
  }

  /** Parses the whole text into `items` (filled as items complete, so a limit keeps what came before). */
  parseTop(items: AndOr[]): void {
    this.parseListInto(items, TOP);
    this.finishHeredocs();
  }

  private finishHeredocs(): void {
    for (const pending of this.heredocs) {
      this.problem(`unterminated heredoc ${pending.delimiter}`);
      pending.redirect.target = { parts: [], offset: this.pos };
    }
    this.heredocs.length = 0;
  }

  // ---- characters

  private skipBlanks(): void {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 13) this.pos++;
      else if (c === 92 && src.charCodeAt(this.pos + 1) === 10) this.pos += 2;
      else return;
    }
  }

  private skipComment(): void {
    const end = this.src.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.src.length : end;
  }

  /** Skips blanks, comments and newlines (reading heredoc bodies after each newline). */
  private skipLinebreaks(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.src[this.pos];
      if (c === '#') this.skipComment();
      else if (c === '\n') this.consumeNewline();
      else return;
    }
  }

  private consumeNewline(): void {
    this.pos++;
    if (this.heredocs.length === 0) return;
    for (const pending of this.heredocs) this.readHeredoc(pending);
    this.heredocs.length = 0;
  }

  private readHeredoc(pending: PendingHeredoc): void {
    const src = this.src;
    const { delimiter, stripTabs } = pending;
    const start = this.pos;
    let body: string | undefined;
    const lines: string[] = [];
    while (this.pos < src.length) {
      const lineStart = this.pos;
      let end = src.indexOf('\n', lineStart);
      if (end < 0) end = src.length;
      this.pos = Math.min(end + 1, src.length);
      let textStart = lineStart;
      if (stripTabs) while (textStart < end && src.charCodeAt(textStart) === 9) textStart++;
      let textEnd = end;
      if (textEnd > textStart && src.charCodeAt(textEnd - 1) === 13) textEnd--;
      if (textEnd - textStart === delimiter.length && src.startsWith(delimiter, textStart)) {
        body = stripTabs ? lines.join('') : src.slice(start, lineStart);
        break;
      }
      if (stripTabs) lines.push(src.slice(textStart, this.pos));
    }
    if (body === undefined) {
      this.problem(`unterminated heredoc ${delimiter}`);
      body = stripTabs ? lines.join('') : src.slice(start);
    }
    const offset = start;
    pending.redirect.target = pending.quoted
      ? { parts: [{ type: 'text', text: body, quoted: true }], offset }
      : this.heredocWord(body, offset);
  }

  /** An unquoted heredoc body: `$…`, backticks and `\$ \` \\` are special, quotes are text. */
  private heredocWord(body: string, offset: number): Word {
    if (!body.includes('$') && !body.includes('`') && !body.includes('\\')) {
      return { parts: [{ type: 'text', text: body, quoted: true }], offset };
    }
    const inner = new Parser(body, this.shared, this.nesting);
    const parts = new Parts();
    while (inner.pos < body.length) {
      const c = body[inner.pos];
      if (c === '$') inner.readDollar(parts, true);
      else if (c === '`') inner.readBackticks(parts, true);
      else if (c === '\\') {
        const next = body[inner.pos + 1];
        if (next === '$' || next === '`' || next === '\\') {
          parts.add(next, true);
          inner.pos += 2;
        } else if (next === '\n') {
          inner.pos += 2;
        } else {
          parts.add('\\', true);
          inner.pos++;
        }
      } else {
        let end = inner.pos + 1;
        while (end < body.length && body[end] !== '$' && body[end] !== '`' && body[end] !== '\\') end++;
        parts.add(body.slice(inner.pos, end), true);
        inner.pos = end;
      }
    }
    return { parts: parts.finish(), offset };
  }

  // ---- lists, and-or lists, pipelines

  /** The keyword at the position, if the next word is one (plain letters followed by a delimiter). */
  private peekKeyword(): string | undefined {
    const src = this.src;
    let end = this.pos;
    while (end < src.length && end - this.pos < 9) {
      const c = src.charCodeAt(end);
      // a-z, `{`, `}`, `!`, `[`
      if ((c >= 97 && c <= 123) || c === 125 || c === 33 || c === 91) end++;
      else break;
    }
    if (end === this.pos) return undefined;
    const next = src.charCodeAt(end);
    if (end < src.length && !(next < 128 && META[next] === 1)) return undefined;
    const word = src.slice(this.pos, end);
    return KEYWORDS.has(word) ? word : undefined;
  }

  private atStop(stop: Stop): boolean {
    const c = this.src[this.pos];
    if (c === undefined) return true;
    if (stop.paren === true && c === ')') return true;
    if (
      stop.caseItem === true &&
      c === ';' &&
      (this.src[this.pos + 1] === ';' || this.src[this.pos + 1] === '&')
    )
      return true;
    if (stop.keywords !== undefined) {
      const keyword = this.peekKeyword();
      if (keyword !== undefined && stop.keywords.has(keyword)) return true;
      if (stop.caseItem === true && keyword === 'esac') return true;
    }
    return false;
  }

  private parseList(stop: Stop): Script {
    const items: AndOr[] = [];
    this.parseListInto(items, stop);
    return { items };
  }

  private parseListInto(items: AndOr[], stop: Stop): void {
    for (;;) {
      this.skipLinebreaks();
      if (this.atStop(stop)) return;
      const c = this.src[this.pos];
      if (c === ';' || c === '&' || c === '|' || c === ')') {
        // Stray separators (`;;` outside case, a `)` with no opener): note and move on.
        this.problem(`unexpected ${c} at ${this.pos}`);
        this.pos++;
        continue;
      }
      const keyword = this.peekKeyword();
      if (keyword !== undefined && stop === TOP && KEYWORD_CLOSERS.has(keyword)) {
        this.problem(`unexpected ${keyword} at ${this.pos}`);
        this.pos += keyword.length;
        continue;
      }
      const before = this.pos;
      const item = this.parseAndOr();
      this.skipBlanks();
      const next = this.src[this.pos];
      let background = false;
      if (next === '&' && this.src[this.pos + 1] !== '&' && this.src[this.pos + 1] !== '>') {
        background = true;
        this.pos++;
      } else if (next === ';' && !(stop.caseItem === true && /[;&]/.test(this.src[this.pos + 1] ?? ''))) {
        this.pos++;
      }
      items.push(background ? { ...item, background } : item);
      if (this.pos === before) {
        // Nothing was consumed: skip one character so the loop always advances.
        this.problem(`unexpected ${this.src[this.pos] ?? 'end'} at ${this.pos}`);
        this.pos++;
      }
    }
  }

  private parseAndOr(): AndOr {
    const first = this.parsePipeline();
    const rest: { op: '&&' | '||'; pipeline: Pipeline }[] = [];
    for (;;) {
      this.skipBlanks();
      const op = this.src.slice(this.pos, this.pos + 2);
      if (op !== '&&' && op !== '||') break;
      this.pos += 2;
      this.skipLinebreaks();
      rest.push({ op, pipeline: this.parsePipeline() });
    }
    return { first, rest, background: false };
  }

  private parsePipeline(): Pipeline {
    this.skipBlanks();
    let negated = false;
    while (this.src[this.pos] === '!' && META[this.src.charCodeAt(this.pos + 1)] === 1) {
      negated = !negated;
      this.pos++;
      this.skipBlanks();
    }
    const commands: Command[] = [this.parseCommand()];
    for (;;) {
      this.skipBlanks();
      if (this.src[this.pos] !== '|' || this.src[this.pos + 1] === '|') break;
      this.pos += this.src[this.pos + 1] === '&' ? 2 : 1;
      this.skipLinebreaks();
      commands.push(this.parseCommand());
    }
    return { negated, commands };
  }

  // ---- commands

  private parseCommand(): Command {
    const offset = this.pos;
    const src = this.src;
    if (src[this.pos] === '(') {
      if (src[this.pos + 1] === '(') return this.parseArithmeticCommand(offset);
      this.pos++;
      this.enter();
      const body = this.parseList({ paren: true });
      this.leave();
      if (src[this.pos] === ')') this.pos++;
      else this.problem(`unterminated subshell at ${offset}`);
      return { type: 'subshell', body, redirects: this.parseTrailingRedirects(), offset };
    }
    const keyword = this.peekKeyword();
    switch (keyword) {
      case '{': {
        this.pos++;
        this.enter();
        const body = this.parseList({ keywords: BRACE });
        this.leave();
        this.expectKeyword('}', offset);
        return { type: 'group', body, redirects: this.parseTrailingRedirects(), offset };
      }
      case 'if':
        return this.parseIf(offset);
      case 'while':
      case 'until':
        return this.parseWhile(keyword, offset);
      case 'for':
      case 'select':
        return this.parseFor(keyword, offset);
      case 'case':
        return this.parseCase(offset);
      case 'function':
        return this.parseFunctionKeyword(offset);
      case '[[':
        return this.parseTest(offset);
      default:
        return this.parseSimple(offset);
    }
  }

  private expectKeyword(keyword: string, offset: number): boolean {
    this.skipLinebreaks();
    if (this.peekKeyword() === keyword) {
      this.pos += keyword.length;
      return true;
    }
    this.problem(`missing ${keyword} for the command at ${offset}`);
    return false;
  }

  private parseIf(offset: number): Command {
    this.pos += 2;
    this.enter();
    const clauses: { condition: Script; body: Script }[] = [];
    let otherwise: Script | undefined;
    for (;;) {
      const condition = this.parseList({ keywords: THEN });
      if (!this.expectKeyword('then', offset)) {
        clauses.push({ condition, body: { items: [] } });
        break;
      }
      const body = this.parseList({ keywords: IF_BODY });
      clauses.push({ condition, body });
      const next = this.peekKeyword();
      if (next === 'elif') {
        this.pos += 4;
        continue;
      }
      if (next === 'else') {
        this.pos += 4;
        otherwise = this.parseList({ keywords: FI });
      }
      this.expectKeyword('fi', offset);
      break;
    }
    this.leave();
    const redirects = this.parseTrailingRedirects();
    return otherwise === undefined
      ? { type: 'if', clauses, redirects, offset }
      : { type: 'if', clauses, otherwise, redirects, offset };
  }

  private parseWhile(keyword: 'while' | 'until', offset: number): Command {
    this.pos += keyword.length;
    this.enter();
    const condition = this.parseList({ keywords: DO });
    const body = this.expectKeyword('do', offset) ? this.parseList({ keywords: DONE }) : { items: [] };
    this.expectKeyword('done', offset);
    this.leave();
    return { type: 'loop', keyword, condition, body, redirects: this.parseTrailingRedirects(), offset };
  }

  private parseFor(keyword: 'for' | 'select', offset: number): Command {
    this.pos += keyword.length;
    this.skipBlanks();
    this.enter();
    let variable: string | undefined;
    let words: Word[] | undefined;
    if (this.src.startsWith('((', this.pos)) {
      this.skipArithmetic(this.pos + 2);
    } else {
      const name = this.readWord();
      variable = name === undefined ? undefined : literalText(name);
      this.skipLinebreaksBeforeIn();
      if (this.peekKeyword() === 'in') {
        this.pos += 2;
        words = [];
        for (;;) {
          this.skipBlanks();
          const c = this.src[this.pos];
          if (c === undefined || c === ';' || c === '\n' || c === '&' || c === ')' || c === '|') break;
          if (c === '#') {
            this.skipComment();
            break;
          }
          const word = this.readWord();
          if (word === undefined) break;
          words.push(word);
        }
      }
    }
    this.skipBlanks();
    if (this.src[this.pos] === ';') this.pos++;
    this.skipLinebreaks();
    let body: Script;
    if (this.peekKeyword() === '{') {
      // bash accepts `for x in …; { …; }`.
      this.pos++;
      body = this.parseList({ keywords: BRACE });
      this.expectKeyword('}', offset);
    } else {
      body = this.expectKeyword('do', offset) ? this.parseList({ keywords: DONE }) : { items: [] };
      this.expectKeyword('done', offset);
    }
    this.leave();
    const loop = { type: 'loop' as const, keyword, body, redirects: this.parseTrailingRedirects(), offset };
    return {
      ...loop,
      ...(variable === undefined ? {} : { variable }),
      ...(words === undefined ? {} : { words }),
    };
  }

  private skipLinebreaksBeforeIn(): void {
    this.skipBlanks();
    const save = this.pos;
    this.skipLinebreaks();
    if (this.peekKeyword() !== 'in' && this.peekKeyword() !== 'do') this.pos = save;
  }

  private parseCase(offset: number): Command {
    this.pos += 4;
    this.skipBlanks();
    const word = this.readWord() ?? { parts: [], offset: this.pos };
    this.skipLinebreaks();
    this.enter();
    const items: { patterns: Word[]; body: Script }[] = [];
    if (this.peekKeyword() === 'in') this.pos += 2;
    else this.problem(`missing in for the case at ${offset}`);
    for (;;) {
      this.skipLinebreaks();
      if (this.pos >= this.src.length) {
        this.problem(`unterminated case at ${offset}`);
        break;
      }
      if (this.peekKeyword() === 'esac') {
        this.pos += 4;
        break;
      }
      if (this.src[this.pos] === '(') this.pos++;
      const patterns: Word[] = [];
      for (;;) {
        this.skipBlanks();
        const pattern = this.readWord();
        if (pattern !== undefined) patterns.push(pattern);
        this.skipBlanks();
        if (this.src[this.pos] === '|') {
          this.pos++;
          continue;
        }
        break;
      }
      if (this.src[this.pos] === ')') this.pos++;
      else {
        this.problem(`missing ) in a case pattern at ${this.pos}`);
        if (patterns.length === 0) this.pos++;
      }
      const body = this.parseList({ keywords: ESAC, caseItem: true });
      items.push({ patterns, body });
      if (this.src[this.pos] === ';') {
        this.pos += this.src.startsWith(';;&', this.pos) ? 3 : 2;
      }
    }
    this.leave();
    return { type: 'case', word, items, redirects: this.parseTrailingRedirects(), offset };
  }

  private parseFunctionKeyword(offset: number): Command {
    this.pos += 8;
    this.skipBlanks();
    const nameWord = this.readWord();
    const name = nameWord === undefined ? '' : literalText(nameWord);
    this.skipBlanks();
    if (this.src.startsWith('()', this.pos)) this.pos += 2;
    else if (this.src[this.pos] === '(') {
      this.pos++;
      this.skipBlanks();
      if (this.src[this.pos] === ')') this.pos++;
    }
    return this.parseFunctionBody(name, offset);
  }

  private parseFunctionBody(name: string, offset: number): Command {
    this.skipLinebreaks();
    this.enter();
    const body = this.parseCommand();
    this.leave();
    return { type: 'function', name, body, offset };
  }

  private parseTest(offset: number): Command {
    this.pos += 2;
    const words: Word[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.src.startsWith(']]', this.pos)) {
        this.pos += 2;
        break;
      }
      const c = this.src[this.pos];
      if (c === undefined) {
        this.problem(`unterminated [[ at ${offset}`);
        break;
      }
      if (c === '\n') {
        this.consumeNewline();
        continue;
      }
      const word = this.readWord();
      if (word === undefined) {
        // `&&`, `||`, `(`, `<` inside [[ ]] are operators of the test, not of the shell.
        this.pos++;
        continue;
      }
      words.push(word);
    }
    return { type: 'test', words, redirects: this.parseTrailingRedirects(), offset };
  }

  private parseArithmeticCommand(offset: number): Command {
    this.skipArithmetic(this.pos + 2);
    return { type: 'test', words: [], redirects: this.parseTrailingRedirects(), offset };
  }

  /** Moves past `…))` from `start` (just after the opening `((`), counting parentheses. */
  private skipArithmetic(start: number): void {
    const src = this.src;
    let depth = 2;
    let i = start;
    while (i < src.length && depth > 0) {
      const c = src.charCodeAt(i);
      if (c === 40) depth++;
      else if (c === 41) depth--;
      i++;
    }
    if (depth > 0) this.problem(`unterminated arithmetic at ${start}`);
    this.pos = i;
  }

  private parseTrailingRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      if (!this.parseRedirect(redirects)) return redirects;
    }
  }

  private countCommand(): void {
    if (++this.shared.commands > this.shared.options.maxCommands) {
      this.limit(`more than ${this.shared.options.maxCommands} commands`);
    }
  }

  private parseSimple(offset: number): Command {
    this.countCommand();
    const assignments: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    const src = this.src;
    for (;;) {
      this.skipBlanks();
      const c = src[this.pos];
      if (c === undefined || c === ';' || c === '&' || c === '|' || c === ')' || c === '\n') {
        if (c === '&' && src[this.pos + 1] === '>') {
          this.parseRedirect(redirects);
          continue;
        }
        break;
      }
      if (this.parseRedirect(redirects)) continue;
      if (c === '(') {
        if (words.length === 1 && assignments.length === 0) {
          // `name() compound`: a function definition.
          let close = this.pos + 1;
          while (src[close] === ' ' || src[close] === '\t') close++;
          if (src[close] === ')') {
            this.pos = close + 1;
            const first = words[0];
            return this.parseFunctionBody(first === undefined ? '' : literalText(first), offset);
          }
        }
        if (words.length === 0 && assignments.length === 0) break;
        this.problem(`unexpected ( at ${this.pos}`);
        this.pos++;
        continue;
      }
      if (c === '#' && words.length === 0 && assignments.length === 0) {
        this.skipComment();
        break;
      }
      if (c === '#') {
        this.skipComment();
        break;
      }
      if (words.length === 0) {
        const assignment = this.parseAssignment();
        if (assignment !== undefined) {
          assignments.push(assignment);
          continue;
        }
      }
      const before = this.pos;
      const word = this.readWord();
      if (word === undefined || this.pos === before) {
        this.problem(`unexpected ${c} at ${this.pos}`);
        this.pos++;
        continue;
      }
      words.push(word);
    }
    return { type: 'simple', assignments, words, redirects, offset } satisfies SimpleCommand;
  }

  /** `NAME=word`, `NAME+=word`, `NAME=(words)`, `NAME[i]=word` at the position, if there is one. */
  private parseAssignment(): Assignment | undefined {
    const src = this.src;
    if (!isNameStart(src.charCodeAt(this.pos))) return undefined;
    let i = this.pos + 1;
    while (isNameChar(src.charCodeAt(i))) i++;
    const name = src.slice(this.pos, i);
    if (src[i] === '[') {
      const close = src.indexOf(']', i);
      if (close < 0 || close - i > 256) return undefined;
      i = close + 1;
    }
    let append = false;
    if (src[i] === '+') {
      append = true;
      i++;
    }
    if (src[i] !== '=') return undefined;
    this.pos = i + 1;
    if (src[this.pos] === '(') {
      this.pos++;
      const array: Word[] = [];
      for (;;) {
        this.skipLinebreaks();
        const c = src[this.pos];
        if (c === undefined) break;
        if (c === ')') {
          this.pos++;
          break;
        }
        const before = this.pos;
        const word = this.readWord();
        if (word === undefined || this.pos === before) {
          this.pos++;
          continue;
        }
        array.push(word);
      }
      return { name, value: { parts: [], offset: this.pos }, append, array };
    }
    const value = this.readWord() ?? { parts: [], offset: this.pos };
    return { name, value, append };
  }

  /** A redirection at the position, appended to `redirects`; false when there is none. */
  private parseRedirect(redirects: Redirect[]): boolean {
    const src = this.src;
    let i = this.pos;
    while (isDigit(src.charCodeAt(i)) && i - this.pos < 4) i++;
    const c = src[i];
    if (c !== '<' && c !== '>' && !(c === '&' && src[i + 1] === '>' && i === this.pos)) return false;
    // `<(` and `>(` start a process substitution, not a redirection.
    if ((c === '<' || c === '>') && src[i + 1] === '(' && i === this.pos) return false;
    const op = REDIRECT_OPS.find((candidate) => src.startsWith(candidate, i));
    if (op === undefined) return false;
    const fd = i > this.pos ? Number(src.slice(this.pos, i)) : undefined;
    this.pos = i + op.length;
    this.skipBlanks();
    if (op === '<<' || op === '<<-') {
      const delimiterWord = this.readWord();
      const delimiter = delimiterWord === undefined ? '' : literalText(delimiterWord);
      const quoted =
        delimiterWord !== undefined &&
        delimiterWord.parts.some((part) => part.type === 'text' && part.quoted);
      const redirect: { fd?: number; op: string; target: Word } = {
        op,
        target: { parts: [], offset: this.pos },
      };
      if (fd !== undefined) redirect.fd = fd;
      this.heredocs.push({ delimiter, stripTabs: op === '<<-', quoted, redirect });
      redirects.push(redirect);
      return true;
    }
    const target = this.readWord();
    if (target === undefined) this.problem(`missing target after ${op} at ${this.pos}`);
    const redirect: Redirect = {
      op,
      target: target ?? { parts: [], offset: this.pos },
      ...(fd === undefined ? {} : { fd }),
    };
    redirects.push(redirect);
    return true;
  }

  // ---- words

  /** Reads one word at the position (undefined when the position does not start a word). */
  readWord(): Word | undefined {
    const src = this.src;
    const offset = this.pos;
    const parts = new Parts();
    for (;;) {
      const code = src.charCodeAt(this.pos);
      if (Number.isNaN(code)) break;
      if (code < 128 && SPECIAL[code] === 1) {
        const c = src[this.pos];
        if (c === '\\') {
          const next = src[this.pos + 1];
          if (next === '\n') this.pos += 2;
          else if (next === undefined) {
            parts.add('\\', false);
            this.pos++;
          } else {
            parts.add(next, true);
            this.pos += 2;
          }
          continue;
        }
        if (c === "'") {
          const close = src.indexOf("'", this.pos + 1);
          if (close < 0) {
            this.problem(`unterminated single quote at ${this.pos}`);
            parts.add(src.slice(this.pos + 1), true);
            this.pos = src.length;
          } else {
            parts.add(src.slice(this.pos + 1, close), true);
            parts.markEmptyQuoted();
            this.pos = close + 1;
          }
          continue;
        }
        if (c === '"') {
          this.readDoubleQuoted(parts);
          continue;
        }
        if (c === '$') {
          this.readDollar(parts, false);
          continue;
        }
        if (c === '`') {
          this.readBackticks(parts, false);
          continue;
        }
        if ((c === '<' || c === '>') && src[this.pos + 1] === '(' && this.pos === offset) {
          this.readProcessSubstitution(parts, c);
          continue;
        }
        break;
      }
      let end = this.pos + 1;
      while (end < src.length) {
        const next = src.charCodeAt(end);
        if (next < 128 && SPECIAL[next] === 1) break;
        end++;
      }
      parts.add(src.slice(this.pos, end), false);
      this.pos = end;
    }
    if (this.pos === offset) return undefined;
    return { parts: parts.finish(), offset };
  }

  private readDoubleQuoted(parts: Parts): void {
    const src = this.src;
    const open = this.pos;
    this.pos++;
    parts.markEmptyQuoted();
    for (;;) {
      const c = src[this.pos];
      if (c === undefined) {
        this.problem(`unterminated double quote at ${open}`);
        return;
      }
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === '\\') {
        const next = src[this.pos + 1];
        if (next === '$' || next === '`' || next === '"' || next === '\\') {
          parts.add(next, true);
          this.pos += 2;
        } else if (next === '\n') {
          this.pos += 2;
        } else {
          parts.add('\\', true);
          this.pos++;
        }
        continue;
      }
      if (c === '$') {
        this.readDollar(parts, true);
        continue;
      }
      if (c === '`') {
        this.readBackticks(parts, true);
        continue;
      }
      let end = this.pos + 1;
      while (end < src.length) {
        const next = src.charCodeAt(end);
        if (next < 128 && QUOTED_SPECIAL[next] === 1) break;
        end++;
      }
      parts.add(src.slice(this.pos, end), true);
      this.pos = end;
    }
  }

  /** `$…` at the position: parameters, substitutions, arithmetic, `$'…'` and `$"…"`. */
  readDollar(parts: Parts, quoted: boolean): void {
    const src = this.src;
    const start = this.pos;
    const next = src[start + 1];
    if (next === "'" && !quoted) {
      const close = findAnsiCClose(src, start + 2);
      if (close < 0) this.problem(`unterminated $' at ${start}`);
      const end = close < 0 ? src.length : close;
      parts.add(decodeEscapes(src.slice(start + 2, end), 'ansi-c'), true);
      parts.markEmptyQuoted();
      this.pos = end + 1;
      return;
    }
    if (next === '"' && !quoted) {
      this.pos++;
      this.readDoubleQuoted(parts);
      return;
    }
    if (next === '(') {
      if (src[start + 2] === '(') {
        this.skipArithmetic(start + 3);
        parts.push({ type: 'arithmetic', text: src.slice(start, this.pos), quoted });
        return;
      }
      this.pos = start + 2;
      this.enter();
      const script = this.parseList({ paren: true });
      this.leave();
      if (src[this.pos] === ')') this.pos++;
      else this.problem(`unterminated $( at ${start}`);
      parts.push({ type: 'command', script, quoted });
      return;
    }
    if (next === '{') {
      this.readBraceParameter(parts, quoted);
      return;
    }
    const code = src.charCodeAt(start + 1);
    if (isNameStart(code)) {
      let end = start + 2;
      while (isNameChar(src.charCodeAt(end))) end++;
      parts.push({ type: 'param', name: src.slice(start + 1, end), quoted });
      this.pos = end;
      return;
    }
    if (isDigit(code) || (next !== undefined && '@*#?$!-'.includes(next))) {
      parts.push({ type: 'param', name: next ?? '', quoted });
      this.pos = start + 2;
      return;
    }
    parts.add('$', quoted);
    this.pos = start + 1;
  }

  /** `${…}`: a name with an optional operator and word, up to the matching `}`. */
  private readBraceParameter(parts: Parts, quoted: boolean): void {
    const src = this.src;
    const start = this.pos;
    let i = start + 2;
    let prefix = '';
    if ((src[i] === '#' || src[i] === '!') && src[i + 1] !== '}') {
      prefix = src[i] ?? '';
      i++;
    }
    let nameEnd = i;
    if (isNameStart(src.charCodeAt(i))) {
      nameEnd++;
      while (isNameChar(src.charCodeAt(nameEnd))) nameEnd++;
    } else if (isDigit(src.charCodeAt(i))) {
      while (isDigit(src.charCodeAt(nameEnd))) nameEnd++;
    } else if ('@*#?$!-'.includes(src[i] ?? 'x')) {
      nameEnd++;
    }
    const name = src.slice(i, nameEnd);
    this.pos = nameEnd;
    if (src[this.pos] === '}') {
      this.pos++;
      parts.push(
        prefix === '' ? { type: 'param', name, quoted } : { type: 'param', name, op: prefix, quoted },
      );
      return;
    }
    const op = PARAM_OPS.find((candidate) => src.startsWith(candidate, this.pos)) ?? '';
    this.pos += op.length;
    this.enter();
    const word = this.readParameterWord(quoted);
    this.leave();
    if (src[this.pos] === '}') this.pos++;
    else this.problem(`unterminated \${ at ${start}`);
    parts.push({ type: 'param', name, op: prefix + op, word, quoted });
  }

  /** The word inside `${NAME op word}`, up to the `}` that closes it. */
  private readParameterWord(quoted: boolean): Word {
    const src = this.src;
    const offset = this.pos;
    const parts = new Parts();
    for (;;) {
      const c = src[this.pos];
      if (c === undefined || c === '}') break;
      if (c === '\\') {
        const next = src[this.pos + 1];
        if (next !== undefined) parts.add(next, true);
        this.pos += 2;
      } else if (c === "'" && !quoted) {
        const close = src.indexOf("'", this.pos + 1);
        const end = close < 0 ? src.length : close;
        parts.add(src.slice(this.pos + 1, end), true);
        this.pos = end + 1;
      } else if (c === '"') {
        this.readDoubleQuoted(parts);
      } else if (c === '$') {
        this.readDollar(parts, quoted);
      } else if (c === '`') {
        this.readBackticks(parts, quoted);
      } else {
        let end = this.pos + 1;
        while (end < src.length && !'}\\\'"$`'.includes(src[end] ?? '')) end++;
        parts.add(src.slice(this.pos, end), quoted);
        this.pos = end;
      }
    }
    return { parts: parts.finish(), offset };
  }

  /** `` `…` ``: the text up to the closing backtick, unescaped, parsed as a script of its own. */
  readBackticks(parts: Parts, quoted: boolean): void {
    const src = this.src;
    const start = this.pos;
    let i = start + 1;
    let inner = '';
    let chunk = i;
    while (i < src.length && src[i] !== '`') {
      if (src[i] === '\\' && (src[i + 1] === '`' || src[i + 1] === '\\' || src[i + 1] === '$')) {
        inner += src.slice(chunk, i) + (src[i + 1] ?? '');
        i += 2;
        chunk = i;
      } else {
        i++;
      }
    }
    inner += src.slice(chunk, i);
    if (i >= src.length) this.problem(`unterminated backtick at ${start}`);
    this.pos = Math.min(i + 1, src.length);
    this.enter();
    const parser = new Parser(inner, this.shared, this.nesting);
    const items: AndOr[] = [];
    try {
      parser.parseTop(items);
    } finally {
      this.leave();
    }
    parts.push({ type: 'command', script: { items }, quoted });
  }

  private readProcessSubstitution(parts: Parts, direction: '<' | '>'): void {
    const start = this.pos;
    this.pos += 2;
    this.enter();
    const script = this.parseList({ paren: true });
    this.leave();
    if (this.src[this.pos] === ')') this.pos++;
    else this.problem(`unterminated ${direction}( at ${start}`);
    parts.push({ type: 'process', script, direction });
  }
}

/** Keywords that close a construct; alone at the top level they are syntax errors. */
const KEYWORD_CLOSERS = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', 'esac', '}', 'in']);

/** End of `$'…'`: the next quote not escaped by a backslash. */
function findAnsiCClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === "'") return i;
  }
  return -1;
}

/** The text of a word when it has no expansions (a name, a delimiter, a keyword). */
function literalText(word: Word): string {
  let text = '';
  for (const part of word.parts) {
    if (part.type !== 'text') return text + '\u0000';
    text += part.text;
  }
  return text;
}

/** Parses a script. Never throws: limits and problems are returned with the tree. */
export function parseShell(text: string, options: ParseOptions = DEFAULT_PARSE_OPTIONS): ParsedScript {
  const shared: Shared = { limits: [], problems: [], commands: 0, options };
  let source = text;
  if (source.length > options.maxLength) {
    shared.limits.push(`script longer than ${options.maxLength} characters`);
    source = source.slice(0, options.maxLength);
  }
  const items: AndOr[] = [];
  const parser = new Parser(source, shared, 0);
  try {
    parser.parseTop(items);
  } catch (error) {
    if (!(error instanceof LimitReached)) {
      // A parser defect must not let a script through unread: it is a limit like the others.
      shared.limits.push(`parser failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { script: { items }, limits: shared.limits, problems: shared.problems };
}
