import fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SecureContextOptions } from 'node:tls';
import {
  admissionReviewSchema,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewRequest,
  type AdmissionReviewResponse,
} from '../admission/schema.js';
import type { Decision } from '../policy/decision.js';
import { handleReview } from '../admission/review.js';
import type { Engine } from '../engine.js';
import type { CompiledExemption } from '../policy/decide.js';
import { describeIssues } from '../policy/load.js';
import { ruleIds } from '../admission/messages.js';
import { recordDecision, type Metrics } from './metrics.js';

/** The API server allows bodies of 3 MiB; an UPDATE carries object and oldObject (reference §10). */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;
/** The longest webhook timeout the API server allows is 30 s; nothing of ours should take longer. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Longer than Go's http.Transport idle timeout (90 s), so the API server, not we, closes idle keep-alive sockets. */
export const KEEP_ALIVE_TIMEOUT_MS = 100_000;

export interface Readiness {
  ready: boolean;
  detail: Record<string, unknown>;
}

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
  clock?: () => Date;
  bodyLimit?: number;
  /** How long a request may take to arrive whole (slow clients, half-sent bodies); default 30 s. */
  requestTimeoutMs?: number;
  /** True while shutting down: replies then carry `Connection: close`, so kept-alive clients leave before their sockets close. */
  draining?: () => boolean;
  /** TLS for the server; absent in tests that use inject(). */
  https?: SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
}

export interface Answer {
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

function failedReview(review: AdmissionReviewRequest, onError: 'allow' | 'deny'): AdmissionReviewResponse {
  const message = 'jobguard could not evaluate this object (internal error)';
  return {
    apiVersion: review.apiVersion,
    kind: 'AdmissionReview',
    response:
      onError === 'allow'
        ? { uid: review.request.uid, allowed: true, warnings: [`${message}; allowed (onError: allow)`] }
        : {
            uid: review.request.uid,
            allowed: false,
            status: {
              code: 403,
              reason: 'Forbidden',
              status: 'Failure',
              message: `${message}; denied (onError: deny)`,
            },
          },
  };
}

/** Builds the webhook app; never listens (main does). Every HTTP test goes through `inject()`. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const clock = deps.clock ?? (() => new Date());
  const requestTimeout = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node enforces requestTimeout only when it is given to the server's constructor: fastify assigns it
  // afterwards, leaving headersTimeout at 60 s (above requestTimeout, so a stalled body is never cut
  // off) and the check at every 30 s. Given here, a half-sent body ends in a 408 within the timeout.
  const timeouts = {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.round(requestTimeout / 10))),
  };
  const app = fastify({
    loggerInstance: deps.logger,
    // One decision line per admission request is ours to write; fastify's per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // A `__proto__` or `constructor.prototype` key is dropped, not refused: the review is still answered
    // (a 400 is a failed webhook call for the API server), and no prototype is ever touched.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A request that still arrives on a kept-alive socket while closing is answered (with Connection: close):
    // a 503 would be a failed webhook call for the API server, and the answer costs less than the refusal.
    return503OnClosing: false,
    ...(deps.https ? { https: { ...deps.https, ...timeouts } } : { http: timeouts }),
  }) as unknown as FastifyInstance;

  const draining = deps.draining;
  if (draining) {
    app.addHook('onRequest', (_request, reply, done) => {
      if (draining()) void reply.header('connection', 'close');
      done();
    });
  }

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

  app.get('/healthz', () => ({ ok: true }));

  app.get('/readyz', (_request, reply) => {
    const { ready, detail } = deps.readiness();
    return reply.code(ready ? 200 : 503).send({ ready, ...detail });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  app.post('/validate', (request, reply) => {
    const started = process.hrtime.bigint();
    const parsed = admissionReviewSchema.safeParse(request.body);
    if (!parsed.success) {
      const issues = describeIssues(parsed.error, request.body);
      deps.metrics.errors.inc({ kind: 'bad_request' });
      request.log.warn({ issues }, 'not an AdmissionReview');
      return reply.code(400).send({
        error: 'invalid-review',
        message: `not an AdmissionReview: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      });
    }
    const review = parsed.data;
    const engine = deps.engine();
    const { request: req } = review;
    const kind = req.kind.kind;
    let result: ReturnType<typeof handleReview>;
    try {
      result = handleReview(review, {
        engine,
        ...(deps.namespaceLabels ? { namespaceLabels: deps.namespaceLabels } : {}),
        ...(deps.exceptions ? { exceptions: deps.exceptions() } : {}),
        now: clock(),
      });
    } catch (error) {
      // A bug of ours must not become the cluster's outage: answer the review as onError says.
      deps.metrics.errors.inc({ kind: 'internal' });
      request.log.error({ err: error, uid: req.uid, kind }, 'review failed; answered by onError');
      return reply.send(failedReview(review, engine.policy.onError));
    }
    const { reply: answer, outcome } = result;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const decision = outcome.decision;
    const action = decision ? decision.action : 'allow';
    deps.metrics.requests.inc({
      kind,
      operation: req.operation,
      action,
      dry_run: String(req.dryRun === true),
    });
    deps.metrics.duration.observe({ kind }, seconds);
    if (decision) recordDecision(deps.metrics, req.namespace ?? '', decision);
    if (decision && deps.onAnswer) {
      try {
        deps.onAnswer({ request: req, decision, response: answer.response, name: outcome.name });
      } catch (error) {
        request.log.error({ err: error, uid: req.uid }, 'answer hook failed');
      }
    }
    request.log.info(
      {
        uid: req.uid,
        kind,
        namespace: req.namespace ?? '',
        name: outcome.name,
        user: req.userInfo.username ?? '',
        operation: req.operation,
        dryRun: req.dryRun === true,
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
        durationMs: Math.round(seconds * 1e6) / 1e3,
      },
      'admission',
    );
    return reply.send(answer);
  });

  return app;
}
