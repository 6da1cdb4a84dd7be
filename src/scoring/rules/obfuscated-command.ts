/**
 * obfuscated-command — the container builds what it runs so that a reader cannot see it.
 * Reads: each container's execution model: its signs of obfuscation (the model records them where
 * the code hides what it runs) and the invocations whose program name was assembled at run time.
 * Looks for: a program name split by quotes or built from variables, brace expansion or `${IFS}`
 * (`c''url`, `$a$b`, `{cu,rl}`); `eval` of text that is not a literal; and escaped text (`$'\x63…'`,
 * `printf '\143…'`) turned into something that runs — the last only with another sign or a flow to
 * execution, since escapes alone also draw terminal colours. Decoding into execution is
 * `encoded-payload`'s.
 * Why: T1027 — obfuscation is rare in everyday jobs and exists to get past reviews and keyword
 * filters; alone it warns, and with a network source or an execution sink the other rules add up
 * to a deny.
 * Benign look-alikes: `eval "$(ssh-agent -s)"` and `eval "$(direnv export bash)"` evaluate a
 * program's output, not a computed name (the model does not mark them); colour escapes in
 * `printf` run nothing.
 */
import { containerExecutions, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const STRONG = new Set(['split-name', 'computed-name', 'eval-computed']);
const REASONS: Readonly<Record<string, string>> = {
  'split-name': 'program name split to hide it',
  'computed-name': 'program name computed at run time',
  'eval-computed': 'eval of computed text',
  'escaped-text': 'escaped text run as code',
};

export const obfuscatedCommand: Rule = {
  id: 'obfuscated-command',
  profile: 'default',
  weight: 4,
  technique: 'T1027',
  description:
    'Container hides what it runs: program names split or computed, eval of computed text, escaped code',
  reason: 'obfuscated command',
  guide: 'obfuscation',
  doc: {
    reads: 'each container’s execution model: signs of obfuscation and invocations with computed names',
    why: 'obfuscation (T1027) exists to get past reviews and keyword filters; rare in everyday jobs',
    benign:
      '`eval "$(ssh-agent -s)"` evaluates a program’s output, not computed text; colour escapes run nothing',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      const strong = execution.obfuscation.filter((sign) => STRONG.has(sign.kind));
      const escaped = execution.obfuscation.filter((sign) => sign.kind === 'escaped-text');
      for (const sign of strong) evidence.add(sign.path, () => quote(sign.detail), REASONS[sign.kind]);
      for (const invocation of execution.invocations) {
        if (invocation.obfuscatedName)
          evidence.add(invocation.path, () => quote(invocation.program), 'program name computed at run time');
      }
      const runsSomething =
        strong.length > 0 ||
        execution.flows.some((flow) => flow.sink === 'exec' && flow.source.kind !== 'credential');
      if (runsSomething) {
        for (const sign of escaped) evidence.add(sign.path, () => quote(sign.detail), REASONS[sign.kind]);
      }
    }
    return evidence.list();
  },
};
