/**
 * host-credential-exfil — node credentials or host secrets leave the pod.
 * Reads: each container's execution model: flows whose content is node credentials (kubelet PKI,
 * node kubeconfigs) or host secrets (password hashes, SSH keys, a Docker config, cloud user-data)
 * and end in a send to any host or in the container's log.
 * Why: T1552.001 with T1041 — credentials in files, exfiltrated over the network or left where
 * anyone with log access reads them; none of these has an audience outside the node.
 * Benign look-alikes: etcd backups and CIS scanners read node credentials without sending them
 * anywhere (`node-credentials` scores the read). Values from Kubernetes Secrets sent to their
 * services are everyday work and not this rule's.
 */
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { credentialFlows } from '../credentials.js';
import type { Rule } from '../types.js';

const KINDS = new Set(['node-credentials', 'host-secrets'] as const);

export const hostCredentialExfil: Rule = {
  id: 'host-credential-exfil',
  profile: 'default',
  weight: 8,
  technique: 'T1552.001',
  description:
    'Node credentials or host secrets (kubelet PKI, node kubeconfig, shadow, SSH keys) are sent out or logged',
  reason: 'node credentials sent out',
  guide: 'credential-theft',
  doc: {
    reads:
      'each container’s execution model: flows from node credentials and host secrets to a send or the log',
    why: 'credentials in files (T1552.001) exfiltrated (T1041): they have no audience outside the node',
    benign: 'reading them for a backup or a scan sends nothing and does not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      for (const { flow } of credentialFlows(entry, KINDS)) {
        if (flow.sink === 'send' || flow.sink === 'log') evidence.add(flow.path, () => describeFlow(flow));
      }
    }
    return evidence.list();
  },
};
