import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { loadKubeConfig } from '../src/kube/namespaces.js';

let dir: string;
let serviceAccountDir: string;
let home: string;

function kubeconfig(file: string, options: { current?: string; clusters: Record<string, string> }): string {
  const names = Object.keys(options.clusters);
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    ...(options.current ? [`current-context: ${options.current}`] : []),
    'clusters:',
    ...names.flatMap((name) => [`- name: ${name}`, '  cluster:', `    server: ${options.clusters[name]}`]),
    'users:',
    ...names.flatMap((name) => [`- name: ${name}`, '  user:', `    token: token-${name}`]),
    'contexts:',
    ...names.flatMap((name) => [
      `- name: ${name}`,
      '  context:',
      `    cluster: ${name}`,
      `    user: ${name}`,
    ]),
  ];
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, `${lines.join('\n')}\n`);
  return full;
}

function mountServiceAccount(): void {
  mkdirSync(serviceAccountDir, { recursive: true });
  writeFileSync(path.join(serviceAccountDir, 'token'), 'sa-token');
  writeFileSync(path.join(serviceAccountDir, 'ca.crt'), 'not really a CA');
  writeFileSync(path.join(serviceAccountDir, 'namespace'), 'jobguard\n');
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jobguard-kubeconfig-'));
  serviceAccountDir = path.join(dir, 'serviceaccount');
  home = path.join(dir, 'home');
  mkdirSync(home);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadKubeConfig', () => {
  it('uses the in-cluster service account when KUBERNETES_SERVICE_HOST is set and a token is mounted', async () => {
    mountServiceAccount();
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

    const config = loadKubeConfig({ env, serviceAccountDir, homeDir: home });

    expect(config?.getCurrentCluster()).toMatchObject({
      server: 'https://10.96.0.1:443',
      caFile: path.join(serviceAccountDir, 'ca.crt'),
      skipTLSVerify: false,
    });
    expect(config?.getContextObject(config.getCurrentContext())?.namespace).toBe('jobguard');
    const options: RequestOptions = {};
    await config?.applyToHTTPSOptions(options);
    expect((options.headers as Record<string, string>).Authorization).toBe('Bearer sa-token');
  });

  it('brackets an IPv6 service host', () => {
    mountServiceAccount();
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' };
    expect(loadKubeConfig({ env, serviceAccountDir })?.getCurrentCluster()?.server).toBe(
      'https://[fd00::1]:6443',
    );
  });

  it('falls back to $KUBECONFIG when the service host is set but no token is mounted', () => {
    const file = kubeconfig('a.yaml', { current: 'dev', clusters: { dev: 'https://dev.example:6443' } });
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBECONFIG: file };
    expect(loadKubeConfig({ env, serviceAccountDir })?.getCurrentCluster()?.server).toBe(
      'https://dev.example:6443',
    );
  });

  it('merges the $KUBECONFIG files as kubectl does: the first to name an entry wins', () => {
    const first = kubeconfig('first.yaml', { clusters: { shared: 'https://first.example' } });
    const second = kubeconfig('second.yaml', {
      current: 'other',
      clusters: { shared: 'https://second.example', other: 'https://other.example' },
    });
    const env = { KUBECONFIG: [first, path.join(dir, 'missing.yaml'), second].join(path.delimiter) };

    const config = loadKubeConfig({ env, serviceAccountDir });

    expect(config?.getCurrentContext()).toBe('other');
    expect(config?.getCluster('shared')?.server).toBe('https://first.example');
    expect(config?.getUser('shared')?.token).toBe('token-shared');
    expect(config?.getCurrentCluster()?.server).toBe('https://other.example');
  });

  it('reads ~/.kube/config when $KUBECONFIG is not set', () => {
    kubeconfig('home/.kube/config', { current: 'home', clusters: { home: 'https://home.example' } });
    const config = loadKubeConfig({ env: { HOME: home }, serviceAccountDir });
    expect(config?.getCurrentCluster()?.server).toBe('https://home.example');
  });

  it('returns undefined when there is no cluster to talk to, never http://localhost:8080', () => {
    expect(loadKubeConfig({ env: {}, serviceAccountDir, homeDir: home })).toBeUndefined();
    const env = { KUBECONFIG: path.join(dir, 'missing.yaml') };
    expect(loadKubeConfig({ env, serviceAccountDir, homeDir: home })).toBeUndefined();
  });

  it('throws, naming the file, when no current context points at a cluster', () => {
    const file = kubeconfig('nocontext.yaml', { clusters: { dev: 'https://dev.example' } });
    expect(() => loadKubeConfig({ env: { KUBECONFIG: file }, serviceAccountDir })).toThrow(file);
  });
});
