/**
 * network-client — the container runs a network client (weak context).
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded
 * payloads, hooks and exec probes).
 * Looks for: `curl`, `wget`, `nc`/`ncat`/`netcat`, `socat`, `telnet`, `ssh`/`scp`/`sftp`, `ftp`,
 * `tftp`, `openssl s_client`, `fetch`, `aria2c` — the everyday case of a job that talks to the
 * network without running what it gets. One finding per container.
 * Why: T1071 — application-layer protocols carry command and control and exfiltration; alone it is
 * only context that makes other findings easier to read.
 * No double counting: silent for a container where `reverse-shell` or `download-exec` already
 * fired. Decision: `nc -z host port` (the wait-for-db init container) does not fire — a port probe
 * transfers nothing.
 */
import { commandSources, describe, sourcesByContainer, type CommandSite } from '../commands.js';
import type { Evidence, Rule } from '../types.js';
import { findDownloadExec } from './download-exec.js';
import { findReverseShells } from './reverse-shell.js';

const CLIENTS = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ssh',
  'scp',
  'sftp',
  'ftp',
  'tftp',
  'fetch',
  'aria2c',
]);
const NETCATS = new Set(['nc', 'ncat', 'netcat']);

/** Whether the command is a network client doing more than a port probe. */
export function isNetworkClient(site: CommandSite): boolean {
  const { program, argv } = site.command;
  if (program === 'openssl') return argv.includes('s_client');
  if (!CLIENTS.has(program)) return false;
  if (NETCATS.has(program)) return !argv.some((arg) => /^-[a-zA-Z]*z/.test(arg) && !arg.startsWith('--'));
  return true;
}

export const networkClient: Rule = {
  id: 'network-client',
  profile: 'default',
  weight: 1,
  technique: 'T1071',
  description: 'Container runs a network client (curl, wget, nc, ssh, …) without running what it fetches',
  reason: 'network client',
  guide: 'command-context',
  doc: {
    reads: 'container command/args, sh -c scripts, substitutions, decoded payloads, hooks and exec probes',
    why: 'application-layer protocols carry C2 and exfiltration (T1071); context only',
    benign: 'health checks and API calls fire at weight 1 only; nc -z port probes do not fire',
  },
  check(workload) {
    // Grouping by container costs a map: only worth it when some command is a client at all.
    if (!commandSources(workload).some((source) => source.sites.some(isNetworkClient))) return [];
    const evidence: Evidence[] = [];
    for (const sources of sourcesByContainer(workload).values()) {
      let first: CommandSite | undefined;
      for (const source of sources) {
        first ??= source.sites.find(isNetworkClient);
      }
      if (first === undefined) continue;
      if (
        sources.some((source) => findReverseShells(source).length > 0 || findDownloadExec(source).length > 0)
      ) {
        continue;
      }
      evidence.push({ path: first.path, detail: describe(first.command) });
    }
    return evidence;
  },
};
