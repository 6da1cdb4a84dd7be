/**
 * node-credentials — a command touches the node's Kubernetes or cloud credentials.
 * Reads: every command of every container (arguments and redirections, in argv, `sh -c`
 * scripts, substitutions, decoded payloads, hooks and exec probes); literal env values
 * (`KUBECONFIG=/etc/kubernetes/admin.conf`).
 * Looks for: kubelet PKI and kubeconfigs (`/var/lib/kubelet/pki`, `/var/lib/kubelet/kubeconfig`),
 * control-plane kubeconfigs and PKI (`/etc/kubernetes/admin.conf`, `/etc/kubernetes/*.conf`,
 * `/etc/kubernetes/pki`), the cloud provider's credentials file (`/etc/kubernetes/azure.json`),
 * k3s/RKE2 server credentials (`/var/lib/rancher/*\/server/cred|token|tls`,
 * `/etc/rancher/k3s/k3s.yaml`); and a user's `.kube` or `.aws/credentials` on the node — under
 * `/root` or `/home/<user>` reached through a prefix (`/host/root/.kube/config`,
 * `/rootfs/home/ubuntu/.aws/credentials`).
 * Why: T1552.001 — credentials in files: a kubeconfig from the node is cluster-admin or
 * node-level access that outlives the pod.
 * Benign look-alikes: CI jobs that write their own `~/.kube/config` or `/root/.aws/credentials`
 * inside the container (no host prefix: does not fire). etcd backups reading
 * `/etc/kubernetes/pki/etcd/*` do fire: privileged infrastructure is expected to score.
 * hostPath mounts of these paths are graded by `sensitive-host-path`, not here; but a command path
 * is followed through the container's hostPath mounts (`/k8s/admin.conf` with `/k8s` mounting
 * `/etc/kubernetes`; `tar -C /kubelet pki` with `/kubelet` mounting `/var/lib/kubelet`), and an
 * archiver or copier (`tar`, `cp`, `rsync`, `zip`, `scp`) taking a whole node directory that holds
 * credentials (`/etc/kubernetes`, `/var/lib/kubelet`, the node's `/`) fires too.
 */
import {
  commandSources,
  describe,
  envFieldsMatching,
  EvidenceByPath,
  findMentionedWord,
  mentionedHostPaths,
} from '../commands.js';
import { matchHostPath } from '../host-paths.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const NODE_PATHS =
  /\/var\/lib\/kubelet\/(?:pki\b|kubeconfig\b|bootstrap-kubeconfig\b)|\/etc\/kubernetes\/(?:pki\b|azure\.json\b|[\w.-]{1,64}\.conf\b)|\/var\/lib\/rancher\/[\w.-]{1,64}\/server\/(?:cred|token|tls)\b|\/etc\/rancher\/(?:k3s|rke2)\/[\w.-]{1,64}\.yaml\b/;
/** A home directory's credentials behind a prefix: `/host/root/.kube/config`, `/node/home/u/.aws/credentials`. */
const HOST_HOME_CREDENTIALS = /\/[\w.-]{1,64}\/(?:root|home\/[\w.-]{1,64})\/\.(?:kube\b|aws\/credentials\b)/;

/** Node directories that hold credentials: copying one whole (or a directory above it) takes them along. */
const CREDENTIAL_DIRECTORIES: readonly string[] = [
  '/etc/kubernetes',
  '/var/lib/kubelet',
  '/etc/rancher',
  '/var/lib/rancher',
];
const COPIERS = new Set(['tar', 'cp', 'rsync', 'zip', '7z', 'scp', 'cpio', 'rclone']);

/** Which node credential a word names, if any. */
export function nodeCredential(word: string): boolean {
  return NODE_PATHS.test(word) || HOST_HOME_CREDENTIALS.test(word);
}

export const nodeCredentials: Rule = {
  id: 'node-credentials',
  profile: 'default',
  weight: 5,
  technique: 'T1552.001',
  description:
    'A command touches node credentials (kubelet PKI, /etc/kubernetes/*.conf, a host user’s kubeconfig)',
  reason: 'node credentials in a command',
  guide: 'credential-theft',
  doc: {
    reads: 'container commands (arguments and redirections) and literal env values',
    why: 'credentials in files (T1552.001): node kubeconfigs and PKI grant access beyond the pod',
    benign: 'a container’s own ~/.kube/config or ~/.aws/credentials does not fire; etcd backups do',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const container of workload.containers) {
      for (const env of envFieldsMatching(container, nodeCredential)) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`);
      }
    }
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        const credential = findMentionedWord(site, nodeCredential);
        if (credential !== undefined) evidence.add(credential.path, () => describe(site.command));
        const copier = COPIERS.has(site.command.program);
        for (const { hostPath, path } of mentionedHostPaths(site)) {
          const whole = copier && matchHostPath(hostPath, CREDENTIAL_DIRECTORIES)?.relation === 'holds';
          if (whole || nodeCredential(hostPath) || (copier && CREDENTIAL_DIRECTORIES.includes(hostPath))) {
            evidence.add(path, () => describe(site.command), 'node credentials through a hostPath mount');
            break;
          }
        }
      }
    }
    return evidence.list();
  },
};
