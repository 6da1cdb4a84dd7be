/**
 * Which files `scan` reads: files as given, folders walked recursively for `.yaml`, `.yml` and
 * `.json` (sorted by path, so output is stable across file systems), `-` for stdin.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export const STDIN = '-';
const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;

export interface InputFile {
  /** Absolute path, or `-` for stdin. */
  file: string;
  /** How results name it: relative to the working directory with `/` separators, or `<stdin>`. */
  source: string;
}

export interface InputProblem {
  source: string;
  message: string;
}

function displayName(file: string, cwd: string): string {
  if (file === STDIN) return '<stdin>';
  const relative = path.relative(cwd, file);
  const shown = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  return shown.split(path.sep).join('/');
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile() && MANIFEST_EXTENSION.test(entry.name)) out.push(full);
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'error');
}

/** Expands the command line's paths. A missing path is a problem, reported and skipped; the rest are still read. */
export async function expandInputs(
  paths: readonly string[],
  cwd: string,
): Promise<{ files: InputFile[]; problems: InputProblem[] }> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  for (const given of paths) {
    if (given === STDIN) {
      files.push({ file: STDIN, source: displayName(STDIN, cwd) });
      continue;
    }
    const full = path.resolve(cwd, given);
    try {
      const info = await stat(full);
      if (info.isDirectory()) {
        const found: string[] = [];
        await walk(full, found);
        found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (const file of found) files.push({ file, source: displayName(file, cwd) });
      } else {
        files.push({ file: full, source: displayName(full, cwd) });
      }
    } catch (error) {
      problems.push({ source: given, message: `cannot read (${errorCode(error)})` });
    }
  }
  return { files, problems };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The file's text; throws an InputProblem-shaped message on failure. */
export async function readInput(input: InputFile, stdin: NodeJS.ReadableStream): Promise<string> {
  if (input.file === STDIN) return readStream(stdin);
  try {
    return await readFile(input.file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read (${errorCode(error)})`, { cause: error });
  }
}
