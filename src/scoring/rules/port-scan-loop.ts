/**
 * port-scan-loop — a port scan written by hand: an interpreter one-liner or a shell loop that
 * connects to port after port.
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded payloads,
 * hooks, exec probes and commands run through a runtime client).
 * Looks for: Python `connect_ex` over a `range(…)`, Ruby `TCPSocket` over a numeric range, Perl
 * `IO::Socket::INET` in a loop over `N..M`, Node `net` connections in a `for` loop, and shell
 * redirects to `/dev/tcp/HOST/$PORT` with the port from a variable (the body of a port loop).
 * Why: T1046 — network service discovery that avoids scanner binaries and their images: a generic
 * python or busybox image with a loop is how recon hides from image and program deny-lists.
 * Benign look-alikes: a Python wait-for-db retry loop (`create_connection` in `range(30)`: a retry
 * raises and is caught; only a scan needs `connect_ex`, which returns the error instead); a reverse
 * shell to a literal port (that is `reverse-shell`'s). Scanner programs are `network-scan`'s.
 */
import { argumentPath, commandSources, describe, EvidenceByPath, inlineCode } from '../commands.js';
import type { SimpleCommand } from '../../workload/types.js';
import type { Rule } from '../types.js';

/** Port loops in interpreter one-liners: each pair is (connects without raising, iterates over numbers). */
const CODE_SCANS: readonly (readonly [RegExp, RegExp])[] = [
  [/\bconnect_ex\s*\(/, /\brange\s*\(/],
  [/\bTCPSocket\b/, /\d\s*\.\.\.?\s*\d|\bupto\b/],
  [/IO::Socket::INET/, /\d\s*\.\.\s*\d/],
  [/\bnet\s*\.\s*(?:connect|createConnection)\b|new\s+net\s*\.\s*Socket\b/, /\bfor\s*\(/],
];

export function isCodeScan(command: SimpleCommand): boolean {
  const code = inlineCode(command);
  return code !== undefined && CODE_SCANS.some(([connect, loop]) => connect.test(code) && loop.test(code));
}

/** `echo > /dev/tcp/HOST/$PORT` with the port from a variable: the body of a shell port loop. */
export function isShellPortProbe(command: SimpleCommand): boolean {
  return command.redirects.some(({ target }) => /^\/dev\/(?:tcp|udp)\/[^/]+\/\$/.test(target));
}

export const portScanLoop: Rule = {
  id: 'port-scan-loop',
  profile: 'default',
  weight: 8,
  technique: 'T1046',
  description: 'A hand-written port scan: an interpreter one-liner or shell loop connecting port after port',
  reason: 'port scan loop',
  guide: 'network-scan',
  doc: {
    reads: 'container command/args, sh -c scripts, substitutions, decoded payloads, hooks and exec probes',
    why: 'network service discovery (T1046) disguised as a generic script, avoiding scanner binaries',
    benign: 'wait-for-db retry loops use create_connection, not connect_ex, and do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        const { command } = site;
        if (isCodeScan(command) || isShellPortProbe(command))
          evidence.add(argumentPath(site, 0), () => describe(command));
      }
    }
    return evidence.list();
  },
};
