import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node';

/**
 * Reads go through client-node's own request machinery (RequestContext, the kubeconfig's
 * authentication and TLS agent, its fetch library) but skip the generated API classes: those
 * deserialize into model classes (timestamps become Date, unknown fields are dropped), while the
 * scoring engine must see the JSON the API server sends, as an AdmissionReview would carry it.
 */
const transport = new IsomorphicFetchHttpLibrary();

export type Query = Record<string, string | number | boolean | undefined>;

/** A non-2xx answer from the API server, with the `Status` it sent when it sent one. */
class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;

  constructor(
    path: string,
    statusCode: number,
    reason: string | undefined,
    detail: string | undefined,
    method = 'GET',
  ) {
    super(`${method} ${path}: HTTP ${statusCode}${reason ? ` ${reason}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** HTTP status of a failed request: ours (`KubeApiError`) or client-node's Watch (`statusCode`). */
export function statusCodeOf(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  const code = err.statusCode ?? err.code;
  return typeof code === 'number' ? code : undefined;
}

/** 410 Gone: the resourceVersion or continue token is older than the API server keeps. */
export function isGone(err: unknown): boolean {
  return statusCodeOf(err) === 410;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

function statusDetail(body: string): { reason?: string; message?: string } {
  try {
    const status: unknown = JSON.parse(body);
    if (isRecord(status) && status.kind === 'Status') {
      return {
        ...(typeof status.reason === 'string' ? { reason: status.reason } : {}),
        ...(typeof status.message === 'string' ? { message: status.message } : {}),
      };
    }
  } catch {
    // Not JSON (a proxy's error page): the status code has to do.
  }
  return {};
}

/** GET `path` from the kubeconfig's current cluster; the parsed JSON body, untouched. */
export async function getJson(
  kubeConfig: KubeConfig,
  path: string,
  query: Query = {},
  signal?: AbortSignal,
): Promise<unknown> {
  return sendJson(kubeConfig, 'GET', path, { query, ...(signal ? { signal } : {}) });
}

export interface SendOptions {
  query?: Query;
  /** Sent as JSON with `contentType` (default `application/json`). */
  body?: unknown;
  /** `application/apply-patch+yaml` for server-side apply (JSON is YAML), `application/merge-patch+json`, … */
  contentType?: string;
  signal?: AbortSignal;
}

const METHODS = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
} as const;

/** One request to the kubeconfig's current cluster; the parsed JSON body (undefined when empty). */
export async function sendJson(
  kubeConfig: KubeConfig,
  method: keyof typeof METHODS,
  path: string,
  options: SendOptions = {},
): Promise<unknown> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const request = new RequestContext(`${cluster.server}${path}`, METHODS[method]);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') request.setQueryParam(name, String(value));
  }
  request.setHeaderParam('Accept', 'application/json');
  if (options.body !== undefined) {
    request.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
    request.setBody(JSON.stringify(options.body));
  }
  if (options.signal) request.setSignal(options.signal);
  await kubeConfig.applySecurityAuthentication(request);
  const response = await transport.send(request).toPromise();
  const body = await response.body.text();
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
    const { reason, message } = statusDetail(body);
    throw new KubeApiError(path, response.httpStatusCode, reason, message, method);
  }
  return body === '' ? undefined : (JSON.parse(body) as unknown);
}

/** How a write is encoded: a JSON merge patch (RFC 7386) or a whole object. */
export type WriteMethod = 'PATCH' | 'POST';

/**
 * PATCH (as a JSON merge patch) or POST `body` to `path`; the parsed reply. The webhook's own
 * writes: JobguardException status and Events.
 */
export function writeJson(
  kubeConfig: KubeConfig,
  method: WriteMethod,
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  return sendJson(kubeConfig, method, path, {
    body,
    contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
    ...(signal === undefined ? {} : { signal }),
  });
}

export interface ListPage {
  items: Record<string, unknown>[];
  resourceVersion: string;
  /** Token for the next page; undefined on the last one. */
  continueToken: string | undefined;
}

export function parseListPage(body: unknown, path: string): ListPage {
  if (!isRecord(body) || !Array.isArray(body.items)) {
    throw new Error(`GET ${path}: the API server did not answer with a list`);
  }
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return {
    items: body.items.filter(isRecord),
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
    continueToken:
      typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined,
  };
}
