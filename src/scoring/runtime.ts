/**
 * How container-runtime clients (docker, podman, nerdctl, ctr, crictl) are read: the container a
 * command line asks a runtime to start, its endpoint and its run options. Facts from each client's
 * `--help` and manual page.
 */
/** Container-runtime clients that start containers through a runtime socket. */
type RuntimeClient = 'docker' | 'podman' | 'nerdctl' | 'ctr' | 'crictl';

/** One container (or pod sandbox) a runtime client asks a runtime to start: `docker run …`, `ctr run …`, `crictl runp …`. */
export interface RuntimeRun {
  client: RuntimeClient;
  /** The subcommand as written: `run`, `create`, `runp`. */
  subcommand: string;
  /** The client's endpoint as given (`-H unix:///var/run/docker.sock`, `--address …`, `--runtime-endpoint …`). */
  endpoint?: string;
  /** The run's options, each with its value joined (`--pid=host`, `-v=/:/host`, `--mount=type=bind,src=/`). */
  options: string[];
  /** Index in `command.argv` of the first word the new container runs (after the image, and the id for ctr). */
  commandIndex?: number;
}

const RUNTIME_CLIENTS = new Set<string>(['docker', 'podman', 'nerdctl', 'ctr', 'crictl']);
/** Global options that take a value, per client (long names; short ones mapped in `longName`). */
const GLOBAL_VALUED: Record<RuntimeClient, ReadonlySet<string>> = {
  docker: new Set(['--host', '--context', '--config', '--log-level', '--tlscacert', '--tlscert', '--tlskey']),
  podman: new Set([
    '--url',
    '--connection',
    '--identity',
    '--root',
    '--runroot',
    '--runtime',
    '--storage-driver',
    '--log-level',
    '--cgroup-manager',
    '--network-cmd-path',
    '--tmpdir',
    '--events-backend',
  ]),
  nerdctl: new Set([
    '--host',
    '--address',
    '--namespace',
    '--snapshotter',
    '--storage-driver',
    '--cni-path',
    '--cni-netconfpath',
    '--data-root',
    '--cgroup-manager',
    '--hosts-dir',
  ]),
  ctr: new Set(['--address', '--namespace', '--timeout', '--connect-timeout']),
  crictl: new Set(['--runtime-endpoint', '--image-endpoint', '--timeout', '--config']),
};
const SHORT_GLOBALS: Record<RuntimeClient, Readonly<Record<string, string>>> = {
  docker: { H: '--host', c: '--context', l: '--log-level' },
  podman: { c: '--connection' },
  nerdctl: { H: '--host', a: '--address', n: '--namespace' },
  ctr: { a: '--address', n: '--namespace' },
  crictl: { r: '--runtime-endpoint', i: '--image-endpoint', t: '--timeout', c: '--config' },
};
const ENDPOINT_OPTIONS = new Set(['--host', '--url', '--address', '--runtime-endpoint']);
/** Run options that take no value (docker, podman, nerdctl, ctr); every other long option takes one. */
const RUN_FLAGS = new Set([
  '--rm',
  '--privileged',
  '--detach',
  '--interactive',
  '--tty',
  '--init',
  '--read-only',
  '--publish-all',
  '--quiet',
  '--no-healthcheck',
  '--oom-kill-disable',
  '--sig-proxy',
  '--help',
  '--net-host',
  '--rootfs',
  '--null-io',
  '--cni',
  '--seccomp',
  '--remap-labels',
  '--allow-new-privs',
  '--privileged-without-host-devices',
  '--no-pivot',
  '--replace',
  '--tls-verify',
  '--systemd',
  '--disable-content-trust',
]);
/** Short run options that take a value (`-v SRC:DST`, `-e K=V`); the other letters are flags (`-d`, `-i`, `-t`, `-P`). */
const SHORT_RUN_VALUED = new Set(['v', 'e', 'p', 'u', 'w', 'h', 'l', 'm', 'c', 'a']);
const SHORT_RUN_NAMES: Readonly<Record<string, string>> = {
  v: '--volume',
  e: '--env',
  p: '--publish',
  u: '--user',
  w: '--workdir',
  h: '--hostname',
  l: '--label',
  m: '--memory',
  c: '--cpu-shares',
  a: '--attach',
  d: '--detach',
  i: '--interactive',
  t: '--tty',
  P: '--publish-all',
  q: '--quiet',
};
const RUN_SUBCOMMANDS: Record<RuntimeClient, ReadonlySet<string>> = {
  docker: new Set(['run', 'create']),
  podman: new Set(['run', 'create']),
  nerdctl: new Set(['run', 'create']),
  ctr: new Set(['run', 'create']),
  crictl: new Set(['runp', 'create', 'run']),
};
/** Object words before a ctr or docker subcommand: `docker container run`, `ctr containers create`, `ctr c create`. */
const OBJECT_WORDS = new Set(['container', 'containers', 'c']);

/** ctr and podman accept `-name` for `--name`; everything is compared in the `--name` form. */
function longName(client: RuntimeClient, arg: string): string {
  if (client === 'ctr' && /^-[a-z][a-z-]+/.test(arg)) return `-${arg}`;
  return arg;
}

/** The container a runtime-client command line (argv[0] first) starts, if it is one: `docker -H unix://… run --privileged alpine sh`. */
export function runtimeRun(program: string, argv: readonly string[]): RuntimeRun | undefined {
  if (!RUNTIME_CLIENTS.has(program)) return undefined;
  const client = program as RuntimeClient;
  let endpoint: string | undefined;
  let i = 1;
  // Global options, up to the subcommand.
  for (; i < argv.length; i++) {
    const arg = longName(client, argv[i] ?? '');
    if (!arg.startsWith('-')) {
      if (client === 'ctr' && OBJECT_WORDS.has(arg) && argv[i + 1] === 'create') continue;
      if ((client === 'docker' || client === 'podman' || client === 'nerdctl') && arg === 'container')
        continue;
      break;
    }
    let name = arg;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      name = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    } else if (!arg.startsWith('--')) {
      const long = SHORT_GLOBALS[client][arg.charAt(1)];
      if (long === undefined) continue;
      name = long;
      if (arg.length > 2) value = arg.slice(2);
    }
    if (!GLOBAL_VALUED[client].has(name)) continue;
    value ??= argv[++i];
    if (ENDPOINT_OPTIONS.has(name) && value !== undefined) endpoint = value;
  }
  const subcommand = argv[i] ?? '';
  if (!RUN_SUBCOMMANDS[client].has(subcommand)) return undefined;
  const run: RuntimeRun = { client, subcommand, options: [] };
  if (endpoint !== undefined) run.endpoint = endpoint;
  if (client === 'crictl') return run;
  // Run options, up to the image.
  for (i++; i < argv.length; i++) {
    const arg = longName(client, argv[i] ?? '');
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      if (arg.includes('=') || RUN_FLAGS.has(arg)) run.options.push(arg);
      else run.options.push(`${arg}=${argv[++i] ?? ''}`);
      continue;
    }
    // A cluster of short options: flags, then at most one valued option taking the rest or the next word.
    for (let j = 1; j < arg.length; j++) {
      const letter = arg.charAt(j);
      const name = SHORT_RUN_NAMES[letter] ?? `-${letter}`;
      if (SHORT_RUN_VALUED.has(letter)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1).replace(/^=/, '') : argv[++i];
        run.options.push(`${name}=${value ?? ''}`);
        break;
      }
      run.options.push(name);
    }
  }
  // `IMAGE [COMMAND…]`; ctr: `IMAGE ID [COMMAND…]` (`--rootfs`: a directory instead of an image).
  const first = i + (client === 'ctr' ? 2 : 1);
  if (first < argv.length) run.commandIndex = first;
  return run;
}

/** The value of a run option in any spelling (`--pid=host`), or undefined. */
export function runOptionValues(run: RuntimeRun, ...names: string[]): string[] {
  const values: string[] = [];
  for (const option of run.options) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    if (names.includes(name)) values.push(eq < 0 ? '' : option.slice(eq + 1));
  }
  return values;
}
