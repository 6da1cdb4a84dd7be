/**
 * What to do when a rule fires: investigation and response steps per behaviour class, rendered
 * into docs/rules.md under every rule that names its class (`guide:` on the rule). Rules that
 * detect the same behaviour share one guide, so the advice stays the same wherever it applies and
 * a new rule adopts it with one line.
 *
 * Steps are Markdown. `<ns>`, `<name>`, `<sa>`, `<pod>`, `<node>`, `<user>` and `<rule>` stand for
 * the values in the finding, the deny message or the audit event (`<rule>` is filled in per rule);
 * docs/playbook.md says where each comes from. `LOG` is an API server audit log in JSON lines.
 * Every command here is read-only unless the step says it changes something, and uses only flags
 * the commands have (test/rules-doc.test.ts checks the jobguard ones against their --help).
 * Sources: kubectl reference (kubectl patch, cordon, drain, auth can-i, debug), Kubernetes
 * documentation on service-account tokens (bound tokens die with their ServiceAccount or Pod) and
 * on NetworkPolicy, MITRE ATT&CK mitigations of the techniques the rules cite.
 */

/**
 * The behaviour classes rules are grouped by. A rule names the one that describes what it detects.
 * @internal
 */
export const GUIDE_KEYS = [
  'reverse-shell',
  'download-exec',
  'miner',
  'container-escape',
  'host-access',
  'credential-theft',
  'cloud-metadata',
  'kube-api-abuse',
  'obfuscation',
  'network-scan',
  'image-hygiene',
  'schedule',
  'command-context',
  'analysis-incomplete',
  'kql-indicator',
] as const;

export type GuideKey = (typeof GUIDE_KEYS)[number];

export interface Guide {
  /** One line: what a finding of this class means for the cluster. */
  meaning: string;
  /** What to look at, most telling first: audit fields, cluster objects, commands. */
  investigate: readonly string[];
  /** What to do once it is confirmed, in order: contain, revoke, preserve, clean up. */
  respond: readonly string[];
}

// Steps several classes share. Kept as values, not prose references, so each rule's section reads whole.
const SUSPEND =
  'Stop new runs: `kubectl patch cronjob <name> -n <ns> -p \'{"spec":{"suspend":true}}\'` (a Job: `kubectl patch job <name> -n <ns> -p \'{"spec":{"suspend":true}}\'`, which stops its running pods too).';
const PRESERVE =
  'Preserve evidence before deleting anything: `kubectl get cronjob,job,pod -n <ns> -o yaml > evidence.yaml`, `kubectl logs <pod> -n <ns> --all-containers --timestamps > logs.txt` (add `--previous` for restarted containers), `kubectl get events -n <ns> -o yaml > events.yaml`, and the request\'s raw audit events (`jq -c \'select(.objectRef.namespace == "<ns>" and .objectRef.name == "<name>")\' LOG > audit-evidence.jsonl`).';
const DELETE_RUNS =
  "Remove the workload and what it started: `kubectl delete cronjob <name> -n <ns>` (its Jobs and their Pods go with it through owner references), or `kubectl delete job <name> -n <ns>`; check nothing is left: `kubectl get jobs,pods -n <ns>` (a CronJob's Jobs are named `<name>-<number>`).";
const REVOKE_SA =
  "Revoke the service account's credentials: bound tokens are invalidated when their Pod or ServiceAccount is deleted, so delete and recreate the ServiceAccount (`kubectl delete serviceaccount <sa> -n <ns>`), delete any legacy token Secrets (`kubectl get secrets -n <ns> --field-selector type=kubernetes.io/service-account-token`), and rotate every Secret it could read (`kubectl auth can-i --list --as=system:serviceaccount:<ns>:<sa> -n <ns>`).";
const WHO =
  'Who asked: the audit event\'s `user.username`, `user.groups`, `impersonatedUser`, `sourceIPs` and `userAgent` (`jq -c \'select(.objectRef.namespace == "<ns>" and .objectRef.name == "<name>") | {stageTimestamp, verb, user, impersonatedUser, sourceIPs, userAgent}\' LOG`); then everything else that identity did: `jq -c \'select(.user.username == "<user>") | [.stageTimestamp, .verb, .objectRef.resource, .objectRef.namespace, .objectRef.name, .sourceIPs[0]]\' LOG`.';
/** Every workload in an audit log the same rule fired on, with who sent it. */
const SAME_RULE =
  'Other workloads the same rule fired on: `jobguard audit --format json LOG… | jq -c \'.results[] | select(any(.findings[]; .rule == "<rule>")) | {namespace, name, score, user: .event.user, source: .event.sourceIP}\'`, and in the live cluster `jobguard report`.';
const CAN_I =
  "What the workload could reach: its service account (`kubectl get pod <pod> -n <ns> -o jsonpath='{.spec.serviceAccountName}'`) and that account's rights (`kubectl auth can-i --list --as=system:serviceaccount:<ns>:<sa> -n <ns>`, and without `-n` for cluster-wide rights).";
const NODE =
  'Where it ran: `kubectl get pods -n <ns> -o wide` (node and pod IP per run); what else runs on that node: `kubectl get pods -A --field-selector spec.nodeName=<node> -o wide`.';
const EGRESS =
  'Cut its network: a NetworkPolicy that denies egress from the namespace (`podSelector: {}`, `policyTypes: [Egress]`, no rules) stops running pods from calling out while you investigate; block the peer address or domain at the cluster edge too.';
const NODE_COMPROMISED =
  'Treat the node as compromised: `kubectl cordon <node>`, then `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`, snapshot its disk for forensics, and replace it rather than clean it; rotate the kubelet credentials and every Secret that pods on that node mounted.';

/** The response to a workload that calls out (a shell, a download, a miner): stop it, cut it off, keep the evidence, remove it, revoke. */
const CONTAIN_OUTBOUND = [SUSPEND, EGRESS, PRESERVE, DELETE_RUNS, REVOKE_SA];

/** `prefix: step`, the step's first letter lowered so the sentence reads on. */
function when(prefix: string, text: string): string {
  return `${prefix}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

export const GUIDES: Readonly<Record<GuideKey, Guide>> = {
  'reverse-shell': {
    meaning:
      'a shell is joined to a network connection: whoever listens at the peer types commands inside the cluster',
    investigate: [
      'The peer address and port are in the finding; look them up in your threat intelligence and in egress or flow logs for the pod IPs of every run.',
      NODE,
      'Whether a connection was made: pod logs (`kubectl logs <pod> -n <ns> --all-containers`), container exit codes (`kubectl get pods -n <ns> -o wide`), and DNS or firewall logs for the peer.',
      WHO,
      CAN_I,
    ],
    respond: [
      ...CONTAIN_OUTBOUND,
      when('If the pod was privileged or mounted host paths, also', NODE_COMPROMISED),
    ],
  },
  'download-exec': {
    meaning: 'code is fetched at run time and executed: the image says nothing about what really runs',
    investigate: [
      'The URL or host is in the finding. Fetch the payload only from an isolated analysis host (never from the cluster) and hash it; search for the host in proxy and DNS logs.',
      SAME_RULE,
      'Pod logs and exit codes of each run (`kubectl logs <pod> -n <ns> --all-containers --timestamps`).',
      WHO,
      CAN_I,
    ],
    respond: [...CONTAIN_OUTBOUND, 'Replace the job with one whose code is in an image pinned by digest.'],
  },
  miner: {
    meaning: "the cluster pays for someone else's cryptocurrency mining (resource hijacking)",
    investigate: [
      'The pool, wallet or miner binary is in the finding; search egress logs for the pool address and its usual ports (3333, 4444, 5555, 7777, 14444).',
      'CPU use of the runs (`kubectl top pods -n <ns>`) and of the nodes they ran on (`kubectl top nodes`).',
      NODE,
      WHO,
      SAME_RULE,
    ],
    respond: [
      ...CONTAIN_OUTBOUND,
      'Check cloud billing and autoscaler activity for the period; set ResourceQuota and LimitRange on the namespace.',
    ],
  },
  'container-escape': {
    meaning:
      'the pod is set up to leave its container: root on the node, and from there every pod and secret on it',
    investigate: [
      'Which field gives the access (privileged, a capability, a host root or runtime socket mount, a disk device) is in the finding path.',
      NODE,
      'What the node holds: its kubelet credentials, the Secrets and tokens of every pod scheduled there, and its cloud identity.',
      "Signs of use: runtime or node logs for containers started outside Kubernetes (`crictl ps -a` on the node), new files under `/etc`, `/root/.ssh`, systemd units, and the kubelet's PKI directory.",
      WHO,
    ],
    respond: [
      SUSPEND,
      PRESERVE,
      DELETE_RUNS,
      NODE_COMPROMISED,
      REVOKE_SA,
      'Enforce Pod Security Admission `baseline` (or `restricted`) on the namespace so the same spec is refused at the pod level too.',
    ],
  },
  'host-access': {
    meaning:
      'the pod shares part of the node (its processes, network, IPC or files): not an escape alone, a step toward one',
    investigate: [
      'Which namespace or host path is shared is in the finding; a sensitive path (`/etc`, `/proc`, `/var/lib/kubelet`) or hostPID together with privilege is an escape.',
      NODE,
      'What the containers did with it: pod logs, and whether the host path was written (hostPath mounts without `readOnly: true`).',
      WHO,
      "Whether the workload has a reason to: node agents and scanners do; a scheduled business job rarely does. Compare with the namespace's other workloads.",
    ],
    respond: [
      SUSPEND,
      PRESERVE,
      DELETE_RUNS,
      when('If the host path was writable or sensitive', NODE_COMPROMISED),
      'If it is legitimate, record why in a policy exemption with an expiry instead of lowering thresholds.',
    ],
  },
  'credential-theft': {
    meaning:
      'credentials (a service-account token, node or cloud credentials, password hashes) are read or sent somewhere they do not belong',
    investigate: [
      'Which credential and where it went are in the finding; for a token sent away, the destination host.',
      CAN_I,
      'What the credential was used for afterwards: audit events with `user.username` = `system:serviceaccount:<ns>:<sa>` from source IPs outside the cluster (in the SIEM, or `jq -r \'select(.user.username == "system:serviceaccount:<ns>:<sa>") | .sourceIPs[0]\' LOG | sort | uniq -c`).',
      WHO,
    ],
    respond: [
      SUSPEND,
      EGRESS,
      PRESERVE,
      REVOKE_SA,
      'Rotate what the credential reached: cloud keys of the node or workload identity, registry credentials, database passwords in Secrets of the namespace.',
      DELETE_RUNS,
    ],
  },
  'cloud-metadata': {
    meaning:
      "the pod calls the cloud instance-metadata service, where the node's or workload's cloud credentials are handed out",
    investigate: [
      'The metadata path is in the finding: a credentials or token path is theft, a region or instance-id lookup is usually benign.',
      "The cloud identity reachable from the node (instance profile, managed identity, service account) and what it is allowed to do; the cloud provider's audit log for that identity from unusual addresses.",
      NODE,
      WHO,
    ],
    respond: [
      SUSPEND,
      PRESERVE,
      "Rotate the node's or workload's cloud credentials and review the cloud audit log for their use.",
      'Block the metadata address (169.254.169.254) with a NetworkPolicy for workloads that do not need it, or require IMDSv2 with a hop limit of 1.',
      DELETE_RUNS,
    ],
  },
  'kube-api-abuse': {
    meaning:
      'the workload uses its API access to spread: new bindings, tokens, secrets, exec into pods, or node access',
    investigate: [
      CAN_I,
      'Everything the service account did: audit events with `user.username` = `system:serviceaccount:<ns>:<sa>` (verbs create, patch, delete; resources rolebindings, clusterrolebindings, secrets, serviceaccounts/token, pods/exec).',
      'Objects it created: `kubectl get rolebindings,clusterrolebindings -A -o wide` filtered by subject, and new workloads from the same identity (`jobguard audit --format json LOG… | jq -c \'.results[] | select(.event.user == "system:serviceaccount:<ns>:<sa>")\'`).',
      WHO,
    ],
    respond: [
      SUSPEND,
      PRESERVE,
      'Remove the bindings and objects it created, then the RoleBinding that gave it the rights it abused.',
      REVOKE_SA,
      DELETE_RUNS,
    ],
  },
  obfuscation: {
    meaning: 'the command hides what it runs (base64, hex, eval of decoded text): honest jobs rarely need to',
    investigate: [
      'Decode the payload in the finding offline (`base64 -d` into a file, never into a shell) and read what it does; then follow the guide of what it turns out to be.',
      SAME_RULE,
      WHO,
      CAN_I,
    ],
    respond: [SUSPEND, PRESERVE, DELETE_RUNS, REVOKE_SA],
  },
  'network-scan': {
    meaning: 'the workload maps the network from inside the cluster: the first step of lateral movement',
    investigate: [
      'The targets and ports are in the finding; flow logs show which answered.',
      'Services reachable from the namespace without a NetworkPolicy (`kubectl get networkpolicy -A`).',
      NODE,
      WHO,
    ],
    respond: [
      SUSPEND,
      EGRESS,
      PRESERVE,
      DELETE_RUNS,
      'Default-deny NetworkPolicies for the namespaces that were reachable.',
    ],
  },
  'image-hygiene': {
    meaning:
      'the image says little about what runs (a generic base image, a moving tag) or is an attack tool itself',
    investigate: [
      "The image that actually ran: `kubectl get pods -n <ns> -o jsonpath='{range .items[*]}{.status.containerStatuses[*].imageID}{\"\\n\"}{end}'` (the digest), and who pushed it in the registry's log.",
      'The command the image was given (the other findings of the same request say whether it did something suspicious).',
      WHO,
    ],
    respond: [
      'If the other findings show an attack, follow their guides.',
      'Otherwise ask the owner to build a purpose image and pin it by digest; restrict registries in the policy (`generic-image` and `offensive-tool-image` take image lists).',
      when('An offensive tool outside an authorised test', SUSPEND),
    ],
  },
  schedule: {
    meaning:
      'the schedule is what persistence looks like: a job that runs again every minute survives deletion of its pods',
    investigate: [
      'When it was created and last changed (`kubectl get cronjob <name> -n <ns> -o yaml`: `metadata.creationTimestamp`, `managedFields`, `status.lastScheduleTime`).',
      "How many Jobs it has run (`kubectl get jobs -n <ns>`: a CronJob's Jobs are named `<name>-<number>` and owned by it) and their logs (`kubectl logs job/<job> -n <ns>`).",
      WHO,
    ],
    respond: [when('Alone this is context, not an attack; with other findings', SUSPEND), PRESERVE],
  },
  'command-context': {
    meaning:
      'the command does something everyday jobs do and attacks need too (a shell script, a network client): context that adds to other findings, rarely a reason alone',
    investigate: [
      'The command is in the finding path; read it whole (`kubectl get cronjob <name> -n <ns> -o yaml`) and ask what it contacts and what it runs afterwards.',
      'The other findings of the same request: alone this rule stays below the warn threshold of the built-in policy, so a warning or a deny comes from them.',
      WHO,
    ],
    respond: [
      "Follow the guides of the request's other findings.",
      'If the job is legitimate and keeps warning, move the script into the image or a ConfigMap, or record an exemption with its reason rather than lowering the thresholds.',
    ],
  },
  'analysis-incomplete': {
    meaning:
      'jobguard could not read all of the workload (a command past a size or nesting limit, a construct it does not follow): it fails closed, so what it could not read counts as suspect',
    investigate: [
      'The finding names the part and the limit; read that part yourself (`kubectl get cronjob <name> -n <ns> -o yaml`). Very long, deeply nested or generated commands are what attackers use to hide a payload from scanners.',
      'Decode or pretty-print what is there offline, never in a shell; if it turns out to do something the other guides cover, follow them.',
      WHO,
    ],
    respond: [
      'If it hides an attack: suspend and handle it as the class it turned out to be.',
      when('Until you know', SUSPEND),
      'If it is legitimate: make it readable (move the script into the image or a ConfigMap); an exemption with its reason is the fallback, never raising the limits for everyone.',
    ],
  },
  'kql-indicator': {
    meaning:
      "the seed query's word match over the request body: a lead to check, not proof (`privileged: false` matches too)",
    investigate: [
      'Read the request body in the audit event (`requestObject`) for the word that matched; the finding names it.',
      'Score the same object with the structural profile, which reads values, not words: `jobguard scan --profile default FILE` (or `jobguard audit --profile default LOG…`).',
      WHO,
    ],
    respond: [
      "Follow the guide of the default profile's rules that fire on the same object; if none do, tune the kql terms in the policy (`rules.<id>.terms`).",
    ],
  },
};
