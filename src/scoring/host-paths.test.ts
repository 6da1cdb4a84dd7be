import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import {
  DEFAULT_RUNTIME_SOCKETS,
  DEFAULT_SENSITIVE_PATHS,
  gradeHostPath,
  hostPathKey,
  isHostRoot,
  matchHostPath,
  normalizeHostPath,
} from './host-paths.js';

describe('normalizeHostPath', () => {
  it.each([
    ['/etc', '/etc'],
    ['/etc/', '/etc'],
    ['//etc//kubernetes/', '/etc/kubernetes'],
    ['/./etc/.', '/etc'],
    ['/var/log/../../etc', '/etc'],
    ['/../..', '/'],
    ['/', '/'],
    ['//', '/'],
    ['/.', '/'],
    ['etc/shadow', '/etc/shadow'],
    ['  /etc  ', '/etc'],
    ['', ''],
    ['C:\\Windows\\', 'c:\\windows'],
    ['C:/', 'c:\\'],
    ['c:', 'c:\\'],
    ['\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\docker_engine'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeHostPath(raw)).toBe(expected);
  });

  it('is idempotent and never leaves //, /. or a trailing / (property)', () => {
    const segment = fc.constantFrom('', '.', '..', 'etc', 'var', 'run', 'a.b', '...');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.boolean(), (segments, lead) => {
        const once = normalizeHostPath((lead ? '/' : '') + segments.join('/') || '/');
        expect(normalizeHostPath(once)).toBe(once);
        expect(once.startsWith('/')).toBe(true);
        expect(once).not.toMatch(/\/\/|\/\.(?:\/|$)|\/\.\.(?:\/|$)|.\/$/);
      }),
    );
  });
});

describe('hostPathKey', () => {
  it.each([
    ['/var/run/docker.sock', '/run/docker.sock'],
    ['/var/run', '/run'],
    ['/var/running', '/var/running'],
    ['/run/containerd', '/run/containerd'],
  ])('%s → %s', (raw, expected) => {
    expect(hostPathKey(raw)).toBe(expected);
  });
});

describe('isHostRoot', () => {
  it.each([
    ['/', true],
    ['//', true],
    ['/.', true],
    ['/host/..', true],
    ['/proc/1/root', true],
    ['/proc/self/root', true],
    ['/proc/1/cwd', true],
    ['C:\\', true],
    ['/host', false],
    ['/proc', false],
    ['/proc/1/root/etc', false],
    ['', false],
  ])('%j → %s', (raw, expected) => {
    expect(isHostRoot(raw)).toBe(expected);
  });
});

describe('matchHostPath', () => {
  const list = ['/etc', '/sys', '/var/lib/kubelet', '/var/run/docker.sock'];
  it.each([
    ['/etc', { entry: '/etc', relation: 'inside' }],
    ['/etc/kubernetes/pki', { entry: '/etc', relation: 'inside' }],
    ['/etcd', undefined],
    ['/etc-backup', undefined],
    ['/usr/local/etc', undefined],
    ['/systemd', undefined],
    ['/sys/fs/cgroup', { entry: '/sys', relation: 'inside' }],
    ['/var', { entry: '/var/lib/kubelet', relation: 'holds' }],
    ['/var/lib', { entry: '/var/lib/kubelet', relation: 'holds' }],
    ['/var/lib/kubelet-plugins', undefined],
    ['/run', { entry: '/var/run/docker.sock', relation: 'holds' }],
    ['/run/docker.sock', { entry: '/var/run/docker.sock', relation: 'inside' }],
    ['/var/run/docker.sock/', { entry: '/var/run/docker.sock', relation: 'inside' }],
    ['/var/log', undefined],
    ['', undefined],
  ])('%j', (raw, expected) => {
    expect(matchHostPath(raw, list)).toEqual(expected);
  });

  it('prefers inside over holds', () => {
    expect(matchHostPath('/var/lib/kubelet', ['/var/lib/kubelet/pods', '/var/lib/kubelet'])).toEqual({
      entry: '/var/lib/kubelet',
      relation: 'inside',
    });
  });

  it('matches Windows named pipes case-insensitively', () => {
    expect(matchHostPath('\\\\.\\PIPE\\docker_engine', DEFAULT_RUNTIME_SOCKETS)?.relation).toBe('inside');
  });

  it('never matches a path that only shares a string prefix (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DEFAULT_SENSITIVE_PATHS),
        fc.stringMatching(/^[a-z0-9_.-]{1,6}$/),
        (entry, tail) => {
          expect(matchHostPath(`${entry}${tail}`, [entry])).toBeUndefined();
        },
      ),
    );
  });
});

describe('gradeHostPath (default lists)', () => {
  it.each([
    ['/', false, 'root'],
    ['/var/run/docker.sock', false, 'runtime'],
    ['/var/run', false, 'runtime'],
    ['/var/lib/docker/overlay2', true, 'runtime'],
    ['/etc', false, 'sensitive'],
    ['/etc/kubernetes/pki/etcd', false, 'sensitive'],
    ['/var/lib/kubelet/pods', false, 'sensitive'],
    ['/etc/localtime', false, 'plain'],
    ['/etc/localtime', true, 'sensitive'],
    ['/etc/ssl/certs', false, 'plain'],
    ['/etc/ssl', false, 'sensitive'],
    ['/var/log', false, 'plain'],
    ['/var/log', true, 'sensitive'],
    ['/var/log/pods', false, 'plain'],
    ['/lib/modules', false, 'plain'],
    ['/lib/modules', true, 'sensitive'],
    ['/sys', false, 'plain'],
    ['/sys/kernel', true, 'sensitive'],
    ['/opt', false, 'plain'],
    ['/opt', true, 'sensitive'],
    ['/etcd', true, 'plain'],
    ['/systemd', true, 'plain'],
    ['/tmp', true, 'plain'],
    ['/data/backups', true, 'plain'],
  ] as const)('%s writable=%s → %s', (raw, writable, expected) => {
    expect(gradeHostPath(raw, writable)).toBe(expected);
  });
});
