import { describe, expect, it } from '@jest/globals';

import { buildWorkload } from '../../workload/build.js';
import { parseImageReference } from '../../workload/image.js';
import type { Workload } from '../../workload/types.js';
import type { Evidence, Rule } from '../types.js';
import { genericImage, imageMatcher } from './generic-image.js';
import { offensiveToolImage } from './offensive-tool-image.js';
import { unpinnedImage } from './unpinned-image.js';

const CRON = 'spec.jobTemplate.spec.template.spec';

function withImages(...images: string[]): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              initContainers: [{ name: 'init', image: images[0] }],
              containers: images.slice(1).map((image, i) => ({ name: `c${i}`, image })),
            },
          },
        },
      },
    },
  });
}

function run<P>(rule: Rule<P>, workload: Workload, params?: Partial<P>): Evidence[] {
  return rule.check(workload, { ...(rule.params?.defaults as P), ...params });
}

/** Which images of `withImages(...)` the rule reports. */
function flagged<P>(rule: Rule<P>, images: string[], params?: Partial<P>): string[] {
  return run(rule, withImages(...images), params).map((e) => e.detail ?? '');
}

describe('imageMatcher', () => {
  const matches = imageMatcher(['alpine', 'curlimages/*', 'ghcr.io/evil/*', '*pentest*', 'kali*']);
  it.each([
    ['alpine', true],
    ['alpine:3.19', true],
    ['docker.io/library/alpine@sha256:abc', true],
    ['public.ecr.aws/docker/library/alpine:3', true],
    ['bitnami/alpine', true],
    ['ALPINE', true],
    ['alpine-based-app', false],
    ['alpine/git', false],
    ['curlimages/curl:8.5.0', true],
    ['curlimages/curl/sub', false],
    ['ghcr.io/evil/tool', true],
    ['docker.io/evil/tool', false],
    ['example.com/team/my-pentest-kit:1', true],
    ['kalilinux/kali-rolling', true],
    ['registry.example.com/app:1', false],
    ['', false],
  ])('%j → %s', (image, expected) => {
    expect(matches(parseImageReference(image))).toBe(expected);
  });

  it('compiles once per list', () => {
    const list = ['alpine'];
    expect(imageMatcher(list)).toBe(imageMatcher(list));
  });
});

describe('generic-image', () => {
  it('reports each generic image with its exact path', () => {
    expect(
      run(genericImage, withImages('busybox:1.36', 'registry.example.com/app:1', 'ubuntu:22.04')),
    ).toEqual([
      { path: `${CRON}.initContainers[0].image`, detail: 'busybox:1.36' },
      { path: `${CRON}.containers[1].image`, detail: 'ubuntu:22.04' },
    ]);
  });

  it.each([
    ['alpine:latest', true],
    ['python:3.12-slim', true],
    ['curlimages/curl', true],
    ['nicolaka/netshoot', true],
    ['mcr.microsoft.com/mirror/docker/library/ubuntu:22.04', true],
    ['node:20-alpine', true],
    ['calico/node:v3.27.0', false],
    ['registry.example.com/cni/node:3.28.0', false],
    ['docker.io/library/node:20', true],
    ['bitnami/kubectl:1.30', false],
    ['postgres:16', false],
    ['registry.k8s.io/pause:3.9', false],
    ['ghcr.io/acme/python-app:2', false],
  ])('%s → %s', (image, expected) => {
    expect(flagged(genericImage, [image]).length > 0).toBe(expected);
  });

  it('takes its list from the policy', () => {
    expect(flagged(genericImage, ['ubuntu', 'alpine'], { images: ['alpine'] })).toEqual(['alpine']);
  });
});

describe('offensive-tool-image', () => {
  it.each([
    ['kalilinux/kali-rolling', true],
    ['docker.io/kalilinux/kali-last-release:latest', true],
    ['parrotsec/security', true],
    ['instrumentisto/nmap:7.94', true],
    ['ilyaglow/masscan', true],
    ['metasploitframework/metasploit-framework', true],
    ['bcsecurity/empire:latest', true],
    ['jpillora/chisel', true],
    ['aquasec/kube-hunter', true],
    ['xmrig/xmrig', true],
    ['metal3d/xmrig', true],
    ['example.com/red/pentest-tools:1', true],
    ['subfuzion/netcat', true],
    ['alpine', false],
    ['nicolaka/netshoot', false],
    ['aquasec/kube-bench:v0.8.0', false],
    ['aquasec/trivy', false],
    ['nmap-exporter/app', false],
  ])('%s → %s', (image, expected) => {
    expect(flagged(offensiveToolImage, [image]).length > 0).toBe(expected);
  });
});

describe('unpinned-image', () => {
  it.each([
    ['alpine', true],
    ['alpine:latest', true],
    ['registry.example.com:5000/app', true],
    ['alpine:3.19', false],
    ['alpine@sha256:0123abcd', false],
    ['alpine:latest@sha256:0123abcd', false],
    ['registry.example.com:5000/app:1.2', false],
    ['alpine:LATEST', false],
  ])('%s → %s', (image, expected) => {
    expect(flagged(unpinnedImage, [image]).length > 0).toBe(expected);
  });

  it('points at the image field of each container', () => {
    expect(run(unpinnedImage, withImages('app:1', 'busybox', 'nginx:latest'))).toEqual([
      { path: `${CRON}.containers[0].image`, detail: 'busybox' },
      { path: `${CRON}.containers[1].image`, detail: 'nginx:latest' },
    ]);
  });
});
