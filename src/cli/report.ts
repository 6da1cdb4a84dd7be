import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assess, type Engine } from '../engine.js';
import { listWorkloads } from '../kube/cluster.js';
import { loadKubeConfig, type KubeConfig } from '../kube/namespaces.js';
import { applyReport, deleteReport, keyOf, listManagedReports } from '../kube/policy-reports.js';
import { describeError } from '../kube/request.js';
import { JsonResultsWriter, writeChunk } from '../format/json.js';
import {
  buildPolicyReports,
  formatPolicyReports,
  type PolicyReport,
  type ReadProblem,
  type ReportedObject,
  type ReportOptions,
} from '../format/policy-report.js';
import { count, emptySummary, FAIL_ON, toResult, type ScoredObject } from '../format/result.js';
import { buildSarif } from '../format/sarif.js';
import { formatObject, formatSummary } from '../format/text.js';
import {
  EXIT_OK,
  EXIT_USAGE,
  parseChoice,
  parseFlags,
  parseInteger,
  UsageError,
  type CliIo,
  type CliCommand,
} from './io.js';
import { exitCode, profileRules, textStyle } from './scan.js';
import { POLICY_FLAGS, POLICY_HELP, engineFromFlags } from './flags.js';

const HELP = `Usage: jobguard report [flags]

Lists the workloads of a live cluster (the kinds the policy's kinds names) and scores them.
Without --namespace or --all-namespaces, reads the current context's namespace.

Flags:
${POLICY_HELP}
  --namespace NS           a namespace to read (repeatable)
  --all-namespaces         read every namespace
  --kubeconfig FILE        kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)
  --format text|json|sarif|policyreport
                           output format (default text); policyreport writes wgpolicyk8s.io/v1alpha2
                           PolicyReports, one per namespace, and a ClusterPolicyReport with one
                           result per namespace, as multi-document YAML to kubectl apply
  --fail-on deny|warn|never exit 1 when a verdict reaches this level (default deny)
  --watch                  keep the cluster's PolicyReports current: every --interval, score the
                           workloads again and server-side apply one wgpolicyk8s.io/v1alpha2
                           PolicyReport per namespace and the ClusterPolicyReport (only those that
                           changed), delete the ones jobguard no longer produces, and re-read
                           --config (a broken file keeps the previous policy). Every namespace
                           unless --namespace is given. One JSON log line per pass; stops on
                           SIGTERM or SIGINT. Needs get/list on the workload kinds and
                           get/list/patch/delete on policyreports and clusterpolicyreports.
  --interval SECONDS       time between passes of --watch (default 300, at least 10)
`;

/** What PolicyReports need of the engine: its thresholds, and each rule's technique for `category`. */
export function reportOptions(engine: Engine): ReportOptions {
  const techniques = new Map(engine.rules.map(({ rule }) => [rule.id, rule.technique]));
  return { thresholds: engine.compiled.thresholds, techniqueOf: (rule) => techniques.get(rule) };
}

/** What one pass of `report --watch` did. */
export interface WatchPass {
  objects: number;
  applied: number;
  unchanged: number;
  deleted: number;
  failed: number;
  problems: ReadProblem[];
}

export interface WatchOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to report on; every namespace when absent. */
  namespaces?: readonly string[];
  intervalMs: number;
  /** The policy as it is now (re-read each pass); throwing keeps the previous one. */
  loadEngine: () => Promise<Engine>;
  signal: AbortSignal;
  /** One JSON object per pass and per problem. */
  log: (entry: Record<string, unknown>) => void;
  now?: () => Date;
}

/** A report's content without its timestamps, to skip writes that would change nothing else. */
function fingerprint(report: PolicyReport): string {
  return JSON.stringify({ ...report, results: report.results.map(({ timestamp: _t, ...rest }) => rest) });
}

/**
 * Keeps PolicyReports current until `signal` aborts: each pass lists and scores the policy's
 * kinds, applies the reports whose content changed and deletes managed reports no longer
 * produced. A kind that cannot be listed is an `error` result in the ClusterPolicyReport, and
 * that pass deletes nothing (a namespace whose objects could not be read keeps its report).
 */
export async function watchReports(options: WatchOptions): Promise<void> {
  const { kubeConfig, signal, log } = options;
  const written = new Map<string, string>();
  let engine: Engine | undefined;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      engine = await options.loadEngine();
    } catch (error) {
      if (!engine) throw error;
      log({
        level: 'error',
        msg: 'policy not reloaded; keeping the previous one',
        error: describeError(error),
      });
    }
    const pass = await reportPass(kubeConfig, engine, options, written);
    log({ level: 'info', msg: 'policy reports reconciled', ...pass, durationMs: Date.now() - started });
    try {
      await sleep(options.intervalMs, undefined, { signal });
    } catch {
      // Aborted: stop between passes.
    }
  }
}

async function reportPass(
  kubeConfig: KubeConfig,
  engine: Engine,
  options: WatchOptions,
  written: Map<string, string>,
): Promise<WatchPass> {
  const { signal, log } = options;
  const now = options.now?.() ?? new Date();
  const kept: ReportedObject[] = [];
  const problems: ReadProblem[] = [];
  for (const kind of engine.policy.kinds) {
    try {
      for await (const item of listWorkloads({
        kubeConfig,
        kinds: [kind],
        signal,
        ...(options.namespaces ? { namespaces: options.namespaces } : {}),
      })) {
        const assessment = assess(engine, item.object, { now });
        if (!assessment) continue;
        const result = toResult(assessment, { source: 'cluster', document: kept.length, line: 0 });
        const metadata = item.object.metadata as { uid?: unknown } | undefined;
        kept.push({ result, ...(typeof metadata?.uid === 'string' ? { uid: metadata.uid } : {}) });
      }
    } catch (error) {
      problems.push({ kind, message: describeError(error) });
    }
  }
  const reports = buildPolicyReports(kept, now, reportOptions(engine), problems);
  const pass: WatchPass = { objects: kept.length, applied: 0, unchanged: 0, deleted: 0, failed: 0, problems };
  const produced = new Set<string>();
  for (const report of reports) {
    const key = keyOf({ kind: report.kind, ...report.metadata });
    produced.add(key);
    const print = fingerprint(report);
    if (written.get(key) === print) {
      pass.unchanged += 1;
      continue;
    }
    try {
      await applyReport(kubeConfig, report, signal);
      written.set(key, print);
      pass.applied += 1;
    } catch (error) {
      pass.failed += 1;
      written.delete(key);
      log({ level: 'error', msg: 'cannot write a policy report', report: key, error: describeError(error) });
    }
  }
  if (problems.length > 0) return pass;
  try {
    for (const stale of await listManagedReports(kubeConfig, options.namespaces, signal)) {
      const key = keyOf(stale);
      if (produced.has(key)) continue;
      await deleteReport(kubeConfig, stale, signal);
      written.delete(key);
      pass.deleted += 1;
    }
  } catch (error) {
    pass.failed += 1;
    log({ level: 'error', msg: 'cannot remove stale policy reports', error: describeError(error) });
  }
  return pass;
}

/** `report --watch` as a command: runs until SIGTERM or SIGINT, then exits 0. */
async function watchCommand(
  io: CliIo,
  kubeConfig: KubeConfig,
  namespaces: readonly string[] | undefined,
  intervalSeconds: number,
  loadEngine: () => Promise<Engine>,
): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await watchReports({
      kubeConfig,
      ...(namespaces ? { namespaces } : {}),
      intervalMs: intervalSeconds * 1000,
      loadEngine,
      signal: controller.signal,
      log: (entry) => {
        io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
      },
    });
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
  return EXIT_OK;
}

export const report: CliCommand = async (argv, io) => {
  const { values } = parseFlags(argv, {
    ...POLICY_FLAGS,
    namespace: { type: 'string', multiple: true, short: 'n' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    kubeconfig: { type: 'string' },
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    watch: { type: 'boolean' },
    interval: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const format =
    parseChoice('format', values.format, ['text', 'json', 'sarif', 'policyreport'] as const) ?? 'text';
  const failOn = parseChoice('fail-on', values['fail-on'], FAIL_ON) ?? 'deny';
  if (values['all-namespaces'] && values.namespace)
    throw new UsageError('--namespace and --all-namespaces exclude each other');
  if (values.watch && values.format !== undefined && format !== 'policyreport')
    throw new UsageError('--watch writes PolicyReports to the cluster; --format does not apply');
  if (values.watch && values['all-namespaces'] === undefined && values.namespace === undefined)
    values['all-namespaces'] = true;
  if (values.interval !== undefined && !values.watch)
    throw new UsageError('--interval applies only to --watch');
  const interval = parseInteger('interval', values.interval, 10, 86_400) ?? 300;
  const engine = await engineFromFlags(values, io);
  const { policy } = engine;

  // An explicit --kubeconfig wins over the in-cluster service account, as with kubectl.
  const env =
    values.kubeconfig === undefined
      ? io.env
      : {
          ...io.env,
          KUBERNETES_SERVICE_HOST: undefined,
          KUBECONFIG: path.resolve(io.cwd, values.kubeconfig),
        };
  const kubeConfig = loadKubeConfig({ env });
  if (!kubeConfig) throw new UsageError('no cluster: pass --kubeconfig, set KUBECONFIG, or run in a pod');
  const context = kubeConfig.getCurrentContext();
  const namespaces = values['all-namespaces']
    ? undefined
    : (values.namespace ?? [kubeConfig.getContextObject(context)?.namespace ?? 'default']);
  if (values.watch) {
    let first: Engine | undefined = engine;
    return watchCommand(io, kubeConfig, namespaces, interval, async () => {
      // The engine built above serves the first pass; later passes re-read the file.
      const current = first ?? (await engineFromFlags(values, io));
      first = undefined;
      return current;
    });
  }

  const now = new Date();
  const summary = emptySummary();
  const style = textStyle(io);
  const json = format === 'json' ? new JsonResultsWriter(io.stdout) : undefined;
  const kept: (ScoredObject & ReportedObject)[] = [];
  let document = 0;
  try {
    for await (const item of listWorkloads({
      kubeConfig,
      kinds: policy.kinds,
      ...(namespaces ? { namespaces } : {}),
    })) {
      const assessment = assess(engine, item.object, { now });
      const index = document++;
      if (!assessment) {
        summary.skipped += 1;
        continue;
      }
      const result = toResult(assessment, { source: context || 'cluster', document: index, line: 0 });
      count(summary, result.verdict);
      const metadata = item.object.metadata as { uid?: unknown } | undefined;
      const scored = { result, ...(typeof metadata?.uid === 'string' ? { uid: metadata.uid } : {}) };
      if (json) await json.write(result);
      else if (format === 'text') await writeChunk(io.stdout, formatObject(scored, style));
      else kept.push(scored);
    }
  } catch (error) {
    io.stderr.write(`jobguard report: cannot list workloads: ${describeError(error)}\n`);
    return EXIT_USAGE;
  }

  if (json) await json.end(summary);
  else if (format === 'sarif')
    await writeChunk(io.stdout, `${JSON.stringify(buildSarif(profileRules(engine), kept), null, 2)}\n`);
  else if (format === 'policyreport')
    await writeChunk(io.stdout, formatPolicyReports(buildPolicyReports(kept, now, reportOptions(engine))));
  else await writeChunk(io.stdout, formatSummary(summary, style));
  return exitCode(false, summary, failOn);
};
