/**
 * JavaScript (`node -e`): modules by `require`/`import` under any spelling (`node:net`,
 * `process.mainModule.require`, `module.constructor._load`), `child_process`, `net`,
 * `http`/`https`, `fetch`, `fs`, `vm`, `eval`/`Function`, `Buffer`/`atob` decoding and
 * `String.fromCharCode`.
 */
import type { Dialect, Handler } from './interpreter.js';
import {
  chars,
  chmod,
  decoded,
  environment,
  evaluate,
  fetchWith,
  nothing,
  print,
  readPath,
  runCommand,
  same,
  stdio,
  table,
  writePath,
  resolveName,
  loadSource,
} from './library.js';
import { parseScript } from './script.js';
import { api, derive, unknown, type Term } from './term.js';
import { encodingNamed } from './decoder.js';

function canonical(path: string): string {
  let out = path.replace(/^node:/, '');
  out = out.replace(/^(global|globalThis|window)\./, '');
  if (out.startsWith('require.')) return out;
  return out;
}

/** `require(name)` under any spelling: the module's library path. */
const requireModule: Handler = (call) => {
  const name = call.args[0];
  if (name === undefined) return undefined;
  call.it.signName(name, 'module name');
  if (/^(https?|ftp):\/\//.test(name.text) || name.origins.some((o) => o.kind === 'network')) {
    return call.it.evaluate(call.node, name, 'node');
  }
  // A file by path is its source run (`require("/tmp/a.js")`), a name a library module.
  if (/^(?:\/|\.\.?\/)/.test(name.text)) return loadSource(call, 'node');
  const module = api(canonical(name.text));
  return name.hidden === undefined ? module : { ...module, hidden: name.hidden };
};

/** `spawn(cmd, args, {shell})`, `execFile(cmd, args)`: an argv unless a shell is asked for. */
const spawn: Handler = (call) => {
  const [command, args] = call.args;
  if (command === undefined) return undefined;
  const options = call.args.find((arg) => arg.keys !== undefined);
  if (options?.keys?.get('shell')?.text === 'true') return call.it.run(call.node, { shell: command });
  const rest = args?.items ?? [];
  return call.it.run(call.node, { argv: [command, ...rest] });
};

const shell: Handler = (call) => {
  const input = call.args.find((arg) => arg.keys !== undefined)?.keys?.get('input');
  return runCommand(call, call.args[0], input);
};

/** `net.connect(port, host)`, `net.connect({host, port})`, `new net.Socket()`. */
const netConnect: Handler = (call) => {
  const [first, second] = call.args;
  if (first?.keys !== undefined) {
    return call.it.connect(
      call.node,
      first.keys.get('host') ?? unknown('localhost'),
      first.keys.get('port') ?? unknown(''),
    );
  }
  return call.it.connect(
    call.node,
    second?.func === undefined ? (second ?? unknown('localhost')) : unknown('localhost'),
    first ?? unknown(''),
  );
};

/** `net.createServer(cb)`: a server whose `listen(port)` is a listening socket given to `cb`. */
const createServer: Handler = (call) => {
  const socket = call.it.socket(call.node);
  const callback = call.args.find((arg) => arg.func !== undefined);
  call.used = true;
  const server: Term = { ...socket, keys: new Map([['callback', callback ?? unknown('')]]) };
  return server;
};

/** `http.get(url, cb)`, `https.request(options, cb)`, `fetch(url, {method, headers, body})`. */
function httpRequest(scheme: string): Handler {
  return (call) => {
    const target = call.args[0];
    if (target === undefined) return undefined;
    let url = target;
    const options =
      call.args.find((arg) => arg.keys !== undefined && arg !== target) ??
      (target.keys !== undefined ? target : undefined);
    if (target.keys !== undefined) {
      const host = target.keys.get('hostname') ?? target.keys.get('host') ?? unknown('');
      const port = target.keys.get('port');
      const path = target.keys.get('path') ?? target.keys.get('pathname');
      url = derive(
        `${scheme}://${host.text}${port === undefined ? '' : `:${port.text}`}${path?.text ?? '/'}`,
        host.exact && (path?.exact ?? true),
        [host],
      );
    }
    const named = new Map(call.named);
    for (const [k, v] of options?.keys ?? []) named.set(k, v);
    const callback = call.args.find((arg) => arg.func !== undefined);
    const body = fetchWith({ ...call, named }, url, named.get('method')?.text);
    if (callback !== undefined && body !== undefined) {
      call.used = true;
      call.it.callBack(callback, [body]);
    }
    return body;
  };
}

/** `Buffer.from(x, 'base64')`: decoded when an encoding is named. */
const bufferFrom: Handler = (call) => {
  const [input, name] = call.args;
  if (input === undefined) return undefined;
  const encoding = name?.exact === true ? encodingNamed(name.text) : undefined;
  return encoding === undefined ? input : decoded(call, input, encoding);
};

const LIBRARY = table([
  [
    requireModule,
    [
      'require',
      'process.mainModule.require',
      'module.require',
      'module.constructor._load',
      'process.mainModule.constructor._load',
      'import',
      'createRequire',
    ],
  ],
  [shell, ['child_process.exec', 'child_process.execSync']],
  [
    spawn,
    [
      'child_process.spawn',
      'child_process.spawnSync',
      'child_process.execFile',
      'child_process.execFileSync',
      'child_process.fork',
    ],
  ],
  [netConnect, ['net.connect', 'net.createConnection', 'tls.connect']],
  [
    resolveName,
    [
      'dns.lookup',
      'dns.resolve',
      'dns.resolve4',
      'dns.resolve6',
      'dns.resolveTxt',
      'dns.resolveAny',
      'dns.promises.lookup',
      'dns.promises.resolve',
      'dns.promises.resolve4',
      'dns.promises.resolveTxt',
    ],
  ],
  [(call) => call.it.socket(call.node), ['net.Socket', 'net.Stream']],
  [createServer, ['net.createServer']],
  [httpRequest('http'), ['http.get', 'http.request']],
  [
    httpRequest('https'),
    ['https.get', 'https.request', 'fetch', 'axios', 'axios.get', 'axios.post', 'axios.request'],
  ],
  [
    evaluate('node'),
    [
      'eval',
      'Function',
      'vm.runInNewContext',
      'vm.runInThisContext',
      'vm.runInContext',
      'vm.Script',
      'setTimeout',
      'setInterval',
    ],
  ],
  [bufferFrom, ['Buffer.from', 'Buffer']],
  [(call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'base64')), ['atob']],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'percent')),
    ['decodeURIComponent', 'unescape', 'decodeURI'],
  ],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'zlib')),
    ['zlib.inflateSync', 'zlib.unzipSync'],
  ],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'gzip')),
    ['zlib.gunzipSync'],
  ],
  [chars, ['String.fromCharCode', 'String.fromCodePoint']],
  [readPath, ['fs.readFileSync', 'fs.readFile', 'fs.promises.readFile']],
  [writePath, ['fs.writeFileSync', 'fs.writeFile', 'fs.appendFileSync', 'fs.promises.writeFile']],
  [
    (call) =>
      call.args[0] === undefined
        ? undefined
        : {
            text: call.args[0].text,
            exact: false,
            origins: [],
            obj: { t: 'file', path: call.args[0], write: true },
          },
    ['fs.createWriteStream'],
  ],
  [chmod, ['fs.chmodSync', 'fs.chmod']],
  [print, ['console.log', 'console.error', 'process.stdout.write']],
  [same, ['JSON.stringify', 'JSON.parse', 'String', 'encodeURIComponent', 'btoa']],
  [nothing, ['process.exit', 'setImmediate']],
]);

function attribute(path: string): Term | undefined {
  switch (path) {
    case 'process.env':
      return environment;
    case 'process.argv':
      return { text: 'process.argv', exact: false, origins: [], obj: { t: 'args', offset: 1 } };
    case 'process.stdin':
      return stdio(0);
    case 'process.stdout':
      return stdio(1);
    default:
      return undefined;
  }
}

/** Methods of promises and servers that JavaScript code chains. */
const METHODS: Readonly<Record<string, Handler>> = {
  then: (call) => {
    const callback = call.args[0];
    if (callback?.func === undefined) return call.self;
    call.used = true;
    return call.it.callBack(callback, [call.self ?? unknown('')]);
  },
  listen: (call) => {
    const self = call.self;
    if (self?.obj?.t !== 'socket') return undefined;
    call.it.listen(call.node, call.args[0], self.obj.id);
    const callback = self.keys?.get('callback');
    if (callback?.func !== undefined) call.it.callBack(callback, [{ ...self, keys: undefined }]);
    return self;
  },
  tostring: (call) => {
    const self = call.self;
    const name = call.args[0];
    const encoding = name?.exact === true ? encodingNamed(name.text) : undefined;
    return self === undefined || encoding === undefined ? self : decoded(call, self, encoding);
  },
};

export const node: Dialect = {
  language: 'node',
  parse: (code, context, limits) => parseScript('node', code, context, limits),
  canonical,
  library: (path) => LIBRARY.get(path),
  attribute,
  method: (name) => (Object.hasOwn(METHODS, name) ? METHODS[name] : undefined),
  global: (name) =>
    name === 'true'
      ? { text: 'true', exact: true, origins: [], num: 1 }
      : name === 'undefined' || name === 'null'
        ? { text: '', exact: true, origins: [] }
        : undefined,
  iterating: new Set(['foreach', 'map', 'setinterval']),
};
