import fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { TLSSocket, type PeerCertificate, type SecureContextOptions } from 'node:tls';
import {
  parseAdmissionReview,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewRequest,
} from '../admission/schema.js';
import type { Decision } from '../policy/decision.js';
import type { CompiledExemption } from '../policy/decide.js';
import type { Engine } from '../engine.js';
import { describeIssues, formatIssues } from '../issue.js';
import { resolveMode } from '../policy/decide.js';
import { ruleIds } from '../admission/messages.js';
import type { Verdict } from '../policy/decision.js';
import { Analysis, DEFAULT_ANALYSIS_DEADLINE_MS, type Analysed } from './analysis.js';
import { failedReview, unanalysedReview } from './fallback.js';
import { healthRoutes, type Readiness } from './health.js';
import { DEFAULT_ANALYSIS_LIMITS, exceededLimit, type AnalysisLimits } from './limits.js';
import { recordDecision, type Metrics } from './metrics.js';

/**
 * kube-apiserver refuses request bodies over 3 MiB, so a CREATE carries one object of at most about
 * 3 MiB and an UPDATE two (object and oldObject; etcd's own limit, 1.5 MiB by default, is often
 * raised). 7 MiB leaves room for the envelope and for JSON being larger than the YAML or protobuf
 * the client sent; what bounds memory is the body budget and the analysis limits, not this.
 * https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
 */
export const DEFAULT_BODY_LIMIT = 7 * 1024 * 1024;
/**
 * Request bodies being received or analysed at once, bytes (by Content-Length as announced, or the
 * body limit when none is). Beyond it a request gets 429 at once instead of memory: 32 bodies
 * announced at 8 MiB and never finished held 355 MiB before this budget existed.
 */
export const DEFAULT_BODY_BUDGET = 16 * 1024 * 1024;
/**
 * How long a request may take to arrive whole, headers and body. The API server sends a review in
 * one write on a warm connection, and gives up after the webhook's timeout (the chart: 3 s), so a
 * request still arriving after this long is stalled or hostile: Node answers 408 and closes.
 */
export const REQUEST_TIMEOUT_MS = 5_000;
/** A TCP connection that has not finished its TLS handshake after this long is closed (Node's default: 120 s). */
const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Open connections at once; beyond, new ones are closed on arrival. Each API server replica keeps a few. */
export const DEFAULT_MAX_CONNECTIONS = 512;
/** Longer than Go's http.Transport idle timeout (90 s), so the API server, not we, closes idle keep-alive sockets. */
const KEEP_ALIVE_TIMEOUT_MS = 100_000;

/**
 * TLS 1.2 suites: ECDHE key exchange (forward secrecy) with an AEAD cipher only, as Mozilla's
 * "intermediate" configuration lists them; TLS 1.3 has only such suites and Node keeps its own list
 * for it. https://wiki.mozilla.org/Security/Server_Side_TLS
 */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** What every secure context of the webhook port carries, the first and each one a rotation installs. */
export const TLS_PROTOCOLS = { minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS } as const;

export interface AppDeps {
  logger: Logger;
  /** The engine for the next request; swapped atomically on policy reload (a request keeps the one it started with). */
  engine: () => Engine;
  namespaceLabels?: (namespace: string) => Readonly<Record<string, string>> | undefined;
  /** JobguardExceptions in force (kube/exceptions.ts); never does I/O. */
  exceptions?: () => readonly CompiledExemption[];
  /** Told of every scored answer after it is built (Kubernetes Events); must not throw or wait. */
  onAnswer?: (answer: Answer) => void;
  readiness: () => Readiness;
  metrics: Metrics;
  /**
   * Whether this port serves /metrics and tells why in /readyz (mode, profile, policy errors,
   * namespace-label state, certificate expiry). True where every caller is authenticated (mTLS)
   * and in tests; without mTLS the webhook port answers /readyz with `{ready}` only, and metrics
   * are on the metrics port.
   */
  isDetailed: boolean;
  clock?: () => Date;
  bodyLimit?: number;
  /** Bytes of request bodies in flight at once; default DEFAULT_BODY_BUDGET. */
  bodyBudget?: number;
  /** How long a request may take to arrive whole (slow clients, half-sent bodies); default 5 s. */
  requestTimeoutMs?: number;
  /** Open connections at once; default DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
  /** What one review may ask the engine to analyse; default DEFAULT_ANALYSIS_LIMITS. */
  limits?: AnalysisLimits;
  /** Where reviews are analysed (heavy ones on worker threads); default: all inline, with the full work budget. */
  analysis?: Analysis;
  /**
   * Under mTLS, the client certificate names (subject CN or a DNS subjectAltName) that may call;
   * any other certificate from the CA gets 403. Empty or absent: any certificate the CA signed.
   */
  clientNames?: readonly string[];
  /** True while shutting down: replies then carry `Connection: close`, so kept-alive clients leave before their sockets close. */
  draining?: () => boolean;
  /** TLS for the server; absent in tests that use inject(). */
  https?: SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
}

interface Answer {
  request: AdmissionRequest;
  decision: Decision;
  response: AdmissionResponse;
  /** The object's name as the decision log gives it. */
  name: string;
}

interface ErrorBody {
  error: string;
  message: string;
}

/** Stable error codes for replies that are not AdmissionReviews. */
function classify(error: FastifyError): { status: number; body: ErrorBody } {
  const status = error.statusCode ?? 500;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: 'body-too-large', message: error.message } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: 'unsupported-media-type', message: 'expected Content-Type: application/json' },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { error: 'empty-body', message: 'expected an AdmissionReview, got an empty body' },
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { error: 'bad-content-length', message: error.message } };
    default:
      if (error instanceof SyntaxError || status === 400) {
        return {
          status: 400,
          body: { error: 'invalid-json', message: `body is not valid JSON: ${error.message}` },
        };
      }
      if (status >= 400 && status < 500)
        return { status, body: { error: 'bad-request', message: error.message } };
      return { status: 500, body: { error: 'internal', message: 'internal error; see the webhook log' } };
  }
}

/** The names a client certificate goes by: its subject CN and its DNS subjectAltNames. */
function certificateNames(socket: TLSSocket): string[] {
  const peer = socket.getPeerCertificate();
  const names: string[] = [];
  // A socket without a client certificate yields `{}`: no subject.
  const subject = peer.subject as PeerCertificate['subject'] | undefined;
  const cn = subject?.CN as string | string[] | undefined;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn);
  for (const entry of (peer.subjectaltname ?? '').split(', '))
    if (entry.startsWith('DNS:')) names.push(entry.slice(4));
  return names;
}

const SCORED_SUBRESOURCES: ReadonlySet<string> = new Set(['', 'ephemeralcontainers']);

/** Whether the review is one the engine would score: the same conditions as handleReview's. */
function isScored(review: AdmissionReviewRequest, engine: Engine): boolean {
  const { request } = review;
  return (
    (request.operation === 'CREATE' || request.operation === 'UPDATE') &&
    SCORED_SUBRESOURCES.has(request.subResource ?? '') &&
    (engine.policy.kinds as readonly string[]).includes(request.kind.kind) &&
    typeof request.object === 'object' &&
    request.object !== null
  );
}

/** Builds the webhook app; never listens (main does). Every HTTP test goes through `inject()`. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const clock = deps.clock ?? (() => new Date());
  const requestTimeout = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const bodyBudget = Math.max(deps.bodyBudget ?? DEFAULT_BODY_BUDGET, bodyLimit);
  const limits = deps.limits ?? DEFAULT_ANALYSIS_LIMITS;
  const analysis = deps.analysis ?? new Analysis({ workers: 0, deadlineMs: DEFAULT_ANALYSIS_DEADLINE_MS });
  // Node enforces requestTimeout only when it is given to the server's constructor: fastify assigns it
  // afterwards, leaving headersTimeout at 60 s (above requestTimeout, so a stalled body is never cut
  // off) and the check at every 30 s. Given here, a half-sent request ends in a 408 within the timeout
  // (plus the check interval).
  const timeouts = {
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.round(requestTimeout / 10))),
  };
  const app = fastify({
    loggerInstance: deps.logger,
    // One decision line per admission request is ours to write; fastify's per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // A `__proto__` or `constructor.prototype` key is dropped, not refused: the review is still answered
    // (a 400 is a failed webhook call for the API server), and no prototype is ever touched.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A request that still arrives on a kept-alive socket while closing is answered (with Connection: close):
    // a 503 would be a failed webhook call for the API server, and the answer costs less than the refusal.
    return503OnClosing: false,
    ...(deps.https
      ? {
          https: {
            ...deps.https,
            ...timeouts,
            ...TLS_PROTOCOLS,
            handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          },
        }
      : { http: timeouts }),
  }) as unknown as FastifyInstance;
  app.server.maxConnections = deps.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const draining = deps.draining;
  if (draining) {
    app.addHook('onRequest', (_request, reply, done) => {
      if (draining()) void reply.header('connection', 'close');
      done();
    });
  }

  const clientNames = new Set(deps.clientNames ?? []);
  if (clientNames.size > 0) {
    app.addHook('onRequest', (request, reply, done) => {
      const socket = request.raw.socket;
      const names = socket instanceof TLSSocket ? certificateNames(socket) : [];
      if (names.some((name) => clientNames.has(name))) {
        done();
        return;
      }
      deps.metrics.refused.inc({ reason: 'client_name' });
      request.log.warn({ names }, 'client certificate name not allowed');
      void reply.code(403).send({
        error: 'forbidden-client',
        message: 'the client certificate does not carry an allowed name',
      });
    });
  }

  // Bodies in flight, by the size they announce: reserved before the body is read, released when the
  // response ends or the connection closes, whichever comes first.
  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST') {
      done();
      return;
    }
    const announced = Number(request.headers['content-length']);
    const size = Number.isFinite(announced) && announced >= 0 ? announced : bodyLimit;
    if (size > bodyLimit) {
      deps.metrics.refused.inc({ reason: 'too_large' });
      void reply
        .code(413)
        .header('connection', 'close')
        .send({
          error: 'body-too-large',
          message: `the body (${size} bytes) exceeds the limit of ${bodyLimit} bytes`,
        });
      return;
    }
    if (inFlight + size > bodyBudget) {
      deps.metrics.refused.inc({ reason: 'busy' });
      request.log.warn({ size, inFlight }, 'request body budget exhausted; refused');
      void reply
        .code(429)
        .header('retry-after', '1')
        .header('connection', 'close')
        .send({ error: 'busy', message: 'too many request bodies in flight; retry' });
      return;
    }
    inFlight += size;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      inFlight -= size;
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
    done();
  });

  // A text/plain body must not reach the handler as a string: only JSON is an AdmissionReview.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = classify(error);
    deps.metrics.errors.inc({ kind: status >= 500 ? 'internal' : 'bad_request' });
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    else request.log.warn({ url: request.url, error: body.error, reason: body.message }, 'bad request');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );

  void app.register(healthRoutes, {
    readiness: deps.readiness,
    isDetailed: deps.isDetailed,
    ...(deps.isDetailed ? { metrics: deps.metrics } : {}),
  });

  app.post('/validate', async (request, reply) => {
    const started = process.hrtime.bigint();
    const parsed = parseAdmissionReview(request.body);
    if (!parsed.success) {
      const issues = describeIssues(parsed.error, request.body);
      deps.metrics.errors.inc({ kind: 'bad_request' });
      request.log.warn({ issues }, 'not an AdmissionReview');
      return reply.code(400).send({
        error: 'invalid-review',
        message: `not an AdmissionReview: ${formatIssues(issues)}`,
      });
    }
    const review = parsed.data;
    const engine = deps.engine();
    const { request: req } = review;
    const kindLabel = deps.metrics.kindLabel(req.kind.kind);
    const namespace = req.namespace ?? '';
    const logged = {
      uid: req.uid,
      kind: req.kind.kind,
      namespace,
      user: req.userInfo.username ?? '',
      operation: req.operation,
      dryRun: req.dryRun === true,
    };
    const count = (action: Verdict): number => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.requests.inc({
        kind: kindLabel,
        operation: req.operation,
        action,
        dry_run: String(req.dryRun === true),
      });
      deps.metrics.duration.observe({ kind: kindLabel }, seconds);
      return Math.round(seconds * 1e6) / 1e3;
    };

    // What cannot be analysed within the limits is not analysed: it is answered as a deny verdict.
    const unanalysed = (reason: string): FastifyReply => {
      const labels = namespace ? deps.namespaceLabels?.(namespace) : undefined;
      const mode = resolveMode(engine.compiled, namespace, labels);
      const { reply: answer, action } = unanalysedReview(review, mode, reason);
      deps.metrics.errors.inc({ kind: 'unanalysed' });
      const durationMs = count(action);
      request.log.warn(
        { ...logged, verdict: 'deny', mode, action, unanalysed: reason, durationMs },
        'admission',
      );
      return reply.send(answer);
    };
    const excess = isScored(review, engine) ? exceededLimit(req.object, limits) : undefined;
    if (excess !== undefined) return unanalysed(excess);

    let analysed: Analysed;
    try {
      analysed = await analysis.review(review, {
        engine,
        ...(deps.namespaceLabels ? { namespaceLabels: deps.namespaceLabels } : {}),
        ...(deps.exceptions ? { exceptions: deps.exceptions() } : {}),
        now: clock(),
      });
    } catch (error) {
      // A bug of ours must not become the cluster's outage: answer the review as onError says.
      deps.metrics.errors.inc({ kind: 'internal' });
      request.log.error(
        { err: error, uid: req.uid, kind: req.kind.kind },
        'review failed; answered by onError',
      );
      return reply.send(failedReview(review, engine.policy.onError));
    }
    if ('unanalysed' in analysed) return unanalysed(analysed.unanalysed);
    const result = analysed;
    const { reply: answer, outcome } = result;
    const decision = outcome.decision;
    const action = decision ? decision.action : 'allow';
    const durationMs = count(action);
    if (decision) recordDecision(deps.metrics, namespace, decision);
    if (decision && deps.onAnswer) {
      try {
        deps.onAnswer({
          request: req,
          decision,
          response: (answer as { response: AdmissionResponse }).response,
          name: outcome.name,
        });
      } catch (error) {
        request.log.error({ err: error, uid: req.uid }, 'answer hook failed');
      }
    }
    request.log.info(
      {
        ...logged,
        name: outcome.name,
        ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
        score: decision?.score ?? 0,
        verdict: decision?.verdict ?? 'allow',
        mode: decision?.mode ?? engine.policy.mode,
        action,
        rules: decision ? ruleIds(decision.findings) : [],
        ...(decision && decision.exemptions.length > 0
          ? { exemptedBy: decision.exemptions.map((e) => e.id), waived: ruleIds(decision.waived) }
          : {}),
        ...(decision && decision.errors.length > 0 ? { ruleErrors: decision.errors } : {}),
        durationMs,
      },
      'admission',
    );
    return reply.send(answer);
  });

  return app;
}
