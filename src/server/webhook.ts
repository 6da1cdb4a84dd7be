import { Server as NetServer } from 'node:net';
import { hostname } from 'node:os';
import type { Server as HttpsServer } from 'node:https';
import fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventMode } from '../admission/event.js';
import type { ExceptionCache } from '../kube/exceptions.js';
import type { Policy } from '../policy/schema.js';
import { expiredExemptions, type CompiledPolicy } from '../policy/decide.js';
import { resolvePolicy, type PolicyOverrides } from '../policy/load.js';
import { buildApp, REQUEST_TIMEOUT_MS, TLS_PROTOCOLS, type AppDeps } from './app.js';
import { Analysis, DEFAULT_ANALYSIS_DEADLINE_MS, threadScorer } from './analysis.js';
import { healthRoutes, type Readiness } from './health.js';
import { createMetrics, recordExceptions, type Metrics } from './metrics.js';
import { generateCertificate, readTlsFiles, watchTlsFiles, type TlsFiles, type TlsMaterial } from './tls.js';

export interface ServeOptions {
  configFile?: string;
  overrides: PolicyOverrides;
  host: string;
  port: number;
  tls?: TlsFiles;
  metricsPort?: number;
  bodyLimit: number;
  /** Bytes of request bodies in flight at once (default: the app's). */
  bodyBudget?: number;
  /** Open connections on the webhook port at once (default: the app's). */
  maxConnections?: number;
  /** Worker threads for heavy reviews and their deadline (server/analysis.ts); default all inline. */
  analysis?: { workers: number; deadlineMs: number };
  /** Names an mTLS client certificate must carry (CN or DNS subjectAltName); empty: any from the CA. */
  clientNames?: readonly string[];
  /** Namespaces that get a metric label value of their own; the rest count as `(other)`. */
  metricsNamespaces?: readonly string[];
  kubeconfig?: string;
  /** Kubernetes Events for answers (admission/event.ts); default off here, `deny` from the command line. */
  events?: { mode: EventMode; qps: number; burst: number };
  shutdownDelayMs: number;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** How long /readyz waits for the first namespace-label sync before it reports ready anyway; default 10 s. */
  namespaceSyncGraceMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** The plain-HTTP metrics and health port, when `metricsPort` was given (port 0: any free one). */
  metricsUrl?: string;
  metrics: Metrics;
  /** Readiness goes false, in-flight requests finish, watchers stop. */
  close(): Promise<void>;
}

/**
 * Until namespace labels are synced every namespace looks unlabelled, so a namespace labelled
 * `enforce` would get the policy's own mode: /readyz stays false meanwhile (Service traffic goes to
 * pods that know the labels), but not for ever: an API server that cannot be reached must not keep
 * the webhook out of service. After this long it is ready without them, and says so.
 */
const NAMESPACE_SYNC_GRACE_MS = 10_000;

/** After SIGTERM (and --shutdown-delay), how long kept-alive sockets may carry one last reply before the rest are closed. */
const DRAIN_MS = 2_000;

/**
 * Stops accepting connections, then waits (up to `ms`) for open ones to close. http.Server's own
 * close() resets idle kept-alive sockets at once, racing a request the client is already sending
 * on one: the API server would see a reset. Meanwhile every reply says `Connection: close`
 * (AppDeps.draining), so busy sockets close after their next reply.
 */
async function drainConnections(server: NetServer, ms: number): Promise<void> {
  NetServer.prototype.close.call(server);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = await new Promise<number>((resolve) => {
      server.getConnections((error, count) => {
        resolve(error ? 0 : count);
      });
    });
    if (open === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sets the expired-exemptions gauge; at start also logs each one (the policy watcher logs them on reload). */
function reportExpired(logger: Logger | undefined, metrics: Metrics, policy: Policy): void {
  const expired = expiredExemptions(policy, new Date());
  metrics.exemptionsExpired.set(expired.length);
  for (const exemption of expired) {
    logger?.warn(
      { exemption: exemption.path, reason: exemption.reason, expires: exemption.expires },
      'exemption expired; it no longer applies',
    );
  }
}

/**
 * The JobguardException cache, when jobguard can reach a cluster (in a pod, or --kubeconfig);
 * its statuses feed the exception metrics.
 */
async function startExceptionCache(
  options: ServeOptions,
  policy: () => CompiledPolicy,
  metrics: Metrics,
): Promise<ExceptionCache | undefined> {
  if (!options.env.KUBERNETES_SERVICE_HOST && !options.kubeconfig) return undefined;
  const { loadKubeConfig } = await import('../kube/config.js');
  const kubeConfig = loadKubeConfig({
    env: options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : options.env,
  });
  if (!kubeConfig) return undefined;
  const { watchExceptions } = await import('../kube/exceptions.js');
  return watchExceptions({
    kubeConfig,
    logger: options.logger,
    policy,
    onStatuses: (statuses) => {
      recordExceptions(metrics, statuses);
    },
  });
}

/** The Event sender and the hook that feeds it, when events are on and jobguard can reach a cluster. */
async function startEvents(
  options: ServeOptions,
  metrics: Metrics,
): Promise<{ onAnswer: NonNullable<AppDeps['onAnswer']>; stop(): Promise<void> } | undefined> {
  const settings = options.events;
  if (!settings || settings.mode === 'off') return undefined;
  if (!options.env.KUBERNETES_SERVICE_HOST && !options.kubeconfig) return undefined;
  const { loadKubeConfig } = await import('../kube/config.js');
  const kubeConfig = loadKubeConfig({
    env: options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : options.env,
  });
  if (!kubeConfig) return undefined;
  const [{ createEventSender }, { eventFor }] = await Promise.all([
    import('../kube/events.js'),
    import('../admission/event.js'),
  ]);
  const sender = createEventSender({
    kubeConfig,
    logger: options.logger,
    qps: settings.qps,
    burst: settings.burst,
    onResult: (result) => {
      metrics.events.inc({ result });
    },
  });
  // The chart sets POD_NAME from the downward API: `reportingInstance` says which replica answered.
  const instance = options.env.POD_NAME ?? hostname();
  return {
    onAnswer({ request, decision, response, name }) {
      const event = eventFor(request, decision, response, {
        mode: settings.mode,
        instance,
        name,
        now: new Date(),
      });
      if (event) sender.send(event);
    },
    stop: () => sender.stop(),
  };
}

/** Starts the webhook with everything wired: policy (and its reload), TLS (and rotation), namespace labels, metrics. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { logger } = options;
  const metrics = createMetrics({ namespaces: options.metricsNamespaces ?? [] });
  let engine = await resolvePolicy(options.configFile, options.overrides);
  const { policy } = engine;
  metrics.policyReloads.inc({ result: 'success' });
  metrics.policyLastReloadSuccess.set(Date.now() / 1000);
  reportExpired(logger, metrics, policy);
  let policyError: string | undefined;

  let tls: TlsMaterial;
  if (options.tls) {
    tls = await readTlsFiles(options.tls);
  } else {
    tls = await generateCertificate([
      options.host === '0.0.0.0' ? 'localhost' : options.host,
      'localhost',
      '127.0.0.1',
    ]);
    logger.warn(
      'no --tls-cert-file/--tls-key-file: serving a self-signed certificate generated in memory (for local use only)',
    );
  }
  metrics.certificateExpiry.set(tls.notAfter.getTime() / 1000);

  let draining = false;
  let namespaceCache: import('../kube/namespaces.js').NamespaceLabels | undefined;
  if (policy.namespaceLabels.enabled) {
    const inCluster = Boolean(options.env.KUBERNETES_SERVICE_HOST);
    if (inCluster || options.kubeconfig) {
      const kube = await import('../kube/namespaces.js');
      const kubeConfig = kube.loadKubeConfig({
        env: options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : options.env,
      });
      if (kubeConfig)
        namespaceCache = kube.watchNamespaceLabels({
          kubeConfig,
          logger,
        });
    }
    if (!namespaceCache) logger.info('no cluster access: namespace labels (jobguard.dev/mode) are not used');
  }

  let exceptionCache: ExceptionCache | undefined;
  if (policy.exceptions.enabled) {
    exceptionCache = await startExceptionCache(options, () => engine.compiled, metrics);
    if (!exceptionCache) logger.info('no cluster access: JobguardExceptions are not read');
  }
  const exceptions = exceptionCache;
  const events = await startEvents(options, metrics);

  const cache = namespaceCache;
  let syncGraceOver = false;
  const syncGrace = setTimeout(() => {
    syncGraceOver = true;
    if (cache && !cache.isSynced()) {
      logger.warn(
        { error: cache.lastError() },
        'namespace labels not synced yet: ready anyway, with the policy modes only until they are',
      );
    }
    if (exceptions && !exceptions.isSynced()) {
      logger.warn(
        { error: exceptions.lastError() },
        "JobguardExceptions not synced yet: ready anyway, with the policy file's exemptions only until they are",
      );
    }
  }, options.namespaceSyncGraceMs ?? NAMESPACE_SYNC_GRACE_MS);
  syncGrace.unref();
  const syncState = (informer: { isSynced(): boolean } | undefined): 'synced' | 'syncing' | 'unsynced' => {
    if (!informer || informer.isSynced()) return 'synced';
    return syncGraceOver ? 'unsynced' : 'syncing';
  };
  const namespaceLabelsState = (): 'synced' | 'syncing' | 'unsynced' => syncState(cache);
  const readiness = (): Readiness => ({
    ready: !draining && namespaceLabelsState() !== 'syncing' && syncState(exceptions) !== 'syncing',
    detail: {
      draining,
      profile: engine.policy.profile,
      mode: engine.policy.mode,
      ...(policyError ? { policyError } : {}),
      ...(namespaceCache
        ? { namespaceLabels: namespaceLabelsState(), namespaceError: namespaceCache.lastError() }
        : {}),
      ...(exceptions ? { exceptions: syncState(exceptions), exceptionsError: exceptions.lastError() } : {}),
      certificateNotAfter: tls.notAfter.toISOString(),
    },
  });
  const isMutual = Boolean(tls.ca);
  const analysis = new Analysis(
    options.analysis ?? { workers: 0, deadlineMs: DEFAULT_ANALYSIS_DEADLINE_MS },
    threadScorer,
    metrics,
  );
  const app = buildApp({
    logger,
    engine: () => engine,
    ...(cache ? { namespaceLabels: (ns: string) => cache.get(ns) } : {}),
    ...(exceptions ? { exceptions: () => exceptions.exemptions() } : {}),
    ...(events ? { onAnswer: events.onAnswer } : {}),
    metrics,
    bodyLimit: options.bodyLimit,
    ...(options.bodyBudget === undefined ? {} : { bodyBudget: options.bodyBudget }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    analysis,
    ...(isMutual && options.clientNames ? { clientNames: options.clientNames } : {}),
    // Without mTLS anyone who reaches the webhook port could read these: they stay on the metrics port.
    isDetailed: isMutual,
    draining: () => draining,
    readiness,
    https: {
      key: tls.key,
      cert: tls.cert,
      ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
    },
  });

  const closers: (() => Promise<void> | void)[] = [];
  if (options.configFile) {
    const { watchPolicyFile } = await import('../policy/watch.js');
    const watcher = watchPolicyFile({
      file: options.configFile,
      overrides: options.overrides,
      logger: logger.child({ component: 'policy' }),
      onPolicy(next) {
        engine = next;
        policyError = undefined;
        metrics.policyReloads.inc({ result: 'success' });
        metrics.policyLastReloadSuccess.set(Date.now() / 1000);
        reportExpired(undefined, metrics, next.policy);
        exceptions?.refresh();
      },
      onError(error) {
        policyError = error.message;
        metrics.policyReloads.inc({ result: 'failure' });
      },
    });
    closers.push(() => watcher.close());
  }
  if (options.tls) {
    const tlsFiles = options.tls;
    const watcher = watchTlsFiles(tlsFiles, tls, {
      onChange(material) {
        // A new secure context starts from Node's defaults: the protocol limits go with every one.
        (app.server as unknown as HttpsServer).setSecureContext({
          ...TLS_PROTOCOLS,
          key: material.key,
          cert: material.cert,
          ...(material.ca ? { ca: material.ca } : {}),
        });
        tls = material;
        metrics.certificateExpiry.set(material.notAfter.getTime() / 1000);
        logger.info({ notAfter: material.notAfter.toISOString() }, 'TLS certificate reloaded');
      },
      onError(error) {
        logger.warn(
          { error: error.message },
          'TLS files changed but could not be loaded; keeping the current certificate',
        );
      },
    });
    closers.push(() => {
      watcher.close();
    });
  }
  if (namespaceCache) closers.push(() => namespaceCache.stop());
  if (exceptions) closers.push(() => exceptions.stop());
  if (events) closers.push(() => events.stop());
  closers.push(() => {
    clearTimeout(syncGrace);
  });

  const stopAll = async (): Promise<void> => {
    await app.close();
    analysis.close();
    for (const close of closers) await close();
  };
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `https://${host}:${port}`;

  let metricsServer: FastifyInstance | undefined;
  let metricsUrl: string | undefined;
  if (options.metricsPort !== undefined) {
    // Plain HTTP for Prometheus and for kubelet probes, which present no client certificate under mTLS:
    // the same health routes and readiness gate as the webhook port.
    const plain = fastify({
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true }),
      requestTimeout: REQUEST_TIMEOUT_MS,
      http: { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS },
    }) as unknown as FastifyInstance;
    void plain.register(healthRoutes, { readiness, isDetailed: true, metrics });
    try {
      await plain.listen({ host: options.host, port: options.metricsPort });
    } catch (error) {
      await plain.close();
      await stopAll();
      throw error;
    }
    metricsServer = plain;
    const plainAddress = plain.server.address();
    metricsUrl = `http://${host}:${typeof plainAddress === 'object' && plainAddress ? plainAddress.port : options.metricsPort}`;
  }

  logger.info(
    {
      url,
      profile: engine.policy.profile,
      mode: engine.policy.mode,
      certificate: tls.source,
      kinds: engine.policy.kinds,
    },
    'jobguard is serving',
  );

  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    ...(metricsUrl ? { metricsUrl } : {}),
    metrics,
    close() {
      closing ??= (async () => {
        draining = true;
        if (options.shutdownDelayMs > 0)
          await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
        await drainConnections(app.server, DRAIN_MS);
        await app.close();
        await metricsServer?.close();
        for (const close of closers) await close();
      })();
      return closing;
    },
  };
}
