/**
 * Hand-built execution models for rule tests: each rule is judged on the model it reads, without
 * depending on how the executor gets there from text. Defaults are the smallest valid values;
 * tests give only what the case is about.
 */
import type {
  ConnectAction,
  FetchAction,
  KubeAction,
  Origin,
  ReadAction,
  StdioAction,
  Value,
  WriteAction,
} from '../../src/workload/action.js';
import { buildWorkload } from '../../src/workload/build.js';
import type { Execution, Flow, Invocation, ObfuscationSign } from '../../src/workload/model.js';
import type { Workload } from '../../src/workload/types.js';

const SPEC = 'spec.jobTemplate.spec.template.spec';
const C0 = `${SPEC}.containers[0]`;
/** Where fixtures say their actions come from. */
export const AT = `${C0}.command[2]`;

export const lit = (text: string): Value => ({ text, exact: true, origins: [] });
/** A value not known before run time (`$PORT`), with origins. */
export const unknown = (text: string, origins: Origin[] = []): Value => ({ text, exact: false, origins });

export function execution(parts: Partial<Execution> = {}): Execution {
  return {
    invocations: [],
    actions: [],
    flows: [],
    obfuscation: [],
    scripts: [],
    limits: [],
    problems: [],
    ...parts,
  };
}

/** An invocation of `words` (argv[0] first); the program is argv[0]'s basename. */
export function invocation(words: string[], parts: Partial<Invocation> = {}): Invocation {
  const first = words[0] ?? '';
  return {
    program: first.slice(first.lastIndexOf('/') + 1).toLowerCase(),
    argv: words.map(lit),
    words,
    launchers: [],
    redirects: [],
    path: AT,
    loop: false,
    depth: 1,
    site: 'command',
    obfuscatedName: false,
    ...parts,
  };
}

const base = { path: AT, loop: false, detail: '' };

export const fetch = (url: string, parts: Partial<FetchAction> = {}): FetchAction => ({
  ...base,
  type: 'fetch',
  url: lit(url),
  headers: [],
  ...parts,
});
export const connect = (
  host: Value | string,
  port: Value | string,
  parts: Partial<ConnectAction> = {},
): ConnectAction => ({
  ...base,
  type: 'connect',
  socket: 1,
  host: typeof host === 'string' ? lit(host) : host,
  port: typeof port === 'string' ? lit(port) : port,
  protocol: 'tcp',
  sends: [],
  ...parts,
});
export const stdio = (socket = 1, parts: Partial<StdioAction> = {}): StdioAction => ({
  ...base,
  type: 'stdio',
  socket,
  fds: [0, 1, 2],
  ...parts,
});
export const read = (file: string, parts: Partial<ReadAction> = {}): ReadAction => ({
  ...base,
  type: 'read',
  file: lit(file),
  ...parts,
});
export const write = (
  file: string,
  content: Value | string,
  parts: Partial<WriteAction> = {},
): WriteAction => ({
  ...base,
  type: 'write',
  file: lit(file),
  content: typeof content === 'string' ? lit(content) : content,
  ...parts,
});
export const kube = (verb: string, resource: string, parts: Partial<KubeAction> = {}): KubeAction => ({
  ...base,
  type: 'kube',
  verb,
  resource,
  allNamespaces: false,
  grants: [],
  kubelet: false,
  ...parts,
});

export const network = (url: string): Origin => ({ kind: 'network', url });

/** A flow from `source` to `sink`. */
export function flow(source: Origin, sink: Flow['sink'], parts: Partial<Flow> = {}): Flow {
  return { source, sink, steps: [], by: 'sh', path: AT, loop: false, ...parts };
}

export const sign = (kind: ObfuscationSign['kind'], detail = 'x'): ObfuscationSign => ({
  kind,
  detail,
  path: AT,
});

/**
 * A CronJob (namespace `default`, nightly) whose containers have the given execution models, in
 * order; `spec` adds to the pod spec (volumes, hostPID…), `containers` to each container.
 */
export function withExecutions(
  executions: Execution[],
  spec: Record<string, unknown> = {},
  containers: Record<string, unknown>[] = [],
): Workload {
  const workload = buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'x', namespace: 'default' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              ...spec,
              containers: executions.map((_, k) => ({
                name: `c${k}`,
                image: 'alpine:3.20',
                ...(containers[k] ?? {}),
              })),
            },
          },
        },
      },
    },
  });
  workload.containers.forEach((container, k) => {
    Object.defineProperty(container, 'execution', {
      value: executions[k] ?? execution(),
      configurable: true,
      enumerable: false,
    });
  });
  return workload;
}

/** One container with one execution model. */
export function withExecution(
  model: Execution,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
): Workload {
  return withExecutions([model], spec, [container]);
}
