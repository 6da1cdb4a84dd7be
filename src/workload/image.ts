/**
 * Container image references (`[registry/]repository[:tag][@digest]`), normalized the way the
 * container runtime resolves them (docker.io default, `library/` for official images) so that rules
 * and exemptions compare like with like. Never throws: a malformed reference yields empty fields.
 * Grammar: https://github.com/distribution/reference (reference.go), docker's `ParseNormalizedNamed`.
 */
import type { ImageReference } from './types.js';

const DEFAULT_REGISTRY = 'docker.io';
/** Aliases the docker CLI rewrites to `docker.io`. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Whether the first path segment names a registry host rather than a repository namespace. */
function isRegistryHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment.toLowerCase() === 'localhost';
}

/**
 * References parsed before, by text: a cluster runs the same few hundred images again and again.
 * Bounded in entries and in the length of what is kept (a reference name is at most 255
 * characters; longer text is parsed every time and never stored); emptied when full.
 */
const PARSED = new Map<string, Readonly<ImageReference>>();
const MAX_PARSED = 1024;
const MAX_PARSED_LENGTH = 512;

/** Parses an image reference as written in a pod spec; see `ImageReference`. */
export function parseImageReference(raw: string): ImageReference {
  if (raw.length > MAX_PARSED_LENGTH) return parse(raw);
  let reference = PARSED.get(raw);
  if (reference === undefined) {
    reference = parse(raw);
    if (PARSED.size >= MAX_PARSED) PARSED.clear();
    PARSED.set(raw, reference);
  }
  // A copy: the caller owns what it is given.
  return { ...reference };
}

function parse(raw: string): ImageReference {
  let rest = raw.trim();

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1).toLowerCase() || undefined;
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1) || undefined;
    rest = rest.slice(0, colon);
  }

  const segments = rest.split('/').filter((segment) => segment !== '');
  let registry = DEFAULT_REGISTRY;
  const first = segments[0];
  if (segments.length > 1 && first !== undefined && isRegistryHost(first)) {
    registry = first.toLowerCase();
    segments.shift();
  }
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DEFAULT_REGISTRY;
    if (segments.length === 1) segments.unshift('library');
  }

  const repository = segments.join('/').toLowerCase();
  const name = (segments.at(-1) ?? '').toLowerCase();
  let normalized = '';
  if (repository !== '') {
    normalized = `${registry}/${repository}`;
    if (tag !== undefined) normalized += `:${tag}`;
    if (digest !== undefined) normalized += `@${digest}`;
    if (tag === undefined && digest === undefined) normalized += ':latest';
  }

  const reference: ImageReference = { raw, registry, repository, name, normalized };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}
