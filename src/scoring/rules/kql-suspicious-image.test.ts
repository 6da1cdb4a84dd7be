import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { cronJob } from '../../../test/support/workloads.js';
import { kqlSuspiciousImage } from './kql-suspicious-image.js';

const image = (name: string, container = 'app') =>
  cronJob({ containers: [{ name: container, image: name }] });

describe('kql-suspicious-image (seed IsSuspiciousImage)', () => {
  it.each<[string, Workload, string]>([
    ['alpine', image('alpine:3.20'), '"alpine"'],
    ['kali on any registry', image('docker.io/kalilinux/kali-rolling'), '"kali"'],
    ['python:3.12 (the term ends at the colon)', image('python:3.12'), '"python"'],
    [
      'a container named python-report (words match anywhere)',
      image('registry.example.com/report:1', 'python-report'),
      '"python"',
    ],
  ])('fires on %s', (_name, workload, terms) => {
    expect(run(kqlSuspiciousImage, workload)).toEqual([{ path: '', detail: `body has ${terms}` }]);
    expect(kqlSuspiciousImage.weight).toBe(1);
  });

  it.each<[string, Workload]>([
    ['python3 alone', image('python3')],
    ['an application image', image('registry.example.com/billing/app:2.4')],
    ['postgres', image('postgres:16')],
  ])('does not fire on %s', (_name, workload) => {
    expect(run(kqlSuspiciousImage, workload)).toEqual([]);
  });
});
