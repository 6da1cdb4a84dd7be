/**
 * Kubernetes Events for denies and warnings: which answers get one (admission/event.ts) and how
 * they are sent (kube/events.ts, against the fake API server with the real client-node): the
 * events.k8s.io/v1 fields the API server requires, the token bucket, the one-a-minute duplicate
 * rule, and a refused write logged once with what to do.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { eventFor, REPORTING_CONTROLLER, type KubeEvent } from '../src/admission/event.js';
import type { AdmissionRequest, AdmissionResponse } from '../src/admission/schema.js';
import { createEventSender, type EventResult } from '../src/kube/events.js';
import type { Decision } from '../src/policy/decision.js';
import { FakeApiServer, waitFor } from './support/fake-apiserver.js';

const NOW = new Date('2026-12-03T06:00:00.123Z');

function request(overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'u1',
    kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
    resource: { group: 'batch', version: 'v1', resource: 'cronjobs' },
    name: 'backup',
    namespace: 'team-a',
    operation: 'CREATE',
    userInfo: { username: 'alice' },
    dryRun: false,
    ...overrides,
  };
}

const denied: AdmissionResponse = {
  uid: 'u1',
  allowed: false,
  status: { code: 403, reason: 'Forbidden', status: 'Failure', message: 'jobguard: denied CronJob backup' },
  warnings: ['jobguard: reverse-shell: container "x" …'],
};
const warned: AdmissionResponse = { uid: 'u1', allowed: true, warnings: ['line one', 'line two'] };

function decision(action: Decision['action']): Decision {
  return { action } as Decision;
}

const options = { mode: 'deny' as const, instance: 'jobguard-abc', name: 'backup', now: NOW };

describe('eventFor', () => {
  it('describes a deny as events.k8s.io/v1 requires: regarding, reporting controller and instance, MicroTime', () => {
    expect(eventFor(request(), decision('deny'), denied, options)).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { generateName: 'backup.', namespace: 'team-a' },
      eventTime: '2026-12-03T06:00:00.123000Z',
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: 'jobguard-abc',
      action: 'Create',
      reason: 'Denied',
      type: 'Warning',
      regarding: { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'team-a', name: 'backup' },
      note: 'jobguard: denied CronJob backup',
    });
  });

  it('writes warnings only when asked (mode warn), never for dry runs, allows or namespace-less objects', () => {
    expect(eventFor(request(), decision('warn'), warned, options)).toBeUndefined();
    const warn = eventFor(request({ operation: 'UPDATE' }), decision('warn'), warned, {
      ...options,
      mode: 'warn',
    });
    expect(warn).toMatchObject({ reason: 'Warned', action: 'Update', note: 'line one\nline two' });
    expect(eventFor(request({ dryRun: true }), decision('deny'), denied, options)).toBeUndefined();
    expect(eventFor(request(), decision('deny'), denied, { ...options, mode: 'off' })).toBeUndefined();
    expect(
      eventFor(request(), decision('allow'), { uid: 'u1', allowed: true }, { ...options, mode: 'warn' }),
    ).toBeUndefined();
    expect(eventFor(request({ namespace: '' }), decision('deny'), denied, options)).toBeUndefined();
    const pod = eventFor(
      request({ kind: { group: '', version: 'v1', kind: 'Pod' } }),
      decision('deny'),
      denied,
      {
        ...options,
        name: '',
      },
    );
    expect(pod?.regarding.apiVersion).toBe('v1');
    expect(pod?.metadata.generateName).toBe('pod.');
  });

  it('keeps the note within the 1 kB the API server allows, counted in bytes', () => {
    const long = { ...denied, status: { ...denied.status!, message: 'ü'.repeat(2000) } };
    const note = eventFor(request(), decision('deny'), long, options)!.note;
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(note.endsWith('…')).toBe(true);
  });
});

describe('createEventSender', () => {
  let fake: FakeApiServer;
  let logs: Record<string, unknown>[];
  let results: EventResult[];
  beforeEach(async () => {
    fake = await FakeApiServer.start();
    logs = [];
    results = [];
  });
  afterEach(async () => {
    await fake.close();
  });

  function sender(extra: { qps?: number; burst?: number; clock?: () => number } = {}) {
    return createEventSender({
      kubeConfig: fake.kubeConfig(),
      logger: pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
      onResult: (r) => results.push(r),
      ...extra,
    });
  }

  function event(name: string, note = 'denied'): KubeEvent {
    return { ...eventFor(request({ name }), decision('deny'), denied, { ...options, name })!, note };
  }

  it('POSTs the Event to its namespace', async () => {
    const events = sender();
    events.send(event('backup'));
    await events.stop();
    expect(results).toEqual(['sent']);
    expect(fake.writes).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/apis/events.k8s.io/v1/namespaces/team-a/events',
        contentType: 'application/json',
        body: expect.objectContaining({
          reason: 'Denied',
          regarding: expect.objectContaining({ name: 'backup' }),
        }),
      }),
    ]);
  });

  it('sends a burst, then qps per second; the same event for the same object once a minute', async () => {
    let now = 1_000_000;
    const events = sender({ qps: 2, burst: 3, clock: () => now });
    for (let i = 0; i < 5; i++) events.send(event(`job-${i}`));
    expect(results.filter((r) => r === 'rate_limited')).toHaveLength(2);
    now += 1000; // two tokens back
    events.send(event('job-3'));
    events.send(event('job-4'));
    events.send(event('job-5'));
    expect(results.filter((r) => r === 'rate_limited')).toHaveLength(3);
    now += 10_000;
    events.send(event('job-0'));
    expect(results.at(-1)).toBe('duplicate');
    events.send(event('job-0', 'another reason'));
    now += 60_000;
    events.send(event('job-0'));
    await events.stop();
    expect(results.filter((r) => r === 'sent')).toHaveLength(7);
    expect(fake.writes).toHaveLength(7);
  });

  it('logs a refused write once, with the grant it needs, and never throws', async () => {
    fake.writeRefusals.set('/apis/events.k8s.io/v1/namespaces/team-a/events', {
      kind: 'Status',
      code: 403,
      reason: 'Forbidden',
      message: 'events.events.k8s.io is forbidden',
    });
    const events = sender();
    events.send(event('a'));
    events.send(event('b'));
    await events.stop();
    await waitFor(() => results.length === 2, 'both results');
    expect(results).toEqual(['failed', 'failed']);
    const warnings = logs.filter((l) => l.msg === 'could not write Event');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.err)).toContain('create on events.k8s.io events');
  });
});
