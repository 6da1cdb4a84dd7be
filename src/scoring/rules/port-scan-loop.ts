/**
 * port-scan-loop — the container connects to port after port, or host after host: a scan written
 * by hand.
 * Reads: each container's execution model: socket connections (`/dev/tcp`, netcat, interpreters'
 * sockets, whatever the spelling) and whether they repeat in a loop.
 * Looks for: a connection inside a loop whose port or host changes from one pass to the next (a
 * loop variable over a range or a list: `for p in $(seq 1 1024)`, `range(1, 1025)`, `1..1024`);
 * a port range or CIDR given as one target; or connections to five or more distinct targets.
 * Why: T1046 — network service discovery that avoids scanner binaries and their images: a generic
 * python or busybox image with a loop is how recon hides from image and program lists.
 * Benign look-alikes: wait-for-database loops retry one fixed host and port (`until nc -z db 5432`,
 * `</dev/tcp/db/5432` in a loop, a Python `connect_ex` retry) and do not fire, even when the host
 * and port come from env variables.
 */
import type { ConnectAction } from '../../workload/action.js';
import { actionsOf, containerExecutions, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

/** Distinct targets in one container from which on it is a sweep, not a list of dependencies. */
const DISTINCT_TARGETS = 5;
const PORT_RANGE = /^\d{1,5}\s*-\s*\d{1,5}$|^\d{1,5}(?:\s*,\s*\d{1,5}){2,}$/;
const CIDR = /\/\d{1,3}$/;
/** A brace sequence left in a host or port (`10.0.0.{1..254}`, `{1..1024}`): one word per value. */
const SEQUENCE = /\{-?\d+\.\.-?\d+(?:\.\.\d+)?\}/;

/** A value that changes from one pass of its loop to the next: computed, and not from the environment. */
function varies(action: ConnectAction, part: 'host' | 'port'): boolean {
  const value = action[part];
  if (value.exact) return false;
  return !value.origins.some((origin) => origin.kind === 'env');
}

/** Why one connection is part of a scan, if it is. */
function scanOf(action: ConnectAction): string | undefined {
  if (PORT_RANGE.test(action.port.text)) return `port range ${action.port.text}`;
  if (CIDR.test(action.host.text)) return `address range ${action.host.text}`;
  if (SEQUENCE.test(action.host.text)) return `host sequence ${action.host.text}`;
  if (SEQUENCE.test(action.port.text)) return `port sequence ${action.port.text}`;
  if (!action.loop) return undefined;
  if (varies(action, 'port')) return 'connects port after port';
  if (varies(action, 'host')) return 'connects host after host';
  return undefined;
}

export const portScanLoop: Rule = {
  id: 'port-scan-loop',
  profile: 'default',
  weight: 8,
  technique: 'T1046',
  description:
    'A hand-written scan: connections in a loop over ports or hosts, a port range, many distinct targets',
  reason: 'port scan loop',
  guide: 'network-scan',
  doc: {
    reads: 'each container’s execution model: socket connections and the loops they run in',
    why: 'network service discovery (T1046) disguised as a generic script, avoiding scanner binaries',
    benign: 'wait-for loops retry one fixed host and port (also from env) and do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      const connects = actionsOf(execution, 'connect').filter((action) => action.protocol !== 'unix');
      for (const action of connects) {
        const why = scanOf(action);
        if (why !== undefined)
          evidence.add(
            action.path,
            () => quote(`${action.host.text}:${action.port.text} ${action.detail}`, 80),
            why,
          );
      }
      const targets = new Set(connects.map((action) => `${action.host.text}:${action.port.text}`));
      if (targets.size >= DISTINCT_TARGETS && evidence.size === 0) {
        const first = connects[0];
        if (first !== undefined)
          evidence.add(
            first.path,
            () => quote([...targets].slice(0, 6).join(' '), 80),
            `connects to ${targets.size} targets`,
          );
      }
    }
    return evidence.list();
  },
};
