/**
 * download-exec-unverified — the container runs code fetched over HTTPS from a host that is not a
 * vendor's installer host.
 * Reads: each container's execution model: flows from a network fetch to execution (see
 * `download-exec`).
 * Looks for: such a flow from an HTTPS domain not in `trustedHosts`, from a Service inside the
 * cluster, or from a host not known before run time (`$URL`). Flows `download-exec` grades hostile
 * (plain HTTP, IP addresses, odd ports, hidden or temporary paths) are its own and not repeated here.
 * Why: T1105 — ingress tool transfer: code that is not in the manifest and can change at any time;
 * over HTTPS from a named host it is how installers are written, so this warns rather than denies.
 * Benign look-alikes: vendor installers (`curl -fsSL https://get.helm.sh/… | bash`,
 * `https://sh.rustup.rs`, `https://astral.sh/uv/install.sh`) from a host in `trustedHosts` do not
 * fire (`network-client` reports them as context). Entries are a host (`get.helm.sh`) or a host and
 * a path prefix (`raw.githubusercontent.com/helm/`) for hosts that serve anyone's files; add your
 * own mirrors and vendors in the policy.
 */
import { z } from 'zod';
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { gradeDownload, TRUSTED_INSTALLERS } from '../download.js';
import type { Evidence, Rule } from '../types.js';
import type { Workload } from '../../workload/types.js';

const paramsSchema = z
  .object({
    /** Hosts (`get.helm.sh`) or host/path prefixes (`raw.githubusercontent.com/helm/`) whose installers are trusted. */
    trustedHosts: z.array(z.string().min(1)),
  })
  .strict();

export type DownloadExecUnverifiedParams = z.infer<typeof paramsSchema>;

export const downloadExecUnverified: Rule<DownloadExecUnverifiedParams> = {
  id: 'download-exec-unverified',
  profile: 'default',
  weight: 4,
  technique: 'T1105',
  description:
    'Container runs code fetched over HTTPS from a host that is not a listed vendor installer host',
  reason: 'runs code from an unverified host',
  guide: 'download-exec',
  doc: {
    reads: 'each container’s execution model: flows from a network fetch to execution',
    why: 'ingress tool transfer (T1105): fetched code is not in the manifest and can change at any time',
    benign:
      'installers from a vendor host in `trustedHosts` do not fire; downloads that are never run do not fire',
  },
  params: { schema: paramsSchema, defaults: { trustedHosts: [...TRUSTED_INSTALLERS] } },
  check(workload: Workload, params: DownloadExecUnverifiedParams): Evidence[] {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const flow of execution.flows) {
        if (flow.sink !== 'exec') continue;
        const grade = gradeDownload(flow, params.trustedHosts);
        if (grade?.grade === 'unverified') evidence.add(flow.path, () => describeFlow(flow), grade.why);
      }
    }
    return evidence.list();
  },
};
