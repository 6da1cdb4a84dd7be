import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VERSION } from '../src/version.js';

const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('version', () => {
  it('src/version.ts says what package.json says', () => {
    expect(VERSION).toBe(packageVersion);
  });

  it("the chart's appVersion is the package version", () => {
    const chart = parse(readFileSync('charts/jobguard/Chart.yaml', 'utf8')) as { appVersion: string };
    expect(chart.appVersion).toBe(packageVersion);
  });
});
