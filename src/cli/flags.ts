import path from 'node:path';
import type { Engine } from '../engine.js';
import { PolicyError, resolvePolicy, type PolicyOverrides } from '../policy/load.js';
import { MODES, profileSchema } from '../policy/schema.js';
import { parseChoice, parseInteger, type CliIo } from './io.js';

/** The policy flags every command shares: the policy file and the overrides the command line may make (docs/architecture.md). */
export const POLICY_FLAGS = {
  config: { type: 'string' },
  profile: { type: 'string' },
  mode: { type: 'string' },
  'annotate-threshold': { type: 'string' },
  'warn-threshold': { type: 'string' },
  'deny-threshold': { type: 'string' },
} as const;

export const POLICY_HELP = `  --config FILE            policy file (default: the built-in policy)
  --profile default|kql    scoring profile (overrides the file)
  --mode M                 enforce | warn | audit | off for namespaces without an override
  --annotate-threshold N   score from which an object is annotated (overrides the profile's)
  --warn-threshold N       score from which kubectl gets a warning
  --deny-threshold N       score from which the object is denied`;

export interface PolicyFlagValues {
  config?: string | undefined;
  profile?: string | undefined;
  mode?: string | undefined;
  'annotate-threshold'?: string | undefined;
  'warn-threshold'?: string | undefined;
  'deny-threshold'?: string | undefined;
}

const THRESHOLD_MAX = 1000;

/** `--mode`, `--profile` and `--*-threshold` as overrides of the policy file. */
export function overridesFromFlags(values: PolicyFlagValues): PolicyOverrides {
  const thresholds: NonNullable<PolicyOverrides['thresholds']> = {};
  for (const name of ['annotate', 'warn', 'deny'] as const) {
    const value = parseInteger(`${name}-threshold`, values[`${name}-threshold`], 1, THRESHOLD_MAX);
    if (value !== undefined) thresholds[name] = value;
  }
  const profile = parseChoice('profile', values.profile, profileSchema.options);
  const mode = parseChoice('mode', values.mode, MODES);
  return {
    ...(profile ? { profile } : {}),
    ...(mode ? { mode } : {}),
    ...(Object.keys(thresholds).length > 0 ? { thresholds } : {}),
  };
}

/** `--config` resolved against the command's working directory. */
export function configPath(values: PolicyFlagValues, io: CliIo): string | undefined {
  return values.config === undefined ? undefined : path.resolve(io.cwd, values.config);
}

/** The engine for the policy file with the command line's overrides applied; errors name the file as typed. */
export async function engineFromFlags(values: PolicyFlagValues, io: CliIo): Promise<Engine> {
  try {
    return await resolvePolicy(configPath(values, io), overridesFromFlags(values));
  } catch (error) {
    throw error instanceof PolicyError && values.config !== undefined
      ? new PolicyError(values.config, error.issues)
      : error;
  }
}
