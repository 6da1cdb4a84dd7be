import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The CLI as one ES module compiled from src/ (not dist/, so `npm test` needs no `npm run build`
 * first, and never runs a stale build), for tests that must run jobguard as its own process
 * (signals, exit codes). Packages stay imports: the file lives under node_modules/.cache, from
 * where Node resolves them in the repository's node_modules. Built once per test file, in well
 * under a second.
 */
export async function buildProgram(): Promise<string> {
  const outfile = `${ROOT}node_modules/.cache/jobguard-test/main-${process.pid}.mjs`;
  await build({
    entryPoints: [`${ROOT}src/main.ts`],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}
