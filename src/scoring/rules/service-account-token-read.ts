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
 * command: does not fire); `--cacert …/serviceaccount/ca.crt` is not the token. The documented
 * in-cluster call — the token read only to call the API server (`curl -H "Authorization: Bearer
 * $(cat …/token)" https://kubernetes.default.svc/…` or `$KUBERNETES_SERVICE_HOST`) — is what kubectl
 * does and does not fire either. Any other explicit read fires at weight 2 (context); the token sent
 * to another host is `service-account-token-exfil` (weight 8).
 */
import {
  commandSources,
  describe,
  EvidenceByPath,
  findMentionedWord,
  isShellWithScript,
} from '../commands.js';
import type { Rule } from '../types.js';
import { isExfiltration, TOKEN_PATH, tokenSends } from './service-account-token-exfil.js';

function isTokenPath(word: string): boolean {
  return TOKEN_PATH.test(word);
}

export const serviceAccountTokenRead: Rule = {
  id: 'service-account-token-read',
  profile: 'default',
  weight: 2,
  technique: 'T1528',
  description: 'A command reads the service-account token file explicitly (not only to call the API server)',
  reason: 'reads the service-account token',
  guide: 'credential-theft',
  doc: {
    reads: 'container commands (arguments and redirections)',
    why: 'the token is the pod’s API identity; reading it by hand is how it is stolen (T1528)',
    benign:
      'kubectl, client libraries and Bearer calls to kubernetes.default.svc do not fire; ca.crt is not the token',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      const sends = tokenSends(source);
      // Every send goes to the API server: the reads that feed them are the in-cluster call.
      const apiServerOnly =
        sends.length > 0 && sends.every((send) => send.hosts.length > 0 && !isExfiltration(send));
      for (const site of source.sites) {
        if (apiServerOnly && (site.command.origin === 'substitution' || sends.some((s) => s.site === site))) {
          continue;
        }
        // The script of `sh -c` is parsed: its own commands are the evidence, not the whole string.
        if (isShellWithScript(site.command)) continue;
        const token = findMentionedWord(site, isTokenPath);
        if (token !== undefined) evidence.add(token.path, () => describe(site.command));
      }
    }
    return evidence.list();
  },
};
