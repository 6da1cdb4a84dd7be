/**
 * Grading of download-and-run flows (`download-exec`, `download-exec-unverified`, `network-client`):
 * where code fetched from the network came from, and where it was put before it ran.
 *
 * The line: code over plain HTTP (or FTP, TFTP), from an address written as an IP in any spelling,
 * from a wildcard-DNS name that embeds an address (`…nip.io`), from a public host on a non-default
 * port, from the metadata service, or dropped into a hidden or temporary path before it runs, is
 * how droppers work and nothing a vendor documents: `hostile`. An HTTPS download from a domain is
 * how installers are written: `unverified` unless the source is listed as a vendor's own installer
 * host (`trusted`). Plain HTTP from a name inside the cluster (`http://artifacts.ci.svc/…`) is
 * `unverified`: an attacker's server is rarely a Service of the cluster it attacks. Code from a
 * public host fetched with certificate checks off (`curl -k`, `verify=False`), or from a service
 * where anyone publishes anonymously (tunnels, paste sites, dynamic DNS), is `hostile` too.
 */
import { classifyHost, hostAddress, parseUrl } from '../workload/address.js';
import type { Flow } from '../workload/model.js';

export type DownloadGrade =
  | { readonly grade: 'hostile'; readonly why: string }
  | { readonly grade: 'unverified'; readonly why: string }
  | { readonly grade: 'trusted'; readonly why: string };

const PLAIN_SCHEMES = new Set(['http', 'ftp', 'tftp', 'gopher', 'dict', 'telnet']);
const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443', ftp: '21', ftps: '990' };
/** Directories anyone may write and droppers favour; a program run from there is not an install. */
const TEMPORARY = /^(?:\/tmp|\/var\/tmp|\/dev\/shm|\/run\/user|\/run\/shm)(?:\/|$)/;
/** A path segment starting with a dot (not `.` or `..`): hidden from `ls`. */
const HIDDEN_SEGMENT = /(?:^|\/)\.(?!\.?(?:\/|$))[^/]+/;
/** Steps that name where the fetched code ends up: `runs /tmp/x`, `moves /tmp/k as /usr/local/bin/.x`, `unpacks k.tgz into /dev/shm`. */
const PLACING_STEP =
  /^(?:runs (\S+)|(?:installs|moves|copies|links) \S+ as (\S+)|unpacks \S+ into (\S+)|downloads \S+ to (\S+))/;

/** Whether a source URL is one of `trusted`: a host (`get.helm.sh`) or a host and path prefix (`raw.githubusercontent.com/helm/`). */
function isTrustedSource(host: string, path: string, trusted: readonly string[]): boolean {
  const location = `${host}${path}`;
  return trusted.some((entry) => {
    const slash = entry.indexOf('/');
    if (slash < 0) return host === entry.toLowerCase();
    return location.startsWith(entry.toLowerCase()) || location.startsWith(entry);
  });
}

/**
 * Services where anyone publishes without an account or under a throwaway name: tunnels to a
 * laptop (ngrok, Cloudflare quick tunnels, localtunnel, serveo), paste and file drops (pastebin,
 * transfer.sh, termbin, 0x0.st…), dynamic-DNS names (DuckDNS, No-IP), URL shorteners, chat CDNs.
 * No vendor serves an installer from them; droppers do (they cost nothing and leave no owner).
 */
const ANONYMOUS_HOSTS =
  /(?:^|\.)((?:ngrok(?:-free)?\.(?:io|app|dev)|trycloudflare\.com|loca\.lt|localtunnel\.me|serveo\.net|pinggy\.(?:io|link)|bore\.pub|pastebin\.com|paste\.ee|pastes\.io|hastebin\.com|ghostbin\.\w+|rentry\.(?:co|org)|termbin\.com|ix\.io|sprunge\.us|dpaste\.(?:com|org)|transfer\.sh|temp\.sh|0x0\.st|file\.io|bashupload\.com|oshi\.at|catbox\.moe|gofile\.io|anonfiles\.com|cdn\.discordapp\.com|media\.discordapp\.net|duckdns\.org|ddns\.net|hopto\.org|zapto\.org|sytes\.net|no-ip\.\w+|dynu\.net|freedns\.afraid\.org|bit\.ly|tinyurl\.com|is\.gd|t\.ly|cutt\.ly|gist\.githubusercontent\.com))$/i;

/** Where the flow put the code before running it, if that is a hidden or temporary place. */
function droppedAt(steps: readonly string[]): string | undefined {
  // Only the last place counts: `saves /tmp/kubectl`, then `installs /tmp/kubectl as /usr/local/bin/kubectl` is an install.
  let last: string | undefined;
  for (const step of steps) {
    const match = PLACING_STEP.exec(step);
    const target = match?.[1] ?? match?.[2] ?? match?.[3] ?? match?.[4];
    if (target === undefined) continue;
    if (HIDDEN_SEGMENT.test(target)) return `hidden path ${target}`;
    // `runs ./bot` after `downloads … to /tmp/bot` names the same file by a relative path.
    if (target.startsWith('/')) last = target;
  }
  if (last !== undefined && TEMPORARY.test(last)) return `runs from ${last}`;
  return undefined;
}

/** The grade of a network → exec flow; `undefined` when the source is not a URL the model fetched. */
export function gradeDownload(flow: Flow, trusted: readonly string[]): DownloadGrade | undefined {
  if (flow.source.kind !== 'network') return undefined;
  const url = parseUrl(flow.source.url);
  if (url === undefined)
    return { grade: 'unverified', why: 'code from an address not known before run time' };
  if (url.scheme === 'tcp' || url.scheme === 'udp' || url.scheme === 'tls' || url.scheme === 'ssl')
    return undefined;
  const dropped = droppedAt(flow.steps);
  if (dropped !== undefined) return { grade: 'hostile', why: dropped };
  const anonymous = ANONYMOUS_HOSTS.exec(url.host);
  if (anonymous !== null)
    return {
      grade: 'hostile',
      why: `code from ${anonymous[1] ?? url.host}, where anyone publishes anonymously`,
    };
  const hostClass = classifyHost(url.host);
  if (hostClass === 'metadata') return { grade: 'hostile', why: 'code from the metadata service' };
  const embedded = /[a-z]/i.test(url.host.replace(/^0x/i, '')) ? hostAddress(url.host) : undefined;
  if (embedded !== undefined && !url.host.includes(':') && /\.[a-z]{2,}$/i.test(url.host))
    return { grade: 'hostile', why: `code from a wildcard-DNS name for ${embedded}` };
  if (hostClass === 'public-address') return { grade: 'hostile', why: `code from the address ${url.host}` };
  if (hostClass === 'internal' && hostAddress(url.host) !== undefined)
    return { grade: 'hostile', why: `code from the address ${url.host}` };
  if (hostClass === 'unknown' || hostClass === 'api-server')
    return { grade: 'unverified', why: 'code from a host not known before run time' };
  if (hostClass === 'internal') return { grade: 'unverified', why: `code from ${url.host} in the cluster` };
  if (PLAIN_SCHEMES.has(url.scheme)) return { grade: 'hostile', why: `code over plain ${url.scheme}` };
  // Checks off against a public host (a Service's self-signed certificate inside the cluster is
  // graded above): whoever is on the path could have served the code.
  if (flow.source.insecure === true)
    return { grade: 'hostile', why: 'code fetched with certificate checks off' };
  const defaultPort = Object.hasOwn(DEFAULT_PORTS, url.scheme) ? DEFAULT_PORTS[url.scheme] : undefined;
  if (url.port !== undefined && !url.port.includes('$') && url.port !== defaultPort)
    return { grade: 'hostile', why: `code from ${url.host} on port ${url.port}` };
  if (isTrustedSource(url.host, url.path, trusted))
    return { grade: 'trusted', why: `installer from ${url.host}` };
  return { grade: 'unverified', why: `code from ${url.host}` };
}

/**
 * Vendors' own installer hosts (their documentation pipes these into a shell or runs what they
 * serve): a host, or a host and path prefix where the host serves anyone's files (GitHub).
 * Sources: each project's install documentation (Helm, rustup, Docker, uv, AWS CLI, Kubernetes,
 * HashiCorp, k3s, Node.js, Poetry, pnpm, Bun, Deno, Google Cloud SDK, Azure CLI, Flux, acme.sh,
 * Trivy, golangci-lint, nvm, Homebrew, Tailscale, SDKMAN!, Ollama). Anyone can publish under
 * `github.com` or `raw.githubusercontent.com`, so only named projects' paths are listed there.
 */
export const TRUSTED_INSTALLERS: readonly string[] = [
  'get.helm.sh',
  'sh.rustup.rs',
  'static.rust-lang.org',
  'get.docker.com',
  'download.docker.com',
  'astral.sh',
  'awscli.amazonaws.com',
  'dl.k8s.io',
  'cdn.dl.k8s.io',
  'releases.hashicorp.com',
  'apt.releases.hashicorp.com',
  'get.k3s.io',
  'get.rke2.io',
  'deb.nodesource.com',
  'rpm.nodesource.com',
  'install.python-poetry.org',
  'get.pnpm.io',
  'bun.sh',
  'deno.land',
  'sdk.cloud.google.com',
  'dl.google.com',
  'aka.ms',
  'packages.microsoft.com',
  'fluxcd.io',
  'get.acme.sh',
  'tailscale.com',
  'get.sdkman.io',
  'ollama.com',
  'raw.githubusercontent.com/helm/',
  'raw.githubusercontent.com/aquasecurity/',
  'raw.githubusercontent.com/golangci/',
  'raw.githubusercontent.com/nvm-sh/',
  'raw.githubusercontent.com/Homebrew/',
  'raw.githubusercontent.com/fluxcd/',
  'raw.githubusercontent.com/argoproj/',
  'raw.githubusercontent.com/kubernetes/',
  'raw.githubusercontent.com/kubernetes-sigs/',
  'github.com/helm/',
  'github.com/aquasecurity/',
  'github.com/golangci/',
  'github.com/kubernetes/',
  'github.com/kubernetes-sigs/',
  'github.com/prometheus/',
  'github.com/argoproj/',
  'github.com/fluxcd/',
  'github.com/cli/',
];
