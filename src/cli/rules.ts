import { writeChunk } from '../format/json.js';
import { EXIT_OK, parseChoice, parseFlags, type CliCommand } from './io.js';
import { profileRules } from './scan.js';
import { POLICY_FLAGS, POLICY_HELP, engineFromFlags } from './flags.js';

const HELP = `Usage: jobguard rules [flags]

Lists the rules of the active profile: id, weight (after the policy's overrides), ATT&CK
technique, whether the policy enables it, and a one-line description.

Flags:
${POLICY_HELP}
  --format text|json       output format (default text)
`;

export const rules: CliCommand = async (argv, io) => {
  const { values } = parseFlags(argv, {
    ...POLICY_FLAGS,
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const format = parseChoice('format', values.format, ['text', 'json'] as const) ?? 'text';
  const engine = await engineFromFlags(values, io);
  const list = profileRules(engine).map(({ rule, weight, enabled }) => ({
    id: rule.id,
    weight,
    technique: rule.technique,
    enabled,
    description: rule.description,
  }));
  if (format === 'json') {
    await writeChunk(
      io.stdout,
      `${JSON.stringify({ profile: engine.policy.profile, rules: list }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  const idWidth = Math.max(2, ...list.map((r) => r.id.length));
  const techWidth = Math.max(9, ...list.map((r) => r.technique.length));
  const lines = [
    `${'ID'.padEnd(idWidth)}  WEIGHT  ${'TECHNIQUE'.padEnd(techWidth)}  ENABLED  DESCRIPTION`,
    ...list.map(
      (r) =>
        `${r.id.padEnd(idWidth)}  ${String(r.weight).padStart(6)}  ${r.technique.padEnd(techWidth)}  ${(r.enabled ? 'yes' : 'no').padEnd(7)}  ${r.description}`,
    ),
  ];
  const off = list.filter((r) => !r.enabled).length;
  lines.push('', `profile ${engine.policy.profile}: ${list.length} rules, ${list.length - off} enabled`);
  await writeChunk(io.stdout, `${lines.join('\n')}\n`);
  return EXIT_OK;
};
