import { existsSync } from 'node:fs';
import path from 'node:path';
import { assess, type Engine } from '../engine.js';
import { JsonResultsWriter, writeChunk } from '../format/json.js';
import {
  count,
  emptySummary,
  FAIL_ON,
  isFailing,
  toResult,
  type ScoredObject,
  type Summary,
} from '../format/result.js';
import { buildSarif, type SarifLocator, type SarifRule } from '../format/sarif.js';
import { formatObject, formatSummary, type TextStyle } from '../format/text.js';
import { PROFILES } from '../scoring/profiles.js';
import { expandInputs, readInput, STDIN } from '../source/inputs.js';
import { parseManifest } from '../source/manifest.js';
import {
  EXIT_FINDINGS,
  EXIT_OK,
  EXIT_USAGE,
  parseChoice,
  parseFlags,
  UsageError,
  type CliIo,
  type CliCommand,
} from './io.js';
import { POLICY_FLAGS, POLICY_HELP, engineFromFlags } from './flags.js';

/** Every rule of the engine's profile, enabled or not, with its weight after the policy's overrides. */
export function profileRules(engine: Engine): SarifRule[] {
  const active = new Map(engine.rules.map((r) => [r.rule.id, r]));
  const profile = PROFILES[engine.policy.profile].rules;
  const builtIn = new Set(profile.map((rule) => rule.id));
  return [
    ...profile.map((rule) => {
      const configured = active.get(rule.id);
      return {
        rule,
        weight: configured?.weight ?? engine.policy.rules[rule.id]?.weight ?? rule.weight,
        enabled: !!configured,
      };
    }),
    // The policy's custom (CEL) rules, after the built-in ones.
    ...engine.rules
      .filter(({ rule }) => !builtIn.has(rule.id))
      .map(({ rule, weight }) => ({ rule, weight, enabled: true })),
  ];
}

export function textStyle(io: CliIo): TextStyle {
  return { colour: io.stdoutIsTTY && !io.env.NO_COLOR };
}

/** The nearest directory at or above `from` that holds `.git` (a folder, or a file in a worktree); else `from`. */
export function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** 2 when some input could not be read, else 1 when a verdict reaches `--fail-on`, else 0. */
export function exitCode(inputFailed: boolean, summary: Summary, failOn: (typeof FAIL_ON)[number]): number {
  if (inputFailed) return EXIT_USAGE;
  return isFailing(summary, failOn) ? EXIT_FINDINGS : EXIT_OK;
}

const HELP = `Usage: jobguard scan [flags] PATH... | -

Scores Kubernetes manifests: files, folders (recursive: .yaml, .yml, .json, in path order) and
stdin (-). Reads multi-document YAML, JSON, kind: List, helm template and kustomize build output.
Documents without a pod template are counted as skipped. A file that does not parse is reported
on stderr with its line; the other files are still scanned and the exit code is 2.

Flags:
${POLICY_HELP}
  --format text|json|sarif output format (default text)
  --fail-on deny|warn|never exit 1 when a verdict reaches this level (default deny)
  --stdin-filename PATH    the file stdin (-) holds, for results and SARIF locations
                           (required for --format sarif with -: SARIF results point at files)
  --sarif-root DIR         SARIF paths are relative to DIR with uriBaseId %SRCROOT% (default:
                           the git repository around the working directory, else the directory)

Exit codes: 0 ok, 1 a verdict at or above --fail-on, 2 bad usage or unreadable input.
`;

export const scan: CliCommand = async (argv, io) => {
  const { values, positionals } = parseFlags(
    argv,
    {
      ...POLICY_FLAGS,
      format: { type: 'string' },
      'fail-on': { type: 'string' },
      'stdin-filename': { type: 'string' },
      'sarif-root': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const format = parseChoice('format', values.format, ['text', 'json', 'sarif'] as const) ?? 'text';
  const failOn = parseChoice('fail-on', values['fail-on'], FAIL_ON) ?? 'deny';
  if (positionals.length === 0) throw new UsageError('no input: give files, folders or - for stdin');
  const stdinName = values['stdin-filename'];
  if (stdinName === '') throw new UsageError('--stdin-filename: expected a path');
  if (format === 'sarif' && (positionals as string[]).includes(STDIN) && stdinName === undefined)
    throw new UsageError(
      '--format sarif with - needs --stdin-filename PATH: every SARIF result must point at a file in the repository',
    );
  if (values['sarif-root'] !== undefined && format !== 'sarif')
    throw new UsageError('--sarif-root applies only to --format sarif');
  const locator: SarifLocator = {
    cwd: io.cwd,
    root:
      values['sarif-root'] === undefined
        ? repositoryRoot(io.cwd)
        : path.resolve(io.cwd, values['sarif-root']),
  };
  const engine = await engineFromFlags(values, io);
  const now = new Date();

  const summary = emptySummary();
  const style = textStyle(io);
  const json = format === 'json' ? new JsonResultsWriter(io.stdout) : undefined;
  const sarifObjects: ScoredObject[] = [];
  let inputFailed = false;
  const complain = (message: string): void => {
    inputFailed = true;
    io.stderr.write(`jobguard scan: ${message}\n`);
  };

  const { files, problems } = await expandInputs(positionals, io.cwd);
  for (const problem of problems) complain(`${problem.source}: ${problem.message}`);
  for (const found of files) {
    const input =
      found.file === STDIN && stdinName !== undefined
        ? { ...found, source: stdinName.split(path.sep).join('/') }
        : found;
    let text: string;
    try {
      text = await readInput(input, io.stdin);
    } catch (error) {
      complain(`${input.source}: ${(error as Error).message}`);
      continue;
    }
    const parsed = parseManifest(text);
    if (!parsed.ok) {
      for (const p of parsed.problems) complain(`${input.source}:${p.line}:${p.column}: ${p.message}`);
      continue;
    }
    for (const manifest of parsed.objects) {
      const assessment = assess(engine, manifest.object, { now });
      if (!assessment) {
        summary.skipped += 1;
        continue;
      }
      const result = toResult(assessment, {
        source: input.source,
        document: manifest.document,
        line: manifest.line,
      });
      count(summary, result.verdict);
      const scored: ScoredObject = {
        result,
        ...(manifest.template === undefined ? {} : { template: manifest.template }),
        findingLines: result.findings.map((f) => manifest.lineOf(f.path)),
      };
      if (json) await json.write(result);
      else if (format === 'sarif') sarifObjects.push(scored);
      else await writeChunk(io.stdout, formatObject(scored, style));
    }
  }

  if (json) await json.end(summary);
  else if (format === 'sarif')
    await writeChunk(
      io.stdout,
      `${JSON.stringify(buildSarif(profileRules(engine), sarifObjects, locator), null, 2)}\n`,
    );
  else await writeChunk(io.stdout, formatSummary(summary, style));
  return exitCode(inputFailed, summary, failOn);
};
