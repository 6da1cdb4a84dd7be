/**
 * cloud-credential-theft — cloud credentials go somewhere their provider does not send them.
 * Reads: each container's execution model: fetches from the metadata services (under any spelling
 * of their addresses), cloud CLIs that print tokens, workload-identity token files, and the flows
 * from those credentials to a send or to the log.
 * Looks for: a workload-identity token or cloud credentials sent to a host outside the provider's
 * own API domains (or a Vault login); instance or role credentials (`/iam/security-credentials`,
 * ECS/EKS Pod Identity credentials, Oracle and OpenStack identity) printed to the log; and a
 * request for instance or role credentials whose content goes nowhere the provider documents.
 * Why: T1552.005 — cloud instance metadata API: the node's (or task's) cloud role in a few lines,
 * usable from outside the cluster until it expires.
 * Benign look-alikes: Google's and Microsoft's own recipes — a workload-identity token fetched from
 * the metadata server and sent to `*.googleapis.com` or `management.azure.com` — send it to its
 * audience and do not fire; region or instance-id lookups fetch no credential (only
 * `cloud-metadata-access` reports them).
 */
import { credentialOfUrl } from '../../workload/credential.js';
import { parseUrl } from '../../workload/address.js';
import { actionsOf, containerExecutions, describeFlow, describeValue, EvidenceByPath } from '../behaviour.js';
import { credentialFlows, sendVerdict } from '../credentials.js';
import type { Rule } from '../types.js';

const KINDS = new Set(['cloud-identity-token', 'cloud-credentials'] as const);

export const cloudCredentialTheft: Rule = {
  id: 'cloud-credential-theft',
  profile: 'default',
  weight: 8,
  technique: 'T1552.005',
  description:
    'Cloud credentials (metadata service, workload identity) are sent outside their provider, logged, or taken for no documented use',
  reason: 'cloud credentials taken',
  guide: 'cloud-metadata',
  doc: {
    reads:
      'each container’s execution model: metadata-service fetches, token files and CLIs, flows to sends and the log',
    why: 'cloud instance metadata API (T1552.005): the node’s cloud role, usable from anywhere',
    benign:
      'workload-identity tokens sent to the provider’s own APIs (vendor recipes) and region or instance-id lookups do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      const flows = credentialFlows(entry, KINDS);
      for (const carried of flows) {
        const { flow, origin } = carried;
        if (flow.sink === 'send' && sendVerdict(carried) === 'elsewhere') {
          evidence.add(flow.path, () => describeFlow(flow), 'cloud credentials sent outside their provider');
        } else if (flow.sink === 'log' && origin.credential === 'cloud-credentials') {
          evidence.add(flow.path, () => describeFlow(flow), 'cloud credentials printed to the log');
        }
      }
      for (const fetch of actionsOf(entry.execution, 'fetch')) {
        const url = parseUrl(fetch.url.text);
        const origin = url === undefined ? undefined : credentialOfUrl(url, fetch.url.text);
        if (origin?.credential !== 'cloud-credentials') continue;
        const documented = flows.some(
          (carried) =>
            carried.origin.source === origin.source &&
            carried.flow.sink === 'send' &&
            sendVerdict(carried) === 'audience',
        );
        if (!documented)
          evidence.add(
            fetch.path,
            () => `requests ${describeValue(fetch.url, 80)}`,
            'instance role credentials requested',
          );
      }
    }
    return evidence.list();
  },
};
