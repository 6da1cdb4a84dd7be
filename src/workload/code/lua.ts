/**
 * Lua (`lua -e`): `os.execute`/`io.popen`, LuaSocket (`socket.tcp()`, `socket.connect`,
 * `s:receive()`/`s:send()`), `socket.http.request`, `load`/`loadstring`/`dofile`, `string.char`,
 * `string.reverse`, `io.open`, `os.getenv`.
 */
import type { Dialect, Handler } from './interpreter.js';
import { chars, evaluate, fetch, getenv, nothing, open, print, run, same, table } from './library.js';
import { parseScript } from './script.js';
import { api, unknown, type Term } from './term.js';

function canonical(path: string): string {
  return path.replace(/^_G\./, '').replace(/^socket\.core\./, 'socket.');
}

const requireModule: Handler = (call) => {
  const name = call.args[0];
  if (name === undefined) return undefined;
  call.it.signName(name, 'module name');
  return api(canonical(name.text));
};

/** `load(code)` returns a function; calling it runs the code, so the load itself is the evaluation. */
const load: Handler = (call) => {
  const code = call.args[0];
  if (code === undefined) return undefined;
  const result = call.it.evaluate(call.node, code, 'lua');
  return { ...result, api: 'lua.loaded' };
};

const LIBRARY = table([
  [run, ['os.execute', 'io.popen']],
  [requireModule, ['require']],
  [(call) => call.it.socket(call.node), ['socket.tcp', 'socket.tcp4', 'socket.tcp6']],
  [(call) => call.it.socket(call.node, 'udp'), ['socket.udp']],
  [
    (call) => call.it.connect(call.node, call.args[0] ?? unknown(''), call.args[1] ?? unknown('')),
    ['socket.connect'],
  ],
  [(call) => call.it.listen(call.node, call.args[1]), ['socket.bind']],
  [fetch(), ['socket.http.request', 'ssl.https.request', 'http.request']],
  [load, ['load', 'loadstring', 'dostring']],
  [evaluate('lua'), ['dofile', 'loadfile']],
  [chars, ['string.char', 'utf8.char']],
  [(call) => (call.args[0] === undefined ? undefined : call.it.reversed(call.args[0])), ['string.reverse']],
  [
    (call) => (call.args[0] === undefined ? undefined : call.it.format(call.args[0], call.args.slice(1))),
    ['string.format'],
  ],
  [
    (call) =>
      call.it.combine(
        'join',
        call.args[0] ?? unknown(''),
        call.args[1] ?? { text: '', exact: true, origins: [] },
        call.node,
      ),
    ['table.concat'],
  ],
  [open, ['io.open']],
  [getenv, ['os.getenv']],
  [print, ['print', 'io.write']],
  [(call) => call.it.stdin(call.node), ['io.read']],
  [same, ['tostring', 'tonumber', 'assert']],
  [nothing, ['os.exit', 'socket.sleep', 'os.time', 'pairs', 'ipairs']],
  [() => undefined, ['lua.loaded']],
]);

const METHODS: Readonly<Record<string, Handler>> = {
  reverse: (call) => (call.self === undefined ? undefined : call.it.reversed(call.self)),
  settimeout: nothing,
};

export const lua: Dialect = {
  language: 'lua',
  parse: (code, context, limits) => parseScript('lua', code, context, limits),
  canonical,
  library: (path) => LIBRARY.get(path),
  method: (name) => (Object.hasOwn(METHODS, name) ? METHODS[name] : undefined),
  global: (name): Term | undefined =>
    name === 'true'
      ? { text: 'true', exact: true, origins: [], num: 1 }
      : name === 'nil'
        ? { text: '', exact: true, origins: [] }
        : undefined,
};
