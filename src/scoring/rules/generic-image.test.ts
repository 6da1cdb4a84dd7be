import { describe, expect, it } from '@jest/globals';

import { CRON, flaggedImages, run, withImages } from '../../../test/support/rule.js';
import { parseImageReference } from '../../workload/image.js';
import { genericImage, imageMatcher } from './generic-image.js';

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
    expect(flaggedImages(genericImage, [image]).length > 0).toBe(expected);
  });

  it('takes its list from the policy', () => {
    expect(flaggedImages(genericImage, ['ubuntu', 'alpine'], { images: ['alpine'] })).toEqual(['alpine']);
  });

  it('weighs 1: context: at most annotates on its own', () => {
    expect(genericImage.weight).toBe(1);
  });
});
