/**
 * crypto-miner — the container runs a cryptocurrency miner.
 * Reads: container images; every command (program names and arguments, in argv, `sh -c` scripts,
 * decoded payloads, hooks and exec probes); literal env values.
 * Looks for: miner images (parameter `images`, globs over the repository and its last segment:
 * `xmrig/xmrig`, `metal3d/xmrig`, `*xmrig*`, `*miner*`); miner programs (parameter `binaries`:
 * `xmrig`, `minerd`, `cpuminer`, `t-rex`, `lolminer`, `kdevtmpfsi`, `kinsing`, …); mining arguments:
 * `stratum+tcp://` / `stratum+ssl://` / `stratum2+tcp://` pool URLs, `--donate-level`,
 * `--cpu-max-threads-hint`, `--coin`, `--algo`/`-a` with a mining algorithm (`randomx`, `rx/0`,
 * `cryptonight`, `kawpow`, `ethash`, …), `-o <pool> -u <user>`, known pool hosts (`nanopool`,
 * `supportxmr`, `minexmr`, `2miners`, `f2pool`, `hashvault`, `moneroocean`, `nicehash`, …) and
 * Monero wallet addresses; the same pool URLs, hosts and wallets in literal env values.
 * Why: T1496 — resource hijacking is the most common payload of a CronJob planted in a cluster.
 * Benign look-alikes: `--threads` or `-a` alone (no pool, no mining algorithm), `-o` with a file
 * name (no `-u`); images such as `minio/minio` (no `miner` in the name). The `*miner*` image glob
 * may catch a benign `data-miner`: override `images` in the policy.
 */
import picomatch from 'picomatch';
import { z } from 'zod';
import {
  commandSources,
  describe,
  envFieldsMatching,
  EvidenceByPath,
  findMentionedWord,
} from '../commands.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';
import type { Workload } from '../../workload/types.js';

const paramsSchema = z
  .object({
    /** Globs over the image repository (`xmrig/xmrig`) and its last segment (`xmrig`). */
    images: z.array(z.string().min(1)),
    /** Globs over program names, as the command model gives them (basename, lowercase). */
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
    'miner',
    'srbminer*',
    'nanominer',
    'teamredminer',
    'nheqminer',
    'wildrig*',
    'bzminer',
    'hellminer',
    'kdevtmpfsi',
    'kinsing',
  ],
};

const STRATUM = /\bstratum\d?\+(?:tcp|ssl|tls|udp|ws|wss):\/\//i;
const POOL_HOSTS =
  /nanopool\.|supportxmr\.|minexmr\.|2miners\.|f2pool\.|hashvault\.|moneroocean\.|nicehash\.|c3pool\.|herominers\.|unmineable\.|xmrpool\.|ethermine\.|miningpoolhub\.|monerohash\.|minergate\.|dwarfpool\./i;
const MINER_OPTIONS =
  /^--(?:donate-level|cpu-max-threads-hint|cpu-priority|randomx-[a-z-]+|coin|nicehash)(?:=|$)/;
const ALGORITHMS =
  /^(?:randomx|rx\/[a-z0-9]+|cryptonight[a-z0-9/_-]*|cn(?:-[a-z]+)?\/[a-z0-9]+|argon2\/[a-z0-9]+|kawpow|ethash|etchash|autolykos2?|equihash[0-9_,]*|ghostrider|verushash|cuckatoo\d*|cuckoo\w*|octopus|beamhash\w*|progpow\w*)$/i;
/** A Monero address (95 characters) or integrated address (106), base58. */
const MONERO_WALLET = /\b[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?:[1-9A-HJ-NP-Za-km-z]{11})?\b/;
/** Arguments longer than this are scripts, not wallets: the wallet pattern is not run on them. */
const MAX_WALLET_WORD = 256;

interface Matchers {
  images: RegExp;
  binaries: RegExp;
}

/** One regular expression for a list of globs: a single test instead of one picomatch call per glob. */
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

/** Why a single word looks like mining, if it does. */
function miningWord(word: string): string | undefined {
  // Each pattern needs a plain substring or length first: most words are ruled out without a regex.
  if (word.includes('://') && STRATUM.test(word)) return 'mining pool URL';
  if (word.includes('.') && POOL_HOSTS.test(word)) return 'mining pool host';
  if (word.startsWith('--') && MINER_OPTIONS.test(word)) return 'miner option';
  if (word.length >= 95 && word.length <= MAX_WALLET_WORD && MONERO_WALLET.test(word))
    return 'Monero wallet address';
  return undefined;
}

function isMiningWord(word: string): boolean {
  return miningWord(word) !== undefined;
}

/** `--algo randomx`, `-a rx/0`, `--algo=kawpow`; `-o pool.x:3333 -u user`. */
function miningOptions(argv: readonly string[]): boolean {
  let pool = false;
  let user = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1] ?? '';
    if ((arg === '-a' || arg === '--algo') && ALGORITHMS.test(next)) return true;
    if (arg.startsWith('--algo=') && ALGORITHMS.test(arg.slice(7))) return true;
    if ((arg === '-o' || arg === '--url') && /pool/i.test(next)) pool = true;
    if (arg.startsWith('--url=') && /pool/i.test(arg)) pool = true;
    if (arg === '-u' || arg === '--user' || arg.startsWith('--user=')) user = true;
  }
  return pool && user;
}

export const cryptoMiner: Rule<CryptoMinerParams> = {
  id: 'crypto-miner',
  profile: 'default',
  weight: 10,
  technique: 'T1496',
  description: 'Container runs a cryptocurrency miner (miner image or binary, stratum pool, wallet address)',
  reason: 'cryptocurrency miner',
  guide: 'miner',
  doc: {
    reads: 'container images, commands (programs and arguments), literal env values',
    why: 'resource hijacking (T1496) is the most common payload of a planted CronJob',
    benign:
      'options shared with other tools (`-a`, `--threads`, `-o`) fire only with a mining algorithm or a pool',
  },
  params: { schema: paramsSchema, defaults: DEFAULTS },
  check(workload: Workload, params: CryptoMinerParams): Evidence[] {
    const matchers = matchersOf(params);
    const evidence = new EvidenceByPath();
    for (const container of workload.containers) {
      const image = container.image;
      if (
        image !== undefined &&
        (matchers.images.test(image.repository) || matchers.images.test(image.name))
      ) {
        evidence.add(`${container.path}.image`, quote(image.raw), 'cryptocurrency miner image');
      }
      for (const env of envFieldsMatching(container, isMiningWord)) {
        evidence.add(env.path, `env ${quote(env.name, 40)}`, `${miningWord(env.value) ?? ''} in env`);
      }
    }
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        const { command } = site;
        if (command.program !== '' && matchers.binaries.test(command.program)) {
          evidence.add(site.path, () => describe(command), 'cryptocurrency miner program');
          continue;
        }
        if (miningOptions(command.argv)) {
          evidence.add(site.path, () => describe(command), 'miner options');
          continue;
        }
        const mining = findMentionedWord(site, isMiningWord);
        if (mining !== undefined) evidence.add(mining.path, () => describe(command), miningWord(mining.word));
      }
    }
    return evidence.list();
  },
};
