/**
 * node-credentials — the container reads the node's Kubernetes credentials.
 * Reads: each container's execution model: files read (by any program or interpreter), with
 * paths followed through the container's hostPath mounts; `--kubeconfig` given to a program;
 * literal env values (`KUBECONFIG=/host/etc/kubernetes/admin.conf`).
 * Looks for: kubelet PKI and kubeconfigs (`/var/lib/kubelet/pki`, `/var/lib/kubelet/kubeconfig`),
 * control-plane kubeconfigs and PKI (`/etc/kubernetes/*.conf`, `/etc/kubernetes/pki`), k3s/RKE2
 * server credentials, a node user's `~/.kube/config` — read on the node through a hostPath mount
 * (`/k8s/admin.conf` with `/k8s` mounting `/etc/kubernetes`) or under a prefix that shows the node
 * (`/host/etc/kubernetes/admin.conf`, `/proc/1/root/…`); an archive or copy of a whole directory
 * that holds them, through a mount.
 * Why: T1552.001 — credentials in files: a kubeconfig from the node is cluster-admin or node-level
 * access that outlives the pod.
 * Benign look-alikes: a CI job's own `~/.kube/config` inside the container (not the node's) does
 * not fire. etcd backups reading `/etc/kubernetes/pki/etcd/*` do fire: privileged infrastructure is
 * expected to score. Node credentials sent anywhere are `host-credential-exfil`'s.
 */
import { canonicalPath, credentialOfPath } from '../../workload/credential.js';
import {
  actionsOf,
  containerExecutions,
  envFieldsMatching,
  EvidenceByPath,
  nodePathOf,
} from '../behaviour.js';
import { credentialReads } from '../credentials.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

/** A container's own kubeconfig (`/root/.kube/config`): the same path as a node user's, but not the node's. */
const OWN_KUBECONFIG = /^\/(?:root|home\/[^/]+)\/\.kube\/config$/;
/** Node directories that hold credentials: reading one whole takes them along. */
const CREDENTIAL_DIRECTORIES =
  /^(?:\/|\/etc|\/etc\/kubernetes|\/var|\/var\/lib|\/var\/lib\/kubelet|\/etc\/rancher|\/var\/lib\/rancher)$/;

function isNodeCredentialPath(path: string): boolean {
  if (OWN_KUBECONFIG.test(canonicalPath(path))) return false;
  return credentialOfPath(path)?.credential === 'node-credentials';
}

export const nodeCredentials: Rule = {
  id: 'node-credentials',
  profile: 'default',
  weight: 5,
  technique: 'T1552.001',
  description:
    'Container reads the node’s credentials (kubelet PKI, /etc/kubernetes/*.conf, a node user’s kubeconfig)',
  reason: 'node credentials read',
  guide: 'credential-theft',
  doc: {
    reads:
      'each container’s execution model (files read, through hostPath mounts), --kubeconfig values, literal env values',
    why: 'credentials in files (T1552.001): node kubeconfigs and PKI grant access beyond the pod',
    benign:
      'a container’s own ~/.kube/config does not fire; etcd backups do (infrastructure is expected to score)',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      for (const env of envFieldsMatching(
        entry.container,
        (value) => value.startsWith('/') && isNodeCredentialPath(value),
      )) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`);
      }
      for (const read of credentialReads(entry)) {
        if (read.credential?.credential !== 'node-credentials') continue;
        if (read.nodePath === undefined && OWN_KUBECONFIG.test(canonicalPath(read.file))) continue;
        evidence.add(
          read.path,
          () => quote(`reads ${read.file}`),
          read.nodePath === undefined ? undefined : 'node credentials through a hostPath mount',
        );
      }
      for (const read of actionsOf(entry.execution, 'read')) {
        const nodePath = read.file.text.startsWith('/') ? nodePathOf(entry, read.file.text) : undefined;
        if (nodePath !== undefined && CREDENTIAL_DIRECTORIES.test(canonicalPath(nodePath)))
          evidence.add(
            read.path,
            () => quote(`reads ${read.file.text} (the node's ${nodePath})`),
            'node credential directory through a hostPath mount',
          );
      }
      for (const invocation of entry.execution.invocations) {
        const words = invocation.words;
        for (let k = 1; k < words.length; k++) {
          const word = words[k] ?? '';
          const value =
            word === '--kubeconfig'
              ? words[k + 1]
              : word.startsWith('--kubeconfig=')
                ? word.slice(13)
                : undefined;
          if (value === undefined) continue;
          const nodePath = value.startsWith('/') ? nodePathOf(entry, value) : undefined;
          if (
            (nodePath !== undefined && credentialOfPath(nodePath) !== undefined) ||
            isNodeCredentialPath(value)
          )
            evidence.add(invocation.path, () => quote(`--kubeconfig ${value}`));
        }
      }
    }
    return evidence.list();
  },
};
