/**
 * container-runtime-socket — a hostPath volume reaches the container runtime: the docker,
 * containerd, CRI-O, cri-dockerd or podman socket, or the runtime's state directory
 * (`/var/lib/docker`, `/var/lib/containerd`).
 * Reads: `spec.volumes[*].hostPath.path` of every pod template (`/var/run/x` and `/run/x` compare
 * equal; `/var/run` is a symlink to `/run`).
 * Why: whoever talks to the runtime starts a privileged container with the node's `/` mounted, or
 * execs into any container on the node: an escape without pod-level privilege (T1611; also T1610).
 * A directory that holds a socket (`/var/run`, `/run`, `/run/containerd`, `/var`) exposes it just the
 * same, so it is graded here too. `readOnly: true` does not help: connecting to a Unix socket is not
 * a write to the filesystem, and a read-only bind mount does not stop it.
 * Benign look-alikes: image pruners and CI builders that talk to the node's docker or containerd;
 * weight 7 makes them warn (a stock image or a runtime command on top denies), and an exemption
 * names the tool.
 */
import { z } from 'zod';
import {
  DEFAULT_RUNTIME_SOCKETS,
  describeExposure,
  hostPathExposures,
  isHostRoot,
  matchHostPath,
} from '../host-paths.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export interface RuntimeSocketParams {
  /** Sockets and runtime directories; a hostPath inside one or holding one matches. */
  sockets: string[];
}

export const containerRuntimeSocket: Rule<RuntimeSocketParams> = {
  id: 'container-runtime-socket',
  profile: 'default',
  weight: 7,
  technique: 'T1611',
  description: 'hostPath volume reaches a container runtime socket (docker, containerd, CRI-O)',
  reason: 'container runtime socket mounted',
  guide: 'container-escape',
  hint: 'do not mount the container runtime socket',
  doc: {
    reads: 'spec.volumes[*].hostPath.path; a directory holding a socket counts as the socket',
    why: 'the runtime API starts privileged containers on the node or execs into any container',
    benign: 'image pruners and CI builders using the node runtime; exempt them by image',
  },
  params: {
    schema: z.object({ sockets: z.array(z.string().min(1)) }).strict(),
    defaults: { sockets: [...DEFAULT_RUNTIME_SOCKETS] },
  },
  check(workload, params): Evidence[] {
    const evidence: Evidence[] = [];
    for (const template of workload.templates) {
      for (const exposure of hostPathExposures(template)) {
        if (isHostRoot(exposure.volume.path)) continue;
        const match = matchHostPath(exposure.volume.path, params.sockets);
        if (match)
          evidence.push({ path: exposure.jsonPath, detail: quote(describeExposure(exposure, match)) });
      }
    }
    return evidence;
  },
};
