/**
 * The execution model of one container: every program it will run (after launchers, functions,
 * `eval`, nested shells and interpreters were followed), every action those programs take, and
 * the flows from sources (the network, credentials, decoded text) to sinks (execution, a send to
 * a host, the container's log). Built once per container by `execution.ts`; rules read it.
 */
import type { Action, Origin, Value } from './action.js';

/** Where in the container a piece of code runs. */
export type Site = 'command' | 'lifecycle' | 'probe';

/** One program run, as the kernel would see it. */
export interface Invocation {
  /** Basename of the program, lowercased: `/usr/bin/NC` → `nc`; a computed name as far as known. */
  readonly program: string;
  /** Words after expansion; `argv[0]` as written. */
  readonly argv: readonly Value[];
  /** `argv` texts, for rules that match words. */
  readonly words: readonly string[];
  /** Launchers unwrapped to reach this program, outermost first (`sudo`, `nohup`, `chroot /host`). */
  readonly launchers: readonly string[];
  /** Redirections that stayed with the program: `{ op: '>', target: '/proc/sys/kernel/core_pattern' }`. */
  readonly redirects: readonly { readonly op: string; readonly fd?: number; readonly target: string }[];
  /** What it reads on stdin, when known. */
  readonly stdin?: Value;
  /** Working directory when a literal `cd` said so. */
  readonly cwd?: string;
  readonly path: string;
  readonly loop: boolean;
  /** Nesting: 0 for the container's own argv, +1 per `sh -c`, `eval`, function call, interpreter launch. */
  readonly depth: number;
  readonly site: Site;
  /** The program name was assembled at run time (quotes split inside it, variables, `${IFS}`, decoding). */
  readonly obfuscatedName: boolean;
  /** JSON paths of `argv[k]` when the invocation is the container's own argv (depth 0). */
  readonly argPaths?: readonly string[];
}

type Sink =
  /** The content runs as code: a shell, an interpreter, `eval`, or a file executed. */
  | 'exec'
  /** The content is sent to a host (an HTTP request's header, body or URL, a socket, DNS). */
  | 'send'
  /** The content is written to the container's log (stdout/stderr), readable by anyone with log access. */
  | 'log';

/** Content going from a source to a sink. */
export interface Flow {
  readonly source: Origin;
  readonly sink: Sink;
  /** For `send`: the destination URL as written (`https://203.0.113.5/x`, `tcp://h:4444`). */
  readonly destination?: string;
  /** What happened on the way, in order: `unpacks k.tgz`, `installs as /usr/local/bin/x`, `runs ./kswapd0`. */
  readonly steps: readonly string[];
  /** The program that executes or sends it (`sh`, `python3`, `curl`, `./kswapd0`). */
  readonly by: string;
  readonly path: string;
  readonly loop: boolean;
}

/** A sign that the code hides what it does. */
export interface ObfuscationSign {
  readonly kind: 'split-name' | 'computed-name' | 'decode-to-exec' | 'eval-computed' | 'escaped-text';
  readonly detail: string;
  readonly path: string;
}

export interface Execution {
  readonly invocations: readonly Invocation[];
  readonly actions: readonly Action[];
  readonly flows: readonly Flow[];
  readonly obfuscation: readonly ObfuscationSign[];
  /**
   * The shell script texts the container runs, as far as known, in the order they run, each once:
   * `sh -c` strings at any depth, `eval`'d text, decoded payloads piped to a shell, and files run or
   * sourced whose content the container wrote. Content the model cannot know (a download) is absent.
   * Bounded: at most 100 texts and 2 MiB in all.
   */
  readonly scripts: readonly string[];
  /** Analysis cut short: the container fails closed. Each says which limit and where. */
  readonly limits: readonly string[];
  /** Syntax the model could not read (an unterminated quote), for context only. */
  readonly problems: readonly string[];
}
