/**
 * What a container runs: its argv (`command` + `args`, with Kubernetes `$(VAR)` references
 * expanded) and every command reachable from it by static analysis: `sh -c` scripts, `eval`
 * strings, scripts fed to a shell on stdin, and base64/hex payloads decoded and parsed in turn.
 *
 * Bounded on purpose, because the input is attacker-controlled: nested scripts stop at depth
 * `MAX_DEPTH`, decoded payloads at `MAX_DECODED_BYTES` in total, one script at `MAX_SCRIPT_LENGTH`
 * characters, all scripts together at `MAX_TOTAL_PARSED` and substituted variable values at
 * `MAX_EXPANDED`. Never throws: problems are recorded.
 */
import { parseShell, resolveProgram } from './shell.js';
import { decodeEscapes, TextBuilder } from './text.js';
import type { CommandModel, EnvVar, SimpleCommand } from './types.js';

/** Deepest nesting parsed: argv is 0, its `sh -c` script 1, a payload decoded inside that 2, … */
export const MAX_DEPTH = 4;
/** Total bytes of decoded payloads per container. */
export const MAX_DECODED_BYTES = 256 * 1024;
/** Longest single script parsed; longer ones are cut. */
export const MAX_SCRIPT_LENGTH = 1024 * 1024;
/** All script text parsed per container, nested and decoded scripts included. */
const MAX_TOTAL_PARSED = 4 * MAX_SCRIPT_LENGTH;
/**
 * Variable values substituted per container, all scripts together. Without a bound a few lines
 * (`A=$A$A` repeated) make words of gigabytes, and `echo "$A" "$A" …` hands the rules a value per word.
 */
const MAX_EXPANDED = MAX_SCRIPT_LENGTH;

const SHELLS = new Set([
  'sh',
  'bash',
  'ash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'pdksh',
  'yash',
  'rbash',
  'hush',
  'fish',
  'csh',
  'tcsh',
]);
/** Shell options that take a value (`-o pipefail`, `--rcfile FILE`). */
const SHELL_VALUE_OPTIONS = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);
/** Programs that run a shell string given with `-c` / `--command`. */
const COMMAND_RUNNERS = new Set(['su', 'runuser', 'script', 'flock']);
/** A `\xHH` or octal escape, as `printf` and `echo -e` decode them. */
const HEX_ESCAPE = /\\(?:x[0-9a-fA-F]|[0-7])/g;

/** Whether a program name (a `SimpleCommand.program`) is a shell. */
export function isShellProgram(name: string): boolean {
  return SHELLS.has(name);
}

/** The script a shell runs with `-c` (also `-ec`, `-xc`, `-lc`, `-o pipefail -c`), if any. */
export function shellScriptOf(command: SimpleCommand): string | undefined {
  if (!isShellProgram(command.program)) return undefined;
  const { argv } = command;
  let hasC = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--' || arg === '-') {
      i++;
      break;
    }
    if (!/^[-+]./.test(arg)) break;
    if (SHELL_VALUE_OPTIONS.has(arg)) i++;
    else if (/^-[a-zA-Z]*c/.test(arg)) hasC = true;
  }
  return hasC ? argv[i] : undefined;
}

/** Whether a shell reads its script from stdin (no `-c`, no script file, or `-s`). */
function readsScriptFromStdin(command: SimpleCommand): boolean {
  if (!isShellProgram(command.program)) return false;
  for (let i = 1; i < command.argv.length; i++) {
    const arg = command.argv[i] ?? '';
    if (arg === '--' || arg === '-') return i + 1 >= command.argv.length;
    if (!/^[-+]./.test(arg)) return false;
    if (SHELL_VALUE_OPTIONS.has(arg)) i++;
    else if (/^-[a-zA-Z]*c/.test(arg)) return false;
    else if (/^-[a-zA-Z]*s/.test(arg)) return true;
  }
  return true;
}

/** Whether the command decodes base64 from stdin (`base64 -d`, `openssl base64 -d`, `openssl enc -d -a`). */
export function isBase64Decoder(command: SimpleCommand): boolean {
  const { program, argv } = command;
  if (program === 'base64') {
    return argv.some((arg, index) => index > 0 && (arg === '--decode' || /^-[a-zA-Z]*[dD]/.test(arg)));
  }
  if (program !== 'openssl') return false;
  const args = argv.slice(1);
  const base64 =
    args[0] === 'base64' || (args[0] === 'enc' && (args.includes('-base64') || args.includes('-a')));
  return base64 && args.includes('-d') && !args.includes('-in');
}

/** Whether the command decodes plain hex from stdin (`xxd -r -p`, `xxd -rp`, `xxd -r -ps`). */
export function isHexDecoder(command: SimpleCommand): boolean {
  if (command.program !== 'xxd') return false;
  const flags = command.argv
    .slice(1)
    .filter((arg) => arg.startsWith('-'))
    .join('');
  return flags.includes('r') && flags.includes('p');
}

/**
 * Expands Kubernetes `$(VAR)` references the way the kubelet does for command, args and env
 * values: known variables are replaced, unknown ones kept as written, `$$` becomes `$`.
 */
export function expandKubernetesReferences(text: string, vars: ReadonlyMap<string, string>): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0 || dollar === text.length - 1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '(') {
      const close = text.indexOf(')', dollar + 2);
      if (close < 0) {
        out += text.slice(dollar);
        break;
      }
      const name = text.slice(dollar + 2, close);
      out += vars.get(name) ?? `$(${name})`;
      i = close + 1;
    } else {
      out += '$';
      i = dollar + 1;
    }
  }
  return out;
}

/** Literal env values by name, each expanded against the ones before it as the kubelet does. */
function literalEnv(env: readonly EnvVar[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const variable of env) {
    if (variable.isReference || variable.value === undefined) vars.delete(variable.name);
    else vars.set(variable.name, expandKubernetesReferences(variable.value, vars));
  }
  return vars;
}

/** `echo` output: `-n`, `-e`, `-E` flags honoured. */
function echoOutput(command: SimpleCommand): string {
  const { argv } = command;
  let newline = true;
  let escapes = false;
  // An index, not `shift()`: shifting a long argument list is linear per flag (`echo -e -e -e …`).
  let first = 1;
  for (let flags = argv[first]; flags !== undefined && /^-[neE]+$/.test(flags); flags = argv[++first]) {
    if (flags.includes('n')) newline = false;
    if (flags.includes('e')) escapes = true;
    if (flags.includes('E')) escapes = false;
  }
  const text = argv.slice(first).join(' ');
  return (escapes ? decodeEscapes(text, 'echo') : text) + (newline ? '\n' : '');
}

/** Output computed beyond this is not needed: it exceeds the decoded-payload budget anyway. */
const MAX_PRINTF_OUTPUT = 2 * MAX_DECODED_BYTES;
const CONVERSION = /%[-+ #0]*(?:\d+|\*)?(?:\.\d*)?([a-zA-Z%])/g;

/** `printf FORMAT ARGS…` output, for `%s`, `%b`, `%%` and pass-through of other conversions. */
function printfOutput(command: SimpleCommand): string {
  const args = command.argv.slice(1);
  if (args[0] === '--') args.shift();
  const format = args.shift();
  if (format === undefined) return '';
  const out = new TextBuilder();
  let used = 0;
  // printf reuses its format while arguments remain; each round must consume one.
  for (let round = 0; round <= args.length; round++) {
    const usedBefore = used;
    let last = 0;
    for (const match of format.matchAll(CONVERSION)) {
      out.add(decodeEscapes(format.slice(last, match.index), 'printf'));
      last = match.index + match[0].length;
      if (match[1] === '%') {
        out.add('%');
        continue;
      }
      const arg = args[used++] ?? '';
      out.add(match[1] === 'b' ? decodeEscapes(arg, 'echo') : arg);
    }
    out.add(decodeEscapes(format.slice(last), 'printf'));
    if (used >= args.length || used === usedBefore || out.length > MAX_PRINTF_OUTPUT) break;
  }
  return out.take();
}

/** Text without control characters other than tab, newline and carriage return. */
function isPrintable(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Printable UTF-8 text, or undefined for binary. */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  return isPrintable(text) ? text : undefined;
}

/** Whether text holds at least two hex or octal escapes: text written in hex to hide it. */
function hasHexEscapes(text: string): boolean {
  let count = 0;
  for (const _match of text.matchAll(HEX_ESCAPE)) if (++count >= 2) return true;
  return false;
}

interface Walk {
  model: CommandModel;
  env: Map<string, string>;
  nextPipeline: number;
  decodedBytes: number;
  parsedChars: number;
  /** Characters of variable values substituted by all parses (see `MAX_EXPANDED`). */
  expandedChars: number;
  /** Encoded payloads already decoded, by `encoding:input`; created by the first one. */
  payloads?: Map<string, string | undefined>;
  /** Inner text of substitutions already parsed in place; created by the first one. */
  substitutions?: Set<string>;
}

/**
 * Known stdout of commands whose output was computed (decoders, hex printf), for the next command
 * of their pipeline; undefined when no command has a neighbour to read it.
 */
type Outputs = Map<SimpleCommand, string> | undefined;

function addProblem(walk: Walk, message: string): void {
  if (walk.model.problems.length < 100) walk.model.problems.push(message);
}

/** Whether a script is a single substitution already parsed where it was written (`"$(curl …)"`). */
function isParsedSubstitution(script: string, walk: Walk): boolean {
  const trimmed = script.trim();
  const inner = trimmed.startsWith('$(') && trimmed.endsWith(')') ? trimmed.slice(2, -1) : undefined;
  const backticked = /^`[^`]*`$/.test(trimmed) ? trimmed.slice(1, -1) : undefined;
  const parsed = walk.substitutions;
  return (
    parsed !== undefined &&
    ((inner !== undefined && parsed.has(inner)) || (backticked !== undefined && parsed.has(backticked)))
  );
}

function parseScript(script: string, depth: number, origin: SimpleCommand['origin'], walk: Walk): void {
  if (script.trim() === '' || isParsedSubstitution(script, walk)) return;
  if (depth > MAX_DEPTH) {
    addProblem(walk, `depth limit ${MAX_DEPTH} reached; a nested ${origin} script was not parsed`);
    return;
  }
  if (walk.parsedChars + Math.min(script.length, MAX_SCRIPT_LENGTH) > MAX_TOTAL_PARSED) {
    addProblem(walk, `more than ${MAX_TOTAL_PARSED} characters of scripts; rest not parsed`);
    return;
  }
  walk.parsedChars += Math.min(script.length, MAX_SCRIPT_LENGTH);
  walk.model.scripts.push(script);
  const result = parseShell(script, {
    depth,
    origin,
    env: walk.env,
    pipelineBase: walk.nextPipeline,
    maxLength: MAX_SCRIPT_LENGTH,
    maxExpansion: MAX_EXPANDED - walk.expandedChars,
  });
  walk.nextPipeline = result.nextPipeline;
  walk.expandedChars += result.expanded;
  for (const substitution of result.substitutions) (walk.substitutions ??= new Set()).add(substitution);
  for (const problem of result.problems) addProblem(walk, problem);
  visit(result.commands, walk);
}

/** The members of a pipeline of one command: it has no neighbours. */
const ALONE: readonly SimpleCommand[] = [];

/**
 * Members of every pipeline of more than one command, by pipeline index and position; undefined
 * when there is none. Most commands are alone in theirs (the parser gives each pipeline position one
 * command); a list per command would cost a map entry and an array each.
 */
export function pipelinesOf(commands: readonly SimpleCommand[]): Map<number, SimpleCommand[]> | undefined {
  let pipelines: Map<number, SimpleCommand[]> | undefined;
  for (const command of commands) {
    if (command.pipelinePosition > 0) (pipelines ??= new Map()).set(command.pipeline, []);
  }
  if (pipelines === undefined) return undefined;
  for (const command of commands) {
    const members = pipelines.get(command.pipeline);
    if (members !== undefined) members[command.pipelinePosition] = command;
  }
  return pipelines;
}

/** Adds commands to the model in order, each followed by what it leads to. */
function visit(commands: SimpleCommand[], walk: Walk): void {
  const pipelines = pipelinesOf(commands);
  const outputs: Outputs = pipelines === undefined ? undefined : new Map();
  for (const command of commands) {
    walk.model.commands.push(command);
    follow(command, pipelines?.get(command.pipeline) ?? ALONE, outputs, walk);
  }
}

function stdinOf(
  command: SimpleCommand,
  members: readonly SimpleCommand[],
  outputs: Outputs,
): { text: string; computed: boolean } | undefined {
  for (const redirect of command.redirects) {
    if (redirect.op === '<<<') return { text: `${redirect.target}\n`, computed: false };
    if ((redirect.op === '<<' || redirect.op === '<<-') && redirect.body !== undefined) {
      return { text: redirect.body, computed: false };
    }
  }
  let previous = members[command.pipelinePosition - 1];
  // `… | cat | sh` passes its input through; a few hops are enough.
  for (let hops = 0; hops < 8 && previous !== undefined; hops++) {
    const computed = outputs?.get(previous);
    if (computed !== undefined) return { text: computed, computed: true };
    if (previous.program === 'echo') return { text: echoOutput(previous), computed: false };
    if (previous.program === 'printf') return { text: printfOutput(previous), computed: false };
    if (previous.program !== 'cat' || previous.argv.length > 1) return undefined;
    for (const redirect of previous.redirects) {
      if (redirect.op === '<<<') return { text: `${redirect.target}\n`, computed: false };
      if (redirect.body !== undefined) return { text: redirect.body, computed: false };
    }
    previous = members[previous.pipelinePosition - 1];
  }
  return undefined;
}

function decodePayload(encoding: 'base64' | 'hex', input: string, walk: Walk): string | undefined {
  const compact = input.replace(/\s+/g, '');
  const key = `${encoding}:${compact}`;
  const payloads = (walk.payloads ??= new Map<string, string | undefined>());
  if (payloads.has(key)) return payloads.get(key);
  let bytes: Buffer | undefined;
  if (encoding === 'base64' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(compact))
    bytes = Buffer.from(compact, 'base64');
  if (encoding === 'hex' && /^(?:[0-9a-fA-F]{2})+$/.test(compact)) bytes = Buffer.from(compact, 'hex');
  let text: string | undefined;
  if (bytes !== undefined && bytes.length > 0) {
    if (walk.decodedBytes + bytes.length > MAX_DECODED_BYTES) {
      addProblem(walk, `more than ${MAX_DECODED_BYTES} bytes of decoded payloads; rest not decoded`);
    } else {
      walk.decodedBytes += bytes.length;
      text = asText(bytes);
      if (text === undefined)
        addProblem(walk, `${encoding} payload decodes to binary (${bytes.length} bytes)`);
      else walk.model.decoded.push({ encoding, text });
    }
  }
  payloads.set(key, text);
  return text;
}

function isDecoder(command: SimpleCommand | undefined): boolean {
  return command !== undefined && (isBase64Decoder(command) || isHexDecoder(command));
}

function follow(
  command: SimpleCommand,
  members: readonly SimpleCommand[],
  outputs: Outputs,
  walk: Walk,
): void {
  const depth = command.depth + 1;
  const next = members[command.pipelinePosition + 1];
  const { program, argv } = command;

  const script = shellScriptOf(command);
  if (script !== undefined) {
    parseScript(script, depth, 'shell', walk);
  } else if (readsScriptFromStdin(command)) {
    const stdin = stdinOf(command, members, outputs);
    // Computed input (a decoded payload) was parsed when it was decoded.
    if (stdin !== undefined && !stdin.computed) parseScript(stdin.text, depth, 'shell', walk);
  } else if (program === 'eval' && argv.length > 1) {
    parseScript(argv.slice(1).join(' '), depth, 'shell', walk);
  } else if (COMMAND_RUNNERS.has(program)) {
    const index = argv.findIndex((arg) => arg === '-c' || arg === '--command');
    const inline = argv.find((arg) => arg.startsWith('--command='));
    const text = index > 0 ? argv[index + 1] : inline?.slice('--command='.length);
    if (text !== undefined) parseScript(text, depth, 'shell', walk);
  }

  if (isDecoder(command)) {
    const stdin = stdinOf(command, members, outputs);
    if (stdin === undefined) return;
    const encoding = isHexDecoder(command) ? 'hex' : 'base64';
    const decoded = decodePayload(encoding, stdin.text, walk);
    if (decoded === undefined) return;
    outputs?.set(command, decoded);
    if (!isDecoder(next)) parseScript(decoded, depth, 'decoded', walk);
    return;
  }

  if (program === 'printf' || (program === 'echo' && argv.some((arg) => /^-[nE]*e[neE]*$/.test(arg)))) {
    if (!hasHexEscapes(argv.slice(1).join(' '))) return;
    const text = program === 'printf' ? printfOutput(command) : echoOutput(command);
    if (!isPrintable(text)) return;
    outputs?.set(command, text);
    if (isDecoder(next)) return;
    if (walk.decodedBytes + text.length > MAX_DECODED_BYTES) {
      addProblem(walk, `more than ${MAX_DECODED_BYTES} bytes of decoded payloads; rest not decoded`);
      return;
    }
    walk.decodedBytes += text.length;
    walk.model.decoded.push({ encoding: 'hex', text });
    parseScript(text, depth, 'decoded', walk);
  }
}

/** Appends the strings of a `command` or `args` list to `argv`. */
function addStrings(argv: string[], value: unknown, field: string, problems: string[]): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    problems.push(`${field} is not a list`);
    return;
  }
  for (const item of value as unknown[]) if (typeof item === 'string') argv.push(item);
}

/** Builds the command model of one container; never throws. */
export function buildCommandModel(
  container: { command?: unknown; args?: unknown },
  env: EnvVar[],
): CommandModel {
  const model: CommandModel = { argv: [], commands: [], scripts: [], decoded: [], problems: [] };
  try {
    const vars = literalEnv(env);
    const words: string[] = [];
    addStrings(words, container.command, 'command', model.problems);
    addStrings(words, container.args, 'args', model.problems);
    for (let i = 0; i < words.length; i++) words[i] = expandKubernetesReferences(words[i] ?? '', vars);
    model.argv = words;
    if (model.argv.length === 0) return model;
    const walk: Walk = {
      model,
      env: vars,
      nextPipeline: 1,
      decodedBytes: 0,
      parsedChars: 0,
      expandedChars: 0,
    };
    const { program, argv, wrappers } = resolveProgram(model.argv);
    const command: SimpleCommand = {
      argv,
      program,
      redirects: [],
      pipeline: 0,
      pipelinePosition: 0,
      depth: 0,
      origin: 'argv',
    };
    if (wrappers.length > 0) command.wrappers = wrappers;
    visit([command], walk);
  } catch (error) {
    model.problems.push(`command analysis failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return model;
}
