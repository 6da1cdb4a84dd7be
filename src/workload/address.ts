/**
 * Hosts and URLs as a program will resolve them: the many spellings of one IPv4 address that
 * curl and the C library accept (decimal `2852039166`, hex `0xa9fea9fe`, octal `0251.0376.0251.0376`,
 * shortened `169.254.43518`, IPv6-mapped `::ffff:a9fe:a9fe`), wildcard-DNS names that embed an
 * address (`169.254.169.254.nip.io`), and what kind of place a host is (the cloud metadata service,
 * the cluster's API server, an address inside the cluster, a public address, a domain).
 *
 * Sources: inet_aton(3) for the numeric forms; RFC 4291 §2.5.5.2 for IPv4-mapped IPv6; the cloud
 * providers' instance-metadata documentation for their endpoints.
 */

export interface ParsedUrl {
  scheme: string;
  /** Lowercased host without brackets; `$VAR` text kept as written when unknown. */
  host: string;
  port?: string;
  /** Path with query, from the first `/` after the authority. */
  path: string;
  /** `user:password@` was present. */
  hasCredentials: boolean;
}

const URL_PATTERN = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?([^#]*)/i;
/** `host:port/path` or `host/path` without a scheme, as curl and wget accept it. */
const BARE_PATTERN =
  /^(?:([^@/?#:]*(?::[^@/?#]*)?)@)?(\[[^\]]*\]|[a-z0-9.$_{}-]+)(?::(\d+|\$\{?\w+\}?))?(\/[^#]*)?$/i;

/** Parses a URL as curl would read its argument (a missing scheme means http). */
export function parseUrl(text: string): ParsedUrl | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 4096) return undefined;
  const match = URL_PATTERN.exec(trimmed);
  if (match) {
    const host = (match[3] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
    const url: ParsedUrl = {
      scheme: (match[1] ?? '').toLowerCase(),
      host,
      path: match[5] === undefined || match[5] === '' ? '/' : match[5],
      hasCredentials: match[2] !== undefined && match[2].includes(':'),
    };
    if (match[4] !== undefined && match[4] !== '') url.port = match[4];
    return url;
  }
  const bare = BARE_PATTERN.exec(trimmed);
  if (bare === null) return undefined;
  const host = (bare[2] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
  // A bare word is a host only when it looks like one: dots, a port, or a path.
  if (!host.includes('.') && bare[3] === undefined && bare[4] === undefined && !host.includes(':'))
    return undefined;
  const url: ParsedUrl = {
    scheme: 'http',
    host,
    path: bare[4] ?? '/',
    hasCredentials: bare[1] !== undefined && bare[1].includes(':'),
  };
  if (bare[3] !== undefined) url.port = bare[3];
  return url;
}

/** One part of an inet_aton address: decimal, `0x` hex or leading-zero octal. */
function addressPart(text: string): number | undefined {
  if (text === '') return undefined;
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return parseInt(text, 10);
  return undefined;
}

/** The dotted quad an inet_aton spelling stands for (1 to 4 parts, each decimal, hex or octal). */
function normalizeIPv4(text: string): string | undefined {
  if (text.length > 64) return undefined;
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const numbers = parts.map(addressPart);
  if (numbers.some((n) => n === undefined)) return undefined;
  const values = numbers as number[];
  const last = values[values.length - 1] ?? 0;
  const head = values.slice(0, -1);
  if (head.some((n) => n > 255)) return undefined;
  // The last part fills the bytes the earlier parts did not: `169.254.43518` → 169.254.169.254.
  const lastBytes = 4 - head.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const bytes = [...head];
  for (let k = lastBytes - 1; k >= 0; k--) bytes.push(Math.floor(last / 2 ** (8 * k)) % 256);
  return bytes.join('.');
}

/** The IPv4 address inside an IPv4-mapped or -compatible IPv6 address (`::ffff:a9fe:a9fe`). */
function mappedIPv4(host: string): string | undefined {
  if (!host.includes(':')) return undefined;
  const match =
    /^(?:0{0,4}:){0,5}(?::|0{0,4}:)?(?:ffff:)?(?:0{1,4}:)?([0-9.]+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i.exec(host);
  if (match === null) return undefined;
  const tail = match[1] ?? '';
  if (tail.includes('.')) return normalizeIPv4(tail);
  const [high, low] = tail.split(':').map((h) => parseInt(h, 16));
  if (high === undefined || low === undefined) return undefined;
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

const WILDCARD_DOMAINS = ['nip.io', 'sslip.io', 'xip.io', 'traefik.me', 'localtest.me'];
/** Characters at the end of a host that hold `.` and the longest of WILDCARD_DOMAINS. */
const WILDCARD_TAIL = 13;

/** An address embedded in a wildcard-DNS name: `169.254.169.254.nip.io`, `169-254-169-254.sslip.io`, `a9fea9fe.nip.io`. */
function wildcardDnsAddress(host: string): string | undefined {
  // The pattern ends in one of these names: most hosts end in none, and need no regex pass.
  const end = host.slice(-WILDCARD_TAIL).toLowerCase();
  if (!WILDCARD_DOMAINS.some((domain) => end.endsWith(`.${domain}`))) return undefined;
  const match =
    /^(?:.*?[.-])?((?:\d{1,3}[.-]){3}\d{1,3}|[0-9a-f]{8})\.(?:nip\.io|sslip\.io|xip\.io|traefik\.me|localtest\.me)$/i.exec(
      host,
    );
  if (match === null) return undefined;
  const embedded = match[1] ?? '';
  if (/^[0-9a-f]{8}$/i.test(embedded)) return normalizeIPv4(`0x${embedded}`);
  return normalizeIPv4(embedded.replace(/-/g, '.'));
}

/** `host` without the brackets of an IPv6 literal (`[::1]`); the same string when it has none. */
function unbracketed(host: string): string {
  return host.startsWith('[') || host.endsWith(']') ? host.replace(/^\[|\]$/g, '') : host;
}

/** `host` without the trailing dot of a fully qualified name (`metadata.google.internal.`). */
function undotted(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** A host as compared: no brackets, lower case, no trailing dot. */
function bareHost(host: string): string {
  return undotted(unbracketed(host).toLowerCase());
}

/** The IPv4 address a host names, in any spelling; undefined for names and other addresses. */
export function hostAddress(host: string): string | undefined {
  const bare = undotted(unbracketed(host));
  if (/^[0-9a-fx.]+$/i.test(bare)) return normalizeIPv4(bare);
  return mappedIPv4(bare) ?? wildcardDnsAddress(bare);
}

const METADATA_ADDRESSES = new Map<string, string>([
  ['169.254.169.254', 'instance metadata'],
  ['169.254.170.2', 'ECS task credentials'],
  ['169.254.170.23', 'EKS Pod Identity agent'],
  ['100.100.100.200', 'Alibaba Cloud metadata'],
  ['192.0.0.192', 'Oracle Cloud metadata'],
]);
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data']);
const METADATA_IPV6 = new Set(['fd00:ec2::254', 'fd00:ec2::23', 'fd20:ce::254']);

/** Whether the host is a cloud metadata or credential endpoint, in any spelling. */
export function isMetadataHost(host: string): boolean {
  // classifyHost answers this first, the same way, for every host it does not call unknown.
  if (host !== '' && !host.includes('$') && !host.includes('\u0000'))
    return classifyHost(host) === 'metadata';
  const bare = bareHost(host);
  return isMetadataBare(bare, hostAddress(bare));
}

/** isMetadataHost of a bare host whose address (hostAddress) is known. */
function isMetadataBare(bare: string, address: string | undefined): boolean {
  if (METADATA_NAMES.has(bare) || METADATA_IPV6.has(bare)) return true;
  return address !== undefined && METADATA_ADDRESSES.has(address);
}

const API_SERVER_NAMES = /^(?:kubernetes|kubernetes\.default|kubernetes\.default\.svc(?:\.cluster\.local)?)$/;

/** Whether the host is the cluster's own API server (the in-cluster names, `$KUBERNETES_SERVICE_HOST`). */
export function isApiServerHost(host: string): boolean {
  const bare = undotted(host.toLowerCase());
  return API_SERVER_NAMES.test(bare) || /^\$\{?KUBERNETES_SERVICE_HOST\}?$/i.test(host);
}

/** Private, loopback and link-local IPv4 ranges (RFC 1918, RFC 6598, RFC 3927). */
function isPrivateAddress(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a === 0
  );
}

export type HostClass =
  /** Cloud metadata / credential endpoints. */
  | 'metadata'
  /** The Kubernetes API server. */
  | 'api-server'
  /** A Service or name inside the cluster (`db`, `vault.vault.svc`), loopback or a private address. */
  | 'internal'
  /** A public IP address written as an address, in any spelling. */
  | 'public-address'
  /** A public domain name. */
  | 'domain'
  /** Not known before run time (`$HOST`, `$(…)`). */
  | 'unknown';

/**
 * Hosts classified before: a cluster's jobs call the same few endpoints again and again. Bounded in
 * entries and in the length of a host kept (a DNS name is at most 253 characters); emptied when full.
 */
const CLASSIFIED = new Map<string, HostClass>();
const MAX_CLASSIFIED = 1024;
const MAX_CLASSIFIED_LENGTH = 256;

/** What kind of place a host is. */
export function classifyHost(host: string): HostClass {
  if (host.length > MAX_CLASSIFIED_LENGTH) return classify(host);
  let known = CLASSIFIED.get(host);
  if (known === undefined) {
    known = classify(host);
    if (CLASSIFIED.size >= MAX_CLASSIFIED) CLASSIFIED.clear();
    CLASSIFIED.set(host, known);
  }
  return known;
}

function classify(host: string): HostClass {
  if (host === '' || host.includes('$') || host.includes('\u0000')) {
    return isApiServerHost(host) ? 'api-server' : 'unknown';
  }
  // The bare host and its address serve every test below (isMetadataHost computes the same two).
  const bare = bareHost(host);
  const address = hostAddress(bare);
  if (isMetadataBare(bare, address)) return 'metadata';
  if (isApiServerHost(host)) return 'api-server';
  if (address !== undefined) return isPrivateAddress(address) ? 'internal' : 'public-address';
  if (bare.includes(':'))
    return bare === '::1' || bare.startsWith('fd') || bare.startsWith('fe80') ? 'internal' : 'public-address';
  if (bare === 'localhost' || !bare.includes('.')) return 'internal';
  if (/\.(?:svc|svc\.cluster\.local|cluster\.local|local|internal|localdomain|lan|home\.arpa)$/.test(bare))
    return 'internal';
  return 'domain';
}

/** Whether `host` is `domain` or a subdomain of it. */
export function isWithin(host: string, domain: string): boolean {
  const bare = undotted(host.toLowerCase());
  return bare === domain || bare.endsWith(`.${domain}`);
}
