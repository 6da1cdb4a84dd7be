/**
 * kql-host-path-mount — the seed's `IsHostPathMount`: the body has the term `hostPath`.
 * Reads: the whole object as JSON text.
 * Why: a hostPath volume reaches the node's filesystem.
 * Quirks kept for parity: any `hostPath` key or word counts, whatever the path (a read-only
 * `/var/log` mount scores like `/`); `hostPathType` is a different term and does not match.
 * Benign look-alikes: log shippers and node agents; the default profile grades paths by sensitivity.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlHostPathMount = kqlIndicator({
  id: 'kql-host-path-mount',
  column: 'IsHostPathMount',
  technique: 'T1611',
  weight: 1,
  description: 'Request body has "hostPath" (seed KQL IsHostPathMount)',
  reason: 'hostPath in body',
  terms: ['hostPath'],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'hostPath volumes reach the node filesystem',
    benign: 'log shippers and node agents; any path scores the same',
  },
});
