/**
 * Ruby (`ruby -e`): `system`/`exec`/`spawn`/backticks/`%x()`/`IO.popen`/`Open3`, `TCPSocket`
 * and `TCPServer`, descriptor redirections in `exec` strings (`<&%d`), `Net::HTTP`/`open-uri`,
 * `eval` and `send(:system, …)`, `Base64`/`unpack('m')`/`pack('H*')` decoding, `File`, `ENV`.
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
  open,
  print,
  readPath,
  runArgs,
  same,
  socketOf,
  table,
  writePath,
  resolveName,
  loadSource,
} from './library.js';
import { parseScript } from './script.js';
import { api, num, unknown, type Term } from './term.js';

function canonical(path: string): string {
  return path.replace(/^(Kernel|Object|::)\./, '').replace(/^IO\.(popen|read|write)$/, 'IO.$1');
}

/** `exec(cmd, in: s, out: s, err: s)`: a run whose streams may be a socket. */
const runWithStreams: Handler = (call) => {
  const proc = runArgs(call);
  if (proc?.obj?.t !== 'process') return proc;
  const run = proc.obj.run;
  ['in', 'out', 'err'].forEach((name, fd) => {
    const value = call.named.get(name);
    const socket = value === undefined ? undefined : socketOf(value, call);
    if (socket !== undefined) call.it.stdio(socket, [fd], call.node, run);
  });
  return proc;
};

/** `IO.popen(cmd) { |io| … }`: the block gets the process. */
const popen: Handler = (call) => {
  const proc = runArgs({ ...call, args: call.args.slice(0, 1) });
  const block = call.callbacks[0];
  if (block !== undefined && proc !== undefined) {
    call.used = true;
    return call.it.callBack(block, [proc]);
  }
  return proc;
};

const tcpSocket: Handler = (call) =>
  call.it.connect(call.node, call.args[0] ?? unknown(''), call.args[1] ?? unknown(''));

const netHttp: Handler = (call) => {
  const [target, second] = call.args;
  if (target === undefined) return undefined;
  // `Net::HTTP.get(host, path)` or `Net::HTTP.get(URI(url))`.
  const url =
    second !== undefined && !/^[a-z]+:\/\//i.test(target.text) && call.path.endsWith('.get')
      ? { ...target, text: `http://${target.text}${second.text}` }
      : target;
  const post = /post/i.test(call.path);
  const named = new Map(call.named);
  if (post && second !== undefined && !named.has('body')) named.set('body', second);
  return fetchWith({ ...call, named }, url, post ? 'POST' : undefined);
};

const sendByName: Handler = (call) => {
  const [name, ...args] = call.args;
  if (name === undefined) return undefined;
  const self = call.self?.api === undefined ? call.self : undefined;
  return call.it.callByName(name, args, call, self);
};

const LIBRARY = table([
  [runWithStreams, ['system', 'exec', 'spawn', 'Process.spawn', 'Process.exec']],
  [
    popen,
    [
      'IO.popen',
      'Open3.popen3',
      'Open3.popen2',
      'Open3.popen2e',
      'Open3.capture2',
      'Open3.capture3',
      'Open3.capture2e',
      'PTY.spawn',
    ],
  ],
  [tcpSocket, ['TCPSocket.new', 'TCPSocket.open', 'TCPSocket', 'Socket.tcp', 'OpenSSL::SSL::SSLSocket.new']],
  [
    (call) => call.it.listen(call.node, call.args[1] ?? call.args[0]),
    ['TCPServer.new', 'TCPServer.open', 'TCPServer'],
  ],
  [
    netHttp,
    ['Net.HTTP.get', 'Net.HTTP.get_response', 'Net.HTTP.post', 'Net.HTTP.post_form', 'Net.HTTP.get_print'],
  ],
  [(call) => readPath(call), ['URI.open', 'open-uri', 'OpenURI.open_uri']],
  [
    resolveName,
    [
      'Resolv.getaddress',
      'Resolv.getaddresses',
      'Socket.gethostbyname',
      'Addrinfo.getaddrinfo',
      'IPSocket.getaddress',
    ],
  ],
  [same, ['URI', 'URI.parse', 'String', 'Integer', 'Array']],
  [
    (call) => (call.args[0] === undefined ? undefined : call.it.format(call.args[0], call.args.slice(1))),
    ['sprintf', 'format'],
  ],
  [evaluate('ruby'), ['eval', 'instance_eval', 'class_eval', 'module_eval', 'binding.eval']],
  [sendByName, ['send', '__send__', 'public_send']],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'base64')),
    ['Base64.decode64', 'Base64.strict_decode64', 'Base64.urlsafe_decode64'],
  ],
  [
    (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], 'zlib')),
    ['Zlib.Inflate.inflate', 'Zlib.inflate'],
  ],
  [
    (call) => {
      const path = call.args[0];
      if (path !== undefined && /^(https?|ftp):\/\//i.test(path.text))
        return call.it.fetch(call.node, { url: path });
      const file = open(call);
      const block = call.callbacks[0];
      if (block !== undefined && file !== undefined) {
        call.used = true;
        return call.it.callBack(block, [file]);
      }
      return file;
    },
    ['open', 'File.open', 'File.new', 'Kernel.open'],
  ],
  [readPath, ['File.read', 'IO.read', 'File.readlines', 'IO.readlines', 'File.binread']],
  [writePath, ['File.write', 'IO.write', 'File.binwrite']],
  [
    (call) => {
      const [mode, ...files] = call.args;
      if (mode !== undefined) for (const file of files) call.it.chmod(call.node, file, mode);
      return undefined;
    },
    ['File.chmod', 'FileUtils.chmod'],
  ],
  [chmod, ['chmod']],
  [print, ['puts', 'print', 'p', 'printf', '$stdout.puts']],
  [(call) => call.it.stdin(call.node), ['gets', 'STDIN.gets', 'STDIN.read']],
  [(call) => loadSource(call, 'ruby') ?? num(1), ['load', 'require', 'require_relative']],
  [nothing, ['sleep', 'exit', 'loop', 'at_exit', 'fork', 'Process.daemon']],
  [chars, ['Integer.chr']],
]);

/** Methods Ruby's values add: `.chr`, `.send`, `.method(:x).call`. */
const METHODS: Readonly<Record<string, Handler>> = {
  chr: (call) => chars({ ...call, args: call.self === undefined ? [] : [call.self] }),
  send: sendByName,
  __send__: sendByName,
  public_send: sendByName,
  method: (call) =>
    call.args[0] === undefined
      ? undefined
      : { ...api(canonical(call.args[0].text)), hidden: call.args[0].hidden },
  call: (call) =>
    call.self?.api !== undefined
      ? call.it.invokeTerm(call.self, { args: call.args, node: call.node })
      : undefined,
  read: (call) => (call.self?.obj !== undefined ? call.it.readFrom(call.self, call.node) : call.self),
};

function global(name: string): Term | undefined {
  if (name === 'ENV') return environment;
  if (name === 'ARGV') return { text: 'ARGV', exact: false, origins: [], obj: { t: 'args', offset: 0 } };
  if (name === 'STDIN' || name === '$stdin')
    return { text: 'STDIN', exact: false, origins: [], obj: { t: 'stdio', fd: 0 } };
  if (name === 'true') return { text: 'true', exact: true, origins: [], num: 1 };
  if (name === 'nil') return { text: '', exact: true, origins: [] };
  return undefined;
}

export const ruby: Dialect = {
  language: 'ruby',
  parse: (code, context, limits) => parseScript('ruby', code, context, limits),
  canonical,
  library: (path) =>
    LIBRARY.get(path) ?? (path.endsWith('.new') ? undefined : LIBRARY.get(path.replace(/\.open$/, '.new'))),
  method: (name) => (Object.hasOwn(METHODS, name) ? METHODS[name] : undefined),
  global: (name) => global(name),
};
