/**
 * The cluster suite's Kubernetes: etcd, kube-apiserver and kube-controller-manager from one Go
 * binary (test/cluster/*.go, built by kube-cluster.sh), started on 127.0.0.1 under a temp dir, and
 * kubectl from the same binary. Every process is a child of `kube-cluster up`, which stops them on
 * SIGTERM and takes them down with it if it dies; `stop()` is always called from afterAll.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** What `kube-cluster up` writes to DIR/cluster.json once every component is ready. */
export interface ClusterInfo {
  server: string;
  kubeconfig: string;
  caFile: string;
  auditLog: string;
  logDir: string;
  pid: number;
  startupSeconds: number;
  kubernetesVersion: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command in milliseconds. */
  ms: number;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (for `-f -`). */
  input?: string;
  /** Another kubeconfig than the admin's. */
  kubeconfig?: string;
  timeoutMs?: number;
}

/**
 * Path of the kube-cluster binary: $JOBGUARD_KUBE_CLUSTER when the runner built it already
 * (test/cluster/run.sh), else built (or found in the cache) by kube-cluster.sh now.
 */
function clusterBinary(): string {
  const given = process.env.JOBGUARD_KUBE_CLUSTER;
  if (given && existsSync(given)) return given;
  const out = execFileSync('bash', [join(HERE, 'kube-cluster.sh'), 'build'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const binary = out.trim().split('\n').pop() ?? '';
  if (!existsSync(binary)) throw new Error(`kube-cluster.sh build printed no binary: ${out}`);
  process.env.JOBGUARD_KUBE_CLUSTER = binary;
  return binary;
}

export class KubeCluster {
  private exited = false;

  private constructor(
    readonly binary: string,
    readonly dir: string,
    readonly info: ClusterInfo,
    private readonly process: ChildProcess,
    private readonly output: () => string,
  ) {
    process.once('exit', () => {
      this.exited = true;
    });
  }

  /** Starts a cluster in a fresh temp dir; resolves once etcd, the API server and the controllers are ready. */
  static async start(timeoutMs = 240_000): Promise<KubeCluster> {
    const binary = clusterBinary();
    const dir = mkdtempSync(join(tmpdir(), 'jobguard-cluster-'));
    const child = spawn(binary, ['up', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
      const check = (): void => {
        if (output.includes('ready in ')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout.on('data', check);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill('SIGTERM');
      const logs = logTails(dir);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the test cluster did not start:\n${output}\n${logs}`);
    }
    const info = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterInfo;
    return new KubeCluster(binary, dir, info, child, () => output);
  }

  /** Runs kubectl against this cluster (the admin's kubeconfig unless told otherwise); never throws on a non-zero exit. */
  kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(
        this.binary,
        [
          'kubectl',
          `--kubeconfig=${options.kubeconfig ?? this.info.kubeconfig}`,
          `--cache-dir=${join(this.dir, 'kubectl-cache')}`,
          ...args,
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 60_000);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout,
          stderr: signal ? `${stderr}\nkubectl killed by ${signal}` : stderr,
          ms: Date.now() - started,
        });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** kubectl that must succeed; its stdout. */
  async kubectlOk(args: readonly string[], options: KubectlOptions = {}): Promise<string> {
    const result = await this.kubectl(args, options);
    if (result.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
    return result.stdout;
  }

  /** `kubectl apply -f -` of objects (as JSON; a List when several). */
  apply(objects: readonly object[], extra: readonly string[] = []): Promise<KubectlResult> {
    const input = JSON.stringify(
      objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects },
    );
    return this.kubectl(['apply', '-f', '-', ...extra], { input });
  }

  /** Every audit event the API server has written so far. */
  auditEvents(): AuditEvent[] {
    if (!existsSync(this.info.auditLog)) return [];
    return readFileSync(this.info.auditLog, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AuditEvent);
  }

  /** Stops every component (SIGTERM to `kube-cluster up`, SIGKILL after 30 s) and removes the temp dir. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) =>
        this.process.once('exit', () => {
          resolve();
        }),
      );
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.process.kill('SIGKILL');
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (process.env.JOBGUARD_CLUSTER_KEEP) {
      console.log(`kept the cluster's files in ${this.dir}`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The supervisor's output and the tail of each component's log, for failure messages. */
  diagnostics(): string {
    return `${this.output()}\n${logTails(this.dir)}`;
  }
}

/** An audit.k8s.io/v1 Event, the fields the suite reads. */
export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  user: { username: string; groups?: string[] };
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number; message?: string };
  annotations?: Record<string, string>;
  requestObject?: Record<string, unknown>;
  responseObject?: Record<string, unknown>;
}

function logTails(dir: string): string {
  const logs = join(dir, 'logs');
  if (!existsSync(logs)) return '';
  return ['etcd', 'kube-apiserver', 'kube-controller-manager']
    .map((name) => {
      const file = join(logs, `${name}.log`);
      if (!existsSync(file)) return '';
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      return `--- ${name} (last 30 lines)\n${lines.slice(-30).join('\n')}`;
    })
    .join('\n');
}
