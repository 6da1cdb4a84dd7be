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
];

/** Long base64 blobs; runs after the JWT pass so a token's dots survive to be recognised first. */
const BASE64_BLOB = /[A-Za-z0-9+/]{48,}={0,2}/g;

/** A maximal run of base64url characters and dots long enough to hold `eyJ` + 8, `.` + 8, `.` + 8. */
const DOTTED_RUN = /[A-Za-z0-9_.-]{29,}/g;

/** Where a JWT may start in one dot-separated segment: `eyJ` at a word boundary (segment start or after `-`). */
function jwtStart(segment: string): number {
  let at = segment.indexOf('eyJ');
  while (at > 0 && segment[at - 1] !== '-') at = segment.indexOf('eyJ', at + 1);
  return at;
}

/**
 * JWTs (service-account tokens): `eyJ…` + 8 or more base64url characters, then two more segments of
 * 8 or more, joined by dots. Found by splitting dotted runs rather than with the one-line pattern
 * `\beyJ[…]{8,}\.[…]{8,}\.[…]{8,}`: that pattern restarts at every `-eyJ` and rescans the rest of
 * the run, so `-eyJ-eyJ…` took a minute for 200 KB (quadratic); this is linear.
 */
function redactJwts(text: string): string {
  return text.replace(DOTTED_RUN, (run) => {
    if (!run.includes('eyJ')) return run;
    const segments = run.split('.');
    const out: string[] = [];
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] ?? '';
      const start = jwtStart(segment);
      const [second, third] = [segments[i + 1], segments[i + 2]];
      if (
        start >= 0 &&
        segment.length - start >= 11 &&
        (second?.length ?? 0) >= 8 &&
        (third?.length ?? 0) >= 8
      ) {
        out.push(`${segment.slice(0, start)}${REDACTED}`);
        i += 2;
      } else out.push(segment);
    }
    return out.join('.');
  });
}

/** Every pattern above needs one of these words; most quoted values have none (a cheap first look). */
const MAY_HOLD_SECRET = /authori|bearer|:\/\/|pass|pwd|secret|token|key/i;
/** Shorter text can hold neither a JWT (29 characters at least) nor a base64 blob (48). */
const SHORTEST_TOKEN = 29;

/** Removes tokens, passwords, authorization headers and long base64 blobs from a string. Linear time. */
export function redact(text: string): string {
  let out = text;
  if (MAY_HOLD_SECRET.test(text)) {
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  }
  return out.length < SHORTEST_TOKEN ? out : redactJwts(out).replace(BASE64_BLOB, REDACTED);
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
