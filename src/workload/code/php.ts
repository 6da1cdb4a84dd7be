/**
 * PHP (`php -r`): `exec`/`system`/`shell_exec`/`passthru`/`popen`/`proc_open`/backticks/
 * `pcntl_exec`, `fsockopen`/`stream_socket_client`/`socket_create`, descriptor specs that hand a
 * socket to a process, `file_get_contents` of URLs, curl, `eval`/`assert`/`create_function`/
 * `include` of fetched code, functions called through strings (`$f = 'sys'.'tem'; $f('id')`), and
 * the decoders (`base64_decode`, `str_rot13`, `strrev`, `hex2bin`, `gzinflate`).
 */
import type { Dialect, Handler } from './interpreter.js';
import {
  addressOf,
  chars,
  chmod,
  decoded,
  environment,
  evaluate,
  nothing,
  openFile,
  print,
  readPath,
  run,
  same,
  socketOf,
  table,
  writePath,
  resolveName,
  loadSource,
} from './library.js';
import { parseScript } from './script.js';
import { derive, list, num, str, unknown, type ClientState, type Term } from './term.js';

function canonical(path: string): string {
  return path.replace(/^\\/, '').toLowerCase();
}

/** `proc_open(cmd, [0 => $sock, 1 => $sock, 2 => $sock], $pipes)`. */
const procOpen: Handler = (call) => {
  const [command, spec] = call.args;
  const proc = run({ ...call, args: command === undefined ? [] : [command] });
  if (proc?.obj?.t !== 'process' || spec?.keys === undefined) return proc;
  const runIndex = proc.obj.run;
  for (const [key, value] of spec.keys) {
    const fd = Number(key);
    const socket = socketOf(value, call);
    if (socket !== undefined && fd >= 0 && fd <= 2) call.it.stdio(socket, [fd], call.node, runIndex);
  }
  return proc;
};

/** `fsockopen(host, port)`, `stream_socket_client("tcp://h:p")`. */
const fsockopen: Handler = (call) => {
  const [target, port] = call.args;
  if (target === undefined) return undefined;
  const scheme = /^(tcp|udp|tls|ssl):\/\//i.exec(target.text);
  const rest = scheme === null ? target : derive(target.text.slice(scheme[0].length), target.exact, [target]);
  const [host, inlinePort] = port === undefined ? addressOf(rest) : [rest, port];
  const protocol = scheme?.[1]?.toLowerCase();
  return call.it.connect(
    call.node,
    host ?? unknown(''),
    port ?? inlinePort ?? unknown(''),
    protocol === 'udp' ? 'udp' : protocol === 'tls' || protocol === 'ssl' ? 'tls' : 'tcp',
  );
};

/** `fwrite($h, $data)`: a socket sends, a file is written, a process is fed. */
const fwrite: Handler = (call) => {
  const [handle, data] = call.args;
  if (handle === undefined || data === undefined) return undefined;
  const socket = socketOf(handle, call);
  if (socket !== undefined) call.it.send(socket, data, call.node);
  else if (handle.obj?.t === 'file') call.it.write(call.node, handle.obj.path, data);
  else if (handle.obj?.t === 'process') call.it.feed(handle.obj.run, data, call.node);
  return num(0);
};

const fread: Handler = (call) =>
  call.args[0] === undefined ? undefined : call.it.readFrom(call.args[0], call.node);

const fopen: Handler = (call) => {
  const [path, mode] = call.args;
  if (path !== undefined && /^(https?|ftp):\/\//i.test(path.text))
    return call.it.fetch(call.node, { url: path });
  if (path !== undefined && /^php:\/\/stdin$/i.test(path.text))
    return { text: 'STDIN', exact: false, origins: [], obj: { t: 'stdio', fd: 0 } };
  return openFile(call, path, mode);
};

/** `curl_init(url)`: a handle whose options `curl_setopt` sets and `curl_exec` sends. */
const curlInit: Handler = (call) => {
  const state: ClientState = { headers: [], ...(call.args[0] === undefined ? {} : { url: call.args[0] }) };
  return { text: 'curl', exact: false, origins: [], obj: { t: 'client', state } };
};

const curlSetopt: Handler = (call) => {
  const [handle, option, value] = call.args;
  if (handle?.obj?.t !== 'client' || option === undefined || value === undefined) return undefined;
  setOption(handle.obj.state, option.text.toUpperCase(), value);
  return num(1);
};

function setOption(state: ClientState, option: string, value: Term): void {
  if (option.endsWith('URL')) state.url = value;
  else if (option.endsWith('POSTFIELDS')) {
    state.body = value;
    state.method ??= 'POST';
  } else if (option.endsWith('HTTPHEADER')) state.headers.push(...(value.items ?? [value]));
  else if (option.endsWith('CUSTOMREQUEST')) state.method = value.text.toUpperCase();
  else if (option.endsWith('SSL_VERIFYPEER') && /^(0|false)$/i.test(value.text)) state.insecure = true;
  else if (option.endsWith('FILE')) state.to = value;
}

const curlExec: Handler = (call) => {
  const handle = call.args[0];
  if (handle?.obj?.t !== 'client') return undefined;
  const state = handle.obj.state;
  return call.it.fetch(call.node, {
    url: state.url ?? unknown(''),
    ...(state.method === undefined ? {} : { method: state.method }),
    headers: state.headers,
    ...(state.body === undefined ? {} : { body: state.body }),
    ...(state.insecure === true ? { insecure: true } : {}),
    ...(state.to === undefined ? {} : { to: state.to }),
  });
};

/** `array(0 => $a, 'k' => $b, $c)` and `[…]`: keys and items. */
const array: Handler = (call) => {
  const items = list(call.args);
  if (call.named.size === 0) return items;
  const text = [...call.named].map(([k, v]) => `${k}=${v.text}`).join('&');
  return { ...items, text, exact: false, keys: new Map(call.named) };
};

const callUserFunc: Handler = (call) => {
  const [name, ...rest] = call.args;
  if (name === undefined) return undefined;
  const args = call.path.endsWith('_array') ? (rest[0]?.items ?? []) : rest;
  return call.it.callByName(name, args, call);
};

function decodeWith(encoding: Parameters<typeof decoded>[2]): Handler {
  return (call) => (call.args[0] === undefined ? undefined : decoded(call, call.args[0], encoding));
}

const LIBRARY = table([
  [run, ['exec', 'system', 'shell_exec', 'passthru', 'popen']],
  [procOpen, ['proc_open']],
  [
    (call) => call.it.run(call.node, { argv: [call.args[0] ?? unknown(''), ...(call.args[1]?.items ?? [])] }),
    ['pcntl_exec'],
  ],
  [fsockopen, ['fsockopen', 'pfsockopen', 'stream_socket_client']],
  [resolveName, ['gethostbyname', 'gethostbynamel', 'dns_get_record', 'checkdnsrr', 'getmxrr']],
  [(call) => call.it.listen(call.node, addressOf(call.args[0])[1]), ['stream_socket_server']],
  [(call) => call.it.socket(call.node), ['socket_create']],
  [
    (call) => {
      const [s, host, port] = call.args;
      const id = s === undefined ? undefined : socketOf(s, call);
      call.it.connect(call.node, host ?? unknown(''), port ?? unknown(''), undefined, id);
      return num(1);
    },
    ['socket_connect'],
  ],
  [fwrite, ['fwrite', 'fputs', 'socket_write', 'socket_send', 'stream_socket_sendto']],
  [fread, ['fread', 'fgets', 'socket_read', 'socket_recv', 'stream_get_contents', 'stream_socket_recvfrom']],
  [fopen, ['fopen']],
  [readPath, ['file_get_contents', 'file', 'readfile']],
  [writePath, ['file_put_contents']],
  [
    (call) => {
      const [from, to] = call.args;
      if (from === undefined || to === undefined) return undefined;
      const body = /^(https?|ftp):\/\//i.test(from.text)
        ? call.it.fetch(call.node, { url: from })
        : call.it.read(call.node, from);
      call.it.write(call.node, to, body);
      return num(1);
    },
    ['copy'],
  ],
  [curlInit, ['curl_init']],
  [curlSetopt, ['curl_setopt']],
  [
    (call) => {
      const [handle, options] = call.args;
      if (handle?.obj?.t !== 'client' || options?.keys === undefined) return undefined;
      for (const [k, v] of options.keys) setOption(handle.obj.state, k.toUpperCase(), v);
      return num(1);
    },
    ['curl_setopt_array'],
  ],
  [curlExec, ['curl_exec']],
  [evaluate('php'), ['eval', 'assert', 'create_function']],
  [
    // `include "/tmp/a.php"` runs the file; `include $code` of fetched text (a data: or php:// stream) runs it.
    (call) => loadSource(call, 'php') ?? evaluate('php')(call),
    ['include', 'require', 'include_once', 'require_once'],
  ],
  [callUserFunc, ['call_user_func', 'call_user_func_array']],
  [decodeWith('base64'), ['base64_decode']],
  [decodeWith('rot13'), ['str_rot13']],
  [decodeWith('hex'), ['hex2bin']],
  [decodeWith('deflate'), ['gzinflate']],
  [decodeWith('zlib'), ['gzuncompress']],
  [decodeWith('gzip'), ['gzdecode']],
  [decodeWith('percent'), ['urldecode', 'rawurldecode']],
  [(call) => (call.args[0] === undefined ? undefined : call.it.reversed(call.args[0])), ['strrev']],
  [chars, ['chr']],
  [
    (call) => call.it.combine('join', call.args[1] ?? str(''), call.args[0] ?? str(''), call.node),
    ['implode', 'join'],
  ],
  [
    (call) => (call.args[0] === undefined ? undefined : call.it.format(call.args[0], call.args.slice(1))),
    ['sprintf'],
  ],
  [array, ['array']],
  [(call) => (call.args[0] === undefined ? undefined : call.it.env(call.args[0])), ['getenv']],
  [chmod, ['chmod']],
  [print, ['echo', 'print', 'printf']],
  [
    same,
    [
      'trim',
      'strtolower',
      'strval',
      'base64_encode',
      'json_encode',
      'json_decode',
      'http_build_query',
      'stream_context_create',
    ],
  ],
  [
    nothing,
    [
      'sleep',
      'fclose',
      'socket_close',
      'die',
      'exit',
      'set_time_limit',
      'error_reporting',
      'ignore_user_abort',
      'pcntl_fork',
      'posix_setsid',
    ],
  ],
]);

function variable(name: string): Term | undefined {
  if (name === '_ENV' || name === '_SERVER') return environment;
  if (name === 'argv') return { text: '$argv', exact: false, origins: [], obj: { t: 'args', offset: 1 } };
  return undefined;
}

export const php: Dialect = {
  language: 'php',
  parse: (code, context, limits) => parseScript('php', code, context, limits),
  canonical,
  library: (path) => LIBRARY.get(path),
  variable,
  global: (name) =>
    name.toUpperCase() === 'STDIN'
      ? { text: 'STDIN', exact: false, origins: [], obj: { t: 'stdio', fd: 0 } }
      : name.toUpperCase() === 'STDOUT'
        ? { text: 'STDOUT', exact: false, origins: [], obj: { t: 'stdio', fd: 1 } }
        : undefined,
  callsStrings: true,
};
