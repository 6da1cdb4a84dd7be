/**
 * The decoders a shell pipeline uses to hide a payload (`base64 -d`, `base32 -d`, `xxd -r -p`,
 * `rev`, `tr` rot13, `gunzip`), applied to text the model knows exactly.
 *
 * Sources: RFC 4648 (base64, base32, base16); zlib's gzip/deflate formats (RFC 1950-1952).
 */
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** Most bytes one decompression may produce (a small payload may inflate to gigabytes). */
const MAX_INFLATED = 256 * 1024;

export type ShellEncoding = 'base64' | 'base32' | 'hex' | 'rot13' | 'reverse' | 'gzip' | 'deflate';

/** Decoded content: text when it reads as UTF-8 text, otherwise bytes (text is then their Latin-1 reading). */
export interface Decoded {
  text: string;
  bytes?: Uint8Array;
}

function fromBytes(bytes: Uint8Array): Decoded {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // Mostly printable: text. Otherwise keep the bytes (a gzip stream, an ELF header).
  let printable = 0;
  for (const char of text) if (/[\t\n\r\x20-\x7e\u00a0-\uffff]/.test(char)) printable++;
  if (text.length > 0 && printable / text.length > 0.9) return { text };
  return { text: Buffer.from(bytes).toString('latin1'), bytes };
}

function base32(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  if (!/^[A-Z2-7]*$/.test(clean)) return undefined;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    buffer = (buffer << 5) | 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function inflate(bytes: Uint8Array, encoding: 'gzip' | 'deflate'): Uint8Array | undefined {
  const options = { maxOutputLength: MAX_INFLATED };
  try {
    if (encoding === 'gzip') return gunzipSync(bytes, options);
    try {
      return inflateSync(bytes, options);
    } catch {
      return inflateRawSync(bytes, options);
    }
  } catch {
    return undefined;
  }
}

/** Rotates letters by 13 (`tr 'A-Za-z' 'N-ZA-Mn-za-m'`). */
function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/**
 * Decodes exactly known content; undefined when it is not valid in that encoding. `bytes` is the
 * input's binary form when it has one (a gzip stream from a previous decoder).
 */
export function decodeContent(
  text: string,
  encoding: ShellEncoding,
  bytes?: Uint8Array,
): Decoded | undefined {
  switch (encoding) {
    case 'base64': {
      const clean = text.replace(/\s/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length === 0) return undefined;
      return fromBytes(Buffer.from(clean.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    }
    case 'base32': {
      const decodedBytes = base32(text);
      return decodedBytes === undefined ? undefined : fromBytes(decodedBytes);
    }
    case 'hex': {
      const clean = text.replace(/\s|\\x|0x/gi, '');
      if (!/^(?:[0-9a-f]{2})*$/i.test(clean) || clean.length === 0) return undefined;
      return fromBytes(Buffer.from(clean, 'hex'));
    }
    case 'rot13':
      return { text: rot13(text) };
    case 'reverse':
      return {
        text: Array.from(text.replace(/\n$/, '')).reverse().join('') + (text.endsWith('\n') ? '\n' : ''),
      };
    case 'gzip':
    case 'deflate': {
      const inflated = inflate(bytes ?? Buffer.from(text, 'latin1'), encoding);
      return inflated === undefined ? undefined : fromBytes(inflated);
    }
  }
}
