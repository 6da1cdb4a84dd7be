/** Human-readable output of `scan` and `report`: one row per object, its findings under it, a summary line. */
import type { Verdict } from '../policy/decision.js';
import type { ScoredObject, Summary } from './result.js';

const COLOURS: Record<Verdict, string> = { allow: '32', annotate: '36', warn: '33', deny: '31' };

export interface TextStyle {
  colour: boolean;
}

function paint(style: TextStyle, code: string, text: string): string {
  return style.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** Only what a terminal would interpret is removed: a manifest must not be able to drive the reader's terminal. */
function clean(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}

export function formatObject({ result, template }: ScoredObject, style: TextStyle): string {
  const verdict = paint(style, COLOURS[result.verdict], result.verdict.padEnd(8));
  const object = clean(`${result.kind} ${result.namespace}/${result.name}`);
  const where = clean(
    `${result.source}${result.line > 0 ? `:${result.line}` : ''}${template === undefined ? '' : ` (${template})`}`,
  );
  const action =
    result.action === result.verdict ? '' : paint(style, '2', `  [${result.mode} mode: ${result.action}]`);
  const lines = [`${verdict} ${String(result.score).padStart(5)}  ${object}  ${where}${action}`];
  for (const finding of result.findings) {
    const detail = finding.detail === undefined ? '' : `: ${finding.detail}`;
    const at = finding.path === '' ? '' : paint(style, '2', `  ${finding.path}`);
    lines.push(
      clean(`${' '.repeat(16)}${finding.rule} +${finding.weight}  ${finding.message}${detail}`) + at,
    );
  }
  for (const reason of result.exemptions) lines.push(clean(`${' '.repeat(16)}exempt: ${reason}`));
  return `${lines.join('\n')}\n`;
}

export function formatSummary(summary: Summary, style: TextStyle): string {
  const counts = (['allow', 'annotate', 'warn', 'deny'] as const)
    .map((verdict) =>
      paint(style, summary[verdict] > 0 ? COLOURS[verdict] : '2', `${summary[verdict]} ${verdict}`),
    )
    .join(', ');
  return `${summary.objects} object${summary.objects === 1 ? '' : 's'} scored, ${summary.skipped} skipped: ${counts}\n`;
}
