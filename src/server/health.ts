import type { FastifyPluginCallback } from 'fastify';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  /** Why (draining, policy, namespace labels, certificate): shown only where `isDetailed`. */
  detail: Record<string, unknown>;
}

export interface HealthOptions {
  readiness: () => Readiness;
  /** Served at /metrics when given. */
  metrics?: Metrics;
  /**
   * Whether /readyz tells why. Its detail names the mode, profile, policy errors, namespace-label
   * state and certificate expiry: for the metrics port and for callers that presented a client
   * certificate, not for anyone who can reach the webhook port.
   */
  isDetailed: boolean;
}

/**
 * /healthz, /readyz (and /metrics): one plugin, registered on the webhook port and on the plain
 * metrics port, so both answer from the same readiness gate (the kubelet probes the metrics port
 * when the webhook port demands client certificates).
 */
export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, options, done) => {
  app.get('/healthz', () => ({ ok: true }));
  app.get('/readyz', (_request, reply) => {
    const { ready, detail } = options.readiness();
    return reply.code(ready ? 200 : 503).send(options.isDetailed ? { ready, ...detail } : { ready });
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  }
  done();
};
