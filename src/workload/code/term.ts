/**
 * What the interpreter knows of one run-time value: its text as far as it is known (a `Value`), and
 * the structure the analysis follows — list items, map keys, the library name it stands for
 * (`os.system`), the runtime object it is (a socket, a process, a file), a user function, and which
 * socket or process its content came from. Terms are immutable; operations build new ones.
 */
import type { Origin, Value } from '../action.js';
import type { Node } from './tree.js';

/** Longest text a term keeps; longer text is cut and marked inexact. */
const MAX_TEXT = 256 * 1024;
/** Most items a list or map term keeps. */
const MAX_ITEMS = 4096;

export type RuntimeObject =
  /** A socket, or a stream, reader, writer or file descriptor of one. */
  | { readonly t: 'socket'; readonly id: number }
  /** A process started by a `run` action (its index). */
  | { readonly t: 'process'; readonly run: number }
  /** A process's standard stream: 0 its stdin (written by the code), 1/2 its output. */
  | { readonly t: 'stream'; readonly run: number; readonly fd: number }
  /** The code's own standard stream (`sys.stdin`, `STDOUT`, `process.stdout`). */
  | { readonly t: 'stdio'; readonly fd: number }
  /** An open file. */
  | { readonly t: 'file'; readonly path: Term; readonly write: boolean }
  /**
   * An HTTP client, session, request or URL object: `url` (or a base URL) when it has one; `state`
   * collects headers and options set on it later (`s.headers.update(…)`, `curl_setopt`).
   */
  | { readonly t: 'client'; readonly url?: Term; readonly state: ClientState }
  /** A socket address (`sockaddr_in`, `Addrinfo.tcp`). */
  | { readonly t: 'address'; readonly host: Term; readonly port: Term }
  /** The environment (`os.environ`, `process.env`, `%ENV`): members and keys are variables. */
  | { readonly t: 'env' }
  /** The code's arguments (`sys.argv`, `@ARGV`): item `offset` is the first argument after the code. */
  | { readonly t: 'args'; readonly offset: number };

export interface ClientState {
  url?: Term;
  method?: string;
  headers: Term[];
  body?: Term;
  insecure?: boolean;
  /** File the response is written to (`CURLOPT_FILE`, `-OutFile`). */
  to?: Term;
}

export interface Closure {
  readonly node: Extract<Node, { k: 'func' }>;
  readonly scope: Scope;
}

export interface Scope {
  readonly vars: Map<string, Term>;
  readonly parent?: Scope;
}

export interface Term {
  readonly text: string;
  readonly exact: boolean;
  readonly origins: readonly Origin[];
  readonly num?: number;
  readonly items?: readonly Term[];
  readonly keys?: ReadonlyMap<string, Term>;
  /** Library path this value names: a module, function, class or constant (`os`, `os.system`). */
  readonly api?: string;
  readonly obj?: RuntimeObject;
  readonly func?: Closure;
  /** A method of `self` looked up but not yet called (`s.connect`). */
  readonly bound?: {
    readonly self: Term;
    readonly name: string;
    /** The variable `self` was read from (`chunks` in `chunks.push(d)`), for methods that add to it. */
    readonly owner?: string;
  };
  /**
   * How the text was hidden from a reader, when it was: `concatenation`, `chr`, `reversal`,
   * `base64`… — a name or code built this way is a sign of obfuscation.
   */
  readonly hidden?: string;
  /** Socket whose data this is. */
  readonly socket?: number;
  /** Index of the `run` (or `eval`) action whose output this is. */
  readonly output?: { readonly action: number; readonly run: boolean };
  /** A `run` or `eval` that took its command from a socket: that socket. */
  readonly driven?: number;
}

export const EMPTY: Term = { text: '', exact: true, origins: [] };

export function str(text: string): Term {
  if (text.length > MAX_TEXT) return { text: text.slice(0, MAX_TEXT), exact: false, origins: [] };
  return { text, exact: true, origins: [] };
}

export function num(value: number): Term {
  return { text: String(value), exact: true, origins: [], num: value };
}

export function unknown(text: string, origins: readonly Origin[] = []): Term {
  return { text, exact: false, origins };
}

export function api(path: string): Term {
  return { text: path, exact: true, origins: [], api: path };
}

export function list(items: readonly Term[], exact = true): Term {
  const kept = items.length > MAX_ITEMS ? items.slice(0, MAX_ITEMS) : items;
  let origins: readonly Origin[] = [];
  let allExact = exact && kept.length === items.length;
  for (const item of kept) {
    origins = mergeOrigins(origins, item.origins);
    if (!item.exact) allExact = false;
  }
  return { text: kept.map((item) => item.text).join(' '), exact: allExact, origins, items: kept };
}

function originKey(origin: Origin): string {
  switch (origin.kind) {
    case 'network':
      return `n${origin.url}`;
    case 'credential':
      return `c${origin.credential}${origin.source}`;
    case 'decoded':
      return `d${origin.encoding}`;
    case 'stdin':
      return 's';
    case 'env':
      return `e${origin.name}`;
    default:
      return JSON.stringify(origin);
  }
}

export function mergeOrigins(a: readonly Origin[], b: readonly Origin[]): readonly Origin[] {
  if (b.length === 0 || a === b) return a;
  if (a.length === 0) return b;
  const seen = new Set(a.map(originKey));
  let merged: Origin[] | undefined;
  for (const origin of b) {
    const key = originKey(origin);
    if (seen.has(key)) continue;
    seen.add(key);
    (merged ??= [...a]).push(origin);
  }
  return merged ?? a;
}

/** Joins texts; origins, socket and output marks carry over. */
export function concat(parts: readonly Term[], hidden?: string): Term {
  const [only] = parts;
  if (only !== undefined && parts.length === 1 && hidden === undefined) return only;
  let text = '';
  let exact = true;
  let origins: readonly Origin[] = [];
  let socket: number | undefined;
  let output: Term['output'];
  let hiddenBy = hidden;
  let driven: number | undefined;
  for (const part of parts) {
    if (text.length + part.text.length > MAX_TEXT) {
      text += part.text.slice(0, Math.max(0, MAX_TEXT - text.length));
      exact = false;
    } else {
      text += part.text;
    }
    if (!part.exact) exact = false;
    origins = mergeOrigins(origins, part.origins);
    socket ??= part.socket;
    output ??= part.output;
    hiddenBy ??= part.hidden;
    driven ??= part.driven;
  }
  return withMarks({ text, exact, origins }, { socket, output, hidden: hiddenBy, driven });
}

/** A derived value: new text, the source's origins and marks (a transform of data keeps its source). */
export function derive(text: string, exact: boolean, from: readonly Term[], hidden?: string): Term {
  let origins: readonly Origin[] = [];
  let socket: number | undefined;
  let output: Term['output'];
  let hiddenBy = hidden;
  let driven: number | undefined;
  for (const term of from) {
    origins = mergeOrigins(origins, term.origins);
    socket ??= term.socket ?? (term.obj?.t === 'socket' ? term.obj.id : undefined);
    output ??= term.output;
    hiddenBy ??= term.hidden;
    driven ??= term.driven;
  }
  const cut = text.length > MAX_TEXT;
  return withMarks(
    { text: cut ? text.slice(0, MAX_TEXT) : text, exact: exact && !cut, origins },
    { socket, output, hidden: hiddenBy, driven },
  );
}

function withMarks(
  base: { text: string; exact: boolean; origins: readonly Origin[] },
  marks: Pick<Term, 'socket' | 'output' | 'hidden' | 'driven'>,
): Term {
  const term: {
    text: string;
    exact: boolean;
    origins: readonly Origin[];
    socket?: number;
    output?: Term['output'];
    hidden?: string;
    driven?: number;
  } = base;
  if (marks.socket !== undefined) term.socket = marks.socket;
  if (marks.output !== undefined) term.output = marks.output;
  if (marks.hidden !== undefined) term.hidden = marks.hidden;
  if (marks.driven !== undefined) term.driven = marks.driven;
  return term;
}

/** The same value, no longer exact (a variable that changes in a loop). */
export function varying(term: Term): Term {
  return term.exact ? { ...term, exact: false } : term;
}

export function withOrigin(term: Term, origin: Origin): Term {
  return { ...term, origins: mergeOrigins(term.origins, [origin]) };
}

export function toValue(term: Term): Value {
  return { text: term.text, exact: term.exact, origins: term.origins };
}

/** The items of a list term, or the term itself as the only item. */
export function itemsOf(term: Term): readonly Term[] {
  return term.items ?? [term];
}

/** Whether a term is a known number (or a string of digits), and which. */
export function numberOf(term: Term): number | undefined {
  if (term.num !== undefined) return term.num;
  if (term.exact && /^\s*-?\d{1,15}\s*$/.test(term.text)) return Number(term.text);
  return undefined;
}

/** A string of bytes (one character per byte) for a term's text: latin-1 when it fits, else UTF-8. */
export function bytesOf(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\xff]*$/.test(text) ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

/** Bytes back to text: UTF-8 when they are valid UTF-8, else one character per byte. */
export function textOfBytes(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\ufffd') ? bytes.toString('latin1') : utf8;
}
