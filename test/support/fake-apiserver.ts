/**
 * A small kube-apiserver stand-in on 127.0.0.1 for tests that run the real client-node against
 * HTTP: namespaces (list with pages + watch with replay from a resourceVersion, 410 after
 * compaction, controllable drops and outages), list endpoints of the workload kinds, watched
 * custom resources with a `status` subresource (JSON merge patch), and Event creation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export const TOKEN = 'fake-token';

type JsonObject = Record<string, unknown>;

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: JsonObject;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** A PATCH or POST the server accepted, with its parsed body. */
export interface RecordedWrite {
  method: string;
  path: string;
  contentType: string;
  body: JsonObject;
}

/** A namespaced resource served with list, watch and a `status` subresource. */
interface WatchedResource {
  objects: Map<string, JsonObject>;
  events: WatchEvent[];
  watches: Set<ServerResponse>;
}

/** How an expired resourceVersion is reported: kube-apiserver sends an ERROR event in a 200 stream. */
export type GoneMode = 'event' | 'status';

function status(code: number, reason: string, message: string): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function encodeContinue(offset: number, rv: number): string {
  return Buffer.from(JSON.stringify({ offset, rv })).toString('base64url');
}

function decodeContinue(token: string): { offset: number; rv: number } {
  return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset: number; rv: number };
}

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  goneMode: GoneMode = 'event';
  /**
   * Namespace requests that are accepted and then never answered, as by an overloaded API server
   * or a proxy that black-holes them: no status line, no headers, the socket left open.
   */
  stall: { lists: boolean; watches: boolean } = { lists: false, watches: false };
  private readonly stalled = new Set<ServerResponse>();
  private server: Server | undefined;
  private port = 0;
  private rv = 100;
  private compactedRv = 0;
  private readonly namespaces = new Map<string, JsonObject>();
  private readonly events: WatchEvent[] = [];
  private readonly watches = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly collections = new Map<string, JsonObject[]>();
  private readonly refusals = new Map<string, JsonObject>();
  private readonly watched = new Map<string, WatchedResource>();
  readonly writes: RecordedWrite[] = [];
  /** Writes answered with this Status instead (RBAC refusing `create events`, say). */
  readonly writeRefusals = new Map<string, JsonObject>();

  static async start(): Promise<FakeApiServer> {
    const fake = new FakeApiServer();
    await fake.start();
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig for this server with a bearer token, as `loadFromOptions` takes it. */
  kubeConfig(): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: TOKEN }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kubeConfig;
  }

  /** Listens; on the previous port again after `stop()`, so clients find it where it was. */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** An outage: every connection is cut and new ones are refused until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    for (const socket of this.sockets) socket.destroy();
    this.watches.clear();
    for (const collection of this.watched.values()) collection.watches.clear();
    await closed;
  }

  close(): Promise<void> {
    return this.stop();
  }

  // ---- namespaces ----------------------------------------------------------------------------

  /** Creates or relabels a namespace and tells every watcher (ADDED or MODIFIED). */
  setNamespace(name: string, labels: Record<string, string> = {}): void {
    this.record(this.namespaces.has(name) ? 'MODIFIED' : 'ADDED', this.namespaceObject(name, labels));
  }

  /** Changes a namespace without any watch event, as if the event were lost on the way. */
  setNamespaceSilently(name: string, labels: Record<string, string> = {}): void {
    const object = this.namespaceObject(name, labels);
    (object.metadata as JsonObject).resourceVersion = String(++this.rv);
    this.namespaces.set(name, object);
  }

  deleteNamespace(name: string): void {
    const existing = this.namespaces.get(name);
    if (!existing) return;
    this.namespaces.delete(name);
    const rv = ++this.rv;
    const meta = existing.metadata as JsonObject;
    this.emit({
      rv,
      type: 'DELETED',
      object: { ...existing, metadata: { ...meta, resourceVersion: String(rv) } },
    });
  }

  /** Forgets the event history: a watch from any resourceVersion seen so far gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.events.length = 0;
  }

  /** Cuts every open watch stream mid-flight (socket destroyed, no clean end). */
  dropWatches(): void {
    for (const res of this.watches) res.socket?.destroy();
    this.watches.clear();
  }

  activeWatches(): number {
    return this.watches.size;
  }

  /** Cuts the connections of the requests held by `stall` (their clients see a reset and retry). */
  cutStalled(): void {
    for (const res of this.stalled) res.socket?.destroy();
    this.stalled.clear();
  }

  /** Requests held unanswered by `stall` whose client has not hung up. */
  stalledRequests(): number {
    return this.stalled.size;
  }

  count(path: string, watch: boolean): number {
    return this.requests.filter((r) => r.path === path && (r.query.get('watch') === 'true') === watch).length;
  }

  // ---- workloads -----------------------------------------------------------------------------

  /** Serves these objects (each with metadata.namespace) under /api(s)/{apiVersion}/[namespaces/NS/]{resource}. */
  addObjects(apiVersion: string, resource: string, objects: JsonObject[]): void {
    const key = `${apiVersion}/${resource}`;
    this.collections.set(key, [...(this.collections.get(key) ?? []), ...objects]);
  }

  /** Answers every GET of `path` with this failure Status, as RBAC or a webhook would. */
  refuse(path: string, code: number, reason: string, message: string): void {
    this.refusals.set(path, status(code, reason, message));
  }

  // ---- watched custom resources and writes --------------------------------------------------

  /** Creates or replaces a namespaced object of a watched resource (`jobguard.dev/v1`, `jobguardexceptions`) and tells its watchers. */
  setObject(apiVersion: string, resource: string, object: JsonObject): void {
    const collection = this.watchedResource(`${apiVersion}/${resource}`);
    const metadata = object.metadata as JsonObject;
    const key = `${metadata.namespace as string}/${metadata.name as string}`;
    const previous = collection.objects.get(key);
    const previousMeta = previous?.metadata as JsonObject | undefined;
    const specChanged = JSON.stringify(previous?.spec) !== JSON.stringify(object.spec);
    const generation = ((previousMeta?.generation as number | undefined) ?? 0) + (specChanged ? 1 : 0);
    const rv = ++this.rv;
    const stored: JsonObject = {
      ...object,
      metadata: {
        uid: `uid-${key}`,
        ...metadata,
        generation: Math.max(1, generation),
        resourceVersion: String(rv),
      },
      ...(previous?.status === undefined || object.status !== undefined ? {} : { status: previous.status }),
    };
    collection.objects.set(key, stored);
    this.emitTo(collection, { rv, type: previous ? 'MODIFIED' : 'ADDED', object: stored });
  }

  deleteObject(apiVersion: string, resource: string, namespace: string, name: string): void {
    const collection = this.watchedResource(`${apiVersion}/${resource}`);
    const existing = collection.objects.get(`${namespace}/${name}`);
    if (!existing) return;
    collection.objects.delete(`${namespace}/${name}`);
    const rv = ++this.rv;
    const object = {
      ...existing,
      metadata: { ...(existing.metadata as JsonObject), resourceVersion: String(rv) },
    };
    this.emitTo(collection, { rv, type: 'DELETED', object });
  }

  /** Serves an empty watched resource, as an installed CRD with no objects yet. */
  serveResource(apiVersion: string, resource: string): void {
    this.watchedResource(`${apiVersion}/${resource}`);
  }

  getObject(apiVersion: string, resource: string, namespace: string, name: string): JsonObject | undefined {
    return this.watched.get(`${apiVersion}/${resource}`)?.objects.get(`${namespace}/${name}`);
  }

  private watchedResource(key: string): WatchedResource {
    let collection = this.watched.get(key);
    if (!collection) {
      collection = { objects: new Map(), events: [], watches: new Set() };
      this.watched.set(key, collection);
    }
    return collection;
  }

  private emitTo(collection: WatchedResource, event: WatchEvent): void {
    collection.events.push(event);
    const line = `${JSON.stringify({ type: event.type, object: event.object })}\n`;
    for (const res of collection.watches) res.write(line);
  }

  /** PATCH of a watched object's status (merge patch), POST of an Event; everything else is refused. */
  private write(req: IncomingMessage, res: ServerResponse, path: string, segments: string[]): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      let body: JsonObject;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonObject;
      } catch {
        sendJson(res, 400, status(400, 'BadRequest', 'body is not JSON'));
        return;
      }
      const method = req.method ?? '';
      const refusal = this.writeRefusals.get(path);
      if (refusal) {
        sendJson(res, refusal.code as number, refusal);
        return;
      }
      this.writes.push({ method, path, contentType, body });
      // /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}[/status]]
      const [, group, version, , namespace, resource, name, sub] = segments;
      const key = `${group ?? ''}/${version ?? ''}/${resource ?? ''}`;
      if (method === 'POST' && key === 'events.k8s.io/v1/events' && name === undefined) {
        sendJson(res, 201, {
          ...body,
          metadata: { ...(body.metadata as JsonObject), namespace, uid: `event-${this.writes.length}` },
        });
        return;
      }
      const collection = this.watched.get(key);
      const existing = collection?.objects.get(`${namespace ?? ''}/${name ?? ''}`);
      if (method === 'PATCH' && sub === 'status' && collection && existing) {
        if (contentType !== 'application/merge-patch+json') {
          sendJson(res, 415, status(415, 'UnsupportedMediaType', `unsupported patch type ${contentType}`));
          return;
        }
        const rv = ++this.rv;
        const updated: JsonObject = {
          ...existing,
          metadata: { ...(existing.metadata as JsonObject), resourceVersion: String(rv) },
          status: mergePatch(existing.status, body.status),
        };
        collection.objects.set(`${namespace ?? ''}/${name ?? ''}`, updated);
        this.emitTo(collection, { rv, type: 'MODIFIED', object: updated });
        sendJson(res, 200, updated);
        return;
      }
      sendJson(res, 404, status(404, 'NotFound', `the server could not find ${path}`));
    });
  }

  private watchResource(collection: WatchedResource, query: URLSearchParams, res: ServerResponse): void {
    const from = query.get('resourceVersion') ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from === '' || from === '0') {
      for (const object of collection.objects.values())
        res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
    } else {
      for (const event of collection.events)
        if (event.rv > Number(from))
          res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
    collection.watches.add(res);
    res.on('close', () => collection.watches.delete(res));
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const refusal = this.refusals.get(url.pathname);
    if (refusal) {
      sendJson(res, refusal.code as number, refusal);
      return;
    }
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'PATCH' || req.method === 'POST') {
      this.write(req, res, url.pathname, segments);
      return;
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, status(405, 'MethodNotAllowed', 'the fake API server only answers GET'));
      return;
    }
    let apiVersion: string;
    let rest: string[];
    if (segments[0] === 'api' && segments[1] === 'v1') {
      apiVersion = 'v1';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 3) {
      apiVersion = `${segments[1]}/${segments[2]}`;
      rest = segments.slice(3);
    } else {
      sendJson(res, 404, status(404, 'NotFound', `no route for ${url.pathname}`));
      return;
    }
    if (apiVersion === 'v1' && rest.length === 1 && rest[0] === 'namespaces') {
      const watch = url.searchParams.get('watch') === 'true';
      if (watch ? this.stall.watches : this.stall.lists) {
        this.stalled.add(res);
        res.on('close', () => this.stalled.delete(res));
        return;
      }
      if (watch) this.watchNamespaces(url.searchParams, res);
      else
        this.list(res, url.searchParams, [...this.namespaces.values()].map(withoutTypeMeta), 'NamespaceList');
      return;
    }
    let namespace: string | undefined;
    let resource: string | undefined;
    if (rest.length === 1) resource = rest[0];
    else if (rest.length === 3 && rest[0] === 'namespaces') [, namespace, resource] = rest;
    const watched = resource === undefined ? undefined : this.watched.get(`${apiVersion}/${resource}`);
    if (watched) {
      const all = [...watched.objects.values()].filter(
        (item) => namespace === undefined || (item.metadata as JsonObject).namespace === namespace,
      );
      if (url.searchParams.get('watch') === 'true') this.watchResource(watched, url.searchParams, res);
      else this.list(res, url.searchParams, all.map(withoutTypeMeta), 'List');
      return;
    }
    const items = resource === undefined ? undefined : this.collections.get(`${apiVersion}/${resource}`);
    if (!items) {
      sendJson(res, 404, status(404, 'NotFound', `the server could not find ${url.pathname}`));
      return;
    }
    const selected = items.filter(
      (item) => namespace === undefined || (item.metadata as JsonObject).namespace === namespace,
    );
    this.list(res, url.searchParams, selected.map(withoutTypeMeta), 'List');
  }

  private list(res: ServerResponse, query: URLSearchParams, items: JsonObject[], kind: string): void {
    const limit = Number(query.get('limit') ?? '0');
    const token = query.get('continue');
    const { offset, rv } = token ? decodeContinue(token) : { offset: 0, rv: this.rv };
    const end = limit > 0 ? Math.min(items.length, offset + limit) : items.length;
    const metadata: JsonObject = { resourceVersion: String(rv) };
    if (end < items.length) {
      metadata.continue = encodeContinue(end, rv);
      metadata.remainingItemCount = items.length - end;
    }
    sendJson(res, 200, { kind, apiVersion: 'v1', metadata, items: items.slice(offset, end) });
  }

  private watchNamespaces(query: URLSearchParams, res: ServerResponse): void {
    const from = query.get('resourceVersion') ?? '';
    const gone = from !== '' && from !== '0' && Number(from) < this.compactedRv;
    if (gone && this.goneMode === 'status') {
      sendJson(res, 410, status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (gone) {
      const error = status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`);
      res.end(`${JSON.stringify({ type: 'ERROR', object: error })}\n`);
      return;
    }
    if (from === '' || from === '0') {
      for (const object of this.namespaces.values())
        res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
    } else {
      for (const event of this.events) {
        if (event.rv > Number(from))
          res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
    this.watches.add(res);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            this.watches.delete(res);
            res.end();
          }, timeoutSeconds * 1000)
        : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      this.watches.delete(res);
    });
  }

  private namespaceObject(name: string, labels: Record<string, string>): JsonObject {
    const previous = this.namespaces.get(name)?.metadata as JsonObject | undefined;
    return {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: previous?.uid ?? `uid-${name}`,
        resourceVersion: String(this.rv + 1),
        creationTimestamp: previous?.creationTimestamp ?? '2025-01-02T03:04:05Z',
        labels: { 'kubernetes.io/metadata.name': name, ...labels },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1"}' },
        managedFields: [{ manager: 'kubectl', operation: 'Update', time: '2025-01-02T03:04:05Z' }],
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }

  private record(type: 'ADDED' | 'MODIFIED', object: JsonObject): void {
    const rv = ++this.rv;
    (object.metadata as JsonObject).resourceVersion = String(rv);
    this.namespaces.set((object.metadata as JsonObject).name as string, object);
    this.emit({ rv, type, object });
  }

  private emit(event: WatchEvent): void {
    this.events.push(event);
    const line = `${JSON.stringify({ type: event.type, object: event.object })}\n`;
    for (const res of this.watches) res.write(line);
  }
}

/** List items carry no apiVersion/kind, as kube-apiserver sends them. */
function withoutTypeMeta(object: JsonObject): JsonObject {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const base: JsonObject =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as JsonObject) }
      : {};
  for (const [key, value] of Object.entries(patch as JsonObject)) {
    if (value === null) Reflect.deleteProperty(base, key);
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs` (default 5 s). */
export async function waitFor(
  condition: () => boolean,
  what: string,
  { timeoutMs = 5000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
