/**
 * cloud-metadata-access — the container talks to a cloud metadata service (context).
 * Reads: each container's execution model: fetches and sockets, with hosts recognised in every
 * spelling (`169.254.169.254`, decimal `2852039166`, hex, octal, shortened, IPv6-mapped,
 * `…nip.io`), AWS IPv6 `fd00:ec2::254`, `metadata.google.internal`, ECS and EKS Pod Identity
 * endpoints, Alibaba and Oracle; literal env values naming one.
 * Looks for: any request to such a host, except a provider's own recipe — a workload-identity
 * token fetched and sent only to the provider's APIs, which is quiet. Whether credentials were
 * taken, and where they went, is `cloud-credential-theft`'s.
 * Why: T1552.005 — the node's cloud identity is one HTTP request away from any pod that a network
 * policy or an IMDSv2 hop limit does not stop; worth a note on every object that does it.
 * Benign look-alikes: region or instance-id lookups and vendor workload-identity recipes: weight 2
 * annotates and never warns on its own.
 */
import { classifyHost, parseUrl } from '../../workload/address.js';
import { credentialOfUrl } from '../../workload/credential.js';
import type { Action } from '../../workload/action.js';
import {
  containerExecutions,
  envFieldsMatching,
  EvidenceByPath,
  type ContainerExecution,
} from '../behaviour.js';
import { credentialFlows, sendVerdict } from '../credentials.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

function metadataHost(action: Action): string | undefined {
  if (action.type === 'fetch') {
    const url = parseUrl(action.url.text);
    return url !== undefined && classifyHost(url.host) === 'metadata' ? action.url.text : undefined;
  }
  if (action.type === 'connect' && classifyHost(action.host.text) === 'metadata') return action.host.text;
  return undefined;
}

const TOKENS = new Set(['cloud-identity-token', 'cloud-credentials'] as const);

/**
 * A provider's own recipe: a token fetched from the metadata service and sent only to the
 * provider's APIs (Google's and Microsoft's workload-identity examples). Quiet, like the API call
 * it is.
 */
function isDocumentedTokenUse(entry: ContainerExecution, action: Action): boolean {
  if (action.type !== 'fetch') return false;
  const url = parseUrl(action.url.text);
  const origin = url === undefined ? undefined : credentialOfUrl(url, action.url.text);
  if (origin === undefined) return false;
  const flows = credentialFlows(entry, TOKENS).filter((carried) => carried.origin.source === origin.source);
  return (
    flows.length > 0 &&
    flows.every((carried) => carried.flow.sink === 'send' && sendVerdict(carried) === 'audience')
  );
}

function isMetadataUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== undefined && classifyHost(url.host) === 'metadata';
}

export const cloudMetadataAccess: Rule = {
  id: 'cloud-metadata-access',
  profile: 'default',
  weight: 2,
  technique: 'T1552.005',
  description:
    'Container calls a cloud instance-metadata service (169.254.169.254 in any spelling, metadata.google.internal, …)',
  reason: 'cloud metadata service access',
  guide: 'cloud-metadata',
  doc: {
    reads: 'each container’s execution model (fetches and sockets) and literal env values',
    why: 'cloud instance metadata API (T1552.005): the node’s cloud credentials are one request away',
    benign:
      'region lookups and vendor workload-identity recipes annotate only; credential theft is another rule',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      const { container, execution } = entry;
      for (const env of envFieldsMatching(container, isMetadataUrl)) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`, 'cloud metadata endpoint in env');
      }
      for (const action of execution.actions) {
        const host = metadataHost(action);
        if (host !== undefined && !isDocumentedTokenUse(entry, action))
          evidence.add(action.path, () => quote(host, 80));
      }
    }
    return evidence.list();
  },
};
