import path from 'node:path';
import { assess } from '../engine.js';
import { listWorkloads } from '../kube/cluster.js';
import { loadKubeConfig } from '../kube/namespaces.js';
import { describeError } from '../kube/request.js';
import { JsonResultsWriter, writeChunk } from '../report/json.js';
import { buildPolicyReports, formatPolicyReports, type ReportedObject } from '../report/policy-report.js';
import { count, emptySummary, FAIL_ON, toResult, type ScoredObject } from '../report/result.js';
import { buildSarif } from '../report/sarif.js';
import { formatObject, formatSummary } from '../report/text.js';
import { EXIT_OK, EXIT_USAGE, parseChoice, parseFlags, UsageError, type Command } from './io.js';
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
                           PolicyReports, one per namespace, as multi-document YAML
  --fail-on deny|warn|never exit 1 when a verdict reaches this level (default deny)
`;

export const report: Command = async (argv, io) => {
  const { values } = parseFlags(argv, {
    ...POLICY_FLAGS,
    namespace: { type: 'string', multiple: true, short: 'n' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    kubeconfig: { type: 'string' },
    format: { type: 'string' },
    'fail-on': { type: 'string' },
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
    await writeChunk(io.stdout, formatPolicyReports(buildPolicyReports(kept, now)));
  else await writeChunk(io.stdout, formatSummary(summary, style));
  return exitCode(false, summary, failOn);
};
