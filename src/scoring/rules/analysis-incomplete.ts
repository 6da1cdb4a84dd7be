/**
 * analysis-incomplete — the model of what a container runs was cut short, so the other rules saw
 * only part of it.
 * Reads: each container's execution model: the limits its analysis reached (nesting depth, script
 * size, expansion count, the per-review work budget), each naming the limit and where.
 * Looks for: any such limit. The shell runs what the model stopped reading: a payload behind five
 * nested `sh -c`, 65 nested `$(`, or a megabyte of padding is still a payload.
 * Why: T1027 — obfuscation by volume or depth: without this rule, reaching a limit would be a way
 * past every other rule. Its weight is the default deny threshold, so the object fails closed;
 * to only warn, set `rules.analysis-incomplete.weight` in the policy (for example to 4), or exempt
 * a namespace with a reason.
 * Benign look-alikes: the limits sit far above everyday jobs (the corpus's longest scripts use a
 * fraction of them); a job that reaches one is worth a look or a simpler script. Syntax the model
 * could not read (an unterminated quote) is not a limit and does not fire.
 */
import { containerExecutions, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

export const analysisIncomplete: Rule = {
  id: 'analysis-incomplete',
  profile: 'default',
  weight: 8,
  technique: 'T1027',
  description:
    'The analysis of what a container runs reached a limit (depth, size, work): the object fails closed',
  reason: 'analysis cut short',
  guide: 'analysis-incomplete',
  doc: {
    reads: 'each container’s execution model: the limits its analysis reached',
    why: 'obfuscation by depth or volume (T1027) must not be a way past the other rules',
    benign: 'limits sit far above everyday jobs; lower the weight in the policy to warn instead of deny',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { container, execution } of containerExecutions(workload)) {
      const limit = execution.limits[0];
      if (limit !== undefined) {
        const more = execution.limits.length > 1 ? ` (+${execution.limits.length - 1} more)` : '';
        evidence.add(container.path, () => quote(`${limit}${more}`, 100));
      }
    }
    return evidence.list();
  },
};
