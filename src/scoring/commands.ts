/**
 * Shared queries over the command models of a workload, for the command rules: every simple
 * command with its container, pod template and the JSON path of the manifest field it came from,
 * plus the few questions several rules ask of a command (does it run its stdin as code, does it
 * download, which files does it write or run).
 *
 * Besides `command`/`args` (the workload's command model), a container runs code in its lifecycle
 * hooks and exec probes; those lists are parsed here with the same command model, because a
 * reverse shell in a `postStart` hook is as real as one in `args`.
 */
import {
  buildCommandModel,
  isBase64Decoder,
  isHexDecoder,
  isShellProgram,
  pipelinesOf,
} from '../workload/command.js';
import { isRecord } from '../workload/template.js';
import type {
  CommandModel,
  ContainerView,
  Derivable,
  PodTemplateView,
  SimpleCommand,
  Workload,
} from '../workload/types.js';
import { hostMounts, toHostPath, type HostMount } from './host-paths.js';
import { memoize } from './memo.js';
import { quote } from './redact.js';
import type { Evidence } from './types.js';

/** One list of strings a container runs (`command`+`args`, a hook or a probe) and its model. */
export interface CommandSource extends Derivable {
  template: PodTemplateView;
  container: ContainerView;
  model: CommandModel;
  /** JSON path of each string of `model.argv`, in order. */
  fields: readonly string[];
  /** Every simple command of the model with the field it came from. */
  sites: readonly CommandSite[];
  /** The runtime-client run that starts a new container for this command (`docker run … IMAGE CMD…`), if any. */
  startedBy?: RuntimeRun;
}

/** One simple command and where it came from. */
export interface CommandSite {
  source: CommandSource;
  command: SimpleCommand;
  /** The commands of its pipeline by position (the command itself included). */
  pipeline: readonly SimpleCommand[];
  /** JSON path of the manifest field that holds the command (the `-c` string for scripts). */
  path: string;
}

const HOOKS = ['postStart', 'preStop'] as const;
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/**
 * `compute` remembered per command source: rules that other rules consult (network-client asks
 * whether download-exec or reverse-shell already fired) search each source once.
 */
export function perSource<T>(compute: (source: CommandSource) => T): (source: CommandSource) => T {
  return memoize(compute);
}

/** Every command source of every container of every pod template (init containers first), computed once per workload. */
export const commandSources: (workload: Workload) => readonly CommandSource[] = memoize(
  (workload: Workload) => {
    const sources: CommandSource[] = [];
    for (const template of workload.templates) {
      for (const container of template.containers) addSources(sources, template, container);
    }
    return sources;
  },
);

/** Every simple command of the workload, with its source and field path. */
export function commandSites(workload: Workload): CommandSite[] {
  return commandSources(workload).flatMap((source) => source.sites);
}

/** Command sources grouped by container, in container order. */
export function sourcesByContainer(workload: Workload): Map<ContainerView, CommandSource[]> {
  const groups = new Map<ContainerView, CommandSource[]>();
  for (const source of commandSources(workload)) {
    const group = groups.get(source.container);
    if (group) group.push(source);
    else groups.set(source.container, [source]);
  }
  return groups;
}

/** Appends the JSON path of every string item of `list` to `fields`. */
function addStringFields(fields: string[], list: unknown, prefix: string): void {
  if (!Array.isArray(list)) return;
  for (let index = 0; index < list.length; index++) {
    if (typeof list[index] === 'string') fields.push(`${prefix}[${index}]`);
  }
}

/** Appends the command sources of one container to `all`. */
function addSources(all: CommandSource[], template: PodTemplateView, container: ContainerView): void {
  const { raw, path } = container;
  const sources: CommandSource[] = [];
  const fields: string[] = [];
  addStringFields(fields, raw.command, `${path}.command`);
  addStringFields(fields, raw.args, `${path}.args`);
  if (fields.length === container.command.argv.length && fields.length > 0) {
    sources.push(makeSource(template, container, container.command, fields));
  }
  // `args: ["-c", "script"]` with no `command` relies on an image entrypoint that is a shell.
  if (raw.command === undefined && Array.isArray(raw.args)) {
    const [flag, script] = raw.args as unknown[];
    if (typeof flag === 'string' && /^-[a-z]*c$/.test(flag) && typeof script === 'string') {
      const model = buildCommandModel({ command: ['sh', flag, script] }, container.env);
      sources.push(
        makeSource(template, container, model, [`${path}.args[0]`, `${path}.args[0]`, `${path}.args[1]`]),
      );
    }
  }
  const lifecycle = raw.lifecycle;
  if (isRecord(lifecycle)) {
    for (const hook of HOOKS) addExec(sources, template, container, lifecycle[hook], `lifecycle.${hook}`);
  }
  for (const probe of PROBES) addExec(sources, template, container, raw[probe], probe);
  addRuntimeRuns(sources, template, container);
  for (const source of sources) all.push(source);
}

/**
 * Index in `command.argv` of a command it runs in another root: the container a runtime client
 * starts, or `chroot DIR CMD…` (which the command model does not unwrap).
 */
function nestedCommandIndex(command: SimpleCommand): number | undefined {
  if (command.program !== 'chroot') return runtimeRun(command)?.commandIndex;
  const { argv } = command;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--userspec' || arg === '--groups') i++;
    else if (arg === '--') return i + 2 < argv.length ? i + 2 : undefined;
    else if (!arg.startsWith('-')) return i + 1 < argv.length ? i + 1 : undefined;
  }
  return undefined;
}

/** Nesting bound for containers started from containers (`docker run … docker run …`). */
const RUNTIME_NESTING = 3;

/**
 * What a runtime client runs in the container it starts (`docker run IMAGE CMD…`, `ctr run IMAGE ID
 * CMD…`) and what `chroot DIR` runs are parsed as more command sources of this container: a
 * download cradle in the new container or root runs on the same node with more privilege, not less.
 */
function addRuntimeRuns(sources: CommandSource[], template: PodTemplateView, container: ContainerView): void {
  let level = sources;
  for (let nesting = 0; nesting < RUNTIME_NESTING && level.length > 0; nesting++) {
    const next: CommandSource[] = [];
    for (const source of level) {
      for (const site of source.sites) {
        const start = nestedCommandIndex(site.command);
        if (start === undefined) continue;
        const inner = site.command.argv.slice(start);
        const model = buildCommandModel({ command: inner }, container.env);
        if (model.argv.length !== inner.length) continue;
        const fields = inner.map((_word, k) => argumentPath(site, start + k));
        const nested = makeSource(template, container, model, fields);
        const run = runtimeRun(site.command);
        if (run !== undefined) nested.startedBy = run;
        else if (source.startedBy !== undefined) nested.startedBy = source.startedBy;
        next.push(nested);
      }
    }
    sources.push(...next);
    level = next;
  }
}

/** `field`: the handler's path under the container (`lifecycle.postStart`, `livenessProbe`). */
function addExec(
  sources: CommandSource[],
  template: PodTemplateView,
  container: ContainerView,
  handler: unknown,
  field: string,
): void {
  if (!isRecord(handler) || !isRecord(handler.exec)) return;
  const list = handler.exec.command;
  const fields: string[] = [];
  addStringFields(fields, list, `${container.path}.${field}.exec.command`);
  if (fields.length === 0) return;
  const model = buildCommandModel({ command: list }, container.env);
  if (model.argv.length !== fields.length) return;
  sources.push(makeSource(template, container, model, fields));
}

function makeSource(
  template: PodTemplateView,
  container: ContainerView,
  model: CommandModel,
  fields: string[],
): CommandSource {
  const source: CommandSource = { template, container, model, fields, sites: [] };
  const pipelines = pipelinesOf(model.commands);
  const scriptPath = fields[scriptIndex(model)] ?? fields[0] ?? container.path;
  const argvPath = fields[model.argv.length - (model.commands[0]?.argv.length ?? 0)] ?? fields[0] ?? '';
  const sites: CommandSite[] = [];
  for (const command of model.commands) {
    sites.push({
      source,
      command,
      pipeline: pipelines?.get(command.pipeline) ?? [command],
      path: command.depth === 0 ? argvPath : scriptPath,
    });
  }
  source.sites = sites;
  return source;
}

/** Index in `model.argv` of the string nested scripts came from: the `-c` string, or the longest operand. */
function scriptIndex(model: CommandModel): number {
  const first = model.scripts[0];
  const offset = model.argv.length - (model.commands[0]?.argv.length ?? 0);
  if (first !== undefined) {
    const exact = model.argv.indexOf(first, offset + 1);
    if (exact >= 0) return exact;
  }
  let longest = offset;
  for (let i = offset + 1; i < model.argv.length; i++) {
    if ((model.argv[i] ?? '').length > (model.argv[longest] ?? '').length) longest = i;
  }
  return longest;
}

/** JSON path of `command.argv[k]` when the command is the container's own argv; the site's path otherwise. */
export function argumentPath(site: CommandSite, k: number): string {
  const { command, source } = site;
  if (command.depth !== 0 || command.origin !== 'argv') return site.path;
  const offset = source.model.argv.length - command.argv.length;
  return source.fields[offset + k] ?? site.path;
}

/** The command line for a finding's detail: redacted, short. */
export function describe(command: SimpleCommand, max = 60): string {
  const redirects = command.redirects
    .filter((r) => r.body === undefined)
    .map((r) => `${r.fd ?? ''}${r.op}${r.target}`);
  return quote(prefix([...command.argv, ...redirects], ' '), max);
}

/** A pipeline for a finding's detail: `curl -s x | sh`. */
export function describePipeline(pipeline: readonly SimpleCommand[], max = 60): string {
  return quote(
    prefix(
      pipeline.map((member) => prefix(member.argv, ' ')),
      ' | ',
    ),
    max,
  );
}

/** Text redacted before it is cut to a detail's length; far more than any detail keeps, far less than a 1 MiB script. */
const DETAIL_SOURCE_LENGTH = 1024;

/** The first `DETAIL_SOURCE_LENGTH` characters of the joined words, without joining all of them. */
function prefix(words: readonly string[], separator: string): string {
  let out = '';
  for (const word of words) {
    out += out === '' ? word : separator + word;
    if (out.length >= DETAIL_SOURCE_LENGTH) return out.slice(0, DETAIL_SOURCE_LENGTH);
  }
  return out;
}

/** Evidence collected once per path: the first detail for a place wins. */
export class EvidenceByPath {
  /** Created on the first evidence: most rules find none, and an empty map still costs an allocation per rule. */
  private byPath: Map<string, Evidence> | undefined;

  /** `detail` may be a function, so that it is computed only for a new path. */
  add(path: string, detail?: string | (() => string), reason?: string): void {
    this.byPath ??= new Map();
    if (this.byPath.has(path)) return;
    const evidence: Evidence = { path };
    if (detail !== undefined) evidence.detail = typeof detail === 'function' ? detail() : detail;
    if (reason !== undefined) evidence.reason = reason;
    this.byPath.set(path, evidence);
  }

  get size(): number {
    return this.byPath?.size ?? 0;
  }

  list(): Evidence[] {
    return this.byPath === undefined ? [] : [...this.byPath.values()];
  }
}

const PYTHON = /^(?:python|pypy)[0-9.]*$/;
const PHP = /^php[0-9.]*(?:-cli)?$/;
const LUA = /^(?:lua[0-9.]*|luajit)$/;
const SCRIPT_LANGUAGES = new Set([
  'perl',
  'ruby',
  'node',
  'nodejs',
  'deno',
  'bun',
  'tclsh',
  'pwsh',
  'powershell',
]);

export type Language =
  'shell' | 'python' | 'perl' | 'ruby' | 'php' | 'node' | 'lua' | 'awk' | 'powershell' | 'other';

/** Programs seen recently and their language (`null`: not an interpreter); every rule asks again for every command. */
const languages = new Map<string, Language | null>();
const LANGUAGE_MEMO_LIMIT = 1024;

/** The language a program interprets, if it is an interpreter. */
export function languageOf(program: string): Language | undefined {
  let language = languages.get(program);
  if (language === undefined) {
    language = interpretedLanguage(program) ?? null;
    if (languages.size >= LANGUAGE_MEMO_LIMIT) languages.clear();
    languages.set(program, language);
  }
  return language ?? undefined;
}

function interpretedLanguage(program: string): Language | undefined {
  if (isShellProgram(program)) return 'shell';
  if (PYTHON.test(program)) return 'python';
  if (PHP.test(program)) return 'php';
  if (LUA.test(program)) return 'lua';
  if (program === 'awk' || program === 'gawk' || program === 'mawk' || program === 'nawk') return 'awk';
  if (program === 'perl' || program === 'ruby') return program;
  if (program === 'node' || program === 'nodejs' || program === 'deno' || program === 'bun') return 'node';
  if (program === 'pwsh' || program === 'powershell') return 'powershell';
  return SCRIPT_LANGUAGES.has(program) ? 'other' : undefined;
}

/** Options that take inline code, by language (`python -c CODE`, `perl -e CODE`, `php -r CODE`). */
const CODE_OPTIONS: Partial<Record<Language, readonly string[]>> = {
  shell: ['c'],
  python: ['c'],
  perl: ['e', 'E'],
  ruby: ['e'],
  php: ['r'],
  node: ['e', 'p', 'eval', 'print'],
  lua: ['e'],
  powershell: ['c', 'command', 'Command', 'enc', 'e', 'encodedcommand', 'EncodedCommand', 'ec'],
};
/** Options whose next word is a module or file, not code: `python -m pip`, `perl -I lib`. */
const VALUE_OPTIONS: Partial<Record<Language, ReadonlySet<string>>> = {
  shell: new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']),
  python: new Set(['-m', '-W', '-X', '--check-hash-based-pycs']),
  perl: new Set(['-I', '-M', '-m', '-x']),
  ruby: new Set(['-I', '-r', '-C', '-E']),
  php: new Set(['-c', '-d', '-z', '-f']),
  node: new Set(['-r', '--require', '--import', '--loader']),
  lua: new Set(['-l']),
};

/** The inline code an interpreter runs (`python3 -c CODE`, `perl -e CODE`, awk's program), if any. */
export function inlineCode(command: SimpleCommand): string | undefined {
  const language = languageOf(command.program);
  if (language === undefined || language === 'shell') return undefined;
  const { argv } = command;
  if (language === 'awk') {
    for (let i = 1; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (arg === '-f') return undefined;
      if (arg === '-F' || arg === '-v') {
        i++;
        continue;
      }
      if (!arg.startsWith('-')) return arg;
    }
    return undefined;
  }
  const options = CODE_OPTIONS[language] ?? [];
  const parts: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-' || arg === '--') break;
    const name = arg.replace(/^-{1,2}/, '');
    if (
      options.includes(name) ||
      (language !== 'powershell' &&
        /^[a-zA-Z]+$/.test(name) &&
        options.includes(name.slice(-1)) &&
        !arg.startsWith('--'))
    ) {
      const code = argv[i + 1];
      if (code !== undefined) parts.push(language === 'powershell' ? argv.slice(i + 1).join(' ') : code);
      i++;
    } else if (VALUE_OPTIONS[language]?.has(arg)) {
      i++;
    }
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** Whether an interpreter runs the text on its stdin as code: `sh`, `bash -s`, `python3 -`, `perl`, `php`. */
export function executesStdin(command: SimpleCommand): boolean {
  const language = languageOf(command.program);
  if (language === undefined || language === 'awk' || language === 'other') {
    return (command.program === 'source' || command.program === '.') && isStdinPath(command.argv[1]);
  }
  const code = CODE_OPTIONS[language] ?? [];
  const valued = VALUE_OPTIONS[language];
  const { argv } = command;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return isStdinPath(argv[i + 1]) || argv[i + 1] === undefined || language === 'shell';
    if (arg === '-' || !/^[-+]./.test(arg)) return isStdinPath(arg);
    if (language === 'python' && arg === '-m') return false;
    if (valued?.has(arg)) {
      i++;
      continue;
    }
    if (language === 'shell' && /^-[a-zA-Z]*s/.test(arg)) return true;
    const name = arg.replace(/^[-+]{1,2}/, '');
    if (
      code.includes(name) ||
      (/^[a-zA-Z]+$/.test(name) && !arg.startsWith('--') && code.includes(name.slice(-1)))
    ) {
      return false;
    }
  }
  return true;
}

function isStdinPath(word: string | undefined): boolean {
  return word === '-' || word === '/dev/stdin' || word === '/proc/self/fd/0' || word === '/dev/fd/0';
}

/** Programs that fetch from the network (tftp included: it fetches payloads as well as anything). */
export const DOWNLOADERS: ReadonlySet<string> = new Set([
  'curl',
  'wget',
  'fetch',
  'aria2c',
  'lwp-download',
  'lwp-request',
  'http',
  'https',
  'tftp',
]);

/** Whether the program fetches a URL (`curl`, `wget`, `busybox wget` resolves to `wget`). */
export function isDownloader(command: SimpleCommand): boolean {
  return DOWNLOADERS.has(command.program);
}

/** Whether the command decodes a payload: `base64 -d`, `openssl base64 -d`, `xxd -r -p`. */
export function isDecoder(command: SimpleCommand): boolean {
  return isBase64Decoder(command) || isHexDecoder(command);
}

const SUBSTITUTION_OPENER = /\$\(|<\(|`/g;
const SUBSTITUTION_WORD = /^\s*(?:\$\(|`|<\()/;

/** Programs that start a command substitution or process substitution inside a word: `"$(curl -s x)"` → `curl`. */
export function substitutedPrograms(word: string): string[] {
  if (!word.includes('(') && !word.includes('`')) return [];
  const programs: string[] = [];
  let backticks = 0;
  for (const match of word.matchAll(SUBSTITUTION_OPENER)) {
    // Every second backtick closes the substitution the one before opened.
    if (match[0] === '`' && backticks++ % 2 === 1) continue;
    let i = match.index + match[0].length;
    while (word[i] === ' ' || word[i] === '\t') i++;
    let end = i;
    while (end < word.length && !/[\s;|&)`'"(<>]/.test(word.charAt(end))) end++;
    const name = word.slice(i, end).toLowerCase();
    programs.push(name.slice(name.lastIndexOf('/') + 1));
    if (programs.length >= 32) break;
  }
  return programs;
}

/** The substitutions whose output a command runs as code: `sh -c "$(…)"`, `eval "$(…)"`, `bash <(…)`, `. <(…)`, `` `…` `` as the program. */
export function executedSubstitutions(command: SimpleCommand): string[] {
  const { program, argv } = command;
  const words: string[] = [];
  const first = argv[0] ?? '';
  if (first.startsWith('$(') || first.startsWith('`')) addSubstitution(words, first);
  if (program === 'eval') for (let k = 1; k < argv.length; k++) addSubstitution(words, argv[k] ?? '');
  else if (program === 'source' || program === '.') addSubstitution(words, argv[1] ?? '');
  else {
    const language = languageOf(program);
    if (language !== undefined && language !== 'awk' && language !== 'other') {
      const code = language === 'shell' ? shellCode(command) : inlineCode(command);
      if (code !== undefined) addSubstitution(words, code);
      for (let k = 1; k < argv.length; k++) {
        const arg = argv[k] ?? '';
        if (arg.startsWith('<(')) addSubstitution(words, arg);
      }
    }
  }
  return words;
}

/** Only a word that is entirely a substitution runs its output: `eval "echo $(date)"` does not. */
function addSubstitution(words: string[], word: string): void {
  if (SUBSTITUTION_WORD.test(word)) words.push(word);
}

/** The `-c` string a shell runs, without the model's requirement that it be parsed. */
function shellCode(command: SimpleCommand): string | undefined {
  const { argv } = command;
  const valued = VALUE_OPTIONS.shell;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!/^[-+]./.test(arg)) return undefined;
    if (valued?.has(arg)) {
      i++;
      continue;
    }
    if (/^-[a-zA-Z]*c/.test(arg)) {
      for (let j = i + 1; j < argv.length; j++) if (!/^[-+]./.test(argv[j] ?? '')) return argv[j];
      return undefined;
    }
  }
  return undefined;
}

/** Whether the command is a shell started with `-c` (the container's everyday `sh -c "…"`). */
export function isShellWithScript(command: SimpleCommand): boolean {
  return isShellProgram(command.program) && shellCode(command) !== undefined;
}

/** Normalises a file path for comparison: `./x` → `x`, `//tmp//x` → `/tmp/x`. */
export function normalizePath(path: string): string {
  let out = path.replace(/\/{2,}/g, '/');
  while (out.startsWith('./')) out = out.slice(2);
  return out.length > 1 && out.endsWith('/') ? out.slice(0, -1) : out;
}

/** Whether two paths written in one script name the same file (full paths, or equal basenames when one is relative). */
export function isSameFile(a: string, b: string): boolean {
  const x = normalizePath(a);
  const y = normalizePath(b);
  if (x === y) return true;
  if (x.startsWith('/') && y.startsWith('/')) return false;
  return basename(x) !== '' && basename(x) === basename(y);
}

/** Files a command writes with `>`, `>>`, `>|` or `&>`. */
export function redirectTargets(command: SimpleCommand): string[] {
  return command.redirects
    .filter(
      (r) =>
        (r.op === '>' || r.op === '>>' || r.op === '>|' || r.op === '&>' || r.op === '&>>') && r.fd !== 2,
    )
    .map((r) => r.target)
    .filter((target) => target !== '' && !target.startsWith('/dev/'));
}

/** Files a command runs: its own program path (`./x`, `/tmp/x`), a script given to an interpreter, `. file`, `source file`. */
export function executedFiles(command: SimpleCommand): string[] {
  const { argv, program } = command;
  const first = argv[0] ?? '';
  const files: string[] = [];
  if (first.includes('/')) files.push(first);
  if (program === 'source' || program === '.') {
    if (argv[1] !== undefined) files.push(argv[1]);
    return files;
  }
  const language = languageOf(program);
  if (language === undefined || language === 'awk' || language === 'other') return files;
  if (language === 'shell' ? shellCode(command) !== undefined : inlineCode(command) !== undefined)
    return files;
  const valued = VALUE_OPTIONS[language];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (valued?.has(arg)) {
      i++;
      continue;
    }
    if (arg === '--') continue;
    if (!/^[-+]./.test(arg)) {
      if (arg !== '-') files.push(arg);
      break;
    }
    if (language === 'python' && arg === '-m') break;
  }
  return files;
}

/** Whether the command gives execute permission: `chmod +x f`, `chmod 755 f`, `chmod u+x f`, `install -m 755`. */
export function chmodTargets(command: SimpleCommand): string[] {
  if (command.program !== 'chmod') return [];
  const args = command.argv.slice(1).filter((arg) => !arg.startsWith('-'));
  const mode = args[0] ?? '';
  const executable = /^[ugoa]*[+=][rwxXst]*x/.test(mode) || /^[0-7]*[1357][0-7]{0,2}$/.test(mode);
  return executable ? args.slice(1) : [];
}

/** A literal env value of a container with the JSON path of its `value` field. */
export interface EnvField {
  name: string;
  value: string;
  path: string;
}

/** Longer env values are scripts or payloads, not a URL or a path: no rule's pattern is run on them. */
const MAX_ENV_VALUE = 4096;

/**
 * Literal env values of a container (`valueFrom` entries have none, and values over MAX_ENV_VALUE
 * are skipped) that `matches`, with their paths. Several rules scan every value and nearly always
 * find nothing: only matches are built.
 */
export function envFieldsMatching(container: ContainerView, matches: (value: string) => boolean): EnvField[] {
  const raw = container.raw.env;
  const fields: EnvField[] = [];
  if (!Array.isArray(raw)) return fields;
  for (let index = 0; index < raw.length; index++) {
    const entry: unknown = raw[index];
    if (
      isRecord(entry) &&
      typeof entry.value === 'string' &&
      entry.value !== '' &&
      entry.value.length <= MAX_ENV_VALUE &&
      matches(entry.value)
    ) {
      fields.push({
        name: typeof entry.name === 'string' ? entry.name : '',
        value: entry.value,
        path: `${container.path}.env[${index}].value`,
      });
    }
  }
  return fields;
}

/** A word a command mentions and the JSON path of its field. */
export interface MentionedWord {
  word: string;
  path: string;
}

/**
 * The first word a command mentions (its arguments, then its redirection targets) that `matches`,
 * with its JSON path. Several rules ask this of every command; nothing is allocated for a miss.
 */
export function findMentionedWord(
  site: CommandSite,
  matches: (word: string) => boolean,
): MentionedWord | undefined {
  const { argv, redirects } = site.command;
  for (let k = 1; k < argv.length; k++) {
    const word = argv[k] ?? '';
    if (matches(word)) return { word, path: argumentPath(site, k) };
  }
  for (const redirect of redirects) {
    if (matches(redirect.target)) return { word: redirect.target, path: site.path };
  }
  return undefined;
}

/** Files written earlier in a script, looked up by basename so that a long script stays linear. */
export class WrittenFiles<T> {
  /** Created by the first file: most scripts write none, and rules keep one of these per source. */
  private byBasename: Map<string, { file: string; value: T }[]> | undefined;

  /** Whether no file has been recorded yet. */
  get isEmpty(): boolean {
    return this.byBasename === undefined;
  }

  add(file: string, value: T): void {
    const key = basename(normalizePath(file));
    if (key === '') return;
    this.byBasename ??= new Map();
    const list = this.byBasename.get(key);
    if (list === undefined) this.byBasename.set(key, [{ file, value }]);
    else if (list.length < 64) list.push({ file, value });
  }

  /** The value recorded for a file written earlier with the same name, if any. */
  find(file: string): T | undefined {
    const list = this.byBasename?.get(basename(normalizePath(file)));
    return list?.find((entry) => isSameFile(entry.file, file))?.value;
  }
}

/** The earlier command that wrote a file `command` now runs (a download, a decode), if any. */
export function writerOfExecutedFile(
  command: SimpleCommand,
  written: WrittenFiles<CommandSite>,
): CommandSite | undefined {
  if (written.isEmpty) return undefined;
  for (const file of executedFiles(command)) {
    const writer = written.find(file);
    if (writer !== undefined) return writer;
  }
  return undefined;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Container-runtime clients that start containers through a runtime socket. */
export type RuntimeClient = 'docker' | 'podman' | 'nerdctl' | 'ctr' | 'crictl';

/** One container (or pod sandbox) a runtime client asks a runtime to start: `docker run …`, `ctr run …`, `crictl runp …`. */
export interface RuntimeRun {
  client: RuntimeClient;
  /** The subcommand as written: `run`, `create`, `runp`. */
  subcommand: string;
  /** The client's endpoint as given (`-H unix:///var/run/docker.sock`, `--address …`, `--runtime-endpoint …`). */
  endpoint?: string;
  /** The run's options, each with its value joined (`--pid=host`, `-v=/:/host`, `--mount=type=bind,src=/`). */
  options: string[];
  /** Index in `command.argv` of the first word the new container runs (after the image, and the id for ctr). */
  commandIndex?: number;
}

const RUNTIME_CLIENTS = new Set<string>(['docker', 'podman', 'nerdctl', 'ctr', 'crictl']);
/** Global options that take a value, per client (long names; short ones mapped in `longName`). */
const GLOBAL_VALUED: Record<RuntimeClient, ReadonlySet<string>> = {
  docker: new Set(['--host', '--context', '--config', '--log-level', '--tlscacert', '--tlscert', '--tlskey']),
  podman: new Set([
    '--url',
    '--connection',
    '--identity',
    '--root',
    '--runroot',
    '--runtime',
    '--storage-driver',
    '--log-level',
    '--cgroup-manager',
    '--network-cmd-path',
    '--tmpdir',
    '--events-backend',
  ]),
  nerdctl: new Set([
    '--host',
    '--address',
    '--namespace',
    '--snapshotter',
    '--storage-driver',
    '--cni-path',
    '--cni-netconfpath',
    '--data-root',
    '--cgroup-manager',
    '--hosts-dir',
  ]),
  ctr: new Set(['--address', '--namespace', '--timeout', '--connect-timeout']),
  crictl: new Set(['--runtime-endpoint', '--image-endpoint', '--timeout', '--config']),
};
const SHORT_GLOBALS: Record<RuntimeClient, Readonly<Record<string, string>>> = {
  docker: { H: '--host', c: '--context', l: '--log-level' },
  podman: { c: '--connection' },
  nerdctl: { H: '--host', a: '--address', n: '--namespace' },
  ctr: { a: '--address', n: '--namespace' },
  crictl: { r: '--runtime-endpoint', i: '--image-endpoint', t: '--timeout', c: '--config' },
};
const ENDPOINT_OPTIONS = new Set(['--host', '--url', '--address', '--runtime-endpoint']);
/** Run options that take no value (docker, podman, nerdctl, ctr); every other long option takes one. */
const RUN_FLAGS = new Set([
  '--rm',
  '--privileged',
  '--detach',
  '--interactive',
  '--tty',
  '--init',
  '--read-only',
  '--publish-all',
  '--quiet',
  '--no-healthcheck',
  '--oom-kill-disable',
  '--sig-proxy',
  '--help',
  '--net-host',
  '--rootfs',
  '--null-io',
  '--cni',
  '--seccomp',
  '--remap-labels',
  '--allow-new-privs',
  '--privileged-without-host-devices',
  '--no-pivot',
  '--replace',
  '--tls-verify',
  '--systemd',
  '--disable-content-trust',
]);
/** Short run options that take a value (`-v SRC:DST`, `-e K=V`); the other letters are flags (`-d`, `-i`, `-t`, `-P`). */
const SHORT_RUN_VALUED = new Set(['v', 'e', 'p', 'u', 'w', 'h', 'l', 'm', 'c', 'a']);
const SHORT_RUN_NAMES: Readonly<Record<string, string>> = {
  v: '--volume',
  e: '--env',
  p: '--publish',
  u: '--user',
  w: '--workdir',
  h: '--hostname',
  l: '--label',
  m: '--memory',
  c: '--cpu-shares',
  a: '--attach',
  d: '--detach',
  i: '--interactive',
  t: '--tty',
  P: '--publish-all',
  q: '--quiet',
};
const RUN_SUBCOMMANDS: Record<RuntimeClient, ReadonlySet<string>> = {
  docker: new Set(['run', 'create']),
  podman: new Set(['run', 'create']),
  nerdctl: new Set(['run', 'create']),
  ctr: new Set(['run', 'create']),
  crictl: new Set(['runp', 'create', 'run']),
};
/** Object words before a ctr or docker subcommand: `docker container run`, `ctr containers create`, `ctr c create`. */
const OBJECT_WORDS = new Set(['container', 'containers', 'c']);

/** ctr and podman accept `-name` for `--name`; everything is compared in the `--name` form. */
function longName(client: RuntimeClient, arg: string): string {
  if (client === 'ctr' && /^-[a-z][a-z-]+/.test(arg)) return `-${arg}`;
  return arg;
}

/** The container a runtime-client command starts, if it is one: `docker -H unix://… run --privileged alpine sh`. */
export function runtimeRun(command: SimpleCommand): RuntimeRun | undefined {
  if (!RUNTIME_CLIENTS.has(command.program)) return undefined;
  const client = command.program as RuntimeClient;
  const { argv } = command;
  let endpoint: string | undefined;
  let i = 1;
  // Global options, up to the subcommand.
  for (; i < argv.length; i++) {
    const arg = longName(client, argv[i] ?? '');
    if (!arg.startsWith('-')) {
      if (client === 'ctr' && OBJECT_WORDS.has(arg) && argv[i + 1] === 'create') continue;
      if ((client === 'docker' || client === 'podman' || client === 'nerdctl') && arg === 'container')
        continue;
      break;
    }
    let name = arg;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      name = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    } else if (!arg.startsWith('--')) {
      const long = SHORT_GLOBALS[client][arg.charAt(1)];
      if (long === undefined) continue;
      name = long;
      if (arg.length > 2) value = arg.slice(2);
    }
    if (!GLOBAL_VALUED[client].has(name)) continue;
    value ??= argv[++i];
    if (ENDPOINT_OPTIONS.has(name) && value !== undefined) endpoint = value;
  }
  const subcommand = argv[i] ?? '';
  if (!RUN_SUBCOMMANDS[client].has(subcommand)) return undefined;
  const run: RuntimeRun = { client, subcommand, options: [] };
  if (endpoint !== undefined) run.endpoint = endpoint;
  if (client === 'crictl') return run;
  // Run options, up to the image.
  for (i++; i < argv.length; i++) {
    const arg = longName(client, argv[i] ?? '');
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      if (arg.includes('=') || RUN_FLAGS.has(arg)) run.options.push(arg);
      else run.options.push(`${arg}=${argv[++i] ?? ''}`);
      continue;
    }
    // A cluster of short options: flags, then at most one valued option taking the rest or the next word.
    for (let j = 1; j < arg.length; j++) {
      const letter = arg.charAt(j);
      const name = SHORT_RUN_NAMES[letter] ?? `-${letter}`;
      if (SHORT_RUN_VALUED.has(letter)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1).replace(/^=/, '') : argv[++i];
        run.options.push(`${name}=${value ?? ''}`);
        break;
      }
      run.options.push(name);
    }
  }
  // `IMAGE [COMMAND…]`; ctr: `IMAGE ID [COMMAND…]` (`--rootfs`: a directory instead of an image).
  const first = i + (client === 'ctr' ? 2 : 1);
  if (first < argv.length) run.commandIndex = first;
  return run;
}

/** The value of a run option in any spelling (`--pid=host`), or undefined. */
export function runOptionValues(run: RuntimeRun, ...names: string[]): string[] {
  const values: string[] = [];
  for (const option of run.options) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    if (names.includes(name)) values.push(eq < 0 ? '' : option.slice(eq + 1));
  }
  return values;
}

/** Absolute paths inside a word: `/k8s/admin.conf`, `@/tmp/x` → `/tmp/x`, `--kubeconfig=/k/c` → `/k/c`. */
const ABSOLUTE_PATHS = /(?:^|(?<=[=@:,]))\/[^\s'"`,;:|&()<>=]*/g;
/** Archivers and copiers whose relative operands are read from `-C DIR` / `--directory DIR` (tar) or the working directory. */
const DIRECTORY_OPTIONS = new Set(['-C', '--directory']);

/** The directory each command of a source runs in, as far as a literal `cd /abs` earlier in the script says. */
const workingDirectories = perSource((source) => {
  const map = new Map<CommandSite, string>();
  let cwd: string | undefined;
  for (const other of source.sites) {
    if (cwd !== undefined) map.set(other, cwd);
    const target = other.command.program === 'cd' ? other.command.argv[1] : undefined;
    if (target !== undefined && target.startsWith('/')) cwd = target;
    else if (target !== undefined) cwd = undefined;
  }
  return map;
});

function workingDirectory(site: CommandSite): string | undefined {
  return workingDirectories(site.source).get(site);
}

/**
 * The node paths a command mentions through the container's hostPath mounts, with the JSON path of
 * the word: absolute paths in its words and redirections, and relative operands under `tar -C DIR`
 * or an earlier `cd DIR`. Paths outside every hostPath mount are left out.
 */
export function mentionedHostPaths(site: CommandSite): Iterable<{ hostPath: string; path: string }> {
  const mounts = hostMounts(site.source.template, site.source.container);
  // Most containers mount no hostPath: no generator for them.
  return mounts.length === 0 ? [] : hostPathsOf(site, mounts);
}

function* hostPathsOf(
  site: CommandSite,
  mounts: readonly HostMount[],
): Generator<{ hostPath: string; path: string }> {
  const { argv } = site.command;
  let directory = workingDirectory(site);
  for (let k = 1; k < argv.length; k++) {
    const word = argv[k] ?? '';
    const path = argumentPath(site, k);
    if (site.command.program === 'tar') {
      const eq = word.startsWith('--') ? word.indexOf('=') : -1;
      const name = eq < 0 ? word : word.slice(0, eq);
      const value = eq < 0 ? undefined : word.slice(eq + 1);
      if (DIRECTORY_OPTIONS.has(name)) {
        directory = value ?? argv[k + 1];
        continue;
      }
    }
    for (const match of word.matchAll(ABSOLUTE_PATHS)) {
      const hostPath = toHostPath(match[0], mounts);
      if (hostPath !== undefined) yield { hostPath, path };
    }
    if (directory?.startsWith('/') && /^[\w.][\w./-]*$/.test(word) && !word.startsWith('-')) {
      const hostPath = toHostPath(`${directory}/${word}`, mounts);
      if (hostPath !== undefined) yield { hostPath, path };
    }
  }
  for (const redirect of site.command.redirects) {
    const target = redirect.body === undefined ? redirect.target : '';
    const absolute = target.startsWith('/')
      ? target
      : directory !== undefined
        ? `${directory}/${target}`
        : '';
    const hostPath = target === '' ? undefined : toHostPath(absolute, mounts);
    if (hostPath !== undefined) yield { hostPath, path: site.path };
  }
}

/** Whether the container a run starts shares the node's PID namespace (`--pid=host`, `--with-ns pid:/proc/1/ns/pid`). */
export function sharesHostPid(run: RuntimeRun): boolean {
  return (
    runOptionValues(run, '--pid').includes('host') ||
    runOptionValues(run, '--with-ns').some((value) => /^pid:\/proc\/1\/ns\/pid$/.test(value))
  );
}
