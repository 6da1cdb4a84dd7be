import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { buildPolicyJsonSchema } from '../policy/json-schema.js';
import { loadPolicyFile, PolicyError } from '../policy/load.js';
import type { Policy } from '../policy/schema.js';
import { expiredExemptions } from '../policy/decide.js';
import {
  EXIT_OK,
  EXIT_USAGE,
  parseChoice,
  parseFlags,
  UsageError,
  type CliIo,
  type CliCommand,
} from './io.js';
import { POLICY_FLAGS, engineFromFlags } from './flags.js';

const USAGE = `Usage: jobguard policy <command> [flags]

Commands:
  print    print the effective policy: defaults filled, flags applied, thresholds resolved
  check    validate policy files
  schema   print the policy file's JSON Schema (for editors and CI validators)

jobguard policy <command> --help for its flags.
`;

const PRINT_USAGE = `Usage: jobguard policy print [--config FILE] [flags]

Prints the policy jobguard would run with: the file (or the built-in default) with every default
filled in, the flags applied, and the thresholds in force (the profile's, unless set). The output
is itself a valid policy file.

Flags:
  --config FILE              policy file (YAML or JSON); default: the built-in policy
  --mode MODE                enforce | warn | audit | off (namespaces without an override)
  --profile PROFILE          default | kql
  --annotate-threshold N     score at which to annotate (1..1000)
  --warn-threshold N         score at which to warn (1..1000)
  --deny-threshold N         score at which to deny (1..1000)
  --format FORMAT            yaml (default) | json
  -h, --help                 this help
`;

const CHECK_USAGE = `Usage: jobguard policy check FILE...

Validates policy files completely (schema, thresholds, rule ids and parameters). Prints one line
per problem: the file, the path inside it and what was expected. Warns about exemptions that have
expired. Exit status: 0 when every file is valid (warnings included), 2 otherwise.

Flags:
  -h, --help                 this help
`;

const SCHEMA_USAGE = `Usage: jobguard policy schema

Prints the JSON Schema (draft-07) of a policy file, rule ids and their parameters included. Point
an editor at it with a first line \`# yaml-language-server: $schema=policy.schema.json\`. It checks
the file's shape; \`jobguard policy check\` also checks what a schema cannot (thresholds in order,
exemption names unique, CEL rules that compile).

Flags:
  -h, --help                 this help
`;

const FORMATS = ['yaml', 'json'] as const;
async function print(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    ...POLICY_FLAGS,
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(PRINT_USAGE);
    return EXIT_OK;
  }
  const format = parseChoice('format', values.format, FORMATS) ?? 'yaml';

  const { policy, compiled } = await engineFromFlags(values, io);
  const effective: Policy = { ...policy, thresholds: compiled.thresholds };
  // YAML 1.1 quoting: `off` and dates stay strings for 1.1 readers (Helm values, older tooling) too.
  io.stdout.write(
    format === 'json' ? `${JSON.stringify(effective, null, 2)}\n` : stringify(effective, { version: '1.1' }),
  );
  return EXIT_OK;
}

async function check(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    io.stdout.write(CHECK_USAGE);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('expected at least one policy file (see --help)');
  const now = new Date();
  let isValid = true;
  for (const name of positionals) {
    try {
      const { policy } = await loadPolicyFile(resolve(io.cwd, name));
      io.stdout.write(`${name}: ok\n`);
      for (const expired of expiredExemptions(policy, now)) {
        io.stdout.write(
          `${name}: ${expired.path}.expires: warning: expired ${expired.expires}, the exemption no longer applies (${expired.reason})\n`,
        );
      }
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      isValid = false;
      for (const issue of error.issues) {
        io.stdout.write(`${name}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
      }
    }
  }
  return isValid ? EXIT_OK : EXIT_USAGE;
}

function schema(argv: string[], io: CliIo): number {
  const { values } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } });
  io.stdout.write(values.help ? SCHEMA_USAGE : `${JSON.stringify(buildPolicyJsonSchema(), null, 2)}\n`);
  return EXIT_OK;
}

/** `jobguard policy print|check|schema`. */
export const policy: CliCommand = async (argv, io) => {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'print':
      return print(rest, io);
    case 'check':
      return check(rest, io);
    case 'schema':
      return schema(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.stdout.write(USAGE);
      return EXIT_OK;
    default:
      io.stderr.write(
        subcommand === undefined ? USAGE : `jobguard policy: unknown command "${subcommand}"\n\n${USAGE}`,
      );
      return EXIT_USAGE;
  }
};
