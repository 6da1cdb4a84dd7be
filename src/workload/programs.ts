/**
 * What the execution model knows about programs by name: which run another program (launchers)
 * and how they find it, which are shells and interpreters, and how the command-line options of
 * the programs it models are read (which take a value).
 *
 * Sources: each program's manual page / `--help` (coreutils, util-linux, busybox, curl, wget,
 * netcat variants, socat, kubectl); facts only.
 */
import type { Language } from './action.js';

/** How a launcher finds the program it runs, after its own options. */
export interface LauncherSpec {
  /** Options that take a value (`-n 10`, `--user x`); other options are flags. */
  readonly valued: ReadonlySet<string>;
  /** Operands before the program (`timeout DURATION CMD`, `chroot DIR CMD`, `flock FILE CMD`, `gosu USER CMD`). */
  readonly operands: number;
  /** `env NAME=VALUE … CMD`: assignments before the program. */
  readonly assignments?: boolean;
  /** Options after which the rest is a shell string (`su -c 'CMD'`, `runuser -c`, `flock -c`, `script -c`). */
  readonly shellOptions?: ReadonlySet<string>;
}

const set = (...items: string[]): ReadonlySet<string> => new Set(items);
const NONE = set();

/** Programs that run the program named after their own options and operands. */
export const LAUNCHERS: ReadonlyMap<string, LauncherSpec> = new Map<string, LauncherSpec>([
  [
    'env',
    {
      valued: set('-u', '--unset', '-C', '--chdir', '-S', '--split-string', '-P'),
      operands: 0,
      assignments: true,
    },
  ],
  [
    'sudo',
    {
      valued: set(
        '-u',
        '-g',
        '-h',
        '-p',
        '-C',
        '-D',
        '-r',
        '-t',
        '-T',
        '-U',
        '--user',
        '--group',
        '--host',
        '--prompt',
        '--chdir',
      ),
      operands: 0,
      assignments: true,
    },
  ],
  ['doas', { valued: set('-u', '-C'), operands: 0 }],
  ['nohup', { valued: NONE, operands: 0 }],
  ['nice', { valued: set('-n', '--adjustment'), operands: 0 }],
  ['renice', { valued: set('-n', '-g', '-p', '-u'), operands: 0 }],
  ['ionice', { valued: set('-c', '-n', '--class', '--classdata', '-p'), operands: 0 }],
  ['chrt', { valued: set('-T', '-P', '-D'), operands: 1 }],
  ['taskset', { valued: set('-c', '--cpu-list'), operands: 1 }],
  ['setsid', { valued: NONE, operands: 0 }],
  [
    'setpriv',
    {
      valued: set(
        '--reuid',
        '--regid',
        '--groups',
        '--inh-caps',
        '--ambient-caps',
        '--bounding-set',
        '--securebits',
        '--selinux-label',
        '--apparmor-profile',
      ),
      operands: 0,
    },
  ],
  ['stdbuf', { valued: set('-i', '-o', '-e', '--input', '--output', '--error'), operands: 0 }],
  ['timeout', { valued: set('-s', '-k', '--signal', '--kill-after'), operands: 1 }],
  ['time', { valued: set('-f', '-o', '--format', '--output'), operands: 0 }],
  ['command', { valued: NONE, operands: 0 }],
  ['builtin', { valued: NONE, operands: 0 }],
  ['exec', { valued: set('-a'), operands: 0 }],
  ['nocorrect', { valued: NONE, operands: 0 }],
  ['noglob', { valued: NONE, operands: 0 }],
  ['cpulimit', { valued: set('-l', '--limit', '-p', '--pid', '-e', '--exe', '-c', '--cpu'), operands: 0 }],
  [
    'flock',
    {
      valued: set('-w', '--timeout', '-E', '--conflict-exit-code'),
      operands: 1,
      shellOptions: set('-c', '--command'),
    },
  ],
  ['watch', { valued: set('-n', '--interval', '-d', '--differences', '-q', '--equexit'), operands: 0 }],
  ['dumb-init', { valued: set('-r', '--rewrite'), operands: 0 }],
  ['tini', { valued: set('-p', '-e'), operands: 0 }],
  ['catatonit', { valued: NONE, operands: 0 }],
  ['gosu', { valued: NONE, operands: 1 }],
  ['su-exec', { valued: NONE, operands: 1 }],
  [
    'chpst',
    {
      valued: set('-u', '-U', '-b', '-e', '-/', '-n', '-l', '-L', '-m', '-d', '-o', '-p', '-f', '-c', '-t'),
      operands: 0,
    },
  ],
  ['s6-setuidgid', { valued: NONE, operands: 1 }],
  [
    'runuser',
    {
      valued: set(
        '-u',
        '--user',
        '-g',
        '--group',
        '-G',
        '--supp-group',
        '-s',
        '--shell',
        '-w',
        '--whitelist-environment',
      ),
      operands: 0,
      shellOptions: set('-c', '--command'),
    },
  ],
  [
    'su',
    {
      valued: set('-s', '--shell', '-g', '--group', '-G', '--supp-group', '-w'),
      operands: 0,
      shellOptions: set('-c', '--command', '--session-command'),
    },
  ],
  ['sg', { valued: NONE, operands: 1, shellOptions: set('-c') }],
  [
    'script',
    {
      valued: set('-E', '--echo', '-I', '-O', '-B', '-T', '-t', '-m'),
      operands: 0,
      shellOptions: set('-c', '--command'),
    },
  ],
  ['chroot', { valued: set('--userspec', '--groups'), operands: 1 }],
  [
    'nsenter',
    {
      valued: set('-t', '--target', '-S', '--setuid', '-G', '--setgid', '-w', '--wd', '-r', '--root'),
      operands: 0,
    },
  ],
  [
    'unshare',
    {
      valued: set(
        '--propagation',
        '--setgroups',
        '-S',
        '--setuid',
        '-G',
        '--setgid',
        '-R',
        '--root',
        '-w',
        '--wd',
      ),
      operands: 0,
    },
  ],
  ['capsh', { valued: NONE, operands: 0 }],
  ['xvfb-run', { valued: set('-n', '-s', '-a', '-f', '-p', '-e', '--server-args'), operands: 0 }],
  ['firejail', { valued: NONE, operands: 0 }],
  ['proxychains', { valued: set('-f'), operands: 0 }],
  ['proxychains4', { valued: set('-f'), operands: 0 }],
  ['torsocks', { valued: set('-u', '-p', '-a', '-P'), operands: 0 }],
  ['strace', { valued: set('-e', '-o', '-p', '-s', '-u'), operands: 0 }],
  ['ltrace', { valued: set('-e', '-o', '-p', '-s', '-u'), operands: 0 }],
  ['valgrind', { valued: NONE, operands: 0 }],
  [
    'systemd-run',
    { valued: set('-p', '--property', '-u', '--unit', '--uid', '--gid', '-E', '--setenv'), operands: 0 },
  ],
  ['start-stop-daemon', { valued: NONE, operands: 0 }],
  ['daemonize', { valued: set('-a', '-c', '-e', '-o', '-p', '-l', '-u'), operands: 0 }],
  ['caffeinate', { valued: NONE, operands: 0 }],
  ['unbuffer', { valued: NONE, operands: 0 }],
  ['faketime', { valued: NONE, operands: 1 }],
  ['with-contenv', { valued: NONE, operands: 0 }],
  ['s6-svscan', { valued: NONE, operands: 0 }],
  ['retry', { valued: set('-t', '--times', '-d', '--delay', '-u', '--until', '-w', '--while'), operands: 0 }],
]);

/** Shells: they run a `-c` string, a script file, or what they read on stdin. */
export const SHELLS: ReadonlySet<string> = set(
  'sh',
  'bash',
  'ash',
  'dash',
  'zsh',
  'ksh',
  'ksh93',
  'mksh',
  'pdksh',
  'oksh',
  'yash',
  'rbash',
  'hush',
  'fish',
  'csh',
  'tcsh',
  'posh',
  'busybox-sh',
);
/** Shell options that take a value (`-o pipefail`, `--rcfile FILE`). */
export const SHELL_VALUED: ReadonlySet<string> = set('-o', '+o', '-O', '+O', '--rcfile', '--init-file');

const PYTHON = /^(?:python|pypy)[0-9.]*[mdu]?$/;
const PHP = /^php[0-9.]*(?:-cli|-cgi)?$/;
const LUA = /^(?:lua[0-9.]*|luajit)$/;
const PERL = /^perl[0-9.]*$/;
const RUBY = /^(?:ruby[0-9.]*|jruby|irb)$/;

/** The language a program interprets, when it is an interpreter (shells included). */
export function languageOf(program: string): Language | undefined {
  if (SHELLS.has(program)) return 'shell';
  if (PYTHON.test(program) || program === 'ipython' || program === 'ipython3') return 'python';
  if (PERL.test(program)) return 'perl';
  if (RUBY.test(program)) return 'ruby';
  if (program === 'node' || program === 'nodejs' || program === 'deno' || program === 'bun') return 'node';
  if (PHP.test(program)) return 'php';
  if (LUA.test(program)) return 'lua';
  if (
    program === 'awk' ||
    program === 'gawk' ||
    program === 'mawk' ||
    program === 'nawk' ||
    program === 'busybox-awk'
  )
    return 'awk';
  if (program === 'pwsh' || program === 'powershell' || program === 'powershell.exe') return 'powershell';
  return undefined;
}

/** How an interpreter takes inline code and which options take a value (`python -m mod`, `perl -I dir`). */
export interface InterpreterSpec {
  /** Options whose value is code (`-c`, `-e`, `-r`, `--eval`). */
  readonly code: ReadonlySet<string>;
  /** Options that take a value that is not code. */
  readonly valued: ReadonlySet<string>;
  /** Option that runs a module or library by name instead of a file (`python -m`), ending the options. */
  readonly module?: string;
}

export const INTERPRETERS: Readonly<Record<Exclude<Language, 'shell'>, InterpreterSpec>> = {
  python: { code: set('-c'), valued: set('-W', '-X', '--check-hash-based-pycs'), module: '-m' },
  perl: { code: set('-e', '-E'), valued: set('-I', '-M', '-m', '-x', '-C', '-d', '-D', '-l', '-0', '-i') },
  ruby: { code: set('-e'), valued: set('-I', '-r', '-C', '-E', '-K', '-F', '-x', '--encoding') },
  node: {
    code: set('-e', '--eval', '-p', '--print'),
    valued: set(
      '-r',
      '--require',
      '--import',
      '--loader',
      '--experimental-loader',
      '--input-type',
      '--title',
      '--env-file',
      '-C',
      '--conditions',
    ),
  },
  php: { code: set('-r', '-B', '-R', '-E', '-F'), valued: set('-c', '-d', '-z', '-t', '-S') },
  lua: { code: set('-e'), valued: set('-l') },
  awk: {
    code: NONE,
    valued: set('-F', '-v', '-f', '--assign', '--field-separator', '-i', '--include', '-l', '--load', '-E'),
  },
  powershell: {
    code: set('-c', '-command', '-enc', '-e', '-encodedcommand', '-ec', '-en', '-encoded'),
    valued: set(
      '-executionpolicy',
      '-ep',
      '-ex',
      '-windowstyle',
      '-w',
      '-workingdirectory',
      '-wd',
      '-configurationname',
      '-outputformat',
      '-of',
      '-inputformat',
      '-if',
      '-file',
      '-f',
    ),
  },
};

/** Programs that download a URL. */
export const FETCHERS: ReadonlySet<string> = set(
  'curl',
  'wget',
  'wget2',
  'fetch',
  'aria2c',
  'axel',
  'lwp-download',
  'lwp-request',
  'get',
  'head',
  'post',
  'http',
  'https',
  'xh',
  'xhs',
  'curlie',
  'tftp',
  'atftp',
  'ftp',
  'lftp',
);
/** Programs that open raw sockets (netcat family and friends). */
export const NETCATS: ReadonlySet<string> = set(
  'nc',
  'ncat',
  'netcat',
  'nc.traditional',
  'nc.openbsd',
  'pnc',
  'cryptcat',
  'sbd',
  'rustcat',
  'rcat',
  'gnu-netcat',
  'busybox-nc',
);

/** curl's options that take a value (short and long), from `curl --help all`. */
export const CURL_VALUED: ReadonlySet<string> = set(
  '-d',
  '-e',
  '-E',
  '-F',
  '-H',
  '-K',
  '-m',
  '-o',
  '-r',
  '-T',
  '-u',
  '-U',
  '-w',
  '-x',
  '-X',
  '-y',
  '-Y',
  '-z',
  '-A',
  '-b',
  '-c',
  '-C',
  '-D',
  '-P',
  '-Q',
  '-t',
  '--data',
  '--data-ascii',
  '--data-binary',
  '--data-raw',
  '--data-urlencode',
  '--json',
  '--form',
  '--form-string',
  '--header',
  '--proxy-header',
  '--config',
  '--max-time',
  '--output',
  '--output-dir',
  '--range',
  '--upload-file',
  '--user',
  '--proxy-user',
  '--write-out',
  '--proxy',
  '--request',
  '--speed-limit',
  '--speed-time',
  '--time-cond',
  '--user-agent',
  '--cookie',
  '--cookie-jar',
  '--continue-at',
  '--dump-header',
  '--ftp-port',
  '--quote',
  '--telnet-option',
  '--url',
  '--resolve',
  '--connect-to',
  '--unix-socket',
  '--abstract-unix-socket',
  '--cacert',
  '--capath',
  '--cert',
  '--key',
  '--referer',
  '--retry',
  '--retry-delay',
  '--retry-max-time',
  '--connect-timeout',
  '--interface',
  '--dns-servers',
  '--limit-rate',
  '--max-filesize',
  '--oauth2-bearer',
  '--preproxy',
  '--socks4',
  '--socks4a',
  '--socks5',
  '--socks5-hostname',
  '--proto',
  '--proto-redir',
  '--aws-sigv4',
  '--variable',
  '--expand-url',
  '--expand-data',
  '--expand-header',
  '--mail-from',
  '--mail-rcpt',
  '--login-options',
  '--ciphers',
  '--tls-max',
  '--pinnedpubkey',
  '--cert-type',
  '--key-type',
  '--pass',
  '--hostpubmd5',
  '--hostpubsha256',
  '--netrc-file',
  '--trace',
  '--trace-ascii',
  '--stderr',
  '--local-port',
  '--happy-eyeballs-timeout-ms',
  '--keepalive-time',
  '--url-query',
  '--create-file-mode',
);
/** wget's options that take a value (busybox wget's are a subset). */
export const WGET_VALUED: ReadonlySet<string> = set(
  '-O',
  '-o',
  '-a',
  '-i',
  '-B',
  '-t',
  '-T',
  '-w',
  '-Q',
  '-P',
  '-e',
  '-U',
  '-Y',
  '-l',
  '-A',
  '-R',
  '-D',
  '-I',
  '-X',
  '--output-document',
  '--output-file',
  '--append-output',
  '--input-file',
  '--base',
  '--tries',
  '--timeout',
  '--wait',
  '--quota',
  '--directory-prefix',
  '--execute',
  '--user-agent',
  '--header',
  '--post-data',
  '--post-file',
  '--body-data',
  '--body-file',
  '--method',
  '--user',
  '--password',
  '--http-user',
  '--http-password',
  '--proxy-user',
  '--proxy-password',
  '--load-cookies',
  '--save-cookies',
  '--referer',
  '--ca-certificate',
  '--certificate',
  '--private-key',
  '--bind-address',
  '--limit-rate',
  '--level',
  '--accept',
  '--reject',
  '--domains',
  '--include-directories',
  '--exclude-directories',
  '--dns-timeout',
  '--connect-timeout',
  '--read-timeout',
  '--secure-protocol',
  '--ciphers',
  '--local-encoding',
  '--remote-encoding',
  '--config',
  '--use-askpass',
  '--retry-on-http-error',
);
/** Netcat variants' options that take a value (union over traditional, OpenBSD, ncat, busybox). */
export const NETCAT_VALUED: ReadonlySet<string> = set(
  '-e',
  '-c',
  '-p',
  '-s',
  '-w',
  '-i',
  '-q',
  '-x',
  '-X',
  '-g',
  '-G',
  '-I',
  '-O',
  '-T',
  '-V',
  '-M',
  '-m',
  '-P',
  '--exec',
  '--sh-exec',
  '--lua-exec',
  '--source-port',
  '--source',
  '--wait',
  '--idle-timeout',
  '--proxy',
  '--proxy-type',
  '--proxy-auth',
  '--allow',
  '--allowfile',
  '--deny',
  '--denyfile',
  '--max-conns',
  '--output',
  '--hex-dump',
  '--append-output',
  '--delay',
  '--send-only',
  '--ssl-cert',
  '--ssl-key',
  '--ssl-trustfile',
  '--ssl-ciphers',
  '--ssl-alpn',
  '--ssl-servername',
);
/** kubectl's global and common options that take a value. */
export const KUBECTL_VALUED: ReadonlySet<string> = set(
  '-n',
  '--namespace',
  '-s',
  '--server',
  '--token',
  '--as',
  '--as-group',
  '--as-uid',
  '--context',
  '--cluster',
  '--user',
  '--kubeconfig',
  '--certificate-authority',
  '--client-certificate',
  '--client-key',
  '--request-timeout',
  '--cache-dir',
  '-f',
  '--filename',
  '-o',
  '--output',
  '-l',
  '--selector',
  '--field-selector',
  '-c',
  '--container',
  '--image',
  '--clusterrole',
  '--role',
  '--serviceaccount',
  '--group',
  '--verb',
  '--resource',
  '--resource-name',
  '--overrides',
  '--profile',
  '--target',
  '--duration',
  '--audience',
  '--bound-object-kind',
  '--bound-object-name',
  '--from-literal',
  '--from-file',
  '--from-env-file',
  '--type',
  '--docker-server',
  '--docker-username',
  '--docker-password',
  '--docker-email',
  '--for',
  '--timeout',
  '--grace-period',
  '--port',
  '--address',
  '--template',
  '--subresource',
  '--patch',
  '-p',
  '--type',
  '--field-manager',
  '--replicas',
  '--env',
  '-e',
  '--labels',
  '-L',
  '--sort-by',
  '--chunk-size',
  '--raw',
  '--copy-to',
  '--custom-columns',
  '--restart',
  '--schedule',
  '--from',
  '--max-log-requests',
  '--since',
  '--tail',
  '--pod-running-timeout',
);

/** Directories a login PATH holds, where a program is found by name. */
export const DEFAULT_PATH: readonly string[] = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/**
 * Busybox and toybox applets: `busybox APPLET ARGS` runs the applet. Any name is accepted (the
 * applet set varies by build); the first operand is the program.
 */
export const MULTICALL: ReadonlySet<string> = set('busybox', 'toybox');

/** A command line read with a table of valued options: options with their values, and operands with their indexes. */
export interface ParsedOptions {
  /** Options in order; repeated options appear repeatedly. `index` is the argv index of the value (or the option). */
  readonly options: readonly { readonly name: string; readonly value?: string; readonly index: number }[];
  readonly operands: readonly { readonly text: string; readonly index: number }[];
}

/**
 * Reads `words` (argv without argv[0]) as a GNU-style command line: `--name=value`, `--name value`
 * for valued options, clustered short flags (`-sSL`) where the last may take a value (`-sSLo file`,
 * `-ofile`), `--` ends options. Options after operands are still options (GNU permutation).
 */
export function readOptions(
  words: readonly string[],
  valued: ReadonlySet<string>,
  options: { permute?: boolean; firstIndex?: number } = {},
): ParsedOptions {
  const permute = options.permute ?? true;
  const base = options.firstIndex ?? 1;
  const parsed: { name: string; value?: string; index: number }[] = [];
  const operands: { text: string; index: number }[] = [];
  let onlyOperands = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (onlyOperands || word === '-' || !word.startsWith('-') || word.length === 1) {
      operands.push({ text: word, index: base + i });
      if (!permute) onlyOperands = true;
      continue;
    }
    if (word === '--') {
      onlyOperands = true;
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      if (eq > 0) {
        parsed.push({ name: word.slice(0, eq), value: word.slice(eq + 1), index: base + i });
      } else if (valued.has(word)) {
        const value = words[i + 1];
        parsed.push(
          value === undefined ? { name: word, index: base + i } : { name: word, value, index: base + i + 1 },
        );
        i++;
      } else {
        parsed.push({ name: word, index: base + i });
      }
      continue;
    }
    // Short options: each letter a flag until one takes a value (the rest of the word, or the next word).
    for (let j = 1; j < word.length; j++) {
      const name = `-${word[j] ?? ''}`;
      if (valued.has(name)) {
        if (j + 1 < word.length) {
          parsed.push({ name, value: word.slice(j + 1), index: base + i });
        } else {
          const value = words[i + 1];
          parsed.push(value === undefined ? { name, index: base + i } : { name, value, index: base + i + 1 });
          i++;
        }
        break;
      }
      parsed.push({ name, index: base + i });
    }
  }
  return { options: parsed, operands };
}

/** Values of the named options, in order. */
export function optionValues(parsed: ParsedOptions, ...names: string[]): string[] {
  const values: string[] = [];
  for (const option of parsed.options)
    if (names.includes(option.name) && option.value !== undefined) values.push(option.value);
  return values;
}

export function hasOption(parsed: ParsedOptions, ...names: string[]): boolean {
  return parsed.options.some((option) => names.includes(option.name));
}
