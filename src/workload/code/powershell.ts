/**
 * PowerShell (`pwsh -c`, `powershell -Command`): cmdlets and their aliases in any case
 * (`iex`, `IEX`, `Invoke-Expression`), `Invoke-WebRequest`/`Invoke-RestMethod`/`Net.WebClient`,
 * `TcpClient` streams read into `iex` and written back, `Start-Process` and external commands,
 * `[Convert]::FromBase64String`, `[char]` codes, `-join`, `-f`, `$env:`.
 */
import type { Call, Dialect, Handler } from './interpreter.js';
import { chars, decoded, fetchWith, nothing, print, readPath, table } from './library.js';
import { parseScript } from './script.js';
import { api, str, unknown, type Term } from './term.js';

const ALIASES: Readonly<Record<string, string>> = {
  iex: 'invoke-expression',
  iwr: 'invoke-webrequest',
  curl: 'invoke-webrequest',
  wget: 'invoke-webrequest',
  irm: 'invoke-restmethod',
  saps: 'start-process',
  start: 'start-process',
  gc: 'get-content',
  cat: 'get-content',
  type: 'get-content',
  sc: 'set-content',
  echo: 'write-output',
  write: 'write-output',
  '%': 'foreach-object',
  foreach: 'foreach-object',
  icm: 'invoke-command',
};

function canonical(path: string): string {
  const lower = path
    .toLowerCase()
    .replace(/^system\./, '')
    .replace(/\.system\./g, '.');
  // An own key only: a script's `constructor` is no alias.
  return (Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : undefined) ?? lower;
}

/** The type name and constructor arguments of `New-Object T(args)`, `New-Object -TypeName T -ArgumentList a, b`. */
function construct(call: Call): Term | undefined {
  const first = call.named.get('typename') ?? call.args[0];
  if (first === undefined) return undefined;
  const type = first.items?.[0] ?? first;
  const ctor = first.items?.slice(1) ?? [
    ...(call.named.get('argumentlist')?.items ??
      [call.named.get('argumentlist')].filter((arg) => arg !== undefined)),
    ...call.args.slice(1),
  ];
  return newObject(call, canonical(type.text), ctor);
}

function newObject(call: Call, type: string, args: readonly Term[]): Term {
  if (type === 'net.sockets.tcpclient') {
    if (args.length === 0) return call.it.socket(call.node);
    return call.it.connect(call.node, args[0] ?? unknown(''), args[1] ?? unknown(''));
  }
  if (type === 'net.sockets.tcplistener') return call.it.listen(call.node, args[args.length - 1]);
  return api(type);
}

function fetchCmdlet(call: Call): Term | undefined {
  const url = call.named.get('uri') ?? call.args[0] ?? call.it.pipelineInput;
  if (url === undefined) return undefined;
  const named = new Map<string, Term>();
  for (const [k, v] of call.named) named.set(k, v);
  const method = call.named.get('method')?.text.toUpperCase();
  const to = call.named.get('outfile');
  const body = fetchWith({ ...call, named }, url, method);
  if (to !== undefined && body !== undefined) call.it.write(call.node, to, body);
  return body;
}

const webClient: Handler = (call) => {
  const name = call.path.slice(call.path.lastIndexOf('.') + 1);
  const [url, second] = call.args;
  if (url === undefined) return undefined;
  if (name.startsWith('upload'))
    return call.it.fetch(call.node, {
      url,
      method: 'POST',
      ...(second === undefined ? {} : { body: second }),
    });
  const body = call.it.fetch(call.node, { url });
  if (name === 'downloadfile' && second !== undefined) call.it.write(call.node, second, body);
  return body;
};

/** `Start-Process -FilePath x -ArgumentList y`, and any external command by name. */
const startProcess: Handler = (call) => {
  const file = call.named.get('filepath') ?? call.args[0];
  if (file === undefined) return undefined;
  const list = call.named.get('argumentlist') ?? call.args[1];
  return call.it.run(call.node, { argv: [file, ...(list?.items ?? (list === undefined ? [] : [list]))] });
};

const external: Handler = (call) => {
  const argv = [str(call.path), ...call.args.flatMap((arg) => arg.items ?? [arg])];
  for (const [k, v] of call.named) argv.push(str(`-${k}`), v);
  return call.it.run(call.node, {
    argv,
    ...(call.it.pipelineInput === undefined ? {} : { stdin: call.it.pipelineInput }),
  });
};

const invokeExpression: Handler = (call) => {
  const code = call.named.get('command') ?? call.args[0] ?? call.it.pipelineInput;
  if (code === undefined) return undefined;
  return call.it.evaluate(call.node, code, 'powershell');
};

const foreachObject: Handler = (call) => {
  const block = call.callbacks[0] ?? call.args[0];
  if (block?.func === undefined) return undefined;
  call.used = true;
  const input = call.it.pipelineInput ?? unknown('$_');
  return call.it.callBack(block, [input]);
};

const LIBRARY = table([
  [invokeExpression, ['invoke-expression', 'scriptblock.create', 'invoke-command']],
  [fetchCmdlet, ['invoke-webrequest', 'invoke-restmethod', 'start-bitstransfer']],
  [
    webClient,
    [
      'net.webclient.downloadstring',
      'net.webclient.downloadfile',
      'net.webclient.downloaddata',
      'net.webclient.uploadstring',
      'net.webclient.uploaddata',
      'net.webclient.openread',
    ],
  ],
  [construct, ['new-object']],
  [
    (call) => newObject(call, 'net.sockets.tcpclient', call.args),
    ['net.sockets.tcpclient.new', 'net.sockets.tcpclient'],
  ],
  [(call) => newObject(call, 'net.sockets.tcplistener', call.args), ['net.sockets.tcplistener.new']],
  [() => api('net.webclient'), ['net.webclient.new']],
  [startProcess, ['start-process']],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'base64')),
    ['convert.frombase64string'],
  ],
  [
    (call) => call.args[0] ?? call.it.pipelineInput,
    [
      'text.encoding.utf8.getstring',
      'text.encoding.ascii.getstring',
      'text.encoding.unicode.getstring',
      'text.asciiencoding.getstring',
      'text.encoding.default.getstring',
      'text.encoding.ascii.getbytes',
      'text.encoding.utf8.getbytes',
      'out-string',
      'tostring',
      'convertto-json',
      'convertfrom-json',
    ],
  ],
  [chars, ['char', 'char[]']],
  [
    (call) => readPath({ ...call, args: [call.named.get('path') ?? call.args[0] ?? unknown('')] }),
    ['get-content'],
  ],
  [
    (call) => {
      const path = call.named.get('path') ?? call.named.get('filepath') ?? call.args[0];
      const value = call.named.get('value') ?? call.it.pipelineInput ?? call.args[1];
      if (path !== undefined) call.it.write(call.node, path, value ?? unknown(''));
      return undefined;
    },
    ['set-content', 'out-file', 'add-content'],
  ],
  [print, ['write-output', 'write-host']],
  [foreachObject, ['foreach-object']],
  [
    (call) =>
      call.args[0] === undefined
        ? undefined
        : call.it.invokeTerm(call.args[0], { args: call.args.slice(1), node: call.node }),
    ['&'],
  ],
  [nothing, ['start-sleep', 'out-null', 'set-executionpolicy', 'exit', 'pwd', 'get-location']],
]);

/** `$client.GetStream()` and friends on sockets; `GetString` keeps what it decodes. */
const METHODS: Readonly<Record<string, Handler>> = {
  getstream: (call) => call.self,
  getstring: (call) => call.args[0],
  getbytes: (call) => call.args[0],
  downloadstring: webClient,
  downloadfile: webClient,
  uploadstring: webClient,
  invoke: (call) => (call.self?.func !== undefined ? call.it.callBack(call.self, call.args) : undefined),
};

function variable(name: string, _sigil: string, it: Call['it']): Term | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('env:')) return it.env(str(name.slice(4)));
  if (lower === 'true') return { text: 'True', exact: true, origins: [], num: 1 };
  if (lower === 'false' || lower === 'null') return { text: '', exact: true, origins: [], num: 0 };
  if (lower === 'args') return it.arguments();
  if (lower === '_' || lower === 'input') return it.pipelineInput ?? unknown('$_');
  return undefined;
}

export const powershell: Dialect = {
  language: 'powershell',
  parse: (code, context, limits) => parseScript('powershell', code, context, limits),
  canonical,
  library: (path) => {
    const known =
      LIBRARY.get(path) ?? (path.startsWith('net.webclient.') ? METHODS[path.slice(14)] : undefined);
    if (known !== undefined) return known;
    // A name that is no cmdlet (no Verb-Noun), type or member: an external program.
    if (/^[\w.]+$/.test(path) && !path.includes('.')) return external;
    if (/^[\w-]+\.exe$/.test(path)) return external;
    return undefined;
  },
  variable,
  method: (name) => (Object.hasOwn(METHODS, name) ? METHODS[name] : undefined),
  binary: (op, left) => (op === 'and-left' ? left : undefined),
};
