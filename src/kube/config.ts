import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export { KubeConfig };

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadKubeConfigOptions {
  env: NodeJS.ProcessEnv;
  /** Where the pod's service account token, CA and namespace are mounted (tests point elsewhere). */
  serviceAccountDir?: string;
  /** Home directory for `~/.kube/config`; default `$HOME`, then the OS's idea of it. */
  homeDir?: string;
}

/**
 * The cluster to talk to, as kubectl and client-go would pick it: in-cluster when
 * `KUBERNETES_SERVICE_HOST` is set and the service account token is mounted; else the files in
 * `$KUBECONFIG`; else `~/.kube/config`; else undefined. Unlike client-node's `loadFromDefault`,
 * never the silent `http://localhost:8080` fallback: no cluster is an answer the caller must see.
 * Throws when a kubeconfig file exists but cannot be read or names no current context.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions): KubeConfig | undefined {
  const { env } = options;
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const tokenFile = path.join(serviceAccountDir, 'token');
  if (host && existsSync(tokenFile))
    return inClusterConfig(host, env.KUBERNETES_SERVICE_PORT, serviceAccountDir);

  const files = env.KUBECONFIG
    ? env.KUBECONFIG.split(path.delimiter).filter((file) => file !== '' && existsSync(file))
    : [path.join(options.homeDir ?? env.HOME ?? homedir(), '.kube', 'config')].filter((file) =>
        existsSync(file),
      );
  if (files.length === 0) return undefined;
  return fileConfig(files);
}

function inClusterConfig(host: string, port: string | undefined, serviceAccountDir: string): KubeConfig {
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port || '443'}`;
  const namespaceFile = path.join(serviceAccountDir, 'namespace');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: 'in-cluster', server, caFile: path.join(serviceAccountDir, 'ca.crt'), skipTLSVerify: false },
    ],
    // The tokenFile provider rereads the token every minute: bound service account tokens rotate.
    users: [
      {
        name: 'in-cluster',
        authProvider: { name: 'tokenFile', config: { tokenFile: path.join(serviceAccountDir, 'token') } },
      },
    ],
    contexts: [
      {
        name: 'in-cluster',
        cluster: 'in-cluster',
        user: 'in-cluster',
        ...(existsSync(namespaceFile) ? { namespace: readFileSync(namespaceFile, 'utf8').trim() } : {}),
      },
    ],
    currentContext: 'in-cluster',
  });
  return kubeConfig;
}

/** kubectl's merge rules for `$KUBECONFIG`: the first file to name an entry or a current context wins. */
function fileConfig(files: readonly string[]): KubeConfig {
  const merged = new KubeConfig();
  for (const file of files) {
    const next = new KubeConfig();
    next.loadFromFile(file);
    if (!merged.currentContext && next.currentContext) merged.currentContext = next.currentContext;
    for (const cluster of next.clusters) {
      if (!merged.getCluster(cluster.name)) merged.addCluster(cluster);
    }
    for (const user of next.users) {
      if (!merged.getUser(user.name)) merged.addUser(user);
    }
    for (const context of next.contexts) {
      if (!merged.getContextObject(context.name)) merged.addContext(context);
    }
  }
  if (!merged.getCurrentCluster()) {
    throw new Error(`kubeconfig ${files.join(path.delimiter)}: no current context with a known cluster`);
  }
  return merged;
}
