import { describe, expect, it } from '@jest/globals';
import { CronPattern } from 'croner';
import fc from 'fast-check';

import { buildWorkload } from '../../workload/build.js';
import type { Workload } from '../../workload/types.js';
import {
  everyMinuteSchedule,
  parseCronField,
  parseGoDuration,
  shortestInterval,
} from './every-minute-schedule.js';

function cronJob(schedule: unknown): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    spec: {
      schedule,
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } },
    },
  });
}

const defaults = { minIntervalMinutes: 1 };

describe('every-minute-schedule', () => {
  it.each([
    ['* * * * *', '* * * * * (every 1m)'],
    ['*/1 * * * *', '*/1 * * * * (every 1m)'],
    ['0-59 * * * *', '0-59 * * * * (every 1m)'],
    ['* 3 * * *', '* 3 * * * (every 1m)'],
    ['0,59 0,23 * * *', '0,59 0,23 * * * (every 1m)'],
    ['CRON_TZ=Europe/Berlin * * * * *', 'CRON_TZ=Europe/Berlin * * * * * (every 1m)'],
    ['TZ=UTC */1 * * * *', 'TZ=UTC */1 * * * * (every 1m)'],
    ['  *  *  *  *  *  ', '  *  *  *  *  *   (every 1m)'],
    ['@every 1m', '@every 1m (every 1m)'],
    ['@every 30s', '@every 30s (every 30s)'],
    ['*/10 * * * * *', '*/10 * * * * * (every 10s)'],
    ['0 * * * * *', '0 * * * * * (every 1m)'],
  ])('%j fires', (schedule, detail) => {
    expect(everyMinuteSchedule.check(cronJob(schedule), defaults)).toEqual([
      { path: 'spec.schedule', detail },
    ]);
  });

  it.each([
    '*/2 * * * *',
    '*/5 * * * *',
    '0 * * * *',
    '0 3 * * *',
    '30 2 * * 1-5',
    '@hourly',
    '@daily',
    '@every 5m',
    '@every 1h30m',
    '@reboot',
    '0 */6 * * *',
    '0,30 * * * *',
    'not a schedule',
    '61 * * * *',
    '* * * *',
  ])('%j does not fire', (schedule) => {
    expect(everyMinuteSchedule.check(cronJob(schedule), defaults)).toEqual([]);
  });

  it('only reads CronJobs and string schedules', () => {
    const job = buildWorkload({
      kind: 'Job',
      spec: { schedule: '* * * * *', template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    expect(everyMinuteSchedule.check(job, defaults)).toEqual([]);
    expect(everyMinuteSchedule.check(cronJob(5), defaults)).toEqual([]);
  });

  it('minIntervalMinutes widens the net', () => {
    expect(everyMinuteSchedule.check(cronJob('*/5 * * * *'), { minIntervalMinutes: 5 })).toEqual([
      { path: 'spec.schedule', detail: '*/5 * * * * (every 5m)' },
    ]);
    expect(everyMinuteSchedule.check(cronJob('*/10 * * * *'), { minIntervalMinutes: 5 })).toEqual([]);
    expect(everyMinuteSchedule.check(cronJob('* * * * *'), { minIntervalMinutes: 0.5 })).toEqual([]);
  });
});

describe('shortestInterval', () => {
  it.each([
    ['* * * * *', 60],
    ['*/7 * * * *', 4 * 60],
    ['5/15 * * * *', 15 * 60],
    ['0 * * * *', 3_600],
    ['0 0 * * *', 86_400],
    ['15 10,14 * * *', 4 * 3_600],
    ['0 22-23,0-1 * * *', 3_600],
    ['@weekly', 7 * 86_400],
    ['@every 90s', 90],
    ['@every 500ms', 1],
    ['@every 1x', undefined],
    ['*/0 * * * *', undefined],
    ['5-1 * * * *', undefined],
    ['1-2-3 * * * *', undefined],
    ['*/2/3 * * * *', undefined],
    ['a * * * *', undefined],
  ])('%j → %s', (schedule, expected) => {
    expect(shortestInterval(schedule)).toBe(expected);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['1m', 60],
    ['1h30m', 5_400],
    ['1.5h', 5_400],
    ['250ms', 0.25],
    ['0', 0],
    ['', undefined],
    ['1', undefined],
    ['m', undefined],
    ['1m ', undefined],
  ])('%j → %s', (text, expected) => {
    expect(parseGoDuration(text)).toBe(expected);
  });
});

/** Random minute or hour fields in robfig/croner syntax: `*`, `a`, `a-b`, `* /s`, `a-b/s`, lists. */
function field(max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min: 0, max });
  const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: max + 1 });
  const part = fc.oneof(
    fc.constant('*'),
    value.map(String),
    range,
    step.map((s) => `*/${s}`),
    fc.tuple(range, step).map(([r, s]) => `${r}/${s}`),
  );
  return fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));
}

function croner(minute: string, hour: string): { minutes: number[]; hours: number[] } {
  const pattern = new CronPattern(`${minute} ${hour} * * *`);
  const on = (flags: number[]) => flags.flatMap((flag, i) => (flag ? [i] : []));
  return { minutes: on(pattern.minute), hours: on(pattern.hour) };
}

/** Brute force: every run time of one day, shortest gap including the wrap into the next day. */
function bruteForce(minutes: number[], hours: number[]): number {
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let gap = 1_440 - (times.at(-1) ?? 0) + (times[0] ?? 0);
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return gap * 60;
}

describe('own cron parser agrees with croner (property)', () => {
  it('parses minute and hour fields to the same values', () => {
    fc.assert(
      fc.property(field(59), field(23), (minute, hour) => {
        const expected = croner(minute, hour);
        expect(parseCronField(minute, 0, 59)).toEqual(expected.minutes);
        expect(parseCronField(hour, 0, 23)).toEqual(expected.hours);
      }),
      { numRuns: 500 },
    );
  });

  it('computes the brute-force shortest gap', () => {
    fc.assert(
      fc.property(field(59), field(23), (minute, hour) => {
        const { minutes, hours } = croner(minute, hour);
        expect(shortestInterval(`${minute} ${hour} * * *`)).toBe(bruteForce(minutes, hours));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects what croner rejects, never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (minute) => {
        let cronerAccepts = true;
        try {
          new CronPattern(`${minute} * * * *`);
        } catch {
          cronerAccepts = false;
        }
        const ours = shortestInterval(`${minute} * * * *`);
        if (!cronerAccepts) expect(ours).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('weighs 1: context: at most annotates on its own', () => {
    expect(everyMinuteSchedule.weight).toBe(1);
  });
});
