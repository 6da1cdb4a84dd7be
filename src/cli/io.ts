import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What a subcommand may touch: injected so tests run commands in-process with fake streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export type CliCommand = (argv: string[], io: CliIo) => Promise<number>;

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Bad flags or unreadable input: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: process.stdout.isTTY,
    stderrIsTTY: process.stderr.isTTY,
  };
}

/** node:util parseArgs with errors turned into UsageError. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    // Not `instanceof Error`: under jest's VM contexts node's own errors come from another realm.
    const message = (error as { message?: unknown }).message;
    throw new UsageError(typeof message === 'string' ? message : String(error));
  }
}

export function parseInteger(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag}: expected an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`--${flag}: expected one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/** Byte sizes for --body-limit: `8388608`, `8MiB`, `512KiB`. */
export function parseSize(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\s*(b|kib|mib|kb|mb)?$/i.exec(value.trim());
  const units: Record<string, number> = { b: 1, kib: 1024, kb: 1024, mib: 1024 * 1024, mb: 1024 * 1024 };
  const size = match ? Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(size) || size < 1024)
    throw new UsageError(`--${flag}: expected a size such as 8MiB (at least 1KiB), got "${value}"`);
  return size;
}
