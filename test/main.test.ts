/** The program as a process: what `jobguard` does at its edges (version, a closed stdout). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../src/version.js';
import { buildProgram } from './support/program.js';

let program = '';
beforeAll(async () => {
  program = await buildProgram();
});
afterAll(() => {
  rmSync(program, { force: true });
});

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

function run(args: string[], options: { closeStdout?: boolean } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // As `| head -1` does once it has its line: the reading end goes away while jobguard still writes.
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('jobguard', () => {
  it('--version prints the version and exits 0', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `jobguard ${VERSION}\n`, stderr: '' });
  });

  it('ends quietly with exit 0 when its stdout is closed early (scan … | head -1)', async () => {
    const result = await run(['scan', '--format', 'json', '--fail-on', 'never', CORPUS], {
      closeStdout: true,
    });
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 30_000);
});
