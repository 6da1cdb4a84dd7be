/**
 * kql-privileged — the seed's `IsPrivileged`: the body has the term `privileged`.
 * Reads: the whole object as JSON text.
 * Why: a privileged container is root on the node.
 * Quirks kept for parity: `"privileged": false` counts as privileged (the key is the term); so does
 * a label or arg containing the word. `allowPrivilegeEscalation` is one term and does not match.
 * Benign look-alikes: hardened manifests that spell out `privileged: false` — the default profile
 * reads the value.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlPrivileged = kqlIndicator({
  id: 'kql-privileged',
  column: 'IsPrivileged',
  technique: 'T1611',
  weight: 1,
  description: 'Request body has "privileged" (seed KQL IsPrivileged)',
  reason: 'privileged in body',
  terms: ['privileged'],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'privileged containers are root on the node',
    benign: '`privileged: false` matches too; the default profile reads the value',
  },
});
