import { describe, expect, it } from '@jest/globals';

import { parseImageReference } from './image.js';

describe('parseImageReference', () => {
  it.each([
    [
      'alpine',
      'docker.io',
      'library/alpine',
      'alpine',
      undefined,
      undefined,
      'docker.io/library/alpine:latest',
    ],
    [
      'alpine:3.19',
      'docker.io',
      'library/alpine',
      'alpine',
      '3.19',
      undefined,
      'docker.io/library/alpine:3.19',
    ],
    [
      'docker.io/library/alpine',
      'docker.io',
      'library/alpine',
      'alpine',
      undefined,
      undefined,
      'docker.io/library/alpine:latest',
    ],
    [
      'docker.io/alpine',
      'docker.io',
      'library/alpine',
      'alpine',
      undefined,
      undefined,
      'docker.io/library/alpine:latest',
    ],
    [
      'index.docker.io/busybox:1',
      'docker.io',
      'library/busybox',
      'busybox',
      '1',
      undefined,
      'docker.io/library/busybox:1',
    ],
    [
      'aquasec/kube-bench:v0.8.0',
      'docker.io',
      'aquasec/kube-bench',
      'kube-bench',
      'v0.8.0',
      undefined,
      'docker.io/aquasec/kube-bench:v0.8.0',
    ],
    [
      'ghcr.io/org/x:1@sha256:0123abcd',
      'ghcr.io',
      'org/x',
      'x',
      '1',
      'sha256:0123abcd',
      'ghcr.io/org/x:1@sha256:0123abcd',
    ],
    ['ghcr.io/org/x@sha256:ff', 'ghcr.io', 'org/x', 'x', undefined, 'sha256:ff', 'ghcr.io/org/x@sha256:ff'],
    ['registry:5000/a/b', 'registry:5000', 'a/b', 'b', undefined, undefined, 'registry:5000/a/b:latest'],
    ['registry:5000/a/b:dev', 'registry:5000', 'a/b', 'b', 'dev', undefined, 'registry:5000/a/b:dev'],
    ['localhost/x', 'localhost', 'x', 'x', undefined, undefined, 'localhost/x:latest'],
    ['localhost:5000/x:1', 'localhost:5000', 'x', 'x', '1', undefined, 'localhost:5000/x:1'],
    [
      'myorg/tools/xmrig',
      'docker.io',
      'myorg/tools/xmrig',
      'xmrig',
      undefined,
      undefined,
      'docker.io/myorg/tools/xmrig:latest',
    ],
    [
      'GHCR.IO/Org/XMRig:Latest',
      'ghcr.io',
      'org/xmrig',
      'xmrig',
      'Latest',
      undefined,
      'ghcr.io/org/xmrig:Latest',
    ],
    ['  alpine:3  ', 'docker.io', 'library/alpine', 'alpine', '3', undefined, 'docker.io/library/alpine:3'],
    [
      'mcr.microsoft.com/azure-cli',
      'mcr.microsoft.com',
      'azure-cli',
      'azure-cli',
      undefined,
      undefined,
      'mcr.microsoft.com/azure-cli:latest',
    ],
  ])('%s', (raw, registry, repository, name, tag, digest, normalized) => {
    const reference = parseImageReference(raw);
    expect(reference).toEqual({
      raw,
      registry,
      repository,
      name,
      normalized,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    });
  });

  it.each(['', '   ', ':', '@', '/', '@sha256:', 'a//b', ':::'])('never throws on %j', (raw) => {
    const reference = parseImageReference(raw);
    expect(reference.raw).toBe(raw);
    expect(typeof reference.normalized).toBe('string');
    expect(reference.registry).toBe('docker.io');
  });

  it('returns empty names for an empty reference', () => {
    expect(parseImageReference('')).toEqual({
      raw: '',
      registry: 'docker.io',
      repository: '',
      name: '',
      normalized: '',
    });
  });
});
