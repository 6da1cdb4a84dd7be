/**
 * Decoders and formatters the languages' standard libraries offer, applied to known text: base64
 * (standard and URL-safe), base32, hex, rot13, reversal, UTF-16LE, percent-encoding, and zlib,
 * gzip and raw deflate (through node:zlib, with the output capped). Each returns undefined when the
 * input is not valid for it, so an unknown value is never turned into garbage that looks known.
 *
 * Also the three format languages (`printf`-style `%s`, Python's `{}`/`{0}`/`{name}`, .NET's
 * `{0}`), each linear in the format string.
 */
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

import { bytesOf, textOfBytes } from './term.js';

/** Most bytes a decompressor may produce. */
const MAX_INFLATED = 256 * 1024;

export type Encoding =
  | 'base64'
  | 'base32'
  | 'hex'
  | 'rot13'
  | 'reverse'
  | 'utf16le'
  | 'percent'
  | 'zlib'
  | 'gzip'
  | 'deflate'
  | 'uuencode';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function stripSpace(text: string): string {
  return text.replace(/\s+/g, '');
}

function decodeBase64(text: string): string | undefined {
  const clean = stripSpace(text).replace(/-/g, '+').replace(/_/g, '/');
  if (clean === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  return textOfBytes(Buffer.from(clean, 'base64'));
}

function decodeBase32(text: string): string | undefined {
  const clean = stripSpace(text).toUpperCase().replace(/=+$/, '');
  if (clean === '' || !/^[A-Z2-7]*$/.test(clean)) return undefined;
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const c of clean) {
    buffer = ((buffer << 5) | BASE32.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return textOfBytes(Buffer.from(bytes));
}

function decodeHex(text: string): string | undefined {
  const clean = stripSpace(text).replace(/^0x/i, '').replace(/\\x/gi, '');
  if (clean === '' || clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return textOfBytes(Buffer.from(clean, 'hex'));
}

function rot13(text: string): string {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) codes[i] = ((c - 65 + 13) % 26) + 65;
    else if (c >= 97 && c <= 122) codes[i] = ((c - 97 + 13) % 26) + 97;
    else codes[i] = c;
  }
  return charsOf(codes);
}

/** Text of character codes, in chunks (one spread of a million arguments overflows the stack). */
function charsOf(codes: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += 8192) {
    parts.push(
      String.fromCharCode(
        ...Array.from({ length: Math.min(8192, codes.length - i) }, (_, k) => codes[i + k] ?? 0),
      ),
    );
  }
  return parts.join('');
}

function reverse(text: string): string {
  return Array.from(text).reverse().join('');
}

function inflate(text: string, how: 'zlib' | 'gzip' | 'deflate'): string | undefined {
  const bytes = bytesOf(text);
  const options = { maxOutputLength: MAX_INFLATED };
  const order =
    how === 'gzip'
      ? [gunzipSync, inflateSync, inflateRawSync]
      : how === 'zlib'
        ? [inflateSync, gunzipSync, inflateRawSync]
        : [inflateRawSync, inflateSync, gunzipSync];
  for (const decompress of order) {
    try {
      return textOfBytes(decompress(bytes, options));
    } catch {
      // Not this format (or over the cap); try the next the library would accept.
    }
  }
  return undefined;
}

function percent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function uudecode(text: string): string | undefined {
  const bytes: number[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('begin') || line === 'end' || line === '`') continue;
    const length = (line.charCodeAt(0) - 32) & 63;
    const out: number[] = [];
    for (let i = 1; i + 3 < line.length + 3 && out.length < length; i += 4) {
      const c = [0, 1, 2, 3].map((k) => ((line.charCodeAt(i + k) || 32) - 32) & 63);
      out.push(
        (((c[0] ?? 0) << 2) | ((c[1] ?? 0) >> 4)) & 255,
        (((c[1] ?? 0) << 4) | ((c[2] ?? 0) >> 2)) & 255,
        (((c[2] ?? 0) << 6) | (c[3] ?? 0)) & 255,
      );
    }
    bytes.push(...out.slice(0, length));
  }
  return bytes.length === 0 ? undefined : textOfBytes(Buffer.from(bytes));
}

/** Decodes `text` as `encoding`; undefined when it is not valid for it. */
export function decode(text: string, encoding: Encoding): string | undefined {
  switch (encoding) {
    case 'base64':
      return decodeBase64(text);
    case 'base32':
      return decodeBase32(text);
    case 'hex':
      return decodeHex(text);
    case 'rot13':
      return rot13(text);
    case 'reverse':
      return reverse(text);
    case 'utf16le':
      return bytesOf(text).toString('utf16le');
    case 'percent':
      return percent(text);
    case 'uuencode':
      return uudecode(text);
    case 'zlib':
    case 'gzip':
    case 'deflate':
      return inflate(text, encoding);
  }
}

/** A codec name as the languages spell it (`base_64`, `rot-13`, `hex_codec`), or undefined. */
export function encodingNamed(name: string): Encoding | undefined {
  const n = name
    .toLowerCase()
    .replace(/[-_ ]/g, '')
    .replace(/codec$/, '');
  switch (n) {
    case 'base64':
    case 'b64':
    case 'm':
    case 'm0':
      return 'base64';
    case 'base32':
    case 'b32':
      return 'base32';
    case 'hex':
    case 'h':
    case 'h*':
    case 'base16':
      return 'hex';
    case 'rot13':
      return 'rot13';
    case 'zlib':
    case 'zip':
      return 'zlib';
    case 'gzip':
      return 'gzip';
    case 'utf16le':
    case 'utf16':
    case 'unicode':
    case 'ucs2':
      return 'utf16le';
    case 'u':
      return 'uuencode';
    default:
      return undefined;
  }
}

/** One argument for a format: its text and, when known, its number. */
export interface FormatArg {
  readonly text: string;
  readonly num?: number;
}

/**
 * `printf`-style formatting (`%s`, `%d`, `%5.2f`, `%x`, `%c`, `%%`, Python's `%(name)s`).
 * Returns the pieces in order: literal text and the index of the argument used (for origins).
 */
export function formatPrintf(
  format: string,
  args: readonly FormatArg[],
  named?: ReadonlyMap<string, FormatArg>,
): (string | number)[] {
  const out: (string | number)[] = [];
  let next = 0;
  let i = 0;
  let from = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) break;
    if (pct > from) out.push(format.slice(from, pct));
    let j = pct + 1;
    if (format[j] === '%') {
      out.push('%');
      i = from = j + 1;
      continue;
    }
    let key: string | undefined;
    if (format[j] === '(') {
      const close = format.indexOf(')', j);
      if (close > 0) {
        key = format.slice(j + 1, close);
        j = close + 1;
      }
    }
    while (j < format.length && '-+ #0123456789.*'.includes(format[j] ?? '')) j++;
    const conversion = format[j];
    if (conversion === undefined) {
      out.push(format.slice(pct));
      from = format.length;
      break;
    }
    j++;
    const arg = key !== undefined ? named?.get(key) : args[next];
    const index = key !== undefined ? -1 : next++;
    if (arg === undefined) {
      out.push(format.slice(pct, j));
    } else if (conversion === 'c' && arg.num !== undefined) {
      out.push(String.fromCharCode(arg.num & 0xffff));
    } else if ((conversion === 'x' || conversion === 'X') && arg.num !== undefined) {
      out.push(conversion === 'x' ? arg.num.toString(16) : arg.num.toString(16).toUpperCase());
    } else if (index >= 0) {
      out.push(index);
    } else {
      out.push(arg.text);
    }
    i = from = j;
  }
  if (from < format.length) out.push(format.slice(from));
  return out;
}

/**
 * Brace formatting: Python's `str.format` (`{}`, `{0}`, `{name}`, `{0!r:>5}`) and .NET's `-f`
 * (`{0}`, `{0,5}`); `{{`/`}}` are braces. Pieces as for `formatPrintf`; named fields give their key.
 */
export function formatBraces(format: string): (string | number | { key: string })[] {
  const out: (string | number | { key: string })[] = [];
  let auto = 0;
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i] ?? '';
    if ((c === '{' || c === '}') && format[i + 1] === c) {
      literal += c;
      i += 2;
      continue;
    }
    if (c === '{') {
      const close = format.indexOf('}', i);
      if (close < 0) break;
      const field = format.slice(i + 1, close).split(/[!:,]/, 1)[0] ?? ''.trim();
      if (literal !== '') out.push(literal);
      literal = '';
      if (field === '') out.push(auto++);
      else if (/^\d+$/.test(field)) out.push(Number(field));
      else out.push({ key: field });
      i = close + 1;
      continue;
    }
    let end = i + 1;
    while (end < format.length && format[end] !== '{' && format[end] !== '}') end++;
    literal += format.slice(i, end);
    i = end;
  }
  if (i < format.length) literal += format.slice(i);
  if (literal !== '') out.push(literal);
  return out;
}
