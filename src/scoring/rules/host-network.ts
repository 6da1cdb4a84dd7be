/**
 * host-network — the pod shares the node's network namespace (`spec.hostNetwork: true`).
 * Reads: `spec.hostNetwork` of every pod template; only the literal `true` counts (the seed query
 * fired on the bare word, so `hostNetwork: false` scored too).
 * Why: the pod sees every node interface and listens on node ports; it bypasses NetworkPolicy, reaches
 * node-local services (kubelet, etcd on 127.0.0.1, the metadata endpoint) and, with the default
 * NET_RAW capability, sniffs other pods' traffic. ATT&CK: T1611 (Escape to Host) — leaving the pod's
 * network namespace is a partial escape; T1599 (Network Boundary Bridging) describes compromising
 * routers and firewalls, not a workload joining the host namespace, so it is not used.
 * Benign look-alikes: CNI and node agents, etcd backup jobs that reach 127.0.0.1:2379; weight 2 keeps
 * them below warn unless other host access adds up.
 */
import type { Evidence, Rule } from '../types.js';

export const hostNetwork: Rule = {
  id: 'host-network',
  profile: 'default',
  weight: 2,
  technique: 'T1611',
  description: 'Pod uses the node network namespace (spec.hostNetwork: true)',
  reason: 'host network namespace',
  guide: 'host-access',
  hint: 'remove hostNetwork',
  doc: {
    reads: 'spec.hostNetwork of every pod template',
    why: 'node interfaces and ports, NetworkPolicy bypass, node-local services, traffic sniffing',
    benign: 'CNI plugins, node agents and etcd backups use it; alone it stays below warn',
  },
  check(workload): Evidence[] {
    return workload.templates
      .filter((t) => t.spec.hostNetwork === true)
      .map((t) => ({ path: `${t.specPath}.hostNetwork`, detail: 'hostNetwork: true' }));
  },
};
