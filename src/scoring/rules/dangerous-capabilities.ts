/**
 * dangerous-capabilities — a container adds a Linux capability that breaks out of the container or
 * reaches the kernel: `securityContext.capabilities.add`.
 * Reads: `securityContext.capabilities.add` of every container (init, regular, ephemeral) and, for
 * `hostNetworkCapabilities`, the pod's `spec.hostNetwork`. Names compare case-insensitively, with or
 * without the `CAP_` prefix.
 * Why (T1611): SYS_ADMIN (mount, cgroup release_agent), SYS_MODULE (kernel modules), SYS_PTRACE
 * (inject into processes; host ones with hostPID), DAC_READ_SEARCH (open_by_handle_at: read host
 * files, the "shocker" escape), SYS_RAWIO, BPF and PERFMON (kernel memory and tracing), SYS_BOOT,
 * SYSLOG (kernel address leaks), MAC_ADMIN/MAC_OVERRIDE (AppArmor/SELinux policy), ALL.
 * NET_ADMIN only counts with hostNetwork (then it rewrites the node's firewall and routes; in the
 * pod's own namespace it is what service-mesh init containers need). NET_RAW and DAC_OVERRIDE are
 * not listed: both are in the container runtimes' default set and Pod Security baseline allows them.
 * Benign look-alikes: debuggers (SYS_PTRACE), VPN and CNI helpers (NET_ADMIN with hostNetwork), eBPF
 * agents (BPF, PERFMON); weight 4 makes them warn.
 */
import { z } from 'zod';
import { isRecord } from '../../workload/template.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export interface CapabilitiesParams {
  /** Capabilities that count however the pod is set up. */
  capabilities: string[];
  /** Capabilities that count only when the pod uses the host network namespace. */
  hostNetworkCapabilities: string[];
}

function canonical(capability: string): string {
  const upper = capability.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

const sets = new WeakMap<readonly string[], ReadonlySet<string>>();

function capabilitySet(list: readonly string[]): ReadonlySet<string> {
  let set = sets.get(list);
  if (!set) {
    set = new Set(list.map(canonical));
    sets.set(list, set);
  }
  return set;
}

const capabilityList = z.array(z.string().min(1));

export const dangerousCapabilities: Rule<CapabilitiesParams> = {
  id: 'dangerous-capabilities',
  profile: 'default',
  weight: 4,
  technique: 'T1611',
  description: 'Container adds a dangerous Linux capability (SYS_ADMIN, SYS_PTRACE, SYS_MODULE, …)',
  reason: 'dangerous capability added',
  guide: 'container-escape',
  hint: 'drop it from securityContext.capabilities.add',
  doc: {
    reads: 'securityContext.capabilities.add of every container; NET_ADMIN only with hostNetwork',
    why: 'mount, module loading, ptrace, raw kernel access: the usual container escapes',
    benign: 'debuggers, VPN/CNI helpers and eBPF agents warn; NET_RAW and DAC_OVERRIDE are defaults',
  },
  params: {
    schema: z.object({ capabilities: capabilityList, hostNetworkCapabilities: capabilityList }).strict(),
    defaults: {
      capabilities: [
        'ALL',
        'SYS_ADMIN',
        'SYS_MODULE',
        'SYS_PTRACE',
        'SYS_RAWIO',
        'SYS_BOOT',
        'SYSLOG',
        'DAC_READ_SEARCH',
        'BPF',
        'PERFMON',
        'MAC_ADMIN',
        'MAC_OVERRIDE',
      ],
      hostNetworkCapabilities: ['NET_ADMIN'],
    },
  },
  check(workload, params): Evidence[] {
    const always = capabilitySet(params.capabilities);
    const withHostNetwork = capabilitySet(params.hostNetworkCapabilities);
    const evidence: Evidence[] = [];
    for (const template of workload.templates) {
      const hostNetwork = template.spec.hostNetwork === true;
      for (const container of template.containers) {
        const capabilities = container.securityContext.capabilities;
        const added = isRecord(capabilities) ? capabilities.add : undefined;
        if (!Array.isArray(added)) continue;
        const found: string[] = [];
        for (const value of added) {
          if (typeof value !== 'string') continue;
          const name = canonical(value);
          if ((always.has(name) || (hostNetwork && withHostNetwork.has(name))) && !found.includes(name))
            found.push(name);
        }
        if (found.length > 0)
          evidence.push({
            path: `${container.path}.securityContext.capabilities.add`,
            detail: quote(`${container.name}: ${found.join(', ')}`),
          });
      }
    }
    return evidence;
  },
};
