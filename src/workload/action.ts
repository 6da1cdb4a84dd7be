/**
 * The execution model's vocabulary: what a container does, whatever language or spelling it was
 * written in. Front ends translate text into actions (the shell model for `command`/`args`, hooks
 * and probes; one code analyser per interpreter language for `python -c`, `perl -e`, heredocs fed
 * to an interpreter, …); the flow analysis and the rules read actions and never the text.
 *
 * A value carries what is known of its text and where its content came from (its origins), so a
 * rule asks "does code fetched from the network reach an execution" or "does a credential reach a
 * host other than its audience" once, for every spelling that produces those actions.
 */

/** Languages whose inline code an analyser reads; `shell` is the shell model's own. */
export type Language = 'shell' | 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'lua' | 'awk' | 'powershell';

/** Kinds of credential the model recognises at their source. */
export type CredentialKind =
  /** The pod's Kubernetes service-account token (or a projected token volume's file). */
  | 'service-account-token'
  /** A cloud workload-identity token: GCP/Azure metadata tokens, IRSA/Azure federated token files. */
  | 'cloud-identity-token'
  /** Cloud instance or role credentials: IMDS security-credentials, ECS/EKS Pod Identity credentials. */
  | 'cloud-credentials'
  /** Node credentials: kubelet PKI, /etc/kubernetes/*.conf, a kubeconfig of the node. */
  | 'node-credentials'
  /** Password hashes and private keys: /etc/shadow, ~/.ssh/id_*. */
  | 'host-secrets'
  /** A value from a Kubernetes Secret (env `valueFrom.secretKeyRef`, a secret volume's file). */
  | 'secret';

export type Provider =
  'kubernetes' | 'aws' | 'gcp' | 'azure' | 'alibaba' | 'oracle' | 'digitalocean' | 'openstack' | 'vault';

/** Where a value's content came from. */
export type Origin =
  /** Content fetched from a URL or read from a socket (`url` as written: `http://h/p`, `tcp://h:p`). */
  | {
      readonly kind: 'network';
      readonly url: string;
      /** Fetched with certificate checks off (`curl -k`, `verify=False`): anyone on the path could have answered. */
      readonly insecure?: true;
    }
  /** Content of a credential; `source` is the path, URL or command that produced it. */
  | {
      readonly kind: 'credential';
      readonly credential: CredentialKind;
      readonly provider?: Provider;
      readonly source: string;
    }
  /** Text produced by a decoder at run time (base64, hex, base32, rot13, reversal, gzip…): hidden from a reader. */
  | { readonly kind: 'decoded'; readonly encoding: string }
  /** Whatever a process reads from its standard input when the model does not know what that is. */
  | { readonly kind: 'stdin' }
  /** The value of an environment variable the model cannot see (`valueFrom`, the image's own env). */
  | { readonly kind: 'env'; readonly name: string }
  /**
   * A value that changes from one pass of a loop to the next (a `for` variable over a sequence, a
   * brace range too long to unroll): a host or port with it is many hosts or ports.
   */
  | { readonly kind: 'loop'; readonly variable: string };

/** What the model knows of a string at run time. */
export interface Value {
  /**
   * The text as far as it is known. Parts the model cannot compute are kept as written (`$TOKEN`,
   * `$(date)`, `os.environ['X']` as `${X}`), so a URL or a path stays readable and matchable.
   */
  readonly text: string;
  /** Whether `text` is exactly the run-time value. */
  readonly exact: boolean;
  /** Where the content came from; empty for text written in the manifest. */
  readonly origins: readonly Origin[];
  /** Binary content known exactly (a decoded payload that is not text); `text` is then its Latin-1 reading. */
  readonly bytes?: Uint8Array;
}

/** Fields every action has. */
interface ActionBase {
  /** JSON path of the manifest field the action was read from (`…containers[0].args[1]`). */
  readonly path: string;
  /** Inside a loop (`while`, `for`, a language's loop or a recursive retry): the action repeats. */
  readonly loop: boolean;
  /** Short source text for a finding's detail (redacted and cut by the engine). */
  readonly detail: string;
}

/** A request to a URL (HTTP, FTP, TFTP…); its response is a value with a `network` origin. */
export interface FetchAction extends ActionBase {
  readonly type: 'fetch';
  readonly url: Value;
  /** `GET`, `POST`, `PUT`… when known. */
  readonly method?: string;
  /** Header values sent (`Authorization: Bearer $TOKEN`). */
  readonly headers: readonly Value[];
  /** Request body or uploaded content. */
  readonly body?: Value;
  /** Certificate checks disabled (`curl -k`, `verify=False`). */
  readonly insecure?: boolean;
}

/** A raw socket to a peer: `nc H P`, `/dev/tcp/H/P`, `socket.connect((H, P))`, `net.connect(P, H)`. */
export interface ConnectAction extends ActionBase {
  readonly type: 'connect';
  /** Local id of this socket, referenced by `stdio` actions and by `network` origins read from it. */
  readonly socket: number;
  readonly host: Value;
  readonly port: Value;
  readonly protocol: 'tcp' | 'udp' | 'tls' | 'unix';
  /** Data written to the socket. */
  readonly sends: readonly Value[];
}

/** A listening socket (bind shell, `nc -l`, `socket.bind` + `listen`). */
export interface ListenAction extends ActionBase {
  readonly type: 'listen';
  readonly socket: number;
  readonly port: Value;
}

/**
 * A socket joined to a process's standard streams: `os.dup2(s.fileno(), 0)`, `open(STDIN, ">&S")`,
 * `subprocess.Popen(…, stdin=s)`, `s.pipe(sh.stdin)`, `nc -e`, `socat exec:`. `process` is the
 * `run` action whose streams are joined, when the code says which; otherwise the code's own
 * process (and every process it starts afterwards) has the socket as its streams.
 */
export interface StdioAction extends ActionBase {
  readonly type: 'stdio';
  readonly socket: number;
  /** Which of 0, 1, 2 are joined (all three for a pty or `-e`). */
  readonly fds: readonly number[];
  /** Index, in the same action list, of the `run` action whose streams these are. */
  readonly process?: number;
}

/** A process started: an argv (`subprocess.run([...])`) or a shell command string (`os.system(s)`). */
export interface RunAction extends ActionBase {
  readonly type: 'run';
  /** The argv, when the code gives one (`execve`, `spawn`, `subprocess` with a list). */
  readonly argv?: readonly Value[];
  /** A command string run by `sh -c` (`os.system`, `shell=True`, backticks, `system()`). */
  readonly shell?: Value;
  /** What the process reads on stdin, when the code gives it (`input=…`, a pipe from a fetched body). */
  readonly stdin?: Value;
}

/** Code evaluated in-process: `exec`, `eval`, `Function`, `compile`, `require` of a fetched file, `Invoke-Expression`. */
interface EvalAction extends ActionBase {
  readonly type: 'eval';
  readonly language: Language;
  readonly code: Value;
}

/**
 * A file read (`open(p).read()`, `cat p`); a read of a credential source gives a `credential` origin.
 * @internal
 */
export interface ReadAction extends ActionBase {
  readonly type: 'read';
  readonly file: Value;
  /** The node's own path behind it, when the file is on a hostPath mount (or under `chroot` into one). */
  readonly node?: string;
}

/** A file written (`open(p, 'w').write(d)`, `> p`, `curl -o p`); `mode` when it is made executable. */
export interface WriteAction extends ActionBase {
  readonly type: 'write';
  readonly file: Value;
  /** The node's own path behind it, when the file is on a hostPath mount (or under `chroot` into one). */
  readonly node?: string;
  readonly content: Value;
  readonly executable?: boolean;
}

/**
 * A call to the Kubernetes API from inside the pod: kubectl, or raw HTTPS to the API server or a
 * kubelet. The model derives it from the command or the fetched URL; front ends need not.
 */
export interface KubeAction extends ActionBase {
  readonly type: 'kube';
  /** `get`, `list`, `create`, `delete`, `patch`, `exec`, `debug`, `proxy`… (kubectl's word, or the HTTP verb's). */
  readonly verb: string;
  /** Plural resource, with a subresource after `/`: `secrets`, `pods/exec`, `serviceaccounts/token`, `nodes/proxy`. */
  readonly resource: string;
  readonly namespace?: string;
  readonly allNamespaces: boolean;
  readonly name?: string;
  /** What a created or patched object asks for, when known: `privileged`, `hostPID`, `hostPath /`, `cluster-admin`. */
  readonly grants: readonly string[];
  /** The kubelet's API (`:10250`) rather than the API server's. */
  readonly kubelet: boolean;
}

export type Action =
  | KubeAction
  | FetchAction
  | ConnectAction
  | ListenAction
  | StdioAction
  | RunAction
  | EvalAction
  | ReadAction
  | WriteAction;

/** What a front end gives the model for one piece of code. */
export interface CodeAnalysis {
  /** In program order, as far as the analyser can tell. */
  readonly actions: Action[];
  /**
   * Analysis cut short (a size, depth or work limit reached) or code the analyser could not read:
   * the model turns these into a fail-closed finding. Each names the limit (`nesting over 64`).
   */
  readonly limits: string[];
  /** Signs of hiding what the code does: names computed at run time, `chr()` chains, decoded literals. */
  readonly obfuscation: string[];
}

/** What an analyser knows of the code's surroundings. */
export interface CodeContext {
  /** JSON path of the field holding the code. */
  readonly path: string;
  /** Environment the code sees (`os.environ`, `$ENV{X}`, `process.env.X`, `ENV['X']`). */
  readonly env: ReadonlyMap<string, Value>;
  /** The code's own arguments (`sys.argv[1:]`, `@ARGV`, `process.argv.slice(2)`). */
  readonly args: readonly Value[];
  /** What the code's standard input carries, when known. */
  readonly stdin?: Value;
  /**
   * Content of a file the pod wrote before the code runs (a download, a decoded payload), by the
   * path the code names; `undefined` for a file the model knows nothing of.
   */
  readonly file?: (path: string) => Value | undefined;
  /** Work left, shared by every analyser of one review: decrement per character or token; at 0 stop and add a limit. */
  readonly budget: Budget;
}

/** Work units left for one review's analysis; deterministic (counted, not timed). */
export interface Budget {
  left: number;
}
