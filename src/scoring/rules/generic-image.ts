/**
 * generic-image — a container runs a generic base or utility image (alpine, busybox, ubuntu,
 * python, curl…) rather than an application image.
 * Reads: `image` of every container, parsed (`docker.io/library/` defaults applied).
 * Patterns (param `images`, also used by `offensive-tool-image`): globs (`*` within a segment, `**`
 * across); a pattern without `/` matches the image name, the last path segment (`alpine` matches
 * `alpine`, `docker.io/library/alpine`, `public.ecr.aws/docker/library/alpine`, `bitnami/alpine`); a
 * pattern with `/` matches the repository path (`curlimages/curl`, `alpine/*`); a pattern whose first
 * segment is a registry host (has `.` or `:`) matches `registry/repository`. Case-insensitive.
 * Why: attackers who create a CronJob rarely build an image; they pull a stock one and pass the
 * payload as a command (T1610). The seed query scored these images the same way.
 * Benign look-alikes: the everyday hello, clean-up, wait-for-db and CI jobs use exactly these images:
 * weight 1, context only.
 */
import picomatch from 'picomatch';
import { z } from 'zod';
import type { ImageReference, Workload } from '../../workload/types.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export interface ImagesParams {
  /** Image patterns, see the rule's doc block. */
  images: string[];
}

/** @internal */
export type ImageMatcher = (image: ImageReference) => boolean;

const NEVER = /(?!)/;
const matchers = new WeakMap<readonly string[], ImageMatcher>();

function combine(patterns: readonly string[]): RegExp {
  if (patterns.length === 0) return NEVER;
  // One alternation instead of one matcher per pattern: a single test per image, whatever the list length.
  const sources = patterns.map((p) => picomatch.makeRe(p.toLowerCase(), { dot: true }).source);
  return new RegExp(sources.map((s) => `(?:${s})`).join('|'));
}

function isRegistryQualified(pattern: string): boolean {
  const first = pattern.split('/', 1)[0] ?? '';
  return pattern.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/**
 * Compiles image patterns once per list (policy parameters are stable per load).
 * @internal
 */
export function imageMatcher(patterns: readonly string[]): ImageMatcher {
  let matcher = matchers.get(patterns);
  if (!matcher) {
    const byName = combine(patterns.filter((p) => !p.includes('/')));
    const byRepository = combine(patterns.filter((p) => p.includes('/') && !isRegistryQualified(p)));
    const byReference = combine(patterns.filter(isRegistryQualified));
    matcher = (image) =>
      image.repository !== '' &&
      (byName.test(image.name) ||
        byRepository.test(image.repository) ||
        (byReference !== NEVER && byReference.test(`${image.registry}/${image.repository}`)));
    matchers.set(patterns, matcher);
  }
  return matcher;
}

/** One piece of evidence per container whose image matches one of `patterns`, pointing at its `image`. */
export function imagesMatching(workload: Workload, patterns: readonly string[]): Evidence[] {
  const matches = imageMatcher(patterns);
  const evidence: Evidence[] = [];
  for (const { image, path } of workload.containers) {
    if (image !== undefined && matches(image))
      evidence.push({ path: `${path}.image`, detail: quote(image.raw) });
  }
  return evidence;
}

export const imagesSchema = z.object({ images: z.array(z.string().min(1)) }).strict();

export const genericImage: Rule<ImagesParams> = {
  id: 'generic-image',
  profile: 'default',
  weight: 1,
  technique: 'T1610',
  description: 'Container runs a generic base or utility image (alpine, busybox, ubuntu, python, curl…)',
  reason: 'generic image',
  guide: 'image-hygiene',
  hint: 'use an image built for the job, pinned by digest',
  doc: {
    reads: 'image of every container, parsed and normalized',
    why: 'attackers pull stock images and pass the payload as a command',
    benign: 'everyday hello, clean-up and CI jobs use them too: weight 1, context only',
  },
  params: {
    schema: imagesSchema,
    defaults: {
      images: [
        'alpine',
        'alpine/*',
        'busybox',
        'ubuntu',
        'debian',
        'centos',
        'fedora',
        'rockylinux',
        'almalinux',
        'amazonlinux',
        'oraclelinux',
        'archlinux',
        'opensuse/*',
        'python',
        'perl',
        'ruby',
        'php',
        // the official image only: `calico/node` and other `*/node` images are not generic
        'library/node',
        'bash',
        'curl',
        'wget',
        'alpine-curl',
        'curlimages/*',
        'nicolaka/netshoot',
        'praqma/network-multitool',
        'wbitt/network-multitool',
      ],
    },
  },
  check: (workload, params) => imagesMatching(workload, params.images),
};
