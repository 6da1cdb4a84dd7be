import { describe, expect, it } from '@jest/globals';

import type { CredentialKind, Origin, Provider } from '../../workload/action.js';
import type { Execution, Flow } from '../../workload/model.js';
import { execution, fetch, flow, invocation, read, withExecution } from '../../../test/support/execution.js';
import type { Rule } from '../types.js';
import { cloudCredentialTheft } from './cloud-credential-theft.js';
import { cloudMetadataAccess } from './cloud-metadata-access.js';
import { hostCredentialExfil } from './host-credential-exfil.js';
import { nodeCredentials } from './node-credentials.js';
import { secretExfil } from './secret-exfil.js';
import { serviceAccountTokenExfil } from './service-account-token-exfil.js';
import { serviceAccountTokenRead } from './service-account-token-read.js';
import { shadowFileAccess } from './shadow-file-access.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const credential = (kind: CredentialKind, source: string, provider?: Provider): Origin =>
  provider === undefined
    ? { kind: 'credential', credential: kind, source }
    : { kind: 'credential', credential: kind, source, provider };
const sa = credential('service-account-token', TOKEN, 'kubernetes');
const send = (origin: Origin, destination: string): Flow => flow(origin, 'send', { destination, by: 'curl' });
const fires = (
  rule: Rule,
  model: Execution,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
) => rule.check(withExecution(model, spec, container), undefined).length > 0;

describe('service-account-token-exfil and -read', () => {
  it.each<[string, Flow]>([
    ['to a public host', send(sa, 'https://203.0.113.5/c')],
    ['to a look-alike of the API server', send(sa, 'https://kubernetes.default.svc.evil.example/')],
    ['to the log', flow(sa, 'log')],
  ])('exfil fires on the token sent %s', (_name, f) => {
    const model = execution({ actions: [read(TOKEN)], flows: [f] });
    expect(fires(serviceAccountTokenExfil, model)).toBe(true);
    expect(fires(serviceAccountTokenRead, model)).toBe(true);
  });

  it.each<[string, string]>([
    ['the API server', 'https://kubernetes.default.svc/api/v1/namespaces/x/pods'],
    ['$KUBERNETES_SERVICE_HOST', 'https://$KUBERNETES_SERVICE_HOST:443/apis'],
    ['a Vault Kubernetes login', 'https://vault.vault.svc:8200/v1/auth/kubernetes/login'],
  ])('neither fires on the token sent to %s (its audience)', (_name, destination) => {
    const model = execution({ actions: [read(TOKEN)], flows: [send(sa, destination)] });
    expect(fires(serviceAccountTokenExfil, model)).toBe(false);
    expect(fires(serviceAccountTokenRead, model)).toBe(false);
  });

  it('read fires (context) on a read that goes nowhere visible; exfil does not; an unknown destination is not exfil', () => {
    expect(fires(serviceAccountTokenRead, execution({ actions: [read(TOKEN)] }))).toBe(true);
    expect(
      fires(serviceAccountTokenExfil, execution({ actions: [read(TOKEN)], flows: [send(sa, '$URL')] })),
    ).toBe(false);
    expect(
      fires(
        serviceAccountTokenRead,
        execution({ actions: [read('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt')] }),
      ),
    ).toBe(false);
  });
});

describe('cloud-credential-theft and cloud-metadata-access', () => {
  const gcp = credential(
    'cloud-identity-token',
    'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
    'gcp',
  );
  const aws = credential(
    'cloud-credentials',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/role',
    'aws',
  );

  it.each<[string, Execution]>([
    ['a GCP token sent to another host', execution({ flows: [send(gcp, 'https://collector.example/t')] })],
    ['AWS role credentials printed to the log', execution({ flows: [flow(aws, 'log')] })],
    [
      'role credentials requested (decimal address) for no documented use',
      execution({ actions: [fetch('http://2852039166/latest/meta-data/iam/security-credentials/role')] }),
    ],
  ])('theft fires on %s', (_name, model) => {
    expect(fires(cloudCredentialTheft, model)).toBe(true);
  });

  it.each<[string, Execution]>([
    [
      'Google’s recipe: token to googleapis.com',
      execution({
        actions: [fetch(gcp.kind === 'credential' ? gcp.source : '')],
        flows: [send(gcp, 'https://bigquery.googleapis.com/bigquery/v2/projects')],
      }),
    ],
    [
      'Azure’s recipe: token to management.azure.com',
      execution({
        flows: [
          send(
            credential('cloud-identity-token', 'imds', 'azure'),
            'https://management.azure.com/subscriptions',
          ),
        ],
      }),
    ],
    [
      'a region lookup',
      execution({ actions: [fetch('http://169.254.169.254/latest/meta-data/placement/region')] }),
    ],
  ])('theft does not fire on %s', (_name, model) => {
    expect(fires(cloudCredentialTheft, model)).toBe(false);
  });

  it('metadata access is quiet for a provider’s own recipe (token fetched, sent only to its APIs)', () => {
    const url = gcp.kind === 'credential' ? gcp.source : '';
    const recipe = execution({
      actions: [fetch(url)],
      flows: [send(gcp, 'https://storage.googleapis.com/upload/x')],
    });
    expect(fires(cloudMetadataAccess, recipe)).toBe(false);
    const stolen = execution({ actions: [fetch(url)], flows: [send(gcp, 'https://collector.example/t')] });
    expect(fires(cloudMetadataAccess, stolen)).toBe(true);
  });

  it('metadata access is context for any spelling of the address, and not for other hosts', () => {
    expect(
      fires(
        cloudMetadataAccess,
        execution({ actions: [fetch('http://[::ffff:a9fe:a9fe]/latest/meta-data/')] }),
      ),
    ).toBe(true);
    expect(fires(cloudMetadataAccess, execution({ actions: [fetch('http://169.254.169.2540/')] }))).toBe(
      false,
    );
    expect(cloudMetadataAccess.weight).toBeLessThan(4);
  });
});

describe('node-credentials, shadow-file-access, host-credential-exfil', () => {
  const hostRoot = { volumes: [{ name: 'etc', hostPath: { path: '/etc/kubernetes' } }] };
  const mount = { volumeMounts: [{ name: 'etc', mountPath: '/k8s' }] };

  it('node-credentials fires on node files under a prefix or through a hostPath mount, and on --kubeconfig', () => {
    expect(fires(nodeCredentials, execution({ actions: [read('/host/etc/kubernetes/admin.conf')] }))).toBe(
      true,
    );
    expect(fires(nodeCredentials, execution({ actions: [read('/k8s/admin.conf')] }), hostRoot, mount)).toBe(
      true,
    );
    expect(fires(nodeCredentials, execution({ actions: [read('/k8s')] }), hostRoot, mount)).toBe(true);
    expect(
      fires(
        nodeCredentials,
        execution({
          invocations: [
            invocation(['kubectl', '--kubeconfig=/host/etc/kubernetes/admin.conf', 'get', 'nodes']),
          ],
        }),
      ),
    ).toBe(true);
  });

  it('node-credentials does not fire on the container’s own kubeconfig or unrelated files', () => {
    expect(fires(nodeCredentials, execution({ actions: [read('/root/.kube/config')] }))).toBe(false);
    expect(fires(nodeCredentials, execution({ actions: [read('/k8s/admin.conf')] }))).toBe(false);
    expect(fires(nodeCredentials, execution({ actions: [read('/etc/hosts')] }))).toBe(false);
  });

  it('shadow-file-access fires on hashes under any prefix or mount and on crackers, not on look-alikes', () => {
    expect(fires(shadowFileAccess, execution({ actions: [read('/proc/1/root/etc/shadow')] }))).toBe(true);
    expect(
      fires(
        shadowFileAccess,
        execution({ actions: [read('/h/shadow')] }),
        { volumes: [{ name: 'e', hostPath: { path: '/etc' } }] },
        { volumeMounts: [{ name: 'e', mountPath: '/h' }] },
      ),
    ).toBe(true);
    expect(fires(shadowFileAccess, execution({ invocations: [invocation(['john', 'hashes'])] }))).toBe(true);
    expect(
      fires(
        shadowFileAccess,
        execution({ actions: [read('/etc/passwd'), read('/etc/shadowsocks/config.json')] }),
      ),
    ).toBe(false);
  });

  it('host-credential-exfil fires on node credentials sent or logged, not on a secret sent to its service', () => {
    const node = credential('node-credentials', '/host/etc/kubernetes/admin.conf');
    expect(fires(hostCredentialExfil, execution({ flows: [send(node, 'https://paste.example/')] }))).toBe(
      true,
    );
    expect(
      fires(
        hostCredentialExfil,
        execution({ flows: [flow(credential('host-secrets', '/host/etc/shadow'), 'log')] }),
      ),
    ).toBe(true);
    expect(
      fires(
        hostCredentialExfil,
        execution({ flows: [send(credential('secret', '$DB_PASSWORD'), 'postgres://db:5432')] }),
      ),
    ).toBe(false);
    expect(fires(hostCredentialExfil, execution({ flows: [flow(node, 'exec')] }))).toBe(false);
  });
});

describe('secret-exfil', () => {
  const secret = credential('secret', 'secret orders-db/password');
  it.each<[string, string, boolean]>([
    ['a public IP over http', 'http://203.0.113.41/l', true],
    ['a decimal public IP', 'https://3405803817/x', true],
    ['a wildcard-DNS name', 'https://203.0.113.9.sslip.io/x', true],
    ['its database in the cluster', 'postgres://orders-db:5432/app', false],
    ['a private address', 'http://10.0.3.4:8080/', false],
    ['an API domain', 'https://api.stripe.com/v1/charges', false],
    ['inside a DNS name under a fixed domain', 'dns://$(xxd).x.example', true],
    ['inside the host name of a URL', 'https://${p}.x.example/', true],
    ['as the whole name looked up (a host from a Secret)', 'dns://$db_host', false],
    ['inside a name under a cluster domain', 'dns://$(cut).orders.svc.cluster.local', false],
  ])('sent to %s: %s', (_name, destination, expected) => {
    expect(fires(secretExfil, execution({ flows: [send(secret, destination)] }))).toBe(expected);
  });

  const environment = credential('secret', 'the environment');
  it.each<[string, string, boolean]>([
    ['a public domain', 'https://collect.example/e', true],
    ['a public address', 'http://203.0.113.41/e', true],
    ['a Service in the cluster', 'http://collector.observability.svc:8080/', false],
    ['a place not known before run time', '$URL', false],
  ])('the whole environment sent to %s', (_name, destination, expected) => {
    expect(fires(secretExfil, execution({ flows: [send(environment, destination)] }))).toBe(expected);
  });
});

describe('a credential inside a DNS name is sent to that domain', () => {
  it.each<[string, boolean]>([
    ['dns://$c.t.example', true],
    ['dns://binascii.hexlify(t[i:i+30].encode()).x.example', true],
    ['dns://kubernetes.default.svc', false],
    ['dns://$(cut).kubernetes.default.svc', false],
  ])('the service-account token queried as %s', (destination, expected) => {
    expect(fires(serviceAccountTokenExfil, execution({ flows: [send(sa, destination)] }))).toBe(expected);
  });
});
