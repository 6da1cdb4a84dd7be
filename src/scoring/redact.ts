/**
 * Redaction for everything that leaves the engine (findings, warnings, annotations, logs, reports):
 * secrets that attackers and admins alike put in command lines must not be copied into audit logs.
 */
export const REDACTED = '[redacted]';

const PATTERNS: readonly [RegExp, string][] = [
  // Authorization / bearer headers: `-H "Authorization: Bearer abc"`, `Authorization: Basic …`
  [/(authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s"',;]+/gi, `$1${REDACTED}`],
  [/\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`],
  // userinfo in URLs: `https://user:secret@host` (user kept, password removed)
  [/(\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@"']{0,256}:)[^\s/@"']{1,256}@/gi, `$1${REDACTED}@`],
  // key=value / --flag value secrets
  [
    /((?:^|[\s"'?&;,-])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)\s*[=:]\s*)[^\s"'&;,]+/gi,
    `$1${REDACTED}`,
  ],
  [/(--?(?:password|passwd|token|secret|api-key|apikey|access-key)[ =])[^\s"']+/gi, `$1${REDACTED}`],
  // JWTs (service-account tokens) and long base64 blobs
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/[A-Za-z0-9+/]{48,}={0,2}/g, REDACTED],
];

/** Removes tokens, passwords, authorization headers and long base64 blobs from a string. Linear-time patterns only. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Shortens to `max` characters (code points kept whole), marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** A value quoted from a manifest for a finding's detail: redacted, single-line, short. */
export function quote(value: string, max = 60): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a header
  return truncate(redact(value).replace(/[\u0000-\u001f\u007f]+/g, ' '), max);
}
