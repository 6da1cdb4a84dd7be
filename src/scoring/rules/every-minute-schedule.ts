/**
 * every-minute-schedule — a CronJob runs every minute (or more often than `minIntervalMinutes`):
 * `* * * * *`, `*\/1 * * * *`, `0-59 * * * *`, `* 3 * * *` (every minute for an hour), `@every 1m`,
 * six-field forms with seconds, with or without a `CRON_TZ=`/`TZ=` prefix.
 * Reads: `spec.schedule` of a CronJob.
 * How: the shortest gap between two consecutive runs, from the seconds, minutes and hours fields
 * (the day fields only choose days; consecutive run days are assumed, which can only shorten the
 * gap). The rule fires when that gap is at most `minIntervalMinutes` (default 1).
 * Own parser, not croner: croner 11 builds a 10,000-entry year table per pattern, measured at
 * 40–100 µs per parse on this machine — the whole default profile's budget is 50 µs per CronJob.
 * This parser reads only the three time fields with robfig/cron's syntax (what the Kubernetes
 * CronJob controller uses: `*`, `?`, lists, ranges, `/step`, `a/step` = `a-max/step`, the `@`
 * descriptors and `@every <Go duration>`) and is checked against croner by a property test.
 * Why: a beacon that re-launches every minute is how a CronJob implant keeps a reverse shell or a
 * miner alive (T1053.007).
 * Benign look-alikes: the Kubernetes docs' hello CronJob and queue pollers run every minute too;
 * weight 1, context only.
 */
import { z } from 'zod';
import { isRecord } from '../../workload/template.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export interface ScheduleParams {
  /** Fire when two consecutive runs can be this many minutes apart or less (fractions allowed: 0.5 = 30 s). */
  minIntervalMinutes: number;
}

const DAY = 86_400;
const DESCRIPTORS: Readonly<Record<string, number>> = {
  '@yearly': 365 * DAY,
  '@annually': 365 * DAY,
  '@monthly': 28 * DAY,
  '@weekly': 7 * DAY,
  '@daily': DAY,
  '@midnight': DAY,
  '@hourly': 3_600,
};
const TZ_PREFIX = /^(?:CRON_)?TZ=\S*\s+/;
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3_600,
};
const NUMBER = /^\d+$/;

/**
 * Seconds of a Go duration (`1m`, `1h30m`, `90s`), or undefined when malformed.
 * @internal
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(text); m !== null; m = DURATION_PART.exec(text)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] ?? ''] ?? Number.NaN);
    end = DURATION_PART.lastIndex;
  }
  return end === text.length && Number.isFinite(total) ? total : undefined;
}

function toNumber(text: string): number {
  return NUMBER.test(text) ? Number(text) : Number.NaN;
}

/**
 * The values of one cron field (robfig/cron syntax), ascending, or undefined when malformed or out of range.
 * @internal
 */
export function parseCronField(field: string, min: number, max: number): number[] | undefined {
  const on = new Array<boolean>(max + 1).fill(false);
  for (const part of field.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) return undefined;
    const step = stepText === undefined ? 1 : toNumber(stepText);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = min;
      high = max;
    } else {
      const [lowText = '', highText, more] = range.split('-');
      if (more !== undefined) return undefined;
      low = toNumber(lowText);
      high = highText === undefined ? (stepText === undefined ? low : max) : toNumber(highText);
    }
    if (!(step >= 1) || !(low >= min) || !(high <= max) || !(low <= high)) return undefined;
    for (let value = low; value <= high; value += step) on[value] = true;
  }
  const values: number[] = [];
  on.forEach((isOn, value) => {
    if (isOn) values.push(value);
  });
  return values;
}

/** Shortest gap between neighbouring values of a field (Infinity for one value), and first-to-last spread. */
function fieldGap(values: readonly number[]): { gap: number; spread: number } {
  let gap = Infinity;
  for (let i = 1; i < values.length; i++) gap = Math.min(gap, (values[i] ?? 0) - (values[i - 1] ?? 0));
  return { gap, spread: (values.at(-1) ?? 0) - (values[0] ?? 0) };
}

/**
 * Shortest number of seconds between two consecutive runs of a CronJob schedule, or undefined when
 * the schedule does not parse (the API server rejects those; `@reboot` never repeats).
 * @internal
 */
export function shortestInterval(schedule: string): number | undefined {
  if (intervals.has(schedule)) return intervals.get(schedule);
  const interval = computeInterval(schedule);
  // A cluster has few distinct schedules; the bound keeps hostile ones from growing the map.
  if (intervals.size >= INTERVALS_MAX) intervals.clear();
  intervals.set(schedule, interval);
  return interval;
}

const INTERVALS_MAX = 1024;
const intervals = new Map<string, number | undefined>();

function computeInterval(schedule: string): number | undefined {
  const text = schedule.trim().replace(TZ_PREFIX, '').trim();
  if (text.startsWith('@')) {
    const lowered = text.toLowerCase();
    if (lowered.startsWith('@every ')) {
      const seconds = parseGoDuration(text.slice('@every '.length).trim());
      // robfig/cron runs `@every` durations under a second once a second
      return seconds === undefined ? undefined : Math.max(1, Math.floor(seconds));
    }
    return Object.hasOwn(DESCRIPTORS, lowered) ? DESCRIPTORS[lowered] : undefined;
  }
  const fields = text.split(/\s+/);
  if (fields.length < 5 || fields.length > 7) return undefined;
  const offset = fields.length === 5 ? 0 : 1;
  const seconds = offset === 0 ? [0] : parseCronField(fields[0] ?? '', 0, 59);
  const minutes = parseCronField(fields[offset] ?? '', 0, 59);
  const hours = parseCronField(fields[offset + 1] ?? '', 0, 23);
  if (!seconds || !minutes || !hours) return undefined;
  // Each level's shortest gap: between neighbours in its own field, or from its last value to its first
  // value in the next run of the level above. Hours wrap into the next day (assumed to be a run day).
  const h = fieldGap(hours);
  const m = fieldGap(minutes);
  const s = fieldGap(seconds);
  const hourGap = Math.min(h.gap, 24 - h.spread);
  const minuteGap = Math.min(m.gap, hourGap * 60 - m.spread);
  return Math.min(s.gap, minuteGap * 60 - s.spread);
}

function describeInterval(seconds: number): string {
  return seconds < 60 ? `${seconds}s` : `${Math.round((seconds / 60) * 100) / 100}m`;
}

export const everyMinuteSchedule: Rule<ScheduleParams> = {
  id: 'every-minute-schedule',
  profile: 'default',
  weight: 1,
  technique: 'T1053.007',
  description: 'CronJob runs every minute (spec.schedule)',
  reason: 'runs every minute',
  guide: 'schedule',
  hint: 'schedule it less often than every minute',
  doc: {
    reads: 'spec.schedule of a CronJob: shortest gap between two runs',
    why: 'a beacon relaunched every minute keeps an implant, shell or miner alive',
    benign: 'the docs hello CronJob and queue pollers: weight 1, context only',
  },
  params: {
    schema: z.object({ minIntervalMinutes: z.number().positive() }).strict(),
    defaults: { minIntervalMinutes: 1 },
  },
  check(workload, params): Evidence[] {
    if (workload.kind !== 'CronJob') return [];
    const spec = workload.object.spec;
    if (!isRecord(spec) || typeof spec.schedule !== 'string') return [];
    const interval = shortestInterval(spec.schedule);
    if (interval === undefined || interval > params.minIntervalMinutes * 60) return [];
    return [
      { path: 'spec.schedule', detail: quote(`${spec.schedule} (every ${describeInterval(interval)})`) },
    ];
  },
};
