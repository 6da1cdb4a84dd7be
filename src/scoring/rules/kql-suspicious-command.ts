/**
 * kql-suspicious-command — the seed's `IsSuspiciousCommand`: the body has any of its command phrases.
 * Reads: the whole object as JSON text.
 * Why: reverse shells (`bash -i`, `/dev/tcp`, `nc `, `mkfifo`, `socat`), download cradles (`curl`,
 * `wget`, `chmod +x`) and encoded payloads (`base64 -d`, `eval`).
 * Quirks kept for parity: phrases must appear inside one JSON string, so an argv array
 * `["/bin/sh","-c", …]` never matches `/bin/sh -c` (the JSON text reads `/bin/sh","-c`); `nc ` needs
 * a following space (`…;nc` at the end of a string does not match) and a term boundary before it
 * (`rsync -a` does not match); `python -c` does not match `python3 -c`; `eval` matches any JSON key
 * or word `eval` (`"evaluation"` does not); `/dev/tcp` does not match `/dev/tcpdump`.
 * Benign look-alikes: health checks with curl, shell-wrapped maintenance scripts.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlSuspiciousCommand = kqlIndicator({
  id: 'kql-suspicious-command',
  column: 'IsSuspiciousCommand',
  technique: 'T1059',
  weight: 1,
  description: 'Request body has a suspicious command phrase (seed KQL IsSuspiciousCommand)',
  reason: 'suspicious command phrase',
  terms: [
    'curl',
    'wget',
    'bash -i',
    '/dev/tcp',
    'nc ',
    'ncat',
    'python -c',
    'perl -e',
    'ruby -e',
    'chmod +x',
    'base64 -d',
    'eval',
    '/bin/sh -c',
    '/bin/bash -c',
    'mkfifo',
    'socat',
  ],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'reverse shells, download cradles and encoded payloads use these words',
    benign: 'curl health checks and `/bin/sh -c` wrappers match; argv arrays never do',
  },
});
