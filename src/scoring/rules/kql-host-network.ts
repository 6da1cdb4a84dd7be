/**
 * kql-host-network — the seed's `IsHostNetwork`: the body has the term `hostNetwork`.
 * Reads: the whole object as JSON text.
 * Why: host networking reaches node-local services and sniffs node traffic.
 * Quirks kept for parity: `"hostNetwork": false` counts.
 * Benign look-alikes: CNI and node agents; manifests that spell out `hostNetwork: false`.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlHostNetwork = kqlIndicator({
  id: 'kql-host-network',
  column: 'IsHostNetwork',
  technique: 'T1611',
  weight: 1,
  description: 'Request body has "hostNetwork" (seed KQL IsHostNetwork)',
  reason: 'hostNetwork in body',
  terms: ['hostNetwork'],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'host networking reaches node-local services',
    benign: '`hostNetwork: false` matches too; the default profile reads the value',
  },
});
