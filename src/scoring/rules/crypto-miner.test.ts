import { describe, expect, it } from '@jest/globals';

import { execution, invocation, lit, withExecution, write } from '../../../test/support/execution.js';
import { cryptoMiner, minerOptions } from './crypto-miner.js';

const DEFAULTS = cryptoMiner.params!.defaults;
const WALLET = `4${'8'.repeat(1)}${'A'.repeat(93)}`;

describe('crypto-miner', () => {
  it.each<[string, string[]]>([
    ['a stratum pool URL alone', ['kswapd0', '-o', 'stratum+tcp://pool.example:3333']],
    [
      'pool and wallet on a renamed binary',
      ['/tmp/.x/pause', '-o', 'pool.example.net:443', '-u', '4Abc', '-k'],
    ],
    ['pool and a miner-only option', ['app', '--url=pool.example:5555', '--donate-level=1']],
    [
      'Dero: daemon and wallet flags',
      [
        '/usr/bin/pause',
        '--daemon-rpc-address=node.example:10100',
        '--wallet-address',
        'dero1qy',
        '--mining-threads=4',
      ],
    ],
    [
      'two miner-only options (pool in a config file)',
      ['sys-update', '--cpu-priority', '5', '--donate-level', '0'],
    ],
    ['a Monero wallet in any word', ['worker', `--user=${WALLET}`]],
  ])('finds %s', (_name, words) => {
    expect(minerOptions(words)).toBeDefined();
    const found = cryptoMiner.check(withExecution(execution({ invocations: [invocation(words)] })), DEFAULTS);
    expect(found).toHaveLength(1);
  });

  it.each<[string, string[]]>([
    [
      'curl -o a file with -u credentials',
      ['curl', '-o', '/tmp/pool-report.csv', '-u', 'admin:pw', 'https://x'],
    ],
    ['--threads alone', ['pigz', '--threads', '8', 'file']],
    [
      'an application’s --coin flag with a report file',
      ['report', '-o', '/reports/pool-usage.csv', '--coin', 'btc'],
    ],
    [
      'a compressor with a user, threads and an algorithm',
      ['backup', '--user', 'admin', '--threads', '4', '--algorithm', 'zstd'],
    ],
    ['psql with host:port', ['psql', '-h', 'db:5432', '-U', 'app']],
  ])('does not fire on %s', (_name, words) => {
    expect(minerOptions(words)).toBeUndefined();
    expect(
      cryptoMiner.check(withExecution(execution({ invocations: [invocation(words)] })), DEFAULTS),
    ).toEqual([]);
  });

  it('finds miner programs by name, miner configs written at run time, env and images', () => {
    const model = execution({
      invocations: [invocation(['/opt/xmrig'])],
      actions: [write('/tmp/c.json', '{"pools":[{"url":"x.example:3333","user":"w"}]}', { path: 'w' })],
    });
    const reasons = cryptoMiner
      .check(
        withExecution(
          model,
          {},
          { image: 'metal3d/xmrig:latest', env: [{ name: 'POOL', value: 'stratum+ssl://p:443' }] },
        ),
        DEFAULTS,
      )
      .map((e) => e.reason)
      .sort();
    expect(reasons).toEqual([
      'cryptocurrency miner image',
      'cryptocurrency miner program',
      'miner configuration written',
      'mining pool or wallet in env',
    ]);
  });

  it('does not read an everyday JSON config as a miner’s', () => {
    const model = execution({ actions: [write('/etc/app.json', lit('{"url":"https://api","pools":4}'))] });
    expect(cryptoMiner.check(withExecution(model, {}, { image: 'minio/minio' }), DEFAULTS)).toEqual([]);
  });

  it('weighs 10: denies on its own (the default deny threshold is 8)', () => {
    expect(cryptoMiner.weight).toBe(10);
  });
});
