/**
 * Calls to the Kubernetes API made from inside a pod, read from a kubectl (or oc) command line or
 * from a raw HTTPS request to the API server or a kubelet, as `KubeAction`s.
 *
 * Sources: kubectl's reference (verbs, `-n`, `-A`, resource short names from `kubectl
 * api-resources`); the Kubernetes API's REST paths (`/api/v1/namespaces/NS/RESOURCE/NAME/SUB`,
 * `/apis/GROUP/VERSION/…`); the kubelet's read-only and authenticated endpoints (`/pods`,
 * `/run/NS/POD/CONTAINER`, `/exec/…`) on port 10250.
 */
import type { KubeAction, Value } from './action.js';
import type { ParsedUrl } from './address.js';
import { KUBECTL_VALUED, readOptions, optionValues, hasOption } from './programs.js';

type Base = Pick<KubeAction, 'path' | 'loop' | 'detail'>;

/** kubectl's short names and singular forms of the resources that matter here, to the plural resource. */
const RESOURCES: Readonly<Record<string, string>> = {
  po: 'pods',
  pod: 'pods',
  pods: 'pods',
  secret: 'secrets',
  secrets: 'secrets',
  cm: 'configmaps',
  configmap: 'configmaps',
  configmaps: 'configmaps',
  sa: 'serviceaccounts',
  serviceaccount: 'serviceaccounts',
  serviceaccounts: 'serviceaccounts',
  no: 'nodes',
  node: 'nodes',
  nodes: 'nodes',
  ns: 'namespaces',
  namespace: 'namespaces',
  namespaces: 'namespaces',
  deploy: 'deployments',
  deployment: 'deployments',
  deployments: 'deployments',
  ds: 'daemonsets',
  daemonset: 'daemonsets',
  daemonsets: 'daemonsets',
  sts: 'statefulsets',
  statefulset: 'statefulsets',
  statefulsets: 'statefulsets',
  job: 'jobs',
  jobs: 'jobs',
  cj: 'cronjobs',
  cronjob: 'cronjobs',
  cronjobs: 'cronjobs',
  clusterrolebinding: 'clusterrolebindings',
  clusterrolebindings: 'clusterrolebindings',
  rolebinding: 'rolebindings',
  rolebindings: 'rolebindings',
  clusterrole: 'clusterroles',
  clusterroles: 'clusterroles',
  role: 'roles',
  roles: 'roles',
  csr: 'certificatesigningrequests',
  certificatesigningrequest: 'certificatesigningrequests',
  certificatesigningrequests: 'certificatesigningrequests',
  validatingwebhookconfiguration: 'validatingwebhookconfigurations',
  validatingwebhookconfigurations: 'validatingwebhookconfigurations',
  mutatingwebhookconfiguration: 'mutatingwebhookconfigurations',
  mutatingwebhookconfigurations: 'mutatingwebhookconfigurations',
};

function resourceOf(word: string): string {
  const base = word.toLowerCase().split('.')[0] ?? '';
  return RESOURCES[base] ?? base;
}

/** What a manifest or an override asks for, read from its text (YAML or JSON). */
function grantsOf(text: string): string[] {
  const grants: string[] = [];
  if (/["']?privileged["']?\s*:\s*["']?true/i.test(text)) grants.push('privileged');
  if (/["']?hostPID["']?\s*:\s*["']?true/.test(text)) grants.push('hostPID');
  if (/["']?hostNetwork["']?\s*:\s*["']?true/.test(text)) grants.push('hostNetwork');
  if (/["']?hostIPC["']?\s*:\s*["']?true/.test(text)) grants.push('hostIPC');
  if (/hostPath["']?\s*:\s*\{?\s*["']?path["']?\s*:\s*["']?\/["']?\s*[,}\n]/.test(text))
    grants.push('hostPath /');
  else if (/hostPath/.test(text)) grants.push('hostPath');
  if (/cluster-admin/.test(text)) grants.push('cluster-admin');
  if (/system:masters/.test(text)) grants.push('system:masters');
  if (/\bkind["']?\s*:\s*["']?DaemonSet/.test(text)) grants.push('DaemonSet');
  return grants;
}

/** The call a kubectl/oc command line makes; undefined for commands that do not reach the API (`version --client`, `config`). */
export function kubeActionOfCommand(
  words: readonly string[],
  stdin: Value | undefined,
  base: Base,
): KubeAction | undefined {
  const parsed = readOptions(words.slice(1), KUBECTL_VALUED);
  const operands = parsed.operands.map((operand) => operand.text);
  const verb = operands[0];
  if (verb === undefined || verb === 'config' || verb === 'version' || verb === 'completion')
    return undefined;
  const namespace = optionValues(parsed, '-n', '--namespace')[0];
  const allNamespaces = hasOption(parsed, '-A', '--all-namespaces');
  let resource = '';
  let name: string | undefined;
  let kubeVerb = verb;
  const grants: string[] = [];
  const typed = (word: string | undefined): void => {
    if (word === undefined) return;
    const slash = word.indexOf('/');
    if (slash > 0) {
      resource = resourceOf(word.slice(0, slash));
      name = word.slice(slash + 1);
    } else {
      resource = word.split(',').map(resourceOf).join(',');
      name = operands[2];
    }
  };
  switch (verb) {
    case 'exec':
    case 'attach':
    case 'cp':
    case 'port-forward':
    case 'logs':
      resource = `pods/${verb === 'cp' ? 'exec' : verb === 'logs' ? 'log' : verb}`;
      name = operands[1];
      break;
    case 'debug': {
      const target = operands[1] ?? '';
      resource = target.startsWith('node') ? 'nodes' : 'pods';
      name = target.includes('/') ? target.slice(target.indexOf('/') + 1) : target;
      if (resource === 'nodes') grants.push('privileged', 'hostPID', 'hostNetwork', 'hostPath /');
      const profile = optionValues(parsed, '--profile')[0];
      if (profile === 'sysadmin') grants.push('privileged');
      break;
    }
    case 'proxy':
      resource = 'proxy';
      break;
    case 'run':
      resource = 'pods';
      name = operands[1];
      if (hasOption(parsed, '--privileged')) grants.push('privileged');
      for (const override of optionValues(parsed, '--overrides')) grants.push(...grantsOf(override));
      break;
    case 'create': {
      const what = operands[1] ?? '';
      if (what === 'token') {
        resource = 'serviceaccounts/token';
        name = operands[2];
      } else if (what === 'clusterrolebinding' || what === 'rolebinding') {
        resource = resourceOf(what);
        name = operands[2];
        for (const role of optionValues(parsed, '--clusterrole', '--role')) grants.push(role);
      } else if (hasOption(parsed, '-f', '--filename')) {
        resource = 'manifest';
        if (stdin !== undefined) grants.push(...grantsOf(stdin.text));
      } else {
        typed(what);
      }
      break;
    }
    case 'apply':
    case 'replace':
      resource = 'manifest';
      if (stdin !== undefined) grants.push(...grantsOf(stdin.text));
      for (const file of optionValues(parsed, '-f', '--filename'))
        if (/^https?:/.test(file)) grants.push(`from ${file}`);
      break;
    case 'certificate':
      kubeVerb = operands[1] ?? 'certificate';
      resource = 'certificatesigningrequests/approval';
      name = operands[2];
      break;
    case 'auth':
      kubeVerb = `auth ${operands[1] ?? ''}`.trim();
      resource = operands[2] ?? '';
      break;
    case 'rollout':
      kubeVerb = `rollout ${operands[1] ?? ''}`.trim();
      typed(operands[2]);
      break;
    case 'patch':
    case 'set':
      typed(operands[1]);
      for (const patch of optionValues(parsed, '-p', '--patch')) grants.push(...grantsOf(patch));
      break;
    default:
      typed(operands[1]);
  }
  const action: KubeAction = {
    type: 'kube',
    ...base,
    verb: kubeVerb,
    resource,
    allNamespaces,
    grants: [...new Set(grants)],
    kubelet: false,
  };
  return {
    ...action,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
  };
}

const API_PATH =
  /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/?]+))?(?:\/([^/?]+))?(?:\/([^/?]+))?(?:\/([^/?]+))?/;

/** The call an HTTP request to the API server or a kubelet makes. */
export function kubeActionOfUrl(
  url: ParsedUrl,
  method: string | undefined,
  body: Value | undefined,
  kubelet: boolean,
  base: Base,
): KubeAction | undefined {
  const httpMethod = (method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  if (kubelet) {
    const segments = url.path.split(/[/?]/).filter((s) => s !== '');
    const first = segments[0] ?? '';
    const verb = first === 'run' || first === 'exec' || first === 'attach' ? 'exec' : 'get';
    const resource =
      verb === 'exec' ? 'pods/exec' : first === 'pods' || first === 'runningpods' ? 'pods' : first;
    return {
      type: 'kube',
      ...base,
      verb,
      resource,
      allNamespaces: resource === 'pods',
      grants: [],
      kubelet: true,
      ...(segments[1] === undefined ? {} : { namespace: segments[1] }),
    };
  }
  const match = API_PATH.exec(url.path);
  if (match === null) return undefined;
  const namespaced = match[1] !== undefined;
  const namespace = match[1];
  const resource = match[2] ?? '';
  const name = match[3];
  const sub = match[4];
  // A namespaced request names `namespaces/NS/RESOURCE`; without it, `namespaces` itself may be the resource.
  const verbs: Record<string, string> = {
    GET: name === undefined ? 'list' : 'get',
    POST: sub === undefined ? 'create' : sub,
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  };
  return {
    type: 'kube',
    ...base,
    verb: (Object.hasOwn(verbs, httpMethod) ? verbs[httpMethod] : undefined) ?? httpMethod.toLowerCase(),
    resource: sub === undefined ? resource : `${resource}/${sub}`,
    allNamespaces: !namespaced && ['pods', 'secrets', 'configmaps', 'serviceaccounts'].includes(resource),
    grants: body === undefined ? [] : grantsOf(body.text),
    kubelet: false,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
  };
}
