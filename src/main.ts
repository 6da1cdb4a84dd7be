#!/usr/bin/env node
import { main } from './cli/index.js';
import { processIo } from './cli/io.js';
import { isAnalysisWorker } from './server/analysis.js';

/**
 * Once a command has finished, everything of ours is closed and the process ends by itself. A
 * request still open inside a library (client-node's Watch cannot cancel one still waiting for its
 * response headers) must not keep a stopped server running until the kubelet's SIGKILL: after this
 * long the process exits anyway. The timer is unref'd, so it never delays a clean exit.
 */
const LINGER_MS = 1000;

function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(), LINGER_MS).unref();
}

/**
 * A reader that stops early (`jobguard scan … | head -1`) closes the pipe: the next write fails with
 * EPIPE. Nobody is left to read the rest, so the command ends quietly, as one that finished.
 */
function isClosedPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EPIPE';
}

// The one-file bundle is also what the webhook's analysis workers run (server/analysis.ts): there it
// serves scores, and no command starts.
if (!isAnalysisWorker) {
  process.stdout.on('error', (error) => {
    if (isClosedPipe(error)) process.exit(0);
    throw error;
  });

  main(process.argv.slice(2), processIo()).then(exitSoon, (error: unknown) => {
    if (isClosedPipe(error)) process.exit(0);
    process.stderr.write(
      `jobguard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    exitSoon(70);
  });
}
