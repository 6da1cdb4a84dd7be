/**
 * Redaction for everything that leaves the engine (findings, warnings, annotations, logs, reports):
 * secrets that attackers and admins alike put in command lines must not be copied into audit logs.
 */
export const REDACTED = '[redacted]';

/** Names of variables and settings that hold secrets: `DB_PASSWORD`, `X_API_TOKEN`, `aws_secret_access_key`. */
const SECRET_NAME = /pass|pwd|secret|token|key|credential|auth|private|(?:^|_)pw(?:_|$)/i;

/** Numeric `uid:gid` pairs (`docker run -u 1000:1000`) are not credentials. */
const NUMERIC_PAIR = /^\d+$/;

/**
 * A pattern, what it becomes, and a cheap test the text must pass for the pattern to match at all
 * (`lower` is the text in lower case): most quoted text holds none of the words, and a substring
 * test costs far less than a regex pass. Each test is a necessary condition of its pattern, so
 * skipping a pattern whose test fails changes nothing.
 */
interface Pattern {
  pattern: RegExp;
  replacement: string | ((...match: string[]) => string);
  may: (text: string, lower: string) => boolean;
}

function anyOf(text: string, words: readonly string[]): boolean {
  for (const word of words) if (text.includes(word)) return true;
  return false;
}

const PATTERNS: readonly Pattern[] = [
  // PEM private keys, whole (bounded, so text of many `BEGIN` lines stays linear).
  {
    pattern:
      /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[^]{0,8192}?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g,
    replacement: REDACTED,
    may: (text) => text.includes('PRIVATE KEY-----'),
  },
  // Authorization / bearer headers: `-H "Authorization: Bearer abc"`, `Authorization: Basic …`
  {
    pattern: /(authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s"',;]+/gi,
    replacement: `$1${REDACTED}`,
    may: (_text, lower) => lower.includes('authorization'),
  },
  {
    pattern: /\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
    replacement: `$1${REDACTED}`,
    may: (_text, lower) => lower.includes('bearer'),
  },
  // userinfo in URLs: `https://user:secret@host` keeps the user; `https://TOKEN@host` loses it all.
  {
    pattern: /(\b[a-z][a-z0-9+.-]{1,20}:\/\/)(?:([^\s/:@"']{0,256}):)?[^\s/@"']{1,256}@/gi,
    replacement: (_all, scheme: string, user: string | undefined) =>
      user === undefined ? `${scheme}${REDACTED}@` : `${scheme}${user}:${REDACTED}@`,
    may: (text) => text.includes('://') && text.includes('@'),
  },
  // `curl -u admin:pw`, `--user admin:pw`, `-uadmin:pw` (the user kept)
  {
    pattern: /((?:^|[\s"'])(?:-u|--user|--proxy-user)(?:\s+|=)?)([^\s:"']+):([^\s"']+)/g,
    replacement: (all, flag: string, user: string, pass: string) =>
      NUMERIC_PAIR.test(user) && NUMERIC_PAIR.test(pass) ? all : `${flag}${user}:${REDACTED}`,
    // `--user` and `--proxy-user` hold `-u` too.
    may: (text) => text.includes('-u') && text.includes(':'),
  },
  // MySQL/MariaDB clients take the password glued to `-p`: `mysql -uroot -pS3cret db`
  {
    pattern:
      /(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump)\b[^|;&\n]{0,200}?\s-p)([^\s"']+)/g,
    replacement: `$1${REDACTED}`,
    may: (text) => text.includes('-p') && (text.includes('mysql') || text.includes('mariadb')),
  },
  // `sshpass -p S3cret ssh …`
  {
    pattern: /(\bsshpass\b[^|;&\n]{0,100}?\s-p\s*)([^\s"']+)/g,
    replacement: `$1${REDACTED}`,
    may: (text) => text.includes('sshpass'),
  },
  // NAME=VALUE where the name says secret: `AWS_SECRET_ACCESS_KEY=…`, `X_API_TOKEN=…`, `_PASSWORD=…`.
  // The name is matched whole and judged in the callback, so a long word costs one pass; a text
  // holding none of SECRET_NAME's words has no name the callback would change.
  {
    pattern: /(?<![A-Za-z0-9_])([A-Za-z0-9_]+)(\s*=\s*)([^\s"'&;,]+)/g,
    replacement: (all, name: string, sign: string) =>
      SECRET_NAME.test(name) ? `${name}${sign}${REDACTED}` : all,
    may: (text, lower) =>
      text.includes('=') &&
      anyOf(lower, ['pass', 'pw', 'secret', 'token', 'key', 'credential', 'auth', 'private']),
  },
  // key: value / key=value secrets in text, headers and query strings
  {
    pattern:
      /((?:^|[\s"'?&;,-])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)\s*[=:]\s*)[^\s"'&;,]+/gi,
    replacement: `$1${REDACTED}`,
    may: (text, lower) =>
      (text.includes('=') || text.includes(':')) && anyOf(lower, ['passw', 'pwd', 'secret', 'token', 'key']),
  },
  {
    pattern:
      /(--?(?:password|passwd|token|secret|api-key|apikey|access-key|secret-key|client-secret)[ =])[^\s"']+/gi,
    replacement: `$1${REDACTED}`,
    may: (text, lower) => text.includes('-') && anyOf(lower, ['passw', 'token', 'secret', 'key']),
  },
  // Token formats with a published prefix: AWS access key ids, GitHub, Slack.
  {
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/g,
    replacement: REDACTED,
    may: (text) => anyOf(text, ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'ANPA']),
  },
  {
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g,
    replacement: REDACTED,
    may: (text) => text.includes('_') && (text.includes('github_pat_') || GITHUB_PREFIX.test(text)),
  },
  {
    pattern: /\bxox[abposre]-[A-Za-z0-9-]{8,}/g,
    replacement: REDACTED,
    may: (text) => text.includes('xox'),
  },
];

const GITHUB_PREFIX = /gh[pousr]_/;

/** Every pattern above needs one of these words; most quoted values have none (one regex test for all). */
const MAY_HOLD_SECRET =
  /authori|bearer|:\/\/|pass|pw|secret|token|key|cred|auth|private|-u|--user|-p|akia|asia|a[gin]pa|aroa|aida|gh[pousr]_|github_pat_|xox/i;

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

/** Shorter text can hold neither a JWT (29 characters at least) nor a base64 blob (48). */
const SHORTEST_TOKEN = 29;
const SHORTEST_BLOB = 48;

/**
 * Removes tokens, passwords, authorization headers and long base64 blobs from a string. Linear time.
 * @internal
 */
export function redact(text: string): string {
  let out = text;
  if (MAY_HOLD_SECRET.test(text)) {
    let lower = text.toLowerCase();
    for (const { pattern, replacement, may } of PATTERNS) {
      if (!may(out, lower)) continue;
      const before = out;
      out =
        typeof replacement === 'string'
          ? out.replace(pattern, replacement)
          : out.replace(pattern, replacement);
      if (out !== before) lower = out.toLowerCase();
    }
  }
  if (out.length < SHORTEST_TOKEN) return out;
  // Every JWT starts with `eyJ` (the base64url of `{"`); without one the pass would change nothing.
  if (out.includes('eyJ')) out = redactJwts(out);
  return hasBase64Run(out, SHORTEST_BLOB) ? out.replace(BASE64_BLOB, REDACTED) : out;
}

/** Whether `text` holds `length` base64 characters in a row (what BASE64_BLOB needs), in one pass. */
function hasBase64Run(text: string, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const base64 =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2f;
    run = base64 ? run + 1 : 0;
    if (run >= length) return true;
  }
  return false;
}

/** Shortens to `max` characters (code points kept whole), marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Counted in code points as the string iterator counts them (a surrogate pair is one, a lone
  // surrogate one), without building the array of them.
  let count = 0;
  let cut = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
    if (count === max - 1) cut = i + 1;
    if (count > max) break;
  }
  return count <= max ? text : `${text.slice(0, cut)}…`;
}

/** A value quoted from a manifest for a finding's detail: redacted, single-line, short. */
export function quote(value: string, max = 60): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a header
  return truncate(redact(value).replace(/[\u0000-\u001f\u007f]+/g, ' '), max);
}

/** What a container carries that must be hidden wherever it turns up, found by `secretsOf`. */
interface SecretSource {
  env: readonly { name: string; value?: string }[];
  raw: Record<string, unknown>;
}

/** Shorter values are not hidden: `1`, `yes`, `true` would blank out unrelated text. */
const SHORTEST_SECRET = 4;
/** At most this many values per workload (the scrub is linear in their number). */
const MAX_SECRETS = 256;
/** Base64 runs long enough to hold a word of a script; shorter runs are ordinary words. */
const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}/g;
/** Decoded text counts as text (a payload) when it is printable. */
// eslint-disable-next-line no-control-regex -- printable means no control characters but tab and newline
const PRINTABLE = /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]*$/;

/** Words of a command that decodes base64. */
const DECODER = /base64|b64|atob|decode/i;

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The words of printable base64-decoded payloads in `text`, one level of nesting followed. */
function decodedWords(text: string, out: Set<string>, depth = 0): void {
  for (const run of text.match(BASE64_RUN) ?? []) {
    if (out.size >= MAX_SECRETS) return;
    const decoded = Buffer.from(run, 'base64').toString('utf8');
    if (decoded.length < SHORTEST_SECRET || !PRINTABLE.test(decoded)) continue;
    for (const word of decoded.split(/[\s"'`;|&()<>]+/)) {
      if (word.length >= 6 && out.size < MAX_SECRETS) out.add(word);
    }
    if (depth === 0) decodedWords(decoded, out, 1);
  }
}

/**
 * Values a workload's findings must not print, whatever shape they take when quoted: literal env
 * values whose name says secret (they reach a command line through `$NAME` or the kubelet's
 * `$(NAME)` expansion with no `NAME=` left beside them), and the words of base64 payloads the
 * commands decode (the plaintext an attacker or an admin chose to hide).
 */
export function secretsOf(containers: readonly SecretSource[]): string[] {
  const found = new Set<string>();
  for (const container of containers) {
    const words = [...stringsOf(container.raw.command), ...stringsOf(container.raw.args)];
    const values: string[] = [];
    for (const variable of container.env) {
      const value = variable.value;
      if (value === undefined) continue;
      values.push(value);
      if (value.length >= SHORTEST_SECRET && SECRET_NAME.test(variable.name)) found.add(value);
    }
    // Payloads are decoded by a command that says so (`base64 -d`, `b64decode`, `atob`); text of a
    // container that decodes nothing is not searched for them (a 1 MiB argv costs nothing here).
    if (!words.some((word) => DECODER.test(word))) continue;
    for (const text of [...words, ...values]) decodedWords(text, found);
  }
  // Longest first, so a secret that contains another is hidden whole.
  return [...found].slice(0, MAX_SECRETS).sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` replaced by the redaction mark. */
export function hide(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // A quote cut short (`…`) may end in the first characters of a secret.
  if (!out.endsWith('…')) return out;
  const body = out.slice(0, -1);
  for (const secret of secrets) {
    for (let k = Math.min(secret.length - 1, body.length); k >= 3; k--) {
      if (endsWithStartOf(body, secret, k)) return `${body.slice(0, -k)}${REDACTED}…`;
    }
  }
  return out;
}

/** `body.endsWith(secret.slice(0, k))` without the slice (k ≤ both lengths). */
function endsWithStartOf(body: string, secret: string, k: number): boolean {
  const offset = body.length - k;
  for (let j = 0; j < k; j++) if (body.charCodeAt(offset + j) !== secret.charCodeAt(j)) return false;
  return true;
}
