import { buildKql, KqlEscapeError } from '../format/kql.js';
import { writeChunk } from '../format/json.js';
import { EXIT_OK, parseFlags, UsageError, type CliCommand } from './io.js';
import { engineFromFlags } from './flags.js';

const HELP = `Usage: jobguard kql [--config FILE]

Prints the Microsoft Sentinel query (AzureDiagnostics, kube-audit) that matches the loaded policy:
the kql profile's indicators with the policy's terms and weights, its annotate threshold as the
filter, and comment lines naming what the default profile checks that KQL cannot express.
The same as \`jobguard export --format kql\`; \`jobguard export --help\` lists the other
detections (jobguard's own verdicts from the audit annotations) and formats (Sigma).

Flags:
  --config FILE            policy file (default: the built-in policy)
`;

export const kql: CliCommand = async (argv, io) => {
  const { values } = parseFlags(argv, { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const { policy } = await engineFromFlags({ config: values.config }, io);
  let query: string;
  try {
    query = buildKql(policy);
  } catch (error) {
    if (error instanceof KqlEscapeError) throw new UsageError(error.message);
    throw error;
  }
  await writeChunk(io.stdout, query);
  return EXIT_OK;
};
