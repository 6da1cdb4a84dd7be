/**
 * What a custom rule's CEL expression sees: the one mapping from the workload model to CEL
 * variables, and the declaration of their shapes (which the load-time check, the docs and the
 * tests read). Every field is always present, with an empty value when the manifest leaves it
 * out (`''`, `[]`, `{}`, `false`), so expressions need `has()` only inside the raw maps
 * (`securityContext`, `source`), which keep the manifest's own fields. Whole numbers are CEL
 * `int`s, as in Kubernetes' own CEL (ValidatingAdmissionPolicy): `c.securityContext.runAsUser == 0`.
 *
 * The execution model (what each container runs, does and sends where) is `container.execution`:
 * its shape is declared in EXECUTION and filled by celExecution() from the container's Execution
 * (`workload/model.ts`), computed once per pod template and shared with the built-in rules. The
 * summaries `container.programs` and `container.scripts` come from the same model.
 */
import { remember } from './memo.js';
import type { Action, Origin, Value } from '../workload/action.js';
import type { Execution } from '../workload/model.js';
import type { ContainerView, PodTemplateView, Workload } from '../workload/types.js';

/** The shape of a CEL value, for the load-time check and the generated documentation. */
export type CelShape =
  | { kind: 'string' | 'int' | 'bool' | 'dyn'; doc: string }
  | { kind: 'list'; of: CelShape; doc: string }
  | { kind: 'map'; of: CelShape; doc: string }
  | { kind: 'object'; name: string; fields: Readonly<Record<string, CelShape>>; doc: string };

const string = (doc: string): CelShape => ({ kind: 'string', doc });
const bool = (doc: string): CelShape => ({ kind: 'bool', doc });
const int = (doc: string): CelShape => ({ kind: 'int', doc });
const dyn = (doc: string): CelShape => ({ kind: 'dyn', doc });
const list = (of: CelShape, doc: string): CelShape => ({ kind: 'list', of, doc });
const map = (of: CelShape, doc: string): CelShape => ({ kind: 'map', of, doc });
const object = (name: string, doc: string, fields: Record<string, CelShape>): CelShape => ({
  kind: 'object',
  name,
  fields,
  doc,
});

const IMAGE = object('image', 'The image reference, parsed with Docker defaults applied.', {
  raw: string('As written in the manifest (`alpine`, `ghcr.io/org/app:1.2@sha256:…`).'),
  registry: string('Registry host (`docker.io` for short names, `ghcr.io`, `registry.corp:5000`).'),
  repository: string('Repository path with `library/` for Docker Hub official images.'),
  name: string('Last path segment of the repository (`alpine`, `kube-bench`).'),
  tag: string('Tag, `""` when none is written.'),
  digest: string('Digest (`sha256:…`), `""` when none is written.'),
});

const ENV = object('env', 'One `env` entry of the container.', {
  name: string('Variable name.'),
  value: string('Literal `value`; `""` when the value comes from a reference.'),
  secret: string('Secret named by `valueFrom.secretKeyRef`, else `""`.'),
  secretKey: string('Key in that Secret, else `""`.'),
  configMap: string('ConfigMap named by `valueFrom.configMapKeyRef`, else `""`.'),
  configMapKey: string('Key in that ConfigMap, else `""`.'),
  field: string('`valueFrom.fieldRef.fieldPath` (`metadata.name`, `status.podIP`), else `""`.'),
});

const ENV_FROM = object('envFrom', 'One `envFrom` entry of the container.', {
  secret: string('Secret whose keys all become variables, else `""`.'),
  configMap: string('ConfigMap whose keys all become variables, else `""`.'),
  prefix: string('Prefix added to each name.'),
});

const MOUNT = object('volumeMount', 'One `volumeMounts` entry of the container.', {
  name: string('Volume name.'),
  mountPath: string('Where it is mounted in the container.'),
  readOnly: bool('`readOnly` as written (false when absent).'),
  subPath: string('`subPath`, `""` when none.'),
});

const ORIGIN = object('origin', 'Where content came from.', {
  kind: string('`network`, `credential`, `decoded`, `stdin` or `env`.'),
  url: string('For `network`: the URL or socket it was read from (`https://x/p`, `tcp://h:4444`).'),
  credential: string(
    'For `credential`: `secret`, `service-account-token`, `cloud-identity-token`, `cloud-credentials`, `node-credentials` or `host-secrets`.',
  ),
  provider: string('For `credential`: `kubernetes`, `aws`, `gcp`, `azure`, … when known.'),
  source: string('For `credential`: the path, URL or command that produced it.'),
  encoding: string('For `decoded`: `base64`, `hex`, `gzip`, ….'),
  name: string('For `env`: the variable whose value the model cannot see.'),
});

const INVOCATION = object(
  'invocation',
  'One program run, after launchers, `sh -c`, `eval` and functions were followed.',
  {
    program: string('Basename, lowercased (`/usr/bin/NC` → `nc`).'),
    words: list(string(''), 'argv texts after expansion; `words[0]` as written.'),
    launchers: list(
      string(''),
      'Launchers unwrapped to reach it, outermost first (`sudo`, `nohup`, `chroot /host`).',
    ),
    path: string('JSON path of the manifest field it was read from.'),
    site: string('`command`, `lifecycle` or `probe`.'),
    depth: int("0 for the container's own argv, +1 per `sh -c`, `eval`, function call or interpreter."),
    loop: bool('Inside a loop.'),
    obfuscatedName: bool('The program name was assembled at run time.'),
  },
);

const ACTION = object('action', 'Something a program does, whatever language it is written in.', {
  type: string('`fetch`, `connect`, `listen`, `stdio`, `run`, `eval`, `read`, `write` or `kube`.'),
  path: string('JSON path of the manifest field it was read from.'),
  loop: bool('Inside a loop.'),
  detail: string('Short source text.'),
  url: string('`fetch`: the URL as far as known.'),
  host: string('`fetch`/`connect`: the host (`""` when unknown).'),
  port: string('`connect`/`listen`: the port as text.'),
  argv: list(string(''), '`run`: the argv texts.'),
  shell: string('`run`: a command string run by `sh -c`.'),
  file: string('`read`/`write`: the file.'),
  language: string('`eval`: `shell`, `python`, `perl`, ….'),
  verb: string('`kube`: `get`, `create`, `exec`, ….'),
  resource: string('`kube`: `secrets`, `pods/exec`, ….'),
  origins: list(ORIGIN, 'Origins of the content the action uses (fetched code, credentials sent, …).'),
});

const FLOW = object('flow', 'Content going from a source to a sink.', {
  source: ORIGIN,
  sink: string('`exec` (runs as code), `send` (sent to a host) or `log` (written to the container log).'),
  destination: string('For `send`: the destination URL as written, else `""`.'),
  host: string('For `send`: the destination host (`203.0.113.5`, `api.example.com`), else `""`.'),
  by: string('The program that executes or sends it (`sh`, `curl`).'),
  steps: list(string(''), 'What happened on the way, in order.'),
  path: string('JSON path of the manifest field.'),
  loop: bool('Inside a loop.'),
});

const EXECUTION = object('execution', 'What the container runs, does and sends where.', {
  invocations: list(INVOCATION, 'Every program run.'),
  actions: list(ACTION, 'Every action taken.'),
  flows: list(FLOW, 'Every flow from a source to a sink.'),
});

const CONTAINER = object('container', 'A container, init container or ephemeral container.', {
  name: string('Container name.'),
  kind: string('`init`, `regular` or `ephemeral`.'),
  path: string(
    "JSON path of the container in the object (`spec.jobTemplate.spec.template.spec.containers[0]`); add `.image` or `.args[1]` for a finding's path.",
  ),
  image: IMAGE,
  command: list(string(''), '`command` as written.'),
  args: list(string(''), '`args` as written.'),
  argv: list(
    string(''),
    "What runs: `command` then `args`, with the container's literal `$(VAR)` references expanded.",
  ),
  programs: list(
    string(''),
    "Basename of every program the container runs, lowercased, each once, in the order they run: its own argv, `sh -c` strings, `eval`'d text, shell functions, command substitutions, decoded payloads, files it wrote and runs, programs an inline interpreter starts, lifecycle hooks and exec probes; launchers that only change how a program runs (`env`, `nohup`, `timeout`, `sudo`, `nice`, `exec`) are left out, while `chroot`, `nsenter`, `su` and `xargs` are programs too. The names of `execution.invocations`.",
  ),
  scripts: list(
    string(''),
    "Every shell script text the container runs, as far as known, each once: `sh -c` strings at any depth, `eval`'d text, decoded payloads piped to a shell, files it wrote and then runs or sources. A downloaded script's content is not known and not listed.",
  ),
  env: list(ENV, '`env` entries.'),
  envFrom: list(ENV_FROM, '`envFrom` entries.'),
  securityContext: map(dyn(''), "The container's `securityContext` as written (`{}` when absent)."),
  volumeMounts: list(MOUNT, '`volumeMounts` entries.'),
  execution: EXECUTION,
});

const VOLUME = object('volume', 'A pod volume.', {
  name: string('Volume name.'),
  path: string('JSON path of the volume in the object.'),
  type: string(
    'The volume source: `hostPath`, `secret`, `configMap`, `emptyDir`, `projected`, `persistentVolumeClaim`, ….',
  ),
  hostPath: string('`hostPath.path`, `""` for other types.'),
  secret: string('`secret.secretName`, `""` for other types.'),
  configMap: string('`configMap.name`, `""` for other types.'),
  source: map(
    dyn(''),
    'The volume source object as written (`{path: /etc, type: Directory}` for a hostPath).',
  ),
});

const POD = object('pod', 'A pod template of the object (a CronJob, Job or Deployment has one).', {
  path: string('JSON path of the pod spec (`spec.jobTemplate.spec.template.spec`).'),
  hostNetwork: bool('`hostNetwork`.'),
  hostPID: bool('`hostPID`.'),
  hostIPC: bool('`hostIPC`.'),
  serviceAccountName: string('`serviceAccountName`, `default` when unset.'),
  automountServiceAccountToken: bool(
    '`automountServiceAccountToken`, true when unset (the Kubernetes default).',
  ),
  securityContext: map(dyn(''), 'The pod-level `securityContext` as written.'),
  nodeName: string('`nodeName`, `""` when unset.'),
  labels: map(string(''), "The pod template's labels."),
});

const OBJECT = object('object', 'The object being scored.', {
  apiVersion: string('`batch/v1`, `apps/v1`, `v1`.'),
  kind: string('`CronJob`, `Job`, `Pod`, `Deployment`, ….'),
  name: string('`metadata.name` (or `generateName`).'),
  namespace: string('`metadata.namespace`, `""` when the manifest has none.'),
  labels: map(string(''), 'Labels.'),
  annotations: map(string(''), 'Annotations.'),
  schedule: string('A CronJob\'s `spec.schedule`, `""` for other kinds.'),
});

/** Every variable an expression may name, with its shape. */
export const CEL_VARIABLES: Readonly<Record<string, CelShape>> = {
  object: OBJECT,
  containers: list(CONTAINER, 'Every container of every pod template: init, then regular, then ephemeral.'),
  volumes: list(VOLUME, 'Every volume of every pod template.'),
  pods: list(POD, 'Every pod template of the object.'),
};

/** JSON numbers as CEL sees them in Kubernetes: whole numbers are `int`. Arrays and maps are copied. */
function celValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(celValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = celValue(item);
    return out;
  }
  return value;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : String(item))) : [];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(record(value))) if (typeof item === 'string') out[key] = item;
  return out;
}

function origin(o: Origin): Record<string, string> {
  return {
    kind: o.kind,
    url: o.kind === 'network' ? o.url : '',
    credential: o.kind === 'credential' ? o.credential : '',
    provider: o.kind === 'credential' ? (o.provider ?? '') : '',
    source: o.kind === 'credential' ? o.source : '',
    encoding: o.kind === 'decoded' ? o.encoding : '',
    name: o.kind === 'env' ? o.name : '',
  };
}

/**
 * The host of a URL as written (`https://h:1/p`, `tcp://h:4444`, `h:4444`), `""` when it has none.
 * @internal
 */
export function hostOf(url: string): string {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return (match?.[1] ?? '').toLowerCase();
}

function valueOrigins(values: readonly (Value | undefined)[]): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const value of values) for (const o of value?.origins ?? []) out.push(origin(o));
  return out;
}

function action(a: Action): Record<string, unknown> {
  const base = {
    type: a.type,
    path: a.path,
    loop: a.loop,
    detail: a.detail,
    url: '',
    host: '',
    port: '',
    argv: [] as string[],
    shell: '',
    file: '',
    language: '',
    verb: '',
    resource: '',
    origins: [] as Record<string, string>[],
  };
  switch (a.type) {
    case 'fetch':
      return {
        ...base,
        url: a.url.text,
        host: hostOf(a.url.text),
        origins: valueOrigins([a.url, ...a.headers, a.body]),
      };
    case 'connect':
      return {
        ...base,
        host: a.host.text.toLowerCase(),
        port: a.port.text,
        origins: valueOrigins([a.host, a.port, ...a.sends]),
      };
    case 'listen':
      return { ...base, port: a.port.text };
    case 'stdio':
      return base;
    case 'run':
      return {
        ...base,
        argv: (a.argv ?? []).map((v) => v.text),
        shell: a.shell?.text ?? '',
        origins: valueOrigins([...(a.argv ?? []), a.shell, a.stdin]),
      };
    case 'eval':
      return { ...base, language: a.language, origins: valueOrigins([a.code]) };
    case 'read':
      return { ...base, file: a.file.text, origins: valueOrigins([a.file]) };
    case 'write':
      return { ...base, file: a.file.text, origins: valueOrigins([a.file, a.content]) };
    case 'kube':
      return { ...base, verb: a.verb, resource: a.resource };
  }
}

/**
 * The execution model as CEL sees it; the empty model when there is none.
 * @internal
 */
export function celExecution(execution: Execution | undefined): Record<string, unknown> {
  if (!execution) return { invocations: [], actions: [], flows: [] };
  return {
    invocations: execution.invocations.map((i) => ({
      program: i.program,
      words: [...i.words],
      launchers: [...i.launchers],
      path: i.path,
      site: i.site,
      depth: BigInt(i.depth),
      loop: i.loop,
      obfuscatedName: i.obfuscatedName,
    })),
    actions: execution.actions.map(action),
    flows: execution.flows.map((f) => ({
      source: origin(f.source),
      sink: f.sink,
      destination: f.destination ?? '',
      host: f.destination === undefined ? '' : hostOf(f.destination),
      by: f.by,
      steps: [...f.steps],
      path: f.path,
      loop: f.loop,
    })),
  };
}

/**
 * Launchers that only change how their program runs (privilege, priority, time, buffering): left
 * out of `programs` when they launch one, as `programs` always has. `chroot`, `nsenter`, `su`,
 * `xargs` and `watch` stay: running them is itself worth a rule.
 */
const TRANSPARENT_LAUNCHERS: ReadonlySet<string> = new Set([
  'env',
  'sudo',
  'doas',
  'exec',
  'nohup',
  'nice',
  'ionice',
  'setsid',
  'stdbuf',
  'timeout',
  'busybox',
  'command',
  'builtin',
  'time',
]);

/**
 * The programs of `container.programs`: every invocation's program, each once, except a transparent
 * launcher whose next invocation is the program it launched (one launcher more, same depth).
 */
function programsOf(execution: Execution | undefined): string[] {
  const invocations = execution?.invocations ?? [];
  const programs = new Set<string>();
  invocations.forEach((invocation, i) => {
    const next = invocations[i + 1];
    const launches =
      next !== undefined &&
      next.depth === invocation.depth &&
      next.launchers.length === invocation.launchers.length + 1;
    if (invocation.program !== '' && !(launches && TRANSPARENT_LAUNCHERS.has(invocation.program)))
      programs.add(invocation.program);
  });
  return [...programs];
}

/** The literal `env` values of a container, for `$(VAR)` references (later entries may use earlier ones). */
function literalEnv(raw: Record<string, unknown>): Map<string, string> {
  const vars = new Map<string, string>();
  for (const entry of Array.isArray(raw.env) ? raw.env : []) {
    const env = record(entry);
    if (typeof env.name === 'string' && typeof env.value === 'string')
      vars.set(env.name, expandReferences(env.value, vars));
  }
  return vars;
}

/**
 * `$(VAR)` references expanded as the kubelet expands them in command, args and env values: a
 * variable defined with a literal value is replaced, any other reference stays as written, `$$` is
 * `$` (https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/).
 */
function expandReferences(text: string, vars: ReadonlyMap<string, string>): string {
  if (!text.includes('$')) return text;
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : (vars.get(name ?? '') ?? match),
  );
}

/** The string items of a list (`command`, `args`); anything else in it is not a word the container runs. */
function wordsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** `command` then `args`, with the container's literal `$(VAR)` references expanded. */
function argvOf(raw: Record<string, unknown>): string[] {
  const words = [...wordsOf(raw.command), ...wordsOf(raw.args)];
  if (!words.some((word) => word.includes('$'))) return words;
  const vars = literalEnv(raw);
  return words.map((word) => expandReferences(word, vars));
}

function container(view: ContainerView): Record<string, unknown> {
  const { raw, image } = view;
  return {
    name: view.name,
    kind: view.kind,
    path: view.path,
    image: {
      raw: image?.raw ?? text(raw.image),
      registry: image?.registry ?? '',
      repository: image?.repository ?? '',
      name: image?.name ?? '',
      tag: image?.tag ?? '',
      digest: image?.digest ?? '',
    },
    command: strings(raw.command),
    args: strings(raw.args),
    argv: argvOf(raw),
    programs: [] as string[],
    scripts: [] as string[],
    env: (Array.isArray(raw.env) ? raw.env : []).map((entry) => {
      const env = record(entry);
      const from = record(env.valueFrom);
      const secret = record(from.secretKeyRef);
      const configMap = record(from.configMapKeyRef);
      return {
        name: text(env.name),
        value: text(env.value),
        secret: text(secret.name),
        secretKey: text(secret.key),
        configMap: text(configMap.name),
        configMapKey: text(configMap.key),
        field: text(record(from.fieldRef).fieldPath),
      };
    }),
    envFrom: (Array.isArray(raw.envFrom) ? raw.envFrom : []).map((entry) => {
      const from = record(entry);
      return {
        secret: text(record(from.secretRef).name),
        configMap: text(record(from.configMapRef).name),
        prefix: text(from.prefix),
      };
    }),
    securityContext: celValue(view.securityContext),
    volumeMounts: view.volumeMounts.map((m) => ({
      name: m.name,
      mountPath: m.mountPath,
      readOnly: m.readOnly,
      subPath: m.subPath ?? '',
    })),
    execution: celExecution(undefined),
  };
}

function volumes(template: PodTemplateView): Record<string, unknown>[] {
  const list = Array.isArray(template.spec.volumes) ? template.spec.volumes : [];
  return list.map((entry, i) => {
    const volume = record(entry);
    const type = Object.keys(volume).find((key) => key !== 'name') ?? '';
    const source = record(volume[type]);
    return {
      name: text(volume.name),
      path: `${template.specPath}.volumes[${i}]`,
      type,
      hostPath: type === 'hostPath' ? text(source.path) : '',
      secret: type === 'secret' ? text(source.secretName) : '',
      configMap: type === 'configMap' ? text(source.name) : '',
      source: celValue(source),
    };
  });
}

function pod(template: PodTemplateView): Record<string, unknown> {
  const { spec } = template;
  const account = text(spec.serviceAccountName) || text(spec.serviceAccount);
  return {
    path: template.specPath,
    hostNetwork: spec.hostNetwork === true,
    hostPID: spec.hostPID === true,
    hostIPC: spec.hostIPC === true,
    serviceAccountName: account || 'default',
    automountServiceAccountToken: spec.automountServiceAccountToken !== false,
    securityContext: celValue(record(spec.securityContext)),
    nodeName: text(spec.nodeName),
    labels: template.metadata.labels ?? {},
  };
}

const VARIABLES_KEY = {};
const VARIABLES_WITH_EXECUTION_KEY = {};

/**
 * The CEL variables of a workload, built once per workload however many custom rules read them.
 * `withExecution` false leaves every `execution`, `programs` and `scripts` empty, so expressions that
 * never name them do not run the workload model's executor (most of the CEL cost of a small review,
 * measured); the set with execution reuses the one without.
 */
export function celVariables(workload: Workload, withExecution = true): Readonly<Record<string, unknown>> {
  const plain = remember(workload, VARIABLES_KEY, () => ({
    object: {
      apiVersion: workload.apiVersion,
      kind: workload.kind,
      name: workload.name,
      namespace: workload.namespace,
      labels: stringMap(workload.metadata.labels),
      annotations: stringMap(workload.metadata.annotations),
      schedule: workload.kind === 'CronJob' ? text(record(workload.object.spec).schedule) : '',
    },
    containers: workload.containers.map(container),
    volumes: workload.templates.flatMap(volumes),
    pods: workload.templates.map(pod),
  }));
  if (!withExecution) return plain;
  return remember(workload, VARIABLES_WITH_EXECUTION_KEY, () => ({
    ...plain,
    containers: plain.containers.map((mapped, i) => {
      const execution = workload.containers[i]?.execution;
      return {
        ...mapped,
        programs: programsOf(execution),
        scripts: [...(execution?.scripts ?? [])],
        execution: celExecution(execution),
      };
    }),
  }));
}

function typeName(shape: CelShape): string {
  switch (shape.kind) {
    case 'list':
      return `list(${typeName(shape.of)})`;
    case 'map':
      return `map(string, ${typeName(shape.of)})`;
    case 'object':
      return shape.name;
    default:
      return shape.kind;
  }
}

/**
 * The variable reference of docs/cel.md, generated from CEL_VARIABLES so the two cannot drift.
 * @internal
 */
export function describeCelVariables(): string {
  const objects = new Map<string, Extract<CelShape, { kind: 'object' }>>();
  const collect = (shape: CelShape): void => {
    if (shape.kind === 'list' || shape.kind === 'map') collect(shape.of);
    else if (shape.kind === 'object' && !objects.has(shape.name)) {
      objects.set(shape.name, shape);
      for (const field of Object.values(shape.fields)) collect(field);
    }
  };
  const lines = ['| variable | type | what it holds |', '|---|---|---|'];
  for (const [name, shape] of Object.entries(CEL_VARIABLES)) {
    lines.push(`| \`${name}\` | \`${typeName(shape)}\` | ${shape.doc} |`);
    collect(shape);
  }
  for (const [name, shape] of objects) {
    lines.push('', `### ${name}`, '', shape.doc, '', '| field | type | what it holds |', '|---|---|---|');
    for (const [field, fieldShape] of Object.entries(shape.fields))
      lines.push(`| \`${field}\` | \`${typeName(fieldShape)}\` | ${fieldShape.doc || '—'} |`);
  }
  return `${lines.join('\n')}\n`;
}
