/**
 * cloud-credential-theft — a command asks a cloud metadata service for the node's or the task's
 * credentials.
 * Reads: every command of every container (arguments and redirections, in argv, `sh -c`
 * scripts, substitutions, decoded payloads, hooks, exec probes and commands run through a runtime
 * client); literal env values holding an instance-metadata credential URL.
 * Looks for: the credential endpoints, which no other service serves: AWS
 * `/latest/meta-data/iam/security-credentials` (IMDSv1 and v2 alike; the v2 session token alone at
 * `/latest/api/token` is not a credential), Alibaba `/latest/meta-data/ram/security-credentials`,
 * GCP `/computeMetadata/v1/instance/service-accounts/<sa>/token` (and `/identity`), Azure
 * `/metadata/identity/oauth2/token`, Oracle `/opc/v2/identity`; the ECS task credentials endpoint
 * `169.254.170.2` with `$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `/v2/credentials` in a command.
 * Why: T1552.005 — cloud instance metadata API: the node's (or task's) cloud role in a few lines,
 * usable from outside the cluster until it expires.
 * Benign look-alikes: region, instance-id or placement lookups (no credential path: only
 * `cloud-metadata-access` fires); SDKs reading credentials implicitly (no URL in the command). The
 * EKS Pod Identity agent address in env (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, set by a mutating
 * webhook) is not a command and does not fire; only commands are read for the ECS endpoint.
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

const CREDENTIAL_PATH =
  /\/meta-data\/(?:iam|ram)\/security-credentials|\/computeMetadata\/v1(?:beta1)?\/instance\/service-accounts\/[^/\s]*\/(?:token|identity)\b|\/metadata\/identity\/oauth2\/token\b|\/opc\/v\d\/identity\b/i;
const ECS_CREDENTIALS =
  /(?<![\d.])169\.254\.170\.2(?!\.?\d)[^\s]*(?:\$\{?AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\b|\/v2\/credentials\b)/;

/** Whether a word requests cloud credentials from a metadata service. */
export function requestsCloudCredentials(word: string): boolean {
  return CREDENTIAL_PATH.test(word) || ECS_CREDENTIALS.test(word);
}

function isCredentialUrl(value: string): boolean {
  return CREDENTIAL_PATH.test(value);
}

export const cloudCredentialTheft: Rule = {
  id: 'cloud-credential-theft',
  profile: 'default',
  weight: 8,
  technique: 'T1552.005',
  description:
    'A command requests cloud credentials from the metadata service (IAM role, service-account or identity token)',
  reason: 'cloud credentials from the metadata service',
  guide: 'cloud-metadata',
  doc: {
    reads: 'container commands (arguments and redirections) and literal env values',
    why: 'cloud instance metadata API (T1552.005): the node’s cloud role, usable from anywhere',
    benign: 'region and instance-id lookups do not fire (cloud-metadata-access reports them)',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const container of workload.containers) {
      for (const env of envFieldsMatching(container, isCredentialUrl)) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`, 'cloud credential URL in env');
      }
    }
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        const request = findMentionedWord(site, requestsCloudCredentials);
        if (request !== undefined) evidence.add(request.path, () => describe(site.command));
      }
    }
    return evidence.list();
  },
};
