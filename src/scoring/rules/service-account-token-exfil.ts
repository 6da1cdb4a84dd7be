/**
 * service-account-token-exfil — the pod's service-account token leaves for a place that is not
 * its audience.
 * Reads: each container's execution model: flows whose content is the service-account token (the
 * token file under any path spelling, a projected token volume, `kubectl create token`) and end in
 * a send to a host or in the container's log.
 * Looks for: a send whose destination is neither the API server (`kubernetes.default.svc`, its
 * other in-cluster names, `$KUBERNETES_SERVICE_HOST`) nor a Vault Kubernetes login
 * (`…/v1/auth/<mount>/login`); and the token printed to the log, where anyone with log access
 * reads it.
 * Why: T1528 — steal application access token: a token that leaves the pod works from anywhere the
 * API server is reachable, until it expires or the service account is deleted.
 * Benign look-alikes: the documented in-cluster call (`curl -H "Authorization: Bearer $(cat …/token)"
 * https://kubernetes.default.svc/…`) and HashiCorp Vault's Kubernetes login send the token to its
 * audience and do not fire. A destination not known before run time (`$URL` from a Secret) does
 * not fire either: the rule cannot tell.
 */
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { credentialFlows, sendVerdict } from '../credentials.js';
import type { Rule } from '../types.js';

const KINDS = new Set(['service-account-token'] as const);

export const serviceAccountTokenExfil: Rule = {
  id: 'service-account-token-exfil',
  profile: 'default',
  weight: 8,
  technique: 'T1528',
  description:
    'The service-account token is sent to a host other than the API server or a Vault login, or logged',
  reason: 'service-account token sent out',
  guide: 'credential-theft',
  doc: {
    reads: 'each container’s execution model: flows from the token to a send or the log',
    why: 'steal application access token (T1528): a token that leaves the pod works from anywhere',
    benign:
      'calls to the API server and Vault Kubernetes logins send the token to its audience and do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      for (const carried of credentialFlows(entry, KINDS)) {
        const { flow } = carried;
        if (flow.sink === 'log')
          evidence.add(flow.path, () => describeFlow(flow), 'service-account token in the log');
        else if (flow.sink === 'send' && sendVerdict(carried) === 'elsewhere')
          evidence.add(flow.path, () => describeFlow(flow));
      }
    }
    return evidence.list();
  },
};
