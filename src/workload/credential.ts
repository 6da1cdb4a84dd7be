/**
 * Where credentials live and where they legitimately go, so the model can tell a source when a
 * file is read, a URL fetched or a command run, and the rules can tell a vendor-documented use
 * (a workload-identity token sent to its own provider's API, the service-account token sent to
 * the API server or a Vault login) from theft (the same token sent anywhere else).
 *
 * Sources: Kubernetes docs (service-account token volume, projected tokens); AWS docs (IMDS,
 * IRSA, EKS Pod Identity, ECS task roles); Google Cloud docs (metadata server, workload identity);
 * Azure docs (IMDS managed identity, workload identity); HashiCorp Vault docs (Kubernetes auth).
 */
import type { CredentialKind, Origin, Provider } from './action.js';
import { classifyHost, isApiServerHost, isMetadataHost, isWithin, type ParsedUrl } from './address.js';

export type CredentialOrigin = Extract<Origin, { kind: 'credential' }>;

/** What canonicalPath would change: a repeated slash, a `.` or `..` segment, a trailing slash, /var/run/. */
const NOT_CANONICAL = /\/\/|(?:^|\/)\.\.?(?:\/|$)|.\/$|^\/var\/run\//;

/** A path with `..`, `.` and repeated slashes resolved, and `/var/run` read as `/run` (one is a link to the other). */
export function canonicalPath(written: string): string {
  // `~/.aws/credentials` (a shell word or `os.path.expanduser`): root's home, where a container runs by default.
  const path = written === '~' || written.startsWith('~/') ? `/root${written.slice(1)}` : written;
  // Most paths are canonical already (the model asks for many on every review): no split and join for them.
  if (!NOT_CANONICAL.test(path)) return path;
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  let joined = (absolute ? '/' : '') + out.join('/');
  if (joined.startsWith('/var/run/')) joined = joined.slice(4);
  return joined;
}

interface PathSource {
  pattern: RegExp;
  credential: CredentialKind;
  provider?: Provider;
}

/**
 * Credential files by path, matched on the end of the canonical path so that a node's files seen
 * through a hostPath mount (`/host/etc/kubernetes/admin.conf`) count too.
 */
const PATH_SOURCES: readonly PathSource[] = [
  {
    pattern:
      /(?:^|\/)run\/secrets\/kubernetes\.io\/serviceaccount(?:\/(?:token|\.\.data\/token|\.\.[0-9_.]+\/token))?$/,
    credential: 'service-account-token',
    provider: 'kubernetes',
  },
  {
    pattern: /(?:^|\/)run\/secrets\/eks\.amazonaws\.com\/serviceaccount(?:\/token)?$/,
    credential: 'cloud-identity-token',
    provider: 'aws',
  },
  {
    pattern: /(?:^|\/)run\/secrets\/pods\.eks\.amazonaws\.com\/serviceaccount(?:\/eks-pod-identity-token)?$/,
    credential: 'cloud-identity-token',
    provider: 'aws',
  },
  {
    pattern: /(?:^|\/)run\/secrets\/azure\/tokens(?:\/azure-identity-token)?$/,
    credential: 'cloud-identity-token',
    provider: 'azure',
  },
  { pattern: /(?:^|\/)var\/lib\/kubelet\/(?:pki(?:\/[^/]*)?|kubeconfig)$/, credential: 'node-credentials' },
  {
    pattern: /(?:^|\/)etc\/kubernetes\/(?:[^/]*\.conf|pki(?:\/[^/]*)?|pki\/etcd\/[^/]*)$/,
    credential: 'node-credentials',
  },
  { pattern: /(?:^|\/)etc\/rancher\/(?:k3s\/k3s\.yaml|rke2\/rke2\.yaml)$/, credential: 'node-credentials' },
  { pattern: /(?:^|\/)(?:root|home\/[^/]+)\/\.kube\/config$/, credential: 'node-credentials' },
  {
    pattern: /(?:^|\/)var\/lib\/rancher\/[^/]+\/server\/(?:cred|tls)\/[^/]*$/,
    credential: 'node-credentials',
  },
  { pattern: /(?:^|\/)etc\/g?shadow-?$/, credential: 'host-secrets' },
  { pattern: /(?:^|\/)(?:root|home\/[^/]+)\/\.ssh(?:\/[^/]*)?$/, credential: 'host-secrets' },
  { pattern: /(?:^|\/)etc\/ssh\/ssh_host_[a-z0-9]+_key$/, credential: 'host-secrets' },
  {
    pattern: /(?:^|\/)(?:root|home\/[^/]+)\/\.aws\/credentials$/,
    credential: 'cloud-credentials',
    provider: 'aws',
  },
  {
    pattern:
      /(?:^|\/)(?:root|home\/[^/]+)\/\.config\/gcloud\/(?:credentials\.db|application_default_credentials\.json)$/,
    credential: 'cloud-credentials',
    provider: 'gcp',
  },
  {
    pattern: /(?:^|\/)(?:root|home\/[^/]+)\/\.azure\/[^/]*tokens?[^/]*$/,
    credential: 'cloud-credentials',
    provider: 'azure',
  },
  { pattern: /(?:^|\/)(?:root|home\/[^/]+)\/\.docker\/config\.json$/, credential: 'host-secrets' },
  // A process's whole environment: where Kubernetes puts Secrets given as env (`secretKeyRef`, `envFrom`).
  { pattern: /^\/proc\/(?:self|\d+|\*|\$\$|\$\{?\w+\}?)\/environ$/, credential: 'secret' },
];

/** The `source` of a credential origin that is the process's whole environment (`env`, `/proc/self/environ`). */
export const ENVIRONMENT = 'the environment';

/** Env variables whose value is the path of a token file (the providers' webhooks set them). */
const TOKEN_FILE_VARIABLES: Readonly<Record<string, { credential: CredentialKind; provider: Provider }>> = {
  AWS_WEB_IDENTITY_TOKEN_FILE: { credential: 'cloud-identity-token', provider: 'aws' },
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: { credential: 'cloud-identity-token', provider: 'aws' },
  AZURE_FEDERATED_TOKEN_FILE: { credential: 'cloud-identity-token', provider: 'azure' },
};

/** A file the pod itself mounts credentials at: projected token volumes and Secret volumes. */
export interface MountedCredential {
  /** Canonical mount path (a directory) or file path. */
  path: string;
  credential: CredentialKind;
  provider?: Provider;
}

/** The credential a file path holds, if any. `mounts` are the pod's own credential mounts. */
export function credentialOfPath(
  path: string,
  mounts: readonly MountedCredential[] = [],
): CredentialOrigin | undefined {
  for (const [name, source] of Object.entries(TOKEN_FILE_VARIABLES)) {
    if (path.includes(`$${name}`) || path.includes(`\${${name}}`)) {
      return { kind: 'credential', credential: source.credential, provider: source.provider, source: path };
    }
  }
  if (path.length > 4096) return undefined;
  const canonical = canonicalPath(path);
  for (const mount of mounts) {
    if (canonical === mount.path || canonical.startsWith(`${mount.path}/`)) {
      const origin: CredentialOrigin = { kind: 'credential', credential: mount.credential, source: path };
      return mount.provider === undefined ? origin : { ...origin, provider: mount.provider };
    }
  }
  for (const source of PATH_SOURCES) {
    if (source.pattern.test(canonical)) {
      const origin: CredentialOrigin = { kind: 'credential', credential: source.credential, source: path };
      return source.provider === undefined ? origin : { ...origin, provider: source.provider };
    }
  }
  return undefined;
}

/** The credential a URL returns, if it is a metadata or credential endpoint that hands one out. */
export function credentialOfUrl(url: ParsedUrl, text: string): CredentialOrigin | undefined {
  if (!isMetadataHost(url.host)) return undefined;
  const path = url.path.toLowerCase();
  const origin = (credential: CredentialKind, provider: Provider): CredentialOrigin => ({
    kind: 'credential',
    credential,
    provider,
    source: text,
  });
  if (/\/security-credentials|\/identity-credentials/.test(path)) {
    return origin('cloud-credentials', /ram\//.test(path) ? 'alibaba' : 'aws');
  }
  if (/^\/v2\/credentials|^\/v1\/credentials|\$\{?aws_container_credentials/.test(path)) {
    return origin('cloud-credentials', 'aws');
  }
  if (url.host.includes('170.23') || url.host === 'fd00:ec2::23') return origin('cloud-credentials', 'aws');
  if (/computemetadata\/v1\/instance\/service-accounts\/[^/]+\/(?:token|identity)/.test(path)) {
    return origin('cloud-identity-token', 'gcp');
  }
  if (/\/metadata\/identity\/oauth2\/token/.test(path)) return origin('cloud-identity-token', 'azure');
  if (/\/opc\/v[12]\/identity/.test(path)) return origin('cloud-credentials', 'oracle');
  if (/\/openstack\/.*(?:password|vendor_data)/.test(path)) return origin('cloud-credentials', 'openstack');
  if (/\/user-data|\/userdata|\/metadata\/v1\/user-data/.test(path)) return origin('host-secrets', 'aws');
  return undefined;
}

/** Cloud CLI commands that print a credential, by provider. */
const PRINTING_COMMANDS: readonly {
  program: string;
  words: readonly string[];
  credential: CredentialKind;
  provider: Provider;
}[] = [
  {
    program: 'aws',
    words: ['configure', 'export-credentials'],
    credential: 'cloud-credentials',
    provider: 'aws',
  },
  { program: 'aws', words: ['sts', 'get-session-token'], credential: 'cloud-credentials', provider: 'aws' },
  { program: 'aws', words: ['sts', 'assume-role'], credential: 'cloud-credentials', provider: 'aws' },
  {
    program: 'aws',
    words: ['sts', 'assume-role-with-web-identity'],
    credential: 'cloud-credentials',
    provider: 'aws',
  },
  { program: 'aws', words: ['ecr', 'get-login-password'], credential: 'cloud-credentials', provider: 'aws' },
  { program: 'aws', words: ['secretsmanager', 'get-secret-value'], credential: 'secret', provider: 'aws' },
  { program: 'aws', words: ['ssm', 'get-parameter'], credential: 'secret', provider: 'aws' },
  { program: 'aws', words: ['ssm', 'get-parameters'], credential: 'secret', provider: 'aws' },
  {
    program: 'gcloud',
    words: ['auth', 'print-access-token'],
    credential: 'cloud-identity-token',
    provider: 'gcp',
  },
  {
    program: 'gcloud',
    words: ['auth', 'print-identity-token'],
    credential: 'cloud-identity-token',
    provider: 'gcp',
  },
  { program: 'gcloud', words: ['secrets', 'versions', 'access'], credential: 'secret', provider: 'gcp' },
  {
    program: 'az',
    words: ['account', 'get-access-token'],
    credential: 'cloud-identity-token',
    provider: 'azure',
  },
  { program: 'az', words: ['keyvault', 'secret', 'show'], credential: 'secret', provider: 'azure' },
  {
    program: 'kubectl',
    words: ['create', 'token'],
    credential: 'service-account-token',
    provider: 'kubernetes',
  },
];

/** The credential a command prints on stdout, if it is one of the cloud CLIs' token commands. */
export function credentialOfCommand(program: string, words: readonly string[]): CredentialOrigin | undefined {
  const operands = words.filter((word) => !word.startsWith('-'));
  // `env`, `printenv`, `export -p` with nothing to run or name: the whole environment, Secrets included.
  if (
    ((program === 'env' || program === 'printenv') && operands.length === 0) ||
    (program === 'export' && words.length === 1 && words[0] === '-p')
  )
    return { kind: 'credential', credential: 'secret', source: ENVIRONMENT };
  for (const entry of PRINTING_COMMANDS) {
    if (entry.program !== program) continue;
    if (entry.words.every((word, k) => operands[k] === word)) {
      return {
        kind: 'credential',
        credential: entry.credential,
        provider: entry.provider,
        source: `${program} ${entry.words.join(' ')}`,
      };
    }
  }
  return undefined;
}

/** Public hosts of each provider's APIs: where its own tokens are sent in its documentation. */
const PROVIDER_DOMAINS: Readonly<Partial<Record<Provider, readonly string[]>>> = {
  aws: ['amazonaws.com', 'amazonaws.com.cn', 'aws.amazon.com'],
  gcp: ['googleapis.com', 'google.com', 'pkg.dev', 'gcr.io', 'cloudfunctions.net', 'run.app'],
  azure: [
    'azure.net',
    'azure.com',
    'microsoft.com',
    'microsoftonline.com',
    'windows.net',
    'azurecr.io',
    'azure-api.net',
    'azurewebsites.net',
  ],
  alibaba: ['aliyuncs.com', 'aliyun.com'],
  oracle: ['oraclecloud.com'],
};

/** A Vault Kubernetes (or JWT) login endpoint: `…/v1/auth/<mount>/login`. */
const VAULT_LOGIN = /\/v1\/auth\/[^?#]+\/login\b/;

/**
 * Whether a credential sent to this URL goes where the credential's own provider documents it
 * goes: a workload-identity token to its provider's APIs, the service-account token to the API
 * server or to a Vault Kubernetes login, registry passwords to the provider's registry.
 */
export function isAudience(origin: CredentialOrigin, url: ParsedUrl): boolean {
  const host = url.host;
  const hostClass = classifyHost(host);
  switch (origin.credential) {
    case 'service-account-token':
      return isApiServerHost(host) || VAULT_LOGIN.test(url.path);
    case 'cloud-identity-token':
    case 'cloud-credentials': {
      if (VAULT_LOGIN.test(url.path)) return true;
      if (hostClass === 'metadata') return true;
      const domains = origin.provider === undefined ? undefined : PROVIDER_DOMAINS[origin.provider];
      return domains?.some((domain) => isWithin(host, domain)) ?? false;
    }
    default:
      return false;
  }
}
