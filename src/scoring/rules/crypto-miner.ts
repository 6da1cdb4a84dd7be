/**
 * crypto-miner — the container runs a cryptocurrency miner.
 * Reads: container images; each container's execution model (every program run, after launchers,
 * shells and interpreters: its name and options; files it writes); literal env values.
 * Looks for: a miner's option set on any program, whatever it is called: a pool URL
 * (`stratum+tcp://`, `stratum+ssl://`, `stratum2+tcp://`) alone; otherwise a pool or daemon address
 * (`-o host:port`, `--url`, `--pool`, `--daemon-address`, `--daemon-rpc-address`) together with a
 * wallet or user (`-u`, `--user`, `--wallet`, `--wallet-address`), with one miner-only option
 * (`--coin`, `--donate-level`, `--cpu-priority`, `--mining-threads`, `--cpu-max-threads-hint`,
 * `--randomx-*`, `--nicehash`, `--rig-id`, `--huge-pages`, `--asm`) or two shared ones (`--algo`/`-a`,
 * `--threads`/`-t`, `--keepalive`); or two miner-only options; or a wallet with one miner-only
 * option and one more. Also a Monero
 * wallet address in any word; miner programs by name (parameter `binaries`, for miners run with a
 * config file and no options); miner configs written at run time (JSON with `pools` and a `url`,
 * or a pool URL); the same pool URLs and wallets in literal env values; miner images (parameter
 * `images`).
 * Why: T1496 — resource hijacking is the most common payload of a CronJob planted in a cluster;
 * renamed binaries (`kswapd0`, a pause-lookalike image) keep the miner's options.
 * Benign look-alikes: one option shared with other tools does not fire — `curl -o file`,
 * `-u user:pass`, `--threads 8`, an application's `--coin btc`, `-o …pool…` naming a report file
 * (not `host:port`). The `*miner*` image glob may catch a benign `data-miner`: override `images`.
 */
import picomatch from 'picomatch';
import { z } from 'zod';
import {
  actionsOf,
  containerExecutions,
  describeInvocation,
  envFieldsMatching,
  EvidenceByPath,
} from '../behaviour.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';
import type { Workload } from '../../workload/types.js';
import type { Invocation } from '../../workload/model.js';

const paramsSchema = z
  .object({
    /** Globs over the image repository (`xmrig/xmrig`) and its last segment (`xmrig`). */
    images: z.array(z.string().min(1)),
    /** Globs over program names, as the execution model gives them (basename, lowercase). */
    binaries: z.array(z.string().min(1)),
  })
  .strict();

export type CryptoMinerParams = z.infer<typeof paramsSchema>;

const DEFAULTS: CryptoMinerParams = {
  images: ['xmrig/xmrig', 'metal3d/xmrig', '*xmrig*', '*xmr-stak*', '*miner*', '*cryptonight*', 'kinsing*'],
  binaries: [
    'xmrig*',
    'xmr-stak*',
    'minerd',
    'cpuminer*',
    'cgminer',
    'bfgminer',
    'sgminer',
    'ccminer*',
    'ethminer',
    'nbminer',
    't-rex',
    'lolminer',
    'phoenixminer',
    'gminer',
    'srbminer*',
    'nanominer',
    'teamredminer',
    'nheqminer',
    'wildrig*',
    'bzminer',
    'hellminer',
    'dero-miner*',
    'kdevtmpfsi',
    'kinsing',
  ],
};

const STRATUM = /\bstratum\d?\+(?:tcp|ssl|tls|udp|ws|wss):\/\//i;
/** A Monero address (95 characters) or integrated address (106), base58. */
const MONERO_WALLET = /^[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?:[1-9A-HJ-NP-Za-km-z]{11})?$/;
/** `host:port`, `tcp://host:port`, `[v6]:port`: an address to connect to, not a file name. */
const HOST_PORT =
  /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\[[0-9a-f:]+\]|[a-z0-9_.-]+|\$\{?\w+\}?):(?:\d{2,5}|\$\{?\w+\}?)\/?$/i;

const POOL_OPTIONS = new Set([
  '-o',
  '--url',
  '--pool',
  '--daemon-address',
  '--daemon-rpc-address',
  '--server',
]);
const WALLET_OPTIONS = new Set([
  '-u',
  '--user',
  '--wallet',
  '--wallet-address',
  '--address',
  '-w',
  '--login',
]);
/** Options only miners have. */
const MINER_TUNING = new Set([
  '--coin',
  '--donate-level',
  '--cpu-priority',
  '--mining-threads',
  '--cpu-max-threads-hint',
  '--nicehash',
  '--rig-id',
  '--cpu-affinity',
  '--huge-pages',
  '--asm',
]);
/** Options miners share with other tools (compressors, load generators). */
const SHARED_TUNING = new Set(['-a', '--algo', '--algorithm', '--threads', '-t', '--keepalive']);

interface Matchers {
  images: RegExp;
  binaries: RegExp;
}

/** One regular expression for a list of globs. */
function globsToRegExp(globs: readonly string[]): RegExp {
  const sources = globs.map((glob) => picomatch.makeRe(glob, { nocase: true, dot: true }).source);
  return new RegExp(sources.length > 0 ? sources.map((source) => `(?:${source})`).join('|') : '(?!)', 'i');
}

const compiled = new WeakMap<CryptoMinerParams, Matchers>();

function matchersOf(params: CryptoMinerParams): Matchers {
  let matchers = compiled.get(params);
  if (matchers === undefined) {
    matchers = { images: globsToRegExp(params.images), binaries: globsToRegExp(params.binaries) };
    compiled.set(params, matchers);
  }
  return matchers;
}

/** Options of a command line as name → values, reading `--name=value`, `--name value`, `-x value`, `-xvalue`. */
function optionsOf(words: readonly string[]): Map<string, string[]> {
  const options = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const list = options.get(name);
    if (list === undefined) options.set(name, [value]);
    else list.push(value);
  };
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-') || word === '-' || word === '--') continue;
    const next = words[i + 1];
    const takesNext = next !== undefined && !next.startsWith('-');
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      if (eq > 0) add(word.slice(0, eq), word.slice(eq + 1));
      else add(word, takesNext ? next : '');
    } else if (word.length === 2) {
      add(word, takesNext ? next : '');
    } else {
      add(word.slice(0, 2), word.slice(2));
    }
  }
  return options;
}

/** Whether an option of `words` (named as optionsOf names them) is a pool option or a miner's tuning. */
function hasMinerOption(words: readonly string[]): boolean {
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-') || word === '-' || word === '--') continue;
    let name = word;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      if (eq > 0) name = word.slice(0, eq);
    } else if (word.length > 2) name = word.slice(0, 2);
    if (POOL_OPTIONS.has(name) || MINER_TUNING.has(name) || name.startsWith('--randomx-')) return true;
  }
  return false;
}

/**
 * Why an invocation's options are a miner's, if they are.
 * @internal
 */
export function minerOptions(words: readonly string[]): string | undefined {
  // Most programs run with a word or two and no options: nothing to read.
  if (words.length < 2 || words.length > 256) return undefined;
  for (const word of words) {
    if (word.length < 512 && word.includes('://') && STRATUM.test(word)) return 'mining pool URL';
    if (word.length >= 95 && word.length <= 106 && MONERO_WALLET.test(word.replace(/^[^=]*=/, '')))
      return 'Monero wallet address';
  }
  // Every verdict below needs a pool option or a miner's own tuning: without one, no options to read.
  if (!hasMinerOption(words)) return undefined;
  const options = optionsOf(words);
  let pool = false;
  let wallet = false;
  let specific = 0;
  let shared = 0;
  for (const [name, values] of options) {
    if (POOL_OPTIONS.has(name) && values.some((value) => HOST_PORT.test(value))) pool = true;
    else if (WALLET_OPTIONS.has(name) && values.some((value) => value !== '')) wallet = true;
    else if (MINER_TUNING.has(name) || name.startsWith('--randomx-')) specific++;
    else if (SHARED_TUNING.has(name)) shared++;
  }
  if (pool && (wallet || specific > 0 || shared >= 2))
    return 'miner options (a pool with a wallet or tuning)';
  if (specific >= 2 || (wallet && specific >= 1 && specific + shared >= 2)) return 'miner tuning options';
  return undefined;
}

/** A miner's config file: JSON naming pools with a URL, or a pool URL anywhere. */
function isMinerConfig(text: string): boolean {
  if (text.length > 256 * 1024) return false;
  if (STRATUM.test(text)) return true;
  return /"pools"\s*:/.test(text) && /"url"\s*:/.test(text) && /"(?:user|wallet|coin|algo)"\s*:/.test(text);
}

function isMiningValue(value: string): boolean {
  return STRATUM.test(value) || MONERO_WALLET.test(value.trim());
}

function check(invocation: Invocation, matchers: Matchers): string | undefined {
  if (invocation.program !== '' && matchers.binaries.test(invocation.program))
    return 'cryptocurrency miner program';
  return minerOptions(invocation.words);
}

export const cryptoMiner: Rule<CryptoMinerParams> = {
  id: 'crypto-miner',
  profile: 'default',
  weight: 10,
  technique: 'T1496',
  description:
    'Container runs a cryptocurrency miner (miner option set on any program, pool config, miner image)',
  reason: 'cryptocurrency miner',
  guide: 'miner',
  doc: {
    reads:
      'container images, literal env values, each container’s execution model (programs, options, files written)',
    why: 'resource hijacking (T1496) is the most common payload of a planted CronJob',
    benign:
      'one shared option (`curl -o file`, `--threads`, `--coin`, `-u user`) does not fire; a miner needs a pool with a wallet or tuning',
  },
  params: { schema: paramsSchema, defaults: DEFAULTS },
  check(workload: Workload, params: CryptoMinerParams): Evidence[] {
    const matchers = matchersOf(params);
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      const { container, execution } = entry;
      const image = container.image;
      if (
        image !== undefined &&
        (matchers.images.test(image.repository) || matchers.images.test(image.name))
      ) {
        evidence.add(`${container.path}.image`, quote(image.raw), 'cryptocurrency miner image');
      }
      for (const env of envFieldsMatching(container, isMiningValue)) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`, 'mining pool or wallet in env');
      }
      for (const invocation of execution.invocations) {
        const why = check(invocation, matchers);
        if (why !== undefined) evidence.add(invocation.path, () => describeInvocation(invocation), why);
      }
      for (const written of actionsOf(execution, 'write')) {
        if (isMinerConfig(written.content.text))
          evidence.add(
            written.path,
            () => quote(`writes ${written.file.text}`),
            'miner configuration written',
          );
      }
    }
    return evidence.list();
  },
};
