/**
 * shell-wrapper — the container runs a shell with `-c` (context only, never scored).
 * Reads: each container's command/args (and `args: ["-c", …]` under a shell entrypoint).
 * Looks for: `sh -c "…"`, `/bin/bash -ec "…"`, `sh -o pipefail -c "…"` as the container's own
 * command (not scripts nested deeper).
 * Why: T1059.004 — Unix shell: most attacks in a Job are shell one-liners, so reviewers want to
 * know a script is there; the script's content is judged by the other rules.
 * Benign look-alikes: nearly every maintenance job is a shell script; weight 0 keeps it a note.
 */
import { commandSources, EvidenceByPath, isShellWithScript } from '../commands.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

export const shellWrapper: Rule = {
  id: 'shell-wrapper',
  profile: 'default',
  weight: 0,
  technique: 'T1059.004',
  description: 'Container runs a shell script with -c (context for the other command rules)',
  reason: 'runs a shell script',
  guide: 'command-context',
  doc: {
    reads: 'container command/args',
    why: 'most attacks in a Job are shell one-liners (T1059.004); the script itself is judged by other rules',
    benign: 'nearly every maintenance job is a shell script: reported, never scored',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      const site = source.sites[0];
      if (site === undefined || site.command.depth !== 0 || !isShellWithScript(site.command)) continue;
      if (source.fields[0]?.includes('.lifecycle.') || source.fields[0]?.includes('Probe.')) continue;
      const script = source.sites.find((nested) => nested.command.depth > 0);
      evidence.add(script?.path ?? site.path, quote(site.command.program));
    }
    return evidence.list();
  },
};
