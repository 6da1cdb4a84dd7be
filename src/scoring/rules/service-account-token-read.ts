/**
 * service-account-token-read — a command reads the pod's service-account token explicitly.
 * Reads: every command of every container (arguments and redirections, in argv, `sh -c`
 * scripts, substitutions, decoded payloads, hooks and exec probes).
 * Looks for: `/var/run/secrets/kubernetes.io/serviceaccount/token` or
 * `/run/secrets/kubernetes.io/serviceaccount/token` (also under another prefix such as a host
 * mount) in a command: `cat …/token`, `TOKEN=$(cat …/token)`, `curl -H "Authorization: Bearer
 * $(cat …/token)"`, `< …/token`.
 * Why: T1528 — the token is the pod's identity against the API server; scripts that read it by
 * hand are how stolen tokens leave a pod.
 * Benign look-alikes: `kubectl` and client libraries read the token implicitly (no path in the
 * command: does not fire); `--cacert …/serviceaccount/ca.crt` is not the token. Clean-up jobs
 * that call the API with curl do read it, which is why the weight stays below the warn threshold.
 */
import { commandSources, describe, EvidenceByPath, mentionedWords } from '../commands.js';
import type { Rule } from '../types.js';

const TOKEN_PATH = /\/run\/secrets\/kubernetes\.io\/serviceaccount\/(?:\.\.data\/)?token\b/;

export const serviceAccountTokenRead: Rule = {
  id: 'service-account-token-read',
  profile: 'default',
  weight: 3,
  technique: 'T1528',
  description: 'A command reads the service-account token file explicitly',
  reason: 'reads the service-account token',
  doc: {
    reads: 'container commands (arguments and redirections)',
    why: 'the token is the pod’s API identity; reading it by hand is how it is stolen (T1528)',
    benign: 'kubectl and client libraries read it implicitly and do not fire; ca.crt is not the token',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        for (const { word, path } of mentionedWords(site)) {
          if (TOKEN_PATH.test(word)) {
            evidence.add(path, () => describe(site.command));
            break;
          }
        }
      }
    }
    return evidence.list();
  },
};
