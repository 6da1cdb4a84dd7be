/**
 * awk and gawk programs: `system(cmd)`, `cmd | getline`, `print … | cmd`, gawk's network special
 * files (`/inet/tcp/0/host/port`) driven through the coprocess operator `|&`, and `ENVIRON`.
 * A command read from a socket, run, and its output printed back to the socket is a shell joined
 * to that socket.
 */
import type { Dialect, Handler, Interpreter } from './interpreter.js';
import { environment, print, run, table } from './library.js';
import { parseScript } from './script.js';
import { api, derive, num, unknown, type Term } from './term.js';
import type { Node } from './tree.js';

/** gawk's `/inet/tcp/lport/host/rport` special file: a socket, one per path. */
function inetSocket(it: Interpreter, path: Term, node: Node): number | undefined {
  const match = /^\/inet[46]?\/(tcp|udp)\/(\d+)\/([^/]+)\/(\d+)$/.exec(path.text);
  if (match === null) return undefined;
  const key = `\0inet${path.text}`;
  const known = it.lookup(key);
  if (known?.obj?.t === 'socket') return known.obj.id;
  const [, protocol = 'tcp', local = '0', host = '0', port = '0'] = match;
  const socket =
    host === '0' && port === '0'
      ? it.listen(node, derive(local, path.exact, [path]))
      : it.connect(
          node,
          derive(host, path.exact, [path]),
          derive(port, path.exact, [path]),
          protocol === 'udp' ? 'udp' : 'tcp',
        );
  it.global.vars.set(key, socket);
  return socket.obj?.t === 'socket' ? socket.obj.id : undefined;
}

/** `getline [var]`: a marker the pipe operators read, naming the variable to fill. */
const getline: Handler = (call) => {
  const target = call.argNodes[0];
  const name =
    target?.k === 'var' || target?.k === 'name' ? (target.k === 'var' ? target.name : target.name) : '0';
  return { ...api('getline'), text: name };
};

function fill(it: Interpreter, marker: Term, data: Term): Term {
  // A bare `getline` (not called with a variable) fills `$0`.
  it.bind(marker.text === 'getline' ? '0' : marker.text, data);
  return num(1);
}

/** `a | b` and `a |& b`: reading from a command or socket, or printing to one. */
function pipe(op: string, left: Term, right: Term, it: Interpreter, node: Node): Term | undefined {
  if (op !== 'command-pipe' && op !== 'coprocess') return undefined;
  if (right.api === 'getline') {
    const socket = inetSocket(it, left, node);
    if (socket !== undefined) return fill(it, right, it.socketData(socket, node));
    const proc = it.run(node, { shell: left });
    const output: Term = { ...derive(left.text, false, [left]), output: proc.output, origins: [] };
    return fill(it, right, proc.driven === undefined ? output : { ...output, driven: proc.driven });
  }
  const socket = inetSocket(it, right, node);
  if (socket !== undefined) {
    it.send(socket, left, node);
    return num(1);
  }
  it.run(node, { shell: right, stdin: left });
  return num(1);
}

/** A field of the input line: what stdin carries (its origins), the text not known. */
function fieldOf(it: Interpreter, text: string): Term {
  // Only input the model knows (a pipe from a download): awk reading its files is not stdin.
  const input = it.context.stdin;
  return input === undefined || input.origins.length === 0 ? unknown(text) : derive(text, false, [input]);
}

const LIBRARY = table([
  [run, ['system']],
  [getline, ['getline']],
  [
    (call) => {
      print(call);
      // What a `print` sends through a pipe: its arguments, with their marks.
      return call.args.length === 1
        ? call.args[0]
        : derive(call.args.map((a) => a.text).join(' '), false, call.args);
    },
    ['print', 'printf'],
  ],
  [() => num(0), ['close', 'fflush']],
]);

export const awk: Dialect = {
  language: 'awk',
  parse: (code, context, limits) => parseScript('awk', code, context, limits),
  canonical: (path) => path,
  library: (path) => LIBRARY.get(path),
  global: (name) => (name === 'ENVIRON' ? environment : undefined),
  // `$0`, `$1`…`$NF` before any `getline`: the current input line, from the program's stdin.
  variable: (name, _sigil, it) => {
    if (name === '0') return it.lookup('0') ?? fieldOf(it, '$0');
    return /^(?:[1-9]\d*|NF)$/.test(name) ? fieldOf(it, `$${name}`) : undefined;
  },
  binary: pipe,
};
