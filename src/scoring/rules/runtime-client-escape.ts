/**
 * runtime-client-escape — a container-runtime client in the pod starts a privileged or
 * host-mounting container on the node.
 * Reads: each container's execution model (every program run, after launchers and shells); the
 * container's literal env (`DOCKER_HOST`, `CONTAINER_HOST`,
 * `CONTAINERD_ADDRESS`, `CONTAINER_RUNTIME_ENDPOINT`) and the pod's hostPath volumes.
 * Looks for: `docker`, `podman`, `nerdctl` `run`/`create` (also `container run`) with
 * `--privileged`, a host namespace (`--pid=host`, `--net=host`, `--network host`, `--ipc=host`,
 * `--uts=host`, `--userns=host`), a bind of the node's root, runtime socket or a sensitive
 * directory (`-v /:/host`, `--volume /etc:/x`, `--mount type=bind,source=/`), powerful capabilities
 * (`--cap-add SYS_ADMIN|ALL|SYS_PTRACE|SYS_MODULE|BPF`), `--security-opt …=unconfined`, a host
 * device; `ctr run`/`ctr c create` with `--privileged`, `--net-host`, `--with-ns …:/proc/1/ns/…` or
 * `--mount type=bind,src=/…`; `crictl runp`/`create`/`run` (a pod or container the kubelet did not
 * ask for, from a config the manifest does not show). The client must reach a node runtime: a
 * runtime socket is mounted from the node (hostPath), or the client names an endpoint (`-H
 * unix://…`, `--address /run/containerd/containerd.sock`, `--runtime-endpoint`, `DOCKER_HOST=unix://…`):
 * a Unix socket is on the node only if it was mounted from it, but a client that names one is
 * addressing a runtime. TCP endpoints (`tcp://docker:2375`) are remote daemons and do not count on
 * their own.
 *  * Why: T1611 — escape to host: the runtime socket turns an unprivileged pod into a privileged
 * container with the node's `/` mounted, outside every admission check.
 * Benign look-alikes: image pruners and CI builders on the socket (`crictl rmi --prune`, `docker
 * image prune`, `docker build`, `docker run --rm alpine make`) do not fire: no privileged or
 * host-mounting run. Docker-in-docker services (`DOCKER_HOST=tcp://docker:2375`, `--host tcp://…`)
 * run containers inside the dind daemon, not on the node: they do not fire. The node's Docker API
 * exposed on TCP is missed for the same reason.
 */
import { containerExecutions, describeInvocation, EvidenceByPath } from '../behaviour.js';
import { runOptionValues, runtimeRun, type RuntimeRun } from '../runtime.js';
import { DEFAULT_RUNTIME_SOCKETS, gradeHostPath, hostPathExposures, matchHostPath } from '../host-paths.js';
import type { ContainerView, PodTemplateView } from '../../workload/types.js';
import type { Rule } from '../types.js';

const ENDPOINT_ENV = new Set([
  'DOCKER_HOST',
  'CONTAINER_HOST',
  'CONTAINERD_ADDRESS',
  'CONTAINER_RUNTIME_ENDPOINT',
]);
const HOST_NAMESPACE_OPTIONS = ['--pid', '--net', '--network', '--ipc', '--uts', '--userns', '--cgroupns'];
const POWERFUL_CAPABILITIES =
  /^(?:CAP_)?(?:ALL|SYS_ADMIN|SYS_PTRACE|SYS_MODULE|SYS_RAWIO|DAC_READ_SEARCH|BPF)$/i;
/** An endpoint on the node's own file system: a Unix socket or a Windows named pipe (TCP daemons may be anywhere). */
const NODE_ENDPOINT = /^(?:unix:\/\/|npipe:\/\/|\/)/i;

/** Why a `docker|podman|nerdctl|ctr run` gives the new container the node, if it does. */
function escapeOf(run: RuntimeRun): string | undefined {
  if (run.client === 'crictl') return `crictl ${run.subcommand}`;
  if (runOptionValues(run, '--privileged', '--privileged-without-host-devices').some((v) => v !== 'false'))
    return 'privileged';
  if (runOptionValues(run, '--net-host').some((v) => v !== 'false')) return 'host network';
  for (const value of runOptionValues(run, ...HOST_NAMESPACE_OPTIONS)) {
    if (value === 'host') return 'host namespace';
  }
  for (const value of runOptionValues(run, '--with-ns')) {
    if (/:\/proc\/(?:1|self\/\.\.\/1)\/ns\//.test(value)) return 'host namespace';
  }
  for (const value of runOptionValues(run, '--volume', '--mount', '-v')) {
    const source = bindSource(value);
    if (source !== undefined && gradeHostPath(source, true) !== 'plain') return `binds ${source}`;
  }
  for (const value of runOptionValues(run, '--cap-add')) {
    if (value.split(',').some((cap) => POWERFUL_CAPABILITIES.test(cap.trim()))) return `cap-add ${value}`;
  }
  for (const value of runOptionValues(run, '--security-opt')) {
    if (/unconfined/i.test(value)) return 'unconfined';
  }
  if (
    runOptionValues(run, '--device').some((value) =>
      /^\/dev\/(?:sd|nvme|xvd|vd|dm-|mapper|mem|kmsg)/.test(value),
    )
  )
    return 'host device';
  return undefined;
}

/** The host side of `-v SRC:DST[:opts]` or `--mount type=bind,source=SRC,…` (named volumes have no leading `/`). */
function bindSource(value: string): string | undefined {
  if (value.includes('=')) {
    const fields = new Map(
      value.split(',').map((field) => {
        const eq = field.indexOf('=');
        return eq < 0 ? [field, ''] : [field.slice(0, eq), field.slice(eq + 1)];
      }),
    );
    const type = fields.get('type');
    if (type !== undefined && type !== 'bind' && type !== 'rbind') return undefined;
    return fields.get('source') ?? fields.get('src');
  }
  const source = value.split(':', 1)[0] ?? '';
  return source.startsWith('/') ? source : undefined;
}

/** The container can reach a node runtime: a runtime socket from the node is mounted in the pod. */
function mountsRuntime(template: PodTemplateView): boolean {
  return hostPathExposures(template).some(
    (exposure) =>
      exposure.mounted && matchHostPath(exposure.volume.path, DEFAULT_RUNTIME_SOCKETS) !== undefined,
  );
}

function envEndpoint(container: ContainerView): string | undefined {
  return container.env.find((v) => ENDPOINT_ENV.has(v.name) && v.value !== undefined && v.value !== '')
    ?.value;
}

function reachesNode(run: RuntimeRun, container: ContainerView, template: PodTemplateView): boolean {
  const endpoint = run.endpoint ?? envEndpoint(container);
  if (endpoint !== undefined && NODE_ENDPOINT.test(endpoint)) return true;
  return mountsRuntime(template);
}

export const runtimeClientEscape: Rule = {
  id: 'runtime-client-escape',
  profile: 'default',
  weight: 9,
  technique: 'T1611',
  description:
    'A runtime client (docker, ctr, crictl, nerdctl, podman) starts a privileged or host-mounting container',
  reason: 'privileged container started through the runtime',
  guide: 'container-escape',
  doc: {
    reads:
      'each container’s execution model (programs run), runtime endpoints in env, hostPath runtime sockets',
    why: 'escape to host (T1611): the runtime socket starts a container with the node’s / outside admission',
    benign:
      'pruning, builds and plain runs over the socket do not fire; docker-in-docker sidecars do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { container, template, execution } of containerExecutions(workload)) {
      for (const invocation of execution.invocations) {
        const run = runtimeRun(invocation.program, invocation.words);
        if (run === undefined) continue;
        const why = escapeOf(run);
        if (why === undefined || !reachesNode(run, container, template)) continue;
        evidence.add(invocation.path, () => `${why}: ${describeInvocation(invocation, 50)}`);
      }
    }
    return evidence.list();
  },
};
