import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { cryptoMiner } from './crypto-miner.js';
import { C0, argv, b64, cronJob, sh } from '../../../test/support/workloads.js';

function paths(workload: Workload): string[] {
  return cryptoMiner.check(workload, cryptoMiner.params!.defaults).map((evidence) => evidence.path);
}

const WALLET = `4A${'x'.repeat(93)}`;

function image(ref: string): Workload {
  return cronJob({ containers: [{ name: 'c', image: ref }] });
}

describe('crypto-miner', () => {
  it.each<[string, Workload, string[]]>([
    ['xmrig/xmrig image', image('xmrig/xmrig:6.21.0'), [`${C0}.image`]],
    ['metal3d/xmrig image', image('docker.io/metal3d/xmrig'), [`${C0}.image`]],
    ['*/xmrig* image', image('ghcr.io/evil/xmrig-notls:latest'), [`${C0}.image`]],
    ['*miner* image', image('registry.example.com/tools/cpuminer-opt:1'), [`${C0}.image`]],
    ['xmrig program', argv('/opt/xmrig', '-c', '/etc/config.json'), [`${C0}.command[0]`]],
    ['kdevtmpfsi program in a script', sh('cd /tmp && ./kdevtmpfsi &'), [`${C0}.command[2]`]],
    ['busybox-wrapped miner', sh('nohup ./t-rex -c x &'), [`${C0}.command[2]`]],
    ['stratum+tcp URL', argv('/app/run', '-o', 'stratum+tcp://pool.example:3333'), [`${C0}.command[2]`]],
    ['stratum+ssl URL', argv('/app/run', '--url=stratum+ssl://x:443'), [`${C0}.command[1]`]],
    ['stratum2+tcp URL', argv('/app/run', 'stratum2+tcp://x:3333'), [`${C0}.command[1]`]],
    ['--donate-level', argv('/app/run', '--donate-level=1'), [`${C0}.command[1]`]],
    ['--algo randomx', argv('/app/run', '--algo', 'randomx'), [`${C0}.command[0]`]],
    ['-a rx/0', argv('/app/run', '-a', 'rx/0'), [`${C0}.command[0]`]],
    ['-a cryptonight', sh('./svc -a cryptonight -t 4'), [`${C0}.command[2]`]],
    ['-o pool -u wallet', argv('/app/run', '-o', 'pool.example:3333', '-u', 'someone'), [`${C0}.command[0]`]],
    ['pool host fragment', argv('/app/run', '-o', 'xmr-eu1.nanopool.org:14433'), [`${C0}.command[2]`]],
    ['supportxmr host', sh('./a --url pool.supportxmr.com:443'), [`${C0}.command[2]`]],
    ['Monero wallet', argv('/app/run', '--user', WALLET), [`${C0}.command[2]`]],
    [
      'stratum URL in env',
      cronJob({
        containers: [{ name: 'c', image: 'alpine', env: [{ name: 'POOL', value: 'stratum+tcp://x:1' }] }],
      }),
      [`${C0}.env[0].value`],
    ],
    [
      'wallet in env after a valueFrom',
      cronJob({
        containers: [
          {
            name: 'c',
            image: 'alpine',
            env: [
              { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
              { name: 'WALLET', value: WALLET },
            ],
          },
        ],
      }),
      [`${C0}.env[1].value`],
    ],
    [
      'miner downloaded and run (decoded payload)',
      sh(`echo ${b64('./xmrig -o stratum+tcp://x:1')} | base64 -d | sh`),
      [`${C0}.command[2]`],
    ],
    // Benign look-alikes.
    ['minio image', image('minio/minio:RELEASE.2024'), []],
    ['alpine', argv('sh', '-c', 'echo hello'), []],
    ['tar -a', argv('tar', '-a', '-cf', 'x.tar.gz', '/data'), []],
    ['pg_dump -o file', argv('pg_dump', '-o', '/backup/db.sql', '-U', 'postgres'), []],
    ['--threads alone', argv('/app/worker', '--threads', '4'), []],
    ['long base58-ish token is not a wallet', argv('/app/run', `--token=5${'x'.repeat(93)}`), []],
    ['threadpool option', argv('java', '-Dthreadpool.size=4', '-jar', 'app.jar'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(workload)).toEqual(expected);
  });

  it('takes images and binaries from its parameters', () => {
    const params = { images: ['acme/*'], binaries: ['hashd'] };
    expect(cryptoMiner.check(image('acme/anything'), params).map((e) => e.path)).toEqual([`${C0}.image`]);
    expect(cryptoMiner.check(argv('/usr/bin/hashd'), params).map((e) => e.path)).toEqual([
      `${C0}.command[0]`,
    ]);
    expect(cryptoMiner.check(image('xmrig/xmrig'), params)).toEqual([]);
  });

  it('rejects unknown parameters', () => {
    expect(cryptoMiner.params!.schema.safeParse({ images: [], binaries: [], extra: 1 }).success).toBe(false);
  });

  it('never quotes env values', () => {
    const workload = cronJob({
      containers: [{ name: 'c', image: 'alpine', env: [{ name: 'W', value: WALLET }] }],
    });
    expect(cryptoMiner.check(workload, cryptoMiner.params!.defaults)[0]?.detail).toBe('env W');
  });
});
