/**
 * The shell syntax tree `parseShell()` builds: the structure of a POSIX sh / bash script (lists,
 * pipelines, compound commands, functions, redirections, heredocs) with every word kept as parts
 * (literal text, parameters, command and process substitutions), so the execution model can tell
 * what a word will hold at run time and where its content comes from. Nothing is expanded here.
 */

/** One piece of a word. `quoted` parts are not split into fields or brace-expanded. */
export type WordPart =
  | { readonly type: 'text'; readonly text: string; readonly quoted: boolean }
  /** `$NAME`, `${NAME}`, `${NAME:-word}`, `${#NAME}`, `$1`, `$@`; `op` is the operator text (`:-`, `#`, `//`…). */
  | {
      readonly type: 'param';
      readonly name: string;
      readonly op?: string;
      readonly word?: Word;
      readonly quoted: boolean;
    }
  /** `$(…)` or `` `…` ``: its standard output. */
  | { readonly type: 'command'; readonly script: Script; readonly quoted: boolean }
  /** `<(…)` or `>(…)`: a path (`/dev/fd/63`) connected to the script's output or input. */
  | { readonly type: 'process'; readonly script: Script; readonly direction: '<' | '>' }
  /** `$((…))`: a number the model does not compute. */
  | { readonly type: 'arithmetic'; readonly text: string; readonly quoted: boolean };

export interface Word {
  readonly parts: readonly WordPart[];
  /** Offset of the word in the script text, for finding details. */
  readonly offset: number;
}

export interface Redirect {
  /** Explicit descriptor before the operator (`2` in `2>&1`). */
  readonly fd?: number;
  /** `<`, `>`, `>>`, `>|`, `<>`, `<&`, `>&`, `&>`, `&>>`, `<<`, `<<-`, `<<<`. */
  readonly op: string;
  /** The target word; for `<<` and `<<-` the heredoc body (literal when the delimiter was quoted). */
  readonly target: Word;
}

export interface Assignment {
  readonly name: string;
  readonly value: Word;
  readonly append: boolean;
  /** `name=(a b c)`: the elements; `value` is then empty. */
  readonly array?: readonly Word[];
}

export interface SimpleCommand {
  readonly type: 'simple';
  readonly assignments: readonly Assignment[];
  readonly words: readonly Word[];
  readonly redirects: readonly Redirect[];
  readonly offset: number;
}

export interface Pipeline {
  readonly negated: boolean;
  readonly commands: readonly Command[];
}

/** `a && b || c`, run in the background when followed by `&`. */
export interface AndOr {
  readonly first: Pipeline;
  readonly rest: readonly { readonly op: '&&' | '||'; readonly pipeline: Pipeline }[];
  readonly background: boolean;
}

export interface Script {
  readonly items: readonly AndOr[];
}

interface CompoundBase {
  readonly redirects: readonly Redirect[];
  readonly offset: number;
}

interface Subshell extends CompoundBase {
  readonly type: 'subshell';
  readonly body: Script;
}

interface Group extends CompoundBase {
  readonly type: 'group';
  readonly body: Script;
}

interface If extends CompoundBase {
  readonly type: 'if';
  readonly clauses: readonly { readonly condition: Script; readonly body: Script }[];
  readonly otherwise?: Script;
}

/** `while`, `until`, `for`, `select` and `for ((…))`: the body may run many times. */
interface Loop extends CompoundBase {
  readonly type: 'loop';
  readonly keyword: 'while' | 'until' | 'for' | 'select';
  readonly condition?: Script;
  /** `for NAME in WORDS`: the variable and its words (absent words: `"$@"`). */
  readonly variable?: string;
  readonly words?: readonly Word[];
  readonly body: Script;
}

interface Case extends CompoundBase {
  readonly type: 'case';
  readonly word: Word;
  readonly items: readonly { readonly patterns: readonly Word[]; readonly body: Script }[];
}

interface FunctionDefinition {
  readonly type: 'function';
  readonly name: string;
  readonly body: Command;
  readonly offset: number;
}

/** `[[ … ]]` and `(( … ))`: tests, run as a command named `[[` with the words inside. */
interface Test extends CompoundBase {
  readonly type: 'test';
  readonly words: readonly Word[];
}

export type Command = SimpleCommand | Subshell | Group | If | Loop | Case | FunctionDefinition | Test;

/** What `parseShell` returns: the tree, and what stopped it from reading the whole script. */
export interface ParsedScript {
  readonly script: Script;
  /** Limits reached (nesting, length, commands): the analysis is incomplete and fails closed. */
  readonly limits: readonly string[];
  /** Syntax the parser did not understand (an unterminated quote); the rest is still read. */
  readonly problems: readonly string[];
}
