/**
 * reverse-shell — the container gives a network peer a shell.
 * Reads: each container's execution model (command/args, `sh -c` scripts, nested shells and
 * interpreters, hooks and exec probes, as the workload layer resolved them).
 * Looks for: a `stdio` action — a socket joined to the standard streams of a shell or an
 * interpreter, whatever wrote it (`bash -i >& /dev/tcp/…`, `exec 5<>/dev/tcp/…; sh <&5 >&5`,
 * `nc -e`, `socat exec:`, `mkfifo … | nc`, `os.dup2(s.fileno(), 0)`, `open(STDIN, ">&S")`,
 * `s.pipe(sh.stdin)`); a listening socket joined that way is a bind shell. And a command loop over
 * a socket: a flow whose content is read from a raw `tcp://`, `udp://` or `tls://` socket and runs
 * as code (`while read l <&5; do $l; done`).
 * Why: T1059.004 — an interactive shell for the attacker inside the cluster, over an outbound
 * connection that needs no inbound port.
 * Benign look-alikes: wait-for probes (`</dev/tcp/db/5432`, `nc -z db 5432`, a Python
 * `connect_ex` retry) open a socket and join no process to it; an HTTP request written to a
 * `/dev/tcp` descriptor and read back with `cat` prints the reply and runs nothing.
 */
import type { ConnectAction, ListenAction } from '../../workload/action.js';
import { actionsOf, containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const SOCKET_SCHEMES = /^(?:tcp|udp|tls|ssl):\/\//i;

function peer(socket: ConnectAction | ListenAction | undefined): string {
  if (socket === undefined) return 'a socket';
  if (socket.type === 'listen') return `a listening socket on port ${socket.port.text}`;
  return `${socket.protocol}://${socket.host.text}:${socket.port.text}`;
}

export const reverseShell: Rule = {
  id: 'reverse-shell',
  profile: 'default',
  weight: 10,
  technique: 'T1059.004',
  description: 'Container joins a network socket to a shell or interpreter (reverse or bind shell)',
  reason: 'reverse shell',
  guide: 'reverse-shell',
  doc: {
    reads:
      'each container’s execution model: sockets, the processes joined to them, flows from a socket to execution',
    why: 'an interactive shell for the attacker inside the cluster, over an outbound connection (T1059.004)',
    benign:
      'wait-for probes (`</dev/tcp/db/5432`, `nc -z`, `connect_ex` retries) join no process to the socket and do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      const sockets = new Map<number, ConnectAction | ListenAction>();
      for (const action of execution.actions) {
        if (action.type === 'connect' || action.type === 'listen') sockets.set(action.socket, action);
      }
      for (const action of actionsOf(execution, 'stdio')) {
        const socket = sockets.get(action.socket);
        const reason = socket?.type === 'listen' ? 'bind shell' : undefined;
        evidence.add(
          action.path,
          () => quote(`streams ${action.fds.join(',')} on ${peer(socket)}: ${action.detail}`, 100),
          reason,
        );
      }
      for (const flow of execution.flows) {
        if (flow.sink === 'exec' && flow.source.kind === 'network' && SOCKET_SCHEMES.test(flow.source.url)) {
          evidence.add(flow.path, () => describeFlow(flow), 'runs commands read from a socket');
        }
      }
    }
    return evidence.list();
  },
};
