/**
 * service-account-token-read — a script reads the pod's service-account token by hand, not only
 * to call its audience.
 * Reads: each container's execution model: file reads of the token (any path spelling, also
 * through a host mount) and the flows from it.
 * Looks for: an explicit read of the token when not every flow from it is a send to the API
 * server or a Vault Kubernetes login (a read that goes nowhere visible, into a file, into other
 * processes).
 * Why: T1528 — the token is the pod's identity against the API server; scripts that read it by
 * hand are how stolen tokens leave a pod. Context (weight 2); the token sent elsewhere is
 * `service-account-token-exfil`.
 * Benign look-alikes: kubectl and client libraries read the token implicitly (no read in the
 * script); the documented in-cluster call and Vault's Kubernetes login send it only to its audience
 * and do not fire; `ca.crt` is not the token.
 */
import { containerExecutions, EvidenceByPath } from '../behaviour.js';
import { credentialFlows, credentialReads, sendVerdict } from '../credentials.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const KINDS = new Set(['service-account-token'] as const);

export const serviceAccountTokenRead: Rule = {
  id: 'service-account-token-read',
  profile: 'default',
  weight: 2,
  technique: 'T1528',
  description:
    'A script reads the service-account token explicitly (not only to call the API server or Vault)',
  reason: 'reads the service-account token',
  guide: 'credential-theft',
  doc: {
    reads: 'each container’s execution model: reads of the token file and flows from it',
    why: 'the token is the pod’s API identity; reading it by hand is how it is stolen (T1528)',
    benign:
      'kubectl, client libraries, API-server calls and Vault logins do not fire; ca.crt is not the token',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      const reads = credentialReads(entry).filter(
        (read) => read.credential?.credential === 'service-account-token',
      );
      if (reads.length === 0) continue;
      const flows = credentialFlows(entry, KINDS);
      const toAudience =
        flows.length > 0 &&
        flows.every((carried) => carried.flow.sink === 'send' && sendVerdict(carried) === 'audience');
      if (toAudience) continue;
      for (const read of reads) evidence.add(read.path, () => quote(`reads ${read.file}`));
    }
    return evidence.list();
  },
};
