/**
 * kql-sensitive-mount — the seed's `IsSensitiveMount`: the body has `/etc`, `/var/run/docker.sock`,
 * `/proc` or `/sys`.
 * Reads: the whole object as JSON text.
 * Why: these host paths hold credentials, the container runtime and kernel interfaces.
 * Quirks kept for parity: any string counts, not just volume paths (a ConfigMap mounted at
 * `/etc/config`, an arg `/proc/cpuinfo`); with `has` semantics `/etcd`, `/system` and `/process` do
 * NOT match (term boundary after the last letter) while `/etc-backup`, `/usr/local/etc/x` and
 * `/sys/fs/cgroup` do.
 * Benign look-alikes: config files mounted under /etc, node exporters reading /proc and /sys.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlSensitiveMount = kqlIndicator({
  id: 'kql-sensitive-mount',
  column: 'IsSensitiveMount',
  technique: 'T1611',
  weight: 1,
  description: 'Request body has a sensitive path (seed KQL IsSensitiveMount)',
  reason: 'sensitive path in body',
  terms: ['/etc', '/var/run/docker.sock', '/proc', '/sys'],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'host credentials, the container runtime and kernel interfaces live there',
    benign: 'ConfigMaps mounted under /etc and node exporters match too',
  },
});
