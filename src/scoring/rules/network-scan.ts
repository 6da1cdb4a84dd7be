/**
 * network-scan — the container runs a network scanner.
 * Reads: each container's execution model: every program run (after launchers, shells and
 * interpreters) and its arguments.
 * Looks for: port and host scanners — `nmap` with a target (`--version`, `-h` alone do not count),
 * `masscan`, `zmap`, `rustscan`, `naabu`, `unicornscan`, `kube-hunter`, `fscan`. Hand-written scans
 * (loops over ports or hosts, netcat over a port range) are `port-scan-loop`'s.
 * Why: T1046 — network service discovery: from a pod, the cluster network, the node's ports
 * (kubelet 10250, etcd 2379) and the cloud VPC are reachable; a scan is the first step of lateral
 * movement.
 * Benign look-alikes: `nmap --version`. Security teams' scheduled scans do fire (weight 4 warns)
 * and are exempted by namespace.
 */
import { containerExecutions, describeInvocation, EvidenceByPath } from '../behaviour.js';
import type { Rule } from '../types.js';

const SCANNERS = new Set([
  'nmap',
  'masscan',
  'zmap',
  'rustscan',
  'naabu',
  'unicornscan',
  'kube-hunter',
  'fscan',
]);
const INFO_ONLY = new Set(['--version', '-V', '-h', '--help', '--iflist']);

export const networkScan: Rule = {
  id: 'network-scan',
  profile: 'default',
  weight: 4,
  technique: 'T1046',
  description: 'Container runs a network scanner (nmap, masscan, zmap, rustscan, naabu, kube-hunter)',
  reason: 'network scan',
  guide: 'network-scan',
  doc: {
    reads: 'each container’s execution model: programs run and their arguments',
    why: 'network service discovery (T1046): the first step of lateral movement from a pod',
    benign: '`nmap --version` does not fire; security scans warn and are exempted by namespace',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const invocation of execution.invocations) {
        if (!SCANNERS.has(invocation.program)) continue;
        const rest = invocation.words.slice(1);
        if (invocation.program === 'nmap' && (rest.length === 0 || rest.every((w) => INFO_ONLY.has(w))))
          continue;
        if (rest.length > 0 && rest.every((w) => INFO_ONLY.has(w))) continue;
        evidence.add(invocation.path, () => describeInvocation(invocation));
      }
    }
    return evidence.list();
  },
};
