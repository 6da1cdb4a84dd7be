/**
 * Custom rules written in CEL (https://cel.dev), the expression language of Kubernetes'
 * ValidatingAdmissionPolicy and matchConditions, evaluated with @bufbuild/cel over the variables of
 * `cel-variables.ts`. Each rule is compiled once per policy load into an ordinary registry `Rule`,
 * so scoring, exemptions, reports and metrics treat it like a built-in one.
 *
 * Checked at load, each problem naming the rule and the line:column in its expression: syntax,
 * variables that do not exist, comprehension nesting and size (the cost bound below), and a dry run
 * over a sample workload that has one of everything (a misspelt field such as `c.imge` fails there
 * instead of on every review).
 *
 * The result of an expression is either a bool (true: one finding for the object) or a list whose
 * items are each a finding: a JSON path string (`c.path + '.image'`) or a map with `path` and
 * optionally `detail` and `message`.
 *
 * Cost: CEL has no loops other than comprehensions (`all`, `exists`, `filter`, `map`), so the work
 * of one evaluation is at most (expression size) × (longest list + 1) ^ (comprehension nesting).
 * The load check caps size and nesting; before each evaluation that bound is computed from the
 * workload's own lists and an expression over it is not run: the rule reports an engine error,
 * which the policy's `onError` turns into allow or deny, as for a built-in rule that fails.
 * Regular expressions (`matches`) run on RE2 semantics: linear time, no backtracking.
 */
import { celEnv, isCelError, isCelList, isCelMap, parse, plan, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import type { CustomRule } from '../policy/schema.js';
import { buildWorkload } from '../workload/build.js';
import type { Workload } from '../workload/types.js';
import { CEL_VARIABLES, celVariables } from './cel-variables.js';
import { quote } from './redact.js';
import type { ResolveProblem } from './resolve.js';
import type { ActiveRule, Evidence, Rule } from './types.js';

/** Most nodes in one expression's syntax tree (macros expanded). */
const MAX_NODES = 2000;
/** Most comprehensions nested inside one another (`containers.exists(c, c.args.exists(a, …))` is 2). */
const MAX_NESTING = 3;
/**
 * Most work units one evaluation may take (see the bound above); about a millisecond per 10,000.
 * @internal
 */
export const MAX_COST = 1_000_000;
/** Most findings one rule reports for one object. */
const MAX_FINDINGS = 50;

const ENV = celEnv({ funcs: strings });

/** Container fields filled from the execution model, left empty for expressions that name none of them. */
const EXECUTION_FIELDS = ['execution', 'programs', 'scripts'] as const;

/** The syntax tree's shape that the checks read. */
interface Shape {
  nodes: number;
  nesting: number;
  /** Field names selected anywhere (`c.execution` adds `execution`). */
  fields: Set<string>;
  /** Offset of the deepest comprehension, for the nesting error. */
  deepest: number;
  unknown: { name: string; offset: number }[];
}

function offsetOf(positions: Record<string, number>, id: bigint): number {
  return positions[id.toString()] ?? 0;
}

function measure(root: Expr, positions: Record<string, number>): Shape {
  const shape: Shape = { nodes: 0, nesting: 0, fields: new Set(), deepest: 0, unknown: [] };
  const walk = (expr: Expr | undefined, scope: ReadonlySet<string>, depth: number): void => {
    if (!expr) return;
    shape.nodes += 1;
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'identExpr':
        if (!scope.has(kind.value.name) && !(kind.value.name in CEL_VARIABLES))
          shape.unknown.push({ name: kind.value.name, offset: offsetOf(positions, expr.id) });
        return;
      case 'selectExpr':
        shape.fields.add(kind.value.field);
        walk(kind.value.operand, scope, depth);
        return;
      case 'callExpr':
        walk(kind.value.target, scope, depth);
        for (const arg of kind.value.args) walk(arg, scope, depth);
        return;
      case 'listExpr':
        for (const element of kind.value.elements) walk(element, scope, depth);
        return;
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, scope, depth);
          walk(entry.value, scope, depth);
        }
        return;
      case 'comprehensionExpr': {
        const c = kind.value;
        walk(c.iterRange, scope, depth);
        walk(c.accuInit, scope, depth);
        const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar]);
        if (depth + 1 > shape.nesting) {
          shape.nesting = depth + 1;
          shape.deepest = offsetOf(positions, expr.id);
        }
        walk(c.loopCondition, inner, depth + 1);
        walk(c.loopStep, inner, depth + 1);
        walk(c.result, new Set([...scope, c.accuVar]), depth);
        return;
      }
      default:
        return;
    }
  };
  walk(root, new Set(), 0);
  return shape;
}

/**
 * `line:column` (both from 1) of an offset in the expression text.
 * @internal
 */
export function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** A CEL result as plain JS: lists to arrays, maps to objects with string keys. */
function plain(value: CelValue): unknown {
  if (isCelList(value)) return Array.from(value, (item) => plain(item));
  if (isCelMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value.entries()) out[`${key as string | bigint | boolean}`] = plain(item);
    return out;
  }
  return value;
}

/** The findings an expression's result stands for; throws on a result that is neither a bool nor a list. */
function evidenceOf(result: unknown, workload: Workload): Evidence[] {
  if (typeof result === 'boolean') return result ? [{ path: workload.templates[0]?.specPath ?? '' }] : [];
  if (!Array.isArray(result))
    throw new Error(`the expression must give a bool or a list, not ${typeof result}`);
  return result.slice(0, MAX_FINDINGS).map((item) => {
    if (typeof item === 'string') return { path: item };
    if (item !== null && typeof item === 'object') {
      const { path, detail, message } = item as Record<string, unknown>;
      if (typeof path !== 'string') throw new Error('each finding in the list needs a string `path`');
      return {
        path,
        ...(typeof detail === 'string' && detail !== '' ? { detail: quote(detail) } : {}),
        ...(typeof message === 'string' && message !== '' ? { reason: quote(message, 100) } : {}),
      };
    }
    throw new Error('each item of the list must be a path string or a map with a `path`');
  });
}

/** Longest list among the variables, and (when the expression splits strings) longest string. */
function longest(value: unknown, strings: boolean): number {
  if (typeof value === 'string') return strings ? value.length : 0;
  if (Array.isArray(value)) {
    let most = value.length;
    for (const item of value) most = Math.max(most, longest(item, strings));
    return most;
  }
  if (value !== null && typeof value === 'object') {
    let most = 0;
    for (const item of Object.values(value)) most = Math.max(most, longest(item, strings));
    return most;
  }
  return 0;
}

/**
 * The worst-case work of an expression of this shape over these variables (see the file's comment).
 * @internal
 */
export function costBound(shape: Pick<Shape, 'nodes' | 'nesting'>, longestList: number): number {
  return shape.nodes * (longestList + 1) ** shape.nesting;
}

/** A workload with one of everything, for the load-time dry run. */
const SAMPLE = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'sample', namespace: 'sample', labels: { app: 'sample' }, annotations: { a: 'b' } },
  spec: {
    schedule: '0 3 * * *',
    jobTemplate: {
      spec: {
        template: {
          metadata: { labels: { app: 'sample' } },
          spec: {
            restartPolicy: 'Never',
            volumes: [{ name: 'data', emptyDir: {} }],
            initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['true'] }],
            containers: [
              {
                name: 'main',
                image: 'registry.example.com/team/app:1.0',
                command: ['sh', '-c'],
                args: ['echo hello'],
                env: [
                  { name: 'A', value: 'b' },
                  { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
                ],
                envFrom: [{ configMapRef: { name: 'c' } }],
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
          },
        },
      },
    },
  },
};

/** `run`'s result on a sample execution with one of each element, so field names are checked too. */
function sampleVariables(): Readonly<Record<string, unknown>> {
  const variables = celVariables(buildWorkload(SAMPLE));
  const origin = {
    kind: 'credential',
    url: '',
    credential: 'secret',
    provider: '',
    source: 'S',
    encoding: '',
    name: '',
  };
  const containers = (variables.containers as Record<string, unknown>[]).map((c) => ({
    ...c,
    execution: {
      invocations: [
        {
          program: 'echo',
          words: ['echo', 'hello'],
          launchers: [],
          path: 'x',
          site: 'command',
          depth: 1n,
          loop: false,
          obfuscatedName: false,
        },
      ],
      actions: [
        {
          type: 'fetch',
          path: 'x',
          loop: false,
          detail: '',
          url: 'https://example.com/',
          host: 'example.com',
          port: '',
          argv: [],
          shell: '',
          file: '',
          language: '',
          verb: '',
          resource: '',
          origins: [origin],
        },
      ],
      flows: [
        {
          source: origin,
          sink: 'send',
          destination: 'https://example.com/',
          host: 'example.com',
          by: 'curl',
          steps: [],
          path: 'x',
          loop: false,
        },
      ],
    },
  }));
  return { ...variables, containers };
}

/** What went wrong, with the expression's line:column when the error names a node. */
function describeCelError(
  error: Error & { exprId?: bigint | undefined },
  text: string,
  positions: Record<string, number>,
): string {
  const at = error.exprId === undefined ? '' : ` at ${position(text, offsetOf(positions, error.exprId))}`;
  const hint = /field not found/.test(error.message)
    ? ' (a misspelt field, or one the manifest leaves out of securityContext, source, labels or annotations: test those with has() first)'
    : '';
  return `${error.message}${at}${hint}`;
}

/** Compiles one custom rule, or returns the problems that stop it. */
function compile(
  entry: CustomRule,
  index: number,
  sample: Readonly<Record<string, unknown>>,
): ActiveRule | ResolveProblem[] {
  const where = `customRules[${index}].expression`;
  const problem = (message: string): ResolveProblem[] => [
    { path: where, message: `rule ${entry.id}: ${message}` },
  ];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(entry.expression);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // @bufbuild/cel writes `<input>:line:column: message`.
    return problem(`syntax error at ${message.replace(/^<input>:/, '')}`);
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const shape = measure(parsed.expr, positions);
  const problems: ResolveProblem[] = [];
  for (const { name, offset } of shape.unknown)
    problems.push(
      ...problem(
        `unknown variable "${name}" at ${position(entry.expression, offset)} (variables: ${Object.keys(CEL_VARIABLES).join(', ')})`,
      ),
    );
  if (shape.nodes > MAX_NODES)
    problems.push(...problem(`the expression has ${shape.nodes} nodes, more than ${MAX_NODES}`));
  if (shape.nesting > MAX_NESTING)
    problems.push(
      ...problem(
        `comprehensions nested ${shape.nesting} deep at ${position(entry.expression, shape.deepest)}, more than ${MAX_NESTING}`,
      ),
    );
  if (problems.length > 0) return problems;

  const evaluate = plan(ENV, parsed);
  const splits = /\bsplit\s*\(/.test(entry.expression);
  // `programs` and `scripts` come from the execution model too. `c['execution']` is an index, not a
  // select: look for the words as well.
  const readsExecution =
    EXECUTION_FIELDS.some((field) => shape.fields.has(field)) ||
    /\b(?:execution|programs|scripts)\b/.test(entry.expression);
  const run = (variables: Readonly<Record<string, unknown>>): unknown => {
    const result = evaluate(variables as never);
    if (isCelError(result)) throw new Error(describeCelError(result, entry.expression, positions));
    return plain(result);
  };
  try {
    evidenceOf(run(sample), buildWorkload(SAMPLE));
  } catch (error) {
    return problem(error instanceof Error ? error.message : String(error));
  }

  const rule: Rule = {
    id: entry.id,
    profile: 'default',
    weight: entry.weight,
    technique: entry.technique,
    description: entry.description ?? entry.message,
    reason: entry.message,
    doc: { reads: `CEL: ${entry.expression}`, why: entry.description ?? entry.message, benign: '' },
    check(workload) {
      const variables = celVariables(workload, readsExecution);
      const cost = costBound(shape, longest(variables, splits));
      if (cost > MAX_COST)
        throw new Error(
          `cost limit: up to ${cost} units on this object, more than ${MAX_COST}; not evaluated`,
        );
      return evidenceOf(run(variables), workload);
    },
  };
  return { rule, weight: entry.weight, params: undefined };
}

/** The policy's custom rules compiled, or the problems (with rule, line and column) that stop them. */
export function compileCustomRules(
  entries: readonly CustomRule[],
  builtIn: (id: string) => boolean,
): { rules: ActiveRule[]; problems: ResolveProblem[] } {
  const rules: ActiveRule[] = [];
  const problems: ResolveProblem[] = [];
  if (entries.length === 0) return { rules, problems };
  const sample = sampleVariables();
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (builtIn(entry.id) || seen.has(entry.id)) {
      problems.push({
        path: `customRules[${index}].id`,
        message: `rule id "${entry.id}" is already taken${builtIn(entry.id) ? ' by a built-in rule' : ''}`,
      });
      return;
    }
    seen.add(entry.id);
    const compiled = compile(entry, index, sample);
    if (Array.isArray(compiled)) problems.push(...compiled);
    else if (entry.enabled) rules.push(compiled);
  });
  return { rules, problems };
}
