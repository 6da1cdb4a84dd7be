/**
 * Hunting filters and grouping for `jobguard audit`: which records to keep before scoring (time
 * range, user, source IP, user agent, namespace), and a count of verdicts per user, source IP,
 * user agent or namespace. Filters read only the record's metadata, so a filtered-out event costs
 * no scoring.
 */
import { BlockList, isIP } from 'node:net';
import picomatch from 'picomatch';
import type { Verdict } from '../policy/decision.js';
import type { AuditRecord } from './record.js';

export class HuntError extends Error {
  override name = 'HuntError';
}

export interface HuntFilter {
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  users: string[];
  sourceIps: string[];
  userAgents: string[];
  namespaces: string[];
}

export interface HuntFlags {
  since?: string;
  until?: string;
  user?: string[];
  'source-ip'?: string[];
  'user-agent'?: string[];
  namespace?: string[];
}

/** RFC 3339 date-time (section 5.6): a full date, a time, optional fraction, Z or an offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** A Go-style duration, as kubectl's `--since` takes it: `90s`, `30m`, `24h`, `1h30m`, plus `d` for days. */
const DURATION = /^(\d+(?:ms|s|m|h|d))+$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 24h` (that long before `now`) or `--since 2025-03-01T10:00:00Z`, as epoch milliseconds. */
function parseTime(flag: string, value: string, now: Date): number {
  const text = value.trim();
  if (DURATION.test(text)) {
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g))
      ms += Number(n) * (UNIT_MS[unit ?? 's'] ?? 0);
    return now.getTime() - ms;
  }
  const at = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at))
    throw new HuntError(
      `--${flag}: expected an RFC 3339 time (2025-03-01T10:00:00Z) or a duration before now (24h, 30m, 7d), got "${value}"`,
    );
  return at;
}

function checkCidr(value: string): void {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const bad =
    family === 0 ||
    rest.length > 0 ||
    (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max));
  if (bad)
    throw new HuntError(
      `--source-ip: expected an IP address or a CIDR (10.0.0.0/8, 2001:db8::/32), got "${value}"`,
    );
}

function checkGlob(flag: string, value: string): void {
  if (value === '') throw new HuntError(`--${flag}: empty pattern`);
}

/** Flags → a filter; a bad value throws HuntError with the flag and what was expected. */
export function parseHunt(flags: HuntFlags, now: Date): HuntFilter {
  const filter: HuntFilter = {
    users: flags.user ?? [],
    sourceIps: flags['source-ip'] ?? [],
    userAgents: flags['user-agent'] ?? [],
    namespaces: flags.namespace ?? [],
  };
  if (flags.since !== undefined) filter.since = parseTime('since', flags.since, now);
  if (flags.until !== undefined) filter.until = parseTime('until', flags.until, now);
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
    throw new HuntError(`--since ${flags.since ?? ''} is not before --until ${flags.until ?? ''}`);
  for (const user of filter.users) checkGlob('user', user);
  for (const agent of filter.userAgents) checkGlob('user-agent', agent);
  for (const ns of filter.namespaces) if (ns === '') throw new HuntError('--namespace: empty name');
  for (const ip of filter.sourceIps) checkCidr(ip);
  return filter;
}

/** A compiled filter: the reason a record is left out, or undefined when it is kept. */
export function huntMatcher(filter: HuntFilter): (record: AuditRecord) => string | undefined {
  // Globs match the whole value, case-sensitively for users (Kubernetes usernames are), and
  // case-insensitively for user agents (clients vary the case of their product tokens).
  const users = filter.users.length > 0 ? picomatch(filter.users, { dot: true, bash: true }) : undefined;
  const agents =
    filter.userAgents.length > 0
      ? picomatch(filter.userAgents, { dot: true, bash: true, nocase: true })
      : undefined;
  const namespaces = filter.namespaces.length > 0 ? new Set(filter.namespaces) : undefined;
  let blocks: BlockList | undefined;
  if (filter.sourceIps.length > 0) {
    blocks = new BlockList();
    for (const value of filter.sourceIps) {
      const [address = '', prefix] = value.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) blocks.addAddress(address, type);
      else blocks.addSubnet(address, Number(prefix), type);
    }
  }
  const timed = filter.since !== undefined || filter.until !== undefined;

  return (record) => {
    if (timed) {
      const at = Date.parse(record.time);
      if (Number.isNaN(at)) return 'no timestamp (--since/--until)';
      if (filter.since !== undefined && at < filter.since) return 'before --since';
      if (filter.until !== undefined && at >= filter.until) return 'at or after --until';
    }
    if (namespaces && !namespaces.has(record.namespace)) return 'other namespace (--namespace)';
    if (users && !users(record.username)) return 'other user (--user)';
    if (agents && !agents(record.userAgent)) return 'other user agent (--user-agent)';
    if (blocks) {
      const family = isIP(record.sourceIP);
      if (family === 0 || !blocks.check(record.sourceIP, family === 6 ? 'ipv6' : 'ipv4'))
        return 'other source IP (--source-ip)';
    }
    return undefined;
  };
}

export const GROUP_BY = ['user', 'source-ip', 'user-agent', 'namespace'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface GroupCounts {
  objects: number;
  allow: number;
  annotate: number;
  warn: number;
  deny: number;
}

/** What a record is grouped under; an empty value shows as `(none)`. */
function groupKey(record: AuditRecord, by: GroupBy): string {
  const value =
    by === 'user'
      ? record.username
      : by === 'source-ip'
        ? record.sourceIP
        : by === 'user-agent'
          ? record.userAgent
          : record.namespace;
  return value === '' ? '(none)' : value;
}

/** Verdict counts per group, most denies first, then warnings, then volume, then name. */
export class Groups {
  private readonly counts = new Map<string, GroupCounts>();

  constructor(readonly by: GroupBy) {}

  add(record: AuditRecord, verdict: Verdict): void {
    const key = groupKey(record, this.by);
    let entry = this.counts.get(key);
    if (!entry) {
      entry = { objects: 0, allow: 0, annotate: 0, warn: 0, deny: 0 };
      this.counts.set(key, entry);
    }
    entry.objects += 1;
    entry[verdict] += 1;
  }

  sorted(): [string, GroupCounts][] {
    return [...this.counts.entries()].sort(
      ([ka, a], [kb, b]) =>
        b.deny - a.deny || b.warn - a.warn || b.objects - a.objects || (ka < kb ? -1 : ka > kb ? 1 : 0),
    );
  }

  /** The JSON form: `{by, groups: [{key, objects, allow, annotate, warn, deny}]}`, in table order. */
  toJSON(): { by: GroupBy; groups: ({ key: string } & GroupCounts)[] } {
    return { by: this.by, groups: this.sorted().map(([key, counts]) => ({ key, ...counts })) };
  }

  /** A text table: the group, then its counts, columns padded to the widest cell. */
  format(): string {
    const header = [this.by.toUpperCase(), 'OBJECTS', 'DENY', 'WARN', 'ANNOTATE', 'ALLOW'];
    const rows = this.sorted().map(([key, c]) => [
      key,
      String(c.objects),
      String(c.deny),
      String(c.warn),
      String(c.annotate),
      String(c.allow),
    ]);
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
    const line = (row: string[]): string =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    return `${all.map(line).join('\n')}\n`;
  }
}
