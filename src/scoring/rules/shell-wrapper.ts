/**
 * shell-wrapper — the container runs a shell script (context only, never scored).
 * Reads: each container's execution model: the programs its own command/args run (depth 0).
 * Looks for: a shell as the container's program with a script (`sh -c "…"`, `bash -ec "…"`,
 * `args: ["-c", …]` under a shell entrypoint), not hooks or probes.
 * Why: T1059.004 — Unix shell: most attacks in a Job are shell one-liners, so reviewers want to
 * know a script is there; the script's content is judged by the other rules.
 * Benign look-alikes: nearly every maintenance job is a shell script; weight 0 keeps it a note.
 */
import { SHELLS } from '../../workload/programs.js';
import { containerExecutions, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

export const shellWrapper: Rule = {
  id: 'shell-wrapper',
  profile: 'default',
  weight: 0,
  technique: 'T1059.004',
  description: 'Container runs a shell script with -c (context for the other rules)',
  reason: 'runs a shell script',
  guide: 'command-context',
  doc: {
    reads: 'each container’s execution model: the program of its own command/args',
    why: 'most attacks in a Job are shell one-liners (T1059.004); the script itself is judged by other rules',
    benign: 'nearly every maintenance job is a shell script: reported, never scored',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      const shell = execution.invocations.find(
        (invocation) =>
          invocation.depth === 0 &&
          invocation.site === 'command' &&
          SHELLS.has(invocation.program) &&
          invocation.words.some((word) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(word)),
      );
      if (shell !== undefined) evidence.add(shell.path, quote(shell.program));
    }
    return evidence.list();
  },
};
