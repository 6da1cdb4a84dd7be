/**
 * reverse-shell — the container opens a shell whose input and output go to a network peer.
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded payloads,
 * lifecycle hooks and exec probes) and the inline code of interpreters.
 * Looks for: a shell redirected to `/dev/tcp|udp/H/P` (`bash -i >& /dev/tcp/…`, or a descriptor
 * opened with `exec 5<>/dev/tcp/…` and handed to a shell or a read loop), `nc`/`ncat`/`netcat`
 * with `-e`/`-c`/`--exec`/`--sh-exec`, `socat` joining a network address to `exec:`/`system:`,
 * a pipeline that joins a network client (`nc`, `telnet`, `openssl s_client`, `socat`) and a
 * shell reading its stdin (the `mkfifo` and `telnet | sh | telnet` forms), and one-liners in
 * python/perl/ruby/php/node/lua/awk that connect a socket and hand it to a shell.
 * Why: T1059.004 — a reverse shell gives the attacker an interactive session inside the cluster
 * that outlives the job's command and needs no inbound port.
 * Benign look-alikes: wait-for scripts that probe `</dev/tcp/db/5432` or use `nc -z` (no shell on
 * the socket), `curl | python -c 'json…'` (code given with `-c` does not read stdin), HTTP requests
 * written to a `/dev/tcp` descriptor and read back with `cat`.
 */
import {
  argumentPath,
  commandSources,
  describe,
  describePipeline,
  EvidenceByPath,
  inlineCode,
  languageOf,
  executesStdin,
  type CommandSite,
  type CommandSource,
  type Language,
  perSource,
} from '../commands.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

const NET_DEVICE = /^\/dev\/(?:tcp|udp)\/./;
const NETCATS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'pnc']);
const PIPE_CLIENTS = new Set([...NETCATS, 'telnet', 'socat', 'cryptcat', 'sbd']);
const NETCAT_EXEC_LONG = /^--(?:exec|sh-exec|lua-exec)(?:=|$)/;
const SOCAT_EXEC = /^(?:exec|system):/i;
const SOCAT_NETWORK =
  /^(?:tcp|tcp4|tcp6|tcp-connect|tcp4-connect|tcp6-connect|tcp-listen|tcp4-listen|tcp6-listen|udp|udp4|udp6|udp-connect|udp-listen|openssl|openssl-connect|openssl-listen|ssl|sctp|sctp-connect|socks|socks4|socks4a|socks5|proxy|proxy-connect):/i;

/** Inline code that connects a socket and gives it to a shell, per language: every pattern of one row must match. */
const SOCKET_SHELL: Partial<Record<Language, readonly (readonly RegExp[])[]>> = {
  python: [
    [
      /\bsocket\b/,
      /\.connect\(/,
      /\bdup2\b|\bsubprocess\b|pty\.spawn|\bos\.system\b|\bos\.popen\b|\bexec[lv]?p?e?\(/,
    ],
  ],
  perl: [[/IO::Socket|\bsocket\s*\(/, /\bexec\b|\bsystem\b|open\s*\(\s*STD(?:IN|OUT)/]],
  ruby: [[/TCPSocket|\bSocket\.new\b|UNIXSocket/, /\bexec\b|\bspawn\b|\bsystem\b|IO\.popen|\bPTY\b/]],
  php: [
    [
      /\bfsockopen\b|\bstream_socket_client\b|\bsocket_create\b/,
      /\bexec\b|proc_open|shell_exec|\bsystem\b|passthru|popen|`/,
    ],
  ],
  node: [
    [
      /require\(\s*['"](?:node:)?net['"]\s*\)|\bnet\.(?:Socket|connect|createConnection)\b/,
      /child_process|\bspawn\(|\bexec(?:Sync)?\(/,
    ],
  ],
  lua: [[/\bsocket\b/, /\bconnect\b/, /os\.execute|io\.popen/]],
  awk: [[/\/inet[46]?\/(?:tcp|udp)\//]],
  powershell: [[/Net\.Sockets\.TCPClient|TcpClient\(/i, /iex|Invoke-Expression|GetStream/i]],
};
/** Any language: a `/dev/tcp` or `/dev/udp` path next to a shell (`os.system("bash -i >& /dev/tcp/…")`). */
const DEV_TCP_TEXT = /\/dev\/(?:tcp|udp)\/[^\s'"]/;
const SHELL_WORD = /\b(?:ba|z|k|da)?sh\b/;

/** Whether inline code in a language connects a socket to a shell. */
export function isSocketShellCode(language: Language, code: string): boolean {
  if (DEV_TCP_TEXT.test(code) && SHELL_WORD.test(code)) return true;
  const rows = SOCKET_SHELL[language] ?? [];
  return rows.some((row) => row.every((pattern) => pattern.test(code)));
}

function netcatExecArgument(argv: readonly string[]): number {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (NETCAT_EXEC_LONG.test(arg)) return i;
    // `-e /bin/sh`, `-e/bin/sh`, `-c sh`, clusters ending in the exec flag (`-nve /bin/sh`, `-lvpe`).
    if (/^-[a-zA-Z]*[ec]$/.test(arg) && i + 1 < argv.length && !arg.startsWith('--')) return i;
    if (/^-[ec]\/\S/.test(arg)) return i;
  }
  return -1;
}

function isSocatShell(argv: readonly string[]): boolean {
  let exec = false;
  let network = false;
  for (const arg of argv.slice(1)) {
    if (SOCAT_EXEC.test(arg)) exec = true;
    else if (SOCAT_NETWORK.test(arg)) network = true;
  }
  return exec && network;
}

function isNetworkClient(command: CommandSite['command']): boolean {
  if (PIPE_CLIENTS.has(command.program)) return true;
  return command.program === 'openssl' && command.argv.slice(1).some((arg) => arg === 's_client');
}

/** A shell (or an unknown `$cmd`) whose descriptors are redirected to one of `fds` or to a network device. */
function usesSocket(command: CommandSite['command'], fds: ReadonlySet<string>): boolean {
  const program = command.program;
  const isShell = languageOf(program) === 'shell' || program.startsWith('$');
  if (!isShell) return false;
  return command.redirects.some(
    (r) =>
      NET_DEVICE.test(r.target) || ((r.op === '>&' || r.op === '<&' || r.op === '<>') && fds.has(r.target)),
  );
}

const NO_FDS: ReadonlySet<string> = new Set();

/** Reverse-shell evidence of one command source, computed once: `network-client` asks again to stay silent. */
export const findReverseShells = perSource(search);

function search(source: CommandSource): Evidence[] {
  const evidence = new EvidenceByPath();
  /** Descriptors opened on `/dev/tcp` by `exec N<>/dev/tcp/…`; created by the first. */
  let socketFds: Set<string> | undefined;
  /** Decoded text that is socket-shell code, per language ('' for none): computed once per source. */
  let decodedCode: Map<Language, string> | undefined;
  for (const site of source.sites) {
    const { command } = site;
    const { program, argv } = command;
    for (const r of command.redirects) {
      if (program === 'exec' && argv.length === 1 && NET_DEVICE.test(r.target)) {
        // `exec >&/dev/tcp/H/P 0>&1` moves the script's own shell onto the socket.
        if (r.fd === undefined || r.fd <= 2) evidence.add(site.path, () => describe(command));
        else (socketFds ??= new Set()).add(String(r.fd));
      }
    }
    if (usesSocket(command, socketFds ?? NO_FDS)) {
      evidence.add(site.path, () => describe(command));
      continue;
    }
    if (NETCATS.has(program)) {
      const at = netcatExecArgument(argv);
      if (at > 0) {
        evidence.add(argumentPath(site, at), () => describe(command));
        continue;
      }
    }
    if (program === 'socat' && isSocatShell(argv)) {
      evidence.add(site.path, () => describe(command));
      continue;
    }
    if (command.pipelinePosition === 0 && site.pipeline.length > 1) {
      const client = site.pipeline.find((member) => isNetworkClient(member));
      const shell = site.pipeline.find(
        (member) => languageOf(member.program) === 'shell' && executesStdin(member),
      );
      if (client !== undefined && shell !== undefined) {
        evidence.add(site.path, () => describePipeline(site.pipeline));
        continue;
      }
    }
    const language = languageOf(program);
    if (language !== undefined && language !== 'shell') {
      const code = inlineCode(command) ?? heredocOf(command);
      if (code !== undefined && isSocketShellCode(language, code)) {
        evidence.add(argumentPath(site, Math.max(0, argv.indexOf(code))), () => describe(command));
        continue;
      }
      if (code === undefined && executesStdin(command)) {
        // `echo <base64> | base64 -d | python3`: the decoded text is the interpreter's code.
        decodedCode ??= new Map();
        let payload = decodedCode.get(language);
        if (payload === undefined) {
          payload = source.model.decoded.find((d) => isSocketShellCode(language, d.text))?.text ?? '';
          decodedCode.set(language, payload);
        }
        const text = payload;
        if (text !== '') evidence.add(site.path, () => quote(text));
      }
    }
  }
  return evidence.list();
}

function heredocOf(command: CommandSite['command']): string | undefined {
  for (const r of command.redirects) {
    if (r.body !== undefined) return r.body;
    if (r.op === '<<<') return r.target;
  }
  return undefined;
}

export const reverseShell: Rule = {
  id: 'reverse-shell',
  profile: 'default',
  weight: 10,
  technique: 'T1059.004',
  description:
    'Container connects a shell to a network peer (/dev/tcp, nc -e, socat exec:, socket one-liners)',
  reason: 'reverse shell',
  guide: 'reverse-shell',
  doc: {
    reads:
      'container command/args, sh -c scripts, decoded payloads, hooks and exec probes; interpreter inline code',
    why: 'an interactive shell for the attacker inside the cluster, over an outbound connection (T1059.004)',
    benign: 'wait-for probes (`</dev/tcp/db/5432`, `nc -z`) put no shell on the socket and do not fire',
  },
  check(workload) {
    return commandSources(workload).flatMap(findReverseShells);
  },
};
