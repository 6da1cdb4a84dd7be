import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createEngine, type Engine } from '../../src/engine.js';
import { DEFAULT_POLICY, policySchema, type PolicyFile } from '../../src/policy/schema.js';
import type { ServeOptions } from '../../src/server/webhook.js';
import { buildApp, DEFAULT_BODY_LIMIT, type AppDeps } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A fresh copy of a fixture object, so tests cannot leak changes into each other. */
export function fixture(relative: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}${relative}`, 'utf8')) as Record<string, unknown>;
}

const RESOURCES: Record<string, [string, string, string]> = {
  CronJob: ['batch', 'v1', 'cronjobs'],
  Job: ['batch', 'v1', 'jobs'],
  Pod: ['', 'v1', 'pods'],
  Deployment: ['apps', 'v1', 'deployments'],
  DaemonSet: ['apps', 'v1', 'daemonsets'],
  ConfigMap: ['', 'v1', 'configmaps'],
};

export interface ReviewOptions {
  apiVersion?: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
  uid?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  namespace?: string;
  username?: string;
  groups?: string[];
  dryRun?: boolean;
  subResource?: string;
  oldObject?: Record<string, unknown> | null;
}

/** An AdmissionReview as kube-apiserver sends it for `object`. */
export function makeReview(object: Record<string, unknown> | null, options: ReviewOptions = {}) {
  const kind = typeof object?.kind === 'string' ? object.kind : 'Job';
  const [group, version, resource] = RESOURCES[kind] ?? ['batch', 'v1', 'jobs'];
  const metadata = (object?.metadata ?? {}) as { name?: string };
  return {
    apiVersion: options.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group, version, kind },
      resource: { group, version, resource },
      ...(options.subResource ? { subResource: options.subResource } : {}),
      requestKind: { group, version, kind },
      requestResource: { group, version, resource },
      name: metadata.name ?? '',
      namespace: options.namespace ?? 'default',
      operation: options.operation ?? 'CREATE',
      userInfo: {
        username: options.username ?? 'alice',
        groups: options.groups ?? ['system:authenticated'],
        // kube-apiserver names the credential a request came with (here a client certificate's hash).
        extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${'5a'.repeat(32)}`] },
      },
      object,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
      options: operationOptions(options.operation ?? 'CREATE', options.dryRun ?? false),
    },
  };
}

/** The options object kube-apiserver sends with each operation (as kubectl apply makes it). */
function operationOptions(
  operation: NonNullable<ReviewOptions['operation']>,
  dryRun: boolean,
): Record<string, unknown> {
  const meta = { apiVersion: 'meta.k8s.io/v1', ...(dryRun ? { dryRun: ['All'] } : {}) };
  if (operation === 'DELETE') return { kind: 'DeleteOptions', ...meta, propagationPolicy: 'Background' };
  if (operation === 'CONNECT') return { kind: 'PodExecOptions', apiVersion: 'v1' };
  const kind = operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions';
  return { kind, ...meta, fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' };
}

export function engineFor(policy: Partial<PolicyFile> = {}): Engine {
  return createEngine(policySchema.parse({ ...DEFAULT_POLICY, ...policy }));
}

/** A logger whose lines the test can read. */
export function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

export function testApp(policy: Partial<PolicyFile> = {}, overrides: Partial<AppDeps> = {}) {
  const { logger, lines } = captureLogger();
  const engine = engineFor(policy);
  const metrics = createMetrics({ processMetrics: false });
  const app = buildApp({
    logger,
    engine: () => engine,
    metrics,
    readiness: () => ({ ready: true, detail: {} }),
    isDetailed: true,
    clock: () => new Date('2026-11-27T12:00:00Z'),
    ...overrides,
  });
  return { app, lines, metrics, engine };
}

/** `startServer()` options for a server on loopback: any free port, no shutdown delay, no environment. */
export function loopbackServe(options: Partial<ServeOptions>): ServeOptions {
  return {
    overrides: {},
    host: '127.0.0.1',
    port: 0,
    bodyLimit: DEFAULT_BODY_LIMIT,
    shutdownDelayMs: 0,
    logger: captureLogger().logger,
    env: {},
    ...options,
  };
}
