/**
 * secret-exfil — values of Kubernetes Secrets are sent to a bare public address.
 * Reads: each container's execution model: flows whose content comes from a Secret (env
 * `secretKeyRef`, a Secret volume's files) and end in a send.
 * Looks for: such a send to a public IP address written as an address (any spelling: decimal,
 * hex, octal, IPv6-mapped, a wildcard-DNS name embedding one).
 * Why: T1552.001/T1041 — the pod's database passwords and API keys collected and posted to a
 * collection server; droppers and exfiltration endpoints are bare addresses, not the named services
 * a Secret is for.
 * Benign look-alikes: a Secret used for what it is for — a database password sent to the database
 * (`db:5432`, an in-cluster name or private address), an API key to an API domain — does not fire.
 * Secrets sent to a public domain are not judged: the rule cannot tell a vendor's API from a
 * collector with a name.
 */
import { classifyHost, hostAddress, parseUrl } from '../../workload/address.js';
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { credentialFlows } from '../credentials.js';
import type { Rule } from '../types.js';

const KINDS = new Set(['secret'] as const);

function isBareAddress(destination: string | undefined): boolean {
  if (destination === undefined) return false;
  const url = parseUrl(destination);
  if (url === undefined) return false;
  const hostClass = classifyHost(url.host);
  if (hostClass === 'public-address') return true;
  const embedded = hostAddress(url.host);
  return hostClass === 'domain' && embedded !== undefined;
}

export const secretExfil: Rule = {
  id: 'secret-exfil',
  profile: 'default',
  weight: 8,
  technique: 'T1552.001',
  description: 'Values of Kubernetes Secrets are sent to a bare public IP address',
  reason: 'secret values sent to an address',
  guide: 'credential-theft',
  doc: {
    reads: 'each container’s execution model: flows from Secret values to a send',
    why: 'credentials collected from the pod and posted to a collection server (T1552.001, T1041)',
    benign: 'a password sent to its database or an API key to an API domain does not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      for (const { flow } of credentialFlows(entry, KINDS)) {
        if (flow.sink === 'send' && isBareAddress(flow.destination))
          evidence.add(flow.path, () => describeFlow(flow));
      }
    }
    return evidence.list();
  },
};
