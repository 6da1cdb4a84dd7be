import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { compileIndicators, INDICATOR_COLUMNS } from '../audit/indicators.js';
import { readAuditRows } from '../audit/read.js';
import { GROUP_BY, Groups, HuntError, huntMatcher, parseHunt } from '../audit/hunt.js';
import { readRecord } from '../audit/record.js';
import { filterRecord, RecentKeys, replayObject, scoredResources } from '../audit/replay.js';
import { assess } from '../engine.js';
import { JsonResultsWriter, writeChunk } from '../format/json.js';
import { count, emptySummary, FAIL_ON, toResult, type ScanResult } from '../format/result.js';
import { formatSeedTable, sortSeedRows, type SeedRow } from '../format/seed-table.js';
import { formatSummary } from '../format/text.js';
import { STDIN } from '../source/inputs.js';
import { EXIT_OK, parseChoice, parseFlags, UsageError, type CliCommand } from './io.js';
import { exitCode, textStyle } from './scan.js';
import { POLICY_FLAGS, POLICY_HELP, engineFromFlags } from './flags.js';

const HELP = `Usage: jobguard audit [flags] LOG... | -

Replays Kubernetes audit logs through the engine: audit.k8s.io/v1 Events (JSON lines, a JSON
array or an EventList), AzureDiagnostics rows (Category kube-audit / kube-audit-admin, the Event
in log_s) and AKSAudit / AKSAuditAdmin rows. Scores create/update/patch of cronjobs and jobs (and
of the other kinds the policy's kinds lists), stage ResponseComplete when a stage is present.
Everything else is counted as skipped; the reasons go to stderr.

The object scored is responseObject when logged, else requestObject (also for a refused write,
whose responseObject is the API server's Status); a patch body is scored as it is and marked
partial. Input is read line by line: JSON lines run in constant memory, and so
does a JSON array (split element by element).

--format json streams results as events are read. --format text prints the seed query's table
(indicator columns from the kql rules, SuspicionScore from the active profile) for every event
at or above the annotate threshold, sorted by score then time: it buffers one row per such
event (not the events).

Hunting: the filters below read only the event's metadata and run before scoring; an event
they leave out is counted as skipped (the reason names the flag). Repeated flags of one kind
match any of their values; different flags must all match. --group-by adds a summary of
verdicts per group: a table after the events (text) or summary.groups (json).

Flags:
${POLICY_HELP}
  --format text|json       output format (default text)
  --since TIME             only events at or after TIME: RFC 3339 (2025-03-01T10:00:00Z) or a
                           duration before now (24h, 30m, 7d, 1h30m); the event's
                           stageTimestamp, else requestReceivedTimestamp (TimeGenerated for
                           Azure exports)
  --until TIME             only events before TIME (same forms)
  --user GLOB              only requests by a matching user (the impersonated user when there is
                           one), e.g. 'system:serviceaccount:*' (repeatable)
  --source-ip CIDR|IP      only requests whose first sourceIPs entry is in the range, e.g.
                           203.0.113.0/24 (repeatable)
  --user-agent GLOB        only requests with a matching user agent, case-insensitive, e.g.
                           'curl/*' (repeatable)
  --namespace NS           only objects in namespace NS (repeatable)
  --group-by user|source-ip|user-agent|namespace
                           count verdicts per group and print the summary
  --fail-on deny|warn|never exit 1 when a verdict reaches this level (default deny)

Exit codes: 0 ok, 1 a verdict at or above --fail-on, 2 bad usage or unreadable input.
`;

/** Progress on an interactive stderr, every this many rows. */
const PROGRESS_EVERY = 10_000;
/** Malformed rows reported one by one before they are only counted. */
const MAX_REPORTED = 20;

async function openLog(file: string, io: Parameters<CliCommand>[1]): Promise<NodeJS.ReadableStream> {
  if (file === STDIN) return io.stdin;
  const full = path.resolve(io.cwd, file);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(full)).isDirectory();
  } catch (error) {
    throw new Error(`cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  if (isDirectory) throw new Error('is a directory');
  return (await open(full)).createReadStream({ encoding: 'utf8' });
}

export const audit: CliCommand = async (argv, io) => {
  const { values, positionals } = parseFlags(
    argv,
    {
      ...POLICY_FLAGS,
      format: { type: 'string' },
      'fail-on': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      user: { type: 'string', multiple: true },
      'source-ip': { type: 'string', multiple: true },
      'user-agent': { type: 'string', multiple: true },
      namespace: { type: 'string', multiple: true },
      'group-by': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const format = parseChoice('format', values.format, ['text', 'json'] as const) ?? 'text';
  const failOn = parseChoice('fail-on', values['fail-on'], FAIL_ON) ?? 'deny';
  const groupBy = parseChoice('group-by', values['group-by'], GROUP_BY);
  const now = new Date();
  let hunt: ReturnType<typeof huntMatcher>;
  try {
    hunt = huntMatcher(parseHunt(values, now));
  } catch (error) {
    if (error instanceof HuntError) throw new UsageError(error.message);
    throw error;
  }
  if (positionals.length === 0) throw new UsageError('no input: give audit log files or - for stdin');
  const engine = await engineFromFlags(values, io);
  const { policy } = engine;
  const indicatorsOf = compileIndicators(policy);
  const resources = scoredResources(policy.kinds);
  const recent = new RecentKeys();
  const groups = groupBy === undefined ? undefined : new Groups(groupBy);

  const summary = emptySummary();
  const skippedBy = new Map<string, number>();
  const json = format === 'json' ? new JsonResultsWriter(io.stdout) : undefined;
  const rows: SeedRow[] = [];
  let inputFailed = false;
  let malformed = 0;
  let seen = 0;

  const skip = (reason: string): void => {
    summary.skipped += 1;
    skippedBy.set(reason, (skippedBy.get(reason) ?? 0) + 1);
  };

  for (const file of positionals) {
    const source = file === STDIN ? '<stdin>' : file;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await openLog(file, io);
    } catch (error) {
      inputFailed = true;
      io.stderr.write(`jobguard audit: ${source}: ${(error as Error).message}\n`);
      continue;
    }
    // Events are numbered from 0 within their file, malformed ones included, as scan numbers documents.
    let ordinal = -1;
    for await (const row of readAuditRows(stream)) {
      seen += 1;
      ordinal += 1;
      if (io.stderrIsTTY && seen % PROGRESS_EVERY === 0) {
        io.stderr.write(`\rjobguard audit: ${seen} events read, ${summary.objects} scored`);
      }
      if ('error' in row) {
        inputFailed = true;
        malformed += 1;
        if (malformed <= MAX_REPORTED)
          io.stderr.write(`jobguard audit: ${source}:${row.line}: ${row.error}\n`);
        continue;
      }
      const read = readRecord(row.value);
      if ('skip' in read) {
        skip(read.skip);
        continue;
      }
      const { record } = read;
      const filtered = filterRecord(record, resources, recent) ?? hunt(record);
      if (filtered !== undefined) {
        skip(filtered);
        continue;
      }
      const replay = replayObject(record);
      if ('skip' in replay) {
        skip(replay.skip);
        continue;
      }
      const assessment = assess(engine, replay.object, {
        requester: { username: record.username, groups: record.groups },
        ...(record.namespace === '' ? {} : { namespace: record.namespace }),
        now,
      });
      if (!assessment) {
        skip(replay.partial ? 'patch body without a pod template' : 'no pod template');
        continue;
      }
      const result: ScanResult = {
        ...toResult(assessment, {
          source,
          document: ordinal,
          line: row.line,
          namespace: record.namespace,
          name: record.name,
        }),
        ...(replay.partial ? { partial: true } : {}),
        event: {
          auditID: record.auditID,
          time: record.time,
          verb: record.verb,
          user: record.username,
          userAgent: record.userAgent,
          sourceIP: record.sourceIP,
        },
      };
      count(summary, result.verdict);
      groups?.add(record, result.verdict);
      if (json) {
        await json.write(result);
      } else if (result.verdict !== 'allow') {
        rows.push({
          time: record.time,
          resource: record.resource,
          verb: record.verb,
          namespace: result.namespace,
          name: result.name,
          user: record.username,
          userAgent: record.userAgent,
          sourceIP: record.sourceIP,
          flags: indicatorsOf(assessment.workload),
          score: result.score,
          partial: replay.partial,
        });
      }
    }
  }
  if (io.stderrIsTTY && seen >= PROGRESS_EVERY) io.stderr.write('\r\u001b[K');
  if (malformed > MAX_REPORTED) io.stderr.write(`jobguard audit: ${malformed} malformed rows in all\n`);
  if (skippedBy.size > 0) {
    const reasons = [...skippedBy.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 10)
      .map(([reason, n]) => `${n} ${reason}`);
    const more = skippedBy.size > 10 ? `, and ${skippedBy.size - 10} other reasons` : '';
    io.stderr.write(`jobguard audit: skipped ${summary.skipped}: ${reasons.join(', ')}${more}\n`);
  }

  if (json) {
    // summary.groups rides along: JSON output carries whatever the summary object holds.
    const grouped = groups ? { ...summary, groups: groups.toJSON() } : summary;
    await json.end(grouped);
  } else {
    sortSeedRows(rows);
    await writeChunk(io.stdout, formatSeedTable(rows, INDICATOR_COLUMNS));
    if (groups) await writeChunk(io.stdout, `\n${groups.format()}\n`);
    await writeChunk(io.stdout, formatSummary(summary, textStyle(io)));
  }
  return exitCode(inputFailed, summary, failOn);
};
