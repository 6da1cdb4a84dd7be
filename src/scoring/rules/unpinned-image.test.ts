import { describe, expect, it } from '@jest/globals';

import { CRON, flaggedImages, run, withImages } from '../../../test/support/rule.js';
import { unpinnedImage } from './unpinned-image.js';

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
    expect(flaggedImages(unpinnedImage, [image]).length > 0).toBe(expected);
  });

  it('points at the image field of each container', () => {
    expect(run(unpinnedImage, withImages('app:1', 'busybox', 'nginx:latest'))).toEqual([
      { path: `${CRON}.containers[0].image`, detail: 'busybox' },
      { path: `${CRON}.containers[1].image`, detail: 'nginx:latest' },
    ]);
  });

  it('weighs 0: reported, never scored', () => {
    expect(unpinnedImage.weight).toBe(0);
  });
});
