/**
 * cloud-metadata-access — the container talks to the cloud instance-metadata service.
 * Reads: every command of every container (arguments and redirections, in argv, `sh -c`
 * scripts, substitutions, decoded payloads, hooks and exec probes); literal env values (a URL in
 * env is as good as one in a command).
 * Looks for: `169.254.169.254` (AWS, Azure, GCP, OpenStack; also written as `2852039166` or
 * `0xa9fea9fe`), `[fd00:ec2::254]` (AWS IPv6), `metadata.google.internal`, `169.254.170.2` (ECS task
 * credentials), `100.100.100.200` (Alibaba), `metadata.azure.com`; the finding says so when the
 * request asks for credentials (`/iam/security-credentials`, `/metadata/identity/oauth2/token`,
 * `/computeMetadata/v1/instance/service-accounts`) or sends the `Metadata: true` /
 * `Metadata-Flavor: Google` header. Credential requests also fire `cloud-credential-theft`.
 * Why: T1552.005 — the node's cloud identity is one HTTP request away from any pod that is not
 * blocked by a network policy or IMDSv2 hop limit.
 * Benign look-alikes: cloud agents and node bootstrap scripts (infrastructure, expected to score);
 * a job that looks up its region or instance id warns (weight 4) and is not denied;
 * `169.254.169.2540` or `10.169.254.169` do not match (address boundaries are checked).
 */
import {
  commandSources,
  describe,
  envFieldsMatching,
  EvidenceByPath,
  findMentionedWord,
} from '../commands.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const METADATA_ENDPOINT =
  /(?<![\d.])(?:169\.254\.169\.254|169\.254\.170\.2|100\.100\.100\.200|2852039166|0xa9fea9fe)(?!\.?\d)|fd00:ec2::254|metadata\.google\.internal|metadata\.azure\.com/i;
const CREDENTIAL_REQUEST =
  /security-credentials|identity\/oauth2\/token|service-accounts\/|Metadata:\s*true|Metadata-Flavor:\s*Google|X-aws-ec2-metadata-token/i;

function isMetadataEndpoint(word: string): boolean {
  return METADATA_ENDPOINT.test(word);
}

export const cloudMetadataAccess: Rule = {
  id: 'cloud-metadata-access',
  profile: 'default',
  weight: 4,
  technique: 'T1552.005',
  description:
    'Container calls the cloud instance-metadata service (169.254.169.254, metadata.google.internal, …)',
  reason: 'cloud metadata service access',
  guide: 'cloud-metadata',
  doc: {
    reads: 'container commands (arguments and redirections) and literal env values',
    why: 'cloud instance metadata API (T1552.005): the node’s cloud credentials are one request away',
    benign: 'cloud agents and bootstrap scripts score; a region lookup warns, credential requests deny',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const container of workload.containers) {
      for (const env of envFieldsMatching(container, isMetadataEndpoint)) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`, 'cloud metadata endpoint in env');
      }
    }
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        const endpoint = findMentionedWord(site, isMetadataEndpoint);
        if (endpoint === undefined) continue;
        const credentials = site.command.argv.some((arg) => CREDENTIAL_REQUEST.test(arg));
        evidence.add(
          endpoint.path,
          describe(site.command),
          credentials ? 'cloud credentials from the metadata service' : undefined,
        );
      }
    }
    return evidence.list();
  },
};
