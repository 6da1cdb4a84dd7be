/**
 * One tokenizer for the brace-and-keyword languages (JavaScript, PHP, Perl, Ruby, Lua, awk,
 * PowerShell), parameterised by what differs: comments, the string forms and their interpolation
 * (`${…}`, `#{…}`, `$x`, `{$x}`, `$(…)`), sigilled variables, quote-like operators (`qx{}`,
 * `%x()`, `q()`), regex literals, PowerShell's `-Param`s and `[Type]`s. Linear in the input: every
 * branch advances the position.
 */
import type { CodeContext } from '../action.js';
import {
  Scanner,
  closerOf,
  isDigit,
  isIdentPart,
  isIdentStart,
  isSpace,
  splitInterpolated,
  type StringPart,
  type Token,
} from './token.js';

export type ScriptLanguage = 'node' | 'php' | 'perl' | 'ruby' | 'lua' | 'awk' | 'powershell';

const OPERATORS: Readonly<Record<ScriptLanguage, readonly string[]>> = {
  node: [
    '===',
    '!==',
    '**=',
    '...',
    '>>>',
    '??=',
    '||=',
    '&&=',
    '=>',
    '==',
    '!=',
    '<=',
    '>=',
    '&&',
    '||',
    '??',
    '?.',
    '++',
    '--',
    '+=',
    '-=',
    '*=',
    '/=',
    '%=',
    '**',
    '<<',
    '>>',
  ],
  php: [
    '===',
    '!==',
    '<=>',
    '??=',
    '...',
    '**=',
    '.=',
    '=>',
    '->',
    '::',
    '==',
    '!=',
    '<>',
    '<=',
    '>=',
    '&&',
    '||',
    '??',
    '++',
    '--',
    '+=',
    '-=',
    '*=',
    '/=',
    '**',
    '<<',
    '>>',
    '?->',
  ],
  perl: [
    '<=>',
    '**=',
    '||=',
    '//=',
    '...',
    '.=',
    'x=',
    '=>',
    '->',
    '::',
    '==',
    '!=',
    '<=',
    '>=',
    '&&',
    '||',
    '//',
    '++',
    '--',
    '+=',
    '-=',
    '*=',
    '/=',
    '**',
    '<<',
    '>>',
    '=~',
    '!~',
    '..',
  ],
  ruby: [
    '<=>',
    '===',
    '**=',
    '||=',
    '&&=',
    '...',
    '=>',
    '->',
    '::',
    '==',
    '!=',
    '<=',
    '>=',
    '&&',
    '||',
    '+=',
    '-=',
    '*=',
    '/=',
    '**',
    '<<',
    '>>',
    '=~',
    '!~',
    '..',
    '&.',
  ],
  lua: ['...', '..', '==', '~=', '<=', '>=', '//', '::', '<<', '>>'],
  awk: ['|&', '==', '!=', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '*=', '/=', '%=', '^=', '>>', '!~'],
  powershell: ['::', '..', '+=', '-=', '*=', '/=', '++', '--', '&&', '||', '2>&1', '*>&1', '>>', '2>'],
};

const COMMENT_LINE: Readonly<Record<ScriptLanguage, readonly string[]>> = {
  node: ['//'],
  php: ['//', '#'],
  perl: ['#'],
  ruby: ['#'],
  lua: ['--'],
  awk: ['#'],
  powershell: ['#'],
};

/** Perl's quote-like operators. */
const PERL_QUOTES = new Set(['q', 'qq', 'qw', 'qx', 'm', 's', 'tr', 'y', 'qr']);

/** Words after which a `/` starts a regex rather than dividing. */
const BEFORE_REGEX = new Set([
  'return',
  'split',
  'if',
  'unless',
  'and',
  'or',
  'not',
  'when',
  'grep',
  'typeof',
  'case',
  'match',
  'sub',
  'gsub',
  'while',
]);

export function tokenizeScript(
  lang: ScriptLanguage,
  src: string,
  context: CodeContext,
  limits: string[],
): Token[] {
  const s = new Scanner(src, context.budget, limits, OPERATORS[lang]);
  const lineComments = COMMENT_LINE[lang];
  /** PowerShell: inside a command's arguments, where a bare word is a string (`iwr http://h/x`). */
  let command = false;
  while (s.more) {
    if (command && /[\n;|)}]/.test(s.peek() ?? '')) command = false;
    if (command && !isSpace(s.peek()) && /[\w./\\:~]/.test(s.peek() ?? '') && s.space) {
      const from = s.pos;
      while (s.pos < src.length && !/[\s;|)}(,]/.test(src[s.pos] ?? ' ')) s.pos++;
      s.push('str', src.slice(from, s.pos), from, { flavor: 'bare' });
      continue;
    }
    const c = s.peek() ?? '';
    if (c === '\n') {
      s.pos++;
      s.push('nl', '\n', s.pos - 1);
      s.space = true;
      continue;
    }
    if (s.skipBlanks()) continue;
    if (lineComments.some((start) => src.startsWith(start, s.pos))) {
      if (lang === 'lua' && src.startsWith('--[', s.pos) && /^--\[=*\[/.test(src.slice(s.pos, s.pos + 12))) {
        const level = /^--\[(=*)\[/.exec(src.slice(s.pos, s.pos + 12))?.[1] ?? '';
        s.pos += 4 + level.length;
        s.skipPast(`]${level}]`);
        continue;
      }
      if (lang === 'powershell' && src.startsWith('<#', s.pos)) {
        s.skipPast('#>');
        continue;
      }
      s.skipLine();
      continue;
    }
    if ((lang === 'node' || lang === 'php') && src.startsWith('/*', s.pos)) {
      s.pos += 2;
      s.skipPast('*/');
      continue;
    }
    if (lang === 'powershell' && src.startsWith('<#', s.pos)) {
      s.skipPast('#>');
      continue;
    }
    if (lang === 'php' && src.startsWith('<?php', s.pos)) {
      s.pos += 5;
      continue;
    }
    if (lang === 'php' && src.startsWith('?>', s.pos)) {
      s.pos += 2;
      continue;
    }
    if (lang === 'perl' && c === '_' && src.startsWith('__END__', s.pos)) {
      s.pos = src.length;
      break;
    }
    if (c === '\\' && s.peek(1) === '\n') {
      s.pos += 2;
      continue;
    }
    if (lang === 'powershell' && c === '`' && (s.peek(1) === '\n' || s.peek(1) === '\r')) {
      s.pos += s.peek(1) === '\r' ? 3 : 2;
      continue;
    }
    if (readVariable(lang, s)) continue;
    if (isIdentStart(c)) {
      const position = lang === 'powershell' && atCommandPosition(s);
      readWord(lang, s);
      const word = s.tokens[s.tokens.length - 1];
      const after = s.peek();
      if (
        position &&
        word?.kind === 'name' &&
        !PS_KEYWORDS.has(word.text.toLowerCase()) &&
        after !== '(' &&
        after !== '.' &&
        after !== ':' &&
        after !== '='
      ) {
        command = true;
      }
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(s.peek(1)))) {
      s.readNumber();
      continue;
    }
    if (readString(lang, s)) continue;
    if (c === '/' && regexAllowed(lang, s)) {
      s.pos++;
      const from = s.pos - 1;
      const body = s.readDelimited('/', '/');
      while (/[a-z]/.test(s.peek() ?? '')) s.pos++;
      s.push('str', body, from, { flavor: 'regex' });
      continue;
    }
    if (lang === 'powershell' && c === '-' && isIdentStart(s.peek(1)) && (s.space || !prevIsValueEnd(s))) {
      const from = s.pos;
      s.pos++;
      const word = s.readIdent();
      s.push('op', `-${word.toLowerCase()}`, from, { flavor: 'param' });
      continue;
    }
    if (
      lang === 'powershell' &&
      c === '[' &&
      /^\[[A-Za-z_][\w.]*(\[\])?\]/.test(src.slice(s.pos, s.pos + 128)) &&
      !prevIsValueEnd(s)
    ) {
      const match = /^\[([A-Za-z_][\w.]*(\[\])?)\]/.exec(src.slice(s.pos, s.pos + 128)) ?? ['[]', ''];
      const from = s.pos;
      s.pos += match[0].length;
      s.push('name', match[1], from, { flavor: 'type' });
      continue;
    }
    if (lang === 'ruby' && c === ':' && isIdentStart(s.peek(1)) && s.peek(-1) !== ':') {
      const from = s.pos;
      s.pos++;
      const word = s.readIdent();
      s.push('str', word, from, { flavor: 'symbol' });
      continue;
    }
    s.readOperator();
  }
  return s.finish();
}

const PS_KEYWORDS = new Set([
  'if',
  'elseif',
  'else',
  'while',
  'foreach',
  'for',
  'do',
  'until',
  'switch',
  'function',
  'filter',
  'return',
  'try',
  'catch',
  'finally',
  'param',
  'trap',
  'in',
  'break',
  'continue',
  'exit',
  'throw',
  'begin',
  'process',
  'end',
]);

function atCommandPosition(s: Scanner): boolean {
  const prev = s.tokens[s.tokens.length - 1];
  if (prev === undefined || prev.kind === 'nl') return true;
  return prev.kind === 'op' && [';', '|', '(', '{', '=', '&', '&&', '||'].includes(prev.text);
}

function prevIsValueEnd(s: Scanner): boolean {
  const prev = s.tokens[s.tokens.length - 1];
  if (prev === undefined) return false;
  if (prev.kind === 'op') return prev.text === ')' || prev.text === ']' || prev.text === '}';
  return prev.kind !== 'nl';
}

function regexAllowed(lang: ScriptLanguage, s: Scanner): boolean {
  if (lang === 'php' || lang === 'lua' || lang === 'powershell') return false;
  const prev = s.tokens[s.tokens.length - 1];
  if (prev === undefined || prev.kind === 'nl') return true;
  if (prev.kind === 'name')
    return BEFORE_REGEX.has(prev.text) || (lang !== 'node' && s.space && s.peek(1) !== ' ');
  if (prev.kind === 'op') return prev.text !== ')' && prev.text !== ']' && prev.text !== '}';
  return false;
}

/** Sigilled variables: `$x`, `@x`, `%x` (Perl), `$env:X` (PowerShell), `@x`/`$x` (Ruby), `$0` (awk). */
function readVariable(lang: ScriptLanguage, s: Scanner): boolean {
  const c = s.peek() ?? '';
  const n = s.peek(1);
  const from = s.pos;
  if (c === '$' && (lang === 'php' || lang === 'perl' || lang === 'powershell' || lang === 'ruby')) {
    if (lang === 'powershell' && n === '{') {
      s.pos += 2;
      const name = s.readDelimited('{', '}');
      s.push('var', name, from, { flavor: '$' });
      return true;
    }
    if (lang === 'powershell' && n === '(') return false;
    if (isIdentStart(n) || (lang === 'perl' && (n === '_' || n === ':'))) {
      s.pos++;
      let name = lang === 'perl' ? readPerlName(s) : s.readIdent();
      if (lang === 'powershell' && s.peek() === ':' && isIdentStart(s.peek(1))) {
        s.pos++;
        name += `:${s.readIdent()}`;
      }
      s.push('var', name, from, { flavor: '$' });
      return true;
    }
    if (lang === 'perl' && n !== undefined && /[0-9!@&_/\\,;.~]/.test(n)) {
      s.pos += 2;
      s.push('var', n, from, { flavor: '$' });
      return true;
    }
    if (lang === 'perl' && n === '#' && (isIdentStart(s.peek(2)) || s.peek(2) === '{')) {
      s.pos += 2;
      s.push('op', '$#', from);
      return true;
    }
    return false;
  }
  if ((c === '@' || c === '%') && lang === 'perl' && (isIdentStart(n) || (c === '@' && n === '_'))) {
    const prev = s.tokens[s.tokens.length - 1];
    if (
      c === '%' &&
      prev !== undefined &&
      (prev.kind === 'var' || prev.kind === 'num' || (prev.kind === 'op' && prev.text === ')'))
    )
      return false;
    s.pos++;
    const name = readPerlName(s);
    s.push('var', name, from, { flavor: c });
    return true;
  }
  if (c === '@' && lang === 'ruby' && isIdentStart(n === '@' ? s.peek(2) : n)) {
    s.pos += n === '@' ? 2 : 1;
    s.push('var', s.readIdent(), from, { flavor: '@' });
    return true;
  }
  if (c === '$' && lang === 'awk' && (isDigit(n) || isIdentStart(n))) {
    s.pos++;
    const name = isDigit(n) ? s.readIdent() : s.readIdent();
    s.push('var', name, from, { flavor: '$' });
    return true;
  }
  if (c === '@' && lang === 'powershell' && n === '(') {
    s.pos++;
    return true;
  }
  if (c === '@' && lang === 'powershell' && n === '{') {
    s.pos += 2;
    s.push('op', '@{', from);
    return true;
  }
  return false;
}

function readPerlName(s: Scanner): string {
  let name = '';
  for (;;) {
    name += s.readIdent();
    if (s.peek() === ':' && s.peek(1) === ':' && isIdentStart(s.peek(2))) {
      s.pos += 2;
      name += '::';
      continue;
    }
    return name;
  }
}

function readWord(lang: ScriptLanguage, s: Scanner): void {
  const from = s.pos;
  let word = s.readIdent();
  const src = s.src;
  if (lang === 'perl' || lang === 'ruby' || lang === 'php') {
    // `IO::Socket::INET`, `Net::HTTP`: one name (PHP's `\A\B` is read the same).
    while (src.startsWith('::', s.pos) && isIdentStart(src[s.pos + 2]) && lang === 'perl') {
      s.pos += 2;
      word += `::${s.readIdent()}`;
    }
  }
  if (lang === 'powershell') {
    while (src[s.pos] === '-' && isIdentStart(src[s.pos + 1])) {
      s.pos++;
      word += `-${s.readIdent()}`;
    }
    while (src[s.pos] === '.' && isIdentStart(src[s.pos + 1]) && isBareCommandWord(s)) {
      s.pos++;
      word += `.${s.readIdent()}`;
    }
  }
  if (lang === 'ruby' && (src[s.pos] === '?' || src[s.pos] === '!') && src[s.pos + 1] !== '=') {
    s.pos++;
    word += src[s.pos - 1] ?? '';
  }
  if (lang === 'perl' && PERL_QUOTES.has(word) && perlQuoteFollows(s)) {
    readPerlQuote(s, word, from);
    return;
  }
  if (lang === 'ruby' && word === '__END__') {
    s.pos = src.length;
    return;
  }
  s.push('name', word, from);
}

/** `New-Object Net.Sockets.TCPClient`: a dotted bareword argument in command mode is one name. */
function isBareCommandWord(s: Scanner): boolean {
  const prev = s.tokens[s.tokens.length - 1];
  return prev?.kind === 'name' && !prev.flavor && /-/.test(prev.text) && s.space;
}

function perlQuoteFollows(s: Scanner): boolean {
  let i = s.pos;
  while (s.src[i] === ' ') i++;
  const d = s.src[i];
  if (d === undefined || isIdentPart(d) || d === ',' || d === ';' || d === ')' || d === '\n') return false;
  if (d === '=' && s.src[i + 1] === '>') return false;
  if (d === '=' && i > s.pos) return false;
  if (d === '-' && s.src[i + 1] === '>') return false;
  return true;
}

function readPerlQuote(s: Scanner, word: string, from: number): void {
  while (s.peek() === ' ') s.pos++;
  const open = s.peek() ?? '';
  const close = closerOf(open);
  s.pos++;
  const body = s.readDelimited(open, close);
  if (word === 's' || word === 'tr' || word === 'y') {
    if (open !== close) {
      while (s.peek() === ' ' || s.peek() === '\n') s.pos++;
      const second = s.peek() ?? '';
      s.pos++;
      s.readDelimited(second, closerOf(second));
    } else s.readDelimited(open, close);
    while (/[a-z]/.test(s.peek() ?? '')) s.pos++;
    s.push('str', body, from, { flavor: 'regex' });
    return;
  }
  if (word === 'm' || word === 'qr') {
    while (/[a-z]/.test(s.peek() ?? '')) s.pos++;
    s.push('str', body, from, { flavor: 'regex' });
    return;
  }
  if (word === 'q') {
    s.push('str', body, from);
    return;
  }
  if (word === 'qw') {
    s.push('str', body, from, { flavor: 'words' });
    return;
  }
  const { text, parts } = interpolate('perl', body);
  s.push('str', text, from, {
    ...(parts === undefined ? {} : { parts }),
    ...(word === 'qx' ? { flavor: 'shell' } : {}),
  });
}

/** Strings, backticks, Ruby's `%x()`/`%w()`, Lua's long brackets, PowerShell's here-strings. */
function readString(lang: ScriptLanguage, s: Scanner): boolean {
  const src = s.src;
  const c = s.peek() ?? '';
  const from = s.pos;
  if (lang === 'powershell' && c === '@' && (s.peek(1) === '"' || s.peek(1) === "'") && s.peek(2) === '\n') {
    const quote = s.peek(1) ?? '"';
    s.pos += 3;
    const end = src.indexOf(`\n${quote}@`, s.pos);
    const body = src.slice(s.pos, end < 0 ? src.length : end);
    s.pos = end < 0 ? src.length : end + 3;
    pushInterpolated(lang, s, from, body, quote === '"');
    return true;
  }
  if (lang === 'lua' && c === '[' && /^\[=*\[/.test(src.slice(s.pos, s.pos + 12))) {
    const level = /^\[(=*)\[/.exec(src.slice(s.pos, s.pos + 12))?.[1] ?? '';
    s.pos += 2 + level.length;
    const end = src.indexOf(`]${level}]`, s.pos);
    const body = src.slice(s.pos, end < 0 ? src.length : end);
    s.pos = end < 0 ? src.length : end + 2 + level.length;
    s.push('str', body.startsWith('\n') ? body.slice(1) : body, from);
    return true;
  }
  if (
    lang === 'ruby' &&
    c === '%' &&
    /^%[qQwWxiIr]?[({[<|!/]/.test(src.slice(s.pos, s.pos + 3)) &&
    !prevIsValueEnd(s)
  ) {
    let kind = s.peek(1) ?? 'Q';
    s.pos += 1;
    if (/[qQwWxiIr]/.test(kind)) s.pos++;
    else kind = 'Q';
    const open = s.peek() ?? '';
    s.pos++;
    const body = s.readDelimited(open, closerOf(open));
    if (kind === 'w' || kind === 'W' || kind === 'i' || kind === 'I')
      s.push('str', body, from, { flavor: 'words' });
    else if (kind === 'q') s.push('str', body, from);
    else if (kind === 'r') s.push('str', body, from, { flavor: 'regex' });
    else {
      const { text, parts } = interpolate(lang, body);
      s.push('str', text, from, {
        ...(parts === undefined ? {} : { parts }),
        ...(kind === 'x' ? { flavor: 'shell' } : {}),
      });
    }
    return true;
  }
  if (c !== '"' && c !== "'" && c !== '`') return false;
  if (c === '`' && (lang === 'lua' || lang === 'awk' || lang === 'powershell')) return false;
  s.pos++;
  let body: string;
  if (lang === 'powershell' && c === "'") {
    // PowerShell's single quotes have no escapes; a doubled quote is one.
    let end = s.pos;
    for (;;) {
      const at = src.indexOf("'", end);
      if (at < 0) {
        end = src.length;
        break;
      }
      if (src[at + 1] === "'") {
        end = at + 2;
        continue;
      }
      end = at;
      break;
    }
    body = src.slice(s.pos, end).replaceAll("''", "'");
    s.pos = Math.min(src.length, end + 1);
    s.push('str', body, from);
    return true;
  }
  if (lang === 'powershell') {
    let end = s.pos;
    while (end < src.length && src[end] !== '"') end += src[end] === '`' ? 2 : 1;
    body = src.slice(s.pos, end);
    s.pos = Math.min(src.length, end + 1);
  } else {
    body = s.readDelimited(c, c);
  }
  if (c === "'" && lang !== 'node' && lang !== 'lua') {
    s.push('str', body.replace(/\\([\\'])/g, '$1'), from);
    return true;
  }
  const interpolating = c === '`' || (c === '"' && lang !== 'lua' && lang !== 'awk');
  if (!interpolating || (lang === 'node' && c !== '`')) {
    const { text } = splitInterpolated(body, lang === 'lua' ? { decimal: true } : {}, '', () => undefined);
    s.push('str', text, from);
    return true;
  }
  pushInterpolated(lang, s, from, body, true, c === '`' && lang !== 'node' ? 'shell' : undefined);
  return true;
}

function pushInterpolated(
  lang: ScriptLanguage,
  s: Scanner,
  from: number,
  body: string,
  interpolating: boolean,
  flavor?: string,
): void {
  if (!interpolating) {
    s.push('str', body, from);
    return;
  }
  const { text, parts } = interpolate(lang, body);
  s.push('str', text, from, {
    ...(parts === undefined ? {} : { parts }),
    ...(flavor === undefined ? {} : { flavor }),
  });
}

/** Splits an interpolating string body into text and code, the language's way. */
function interpolate(lang: ScriptLanguage, body: string): { text: string; parts?: StringPart[] } {
  switch (lang) {
    case 'node':
      return splitInterpolated(body, {}, '$', (raw, at) =>
        raw[at + 1] === '{' ? balanced(raw, at + 2) : undefined,
      );
    case 'ruby':
      return splitInterpolated(body, {}, '#', (raw, at) =>
        raw[at + 1] === '{' ? balanced(raw, at + 2) : undefined,
      );
    case 'php':
      return splitInterpolated(body, {}, '${', (raw, at) => {
        if (raw[at] === '{') return raw[at + 1] === '$' ? balanced(raw, at + 1) : undefined;
        if (raw[at + 1] === '{') {
          const [code, next] = balanced(raw, at + 2);
          return [`$${code}`, next];
        }
        return simpleVariable(raw, at, '$', true);
      });
    case 'perl':
      return splitInterpolated(body, {}, '$@', (raw, at) => {
        if (raw[at + 1] === '{') {
          const [code, next] = balanced(raw, at + 2);
          return [`${raw[at] ?? ''}${code}`, next];
        }
        return simpleVariable(raw, at, raw[at] ?? '$', true);
      });
    case 'powershell': {
      const escaped = body.replace(
        /`(.)/g,
        (_m, ch: string) => ({ n: '\n', r: '\r', t: '\t', 0: '\0' })[ch] ?? ch,
      );
      return splitInterpolated(escaped, undefined, '$', (raw, at) => {
        if (raw[at + 1] === '(') return balanced(raw, at + 2, '(', ')');
        if (raw[at + 1] === '{') {
          const [code, next] = balanced(raw, at + 2);
          return [`\${${code}}`, next];
        }
        const match = /^\$(env:)?[A-Za-z_][\w]*/i.exec(raw.slice(at, at + 256));
        return match === null ? undefined : [match[0], at + match[0].length];
      });
    }
    default:
      return splitInterpolated(body, {}, '', () => undefined);
  }
}

function balanced(raw: string, from: number, open = '{', close = '}'): [string, number] {
  let depth = 0;
  for (let i = from; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === open) depth++;
    else if (ch === close) {
      if (depth === 0) return [raw.slice(from, i), i + 1];
      depth--;
    }
  }
  return [raw.slice(from), raw.length];
}

/** `$name`, `$name->prop`, `$name[1]`, `$h{key}` inside a string. */
function simpleVariable(
  raw: string,
  at: number,
  sigil: string,
  subscripts: boolean,
): [string, number] | undefined {
  const match = /^[A-Za-z_][\w]*(::[A-Za-z_]\w*)*/.exec(raw.slice(at + 1, at + 257));
  if (match === null) return undefined;
  let end = at + 1 + match[0].length;
  if (subscripts) {
    for (;;) {
      if (raw.startsWith('->', end) && /[A-Za-z_[{]/.test(raw[end + 2] ?? '')) {
        const rest = /^->([A-Za-z_]\w*|\[[^\]]*\]|\{[^}]*\})/.exec(raw.slice(end, end + 256));
        if (rest === null) break;
        end += rest[0].length;
        continue;
      }
      if (raw[end] === '[' || (raw[end] === '{' && sigil !== '@')) {
        const closer = raw[end] === '[' ? ']' : '}';
        const stop = raw.indexOf(closer, end);
        if (stop < 0 || stop - end > 128) break;
        end = stop + 1;
        continue;
      }
      break;
    }
  }
  return [`${sigil}${raw.slice(at + 1, end)}`, end];
}
