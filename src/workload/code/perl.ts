/**
 * Perl (`perl -e`): `system`/`exec`/backticks/`qx`/piped `open`, bareword sockets
 * (`socket(S,…); connect(S, sockaddr_in(…))`), `IO::Socket::INET`, `open(STDIN, ">&S")` and
 * `STDIN->fdopen($c, r)`, `<STDIN>` loops, LWP/HTTP::Tiny, `eval` of strings, `%ENV`, and the
 * decoders (`decode_base64`, `pack 'H*'`, `unpack 'u'`, `reverse`, `chr`).
 */
import type { Dialect, Handler, Call } from './interpreter.js';
import {
  addressOf,
  chars,
  decoded,
  environment,
  evaluate,
  fetchWith,
  nothing,
  openFile,
  print,
  runArgs,
  same,
  socketOf,
  stdio,
  table,
  resolveName,
} from './library.js';
import { parseScript } from './script.js';
import { api, derive, list, num, str, unknown, type Term } from './term.js';
import { encodingNamed } from './decoder.js';
import { nameOf } from './interpreter.js';

/** Modules whose functions are called by their bare names once imported. */
const FLAT = /^(CORE::GLOBAL::|CORE::|POSIX::|Socket::|MIME::Base64::|IO::Handle::|main::)/;

function canonical(path: string): string {
  return path.replace(FLAT, '').replace(/^(Socket|POSIX|MIME::Base64|IO::Handle)\./, '');
}

/** Which of the code's own streams a handle names. */
function fdOf(name: string): number | undefined {
  switch (name.toUpperCase()) {
    case 'STDIN':
      return 0;
    case 'STDOUT':
    case '~':
      return 1;
    case 'STDERR':
      return 2;
    default:
      return undefined;
  }
}

/** `open(FH, MODE, TARGET)` and the two-argument forms (`">&S"`, `"cmd |"`, `"| cmd"`). */
const open: Handler = (call) => {
  const handleNode = call.argNodes[0];
  const handleName = handleNode === undefined ? undefined : nameOf(handleNode);
  let [, mode, target] = call.args;
  if (mode === undefined) return undefined;
  if (target === undefined) {
    const match = /^\s*(\+?[<>]{0,2}&?=?|\|)?\s*(.*?)\s*(\|)?\s*$/s.exec(mode.text);
    const pipeOut = match?.[3] === '|';
    const pipeIn = match?.[1] === '|';
    if (pipeOut || pipeIn) {
      const command = derive(match[2] ?? mode.text, mode.exact, [mode]);
      const proc = call.it.run(call.node, { shell: command });
      if (handleName !== undefined)
        call.it.bind(
          handleName,
          proc.obj?.t === 'process'
            ? { ...proc, obj: { t: 'stream', run: proc.obj.run, fd: pipeIn ? 0 : 1 } }
            : proc,
        );
      return num(1);
    }
    target = derive(match?.[2] ?? mode.text, mode.exact, [mode]);
    mode = str(match?.[1] ?? '<');
  }
  if (mode.text.includes('|')) {
    const proc = call.it.run(call.node, { shell: target });
    if (handleName !== undefined)
      call.it.bind(
        handleName,
        proc.obj?.t === 'process'
          ? { ...proc, obj: { t: 'stream', run: proc.obj.run, fd: mode.text.startsWith('|') ? 0 : 1 } }
          : proc,
      );
    return num(1);
  }
  if (mode.text.includes('&')) {
    // Duplicating a handle: `open(STDIN, ">&S")`, `open(STDOUT, ">&", $s)`, `open(STDERR, ">&3")`.
    const other =
      target.obj === undefined && target.socket === undefined
        ? (call.it.lookup(target.text.replace(/^=/, '')) ?? target)
        : target;
    const socket = socketOf(other, call);
    const fd = handleName === undefined ? undefined : fdOf(handleName);
    if (socket !== undefined && fd !== undefined) call.it.stdio(socket, [fd], call.node);
    return num(1);
  }
  const file = openFile(call, target, mode);
  if (file !== undefined && handleNode !== undefined) call.it.assign(handleNode, file, call.node);
  return num(1);
};

/** `socket(S, PF_INET, SOCK_STREAM, proto)`: the bareword or variable becomes the socket. */
const socket: Handler = (call) => {
  const kind = call.args
    .slice(1)
    .map((arg) => arg.text)
    .join(' ');
  const s = call.it.socket(call.node, /DGRAM/.test(kind) ? 'udp' : /UNIX/.test(kind) ? 'unix' : 'tcp');
  if (call.argNodes[0] !== undefined) call.it.assign(call.argNodes[0], s, call.node);
  return num(1);
};

function socketArg(call: Call): number | undefined {
  const first = call.args[0];
  return first === undefined ? undefined : socketOf(first, call);
}

const connect: Handler = (call) => {
  const id = socketArg(call);
  const [host, port] = addressOf(call.args[1]);
  call.it.connect(call.node, host ?? unknown(''), port ?? unknown(''), undefined, id);
  return num(1);
};

/** `IO::Socket::INET->new(PeerAddr => "h:p")`, `new IO::Socket::INET("h:p")`, `LocalPort => p, Listen => 1`. */
const inet: Handler = (call) => {
  const named = call.named;
  const pairs = new Map<string, Term>();
  for (const [k, v] of named) pairs.set(k.toLowerCase(), v);
  // `new IO::Socket::INET(PeerAddr, "h:p")`: barewords and values alternate.
  for (let i = 0; i + 1 < call.args.length; i += 2) {
    const [key, value] = [call.args[i], call.args[i + 1]];
    if (key !== undefined && value !== undefined) pairs.set(key.text.toLowerCase(), value);
  }
  const local = pairs.get('localport');
  if (local !== undefined || pairs.has('listen')) return call.it.listen(call.node, local);
  const peer =
    pairs.get('peeraddr') ?? pairs.get('peerhost') ?? (call.args.length === 1 ? call.args[0] : undefined);
  const [host, inline] = addressOf(peer);
  const port = pairs.get('peerport') ?? inline;
  return call.it.connect(
    call.node,
    host ?? unknown(''),
    port ?? unknown(''),
    /udp/i.test(pairs.get('proto')?.text ?? '') ? 'udp' : 'tcp',
  );
};

/** `STDIN->fdopen($c, 'r')`, `$~->fdopen($c, 'w')`: the code's stream becomes the socket. */
const fdopen: Handler = (call) => {
  const self = call.self;
  const target = call.args[0];
  const socket = target === undefined ? undefined : socketOf(target, call);
  const fd = self?.obj?.t === 'stdio' ? self.obj.fd : undefined;
  if (socket !== undefined && fd !== undefined) call.it.stdio(socket, [fd], call.node);
  return num(1);
};

/** `<FH>`: a line of a handle; also the implicit `$_`. */
const readline: Handler = (call) => {
  const handle = call.args[0] ?? stdio(0);
  const data = call.it.readFrom(
    handle.obj === undefined && handle.socket === undefined ? stdio(0) : handle,
    call.node,
  );
  call.it.bind('_', data);
  return data;
};

const unpack: Handler = (call) => {
  const [format, input] = call.args;
  const encoding = format?.exact === true ? encodingNamed(format.text.replace(/\*$/, '')) : undefined;
  if (input === undefined) return undefined;
  return encoding === undefined ? input : decoded(call, input, encoding);
};

const pack: Handler = (call) => {
  const [format, ...rest] = call.args;
  if (format?.exact === true && /^[Hh]\*?$/.test(format.text) && rest[0] !== undefined)
    return decoded(call, rest[0], 'hex');
  if (format?.exact === true && /^[CcUW]\*?$/.test(format.text)) return chars({ ...call, args: rest });
  return derive(call.args.map((a) => a.text).join(''), false, call.args);
};

function lwp(method?: string): Handler {
  return (call) => fetchWith(call, call.args[0], method);
}

const mirror: Handler = (call) => {
  const [url, file] = call.args;
  if (url === undefined) return undefined;
  return call.it.fetch(call.node, { url, ...(file === undefined ? {} : { to: file }) });
};

const LIBRARY = table([
  [runArgs, ['system', 'exec', 'readpipe']],
  [open, ['open', 'sysopen']],
  [socket, ['socket']],
  [connect, ['connect']],
  [
    (call) => {
      const id = socketArg(call);
      const [, port] = addressOf(call.args[1]);
      if (id !== undefined && port !== undefined) call.it.bindPort(id, port);
      return num(1);
    },
    ['bind'],
  ],
  [
    (call) => {
      const id = socketArg(call);
      if (id !== undefined) call.it.listen(call.node, undefined, id);
      return num(1);
    },
    ['listen'],
  ],
  [
    (call) => {
      const id = call.args[1] === undefined ? undefined : socketOf(call.args[1], call);
      if (id !== undefined && call.argNodes[0] !== undefined)
        call.it.assign(
          call.argNodes[0],
          { text: 'accepted', exact: false, origins: [], obj: { t: 'socket', id } },
          call.node,
        );
      return num(1);
    },
    ['accept'],
  ],
  [
    (call) => {
      const [host, port] = [call.args[1], call.args[0]];
      return {
        text: 'sockaddr',
        exact: false,
        origins: [],
        obj: { t: 'address', host: host ?? unknown(''), port: port ?? unknown('') },
      };
    },
    ['sockaddr_in', 'pack_sockaddr_in'],
  ],
  [
    same,
    ['inet_aton', 'inet_pton', 'getprotobyname', 'lc', 'uc', 'quotemeta', 'encode_base64', 'scalar', 'int'],
  ],
  [inet, ['IO::Socket::INET', 'IO::Socket::IP', 'IO::Socket::SSL']],
  [
    resolveName,
    [
      'gethostbyname',
      'Socket::inet_aton',
      'getaddrinfo',
      'Net::DNS::Resolver.query',
      'Net::DNS::Resolver.search',
    ],
  ],
  [
    (call) => {
      const id = socketArg(call);
      if (id !== undefined && call.args[1] !== undefined) call.it.send(id, call.args[1], call.node);
      return num(1);
    },
    ['send', 'syswrite'],
  ],
  [
    (call) => {
      const id = socketArg(call);
      if (id === undefined) return undefined;
      const data = call.it.socketData(id, call.node);
      call.it.bindOut(call.argNodes[1], data);
      return data;
    },
    ['recv', 'sysread', 'read'],
  ],
  [readline, ['readline']],
  [fdopen, ['IO::Handle.fdopen']],
  [evaluate('perl'), ['eval']],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'base64')),
    ['decode_base64', 'MIME::Base64.decode_base64'],
  ],
  [unpack, ['unpack']],
  [pack, ['pack']],
  [chars, ['chr']],
  [(call) => (call.args[0] === undefined ? undefined : call.it.reversed(call.args[0])), ['reverse']],
  [
    (call) =>
      call.it.combine(
        'join',
        list(call.args.slice(1).flatMap((a) => a.items ?? [a])),
        call.args[0] ?? str(''),
        call.node,
      ),
    ['join'],
  ],
  [
    (call) => (call.args[0] === undefined ? undefined : call.it.format(call.args[0], call.args.slice(1))),
    ['sprintf'],
  ],
  [print, ['print', 'say', 'printf']],
  [
    (call) => {
      const [mode, ...files] = call.args;
      if (mode !== undefined) for (const file of files) call.it.chmod(call.node, file, mode);
      return num(1);
    },
    ['chmod'],
  ],
  [lwp(), ['get', 'LWP::Simple.get', 'LWP::UserAgent.get', 'HTTP::Tiny.get', 'getprint', 'head']],
  [lwp('POST'), ['LWP::UserAgent.post', 'HTTP::Tiny.post', 'HTTP::Tiny.post_form']],
  [mirror, ['getstore', 'mirror', 'LWP::UserAgent.mirror', 'HTTP::Tiny.mirror']],
  [(call) => api(call.path), ['LWP::UserAgent', 'HTTP::Tiny']],
  [
    nothing,
    [
      'sleep',
      'fork',
      'close',
      'select',
      'setsockopt',
      'unlink',
      'exit',
      'die',
      'defined',
      'chomp',
      'binmode',
      'autoflush',
    ],
  ],
]);

function variable(name: string, sigil: string, it: Call['it']): Term | undefined {
  if (name === 'ENV') return environment;
  if (name === 'ARGV')
    return sigil === '@'
      ? it.arguments()
      : { text: '@ARGV', exact: false, origins: [], obj: { t: 'args', offset: 0 } };
  if (name === '~') return stdio(1);
  if (name === '_' && sigil === '$') return unknown('$_');
  return undefined;
}

function global(name: string): Term | undefined {
  const fd = fdOf(name);
  if (fd !== undefined && /^STD(IN|OUT|ERR)$/.test(name)) return stdio(fd);
  return undefined;
}

export const perl: Dialect = {
  language: 'perl',
  parse: (code, context, limits) => parseScript('perl', code, context, limits),
  canonical,
  library: (path) =>
    LIBRARY.get(path) ?? LIBRARY.get(path.replace(/^IO::Socket::(INET|IP|SSL)\.new$/, 'IO::Socket::INET')),
  variable: (name, sigil, it) => variable(name, sigil, it),
  global: (name) => global(name),
  method: (name) => (name === 'fdopen' ? fdopen : undefined),
  callsStrings: false,
};
