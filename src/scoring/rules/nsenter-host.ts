/**
 * nsenter-host — the container enters the namespaces of the host's init process.
 * Reads: every command of every container (argv, `sh -c` scripts, decoded payloads, hooks and
 * exec probes).
 * Looks for: `nsenter` targeting PID 1 (`-t 1`, `-t1`, `--target 1`, `--target=1`) with the
 * mount namespace (`-m`, `--mount`, in any cluster such as `-mutin`) or all of them (`-a`,
 * `--all`), or `nsenter --mount=/proc/1/ns/mnt`; and `docker run --privileged --pid=host … nsenter`.
 * With `hostPID: true` PID 1 is the node's init, and its mount namespace is the node's file
 * system: a root shell on the node.
 * Why: T1611 — escape to host; the classic one-liner of "privileged pod → node".
 * Benign look-alikes: `nsenter -t 1 -n ip route` for network debugging (no mount namespace:
 * does not fire); node agents that do use `-m` are privileged infrastructure and expected to score.
 */
import { argumentPath, commandSources, describe, EvidenceByPath, sharesHostPid } from '../commands.js';
import type { SimpleCommand } from '../../workload/types.js';
import type { Rule } from '../types.js';

/** nsenter's short options that take a value (`-t PID`, `-S UID`, `-G GID`). */
const VALUED = new Set(['t', 'S', 'G']);

/** Whether an `nsenter` argv enters PID 1's mount namespace (or all namespaces). */
export function entersHostMount(argv: readonly string[]): boolean {
  let target: string | undefined;
  let mount = false;
  let all = false;
  let hostMountFile = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const [name, value] = arg.split('=', 2);
      if (name === '--target') target = value ?? argv[++i];
      else if (name === '--mount') {
        mount = true;
        if (value !== undefined && /^\/proc\/1\/ns\/mnt$/.test(value)) hostMountFile = true;
      } else if (name === '--all') all = true;
      continue;
    }
    if (!arg.startsWith('-')) break;
    for (let j = 1; j < arg.length; j++) {
      const flag = arg.charAt(j);
      if (flag === 'm') {
        mount = true;
        // `-m/proc/1/ns/mnt`: the optional value is attached.
        if (arg.slice(j + 1) === '/proc/1/ns/mnt') hostMountFile = true;
        if (arg.charAt(j + 1) === '/') break;
      } else if (flag === 'a') {
        all = true;
      } else if (VALUED.has(flag)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if (flag === 't') target = value;
        break;
      }
    }
  }
  return hostMountFile || (target === '1' && (mount || all));
}

/** `docker run … --privileged … --pid=host … nsenter …` (or podman, nerdctl). */
function isDockerNsenter(command: SimpleCommand): boolean {
  const { program, argv } = command;
  if (program !== 'docker' && program !== 'podman' && program !== 'nerdctl') return false;
  if (!argv.includes('run')) return false;
  const privileged = argv.includes('--privileged');
  const hostPid = argv.some((arg, i) => arg === '--pid=host' || (arg === '--pid' && argv[i + 1] === 'host'));
  return privileged && hostPid && argv.some((arg) => /(?:^|\/)nsenter$/.test(arg));
}

export const nsenterHost: Rule = {
  id: 'nsenter-host',
  profile: 'default',
  weight: 9,
  technique: 'T1611',
  description: 'Container runs nsenter into PID 1’s mount namespace (a shell on the node)',
  reason: 'nsenter into the host',
  guide: 'container-escape',
  doc: {
    reads: 'container command/args, sh -c scripts, decoded payloads, hooks and exec probes',
    why: 'escape to host (T1611): with hostPID, PID 1’s mount namespace is the node’s file system',
    benign: '`nsenter -t 1 -n` (network only) does not fire; node agents using -m are expected to score',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        const { command } = site;
        // In a container a runtime client starts without the host's PID namespace, PID 1 is its own init.
        const ownPid = source.startedBy !== undefined && !sharesHostPid(source.startedBy);
        if (
          (command.program === 'nsenter' && !ownPid && entersHostMount(command.argv)) ||
          isDockerNsenter(command)
        ) {
          evidence.add(argumentPath(site, 0), () => describe(command));
        }
      }
    }
    return evidence.list();
  },
};
