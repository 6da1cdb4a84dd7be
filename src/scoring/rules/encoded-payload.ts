/**
 * encoded-payload — the container decodes hidden code and runs it.
 * Reads: each container's execution model: flows whose content a decoder produced at run time
 * (base64, base32, hex, `xxd -r`, `openssl enc -d`, `rev`, `tr` rotations, gzip, an interpreter's
 * own decoding calls) and that reach execution — piped into a shell, `eval`, `exec`, written to a
 * file that is then run.
 * Looks for: any flow with a `decoded` source and an `exec` sink. What the payload does is judged
 * by the other rules on the decoded text (the model reads it too): this rule scores the act of
 * hiding code from whoever reviews the manifest.
 * Why: T1027/T1140 — obfuscated files or information, decoded at run time, defeat reviews and
 * keyword filters.
 * Benign look-alikes: `base64 -d` of a secret or certificate to a file that is never run
 * (`echo $CERT | base64 -d > tls.crt`) has no flow to execution and does not fire; nor does
 * `eval "$(ssh-agent -s)"`, whose text is not decoded.
 */
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import type { Rule } from '../types.js';

export const encodedPayload: Rule = {
  id: 'encoded-payload',
  profile: 'default',
  weight: 8,
  technique: 'T1027',
  description:
    'Container decodes text at run time and runs it as code (base64 -d | sh, exec(b64decode(…)), …)',
  reason: 'runs an encoded payload',
  guide: 'obfuscation',
  doc: {
    reads: 'each container’s execution model: flows from a decoder to execution',
    why: 'obfuscated code (T1027), decoded at run time (T1140), hides the payload from reviews and keyword filters',
    benign:
      'decoding a secret or certificate to a file that is never run, and eval of text that was not decoded',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const flow of execution.flows) {
        if (flow.sink === 'exec' && flow.source.kind === 'decoded')
          evidence.add(flow.path, () => describeFlow(flow));
      }
    }
    return evidence.list();
  },
};
