/**
 * network-client — the container talks to the network (weak context).
 * Reads: each container's execution model: fetches (HTTP, FTP… from any client or interpreter)
 * and sockets that carry data.
 * Looks for: the first such action of each container; when the container runs what it fetched
 * over HTTPS from a vendor's installer host (which `download-exec-unverified` lets through), the
 * finding says so. One finding per container.
 * Why: T1071 — application-layer protocols carry command and control and exfiltration; alone it is
 * only context that makes other findings easier to read.
 * Benign look-alikes: health checks and API calls are exactly this: weight 1, below the annotate
 * threshold. A port probe (`nc -z db 5432`, `</dev/tcp/db/5432`) sends nothing and does not fire.
 */
import type { Action } from '../../workload/action.js';
import { classifyHost, parseUrl } from '../../workload/address.js';
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

/** A fetch or a socket that carries data; the metadata service is `cloud-metadata-access`'s, not counted twice. */
function isTransfer(action: Action): boolean {
  if (action.type === 'fetch') {
    const url = parseUrl(action.url.text);
    return url === undefined || classifyHost(url.host) !== 'metadata';
  }
  return (
    action.type === 'connect' &&
    action.protocol !== 'unix' &&
    action.sends.length > 0 &&
    classifyHost(action.host.text) !== 'metadata'
  );
}

function describeAction(action: Action): string {
  if (action.type === 'fetch') return quote(`${action.method ?? 'GET'} ${action.url.text}`, 80);
  if (action.type === 'connect')
    return quote(`${action.protocol}://${action.host.text}:${action.port.text}`, 80);
  return quote(action.detail);
}

export const networkClient: Rule = {
  id: 'network-client',
  profile: 'default',
  weight: 1,
  technique: 'T1071',
  description: 'Container fetches from or sends to the network (context for the other rules)',
  reason: 'network client',
  guide: 'command-context',
  doc: {
    reads: 'each container’s execution model: fetches and sockets that carry data',
    why: 'application-layer protocols carry C2 and exfiltration (T1071); context only',
    benign: 'health checks and API calls fire at weight 1 only; port probes send nothing and do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      const installer = execution.flows.find(
        (flow) => flow.sink === 'exec' && flow.source.kind === 'network' && /^https:/i.test(flow.source.url),
      );
      if (installer !== undefined) {
        evidence.add(installer.path, () => describeFlow(installer), 'runs an installer fetched over HTTPS');
        continue;
      }
      const first = execution.actions.find(isTransfer);
      if (first !== undefined) evidence.add(first.path, () => describeAction(first));
    }
    return evidence.list();
  },
};
