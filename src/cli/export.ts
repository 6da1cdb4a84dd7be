import { writeChunk } from '../format/json.js';
import { checkWebhookName, DEFAULT_WEBHOOK_NAME, WebhookNameError } from '../format/annotation.js';
import { AUDIT_TABLES, buildKql, buildVerdictKql, KqlEscapeError } from '../format/kql.js';
import { buildKustoPipeline, buildSeedSigma, buildVerdictSigma, SigmaExportError } from '../format/sigma.js';
import type { Policy } from '../policy/schema.js';
import { EXIT_OK, parseChoice, parseFlags, UsageError, type CliCommand } from './io.js';
import { POLICY_FLAGS, POLICY_HELP, engineFromFlags } from './flags.js';

const FORMATS = ['kql', 'sigma', 'sigma-pipeline'] as const;
const DETECTIONS = ['seed', 'verdicts'] as const;

const HELP = `Usage: jobguard export --format kql|sigma|sigma-pipeline [flags]

Prints a SIEM detection built from the loaded policy. docs/playbook.md ("In the SIEM") says how
to load each one and what to do when it fires.

Detections (--detection):
  seed      the Kubernetes audit query jobguard grew from: create/update/patch of cronjobs and
            jobs (and the policy's other kinds) whose request body has the kql profile's terms,
            with the policy's terms, weights and threshold. Works without jobguard in the cluster.
  verdicts  jobguard's own verdicts: the audit annotations the API server records for the
            webhook (<webhook name>/score, verdict, action, rules, exempted-by, …), kept at or
            above the policy's warn threshold, plus exemptions and rule failures. Needs jobguard
            running as the admission webhook; as precise as jobguard itself.

Formats (--format):
  kql             Microsoft Sentinel / Azure Data Explorer. The seed query is what \`jobguard kql\`
                  prints (AzureDiagnostics); the verdicts query reads --table.
  sigma           Sigma rules (logsource product kubernetes, service audit; audit.k8s.io field
                  names). verdicts prints three rules (deny, warn, exemption or rule failure) as one
                  YAML stream. Convert with sigma-cli, e.g. \`sigma convert -t splunk
                  --without-pipeline rule.yml\`, or for Kusto with the pipeline below.
  sigma-pipeline  a pySigma processing pipeline that maps the rules' fields onto --table, for
                  \`sigma convert -t kusto -p pipeline.yml rule.yml\` (the Kusto backend cannot
                  address dotted audit fields by itself).

Flags:
  --format F               kql | sigma | sigma-pipeline (required)
  --detection D            seed | verdicts (default seed)
  --table T                AzureDiagnostics | AKSAudit | AKSAuditAdmin: where AKS writes the audit
                           log (default AzureDiagnostics); for the kql verdicts query and sigma-pipeline
  --webhook-name NAME      webhooks[].name of the ValidatingWebhookConfiguration, the prefix of the
                           annotation keys (default ${DEFAULT_WEBHOOK_NAME}, what the chart installs)
${POLICY_HELP}
`;

function build(
  policy: Policy,
  format: (typeof FORMATS)[number],
  detection: (typeof DETECTIONS)[number],
  table: (typeof AUDIT_TABLES)[number],
  webhookName: string,
): string {
  if (format === 'sigma-pipeline') return buildKustoPipeline(table, webhookName);
  if (format === 'sigma')
    return detection === 'seed' ? buildSeedSigma(policy) : buildVerdictSigma(policy, webhookName);
  if (detection === 'verdicts') return buildVerdictKql(policy, { table, webhookName });
  if (table !== 'AzureDiagnostics')
    throw new UsageError(
      '--table: the seed query reads AzureDiagnostics only (as the detection it reproduces)',
    );
  return buildKql(policy);
}

export const exportCommand: CliCommand = async (argv, io) => {
  const { values } = parseFlags(argv, {
    ...POLICY_FLAGS,
    format: { type: 'string' },
    detection: { type: 'string' },
    table: { type: 'string' },
    'webhook-name': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const format = parseChoice('format', values.format, FORMATS);
  if (format === undefined) throw new UsageError(`--format is required: one of ${FORMATS.join(', ')}`);
  const detection = parseChoice('detection', values.detection, DETECTIONS) ?? 'seed';
  const table = parseChoice('table', values.table, AUDIT_TABLES) ?? 'AzureDiagnostics';
  let webhookName: string;
  try {
    webhookName = checkWebhookName(values['webhook-name'] ?? DEFAULT_WEBHOOK_NAME);
  } catch (error) {
    if (error instanceof WebhookNameError) throw new UsageError(`--webhook-name: ${error.message}`);
    throw error;
  }
  const { policy } = await engineFromFlags(values, io);
  let text: string;
  try {
    text = build(policy, format, detection, table, webhookName);
  } catch (error) {
    if (error instanceof KqlEscapeError || error instanceof SigmaExportError)
      throw new UsageError(error.message);
    throw error;
  }
  await writeChunk(io.stdout, text);
  return EXIT_OK;
};
