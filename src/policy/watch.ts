/**
 * Hot reload of the policy file. Kubernetes updates a mounted ConfigMap by writing a new
 * `..2026_…` directory and renaming a `..data` symlink over the old one; the file itself
 * (`policy.yaml -> ..data/policy.yaml`) is never written. `fs.watch(file)` follows the first
 * inode and misses every later update, so the watcher listens on the directory, and a slow poll
 * of the content hash covers filesystems where fs.watch says nothing at all (NFS, some overlays).
 * The watcher only ever hands over a policy that loaded completely; a broken file is reported
 * and the caller keeps the last good one.
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { expiredExemptions } from './decide.js';
import { PolicyError, resolvePolicy, type PolicyOverrides } from './load.js';
import type { Engine } from '../engine.js';

export interface WatchPolicyOptions {
  file: string;
  /** Command-line flags, applied to every reload as at start. */
  overrides: PolicyOverrides;
  logger: Logger;
  /** The engine of a new, completely valid policy; swap it in. Never called with the content already in force. */
  onPolicy: (engine: Engine) => void;
  /** The file changed but cannot be used; keep the last good policy. */
  onError: (error: PolicyError) => void;
  /** Quiet time after the last directory event before reading; one ConfigMap update fires several. */
  debounceMs?: number;
  /** Content-hash poll for filesystems where fs.watch misses changes. */
  pollMs?: number;
}

export interface PolicyWatcher {
  /** Stops watching; resolves once a reload in progress has finished. No callback fires afterwards. */
  close(): Promise<void>;
  /** Checks the file now (SIGHUP, tests); resolves when that check is done. Unchanged content does nothing. */
  reload(): Promise<void>;
}

type Trigger = 'watch' | 'poll' | 'manual';

const DEFAULT_DEBOUNCE_MS = 200;
const DEFAULT_POLL_MS = 10_000;

/** What the file holds right now: its content hash, or why it cannot be read (so one lasting failure is reported once). */
function fingerprintOf(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function unreadable(error: unknown): string {
  return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
}

async function currentFingerprint(file: string): Promise<string> {
  try {
    return fingerprintOf(await readFile(file));
  } catch (error) {
    return unreadable(error);
  }
}

function initialFingerprint(file: string): string {
  try {
    return fingerprintOf(readFileSync(file));
  } catch (error) {
    return unreadable(error);
  }
}

/**
 * Watches the policy file and reports each content change as a new policy or an error.
 * The content present when the watcher starts is taken as already loaded by the caller.
 */
export function watchPolicyFile(options: WatchPolicyOptions): PolicyWatcher {
  const { file, overrides, logger, onPolicy, onError } = options;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const log = logger.child({ policyFile: file });
  let closed = false;
  let last = initialFingerprint(file);
  let debounce: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let isQueued = false;

  async function check(trigger: Trigger): Promise<void> {
    const fingerprint = await currentFingerprint(file);
    if (fingerprint === last) {
      if (trigger !== 'poll') log.debug({ trigger, outcome: 'unchanged' }, 'policy file unchanged');
      return;
    }
    let outcome: { engine: Engine } | { error: PolicyError };
    try {
      outcome = { engine: await resolvePolicy(file, overrides) };
    } catch (error) {
      outcome = {
        error:
          error instanceof PolicyError
            ? error
            : new PolicyError(file, [
                {
                  path: '',
                  message: `cannot load: ${error instanceof Error ? error.message : String(error)}`,
                },
              ]),
      };
    }
    // If the file changed again since it was hashed, the next event or poll sees a new hash and checks again.
    last = fingerprint;
    if (closed) return;
    if ('engine' in outcome) {
      const { policy } = outcome.engine;
      const expired = expiredExemptions(policy, new Date());
      log.info(
        {
          trigger,
          outcome: 'applied',
          mode: policy.mode,
          profile: policy.profile,
          exemptions: policy.exemptions.length,
          expiredExemptions: expired.map((e) => e.path),
        },
        'policy reloaded',
      );
      onPolicy(outcome.engine);
    } else {
      log.error(
        { trigger, outcome: 'rejected', issues: outcome.error.issues },
        'policy reload rejected, keeping the last good policy',
      );
      onError(outcome.error);
    }
  }

  /** Runs checks one at a time; requests made while one waits to start share it (it reads the newest content). */
  function enqueue(trigger: Trigger): Promise<void> {
    if (closed) return queue;
    if (isQueued) return queue;
    isQueued = true;
    queue = queue
      .then(async () => {
        isQueued = false;
        if (!closed) await check(trigger);
      })
      .catch((error: unknown) => {
        log.error({ trigger, err: error }, 'policy reload failed in a callback');
      });
    return queue;
  }

  function schedule(): void {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      void enqueue('watch');
    }, debounceMs);
  }

  let watcher: FSWatcher | undefined;
  try {
    // The directory, not the file: the kubelet's `..data` swap replaces the file's inode (toolchain notes).
    watcher = watch(dirname(file), { persistent: false }, schedule);
    watcher.on('error', (error) => {
      log.warn({ err: error }, 'watching the policy directory failed; polling only');
      watcher?.close();
      watcher = undefined;
    });
  } catch (error) {
    log.warn({ err: error }, 'cannot watch the policy directory; polling only');
  }
  const poll = setInterval(() => void enqueue('poll'), options.pollMs ?? DEFAULT_POLL_MS);
  poll.unref();
  log.info({ debounceMs, pollMs: options.pollMs ?? DEFAULT_POLL_MS }, 'watching the policy file');

  return {
    async close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
      watcher = undefined;
      await queue;
    },
    reload() {
      clearTimeout(debounce);
      return enqueue('manual');
    },
  };
}
