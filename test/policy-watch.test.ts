/**
 * Policy hot reload through real ConfigMap-style updates on disk, the way the kubelet's atomic
 * writer does them: files in a `..2026_…` timestamped directory, a `..data` symlink to it that is
 * replaced by renaming a temporary symlink over it, and `policy.yaml -> ..data/policy.yaml`.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { PolicyError, type PolicyOverrides } from '../src/policy/load.js';
import type { Policy } from '../src/policy/schema.js';
import { expiredExemptions } from '../src/policy/decide.js';
import { watchPolicyFile, type PolicyWatcher } from '../src/policy/watch.js';

const HEAD = 'apiVersion: jobguard.dev/v1\nkind: Policy\n';
const LONG = 60_000;

/** A directory that a ConfigMap volume would be: every write is a new timestamped dir and a `..data` swap. */
class ConfigMapVolume {
  readonly file: string;
  private current: string | undefined;
  private generation = 0;

  constructor(readonly dir: string) {
    this.file = join(dir, 'policy.yaml');
  }

  write(content: string): void {
    this.generation += 1;
    const stamp = `..2026_11_27_12_00_${String(this.generation).padStart(2, '0')}.${String(process.pid)}`;
    mkdirSync(join(this.dir, stamp));
    writeFileSync(join(this.dir, stamp, 'policy.yaml'), content);
    symlinkSync(stamp, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.current === undefined) symlinkSync('..data/policy.yaml', this.file);
    else rmSync(join(this.dir, this.current), { recursive: true, force: true });
    this.current = stamp;
  }

  /** The key was removed from the ConfigMap. */
  removeKey(): void {
    unlinkSync(this.file);
  }
}

/** Waits for a condition, checking every 10 ms, for at most `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Event = { policy: Policy } | { error: PolicyError };

describe('watchPolicyFile', () => {
  let dir: string;
  let volume: ConfigMapVolume;
  let events: Event[];
  let logs: Record<string, unknown>[];
  let watcher: PolicyWatcher | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobguard-watch-'));
    volume = new ConfigMapVolume(dir);
    events = [];
    logs = [];
    watcher = undefined;
  });

  afterEach(async () => {
    await watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(
    options: { debounceMs?: number; pollMs?: number; overrides?: PolicyOverrides } = {},
  ): PolicyWatcher {
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    watcher = watchPolicyFile({
      file: volume.file,
      overrides: options.overrides ?? {},
      logger,
      onPolicy: (policy) => events.push({ policy }),
      onError: (error) => events.push({ error }),
      debounceMs: options.debounceMs ?? 50,
      pollMs: options.pollMs ?? LONG,
    });
    return watcher;
  }

  /** The events as short strings: `policy enforce` or `error mode: …`. */
  function sequence(): string[] {
    return events.map((e) =>
      'policy' in e
        ? `policy ${e.policy.mode}`
        : `error ${e.error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }

  const outcomes = () => logs.filter((l) => l.outcome !== undefined).map((l) => l.outcome);

  it('valid → valid → broken → valid through ..data symlink swaps, seen by the directory watch', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    start();

    volume.write(`${HEAD}mode: enforce\n`);
    await until(() => events.length === 1, 'the first update');
    volume.write(`${HEAD}mode: audit\n`);
    await until(() => events.length === 2, 'the second update (a file watch misses it)');
    volume.write(`${HEAD}mode: strict\n`);
    await until(() => events.length === 3, 'the broken update');
    volume.write(`${HEAD}mode: off\n`);
    await until(() => events.length === 4, 'the repair');

    expect(sequence()).toEqual([
      'policy enforce',
      'policy audit',
      'error mode: expected one of "enforce", "warn", "audit", "off", got "strict"',
      'policy off',
    ]);
    const error = events[2] as { error: PolicyError };
    expect(error.error).toBeInstanceOf(PolicyError);
    expect(error.error.source).toBe(volume.file);
    expect(outcomes()).toEqual(['applied', 'applied', 'rejected', 'applied']);
    expect(logs.find((l) => l.outcome === 'rejected')).toMatchObject({
      level: 50,
      policyFile: volume.file,
      trigger: 'watch',
      msg: 'policy reload rejected, keeping the last good policy',
    });
  });

  it('the poll catches a change when no directory event arrives', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    start({ debounceMs: LONG, pollMs: 50 });
    volume.write(`${HEAD}mode: enforce\n`);
    await until(() => events.length === 1, 'the poll');
    expect(sequence()).toEqual(['policy enforce']);
    expect(logs.find((l) => l.outcome === 'applied')).toMatchObject({ trigger: 'poll', mode: 'enforce' });
  });

  it('content already in force does nothing, even after a swap', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    const w = start({ debounceMs: LONG });
    volume.write(`${HEAD}mode: warn\n`);
    await w.reload();
    expect(events).toEqual([]);
    expect(logs.filter((l) => l.outcome !== undefined)).toEqual([
      expect.objectContaining({ outcome: 'unchanged', trigger: 'manual', level: 20 }),
    ]);
  });

  it('reload() applies a change at once and resolves after the callback', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    const w = start({ debounceMs: LONG });
    volume.write(`${HEAD}mode: enforce\n`);
    await w.reload();
    expect(sequence()).toEqual(['policy enforce']);
  });

  it('a broken file is reported once, not on every check, and the next good one is applied', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    const w = start({ debounceMs: LONG });
    volume.write(`${HEAD}thresholds: { warn: three }\n`);
    await w.reload();
    await w.reload();
    expect(sequence()).toEqual(['error thresholds.warn: expected number, got "three"']);
    volume.write(`${HEAD}mode: audit\n`);
    await w.reload();
    expect(sequence()).toEqual(['error thresholds.warn: expected number, got "three"', 'policy audit']);
  });

  it('a removed key is an error; the key coming back is applied', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    const w = start({ debounceMs: LONG });
    volume.removeKey();
    await w.reload();
    expect(sequence()).toEqual(['error : cannot read the file (ENOENT)']);
    symlinkSync('..data/policy.yaml', volume.file);
    await w.reload();
    expect(sequence()).toEqual(['error : cannot read the file (ENOENT)', 'policy warn']);
  });

  it('applies the command-line overrides to every reload', async () => {
    volume.write(`${HEAD}mode: warn\nthresholds: { deny: 9 }\n`);
    const w = start({ debounceMs: LONG, overrides: { mode: 'enforce', thresholds: { deny: 12 } } });
    volume.write(`${HEAD}mode: audit\nthresholds: { deny: 10 }\n`);
    await w.reload();
    expect(events).toEqual([
      { policy: expect.objectContaining({ mode: 'enforce', thresholds: { deny: 12 } }) },
    ]);
  });

  it('a policy valid alone but not with the overrides is rejected', async () => {
    volume.write(`${HEAD}profile: default\n`);
    const w = start({ debounceMs: LONG, overrides: { profile: 'kql' } });
    volume.write(`${HEAD}thresholds: { annotate: 2 }\n`);
    await w.reload();
    expect(sequence()).toEqual([
      'error thresholds: annotate (2) must not exceed warn (1, from the kql profile)',
    ]);
  });

  it('logs the expired exemptions of a reloaded policy', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    const w = start({ debounceMs: LONG });
    volume.write(
      `${HEAD}exemptions:\n  - { reason: old, names: [a], expires: "2020-01-01" }\n  - { reason: current, names: [b], expires: "2999-01-01" }\n`,
    );
    await w.reload();
    expect(logs.find((l) => l.outcome === 'applied')).toMatchObject({
      exemptions: 2,
      expiredExemptions: ['exemptions[0]'],
    });
  });

  it('after close() no callback fires', async () => {
    volume.write(`${HEAD}mode: warn\n`);
    const w = start({ debounceMs: 10, pollMs: 10 });
    await w.close();
    volume.write(`${HEAD}mode: enforce\n`);
    await w.reload();
    expect(events).toEqual([]);
  });

  it('a directory that cannot be watched falls back to polling', async () => {
    const missing = join(dir, 'not-yet', 'policy.yaml');
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    watcher = watchPolicyFile({
      file: missing,
      overrides: {},
      logger,
      onPolicy: (policy) => events.push({ policy }),
      onError: (error) => events.push({ error }),
      pollMs: 20,
    });
    expect(logs[0]).toMatchObject({ level: 40, msg: 'cannot watch the policy directory; polling only' });
    mkdirSync(join(dir, 'not-yet'));
    writeFileSync(missing, `${HEAD}mode: enforce\n`);
    await until(() => events.length === 1, 'the poll');
    expect(sequence()).toEqual(['policy enforce']);
  });
});

describe('expiredExemptions', () => {
  it('lists the exemptions past their expiry at a given instant', () => {
    const base = { reason: 'r', names: ['a'] };
    const policy = {
      exemptions: [
        { ...base, reason: 'no expiry' },
        { ...base, reason: 'ended', expires: '2026-11-26' },
        { ...base, reason: 'today', expires: '2026-11-27' },
        { ...base, reason: 'an hour ago', expires: '2026-11-27T11:00:00Z' },
      ],
    } as Policy;
    expect(expiredExemptions(policy, new Date('2026-11-27T12:00:00Z'))).toEqual([
      { id: 'policy:ended', path: 'exemptions[1]', reason: 'ended', expires: '2026-11-26' },
      {
        id: 'policy:an-hour-ago',
        path: 'exemptions[3]',
        reason: 'an hour ago',
        expires: '2026-11-27T11:00:00Z',
      },
    ]);
  });
});
