/**
 * What library calls do, in the interpreter's terms: the handlers every language's table is built
 * from (start a process, fetch a URL, evaluate code, open a socket, read or write a file, decode),
 * and the methods of runtime objects (sockets, processes, streams, files, HTTP clients) and of plain
 * values (strings and lists), which are much the same in every language.
 *
 * Methods are looked up by lower-case name, so `sendall`, `Send` and `syswrite` of a socket are one
 * thing whatever the language spells them.
 */
import { ENVIRONMENT } from '../credential.js';
import { decode, encodingNamed, type Encoding } from './decoder.js';
import type { Call, Handler } from './interpreter.js';
import { joinItems } from './interpreter.js';
import {
  EMPTY,
  derive,
  itemsOf,
  list,
  mergeOrigins,
  num,
  numberOf,
  str,
  unknown,
  type RuntimeObject,
  type Term,
} from './term.js';
import type { Language } from '../action.js';

/** The value a method is called on (an object's or value's method always has one). */
export function selfOf(call: Call): Term {
  return call.self ?? unknown('');
}

// ---- handlers the language tables share ---------------------------------------------------------

/** A command: a list is an argv, a string a shell command (`shell=True`, `system`). */
export function runCommand(call: Call, command: Term | undefined, stdin?: Term): Term | undefined {
  if (command === undefined) return undefined;
  const shell = call.named.get('shell');
  if (command.items !== undefined && !(shell?.exact === true && /^(true|1)$/i.test(shell.text))) {
    return call.it.run(call.node, { argv: command.items, ...(stdin === undefined ? {} : { stdin }) });
  }
  return call.it.run(call.node, { shell: command, ...(stdin === undefined ? {} : { stdin }) });
}

/**
 * A name resolved (`gethostbyname`, `dns.lookup`, `Resolv.getaddress`): the query itself carries the
 * name to whoever serves its domain, so it is a request to `dns://name` (content put into the name
 * is sent). The answer is an address, not content from the network.
 */
export const resolveName: Handler = (call) => {
  const name = call.args[0] ?? call.named.get('host');
  if (name === undefined) return undefined;
  call.it.fetch(call.node, { url: derive(`dns://${name.text}`, name.exact, [name]) });
  return unknown('');
};

/** Runs its first argument: an argv list or a shell string. */
export const run: Handler = (call) => runCommand(call, call.args[0]);

/** Runs its arguments as an argv when there are several, else the one as a shell command or argv. */
export const runArgs: Handler = (call) => {
  if (call.args.length > 1) return call.it.run(call.node, { argv: call.args.flatMap((arg) => itemsOf(arg)) });
  return runCommand(call, call.args[0]);
};

/** `execl(path, arg0, arg1…)`, `execv(path, argv)`: the argv after the path. */
export const runExec: Handler = (call) => {
  const [path, ...rest] = call.args;
  if (path === undefined) return undefined;
  const argv = rest.length === 1 ? (rest[0]?.items ?? rest) : rest;
  return call.it.run(call.node, { argv: argv.length === 0 ? [path] : [path, ...argv.slice(1)] });
};

/** `pty.spawn(x)`: a process on a terminal whose streams are the code's own (a joined socket's). */
export const spawnPty: Handler = (call) => {
  const command = call.args[0];
  if (command === undefined) return undefined;
  const proc = call.it.run(
    call.node,
    command.items !== undefined ? { argv: command.items } : { argv: [command] },
  );
  const socket = call.it.joinedSocket(0) ?? call.it.joinedSocket(1);
  if (socket !== undefined && proc.obj?.t === 'process')
    call.it.stdio(socket, [0, 1, 2], call.node, proc.obj.run);
  return proc;
};

/** A URL fetched with the call's named options (`headers=`, `data=`, `json=`, `verify=False`). */
export function fetchWith(call: Call, url: Term | undefined, method?: string): Term | undefined {
  if (url === undefined) return undefined;
  const named = call.named;
  const headers: Term[] = [];
  const given = named.get('headers') ?? named.get('Headers') ?? named.get('header');
  if (given?.keys !== undefined)
    for (const [k, v] of given.keys) headers.push(derive(`${k}: ${v.text}`, v.exact, [v]));
  else if (given !== undefined) headers.push(given);
  const body =
    named.get('data') ??
    named.get('json') ??
    named.get('body') ??
    named.get('Body') ??
    named.get('files') ??
    named.get('content');
  const verify = named.get('verify');
  // `verify=False` (requests), `context=ssl._create_unverified_context()` (urllib), `rejectUnauthorized: false` (node).
  const context = named.get('context');
  const rejectUnauthorized = named.get('rejectUnauthorized');
  const insecure =
    (verify !== undefined && verify.exact && /^(false|0)$/i.test(verify.text)) ||
    (context !== undefined && /_create_unverified_context|CERT_NONE/.test(context.text)) ||
    (rejectUnauthorized !== undefined &&
      rejectUnauthorized.exact &&
      /^(false|0)$/i.test(rejectUnauthorized.text));
  const explicit = named.get('method') ?? named.get('Method');
  const chosen = explicit?.exact === true ? explicit.text : method;
  return call.it.fetch(call.node, {
    url,
    ...(chosen === undefined ? (body === undefined ? {} : { method: 'POST' }) : { method: chosen }),
    headers,
    ...(body === undefined ? {} : { body: bodyOf(body) }),
    ...(insecure ? { insecure } : {}),
  });
}

/** A request body as one value: a map's keys and values joined, its origins kept. */
function bodyOf(body: Term): Term {
  if (body.keys === undefined) return body;
  const parts: Term[] = [];
  for (const [k, v] of body.keys) parts.push(str(`${k}=`), v, str('&'));
  return derive(parts.map((part) => part.text).join(''), false, parts);
}

/** Fetches its first argument (or the `url` option) with the call's options. */
export function fetch(method?: string): Handler {
  return (call) => fetchWith(call, call.args[0] ?? call.named.get('url') ?? call.named.get('Uri'), method);
}

/** Code evaluated in-process (`exec`, `eval`, `Function`, `Invoke-Expression`). */
export function evaluate(language?: Exclude<Language, 'shell'>): Handler {
  return (call) => {
    const code = call.args[call.args.length > 1 && language === undefined ? 0 : 0];
    if (code === undefined) return undefined;
    return call.it.evaluate(call.node, code, language);
  };
}

/** A path a program loads as source (`/tmp/a.js`, `./x.rb`, `lib.php`), not a module name. */
const SOURCE_PATH = /^(?:\/|\.\.?\/|~\/)|\.(?:js|cjs|mjs|rb|php|phtml|inc|pl|pm|py|lua)$/i;

/**
 * A file loaded as code (`require("/tmp/a.js")`, `load "/tmp/a.rb"`, `include "/tmp/a.php"`,
 * `dofile("/tmp/a.lua")`): its content runs. A URL is fetched and run. Anything else (a module
 * name) is left to the caller: `undefined`.
 */
export function loadSource(call: Call, language: Exclude<Language, 'shell'>): Term | undefined {
  const path = call.args[0];
  if (path === undefined) return undefined;
  if (/^(https?|ftp):\/\//i.test(path.text))
    return call.it.evaluate(call.node, call.it.fetch(call.node, { url: path }), language);
  if (!SOURCE_PATH.test(path.text)) return undefined;
  return call.it.evaluate(call.node, call.it.read(call.node, path), language);
}

/** Decodes its first argument (or `self`) as `encoding`; the text is then `decoded` and noted. */
export function decoder(encoding: Encoding, from: 'arg' | 'self' = 'arg'): Handler {
  return (call) => {
    const input = from === 'self' ? call.self : call.args[0];
    if (input === undefined) return undefined;
    return decoded(call, input, encoding);
  };
}

/** A value decoded as `encoding`: known text when the input is known, always a `decoded` origin. */
export function decoded(call: Call, input: Term, encoding: Encoding): Term {
  const text = input.exact ? decode(input.text, encoding) : undefined;
  const origin = { kind: 'decoded' as const, encoding };
  if (text === undefined) {
    return {
      ...derive(input.text, false, [input], encoding),
      origins: mergeOrigins(input.origins, [origin]),
    };
  }
  if (input.origins.length === 0) call.it.sign(`${encoding} text decoded at run time: ${text.slice(0, 80)}`);
  const term = derive(text, true, [input], encoding);
  return { ...term, origins: mergeOrigins(term.origins, [origin]) };
}

/** Encodes nothing the analysis needs: the input, carried over (`b64encode`, `quote`). */
export const same: Handler = (call) => call.args[0];

/** A file read by path (`open(p).read()` is two steps; this is the one-step form). */
export const readPath: Handler = (call) => {
  const path = call.args[0];
  if (path === undefined) return undefined;
  if (/^(https?|ftp):\/\//i.test(path.text)) return call.it.fetch(call.node, { url: path });
  return call.it.read(call.node, path);
};

/** A file written in one step (`file_put_contents(p, d)`, `File.write(p, d)`). */
export const writePath: Handler = (call) => {
  const [path, content] = call.args;
  if (path === undefined) return undefined;
  call.it.write(call.node, path, content ?? unknown(''));
  return num(0);
};

/** `open(path, mode)`: a file object (reading it is a read action); a URL opens a fetch. */
export function openFile(call: Call, path: Term | undefined, mode: Term | undefined): Term | undefined {
  if (path === undefined) return undefined;
  const m = mode?.text ?? 'r';
  if (path.socket !== undefined || path.obj?.t === 'socket') return path;
  const write = /[wax+>]/.test(m) && !/^\s*</.test(m);
  return { text: path.text, exact: false, origins: [], obj: { t: 'file', path, write } };
}

export const open: Handler = (call) => openFile(call, call.args[0], call.args[1] ?? call.named.get('mode'));

/** `chmod(path, mode)`. */
export const chmod: Handler = (call) => {
  const [path, mode] = call.args;
  if (path !== undefined && mode !== undefined) call.it.chmod(call.node, path, mode);
  return num(0);
};

/** A new socket object. */
export const socket: Handler = (call) => {
  const kind = call.args.map((arg) => arg.text).join(' ');
  return call.it.socket(
    call.node,
    /DGRAM|udp/i.test(kind) ? 'udp' : /AF_UNIX|unix/i.test(kind) ? 'unix' : 'tcp',
  );
};

/** A connected socket from a host and port (`create_connection((h, p))`, `TCPSocket.new(h, p)`). */
export function connectTo(
  call: Call,
  host: Term | undefined,
  port: Term | undefined,
  protocol?: 'tcp' | 'udp' | 'tls',
): Term {
  return call.it.connect(call.node, host ?? unknown(''), port ?? unknown(''), protocol);
}

/** `(host, port)` of an address argument: a tuple, an address object, or `host:port`. */
export function addressOf(address: Term | undefined): [Term | undefined, Term | undefined] {
  if (address === undefined) return [undefined, undefined];
  if (address.obj?.t === 'address') return [address.obj.host, address.obj.port];
  if (address.items !== undefined) return [address.items[0], address.items[1]];
  const match = /^(.*):(\d{1,5})$/.exec(address.text);
  if (match !== null) return [derive(match[1] ?? '', address.exact, [address]), num(Number(match[2]))];
  return [address, undefined];
}

/** The environment object. */
export const environment: Term = {
  text: 'env',
  exact: false,
  // The whole environment holds the Secrets Kubernetes gives as env: serialized and sent, it is one.
  origins: [{ kind: 'credential', credential: 'secret', source: ENVIRONMENT }],
  obj: { t: 'env' },
};

/** The code's own standard stream `fd`. */
export function stdio(fd: number): Term {
  return {
    text: ['stdin', 'stdout', 'stderr'][fd] ?? 'stdio',
    exact: false,
    origins: [],
    obj: { t: 'stdio', fd },
  };
}

/** Prints to the code's standard output (a joined socket receives it). */
export const print: Handler = (call) => {
  for (const arg of call.args) call.it.stdout(arg, call.node);
  return num(1);
};

/** An environment variable by name (`getenv`, `os.environ.get`). */
export const getenv: Handler = (call) => (call.args[0] === undefined ? undefined : call.it.env(call.args[0]));

/** `dup2(socket-or-fd, n)`: a socket joined to the code's fd `n`. */
export const dup2: Handler = (call) => {
  const [from, to] = call.args;
  if (from === undefined || to === undefined) return undefined;
  const socket = socketOf(from, call);
  const fd = numberOf(to);
  if (socket !== undefined && fd !== undefined && fd >= 0 && fd <= 2) call.it.stdio(socket, [fd], call.node);
  return num(fd ?? 0);
};

/** The socket a value stands for: a socket, its stream or descriptor, or the number of one. */
export function socketOf(term: Term, call: Call): number | undefined {
  if (term.obj?.t === 'socket') return term.obj.id;
  if (term.socket !== undefined) return term.socket;
  const n = numberOf(term);
  if (n !== undefined && n >= 3) {
    for (let id = 0; id < 64; id++) {
      if (call.it.protocolOf(id) === undefined) break;
      if (call.it.descriptorOf(id) === n) return id;
    }
  }
  return undefined;
}

/** A handler that returns what it is given (a no-op that keeps data flowing). */
export const through: Handler = (call) => call.self ?? call.args[0];

/** A handler for calls that do nothing the model needs (`sleep`, `close`, `settimeout`). */
export const nothing: Handler = () => num(0);

// ---- methods of runtime objects ------------------------------------------------------------------

type ObjectKind = RuntimeObject['t'];

function socketId(call: Call): number {
  const self = selfOf(call);
  return self.obj?.t === 'socket' ? self.obj.id : (self.socket ?? -1);
}

const SOCKET_CONNECT: Handler = (call) => {
  const id = socketId(call);
  const [host, port] = call.args.length >= 2 ? [call.args[0], call.args[1]] : addressOf(call.args[0]);
  // Node's `connect(port, host)` puts the port first.
  const swap =
    call.args.length >= 2 &&
    numberOf(call.args[0] ?? EMPTY) !== undefined &&
    numberOf(call.args[1] ?? EMPTY) === undefined;
  call.it.connect(
    call.node,
    (swap ? port : host) ?? unknown(''),
    (swap ? host : port) ?? unknown(''),
    undefined,
    id,
  );
  return call.path === 'connect_ex' ? num(0) : call.self;
};

const SOCKET_METHODS: Record<string, Handler> = {
  connect: SOCKET_CONNECT,
  connect_ex: SOCKET_CONNECT,
  bind: (call) => {
    const [, port] = call.args.length >= 2 ? [call.args[0], call.args[1]] : addressOf(call.args[0]);
    if (port !== undefined) call.it.bindPort(socketId(call), port);
    return call.self;
  },
  // `listen(backlog)`: the port is the one bound before.
  listen: (call) => call.it.listen(call.node, undefined, socketId(call)),
  accept: (call) => {
    const self = selfOf(call);
    call.it.listen(call.node, undefined, socketId(call));
    // A pair in Python (`c, a = s.accept()`), the connection itself in Ruby and Perl.
    return { ...list([self, unknown('addr')], false), obj: self.obj };
  },
  fileno: (call) => ({ ...num(call.it.descriptorOf(socketId(call))), socket: socketId(call) }),
  recv: (call) => call.it.socketData(socketId(call), call.node),
  recvfrom: (call) => call.it.socketData(socketId(call), call.node),
  recv_into: (call) => {
    call.it.bindOut(call.argNodes[0], call.it.socketData(socketId(call), call.node));
    return num(0);
  },
  sysread: (call) => {
    call.it.bindOut(call.argNodes[0], call.it.socketData(socketId(call), call.node));
    return call.it.socketData(socketId(call), call.node);
  },
  read: (call) => {
    const data = call.it.socketData(socketId(call), call.node);
    // `$stream.Read($bytes, 0, n)` fills its first argument.
    if (call.argNodes.length > 1) call.it.bindOut(call.argNodes[0], data);
    return data;
  },
  receive: (call) => call.it.socketData(socketId(call), call.node),
  to_i: (call) => ({ ...num(call.it.descriptorOf(socketId(call))), socket: socketId(call) }),
  readline: (call) => call.it.socketData(socketId(call), call.node),
  readlines: (call) => call.it.socketData(socketId(call), call.node),
  gets: (call) => call.it.socketData(socketId(call), call.node),
  getline: (call) => call.it.socketData(socketId(call), call.node),
  makefile: (call) => call.self,
  getstream: (call) => call.self,
  wrap_socket: (call) => {
    call.it.secure(socketId(call));
    return call.self;
  },
  on: (call) => {
    const [event, callback] = call.args;
    if (callback?.func !== undefined) {
      call.used = true;
      const data = /data|message|line/i.test(event?.text ?? '')
        ? call.it.socketData(socketId(call), call.node)
        : unknown('');
      call.it.callBack(callback, [data]);
    }
    return call.self;
  },
  pipe: (call) => {
    const target = call.args[0];
    if (target?.obj?.t === 'stream' && target.obj.fd === 0)
      call.it.stdio(socketId(call), [0], call.node, target.obj.run);
    return target;
  },
};
for (const name of [
  'send',
  'sendall',
  'sendto',
  'write',
  'print',
  'puts',
  'printf',
  'syswrite',
  'end',
  'writeline',
  'flush',
]) {
  SOCKET_METHODS[name] = (call) => {
    // The data is the first argument; the rest are offsets, lengths and flags (`Write(b, 0, n)`).
    const data = call.args[0];
    if (data !== undefined) call.it.send(socketId(call), data, call.node);
    return num(0);
  };
}

function runOf(call: Call): number {
  const obj = selfOf(call).obj;
  return obj?.t === 'process' || obj?.t === 'stream' ? obj.run : -1;
}

const PROCESS_METHODS: Readonly<Record<string, Handler>> = {
  communicate: (call) => {
    const input = call.args[0] ?? call.named.get('input');
    if (input !== undefined) call.it.feed(runOf(call), input, call.node);
    return list([derive('stdout', false, [selfOf(call)]), derive('stderr', false, [selfOf(call)])], false);
  },
  wait: nothing,
  poll: nothing,
  kill: nothing,
};

/** Writing to a process's stdin feeds it. */
const STREAM_WRITE: Handler = (call) => {
  const obj = selfOf(call).obj;
  if (obj?.t === 'stream' && obj.fd === 0) for (const arg of call.args) call.it.feed(obj.run, arg, call.node);
  return num(0);
};

const STREAM_METHODS: Record<string, Handler> = {
  write: STREAM_WRITE,
  pipe: (call) => {
    const obj = selfOf(call).obj;
    const target = call.args[0];
    const socket = target === undefined ? undefined : socketOf(target, call);
    if (obj?.t === 'stream' && socket !== undefined) call.it.stdio(socket, [obj.fd], call.node, obj.run);
    return target;
  },
  read: (call) => call.it.readFrom(selfOf(call), call.node),
  readline: (call) => call.it.readFrom(selfOf(call), call.node),
  readlines: (call) => call.it.readFrom(selfOf(call), call.node),
};
STREAM_METHODS.print = STREAM_WRITE;
STREAM_METHODS.puts = STREAM_WRITE;
STREAM_METHODS.end = STREAM_WRITE;

const STDIO_METHODS: Readonly<Record<string, Handler>> = {
  read: (call) => call.it.stdin(call.node),
  readline: (call) => call.it.stdin(call.node),
  readlines: (call) => call.it.stdin(call.node),
  gets: (call) => call.it.stdin(call.node),
  write: print,
  print,
  puts: print,
  fileno: (call) => {
    const obj = selfOf(call).obj;
    return num(obj?.t === 'stdio' ? obj.fd : 0);
  },
  flush: nothing,
};

/** Writing to an open file is a write action of that file. */
const FILE_WRITE: Handler = (call) => {
  const obj = selfOf(call).obj;
  if (obj?.t === 'file') call.it.write(call.node, obj.path, call.args[0] ?? unknown(''));
  return num(0);
};

const FILE_METHODS: Record<string, Handler> = {
  read: (call) => readFile(call),
  readlines: (call) => readFile(call),
  readline: (call) => readFile(call),
  read_text: (call) => readFile(call),
  read_bytes: (call) => readFile(call),
  gets: (call) => readFile(call),
  write: FILE_WRITE,
  write_text: FILE_WRITE,
  close: nothing,
  chmod: (call) => {
    const obj = selfOf(call).obj;
    if (obj?.t === 'file' && call.args[0] !== undefined) call.it.chmod(call.node, obj.path, call.args[0]);
    return num(0);
  },
};
FILE_METHODS.print = FILE_WRITE;
FILE_METHODS.puts = FILE_WRITE;
FILE_METHODS.write_bytes = FILE_WRITE;

function readFile(call: Call): Term {
  const obj = selfOf(call).obj;
  return obj?.t === 'file' ? call.it.read(call.node, obj.path) : unknown('');
}

const ENV_METHODS: Readonly<Record<string, Handler>> = {
  get: getenv,
  getenv,
  fetch: getenv,
};

const ADDRESS_METHODS: Readonly<Record<string, Handler>> = {};

const OBJECT_METHODS: Readonly<Record<ObjectKind, Readonly<Record<string, Handler>>>> = {
  socket: SOCKET_METHODS,
  process: PROCESS_METHODS,
  stream: STREAM_METHODS,
  stdio: STDIO_METHODS,
  file: FILE_METHODS,
  client: {},
  address: ADDRESS_METHODS,
  env: ENV_METHODS,
  args: {},
};

/** The method `name` (lower case) of a runtime object of kind `kind`. */
export function objectMethod(kind: ObjectKind, name: string): Handler | undefined {
  return Object.hasOwn(OBJECT_METHODS[kind], name) ? OBJECT_METHODS[kind][name] : undefined;
}

// ---- methods of plain values ---------------------------------------------------------------------

function codecOf(call: Call): Encoding | undefined {
  const name = call.args[0];
  return name?.exact === true ? encodingNamed(name.text) : undefined;
}

const VALUE_METHODS: Readonly<Record<string, Handler>> = {
  decode: (call) => {
    const encoding = codecOf(call);
    return encoding === undefined ? call.self : decoded(call, selfOf(call), encoding);
  },
  encode: (call) => {
    const encoding = codecOf(call);
    if (encoding === 'rot13') return decoded(call, selfOf(call), encoding);
    return call.self;
  },
  join: (call) => {
    const self = selfOf(call);
    const arg = call.args[0];
    // Python's `sep.join(items)`; JavaScript's and Ruby's `items.join(sep)`.
    if (self.items === undefined && arg?.items !== undefined) return joinItems(arg.items, self);
    return joinItems(itemsOf(self), arg ?? str(''));
  },
  reverse: (call) => call.it.reversed(selfOf(call)),
  reversed: (call) => call.it.reversed(selfOf(call)),
  strrev: (call) => call.it.reversed(selfOf(call)),
  format: (call) => call.it.formatBraces(selfOf(call), call.args, call.named),
  replace: (call) => {
    const [from, to] = call.args;
    const self = selfOf(call);
    if (from?.exact === true && to?.exact === true && self.exact && from.text !== '') {
      return derive(self.text.split(from.text).join(to.text), true, [self], self.hidden);
    }
    return derive(self.text, false, [self, ...call.args]);
  },
  split: (call) => {
    const self = selfOf(call);
    const sep = call.args[0];
    if (!self.exact) return { ...list([derive(self.text, false, [self])], false), text: self.text };
    const parts =
      sep?.exact === true && sep.text !== '' ? self.text.split(sep.text) : self.text.trim().split(/\s+/);
    return list(parts.slice(0, 4096).map((part) => ({ ...str(part), origins: self.origins })));
  },
  strip: (call) => derive(selfOf(call).text.trim(), selfOf(call).exact, [selfOf(call)]),
  trim: (call) => derive(selfOf(call).text.trim(), selfOf(call).exact, [selfOf(call)]),
  chomp: (call) => derive(selfOf(call).text.replace(/\r?\n$/, ''), selfOf(call).exact, [selfOf(call)]),
  lower: (call) => derive(selfOf(call).text.toLowerCase(), selfOf(call).exact, [selfOf(call)]),
  upper: (call) => derive(selfOf(call).text.toUpperCase(), selfOf(call).exact, [selfOf(call)]),
  tolowercase: (call) => derive(selfOf(call).text.toLowerCase(), selfOf(call).exact, [selfOf(call)]),
  touppercase: (call) => derive(selfOf(call).text.toUpperCase(), selfOf(call).exact, [selfOf(call)]),
  downcase: (call) => derive(selfOf(call).text.toLowerCase(), selfOf(call).exact, [selfOf(call)]),
  upcase: (call) => derive(selfOf(call).text.toUpperCase(), selfOf(call).exact, [selfOf(call)]),
  tostring: (call) => call.self,
  to_s: (call) => call.self,
  text: (call) => call.self,
  json: (call) => call.self,
  body: (call) => call.self,
  content: (call) => call.self,
  getvalue: (call) => call.self,
  unpack1: (call) => unpack(call),
  unpack: (call) => unpack(call),
  concat: (call) => call.it.combine('concat', selfOf(call), list(call.args), call.node),
  append: (call) => call.self,
};

function unpack(call: Call): Term | undefined {
  const format = call.args[0];
  const encoding = format?.exact === true ? encodingNamed(format.text) : undefined;
  return encoding === undefined ? undefined : decoded(call, selfOf(call), encoding);
}

/** The method `name` (lower case) of a plain value. */
export function valueMethod(name: string): Handler | undefined {
  return Object.hasOwn(VALUE_METHODS, name) ? VALUE_METHODS[name] : undefined;
}

/** `chr(n)`/`String.fromCharCode(…)`: characters from codes, a way to hide text. */
export const chars: Handler = (call) => {
  const codes = call.args.flatMap((arg) => itemsOf(arg));
  let text = '';
  for (const code of codes) {
    const n = numberOf(code);
    if (n === undefined || n < 0 || n > 0x10ffff)
      return derive(codes.map((c) => c.text).join(''), false, codes, 'chr');
    text += String.fromCodePoint(n);
  }
  return { ...derive(text, true, codes), hidden: 'chr' };
};

/** A library table: canonical path → handler. */
export type Table = ReadonlyMap<string, Handler>;

/** Builds a table from groups of paths sharing a handler. */
export function table(groups: readonly (readonly [Handler, readonly string[]])[]): Table {
  const out = new Map<string, Handler>();
  for (const [handler, paths] of groups) for (const path of paths) out.set(path, handler);
  return out;
}
