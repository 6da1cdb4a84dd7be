/**
 * kql-service-account-token — the seed's `IsServiceAccountToken`: the body has
 * `automountServiceAccountToken`. Reported, never scored (weight 0), exactly as the seed projects it
 * without adding it to `SuspicionScore`.
 * Reads: the whole object as JSON text.
 * Why: a pod's token is the first credential an attacker uses against the API server.
 * Quirks kept for parity: `automountServiceAccountToken: false` — the safe setting — matches too.
 * Benign look-alikes: every manifest that disables token automount.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlServiceAccountToken = kqlIndicator({
  id: 'kql-service-account-token',
  column: 'IsServiceAccountToken',
  technique: 'T1528',
  weight: 0,
  description: 'Request body has "automountServiceAccountToken" (seed KQL IsServiceAccountToken, unscored)',
  reason: 'automountServiceAccountToken in body',
  terms: ['automountServiceAccountToken'],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'service-account tokens are the first credential used against the API server',
    benign: 'manifests that disable automount match too; reported only',
  },
});
