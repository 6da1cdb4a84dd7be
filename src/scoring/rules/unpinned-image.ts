/**
 * unpinned-image — a container image has no tag, or the `latest` tag, and no digest.
 * Reads: `image` of every container, parsed (`name@sha256:…` and `name:tag@sha256:…` are pinned).
 * Why: whoever controls the repository changes what runs on the next schedule without touching the
 * CronJob — the supply-chain half of implanting an image (T1525); attackers' one-off CronJobs
 * usually pull `:latest`.
 * Benign look-alikes: very common in everyday manifests, so weight 0: reported, never scored. A
 * policy that enforces pinning raises the weight.
 */
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export const unpinnedImage: Rule = {
  id: 'unpinned-image',
  profile: 'default',
  weight: 0,
  technique: 'T1525',
  description: 'Container image has no tag or :latest, and no digest',
  reason: 'unpinned image',
  guide: 'image-hygiene',
  hint: 'pin the image by digest (@sha256:…)',
  doc: {
    reads: 'image of every container, parsed: tag and digest',
    why: 'the repository owner changes what runs next time without editing the CronJob',
    benign: 'very common in everyday manifests: weight 0, reported only',
  },
  check(workload): Evidence[] {
    return workload.containers
      .filter(
        (c) =>
          c.image !== undefined &&
          c.image.repository !== '' &&
          c.image.digest === undefined &&
          (c.image.tag === undefined || c.image.tag === 'latest'),
      )
      .map((c) => ({ path: `${c.path}.image`, detail: quote(c.image?.raw ?? '') }));
  },
};
