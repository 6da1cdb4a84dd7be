import { EXIT_USAGE, UsageError, type CliCommand, type CliIo } from './io.js';
import { PolicyError } from '../policy/load.js';
import { checkRegistry } from '../scoring/profiles.js';
import { VERSION } from '../version.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  serve: {
    summary: 'run the admission webhook (HTTPS)',
    load: async () => (await import('./serve.js')).serve,
  },
  scan: {
    summary: 'score manifests (files, folders, stdin)',
    load: async () => (await import('./scan.js')).scan,
  },
  audit: { summary: 'replay Kubernetes audit logs', load: async () => (await import('./audit.js')).audit },
  report: {
    summary: 'score the workloads of a live cluster',
    load: async () => (await import('./report.js')).report,
  },
  test: {
    summary: 'check a policy against fixtures and expected results',
    load: async () => (await import('./test.js')).test,
  },
  rules: {
    summary: 'list the rules of the active profile',
    load: async () => (await import('./rules.js')).rules,
  },
  kql: {
    summary: 'print the Sentinel query for the policy',
    load: async () => (await import('./kql.js')).kql,
  },
  export: {
    summary: 'print SIEM detections (KQL, Sigma) for the policy',
    load: async () => (await import('./export.js')).exportCommand,
  },
  policy: {
    summary: 'print the effective policy or its JSON Schema, or check a file',
    load: async () => (await import('./policy.js')).policy,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return [
    'jobguard — scores CronJobs and Jobs for attacker traits; annotates, warns or denies.',
    '',
    'Usage: jobguard <command> [flags]   (jobguard <command> --help for its flags)',
    '       jobguard --version',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`jobguard ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`jobguard: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  // A broken registry (duplicate id, bad weight, missing doc) is a build error: stop before serving anything.
  checkRegistry();
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof PolicyError) {
      io.stderr.write(`jobguard ${name}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
