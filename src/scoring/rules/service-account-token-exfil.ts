/**
 * service-account-token-exfil — the pod's service-account token is sent to a host that is not the
 * API server.
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded
 * payloads, hooks, exec probes and commands run through a runtime client).
 * Looks for: a network client (`curl`, `wget`, `nc`, `ncat`, `socat`, `telnet`, `openssl s_client`)
 * or inline interpreter code that carries the token file
 * (`/var/run/secrets/kubernetes.io/serviceaccount/token`) to a destination it names, other than
 * `kubernetes.default.svc` (`kubernetes`, `kubernetes.default`, `….svc.cluster.local`) or
 * `$KUBERNETES_SERVICE_HOST`/`$KUBERNETES_PORT…`. The token is carried when a word holds its path or
 * a substitution reading it (`--data-binary @…/token`, `-d @`, `-F f=@`, `-T`,
 * `wget --post-file=…`, `--post-data "t=$(cat …/token)"`, a header or URL with `$(cat …)`), when
 * stdin comes from it (`nc host 80 < …/token`, `cat …/token | curl -d @- …`), or when an earlier
 * command copied it to the file that is sent (`cp …/token /tmp/t; curl -T /tmp/t …`).
 * Why: T1528 — steal application access token: a token that leaves the pod works from anywhere the
 * API server is reachable, until it expires or the service account is deleted.
 * Benign look-alikes: the documented in-cluster call `curl -H "Authorization: Bearer $(cat …/token)"
 * https://kubernetes.default.svc/…` (API server only: does not fire, and `service-account-token-read`
 * stays silent too); a destination the rule cannot resolve (`$URL` with no literal value) does not
 * fire.
 */
import {
  argumentPath,
  commandSources,
  describe,
  EvidenceByPath,
  inlineCode,
  languageOf,
  perSource,
  WrittenFiles,
  type CommandSite,
  type CommandSource,
} from '../commands.js';
import type { SimpleCommand } from '../../workload/types.js';
import type { Evidence, Rule } from '../types.js';

/** The projected token file (also under a host or other prefix). */
export const TOKEN_PATH = /\/run\/secrets\/kubernetes\.io\/serviceaccount\/(?:\.\.data\/)?token\b/;
/** A substitution in a word that reads a file named token: `$(cat $SA/token)`, `` `cat ${D}/token` ``. */
const TOKEN_SUBSTITUTION = /\$\([^)]*\btoken\b[^)]*\)|`[^`]*\btoken\b[^`]*`|\$\(<[^)]*\btoken\b/;
const HTTP_CLIENTS = new Set(['curl', 'wget', 'http', 'https', 'xh', 'aria2c']);
const STREAM_CLIENTS = new Set(['nc', 'ncat', 'netcat', 'telnet']);
const NETCAT_VALUED = new Set(['w', 'p', 's', 'i', 'q', 'x', 'X', 'T', 'O', 'I', 'e', 'c']);
const URL_HOST = /\b(?:https?|ftps?|tftp|scp|sftp|wss?):\/\/(?:[^@/\s"']*@)?(\[[^\]]+\]|[^/:?#\s"'\\]+)/gi;
const BARE_IPV4 = /^((?:\d{1,3}\.){3}\d{1,3})(?::\d+)?(?:\/.*)?$/;
const SOCAT_ADDRESS = /^(?:tcp[46]?|tcp[46]?-connect|openssl|openssl-connect|udp[46]?|udp-sendto):([^:,]+)/i;
const API_SERVER_HOSTS = new Set([
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
]);

/** Whether a destination host is the cluster's API server (by its service name or the env the kubelet sets). */
export function isApiServerHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return API_SERVER_HOSTS.has(h) || /^\$\{?KUBERNETES_(?:SERVICE_HOST|PORT)/i.test(host);
}

/** Hosts a network client (or inline code) names; `undefined` entries are hosts the rule cannot read (`$URL`). */
function destinations(command: SimpleCommand): string[] {
  const { program, argv } = command;
  const hosts: string[] = [];
  const code = languageOf(program) !== undefined ? inlineCode(command) : undefined;
  const words = code !== undefined ? [code] : argv.slice(1);
  for (const word of words) for (const match of word.matchAll(URL_HOST)) hosts.push(match[1] ?? '');
  if (code !== undefined) return hosts;
  if (HTTP_CLIENTS.has(program)) {
    for (const word of argv.slice(1)) {
      const ip = BARE_IPV4.exec(word)?.[1];
      if (ip !== undefined) hosts.push(ip);
    }
  } else if (STREAM_CLIENTS.has(program)) {
    for (let i = 1; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (arg.startsWith('-') && arg.length > 1) {
        if (NETCAT_VALUED.has(arg.charAt(arg.length - 1)) && arg.length === 2) i++;
        continue;
      }
      hosts.push(arg);
      break;
    }
  } else if (program === 'socat') {
    for (const word of argv.slice(1)) {
      const host = SOCAT_ADDRESS.exec(word)?.[1];
      if (host !== undefined) hosts.push(host);
    }
  } else if (program === 'openssl' && argv.includes('s_client')) {
    const i = argv.indexOf('-connect');
    const target = i >= 0 ? argv[i + 1] : undefined;
    if (target !== undefined) hosts.push(target.replace(/:\d+$/, ''));
  }
  return hosts;
}

function isSender(command: SimpleCommand): boolean {
  const { program, argv } = command;
  if (HTTP_CLIENTS.has(program) || STREAM_CLIENTS.has(program) || program === 'socat') return true;
  if (program === 'openssl') return argv.includes('s_client');
  const language = languageOf(program);
  return language !== undefined && language !== 'shell' && inlineCode(command) !== undefined;
}

/** Whether a command mentions the token file in a word or reads it on stdin. */
function readsToken(command: SimpleCommand): boolean {
  const code = inlineCode(command);
  return (
    command.argv.slice(1).some((word) => TOKEN_PATH.test(word)) ||
    (code !== undefined && TOKEN_PATH.test(code)) ||
    command.redirects.some((r) => r.body === undefined && r.op.startsWith('<') && TOKEN_PATH.test(r.target))
  );
}

/** One network client (or inline code) that carries the token, and where it sends it. */
export interface TokenSend {
  site: CommandSite;
  /** Destination hosts it names; empty when it names none the rule can read. */
  hosts: string[];
  /** JSON path of the word that carries the token. */
  path: string;
}

/** Every command of a source that sends the token somewhere, computed once per source (`service-account-token-read` asks too). */
export const tokenSends = perSource(search);

function search(source: CommandSource): TokenSend[] {
  const readAnywhere = source.sites.some((site) => readsToken(site.command));
  if (!readAnywhere) return [];
  const copies = new WrittenFiles<true>();
  const found: TokenSend[] = [];
  for (const site of source.sites) {
    const { command } = site;
    if (isSender(command)) {
      const carrier = carrierPath(site, copies);
      if (carrier !== undefined) found.push({ site, hosts: destinations(command), path: carrier });
    }
    // Copies of the token: `cp …/token /tmp/t`, `cat …/token > /tmp/t`.
    if (readsToken(command)) {
      if (command.program === 'cp' || command.program === 'install') {
        const last = command.argv[command.argv.length - 1];
        if (last !== undefined && !TOKEN_PATH.test(last)) copies.add(last, true);
      }
      for (const r of command.redirects) if (r.op === '>' || r.op === '>>') copies.add(r.target, true);
    }
  }
  return found;
}

/** The path of the word through which a sender gets the token, if it does. */
function carrierPath(site: CommandSite, copies: WrittenFiles<true>): string | undefined {
  const { command } = site;
  const { argv } = command;
  for (let k = 1; k < argv.length; k++) {
    const word = argv[k] ?? '';
    if (TOKEN_PATH.test(word) || TOKEN_SUBSTITUTION.test(word)) return argumentPath(site, k);
    const file = /^(?:[\w-]*=)?@?([^@=\s]+)$/.exec(word)?.[1];
    if (file !== undefined && /[/.]/.test(file) && copies.find(file) !== undefined)
      return argumentPath(site, k);
  }
  if (readsToken(command)) return site.path;
  const upstream = site.pipeline.slice(0, command.pipelinePosition);
  if (upstream.some(readsToken)) return site.path;
  return undefined;
}

/** A send counts as exfiltration when it names a destination and some destination is not the API server. */
export function isExfiltration(send: TokenSend): boolean {
  return send.hosts.length > 0 && send.hosts.some((host) => !isApiServerHost(host));
}

export const serviceAccountTokenExfil: Rule = {
  id: 'service-account-token-exfil',
  profile: 'default',
  weight: 8,
  technique: 'T1528',
  description: 'The service-account token is sent to a host other than the API server',
  reason: 'service-account token sent out',
  guide: 'credential-theft',
  doc: {
    reads: 'container command/args, sh -c scripts, substitutions, decoded payloads, hooks and exec probes',
    why: 'steal application access token (T1528): a token that leaves the pod works from anywhere',
    benign: 'Bearer calls to kubernetes.default.svc or $KUBERNETES_SERVICE_HOST do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      for (const send of tokenSends(source)) {
        if (isExfiltration(send)) evidence.add(send.path, () => describe(send.site.command));
      }
    }
    return evidence.list() satisfies Evidence[];
  },
};
