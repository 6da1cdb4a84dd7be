/**
 * jobguard installed into the test cluster the way the chart installs it, and run the way the
 * image runs it:
 * - the chart is rendered with helm and its objects are applied as rendered (RBAC, ServiceAccount,
 *   ConfigMap, Service, Deployment, PodDisruptionBudget: the real API server validates them all);
 * - the TLS Secret comes in through the chart's own bring-your-own-certificate values
 *   (tls.existingSecret, tls.caBundle) with a serving certificate for 127.0.0.1 from a test CA;
 * - the server is the esbuild bundle (dist/bundle/jobguard.mjs, what the image holds) started with
 *   the rendered container's arguments and environment, its /etc/jobguard paths mapped to temp dirs
 *   laid out as the kubelet mounts ConfigMaps and Secrets, and the credentials of the chart's
 *   ServiceAccount from the TokenRequest API;
 * - the ValidatingWebhookConfiguration is applied as rendered except one field: this cluster has no
 *   nodes, no kube-proxy and no Service routing, so `clientConfig.service` becomes a `url` on
 *   127.0.0.1 (the caBundle stays the chart's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { createCa, issueServingCert, ProjectedDir, type KeyPair } from '../support/certs.js';
import { findOne, helmTemplate, ROOT, type K8sObject } from '../support/helm.js';
import type { KubeCluster } from './cluster.js';

const RELEASE = 'jobguard';
export const RELEASE_NAMESPACE = 'jobguard';
export const WEBHOOK_NAME = 'validate.jobguard.dev';
const TLS_SECRET = 'jobguard-tls';
const BUNDLE = join(ROOT, 'dist/bundle/jobguard.mjs');

/** One line of jobguard's log (pino JSON). */
export interface LogLine {
  msg: string;
  level: number;
  [field: string]: unknown;
}

/** The decision log line of one admission request. */
export interface Decision extends LogLine {
  uid: string;
  kind: string;
  namespace: string;
  name: string;
  user: string;
  operation: string;
  dryRun: boolean;
  score: number;
  verdict: string;
  mode: string;
  action: string;
  rules: string[];
}

interface Container {
  args: string[];
  env?: { name: string; value?: string }[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

/** The chart rendered for the suite: release "jobguard" in namespace "jobguard", the test CA as caBundle. */
async function renderChart(ca: KeyPair, values: Record<string, unknown> = {}): Promise<K8sObject[]> {
  const tls = { existingSecret: TLS_SECRET, caBundle: ca.cert };
  const docs = await helmTemplate({
    release: RELEASE,
    namespace: RELEASE_NAMESPACE,
    values: { ...values, tls: { ...(values.tls as object | undefined), ...tls } },
  });
  // `helm install` creates no test hooks (only `helm test` does): leave them out as it would.
  return docs.filter((doc) => {
    const annotations = (doc.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
    return !(annotations?.['helm.sh/hook'] ?? '').split(',').includes('test');
  });
}

/** The rendered webhook configuration with `clientConfig.service` replaced by a loopback URL. */
function loopbackWebhook(docs: K8sObject[], port: number): K8sObject {
  const configuration = structuredClone(findOne(docs, 'ValidatingWebhookConfiguration'));
  const webhooks = configuration.webhooks as { clientConfig: Record<string, unknown> }[];
  for (const webhook of webhooks) {
    const { service, ...rest } = webhook.clientConfig as {
      service?: { path?: string };
      caBundle?: string;
    };
    if (!service) throw new Error('the chart no longer renders clientConfig.service: revisit this rewrite');
    webhook.clientConfig = { ...rest, url: `https://127.0.0.1:${port}${service.path ?? '/'}` };
  }
  return configuration;
}

/** The container's arguments with the pod's paths and ports mapped onto this machine. */
function localArgs(
  args: readonly string[],
  paths: Record<string, string>,
  ports: { port: number; metricsPort: number },
): string[] {
  return args.map((arg) => {
    if (arg.startsWith('--host=')) return '--host=127.0.0.1';
    if (arg.startsWith('--port=')) return `--port=${ports.port}`;
    if (arg.startsWith('--metrics-port=')) return `--metrics-port=${ports.metricsPort}`;
    let mapped = arg;
    for (const [from, to] of Object.entries(paths)) mapped = mapped.replace(from, to);
    if (mapped.includes('/etc/jobguard'))
      throw new Error(`the chart passes a path this suite does not map: ${arg}`);
    return mapped;
  });
}

export class Jobguard {
  readonly lines: LogLine[] = [];
  private child: ChildProcess | undefined;
  private exit: Promise<void> = Promise.resolve();
  private stderr = '';
  private policyFiles: Record<string, string>;

  private constructor(
    readonly cluster: KubeCluster,
    readonly ca: KeyPair,
    readonly dir: string,
    readonly policy: ProjectedDir,
    readonly tls: ProjectedDir,
    readonly port: number,
    readonly metricsPort: number,
    private docs: K8sObject[],
  ) {
    this.policyFiles = policyFiles(docs);
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Renders the chart with `values`, applies it, starts the server and registers the webhook. */
  static async install(cluster: KubeCluster, values: Record<string, unknown> = {}): Promise<Jobguard> {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run bundle\` first`);
    const ca = await createCa('jobguard-cluster-suite-ca');
    const serving = await issueServingCert(ca);
    const docs = await renderChart(ca, values);
    const dir = mkdtempSync(join(tmpdir(), 'jobguard-server-'));
    copyFileSync(BUNDLE, join(dir, 'jobguard.mjs'));
    const policy = await ProjectedDir.create('jobguard-policy-', policyFiles(docs));
    const tls = await ProjectedDir.create('jobguard-tls-', {
      'tls.crt': serving.cert,
      'tls.key': serving.key,
      'ca.crt': ca.cert,
    });
    const jobguard = new Jobguard(cluster, ca, dir, policy, tls, await freePort(), await freePort(), docs);

    await cluster.kubectlOk(['create', 'namespace', RELEASE_NAMESPACE]);
    // The Secret a user brings with tls.existingSecret: tls.crt, tls.key and the CA that signed them.
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: TLS_SECRET, namespace: RELEASE_NAMESPACE },
        stringData: { 'tls.crt': serving.cert, 'tls.key': serving.key, 'ca.crt': ca.cert },
      }),
    });
    const applied = await cluster.apply(docs.filter((doc) => doc.kind !== 'ValidatingWebhookConfiguration'));
    if (applied.code !== 0) throw new Error(`the API server refused the chart's objects: ${applied.stderr}`);
    await jobguard.writeKubeconfig();
    await jobguard.start();
    await jobguard.registerWebhook();
    return jobguard;
  }

  /** A kubeconfig with a bound token for the chart's ServiceAccount (TokenRequest), as a pod would mount it. */
  private async writeKubeconfig(): Promise<void> {
    const deployment = findOne(this.docs, 'Deployment');
    const account = (deployment.spec as { template: { spec: { serviceAccountName: string } } }).template.spec
      .serviceAccountName;
    const token = (
      await this.cluster.kubectlOk(['create', 'token', account, '-n', RELEASE_NAMESPACE, '--duration=2h'])
    ).trim();
    writeFileSync(
      join(this.dir, 'kubeconfig'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'cluster',
            cluster: { server: this.cluster.info.server, 'certificate-authority': this.cluster.info.caFile },
          },
        ],
        users: [{ name: account, user: { token } }],
        contexts: [{ name: 'jobguard', context: { cluster: 'cluster', user: account } }],
        'current-context': 'jobguard',
      }),
    );
  }

  /** The server process: the bundle with the rendered container's arguments and environment. */
  async start(): Promise<void> {
    if (this.child) throw new Error('jobguard is already running');
    const deployment = findOne(this.docs, 'Deployment');
    const container = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec
      .containers[0]!;
    const args = [
      ...localArgs(
        container.args,
        { '/etc/jobguard/policy': this.policy.dir, '/etc/jobguard/tls': this.tls.dir },
        { port: this.port, metricsPort: this.metricsPort },
      ),
      // In a pod the server finds the mounted token (in-cluster config); here a kubeconfig holds it.
      `--kubeconfig=${join(this.dir, 'kubeconfig')}`,
    ];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: this.dir };
    for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
    const child = spawn(process.execPath, ['jobguard.mjs', ...args], {
      cwd: this.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: line, level: 50 });
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    await this.waitReady(child);
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last = '';
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`jobguard exited with ${child.exitCode}: ${this.stderr}\n${this.logText()}`);
      try {
        // The HTTPS port without mTLS says only whether it is ready; the details are on the metrics port.
        const res = await fetch(`http://127.0.0.1:${this.metricsPort}/readyz`);
        const status = res.status;
        const body = await res.text();
        last = body;
        const ready = JSON.parse(body) as { namespaceLabels?: string };
        if (status === 200 && ready.namespaceLabels === 'synced') return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `jobguard not ready with namespace labels synced within 30 s: ${last}\n${this.logText()}`,
    );
  }

  /** GET over HTTPS, trusting only the test CA. */
  get(path: string): Promise<{ status: number; body: string; fingerprint: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.url}${path}`, { ca: this.ca.cert, agent: false, timeout: 5000 }, (res) => {
        let body = '';
        const socket = res.socket;
        const fingerprint = socket instanceof TLSSocket ? socket.getPeerCertificate().fingerprint256 : '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, fingerprint });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Applies the rendered webhook configuration (with the loopback URL) and waits until the API server calls it. */
  async registerWebhook(): Promise<void> {
    const result = await this.cluster.apply([loopbackWebhook(this.docs, this.port)]);
    if (result.code !== 0)
      throw new Error(`the API server refused the webhook configuration: ${result.stderr}`);
    // The API server picks configurations up from an informer: a probe request shows when it has.
    const probe = probeJob(`probe-${Date.now().toString(36)}`);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const before = this.decisions().length;
      await this.cluster.kubectl(['create', '--dry-run=server', '-n', 'default', '-f', '-'], {
        input: JSON.stringify(probe),
      });
      if (this.decisions().length > before) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the API server never called the webhook');
  }

  /**
   * `helm upgrade` with new values: the ConfigMap's policy is published to the mounted directory
   * as the kubelet would (the server reloads it), and the webhook configuration is applied again.
   */
  async upgrade(values: Record<string, unknown>): Promise<void> {
    this.docs = await renderChart(this.ca, values);
    const applied = await this.cluster.apply(
      this.docs.filter((doc) => doc.kind !== 'ValidatingWebhookConfiguration'),
    );
    if (applied.code !== 0) throw new Error(`the API server refused the chart's objects: ${applied.stderr}`);
    const files = policyFiles(this.docs);
    if (JSON.stringify(files) !== JSON.stringify(this.policyFiles)) {
      const reloads = this.lines.filter((line) => line.msg === 'policy reloaded').length;
      await this.policy.write(files);
      this.policyFiles = files;
      await waitUntil(
        'the policy reload',
        () => this.lines.filter((line) => line.msg === 'policy reloaded').length > reloads,
      );
    }
    const result = await this.cluster.apply([loopbackWebhook(this.docs, this.port)]);
    if (result.code !== 0)
      throw new Error(`the API server refused the webhook configuration: ${result.stderr}`);
  }

  /** The webhook configuration as the suite applied it (for assertions on the rendered fields). */
  webhookConfiguration(): K8sObject {
    return loopbackWebhook(this.docs, this.port);
  }

  /** SIGTERM and wait for the exit, as the kubelet stops a pod. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, 10_000);
      await this.exit;
      clearTimeout(timer);
    }
    this.child = undefined;
  }

  /** Freezes the process (SIGSTOP): connections are accepted by the kernel and never answered. */
  stall(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops the server and removes its files; the cluster's objects stay with the cluster. */
  async remove(): Promise<void> {
    await this.stop();
    await this.policy.remove();
    await this.tls.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Publishes a new serving certificate from the same CA through the mounted directory (a rotation). */
  async rotateCertificate(): Promise<KeyPair> {
    const next = await issueServingCert(this.ca);
    await this.tls.write({ 'tls.crt': next.cert, 'tls.key': next.key, 'ca.crt': this.ca.cert });
    return next;
  }

  decisions(): Decision[] {
    return this.lines.filter((line): line is Decision => line.msg === 'admission');
  }

  logText(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
}

function policyFiles(docs: K8sObject[]): Record<string, string> {
  const configMap = findOne(docs, 'ConfigMap', `${RELEASE}-policy`);
  return { ...(configMap.data as Record<string, string>) };
}

/** A Job that scores at least the warn threshold, for probing whether the webhook is called. */
function probeJob(name: string): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'probe', image: 'alpine', command: ['sh', '-c', 'nc 192.0.2.1 4444 -e /bin/sh'] },
          ],
        },
      },
    },
  };
}

export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
