import { Agent, request as httpsRequest, type AgentOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** What kube-apiserver reads from a webhook's reply. */
export interface ReviewReply {
  apiVersion?: unknown;
  kind?: unknown;
  response?: {
    uid?: unknown;
    allowed?: unknown;
    status?: { code?: number; message?: string; reason?: string };
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
    patch?: unknown;
    patchType?: unknown;
  };
}

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** SHA-256 fingerprint of the certificate the server presented on this request's connection. */
  fingerprint: string;
  /** Whether the request went over a kept-alive socket that served an earlier request. */
  reusedSocket: boolean;
}

export interface HttpsTarget {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** The agent that keeps connections alive; `false` for a fresh connection (and handshake) per request. */
  agent: Agent | false;
  /** CA that signed the serving certificate; with `agent: false` it is passed per request. */
  ca?: string;
  cert?: string;
  key?: string;
}

/** An HTTP/1.1 keep-alive agent that trusts `ca`, like kube-apiserver's webhook client (kube-apiserver's webhook client keeps connections alive). */
export function apiServerAgent(ca: string, options: AgentOptions = {}): Agent {
  return new Agent({ keepAlive: true, maxSockets: 4, ca, ALPNProtocols: ['http/1.1'], ...options });
}

/** One HTTPS request; resolves with the whole reply, rejects on a transport error. Bounded by `timeoutMs`. */
export function send(
  target: HttpsTarget,
  method: string,
  path: string,
  body?: string,
  timeoutMs = 10_000,
): Promise<HttpsResult> {
  const url = new URL(path, target.url);
  return new Promise<HttpsResult>((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        agent: target.agent,
        ...(target.agent === false
          ? {
              ...(target.ca ? { ca: target.ca } : {}),
              ...(target.cert ? { cert: target.cert } : {}),
              ...(target.key ? { key: target.key } : {}),
            }
          : {}),
        headers:
          body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        // Over https the response's socket is the TLS socket of this connection.
        const fingerprint = (
          res.socket as unknown as Pick<TLSSocket, 'getPeerCertificate'>
        ).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            fingerprint,
            reusedSocket: req.reusedSocket,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** `POST /validate?timeout=10s` as kube-apiserver sends it. */
export function postReview(target: HttpsTarget, review: unknown): Promise<HttpsResult> {
  return send(target, 'POST', '/validate?timeout=10s', JSON.stringify(review));
}

/**
 * The checks kube-apiserver makes on a reply (Kubernetes admission webhook docs: the response): HTTP 200, a decodable
 * AdmissionReview of the same apiVersion, `response.uid` equal to the request's, `allowed` a
 * boolean, and no `patch`/`patchType` from a validating webhook. Returns the problems, empty when none.
 */
export function replyProblems(
  sent: { apiVersion: string; request: { uid: string } },
  status: number,
  text: string,
): string[] {
  if (status !== 200) return [`HTTP ${status}: ${text.slice(0, 200)}`];
  let reply: ReviewReply;
  try {
    reply = JSON.parse(text) as ReviewReply;
  } catch {
    return [`not JSON: ${text.slice(0, 200)}`];
  }
  const problems: string[] = [];
  if (reply.apiVersion !== sent.apiVersion) problems.push(`apiVersion ${String(reply.apiVersion)}`);
  if (reply.kind !== 'AdmissionReview') problems.push(`kind ${String(reply.kind)}`);
  const response = reply.response;
  if (!response) return [...problems, 'no response'];
  if (response.uid !== sent.request.uid) problems.push(`uid ${String(response.uid)} != ${sent.request.uid}`);
  if (typeof response.allowed !== 'boolean') problems.push('allowed is not a boolean');
  if ('patch' in response || 'patchType' in response) problems.push('a validating webhook sent a patch');
  if (
    response.allowed === false &&
    !(typeof response.status?.code === 'number' && response.status.code >= 400)
  )
    problems.push('denied without a 4xx status code');
  return problems;
}

/** Polls `predicate` every `intervalMs` until it holds or `timeoutMs` passes; throws naming `what` on timeout. */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 50 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface DriveResult {
  sent: number;
  ok: number;
  failures: string[];
}

/**
 * Keeps `workers` request loops busy until `stop()` is called (or `maxMs`, or `maxRequests` in
 * total), each loop awaiting its reply before sending the next. `one` returns a problem text or
 * undefined when the reply was right; a thrown error is a failure too.
 */
export function drive(
  one: (index: number) => Promise<string | undefined>,
  { workers = 4, maxMs = 30_000, maxRequests = 100_000 } = {},
): { stop(): Promise<DriveResult>; result: DriveResult } {
  const result: DriveResult = { sent: 0, ok: 0, failures: [] };
  const deadline = Date.now() + maxMs;
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped && Date.now() < deadline && result.sent < maxRequests) {
      const index = result.sent++;
      try {
        const problem = await one(index);
        if (problem === undefined) result.ok += 1;
        else result.failures.push(`#${index}: ${problem}`);
      } catch (error) {
        result.failures.push(`#${index}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  const loops = Array.from({ length: workers }, () => loop());
  return {
    result,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return result;
    },
  };
}
