/**
 * download-exec — the container fetches code from the network and runs it.
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded payloads,
 * lifecycle hooks and exec probes) and the inline code of interpreters.
 * Looks for: a downloader (`curl`, `wget`, `busybox wget`, `fetch`, `aria2c`, …) piped into an
 * interpreter that runs its stdin (`| sh`, `| bash -s`, `| python3 -`, `| sudo bash`); a
 * substitution of a downloader run as code (`sh -c "$(curl …)"`, `eval "$(wget -O- …)"`,
 * `bash <(curl …)`, `. <(curl …)`); a file written by a downloader (`-o`, `-O`, `--output`,
 * `-O FILE` for wget, `-P DIR`, `> FILE`) and then run in the same script (`./x`, `sh x`,
 * `python3 x`, `. x`), with or without `chmod +x` in between; interpreter one-liners that fetch
 * and evaluate (`python -c "…urlopen…exec("`, `perl -e '…LWP…eval'`, `php -r '…file_get_contents…eval'`,
 * PowerShell `iex (iwr …)`); bytes read from `/dev/tcp` piped into a shell.
 * Why: T1105 — ingress tool transfer; the manifest stays clean while the payload changes at will.
 * Benign look-alikes: `curl -fsS http://svc/healthz` and downloads that are never run (no finding;
 * `network-client` reports them weakly); `curl … | python3 -c 'import json…'` (code given with
 * `-c` does not read stdin); `curl … | tar xz`. Decision: installers piped into a shell from an
 * official host (`get.helm.sh`, `sh.rustup.rs`) still fire at full weight — the rule cannot tell a
 * vendor's script from an attacker's, and a job that installs tools at run time is worth an
 * exemption with a reason rather than a blind spot.
 */
import {
  argumentPath,
  commandSources,
  describe,
  describePipeline,
  EvidenceByPath,
  executedSubstitutions,
  executesStdin,
  inlineCode,
  isDownloader,
  languageOf,
  redirectTargets,
  substitutedPrograms,
  WrittenFiles,
  type CommandSite,
  type CommandSource,
  type Language,
  DOWNLOADERS,
  perSource,
  writerOfExecutedFile,
} from '../commands.js';
import type { Evidence, Rule } from '../types.js';
import type { SimpleCommand } from '../../workload/types.js';

const NET_DEVICE = /^\/dev\/(?:tcp|udp)\/./;
/** curl's short options that take a value (the last letter of a cluster takes the next word). */
const CURL_VALUED = new Set('oHdXuAebcmwxTFKErYyzCDQtUP'.split(''));
/** wget's short options that take a value. */
const WGET_VALUED = new Set('OoaPUtTweiBQlARDXIY'.split(''));

/** Inline code that fetches and evaluates, per language: every pattern of one row must match. */
const FETCH_EXEC: Partial<Record<Language, readonly (readonly RegExp[])[]>> = {
  python: [
    [
      /\burllib|\burlopen\b|\brequests\.get\b|\bhttp\.client\b|\burlretrieve\b/,
      /\bexec\(|\beval\(|\bos\.system\b|\bsubprocess\b|\bos\.popen\b|\bos\.exec/,
    ],
  ],
  perl: [[/\bLWP\b|HTTP::Tiny|\bgetstore\b|\bget\s*\(\s*["']https?:/, /\beval\b|\bsystem\b|\bexec\b|`/]],
  ruby: [[/open-uri|Net::HTTP|URI\.open|\bopen\(\s*["']https?:/, /\beval\b|\bsystem\b|\bexec\b|`|\bspawn\b/]],
  php: [
    [
      /\b(?:file_get_contents|fopen|copy|curl_exec|readfile|include|require)\s*\(/,
      /(?:https?|ftp):\/\//,
      /\beval\b|\bsystem\b|\bexec\b|passthru|shell_exec|proc_open|\binclude\b|\brequire\b/,
    ],
  ],
  node: [
    [
      /\bhttps?\.get\b|\bfetch\(|\baxios\b|require\(\s*['"](?:node:)?https?['"]\s*\)/,
      /\beval\(|child_process|new Function|\bvm\.run/,
    ],
  ],
  lua: [[/socket\.http|http\.request/, /\bload(?:string)?\b|os\.execute|io\.popen/]],
  powershell: [
    [
      /DownloadString|DownloadFile|DownloadData|Invoke-WebRequest|\biwr\b|Invoke-RestMethod|\birm\b|Net\.WebClient/i,
      /\biex\b|Invoke-Expression|Start-Process|\.\s*\(|&\s*\$/i,
    ],
  ],
};

/** Whether inline code of a language fetches a URL and runs what it got. */
export function isFetchExecCode(language: Language, code: string): boolean {
  const rows = FETCH_EXEC[language] ?? [];
  return rows.some((row) => row.every((pattern) => pattern.test(code)));
}

function urlBasename(url: string): string | undefined {
  const path = url.replace(/[?#].*$/, '');
  const slash = path.lastIndexOf('/');
  const schemeEnd = path.indexOf('://');
  if (slash < 0 || (schemeEnd >= 0 && slash < schemeEnd + 3)) return undefined;
  const base = path.slice(slash + 1);
  return base === '' ? undefined : base;
}

/** Files a downloader writes: `curl -o F`, `curl -O URL`, `wget URL`, `wget -O F`, `wget -P DIR URL`, `> F`. */
export function downloadTargets(command: SimpleCommand): string[] {
  const targets = redirectTargets(command);
  const { program, argv } = command;
  if (program !== 'curl' && program !== 'wget') return targets;
  const valued = program === 'curl' ? CURL_VALUED : WGET_VALUED;
  const urls: string[] = [];
  let output: string | undefined;
  let remoteName = program === 'wget';
  let directory: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      const [name = '', inline] = arg.split('=', 2);
      const takesValue = [
        '--output',
        '--output-document',
        '--directory-prefix',
        '--header',
        '--data',
        '--user',
        '--request',
        '--user-agent',
        '--max-time',
        '--connect-timeout',
        '--retry',
        '--cacert',
        '--cert',
        '--key',
        '--write-out',
      ].includes(name);
      const value = inline ?? (takesValue ? argv[++i] : undefined);
      if (name === '--output' || name === '--output-document') output = value;
      else if (name === '--directory-prefix') directory = value;
      else if (name === '--remote-name' || name === '--remote-name-all') remoteName = true;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg.charAt(j);
        if (program === 'curl' && flag === 'O') remoteName = true;
        if (!valued.has(flag)) continue;
        const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if ((program === 'curl' && flag === 'o') || (program === 'wget' && flag === 'O')) output = value;
        if (program === 'wget' && flag === 'P') directory = value;
        break;
      }
      continue;
    }
    urls.push(arg);
  }
  if (output !== undefined) {
    if (output !== '-') targets.push(output);
  } else if (remoteName) {
    for (const url of urls) {
      const base = urlBasename(url);
      if (base !== undefined) targets.push(directory === undefined ? base : `${directory}/${base}`);
    }
  }
  return targets;
}

function isDownloadSource(command: SimpleCommand): boolean {
  return (
    isDownloader(command) ||
    (command.program === 'openssl' && command.argv.includes('s_client')) ||
    command.redirects.some((r) => (r.op === '<' || r.op === '<>') && NET_DEVICE.test(r.target))
  );
}

/** Download-and-run evidence of one command source, computed once: `network-client` asks again to stay silent. */
export const findDownloadExec = perSource(search);

function search(source: CommandSource): Evidence[] {
  const evidence = new EvidenceByPath();
  const downloaded = new WrittenFiles<CommandSite>();
  for (const site of source.sites) {
    const { command } = site;
    if (command.pipelinePosition === 0 && site.pipeline.length > 1) {
      const first = site.pipeline.findIndex((member) => isDownloadSource(member));
      const runs = first >= 0 && site.pipeline.slice(first + 1).some((member) => executesStdin(member));
      if (runs) evidence.add(site.path, () => describePipeline(site.pipeline));
    }
    for (const word of executedSubstitutions(command)) {
      if (substitutedPrograms(word).some((name) => DOWNLOADERS.has(name))) {
        evidence.add(argumentPath(site, Math.max(0, command.argv.indexOf(word))), () => describe(command));
      }
    }
    const language = languageOf(command.program);
    if (language !== undefined && language !== 'shell') {
      const code = inlineCode(command);
      if (code !== undefined && isFetchExecCode(language, code)) {
        evidence.add(argumentPath(site, Math.max(0, command.argv.indexOf(code))), () => describe(command));
      }
    }
    const writer = writerOfExecutedFile(command, downloaded);
    if (writer !== undefined) evidence.add(site.path, () => describe(writer.command));
    if (DOWNLOADERS.has(command.program)) {
      for (const file of downloadTargets(command)) downloaded.add(file, site);
    }
  }
  return evidence.list();
}

export const downloadExec: Rule = {
  id: 'download-exec',
  profile: 'default',
  weight: 9,
  technique: 'T1105',
  description: 'Container downloads code and runs it (curl | sh, sh -c "$(curl …)", download then execute)',
  reason: 'downloads and runs code',
  guide: 'download-exec',
  doc: {
    reads: 'container command/args, sh -c scripts, substitutions, decoded payloads, hooks and exec probes',
    why: 'ingress tool transfer (T1105): the manifest stays clean while the fetched payload changes',
    benign:
      'health checks and downloads that are never run do not fire; installers piped into a shell fire even from vendor hosts',
  },
  check(workload) {
    return commandSources(workload).flatMap(findDownloadExec);
  },
};
