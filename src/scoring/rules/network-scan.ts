/**
 * network-scan — a command scans the network from inside the pod.
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded
 * payloads, hooks, exec probes and commands run through a runtime client).
 * Looks for: port and host scanners — `nmap` with a target (`--version`, `-h` alone do not count),
 * `masscan`, `zmap`, `rustscan`, `naabu`, `unicornscan`, `kube-hunter`; and `nc -z` / `ncat -z`
 * probing a port range (`1-1024`) or a CIDR target (`10.0.0.0/24`). Hand-written port loops are
 * `port-scan-loop`'s (a stronger signal: scanner programs are dual-use, a disguised loop is not).
 * Why: T1046 — network service discovery: from a pod, the cluster network, the node's ports
 * (kubelet 10250, etcd 2379) and the cloud VPC are reachable; a scan is the first step of lateral
 * movement.
 * Benign look-alikes: the wait-for-db init container `nc -z db 5432` (one host, one port: does not
 * fire), `nmap --version`. Security teams' scheduled scans do fire (weight 4 warns; with a scanner
 * image they reach deny) and are exempted by namespace.
 */
import { argumentPath, commandSources, describe, EvidenceByPath } from '../commands.js';
import type { SimpleCommand } from '../../workload/types.js';
import type { Rule } from '../types.js';

const SCANNERS = new Set(['masscan', 'zmap', 'rustscan', 'naabu', 'unicornscan', 'kube-hunter']);
const NETCATS = new Set(['nc', 'ncat', 'netcat']);
/** netcat options that take a value (`-w 1`, `-p 1234`, `-s addr`, `-i 1`, `-q 0`, `-x proxy`). */
const NETCAT_VALUED = new Set(['w', 'p', 's', 'i', 'q', 'x', 'X', 'T', 'O', 'I']);
const INFO_ONLY = new Set(['--version', '-V', '-h', '--help', '--iflist']);
const PORT_RANGE = /^\d{1,5}-\d{1,5}$/;
const CIDR = /^(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[\da-f:]+:[\da-f:]*\/\d{1,3}$/i;

function isNmapScan(argv: readonly string[]): boolean {
  const rest = argv.slice(1);
  return rest.length > 0 && !rest.every((arg) => INFO_ONLY.has(arg));
}

/** `nc -z` over a port range or a CIDR: the probe of one port that init containers wait on does not count. */
function isNetcatSweep(argv: readonly string[]): boolean {
  let zero = false;
  const operands: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      if (arg === '--zero') zero = true;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg.charAt(j);
        if (letter === 'z') zero = true;
        if (NETCAT_VALUED.has(letter)) {
          if (j + 1 === arg.length) i++;
          break;
        }
      }
      continue;
    }
    operands.push(arg);
  }
  return zero && operands.some((word) => PORT_RANGE.test(word) || CIDR.test(word));
}

/** Whether the command scans hosts or ports. */
export function isNetworkScan(command: SimpleCommand): boolean {
  const { program, argv } = command;
  if (SCANNERS.has(program)) return !argv.slice(1).every((arg) => INFO_ONLY.has(arg)) || argv.length === 1;
  if (program === 'nmap') return isNmapScan(argv);
  if (NETCATS.has(program)) return isNetcatSweep(argv);
  return false;
}

export const networkScan: Rule = {
  id: 'network-scan',
  profile: 'default',
  weight: 4,
  technique: 'T1046',
  description: 'A command scans the network (nmap, masscan, zmap, rustscan, naabu, nc -z over a port range)',
  reason: 'network scan',
  guide: 'network-scan',
  doc: {
    reads: 'container command/args, sh -c scripts, substitutions, decoded payloads, hooks and exec probes',
    why: 'network service discovery (T1046): the first step of lateral movement from a pod',
    benign: 'nc -z on one host and port (wait-for-db) does not fire; security scans warn',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        if (isNetworkScan(site.command)) evidence.add(argumentPath(site, 0), () => describe(site.command));
      }
    }
    return evidence.list();
  },
};
