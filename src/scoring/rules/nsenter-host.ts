/**
 * nsenter-host — the container enters the namespaces of the host's init process.
 * Reads: each container's execution model: every program run and the launchers unwrapped to reach
 * it (`nsenter -t 1 -m -- sh` runs `sh` with `nsenter …` as its launcher).
 * Looks for: `nsenter` targeting PID 1 (`-t 1`, `-t1`, `--target 1`, `--target=1`) with the
 * mount namespace (`-m`, `--mount`, in any cluster such as `-mutin`) or all of them (`-a`,
 * `--all`), or `nsenter --mount=/proc/1/ns/mnt`, as the program or as a launcher of another one.
 * With `hostPID: true` PID 1 is the node's init, and its mount namespace is the node's file
 * system: a root shell on the node.
 * Why: T1611 — escape to host; the classic one-liner of "privileged pod → node".
 * Benign look-alikes: `nsenter -t 1 -n ip route` for network debugging (no mount namespace:
 * does not fire); node agents that do use `-m` are privileged infrastructure and expected to score.
 */
import type { Invocation } from '../../workload/model.js';
import { containerExecutions, describeInvocation, EvidenceByPath } from '../behaviour.js';
import type { Rule } from '../types.js';

/** nsenter's short options that take a value (`-t PID`, `-S UID`, `-G GID`). */
const VALUED = new Set(['t', 'S', 'G']);

/** Whether an `nsenter` argv enters PID 1's mount namespace (or all namespaces). */
function entersHostMount(argv: readonly string[]): boolean {
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

/** The nsenter command lines of an invocation: the program itself, or launchers that are nsenter. */
function nsenterLines(invocation: Invocation): string[][] {
  const lines: string[][] = [];
  if (invocation.program === 'nsenter') lines.push([...invocation.words]);
  for (const launcher of invocation.launchers) {
    const words = launcher.split(/\s+/);
    const first = words[0] ?? '';
    if (first.slice(first.lastIndexOf('/') + 1) === 'nsenter') lines.push(words);
  }
  return lines;
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
    reads: 'each container’s execution model: programs run and their launchers',
    why: 'escape to host (T1611): with hostPID, PID 1’s mount namespace is the node’s file system',
    benign: '`nsenter -t 1 -n` (network only) does not fire; node agents using -m are expected to score',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const invocation of execution.invocations) {
        if (nsenterLines(invocation).some(entersHostMount))
          evidence.add(invocation.path, () => describeInvocation(invocation));
      }
    }
    return evidence.list();
  },
};
