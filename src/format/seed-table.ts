/**
 * `audit --format text`: the seed query's projection (TimeGenerated, Resource, Verb, Namespace,
 * Name, User, UserAgent, SourceIP, the Is* indicator columns, SuspicionScore), sorted as the seed
 * sorts (score desc, time desc). Sorting needs every row, so this output buffers one small row per
 * scored event (never the events themselves); `--format json` streams instead.
 */
export interface SeedRow {
  time: string;
  resource: string;
  verb: string;
  namespace: string;
  name: string;
  user: string;
  userAgent: string;
  sourceIP: string;
  flags: boolean[];
  score: number;
  partial: boolean;
}

const MAX_CELL = 48;

function cell(text: string): string {
  const clean = text.replace(/\p{Cc}+/gu, ' ');
  return clean.length > MAX_CELL ? `${clean.slice(0, MAX_CELL - 1)}…` : clean;
}

function instant(time: string): number {
  const t = Date.parse(time);
  return Number.isNaN(t) ? -Infinity : t;
}

export function sortSeedRows(rows: SeedRow[]): void {
  rows.sort((a, b) => b.score - a.score || instant(b.time) - instant(a.time));
}

export function formatSeedTable(rows: readonly SeedRow[], flagColumns: readonly string[]): string {
  const header = [
    'TimeGenerated',
    'Resource',
    'Verb',
    'Namespace',
    'Name',
    'User',
    'UserAgent',
    'SourceIP',
    ...flagColumns,
    'SuspicionScore',
  ];
  const table = rows.map((row) => [
    cell(row.time),
    cell(row.resource),
    cell(row.verb),
    cell(row.namespace),
    cell(row.partial ? `${row.name} *` : row.name),
    cell(row.user),
    cell(row.userAgent),
    cell(row.sourceIP),
    ...row.flags.map((flag) => (flag ? 'true' : 'false')),
    String(row.score),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...table.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...table.map(line)];
  if (rows.some((row) => row.partial)) out.push('', '* patch body: scored as sent, not the whole object');
  return `${out.join('\n')}\n`;
}
